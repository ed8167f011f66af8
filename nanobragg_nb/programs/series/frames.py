"""Renders the frames of a series: one setup's structure factors and kernels for every frame.

:class:`FrameRenderer` is what a Dask worker receives once: the plan, our
options and the structure factors already read. ``render(k)`` then runs frame
k exactly as the single ``nanobragg-nb`` run of its arguments would (the same
parse, setup, kernel and noise), without writing the C's files, and returns
the image the C would write as ``noiseimage.img`` (``intimage.img`` with
``-nonoise``), its float image and the time each phase took.
"""
import time
from dataclasses import dataclass, field

import numpy as np

from ...core.log import Log
from ...core.setup.structure import StructureCache
from ..nanobragg.api import simulate
from ..nanobragg.cparse import parse_args


@dataclass
class Frame:
    """One rendered frame.

    Attributes
    ----------
    number : int
        1-based frame number.
    pixels : ndarray of uint16, shape (spixels, fpixels)
        The SMV image's pixels: noise image, or int image with -nonoise.
    floatimage : ndarray of float32
        Photons per pixel.
    adc_offset : float
        The offset added to every pixel of ``pixels``.
    setup : Setup
        The frame's prepared simulation.
    seconds : dict
        ``setup``, ``render`` and ``noise``: wall time of each phase.
    detector : PanelDetector or None
        A multi-panel detector's panels; ``pixels`` and ``floatimage`` are then
        the frame with each panel at its place (its NXmx data array).
    """

    number: int
    pixels: np.ndarray
    floatimage: np.ndarray
    adc_offset: float
    setup: object = field(repr=False)
    seconds: dict = field(default_factory=dict)
    detector: object = field(repr=False, default=None)


class _Phases:
    """A writer for :func:`simulate` that keeps the images and times the phases between its calls."""

    writes_cache = False           # no Fdump.bin per frame

    def __init__(self):
        self.marks = {"start": time.perf_counter()}

    def setup_ready(self, setup):
        self.marks["setup"] = time.perf_counter()

    def float_image(self, result, log):
        self.marks["render"] = time.perf_counter()

    def int_image(self, result, log):
        pass

    def pgm_image(self, result, log):
        pass

    def noise_image(self, result, log):
        pass

    def seconds(self):
        end = time.perf_counter()
        m = self.marks
        return {"setup": m["setup"] - m["start"], "render": m["render"] - m["setup"], "noise": end - m["render"]}


class FrameRenderer:
    """Renders frame k of a series.

    Parameters
    ----------
    plan : SeriesPlan
    mode : {"faithful", "fast"}
    fixes : Fixes, optional
        ``--fix``: the upstream physics fixes.
    device : {"cpu", "cuda", "auto"}
    threads : int, optional
        CPU threads per frame (default: all).
    detector : PanelDetector, optional
        A multi-panel detector (``--detector FILE``) instead of the arguments' panel.
    """

    def __init__(self, plan, mode="faithful", fixes=None, device="cpu", threads=None, detector=None):
        self.plan = plan
        self.detector = detector
        self.mode = mode
        self.fixes = fixes
        self.device = device
        self.threads = threads
        self.cache = StructureCache()

    def config(self, k):
        """The parsed configuration of frame ``k``, as its single run parses it (and our options)."""
        cfg = parse_args(self.plan.frame_arguments(k)).config
        cfg.output.write_pgm = False
        if self.fixes is not None:
            cfg.fixes = self.fixes
        cfg.detector.panels = self.detector
        return cfg

    def render(self, k, log=None):
        """Render frame ``k`` (1-based).

        Parameters
        ----------
        k : int
        log : Log, optional
            Receives the C's log of the frame.

        Returns
        -------
        Frame
        """
        cfg = self.config(k)
        phases = _Phases()
        with np.errstate(all="ignore"):       # C arithmetic, as the single run
            result = simulate(cfg, threads=self.threads, device=self.device, log=log or Log(), writer=phases,
                              mode=self.mode, structure_cache=self.cache)
        image = "noiseimage" if result.noiseimage is not None else "intimage"
        if self.detector is None:
            return Frame(k, getattr(result, image), result.floatimage, cfg.output.adc_offset, result.setup,
                         phases.seconds())
        from ..nanobragg.panel_outputs import frame
        return Frame(k, frame(result, image), frame(result, "floatimage"), cfg.output.adc_offset, result.setup,
                     phases.seconds(), self.detector)
