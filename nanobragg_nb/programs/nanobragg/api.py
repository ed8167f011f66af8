"""The Python API: a configuration in, images and statistics out.

Examples
--------
>>> import nanobragg_nb as nb
>>> cfg = nb.Config()
>>> cfg.crystal.set_cell(100, 100, 100)
>>> cfg.crystal.default_F = 100
>>> cfg.beam.wavelength_m = 6.2e-10
>>> cfg.detector.fpixels = cfg.detector.spixels = 64
>>> result = nb.simulate(cfg)
>>> result.floatimage.shape
(64, 64)
"""
import math
import numpy as np

from ...core.engines import cpu as engine
from ...core.engines.progress import progress_line, rendered_count_before, rendered_mask
from ...core import images, rng
from ...cnum import c_atan2, ieee_div
from ...core.kernels import cpu, tables
from ...core.kernels.pixel import (N_REC, R_A, R_B, R_C, R_CAPTURE, R_F_CELL, R_F_LATT, R_H, R_H0, R_I, R_OMEGA,
                                   R_POLAR, R_POS, R_STOL)
from ...core.log import Log
from ...core.setup import prepare
from ...core.setup.crystal import print_vectors
from .result import Result, check_engine
from .validate import check_config, check_threads

__all__ = ["simulate", "Result"]


def simulate(config, threads=None, device="cpu", progress=False, log=None, writer=None, mode="faithful",
             structure_cache=None):
    """Simulate a diffraction image as nanoBragg.c does, without writing files.

    Parameters
    ----------
    config : Config
        The simulation.
    threads : int, optional
        CPU threads (default: Numba's thread count; results do not depend on it).
    device : {"cpu", "cuda", "auto"}
        Where to run the pixel loop.
    progress : bool
        Show a progress bar on stderr for long runs (terminals only).
    log : Log, optional
        Receives the C's stdout text as it is produced (the CLI streams it).
    writer : object, optional
        Used by the command line to write each file at the point where the C
        writes it; ``writer.float_image(result_so_far)`` etc., and, when it
        has one, ``writer.setup_ready(setup)`` before the pixel loop.
    mode : {"faithful", "fast"}
        "faithful" (default) gives the serial C's bits; "fast" trades them for
        speed within the accuracy stated in docs/performance.md.
    structure_cache : StructureCache, optional
        Keeps the structure factors read from files between calls (a series
        reads them once); ``nanobragg_nb.core.setup.structure.StructureCache()``.

    Returns
    -------
    Result

    Raises
    ------
    ArgumentError
        ``config`` is not a :class:`Config`, one of its fields has the wrong
        type (:func:`~.validate.check_config`), or ``threads``, ``device``
        or ``mode`` is not one of the values above.
    NanoBraggError
        Its other subclasses, for unreadable input, impossible geometry ...
    """
    check_config(config)
    check_threads(threads)
    if config.detector.panels is not None:
        from .multipanel import simulate_panels
        return simulate_panels(config, threads=threads, device=device, progress=progress, log=log, mode=mode,
                               structure_cache=structure_cache, writer=writer)
    log = log if log is not None else Log()
    state = rng.RandomState()
    write_cache = writer is not None and getattr(writer, "writes_cache", True)
    s = prepare(config, log, state, write_cache=write_cache, structure_cache=structure_cache)
    if writer is not None and hasattr(writer, "setup_ready"):
        writer.setup_ready(s)
    t = tables.build(s)
    printout = None
    if config.output.printout:
        printout = (config.output.printout_fpixel, config.output.printout_spixel)
    loop = _run_loop(s, t, device, threads, progress, printout, log, mode)
    floatimage = loop.floatimage
    if loop.event is not None and printout is None:
        _interpolation_warning(s, t, loop.event, log, glue=True)
    log.write("\n")
    log.printf("solid angle subtended by detector = %g steradian ( %g%% sphere)\n",
               ieee_div(loop.omega_sum, s.steps), ieee_div(100 * loop.omega_sum, s.steps) / 4 / math.pi)
    max_I, max_I_x, max_I_y, avg, rms, rmsd = cpu.statistics(floatimage, t.Q, t.mask, s.subpixel_size, s.oversample)
    result = Result(floatimage.reshape(s.spixels, s.fpixels), None, None, None,
                    dict(max_I=max_I, max_I_x=max_I_x, max_I_y=max_I_y, mean=avg, rms=rms, rmsd=rmsd,
                         omega_sum=loop.omega_sum, steps=s.steps), "", s)
    out = config.output
    if writer is not None:
        writer.float_image(result, log)
    log.printf("max_I = %g  at %g %g\n", max_I, max_I_x, max_I_y)
    log.printf("mean= %g rms= %g rmsd= %g\n", avg, rms, rmsd)
    roi = np.array([s.roi_xmin, s.roi_xmax, s.roi_ymin, s.roi_ymax], dtype=np.int64)
    scale = images.intfile_scale(out.intfile_scale, max_I)
    result.stats["intfile_scale"] = scale
    log.printf("intfile_scale = %g\n", scale)
    result.intimage = images.int_image(floatimage, s.fpixels, s.spixels, roi, scale, out.adc_offset)
    if writer is not None:
        writer.int_image(result, log)
    if out.write_pgm:
        pscale = images.pgm_scale(out.pgm_scale, scale, rmsd)
        result.stats["pgm_scale"] = pscale
        log.printf("pgm_scale = %g\n", pscale)
        result.pgmimage = images.pgm_image(floatimage, s.fpixels, s.spixels, roi, pscale)
        if writer is not None:
            writer.pgm_image(result, log)
    if s.calculate_noise:
        seed = rng.seed_array(s.seed)
        noise, photons, overloads = rng.noise_image(floatimage, s.fpixels, s.spixels, s.roi_xmin, s.roi_xmax,
                                                    s.roi_ymin, s.roi_ymax, out.adc_offset, seed,
                                                    state.shuffle, state.gauss, state.poi)
        result.noiseimage = noise
        result.stats.update(noise_photons=photons, overloads=overloads)
        log.printf("%.0f photons on noise image (%d overloads)\n", photons, overloads)
        if writer is not None:
            writer.noise_image(result, log)
    for name in ("intimage", "pgmimage", "noiseimage"):
        img = getattr(result, name)
        if img is not None:
            setattr(result, name, img.reshape(s.spixels, s.fpixels))
    result.log = log.text
    return result


def _run_loop(s, t, device, threads, progress, printout, log, mode):
    check_engine(device, mode)
    on_printout = None
    if printout is not None:
        def on_printout(snaps, event):
            # the warning comes out while the C renders the event pixel, before its printout
            for snap in snaps:
                if event is not None and (int(snap[N_REC + 1]), int(snap[N_REC])) >= (event[1], event[0]):
                    _interpolation_warning(s, t, event, log, glue=False)
                    event = None
                _printout(s, snap, log)
            if event is not None:
                _interpolation_warning(s, t, event, log, glue=False)
    if device in ("cuda", "auto"):
        from ...core.engines import cuda as cuda_engine
        if cuda_engine.select(device):          # raises DeviceError for an unusable "cuda"
            return cuda_engine.render(s, t, mode=mode, printout=printout, on_printout=on_printout, threads=threads)
    import numba
    threads = engine.thread_count(threads)
    previous = numba.get_num_threads()
    numba.set_num_threads(threads)           # prange runs on this many threads, not only the block size
    try:
        return engine.render(s, t, threads=threads, progress=progress and s.progress_meter,
                             printout=printout, on_printout=on_printout, mode=mode)
    finally:
        numba.set_num_threads(previous)


# C L2944-2948: the once-only warning when interpolation runs out of range
def _interpolation_warning(s, t, event, log, glue):
    fpixel, spixel, h, k, l, h0, k0, l0 = event
    log.printf("WARNING: out of range for three point interpolation: h,k,l,h0,k0,l0: %g,%g,%g,%d,%d,%d \n",
               h, k, l, h0, k0, l0)
    log.printf("WARNING: further warnings will not be printed! ")
    if glue:
        # the C's next progress line lands on the same line; only that one is reproduced
        index = rendered_count_before(s, t, fpixel, spixel)
        total = int(rendered_mask(t.Q, t.mask, s.spixels).sum())
        log.write(progress_line(s, index, total))


# C L3051-3072: -printout for one pixel
def _printout(s, snap, log):
    fpixel, spixel = int(snap[N_REC]), int(snap[N_REC + 1])
    x, y, z = snap[R_POS:R_POS + 3]
    twotheta = c_atan2(math.sqrt(y * y + z * z), x)
    test = math.sin(twotheta / 2.0) / (s.lambda0 * 1e10)
    p = log.printf
    p("%4d %4d : stol = %g or %g\n", fpixel, spixel, snap[R_STOL], test)
    p("at %g %g %g\n", x, y, z)
    p("hkl= %f %f %f  hkl0= %d %d %d\n", *snap[R_H:R_H + 3], *snap[R_H0:R_H0 + 3])
    p(" F_cell=%g  F_latt=%g   I = %g\n", snap[R_F_CELL], snap[R_F_LATT], snap[R_I])
    p("I/steps %15.10g\n", ieee_div(snap[R_I], s.steps))
    p("polar   %15.10g\n", snap[R_POLAR])
    p("omega   %15.10g\n", snap[R_OMEGA])
    p("capfrac %15.10g\n", snap[R_CAPTURE])
    p("pixel   %15.10g\n", snap[N_REC + 2])
    a = [0.0, *snap[R_A:R_A + 3]]
    b = [0.0, *snap[R_B:R_B + 3]]
    c = [0.0, *snap[R_C:R_C + 3]]
    print_vectors(log, "real-space cell vectors (Angstrom):\n", ("a", "b", "c"), a, b, c, 1e10)
