"""``simulate`` on a multi-panel detector (``config.detector.panels``).

The setup runs as for one panel (crystal, beam, sampling and the C's log),
with the config's pixel size and distance taken from the first panel so that
automatic oversampling sees the detector; then every panel is rendered by
the single-panel kernels (:mod:`nanobragg_nb.core.engines.panels`).

Panel images are stored panel after panel, each row-major: the float, integer
and noise images, the statistics and the noise draws all walk the pixels in
that order (panel 0's rows first), so the noise image's random numbers are
drawn per panel, in panel order, row by row.
"""
import copy
import math

import numpy as np

from ...cnum import ieee_div
from ...core import images, rng
from ...core.engines import cpu as engine
from ...core.engines import panels as panel_engine
from ...core.kernels import cpu, tables
from ...core.kernels.layouts import PIXEL_COUNTS
from ...core.log import Log
from ...core.panels import PanelDetector, plan, read_detector
from ...core.setup import prepare
from ...errors import ArgumentError, GeometryError
from .result import Result, check_engine


def resolve(panels):
    """``config.detector.panels`` as a :class:`PanelDetector`: read from a file name, or checked.

    Raises
    ------
    ArgumentError
        Neither a PanelDetector nor a file name, or no panels.
    InputFileError
        The file cannot be read as a DIALS or CrystFEL detector.
    """
    import os
    if isinstance(panels, (str, os.PathLike)):
        panels = read_detector(panels)
    if not isinstance(panels, PanelDetector):
        raise ArgumentError("config.detector.panels must be a PanelDetector (nanobragg_nb.read_detector) or a "
                            f"detector file name, not {type(panels).__name__}")
    if len(panels) == 0:
        raise ArgumentError("config.detector.panels has no panels")
    return panels


def panel_config(config, detector):
    """A copy of ``config`` whose single-panel detector is the first panel (pixel size, distance).

    Raises
    ------
    ArgumentError
        An option that has no meaning for a multi-panel detector: -curved_det,
        -roi, -printout.
    """
    det, smp = config.detector, config.sampling
    if det.curved:
        raise ArgumentError("-curved_det cannot be combined with a multi-panel detector (--detector)")
    if tuple(smp.roi) != (-1, -1, -1, -1):
        raise ArgumentError("-roi cannot be combined with a multi-panel detector (--detector): use a mask")
    if config.output.printout:
        raise ArgumentError("-printout cannot be combined with a multi-panel detector (--detector)")
    if det.mask is not None and np.asarray(det.mask).size != detector.pixels:
        raise GeometryError(f"the mask has {np.asarray(det.mask).size} pixels but the panels have {detector.pixels}")
    first = plan(detector)[0]
    cfg = copy.copy(config)
    cfg.detector = copy.copy(det)
    cfg.detector.panels = None
    cfg.detector.mask = None
    cfg.detector.pixel_size_m = first.pixel_size
    cfg.detector.distance_m = abs(first.close_distance)
    cfg.detector.close_distance_m = math.nan
    return cfg


def simulate_panels(config, threads=None, device="cpu", progress=False, log=None, mode="faithful",
                    structure_cache=None, writer=None):
    """:func:`~nanobragg_nb.programs.nanobragg.api.simulate` for ``config.detector.panels``.

    ``writer``, when given, hears ``setup_ready(setup)`` before the loop and
    ``float_image(result, log)`` after it (a frame series times its phases so).

    Returns
    -------
    Result
        ``panel_images``: the float image of each panel, (spixels, fpixels);
        ``floatimage``, ``intimage``, ``noiseimage``: (panels, spixels,
        fpixels) when every panel has one size, else flat, panel after panel.
        ``stats`` adds ``max_I_panel``.
    """
    detector = resolve(config.detector.panels)
    mask = None if config.detector.mask is None else np.ascontiguousarray(config.detector.mask,
                                                                          dtype=np.uint16).ravel()
    cfg = panel_config(config, detector)
    check_engine(device, mode)
    log = log if log is not None else Log()
    state = rng.RandomState()
    s = prepare(cfg, log, state, write_cache=False, structure_cache=structure_cache)
    if writer is not None and hasattr(writer, "setup_ready"):
        writer.setup_ready(s)
    t = tables.build(s)
    loop = _render(s, t, detector, device, threads, progress, mode, mask)
    floatimage = loop.floatimage
    if loop.event is not None:
        _, _, _, h, k, l, h0, k0, l0 = loop.event
        log.printf("WARNING: out of range for three point interpolation: h,k,l,h0,k0,l0: %g,%g,%g,%d,%d,%d \n",
                   h, k, l, h0, k0, l0)
        log.printf("WARNING: further warnings will not be printed! ")
    log.write("\n")
    log.printf("solid angle subtended by detector = %g steradian ( %g%% sphere)\n",
               ieee_div(loop.omega_sum, s.steps), ieee_div(100 * loop.omega_sum, s.steps) / 4 / math.pi)
    total = detector.pixels
    Q = t.Q.copy()
    for name, value in (("fpixels", total), ("roi_xmin", 0), ("roi_xmax", total - 1), ("roi_ymin", 0),
                        ("roi_ymax", 0), ("has_mask", int(mask is not None))):
        Q[PIXEL_COUNTS.offsets[name]] = value
    max_I, _, _, avg, rms, rmsd = cpu.statistics(floatimage, Q, mask if mask is not None else t.mask,
                                                 s.subpixel_size, s.oversample)
    panel, max_x, max_y = _max_position(detector, floatimage, mask, max_I, s.oversample)
    stats = dict(max_I=max_I, max_I_x=max_x, max_I_y=max_y, max_I_panel=panel, mean=avg, rms=rms, rmsd=rmsd,
                 omega_sum=loop.omega_sum, steps=s.steps)
    if writer is not None and hasattr(writer, "float_image"):
        writer.float_image(None, log)
    log.printf("max_I = %g  at %g %g on panel %d\n", max_I, max_x, max_y, panel)
    log.printf("mean= %g rms= %g rmsd= %g\n", avg, rms, rmsd)
    out = config.output
    roi = np.array([0, total - 1, 0, 0], dtype=np.int64)
    scale = images.intfile_scale(out.intfile_scale, max_I)
    stats["intfile_scale"] = scale
    log.printf("intfile_scale = %g\n", scale)
    intimage = images.int_image(floatimage, total, 1, roi, scale, out.adc_offset)
    noise = None
    if s.calculate_noise:
        noise, photons, overloads = rng.noise_image(floatimage, total, 1, 0, total - 1, 0, 0, out.adc_offset,
                                                    rng.seed_array(s.seed), state.shuffle, state.gauss, state.poi)
        stats.update(noise_photons=photons, overloads=overloads)
        log.printf("%.0f photons on noise image (%d overloads)\n", photons, overloads)
    starts = detector.offsets()
    panel_images = [floatimage[starts[i]:starts[i + 1]].reshape(p.spixels, p.fpixels)
                    for i, p in enumerate(detector)]
    shape = (len(detector), detector[0].spixels, detector[0].fpixels) if detector.uniform() else (total,)
    return Result(floatimage.reshape(shape), intimage.reshape(shape), None,
                  None if noise is None else noise.reshape(shape), stats, log.text, s,
                  panel_images=panel_images, detector=detector)


def _render(s, t, detector, device, threads, progress, mode, mask):
    if device in ("cuda", "auto"):
        from ...core.engines import cuda as cuda_engine
        if cuda_engine.select(device):
            return panel_engine.render(s, t, detector, cuda_engine.render, mask=mask, mode=mode, threads=threads)
    import numba
    threads = engine.thread_count(threads)
    previous = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        return panel_engine.render(s, t, detector, engine.render, mask=mask, threads=threads, mode=mode,
                                   progress=progress and s.progress_meter)
    finally:
        numba.set_num_threads(previous)


def _max_position(detector, floatimage, mask, max_I, oversample):
    """(panel, Fdet, Sdet) of the first pixel holding ``max_I``, as the C reports its position."""
    hits = np.flatnonzero((floatimage == np.float32(max_I)) & (True if mask is None else mask != 0))
    if max_I <= 0.0 or not len(hits):
        return 0, 0.0, 0.0
    index = int(hits[0])
    starts = detector.offsets()
    panel = int(np.searchsorted(starts, index, side="right") - 1)
    p = detector[panel]
    spixel, fpixel = divmod(index - int(starts[panel]), p.fpixels)
    sub = p.pixel_size_m / oversample
    return (panel, sub * (fpixel * oversample + oversample - 1) + sub / 2.0,
            sub * (spixel * oversample + oversample - 1) + sub / 2.0)
