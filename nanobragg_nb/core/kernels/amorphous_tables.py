"""Inputs of the nonBragg kernels, built once from an :class:`~nanobragg_nb.core.amorphous.AmorphousSetup`.

The detector fields go into nanoBragg's ``P`` and ``Q`` arrays (the crystal
fields stay 0), so that the geometry helpers of :mod:`.pixel` read them; the
rest into ``AP`` and ``AQ``. The sources are unitized once, with the same
operations the C repeats for every sub-pixel.
"""
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .layouts import AMORPHOUS_COUNTS, AMORPHOUS_PARAMS, PIXEL_COUNTS, PIXEL_PARAMS
from .tables import _polar_axis_sequence


class AmorphousInputs(NamedTuple):
    """The arrays every nonBragg kernel reads, in the order the kernels take them (``*inputs``)."""

    P: np.ndarray
    Q: np.ndarray
    mask: np.ndarray
    AP: np.ndarray
    AQ: np.ndarray
    src: np.ndarray
    source_I: np.ndarray
    stol_of: np.ndarray
    Fbg_of: np.ndarray
    pv_table: np.ndarray


@dataclass
class AmorphousTables:
    """The kernel inputs and what the driver needs to know about the serial-order state.

    Attributes
    ----------
    inputs : AmorphousInputs
    pcalls_saturated : int
        From this many polarization calls on, the axis no longer changes.
    monotonic : bool
        The table's stol column is strictly increasing: the hunt for the
        interpolation points ends where it would from any start, so rows may
        be rendered in parallel.
    """

    inputs: AmorphousInputs
    pcalls_saturated: int
    monotonic: bool


def build(s, record=False):
    """Build the kernel inputs of a prepared nonBragg run.

    Parameters
    ----------
    s : AmorphousSetup
    record : bool
        Have the kernel keep the last stol, polarization, solid angle,
        ``nearest`` and position of each pixel (-img, -printout).

    Returns
    -------
    AmorphousTables
    """
    zeros3 = np.zeros(3)
    P = PIXEL_PARAMS.pack(
        pixel_size=s.pixel_size, subpixel_size=s.subpixel_size, thickstep=s.detector_thickstep,
        thick=s.detector_thick, mu=s.detector_mu, close_distance=s.close_distance, distance=s.distance,
        polarization=s.polarization, dmin=0.0, na=0.0, nb=0.0, nc=0.0, fudge=0.0, water_size=0.0, default_f=0.0,
        i_bg=0.0, r_e_sqr=s.r_e_sqr, fluence=s.fluence, phi0=0.0, phistep=0.0, astar=zeros3, bstar=zeros3,
        cstar=zeros3, fdet=s.fdet_vector[1:4], sdet=s.sdet_vector[1:4], odet=s.odet_vector[1:4],
        pix0=s.pix0_vector[1:4], beam=s.beam_vector[1:4])
    counts = {name: 0 for name, _ in PIXEL_COUNTS.fields}
    counts.update(fpixels=s.fpixels, oversample=s.oversample, thicksteps=s.detector_thicksteps, sources=s.sources,
                  curved=int(s.curved_detector), point_pixel=int(s.point_pixel), nopolar=int(s.nopolar),
                  steps=s.steps, roi_xmin=s.roi_xmin, roi_xmax=s.roi_xmax, roi_ymin=s.roi_ymin,
                  roi_ymax=s.roi_ymax, has_mask=0, omega_terms=1)
    Q = PIXEL_COUNTS.pack(**{name: int(value) for name, value in counts.items()})
    AP = AMORPHOUS_PARAMS.pack(molecules=s.molecules)
    AQ = AMORPHOUS_COUNTS.pack(stols=s.stols, fmap_pixel=int(s.fmap_pixel), record=int(record))
    pv_table = _polar_axis_sequence(s)
    table = s.stol_of[:s.stols]
    with np.errstate(invalid="ignore"):
        monotonic = bool(np.all(np.diff(table) > 0.0))
    inputs = AmorphousInputs(P, Q, np.ones(1, dtype=np.uint16), AP, AQ,
                             np.ascontiguousarray(s.source_xyz_lambda), np.ascontiguousarray(s.source_I),
                             np.ascontiguousarray(s.stol_of), np.ascontiguousarray(s.Fbg_of), pv_table)
    return AmorphousTables(inputs, len(pv_table) - 1, monotonic)
