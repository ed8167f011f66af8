"""Beam set-up: fluence, the divergence and dispersion step logic, and the source list."""
import math

import numpy as np

from ...cnum import ieee_div as _div
from ...errors import InputFileError
from ...cnum import ceil_to_int
from ...io.textfile import read_text_file
from .vec import rotate_axis, unitize, vec


# C L1130-1148: fluence from flux, exposure and beam size; the beam clips the sample
def fluence(s, cfg, log):
    b = cfg.beam
    s.fluence = b.fluence_photons_per_m2
    s.flux, s.exposure, s.beamsize = b.flux_photons_per_s, b.exposure_s, b.beamsize_m
    s.sample_x, s.sample_y, s.sample_z = cfg.crystal.sample_x_m, cfg.crystal.sample_y_m, cfg.crystal.sample_z_m
    if s.flux != 0.0 and s.exposure > 0.0 and s.beamsize >= 0:
        s.fluence = _div(_div(s.flux * s.exposure, s.beamsize), s.beamsize)
    if s.beamsize >= 0:
        if s.beamsize < s.sample_y:
            log.printf("WARNING: clipping sample (%lg m high) with beam (%lg m)\n", s.sample_y, s.beamsize)
            s.sample_y = s.beamsize
        if s.beamsize < s.sample_z:
            log.printf("WARNING: clipping sample (%lg m wide) with beam (%lg m)\n", s.sample_z, s.beamsize)
            s.sample_z = s.beamsize
    if s.exposure > 0.0:
        s.flux = s.fluence / s.exposure * s.beamsize * s.beamsize


def step_logic(steps, rng, step, default_range):
    """The C's rule for a (steps, range, step) triple with -1 meaning unset.

    Mirrors the h/v divergence and dispersion blocks (C L1431-1580), which
    are the same tree; ``default_range`` is the range chosen when only a
    number of steps is given (1.0 for all three in the C).

    Returns
    -------
    tuple
        (steps, range, step)
    """
    if steps <= 0:
        if rng < 0.0:
            if step <= 0.0:
                steps, rng, step = 1, 0.0, 0.0
            else:
                rng = step
                steps = 2
        else:
            if step <= 0.0:
                step = rng
                steps = 2
            else:
                steps = ceil_to_int(_div(rng, step))     # an int in the C
    else:
        if rng < 0.0:
            if step <= 0.0:
                rng = default_range
                step = rng / steps
            else:
                rng = step
                steps = 2
        else:
            if step <= 0.0:
                if steps <= 1:
                    steps = 2
                step = rng / (steps - 1)
    return steps, rng, step


# C L1431-1580: divergence and dispersion steps (the sanity resets come later)
def divergence_and_dispersion(s, beam):
    s.hdivsteps, s.hdivrange, s.hdivstep = step_logic(beam.hdiv_steps, beam.hdiv_range_rad, beam.hdiv_step_rad, 1.0)
    s.vdivsteps, s.vdivrange, s.vdivstep = step_logic(beam.vdiv_steps, beam.vdiv_range_rad, beam.vdiv_step_rad, 1.0)
    s.dispsteps, s.dispersion, s.dispstep = step_logic(beam.dispersion_steps, beam.dispersion_fraction, -1.0, 1.0)


# C L1676-1689: sanity resets of the divergence and dispersion ranges
def divergence_sanity(s):
    if s.hdivrange <= 0.0 or s.hdivstep <= 0.0 or s.hdivsteps <= 0:
        s.hdivsteps, s.hdivrange, s.hdivstep = 1, 0.0, 0.0
    if s.vdivrange <= 0.0 or s.vdivstep <= 0.0 or s.vdivsteps <= 0:
        s.vdivsteps, s.vdivrange, s.vdivstep = 1, 0.0, 0.0
    if s.dispersion <= 0.0 or s.dispstep <= 0.0 or s.dispsteps <= 0:
        s.dispsteps, s.dispersion, s.dispstep = 1, 0.0, 0.0


def _kept(s, hdiv_tic, vdiv_tic, round_div):
    """Whether a divergence grid point survives the elliptical cut (C L2355-2361)."""
    hdiv = s.hdivstep * hdiv_tic - s.hdivrange / 2.0
    vdiv = s.vdivstep * vdiv_tic - s.vdivrange / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        test = (np.float64(hdiv * hdiv - s.hdivstep * s.hdivstep / 4.0 * (1 - s.hdivsteps % 2))
                / np.float64(s.hdivrange) / np.float64(s.hdivrange))
        test += (np.float64(vdiv * vdiv - s.vdivstep * s.vdivstep / 4.0 * (1 - s.vdivsteps % 2))
                 / np.float64(s.vdivrange) / np.float64(s.vdivrange))
    return hdiv, vdiv, not (round_div and test * 4.0 > 1.1)


# C L2320-2434: sources from -sourcefile, or generated from divergence and dispersion
def sources(s, cfg, log, weight=None, source_distance=10.0):
    """The sources, logged as the C logs them; sets ``s.sources`` and ``s.source_xyz_lambda``.

    ``weight`` is the intensity of each generated source (None: 1/count, as
    nanoBragg.c; nonBragg.c gives 1.0); ``source_distance`` the distance of
    the generated and defaulted ones. Returns the rows (X, Y, Z, I, lambda).
    """
    beam = s.beam_vector
    rows = []
    s.divsteps = -1
    if cfg.beam.source_file is not None:
        X, Y, Z, I, lam = read_text_file(cfg.beam.source_file, 5)
        if len(X) == 0:
            raise InputFileError(f"{cfg.beam.source_file}: no sources in the file "
                                 "(reading source definition file)")
        for n in range(len(X)):
            rows.append([-source_distance * beam[1] if math.isnan(X[n]) else X[n],
                         -source_distance * beam[2] if math.isnan(Y[n]) else Y[n],
                         -source_distance * beam[3] if math.isnan(Z[n]) else Z[n],
                         1.0 if math.isnan(I[n]) else I[n],
                         s.lambda0 if math.isnan(lam[n]) else lam[n]])
    if not rows:
        round_div = cfg.beam.round_div
        s.divsteps = 0
        for hdiv_tic in range(s.hdivsteps):
            for vdiv_tic in range(s.vdivsteps):
                hdiv, vdiv, keep = _kept(s, hdiv_tic, vdiv_tic, round_div)
                if keep:
                    s.divsteps += 1
                    log.printf("divergence deviation: %g %g\n", hdiv, vdiv)
        for disp_tic in range(s.dispsteps):
            lam = s.lambda0 * (1.0 + s.dispstep * disp_tic - s.dispersion / 2.0)
            log.printf("lambda%d = %.15g\n", disp_tic, lam)
        count = s.divsteps * s.dispsteps
        if weight is None:
            weight = _div(1.0, count)
        for hdiv_tic in range(s.hdivsteps):
            for vdiv_tic in range(s.vdivsteps):
                hdiv, vdiv, keep = _kept(s, hdiv_tic, vdiv_tic, round_div)
                if not keep:
                    continue
                vector = vec(-source_distance * beam[1], -source_distance * beam[2], -source_distance * beam[3])
                newvector = rotate_axis(vector, vec(), s.polar_vector, vdiv)
                rotate_axis(newvector, vector, s.vert_vector, hdiv)
                for disp_tic in range(s.dispsteps):
                    lam = s.lambda0 * (1.0 + s.dispstep * disp_tic - s.dispersion / 2.0)
                    rows.append([vector[1], vector[2], vector[3], weight, lam])
    log.printf("  created a total of %d sources:\n", len(rows))
    src = np.zeros((max(len(rows), 1), 4))
    for n, (X, Y, Z, I, lam) in enumerate(rows):
        v = vec(X, Y, Z)
        unitize(v, v)
        src[n] = v[1], v[2], v[3], lam
        log.printf("%g %g %g   %g %g\n", X, Y, Z, I, lam)
    s.sources = len(rows)
    s.source_xyz_lambda = src[:len(rows)].copy()
    return rows
