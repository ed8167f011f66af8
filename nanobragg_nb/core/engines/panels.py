"""The pixel loop over the panels of a multi-panel detector.

Each panel is rendered by the single-panel engines (:mod:`.cpu`, :mod:`.cuda`)
with its own tables (:func:`nanobragg_nb.core.kernels.tables.for_panel`): the
same kernels, the same loop body. The panels are walked in their order, each
continuing the serial-order state (stale phi rotation, polarization axis,
interpolation) and the solid-angle sum of the one before, as if the panels
were the rows of one detector, one after the other.
"""
from dataclasses import dataclass, replace

import numpy as np

from ..kernels import tables
from ..panels import plan
from . import cpu


@dataclass
class _Shape:
    """The two sizes of a Setup the engines read, for one panel."""

    fpixels: int
    spixels: int

    @property
    def pixels(self):
        return self.fpixels * self.spixels


def render(s, t, detector, device_render=None, mask=None, **options):
    """Render every panel of ``detector``; the float images one after the other.

    Parameters
    ----------
    s : Setup
    t : Tables
        Built for ``s`` (:func:`nanobragg_nb.core.kernels.tables.build`).
    detector : PanelDetector
    device_render : callable, optional
        The engine's ``render`` (``cpu.render`` by default, or
        ``cuda.render``); called once per panel.
    mask : ndarray of uint16, optional
        Pixels to skip (0), panel after panel as the image.
    **options
        Passed to each call (threads, mode, progress ...).

    Returns
    -------
    LoopResult
        ``floatimage``: flat float32, panel after panel, each row-major;
        ``event``: (panel, fpixel, spixel, h, k, l, h0, k0, l0) of the first
        interpolation switch-off, or None.
    """
    run = device_render or cpu.render
    images = []
    walk = None
    event = None
    starts = detector.offsets()
    for index, panel in enumerate(plan(detector)):
        part = None if mask is None else mask[starts[index]:starts[index + 1]]
        tp = tables.for_panel(t, panel, s.oversample, part)
        extra = {}
        if run is cpu.render:
            # blocks as large as the whole detector's would be: as many rows of this width as all panels hold
            extra["block_of"] = max(1, detector.pixels // panel.fpixels)
        loop = run(_Shape(panel.fpixels, panel.spixels), tp, start=walk, **options, **extra)
        if event is None and loop.event is not None:
            event = (index,) + tuple(loop.event)
        walk = loop.walk
        images.append(loop.floatimage)
    image = np.concatenate(images) if images else np.zeros(0, dtype=np.float32)
    return replace(loop, floatimage=image, event=event, omega_sum=walk.omega_sum)
