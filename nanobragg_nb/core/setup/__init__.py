"""The setup phase of nanoBragg.c (C L1118-2515), in the C's order.

:func:`prepare` turns a :class:`~nanobragg_nb.core.config.Config` into a
:class:`Setup`: every quantity the pixel loop needs, under the C's variable
names, and the log the C prints before the loop.
"""
import os

import numpy as np

from .. import rng
from ...errors import GeometryError, ResourceError, UsageExit
from . import beam, crystal, detector, sampling, structure, summary
from .state import Setup
from .usage import usage_text
from .vec import vec

R_E_SQR = 7.94079248018965e-30
AVOGADRO = 6.02214179e23
BANNER = "nanoBragg nanocrystal diffraction simulator - James Holton and Ken Frankel 5-17-17\n"


def _seeds(cfg):
    now = None
    seed, misset_seed = cfg.output.seed, cfg.crystal.misset_seed
    if seed is None or misset_seed is None:
        from ..config import time_seed
        now = time_seed()
    return (now if seed is None else seed), (now if misset_seed is None else misset_seed)


def _check_memory(pixels):
    """Refuse detectors whose images would not fit in memory (the C would crash or thrash)."""
    need = pixels * (4 + 2 + 2 + 1) + 64 * 2**20
    try:
        with open("/proc/meminfo") as f:
            info = {line.split(":")[0]: int(line.split()[1]) * 1024 for line in f if ":" in line}
        avail = info.get("MemAvailable", info.get("MemTotal"))
    except (OSError, ValueError, IndexError):
        avail = None
    if pixels > 2**31 - 11:
        raise ResourceError(f"a {pixels}-pixel detector has more pixels than the C's 32-bit pixel count "
                            f"allows ({2**31 - 11})")
    if avail is not None and need > avail:
        raise ResourceError(f"a {pixels}-pixel detector needs about {need / 2**30:.1f} GiB for its images"
                            + f", more than the {avail / 2**30:.1f} GiB available")


def prepare(cfg, log, state=None, write_cache=True, structure_cache=None):
    """Run the setup phase in the C's order.

    Parameters
    ----------
    cfg : Config
        The configuration.
    log : Log
        Receives what the C prints before its pixel loop.
    state : rng.RandomState, optional
        The shared random-number state (the C's static ran1 table).
    write_cache : bool
        Write the Fdump cache after reading -hkl, as the C does (the command
        line); the Python API writes no files.
    structure_cache : structure.StructureCache, optional
        Tables already read, by the earlier frames of a series.

    Returns
    -------
    Setup

    Raises
    ------
    UsageExit
        Not enough input to simulate (no structure factors or no cell); the
        C's usage text has been written to ``log``.
    NanoBraggError
        Impossible geometry, unreadable input, too large a detector.
    """
    s = Setup()
    s.rng_state = state if state is not None else rng.RandomState()
    cr, det = cfg.crystal, cfg.detector
    s.distance, s.close_distance_in = det.distance_m, det.close_distance_m
    s.lambda0 = cfg.beam.wavelength_m
    detector.detector_size(s, det)
    beam.fluence(s, cfg, log)
    detector.centre_defaults(s, det, cfg.sampling)
    detector.convention(s, cfg)
    detector.straighten_vectors(s, log)
    log.write(BANNER)
    # C L1277-1369: look for the Fdump cache; print the usage when the input is insufficient
    s.fdump_present = False
    if cr.hkl_file is None:
        s.fdump_present = os.path.isfile(cr.dump_file) and os.access(cr.dump_file, os.R_OK)
        if not s.fdump_present and cr.default_F == 0.0:
            log.write("ERROR: no hkl file and no dump file to read.")
    if (cr.hkl_file is None and not s.fdump_present and cr.default_F == 0.0) or \
            (cr.matrix_file is None and cr.cell_A[0] == 0.0):
        log.write(usage_text(cfg.output.adc_offset, 1.0, s.beamsize, s.exposure,
                             dict(f=s.fdet_vector, s=s.sdet_vector, o=s.odet_vector, b=s.beam_vector,
                                  p=s.polar_vector, sp=s.spindle_vector)))
        raise UsageExit("not enough input: give -hkl (or -default_F) and -cell or -mat")
    # C L1373-1377: allocate the images
    _check_memory(s.pixels)
    sampling.phi_steps(s, cr)
    beam.divergence_and_dispersion(s, cfg.beam)
    sampling.thickness(s, det, log)
    sampling.mosaic_counts(s, cr, log)
    beam.divergence_sanity(s)
    sampling.thickness_sanity(s)
    detector.geometry(s, cfg, log)
    # C L1778-1789: auto-selection of interpolation, before N is derived from the crystal size
    s.interpolate = cr.interpolate
    if s.interpolate > 1:
        if cr.Na <= 2 or cr.Nb <= 2 or cr.Nc <= 2:
            log.printf("auto-selected tricubic interpolation of structure factors\n")
            s.interpolate = 1
        else:
            log.printf("auto-selected no interpolation\n")
            s.interpolate = 0
    s.seed, misset_seed = _seeds(cfg)
    s.misset_seed = rng.seed_array(misset_seed)
    s.a, s.b, s.c = vec(), vec(), vec()
    s.a_star, s.b_star, s.c_star = vec(), vec(), vec()
    s.V_cell = 0.0
    if cr.user_cell:
        crystal.cell_from_parameters(s, cr, log)
    if cr.matrix_file is not None:
        crystal.cell_from_matrix(s, cr.matrix_file, log)
    crystal.misset(s, cr, s.rng_state, log)
    crystal.real_space(s, cr.user_cell, log)
    crystal.crystal_size(s, cr, log)
    crystal.oversample_and_mw(s, cfg.sampling.oversample, log)
    s.default_F = cr.default_F
    structure.load(s, cr, log, write_cache, structure_cache)
    structure.stol_table(cr, log)
    summary.layers_and_phi(s, log)
    beam.sources(s, cfg, log)
    _mosaic_domains(s, cr, log)
    _copy_flags(s, cfg)
    # C L2461-2463: steps (an int in the C) and the sub-pixel size
    if s.oversample <= 0:
        s.oversample = 1
    s.steps = _c_int(s.sources * s.mosaic_domains * s.phisteps * s.oversample * s.oversample)
    s.subpixel_size = s.pixel_size / s.oversample
    summary.parameters(s, cfg, log)
    # C L2514-2515: the water background, already multiplied by r_e^2 * fluence
    F_bg = 2.57
    s.I_bg = F_bg * F_bg * R_E_SQR * s.fluence * s.water_size * s.water_size * s.water_size * 1e6 * AVOGADRO / 18.0
    s.r_e_sqr = R_E_SQR
    return s


def _c_int(n):
    """The C's ``int`` arithmetic for ``steps``: wraps at 32 bits."""
    from ...cnum import to_int32
    return to_int32(n)


# C L2437-2456: one random rotation per mosaic domain; domain 0 is then the identity
def _mosaic_domains(s, cr, log):
    seed = rng.seed_array(cr.mosaic_seed)
    umats = np.zeros((s.mosaic_domains, 9))
    spread = np.float32(s.mosaic_spread)
    rng.mosaic_rotation_umats_into(spread, seed, s.rng_state.shuffle, umats)
    if s.mosaic_domains > 0:
        umats[0] = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)
    s.mosaic_umats = umats
    log.printf("  created a total of %d mosaic domains\n", s.mosaic_domains)


def _copy_flags(s, cfg):
    """The remaining C variables that come straight from the configuration."""
    cr, det, smp, out, b = cfg.crystal, cfg.detector, cfg.sampling, cfg.output, cfg.beam
    s.xtal_shape, s.fudge = cr.shape, cr.fudge
    if s.xtal_shape not in summary.SHAPE_NAMES:
        raise GeometryError(f"unknown crystal shape '{s.xtal_shape}' (square, round, gauss or tophat)")
    s.dmin, s.water_size = cr.dmin_m, cr.water_size_m
    s.nopolar, s.polarization = b.nopolar, b.polarization_kahn
    s.curved_detector, s.point_pixel = det.curved, det.point_pixel
    s.oversample_thick, s.oversample_polar = smp.oversample_thick, smp.oversample_polar
    s.oversample_omega = smp.oversample_omega
    s.fix_phi0, s.fix_oversample = bool(cfg.fixes.phi0), bool(cfg.fixes.oversample)
    s.calculate_noise, s.progress_meter = out.calculate_noise, out.progress_meter
    s.maskimage, s.mask_file = det.mask, det.mask_file
    if s.maskimage is not None:
        mask = np.ascontiguousarray(s.maskimage, dtype=np.uint16).ravel()
        if mask.size < s.pixels:     # the C would read past the end of the mask
            raise GeometryError(f"the mask has {mask.size} pixels but the detector has "
                                f"{s.fpixels} x {s.spixels} = {s.pixels}")
        # a larger mask: the C reads its first pixels, in the detector's row-major order
        s.maskimage = mask[:s.pixels]
