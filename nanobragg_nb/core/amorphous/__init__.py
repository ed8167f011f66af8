"""nonBragg.c's setup phase (nonBragg.c L826-1407): ``prepare(cfg, log) -> AmorphousSetup``.

In the C's order: the detector size, the beam centre defaults, the fluence
and the sample, the vectors, the phi, divergence and dispersion step logic,
the pivot and the detector orientation, the structure-factor table, the
sources and the summary the C prints before its loop. Where nonBragg.c does
what nanoBragg.c does, the helpers of :mod:`nanobragg_nb.core.setup` run.
"""
import math
import sys
from types import SimpleNamespace

import numpy as np

from ...errors import InputFileError
from ...io.textfile import read_text_file, rows_without_a_number
from ..setup import beam as beam_setup
from ..setup.detector import detector_size, pivot_and_turn, roi_defaults
from ..setup.sampling import phi_steps
from ..setup.summary import wavelength_and_switches
from ..setup.vec import cross, dot, rotate, unitize, vec
from .config import AmorphousConfig
from .state import AmorphousSetup

__all__ = ["AmorphousConfig", "AmorphousSetup", "prepare", "read_stol_table"]

DBL_MIN = sys.float_info.min
#: Avogadro's number as nonBragg.c defines it
AVOGADRO = 6.02214179e23
#: Thomson cross section (m^2) as nonBragg.c holds it
R_E_SQR = 7.94079248018965e-30


# C L827-843: detector size and pixel counts; nonBragg.c rounds a fractional pixel up
def _detector_size(s, cfg):
    det = SimpleNamespace(pixel_size_m=cfg.pixel_size, detsize_f_m=cfg.detsize_x, detsize_s_m=cfg.detsize_y,
                          fpixels=cfg.fpixels, spixels=cfg.spixels)
    detector_size(s, det, size_names=("detsize_x", "detsize_y"), pixel_rounding=0.0)


# C L844-856: near point, beam centre and ROI defaults
def _centre_defaults(s, cfg):
    s.Xclose, s.Yclose, s.Xbeam, s.Ybeam = cfg.Xclose, cfg.Yclose, cfg.Xbeam, cfg.Ybeam
    if not math.isnan(cfg.ORGX):
        s.Xclose = cfg.ORGX * s.pixel_size
    if not math.isnan(cfg.ORGY):
        s.Yclose = cfg.ORGY * s.pixel_size
    if math.isnan(s.Xclose):
        s.Xclose = (s.detsize_x - s.pixel_size) / 2.0
    if math.isnan(s.Yclose):
        s.Yclose = (s.detsize_y + s.pixel_size) / 2.0
    if math.isnan(s.Xbeam):
        s.Xbeam = s.Xclose
    if math.isnan(s.Ybeam):
        s.Ybeam = s.Yclose
    roi_defaults(s, cfg.roi)


# C L858-878: fluence, the beam clipping the sample; volume and molecules
def _fluence_and_sample(s, cfg, log):
    adapter = SimpleNamespace(
        beam=SimpleNamespace(fluence_photons_per_m2=cfg.fluence, flux_photons_per_s=cfg.flux,
                             exposure_s=cfg.exposure, beamsize_m=cfg.beamsize),
        crystal=SimpleNamespace(sample_x_m=cfg.sample_x, sample_y_m=cfg.sample_y, sample_z_m=cfg.sample_z))
    beam_setup.fluence(s, adapter, log)
    s.molecular_weight = cfg.molecular_weight
    s.density = cfg.density
    s.volume = s.sample_x * s.sample_y * s.sample_z
    with np.errstate(all="ignore"):
        if cfg.molecules != 0:
            s.density = float(np.float64(cfg.molecules) / s.volume / AVOGADRO * s.molecular_weight)
        s.molecules = float(np.float64(s.volume) * s.density * AVOGADRO / s.molecular_weight)


# C L880-890: unitize the vectors; odet is always fdet x sdet; vert_vector
def _straighten_vectors(s, cfg):
    s.beam_vector = vec(*cfg.beam_vector)
    s.fdet_vector = vec(*cfg.fdet_vector)
    s.sdet_vector = vec(*cfg.sdet_vector)
    s.odet_vector = vec(*cfg.odet_vector)
    s.polar_vector = vec(*cfg.polar_vector)
    s.spindle_vector = vec(*cfg.spindle_vector)
    s.twotheta_axis = vec(*cfg.twotheta_axis)
    unitize(s.beam_vector, s.beam_vector)
    unitize(s.fdet_vector, s.fdet_vector)
    unitize(s.sdet_vector, s.sdet_vector)
    cross(s.fdet_vector, s.sdet_vector, s.odet_vector)
    unitize(s.odet_vector, s.odet_vector)
    unitize(s.polar_vector, s.polar_vector)
    unitize(s.spindle_vector, s.spindle_vector)
    s.vert_vector = vec()
    cross(s.beam_vector, s.polar_vector, s.vert_vector)
    unitize(s.vert_vector, s.vert_vector)


# C L892-1167: phi, divergence, dispersion and detector-layer step logic, then the sanity resets
def _steps(s, cfg):
    phi_steps(s, SimpleNamespace(phisteps=cfg.phisteps, osc_rad=cfg.osc, phistep_rad=cfg.phistep,
                                 phi0_rad=cfg.phi0))
    s.hdivsteps, s.hdivrange, s.hdivstep = beam_setup.step_logic(cfg.hdivsteps, cfg.hdivrange, cfg.hdivstep, 1.0)
    s.vdivsteps, s.vdivrange, s.vdivstep = beam_setup.step_logic(cfg.vdivsteps, cfg.vdivrange, cfg.vdivstep, 1.0)
    s.dispsteps, s.dispersion, s.dispstep = beam_setup.step_logic(cfg.dispsteps, cfg.dispersion, -1.0, 1.0)
    # no argument sets the sensor thickness: whatever its step, the sanity reset leaves one layer of 0
    s.detector_thicksteps, s.detector_thick, s.detector_thickstep, s.detector_mu = 1, 0.0, 0.0, 0.0
    beam_setup.divergence_sanity(s)


# C L1169-1223: pivot, rotations and two-theta; the near point and the beam centre recomputed
def _geometry(s, cfg, log):
    rotx, roty, rotz = cfg.detector_rotx, cfg.detector_roty, cfg.detector_rotz
    s.detector_twotheta = cfg.detector_twotheta
    vector = rotate(s.odet_vector, vec(), rotx, roty, rotz)
    ratio = dot(s.beam_vector, vector)
    if ratio == 0.0:
        ratio = DBL_MIN
    s.distance = cfg.distance
    s.close_distance = cfg.close_distance
    if math.isnan(s.close_distance):
        s.close_distance = ratio * s.distance
    s.distance = s.close_distance / ratio
    (s.Xclose, s.Yclose), (s.Xbeam, s.Ybeam) = pivot_and_turn(s, cfg.pivot, rotx, roty, rotz, ratio,
                                                              (s.Xclose, s.Yclose), (s.Xbeam, s.Ybeam), log)


# C L1225-1260: the structure-factor table, with two guard points at each end
def read_stol_table(path, stol_file_mult):
    """Read a ``.stol`` table as nonBragg.c does and add its guard points.

    Parameters
    ----------
    path : str
        Two columns: sin(theta)/lambda (in the file's unit) and F; a missing
        F is 0.
    stol_file_mult : float
        Converts the first column to sin(theta)/lambda in 1/m (1e10 for
        ``-stol``, 1e10/4 for ``-4stol``, 1e10/4/pi for ``-Q``).

    Returns
    -------
    stol_of, Fbg_of : numpy.ndarray
        ``stols = lines + 4`` points each (the C's arrays), followed by six
        NaN entries as the C's allocation holds them.

    Raises
    ------
    InputFileError
        The file cannot be read, holds no data, or a line of it starts with
        no number (the C would read it as a point at stol 0 with F 0).
    """
    stol_col, F_col = read_text_file(path, 2)
    lines = len(stol_col)
    if lines == 0:
        raise InputFileError(f"{path}: no data in the structure-factor table (nonBragg.c: "
                             "'no data in input file', exit 9)")
    bad = rows_without_a_number(path)
    if bad:
        row, text = bad[0]
        raise InputFileError(f"{path}: row {row} of the structure-factor table is not a number: "
                             f"{text.strip()[:60]!r}")
    # the C's arrays: lines+10 entries, NaN where nothing is read
    stol_of = np.full(lines + 10, np.nan)
    Fbg_of = np.full(lines + 10, np.nan)
    stol_of[:lines] = stol_col
    Fbg_of[:lines] = F_col
    stols = lines + 4
    F_highangle = math.nan
    F_lowangle = math.nan
    for i in range(stols - 3, 1, -1):
        stol_of[i] = stol_of[i - 2] * stol_file_mult
        Fbg_of[i] = Fbg_of[i - 2]
        if not math.isnan(Fbg_of[i]):
            F_lowangle = Fbg_of[i]
            if math.isnan(F_highangle):
                F_highangle = Fbg_of[i]
        else:
            Fbg_of[i] = 0.0
    stol_of[0] = -1e99
    stol_of[1] = -1e98
    Fbg_of[0] = Fbg_of[1] = F_lowangle
    stol_of[stols - 2] = 1e98
    stol_of[stols - 1] = 1e99
    Fbg_of[stols - 1] = Fbg_of[stols - 2] = F_highangle
    return stol_of, Fbg_of


def prepare(cfg, log):
    """Run nonBragg.c's setup phase.

    Parameters
    ----------
    cfg : AmorphousConfig
        With ``stol_file`` set.
    log : Log
        Receives what the C prints during its setup.

    Returns
    -------
    AmorphousSetup

    Raises
    ------
    GeometryError
        An impossible detector.
    InputFileError
        A structure-factor table or source file that cannot be read or holds no data.
    """
    s = AmorphousSetup()
    _detector_size(s, cfg)
    _centre_defaults(s, cfg)
    _fluence_and_sample(s, cfg, log)
    _straighten_vectors(s, cfg)
    _steps(s, cfg)
    _geometry(s, cfg, log)

    log.printf("reading %s\n", cfg.stol_file)
    s.stol_of, s.Fbg_of = read_stol_table(cfg.stol_file, cfg.stol_file_mult)
    s.stols = len(s.stol_of) - 6
    s.stol_file_mult = cfg.stol_file_mult

    # C L1262-1372: sources from -sourcefile, or generated from divergence and dispersion; weight 1
    s.lambda0 = cfg.lambda0
    rows = beam_setup.sources(s, SimpleNamespace(beam=SimpleNamespace(source_file=cfg.source_file,
                                                                       round_div=cfg.round_div)),
                              log, weight=1.0, source_distance=cfg.source_distance)
    s.source_I = np.array([row[3] for row in rows], dtype=np.float64)
    # the C's `I` after its source listing: printed by -printout
    s.last_source_I = rows[-1][3] if rows else 0.0

    # C L1373-1407: oversampling, steps, the summary and the seed
    s.oversample = cfg.oversample if cfg.oversample > 0 else 1
    s.steps = s.sources * s.oversample * s.oversample
    s.subpixel_size = s.pixel_size / s.oversample
    s.polarization, s.nopolar = cfg.polarization, cfg.nopolar
    s.curved_detector, s.point_pixel, s.fmap_pixel = cfg.curved_detector, cfg.point_pixel, cfg.fmap_pixel
    s.r_e_sqr = R_E_SQR
    s.seed = cfg.resolved_seed()
    _summary(s, cfg, log)
    return s


def _summary(s, cfg, log):
    p = log.printf
    p("  %d initialized F points (will cubic-spline interpolate between them)\n", s.stols)
    wavelength_and_switches(s, log)
    if s.fmap_pixel:
        p("  Fmap mode: plotting structure factor at every pixel\n")
    p("  incident fluence: %lg photons/m^2\n", s.fluence)
    p("  sample is %lg m thick x %lg m high x %lg m wide, %lg g/cm^3 and %lg g/mol (%lg molecules)\n",
      s.sample_x, s.sample_y, s.sample_z, s.density / 1e6, s.molecular_weight, s.molecules)
    p("  distance=%g detsize=%gx%g  pixel=%g meters (%dx%d pixels)\n", s.distance, s.detsize_x, s.detsize_y,
      s.pixel_size, s.fpixels, s.spixels)
    p("  Xbeam=%g Ybeam=%g\n", s.Xbeam, s.Ybeam)
    p("  detector origin: %g %g %g\n", *s.pix0_vector[1:4])
    p("  DIRECTION_OF_DETECTOR_X-AXIS= %g %g %g\n", *s.fdet_vector[1:4])
    p("  DIRECTION_OF_DETECTOR_Y-AXIS= %g %g %g\n", *s.sdet_vector[1:4])
    p("  INCIDENT_BEAM_DIRECTION= %g %g %g\n", *s.beam_vector[1:4])
    p("  POLARIZATION_PLANE_NORMAL= %g %g %g\n", *s.polar_vector[1:4])
    p("  roi: %d < x < %d && %d < y < %d\n", s.roi_xmin, s.roi_xmax, s.roi_ymin, s.roi_ymax)
    p("  hdivrange=%g hdivstep=%g  radians\n", s.hdivrange, s.hdivstep)
    p("  vdivrange=%g vdivstep=%g  radians\n", s.vdivrange, s.vdivstep)
    p("  %d divergence steps\n", s.divsteps)
    p("  %d sources\n", s.sources)
    p("  %d pixel oversample steps\n", s.oversample)
    if cfg.calculate_noise:
        p("\n  noise image paramters:\n")
        p("  seed: %ld\n", s.seed)
