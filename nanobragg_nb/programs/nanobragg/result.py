"""What :func:`~nanobragg_nb.programs.nanobragg.api.simulate` returns, and its engine arguments checked."""
from dataclasses import dataclass, field
from typing import Optional

import numpy as np


@dataclass
class Result:
    """What a simulation produced.

    Attributes
    ----------
    floatimage : ndarray of float32, shape (spixels, fpixels)
        Photons per pixel, the C's floatimage.bin.
    intimage : ndarray of uint16
        The noiseless integer image (intimage.img without its header).
    pgmimage : ndarray of uint8 or None
        The PGM pixels, when the PGM is enabled.
    noiseimage : ndarray of uint16 or None
        The image with Poisson noise, unless noise is disabled.
    stats : dict
        max_I, max_I_x, max_I_y, mean, rms, rmsd, omega_sum, steps,
        intfile_scale, pgm_scale, noise_photons, overloads.
    log : str
        The text nanoBragg.c prints on stdout for this run (without its
        "N% done" progress lines).
    setup : Setup
        Every derived quantity, under the C's variable names.
    panel_images : list of ndarray or None
        With ``config.detector.panels``: each panel's float image (spixels,
        fpixels); the images above then hold every panel
        (:mod:`~nanobragg_nb.programs.nanobragg.multipanel`).
    detector : PanelDetector or None
        The panels, with ``config.detector.panels``.
    """

    floatimage: np.ndarray
    intimage: np.ndarray
    pgmimage: Optional[np.ndarray]
    noiseimage: Optional[np.ndarray]
    stats: dict
    log: str
    setup: object = field(repr=False, default=None)
    panel_images: Optional[list] = field(repr=False, default=None)   #: float image of each panel (multi-panel)
    detector: object = field(repr=False, default=None)               #: the PanelDetector (multi-panel)


def check_engine(device, mode):
    """Raise ArgumentError for an unknown device or mode."""
    from ...errors import ArgumentError
    if device not in ("cpu", "cuda", "auto"):
        raise ArgumentError(f"unknown device '{device}' (cpu, cuda or auto)")
    if mode not in ("faithful", "fast"):
        raise ArgumentError(f"unknown mode '{mode}' (faithful or fast)")
