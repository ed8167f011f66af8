"""The nanoBragg.c command line, parsed the way the C parses it.

nanoBragg.c tests every token that starts with ``-`` against every flag with
``strstr`` (a substring match), so aliases work (``-wavelength`` hits
``-wave``), one token can fire several flags (``-misset_seed`` also sets the
misset angles), and values are read with ``atof``/``atoi``. ``RULES`` below is
that chain of tests, in the C's order (C L506-1117), one entry per ``if``
block, with the C line of the block. The parser walks it exactly as the C
does; ``docs/cli.md`` is generated from the same table.
"""
import math
import sys
from dataclasses import dataclass
from typing import Callable, Optional, Tuple

from ...cnum import atof, atoi, ieee_div
from ...core.config import RTD, Config
from ...errors import ArgumentError, GeometryError


def has(*patterns):
    """Match when the token contains any of ``patterns`` (the C's ``strstr``)."""
    return lambda tok: any(p in tok for p in patterns)


def same(pattern):
    """Match the token exactly (the C's ``strcmp``)."""
    return lambda tok: tok == pattern


def has_len(pattern, length):
    """Match ``strstr(tok, pattern) && strlen(tok) == length``."""
    return lambda tok: pattern in tok and len(tok) == length


@dataclass(frozen=True)
class Rule:
    """One ``if`` block of the C's argument loop.

    Attributes
    ----------
    line : int
        Line of the block in nanoBragg.c.
    names : tuple of str
        The spellings a user would type (for the documentation); the match
        itself is ``match``.
    match : callable
        ``match(token) -> bool``, the C's test on the token.
    nargs : int
        Values the block needs after the token (the C's ``argc > i+nargs``).
    action : callable
        ``action(config, values)`` with the following ``nargs`` tokens.
    when : callable, optional
        Extra condition on the values (``-misset random``).
    greedy : int
        Read up to this many values, stopping at one that starts with ``-``
        (``-cell``); ``nargs`` is then the minimum.
    stop : bool
        The block ends with ``continue``: no later block sees this token.
    needs_value : bool
        The C tests ``argc >= i+1`` and reads ``argv[i+1]`` regardless, which
        crashes when the token is last; we report a missing value instead.
    units, default, doc : str
        Documentation.
    """

    line: int
    names: Tuple[str, ...]
    match: Callable[[str], bool]
    nargs: int
    action: Callable
    units: str = ""
    default: str = ""
    doc: str = ""
    when: Optional[Callable] = None
    greedy: int = 0
    stop: bool = False
    needs_value: bool = False


def _set(group, name, convert):
    def action(cfg, vals):
        setattr(getattr(cfg, group), name, convert(vals[0]))
    return action


def _flag(group, name, value):
    def action(cfg, vals):
        setattr(getattr(cfg, group), name, value)
    return action


def _all(*actions):
    def action(cfg, vals):
        for a in actions:
            a(cfg, vals)
    return action


def _mm(v):
    return atof(v) / 1000.0


def _mm_int(v):       # the C writes /1000 on some lines: the same double
    return atof(v) / 1000


def _deg(v):
    return atof(v) / RTD


def _mrad(v):
    return atof(v) / 1000.0


def _pivot(value):
    return _flag("detector", "pivot", value)


def _vector(group, name, custom=True):
    def action(cfg, vals):
        if custom:
            cfg.detector.convention = "custom"
        setattr(getattr(cfg, group), name, (atof(vals[0]), atof(vals[1]), atof(vals[2])))
    return action


def _convention(name, pivot):
    def action(cfg, vals):
        cfg.detector.convention = name
        cfg.detector.pivot = pivot
    return action


def _sample_xyz(*axes):
    def action(cfg, vals):
        for ax in axes:
            setattr(cfg.crystal, f"sample_{ax}_m", _mm_int(vals[0]))
    return action


def _misset_angles(cfg, vals):
    cfg.crystal.misset_mode = 1
    cfg.crystal.misset_rad = (_deg(vals[0]), _deg(vals[1]), _deg(vals[2]))


def _pivot_choice(cfg, vals):
    if "sample" in vals[0]:
        cfg.detector.pivot = "sample"
    if "beam" in vals[0]:
        cfg.detector.pivot = "beam"


def _cell(cfg, vals):
    # reads up to six values, stopping at the first missing one or one that starts with '-'
    cr = cfg.crystal
    cr.user_cell = True
    lengths = list(cr.cell_A)
    angles = list(cr.cell_angles_rad)
    for j, v in enumerate(vals):
        if j < 3:
            lengths[j] = atof(v)
        else:
            angles[j - 3] = atof(v) / RTD
    cr.cell_A = tuple(lengths)
    cr.cell_angles_rad = tuple(angles)


def _detector_abs(cfg, vals):
    v = vals[0]
    if "inf" in v or atof(v) == 0.0:
        cfg.detector.thick_m = 0.0
        cfg.detector.mu_per_m = 0.0
    else:
        cfg.detector.mu_per_m = ieee_div(1.0, atof(v) * 1e-6)


def _roi(cfg, vals):
    cfg.sampling.roi = tuple(atoi(v) for v in vals)


def _energy(cfg, vals):
    cfg.beam.wavelength_m = ieee_div(12398.42, atof(vals[0])) / 1.0e10


def _both(group, first, second, convert):
    def action(cfg, vals):
        value = convert(vals[0])
        setattr(getattr(cfg, group), first, value)
        setattr(getattr(cfg, group), second, value)
    return action


def _stol(mult):
    def action(cfg, vals):
        cfg.crystal.stol_file = vals[0]
        cfg.crystal.stol_file_mult = mult
    return action


def _neg_int(group, name):
    return _set(group, name, lambda v: -atoi(v))


def _printout_pixel(cfg, vals):
    cfg.output.printout_fpixel = atoi(vals[0])
    cfg.output.printout_spixel = atoi(vals[1])


def _Nabc(*names):
    def action(cfg, vals):
        for n in names:
            setattr(cfg.crystal, n, float(atoi(vals[0])))
    return action


def _ignored(cfg, vals):
    pass


D, C, B, S, O = "detector", "crystal", "beam", "sampling", "output"

#: The C's argument tests, in order (nanoBragg.c L506-1117).
RULES = (
    Rule(511, ("-Na",), has("-Na"), 1, _Nabc("Na"), "unit cells", "1", "crystal size along a", stop=True),
    Rule(516, ("-Nb",), has("-Nb"), 1, _Nabc("Nb"), "unit cells", "1", "crystal size along b", stop=True),
    Rule(521, ("-Nc",), has("-Nc"), 1, _Nabc("Nc"), "unit cells", "1", "crystal size along c", stop=True),
    Rule(526, ("-N",), same("-N"), 1, _Nabc("Na", "Nb", "Nc"), "unit cells", "1",
         "crystal size in all three directions (values <= 1 become 1)", stop=True),
    Rule(531, ("-cell",), has("-cell"), 1, _cell, "A A A deg deg deg", "none",
         "unit cell a b c alpha beta gamma; reads up to six values and stops at one starting with '-'; "
         "missing b, c default to a, missing or non-positive angles to 90", greedy=6),
    Rule(553, ("-misset random",), has("-misset"), 1, _flag(C, "misset_mode", -1), "", "",
         "random orientation (from -misset_seed, which defaults to the time, not -seed)",
         when=lambda vals: "rand" in vals[0], stop=True),
    Rule(561, ("-misset",), has("-misset"), 3, _misset_angles, "deg deg deg", "0 0 0",
         "rotations of the reciprocal cell about x, then y, then z; also fired by -misset_seed"),
    Rule(568, ("-samplesize", "-sample_size"), has("-samplesize", "-sample_size"), 1,
         _sample_xyz("x", "y", "z"), "mm", "0", "crystal size in all directions; overrides -N"),
    Rule(574, ("-sample_thick", "-sample_x"), has("-sample_thick", "-sample_x"), 1, _sample_xyz("x"),
         "mm", "0", "crystal size along the beam (sets Na)"),
    Rule(578, ("-sample_width", "-sample_y", "-width"), has("-sample_width", "-sample_y", "-width"), 1,
         _sample_xyz("y"), "mm", "0", "crystal width (sets Nb); clipped to the beam size"),
    Rule(582, ("-sample_height", "-sample_z", "-height"), has("-sample_heigh", "-sample_z", "-heigh"), 1,
         _sample_xyz("z"), "mm", "0", "crystal height (sets Nc); clipped to the beam size"),
    Rule(586, ("-xtalsize", "-xtal_size"), has("-xtalsize", "-xtal_size"), 1, _sample_xyz("x", "y", "z"),
         "mm", "0", "crystal size in all directions; overrides -N"),
    Rule(592, ("-xtal_thick", "-xtal_x"), has("-xtal_thick", "-xtal_x"), 1, _sample_xyz("x"),
         "mm", "0", "as -sample_thick"),
    Rule(596, ("-xtal_width", "-xtal_y", "-width"), has("-xtal_width", "-xtal_y", "-width"), 1,
         _sample_xyz("y"), "mm", "0", "as -sample_width"),
    Rule(600, ("-xtal_height", "-xtal_z", "-height"), has("-xtal_heigh", "-xtal_z", "-heigh"), 1,
         _sample_xyz("z"), "mm", "0", "as -sample_height"),
    Rule(604, ("-density", "-sample_density"), has("-density", "-sample_den"), 1, _ignored, "g/cm^3", "1",
         "parsed, no effect (the C overwrites it before use)"),
    Rule(608, ("-MW", "-molecules"), lambda t: t == "-MW" or "-molec" in t, 1, _ignored, "g/mol", "18",
         "parsed, no effect (the C recomputes it and only prints it)"),
    Rule(612, ("-Xbeam",), has("-Xbeam"), 1, _all(_set(D, "Xbeam_m", _mm), _pivot("beam")), "mm", "centre",
         "direct-beam position on the detector in the convention's X; sets pivot=beam"),
    Rule(617, ("-Ybeam",), has("-Ybeam"), 1, _all(_set(D, "Ybeam_m", _mm), _pivot("beam")), "mm", "centre",
         "direct-beam position in the convention's Y; sets pivot=beam"),
    Rule(622, ("-Xclose",), has("-Xclose"), 1, _all(_set(D, "Xclose_m", _mm), _pivot("sample")), "mm", "centre",
         "near point X (only a default for Xbeam in xds, dials and custom); sets pivot=sample"),
    Rule(627, ("-Yclose",), has("-Yclose"), 1, _all(_set(D, "Yclose_m", _mm), _pivot("sample")), "mm", "centre",
         "near point Y (only a default for Ybeam in xds, dials and custom); sets pivot=sample"),
    Rule(632, ("-ORGX",), has("-ORGX"), 1, _all(_set(D, "ORGX_px", atof), _pivot("sample")), "pixels", "centre",
         "XDS origin, fast axis; sets pivot=sample"),
    Rule(637, ("-ORGY",), has("-ORGY"), 1, _all(_set(D, "ORGY_px", atof), _pivot("sample")), "pixels", "centre",
         "XDS origin, slow axis; sets pivot=sample"),
    Rule(642, ("-pivot",), has("-pivot"), 1, _pivot_choice, "sample|beam", "beam", "rotation pivot; honoured only by the custom convention"),
    Rule(647, ("-mosflm",), has("-mosflm"), 0, _convention("mosflm", "beam"), "", "default",
         "MOSFLM convention (the default), pivot beam"),
    Rule(652, ("-xds",), has("-xds"), 0, _convention("xds", "sample"), "", "", "XDS convention, pivot sample"),
    Rule(657, ("-adxv",), has("-adxv"), 0, _convention("adxv", "beam"), "", "", "ADXV convention, pivot beam"),
    Rule(662, ("-denzo",), has("-denzo"), 0, _convention("denzo", "beam"), "", "", "DENZO convention, pivot beam"),
    Rule(667, ("-dials",), has("-dials"), 0, _convention("dials", "beam"), "", "",
         "DIALS convention (its geometry pivots about the sample)"),
    Rule(672, ("-fdet_vector",), has("-fdet_vector"), 3, _vector(D, "fdet_vector"), "x y z", "0 0 1",
         "fast detector axis; selects the custom convention"),
    Rule(679, ("-sdet_vector",), has("-sdet_vector"), 3, _vector(D, "sdet_vector"), "x y z", "0 -1 0",
         "slow detector axis; selects the custom convention"),
    Rule(686, ("-odet_vector",), has("-odet_vector"), 3, _vector(D, "odet_vector"), "x y z", "1 0 0",
         "detector normal; selects the custom convention"),
    Rule(693, ("-beam_vector",), has("-beam_vector"), 3, _vector(B, "beam_vector"), "x y z", "1 0 0",
         "beam direction; selects the custom convention"),
    Rule(700, ("-polar_vector",), has("-polar_vector"), 3, _vector(B, "polar_vector"), "x y z", "0 0 1",
         "E-vector of the beam; selects the custom convention"),
    Rule(707, ("-spindle_axis",), has("-spindle_axis"), 3, _vector(C, "spindle_axis"), "x y z", "0 0 1",
         "phi rotation axis; selects the custom convention"),
    Rule(714, ("-twotheta_axis",), has("-twotheta_axis"), 3, _vector(D, "twotheta_axis"), "x y z", "0 1 0",
         "detector two-theta axis; selects the custom convention and also fires -twotheta with its x"),
    Rule(721, ("-pix0_vector",), has("-pix0_vector"), 3, lambda cfg, v: setattr(cfg.detector, "convention", "custom"),
         "x y z", "", "selects the custom convention; the vector itself has no effect in the C"),
    Rule(729, ("-distance",), has("-distance"), 1, _all(_set(D, "distance_m", _mm), _pivot("beam")), "mm", "100",
         "sample to beam spot distance; sets pivot=beam"),
    Rule(734, ("-close_distance",), has("-close_distance"), 1,
         _all(_set(D, "close_distance_m", _mm), _pivot("sample")), "mm", "from -distance",
         "sample to detector plane distance; sets pivot=sample"),
    Rule(743, ("-detector_absorb",), has("-detector_abs"), 1, _detector_abs, "um", "1/thickness",
         "attenuation length; 'inf' or 0 sets mu=0 and the thickness to 0", needs_value=True),
    Rule(752, ("-detector_thick",), has_len("-detector_thick", 15), 1,
         _set(D, "thick_m", lambda v: atof(v) * 1e-6), "um", "0", "sensor thickness", needs_value=True),
    Rule(756, ("-detector_thicksteps",), has("-detector_thicksteps"), 1, _set(D, "thicksteps", atoi), "", "auto",
         "sensor layers", needs_value=True),
    Rule(760, ("-thicksteps",), has("-thicksteps"), 1, _set(D, "thicksteps", atoi), "", "auto",
         "sensor layers", needs_value=True),
    Rule(764, ("-twotheta",), has("-twotheta"), 1, _all(_set(D, "twotheta_rad", _deg), _pivot("sample")),
         "deg", "0", "detector two-theta swing; sets pivot=sample"),
    Rule(769, ("-detector_rotx",), has("-detector_rotx"), 1, _set(D, "rotx_rad", _deg), "deg", "0",
         "detector rotation about x"),
    Rule(773, ("-detector_roty",), has("-detector_roty"), 1, _set(D, "roty_rad", _deg), "deg", "0",
         "detector rotation about y"),
    Rule(777, ("-detector_rotz",), has("-detector_rotz"), 1, _set(D, "rotz_rad", _deg), "deg", "0",
         "detector rotation about z"),
    Rule(781, ("-detsize",), has_len("-detsize", 8), 1, _both(D, "detsize_f_m", "detsize_s_m", _mm), "mm",
         "102.4", "detector size, both axes"),
    Rule(786, ("-detsize_f",), has("-detsize_f"), 1, _set(D, "detsize_f_m", _mm), "mm", "102.4",
         "detector size, fast axis"),
    Rule(790, ("-detsize_s",), has("-detsize_s"), 1, _set(D, "detsize_s_m", _mm), "mm", "102.4",
         "detector size, slow axis"),
    Rule(794, ("-detpixels",), has_len("-detpixels", 10), 1, _both(D, "fpixels", "spixels", atoi), "pixels",
         "from -detsize", "pixels on both axes"),
    Rule(798, ("-detpixels_f", "-detpixels_x"), has("-detpixels_f", "-detpixels_x"), 1,
         _set(D, "fpixels", atoi), "pixels", "from -detsize", "pixels on the fast axis"),
    Rule(802, ("-detpixels_s", "-detpixels_y"), has("-detpixels_s", "-detpixels_y"), 1,
         _set(D, "spixels", atoi), "pixels", "from -detsize", "pixels on the slow axis"),
    Rule(806, ("-curved_det",), has("-curved_det"), 1, _flag(D, "curved", True), "", "off",
         "every pixel at the same distance (needs a following argument, as in the C)"),
    Rule(810, ("-pixel",), has("-pixel"), 1, _set(D, "pixel_size_m", _mm), "mm", "0.1", "pixel size"),
    Rule(814, ("-point_pixel",), has("-point_pixel"), 0, _flag(D, "point_pixel", True), "", "off",
         "solid angle 1/R^2 (no pixel area or obliquity)"),
    Rule(818, ("-polar",), has_len("-polar", 6), 1,
         _all(_set(B, "polarization_kahn", atof), _flag(B, "nopolar", False)), "", "0",
         "Kahn polarization factor"),
    Rule(823, ("-nopolar",), has("-nopolar"), 0, _flag(B, "nopolar", True), "", "", "no polarization factor"),
    Rule(827, ("-oversample_thick",), has("-oversample_thick"), 0, _flag(S, "oversample_thick", True), "", "off",
         "capture fraction per sub-pixel (multiplies the running sum, as the C)", stop=True),
    Rule(832, ("-oversample_polar",), has("-oversample_polar"), 0, _flag(S, "oversample_polar", True), "", "off",
         "polarization per sub-pixel (multiplies the running sum, as the C)", stop=True),
    Rule(837, ("-oversample_omega",), has("-oversample_omega"), 0, _flag(S, "oversample_omega", True), "", "off",
         "solid angle per sub-pixel (multiplies the running sum, as the C)", stop=True),
    Rule(842, ("-oversample",), has("-oversample"), 1, _set(S, "oversample", atoi), "", "auto",
         "sub-pixels per pixel edge"),
    Rule(846, ("-roi",), has("-roi"), 4, _roi, "pixels", "whole detector",
         "render only xmin xmax ymin ymax (inclusive)"),
    Rule(853, ("-lambda", "-wavelength"), has("-lambda", "-wave"), 1,
         _set(B, "wavelength_m", lambda v: atof(v) / 1.0e10), "A", "1", "wavelength"),
    Rule(857, ("-energy",), has("-energy"), 1, _energy, "eV", "", "photon energy (sets the wavelength)"),
    Rule(861, ("-fluence",), has("-fluence"), 1, _set(B, "fluence_photons_per_m2", atof), "photons/m^2",
         "1.25932e+29", "incident fluence"),
    Rule(865, ("-flux",), has("-flux"), 1, _set(B, "flux_photons_per_s", atof), "photons/s", "0",
         "flux; with -exposure and -beamsize sets the fluence"),
    Rule(869, ("-exposure",), has("-exposure"), 1, _set(B, "exposure_s", atof), "s", "1", "exposure time"),
    Rule(873, ("-beamsize",), has("-beamsize"), 1, _set(B, "beamsize_m", _mm_int), "mm", "0.1",
         "beam size; clips the crystal width and height"),
    Rule(877, ("-mosaic", "-mosaicity", "-mosaic_spread"),
         lambda t: ("-mosaic" in t and len(t) == 7) or "-mosaici" in t or "-mosaic_spr" in t, 1,
         _set(C, "mosaic_spread_rad", _deg), "deg", "0", "mosaic spread"),
    Rule(881, ("-mosaic_domains",), has("-mosaic_dom"), 1, _set(C, "mosaic_domains", atoi), "", "auto",
         "mosaic domains (10 when only a spread is given)"),
    Rule(885, ("-dispersion",), has("-dispersion"), 1, _set(B, "dispersion_fraction", lambda v: atof(v) / 100.0),
         "%", "0", "spectral width delta-lambda/lambda"),
    Rule(889, ("-dispsteps",), has("-dispsteps"), 1, _set(B, "dispersion_steps", atoi), "", "auto",
         "wavelengths across the dispersion"),
    Rule(893, ("-divergence",), has("-divergence"), 1, _both(B, "hdiv_range_rad", "vdiv_range_rad", _mrad),
         "mrad", "0", "beam divergence, both directions"),
    Rule(897, ("-hdivrange",), has("-hdivrange"), 1, _set(B, "hdiv_range_rad", _mrad), "mrad", "0",
         "horizontal divergence"),
    Rule(901, ("-vdivrange",), has("-vdivrange"), 1, _set(B, "vdiv_range_rad", _mrad), "mrad", "0",
         "vertical divergence"),
    Rule(905, ("-hdivstep",), has_len("-hdivstep", 9), 1, _set(B, "hdiv_step_rad", _mrad), "mrad", "auto",
         "horizontal divergence step size"),
    Rule(909, ("-hdivsteps",), has("-hdivsteps"), 1, _set(B, "hdiv_steps", atoi), "", "auto",
         "horizontal divergence steps"),
    Rule(913, ("-vdivstep",), has_len("-vdivstep", 9), 1, _set(B, "vdiv_step_rad", _mrad), "mrad", "auto",
         "vertical divergence step size"),
    Rule(917, ("-vdivsteps",), has("-vdivsteps"), 1, _set(B, "vdiv_steps", atoi), "", "auto",
         "vertical divergence steps"),
    Rule(921, ("-divsteps",), has("-divsteps"), 1, _both(B, "hdiv_steps", "vdiv_steps", atoi), "", "auto",
         "divergence steps, both directions"),
    Rule(925, ("-round_div",), has("-round_div"), 0, _flag(B, "round_div", True), "", "on",
         "elliptical cut of the divergence grid"),
    Rule(930, ("-square_div",), has("-square_div"), 0, _flag(B, "round_div", False), "", "",
         "full divergence grid"),
    Rule(935, ("-adc",), has("-adc"), 1, _set(O, "adc_offset", atof), "ADU", "40",
         "offset added to the int and noise images"),
    Rule(939, ("-phi",), has_len("-phi", 4), 1, _set(C, "phi0_rad", _deg), "deg", "0", "starting spindle angle"),
    Rule(943, ("-osc", "-oscillation"), has("-osc"), 1, _set(C, "osc_rad", _deg), "deg", "auto",
         "oscillation range"),
    Rule(947, ("-phistep",), has_len("-phistep", 8), 1, _set(C, "phistep_rad", _deg), "deg", "auto",
         "phi step size"),
    Rule(951, ("-phisteps",), has("-phisteps"), 1, _set(C, "phisteps", atoi), "", "auto", "phi steps"),
    Rule(955, ("-dmin",), has("-dmin"), 1, _set(C, "dmin_m", lambda v: atof(v) * 1e-10), "A", "0",
         "skip sources beyond this resolution"),
    Rule(959, ("-mat", "-matrix"), has("-mat"), 1, _set(C, "matrix_file", str), "file", "",
         "MOSFLM orientation matrix (reciprocal vectors times lambda)"),
    Rule(963, ("-hkl",), has("-hkl"), 1, _set(C, "hkl_file", str), "file", "",
         "structure factors h k l F (also writes the Fdump cache)"),
    Rule(967, ("-default_F",), has("-default_F"), 1, _set(C, "default_F", atof), "", "0",
         "structure factor of every reflection not in the file"),
    Rule(971, ("-dumpfile",), has("-dump"), 1, _set(C, "dump_file", str), "file", "Fdump.bin",
         "structure-factor cache, read when -hkl is absent"),
    Rule(975, ("-img",), has("-img"), 1, _ignored, "file", "",
         "SMV image whose header sets the detector, wavelength and phi (read before the other flags)"),
    Rule(979, ("-stolout",), lambda t: "-stolout" in t and len(t) > 7, 1, _ignored, "file", "",
         "parsed, no effect"),
    Rule(983, ("-stol",), has_len("-stol", 5), 1, _stol(1e10), "file", "", "read and unused, as in the C"),
    Rule(988, ("-4stol",), has_len("-4stol", 6), 1, _stol(1e10 / 4), "file", "", "read and unused, as in the C"),
    Rule(993, ("-Q",), has_len("-Q", 2), 1, _stol(1e10 / math.pi / 4), "file", "", "read and unused, as in the C"),
    Rule(998, ("-sourcefile",), has("-sourcefile"), 1, _set(B, "source_file", str), "file", "",
         "sources: X Y Z I lambda(m) per line; replaces divergence and dispersion"),
    Rule(1002, ("-floatfile", "-floatimage"), has("-floatfile", "-floatimage"), 1, _set(O, "floatfile", str),
         "file", "floatimage.bin", "float32 image"),
    Rule(1006, ("-intfile", "-intimage"), has("-intfile", "-intimage"), 1, _set(O, "intfile", str),
         "file", "intimage.img", "noiseless SMV image"),
    Rule(1010, ("-pgmfile", "-pgmimage"), has("-pgmfile", "-pgmimage"), 1,
         _all(_set(O, "pgmfile", str), _flag(O, "write_pgm", True)), "file", "image.pgm", "8-bit PGM image"),
    Rule(1015, ("-noisefile", "-noiseimage"), has("-noisefile", "-noiseimage"), 1,
         _all(_set(O, "noisefile", str), _flag(O, "calculate_noise", True)), "file", "noiseimage.img",
         "SMV image with Poisson noise"),
    Rule(1020, ("-nonoise",), has("-nonoise"), 0, _flag(O, "calculate_noise", False), "", "",
         "no noise image"),
    Rule(1025, ("-nopgm",), has("-nopgm"), 0, _flag(O, "write_pgm", False), "", "", "no PGM image"),
    Rule(1029, ("-scale",), has("-scale"), 1, _set(O, "intfile_scale", atof), "", "auto", "int image scale"),
    Rule(1034, ("-pgmscale",), has("-pgmscale"), 1, _all(_set(O, "pgm_scale", atof), _flag(O, "write_pgm", True)),
         "", "auto", "PGM scale"),
    Rule(1040, ("-coherent",), has("-coherent"), 0, _ignored, "", "", "parsed, no effect"),
    Rule(1045, ("-printout",), has("-printout"), 0, _flag(O, "printout", True), "", "off",
         "print per-pixel details to the console"),
    Rule(1050, ("-noprogress",), has("-noprogress"), 0, _flag(O, "progress_meter", False), "", "",
         "no progress bar"),
    Rule(1055, ("-progress",), has("-progress"), 0, _flag(O, "progress_meter", True), "", "on", "progress bar"),
    Rule(1060, ("-interpolate",), has("-interpolate"), 0, _flag(C, "interpolate", 1), "", "auto",
         "tricubic structure-factor interpolation"),
    Rule(1065, ("-nointerpolate",), has("-nointerpolate"), 0, _flag(C, "interpolate", 0), "", "",
         "nearest-neighbour structure factors"),
    Rule(1070, ("-round_xtal",), has("-round_xtal"), 0, _flag(C, "shape", "round"), "", "",
         "ellipsoidal crystal (sinc3)"),
    Rule(1075, ("-square_xtal",), has("-square_xtal"), 0, _flag(C, "shape", "square"), "", "default",
         "parallelepiped crystal (sincg)"),
    Rule(1080, ("-gauss_xtal",), has("-gauss_xtal"), 0, _flag(C, "shape", "gauss"), "", "", "Gaussian spots"),
    Rule(1085, ("-tophat_spots", "-binary_spots"), has("-binary_spots", "-tophat_spots"), 0,
         _flag(C, "shape", "tophat"), "", "", "flat-top spots"),
    Rule(1090, ("-fudge",), has("-fudge"), 1, _set(C, "fudge", atof), "", "1",
         "spot-size factor for round, gauss and tophat"),
    Rule(1094, ("-printout_pixel",), has("-printout_pixel"), 2, _printout_pixel, "fast slow", "",
         "restrict the printout to one pixel (also turns -printout on)"),
    Rule(1099, ("-seed",), has("-seed"), 1, _neg_int(O, "seed"), "", "time", "noise seed"),
    Rule(1103, ("-mosaic_seed",), has("-mosaic_seed"), 1, _neg_int(C, "mosaic_seed"), "", "12345678",
         "mosaic domain seed"),
    Rule(1107, ("-misset_seed",), has("-misset_seed"), 1, _neg_int(C, "misset_seed"), "", "time",
         "random-orientation seed (also fires -misset with the following three tokens)"),
    Rule(1111, ("-water",), has("-water"), 1, _set(C, "water_size_m", lambda v: atof(v) / 1e6), "um", "0",
         "water background thickness"),
)


def apply_smv_header(cfg, frame, is_mask):
    """Take detector, wavelength and phi values from an SMV header (C L418-502).

    The mask flips BEAM_CENTER_Y about the detector edge; the img does not
    (c-reference Q-H2). The header TWOTHETA is read into a scratch variable by
    the C and has no effect.
    """
    det, beam, cr = cfg.detector, cfg.beam, cfg.crystal
    det.fpixels = frame.width
    det.spixels = frame.height
    test = frame.value_of("PIXEL_SIZE")
    if not math.isnan(test):
        det.pixel_size_m = test / 1000.0
    det.detsize_f_m = det.pixel_size_m * det.fpixels
    det.detsize_s_m = det.pixel_size_m * det.spixels
    for key, target, convert in (
            ("DISTANCE", (det, "distance_m"), lambda t: t / 1000.0),
            ("CLOSE_DISTANCE", (det, "close_distance_m"), lambda t: t / 1000.0),
            ("WAVELENGTH", (beam, "wavelength_m"), lambda t: t / 1e10),
            ("BEAM_CENTER_X", (det, "Xbeam_m"), lambda t: t / 1000.0),
            ("BEAM_CENTER_Y", (det, "Ybeam_m"),
             (lambda t: det.detsize_s_m - t / 1000.0) if is_mask else (lambda t: t / 1000.0)),
            ("ORGX", (det, "ORGX_px"), float),
            ("ORGY", (det, "ORGY_px"), float),
            ("PHI", (cr, "phi0_rad"), lambda t: t / RTD),
            ("OSC_RANGE", (cr, "osc_rad"), lambda t: t / RTD)):
        test = frame.value_of(key)
        if not math.isnan(test):
            setattr(target[0], target[1], convert(test))


def _header_pixel(cfg, frame, path, previous):
    return (path, cfg.detector.pixel_size_m) if not math.isnan(frame.value_of("PIXEL_SIZE")) else previous


@dataclass
class ParseResult:
    """What parsing produced: the configuration, the text the C printed, and warnings."""

    config: Config
    log: str
    warnings: list


def parse_args(argv, read_frame=None):
    """Parse a nanoBragg.c argument list into a :class:`Config`.

    Parameters
    ----------
    argv : list of str
        Arguments without the program name.
    read_frame : callable, optional
        ``read_frame(path) -> SMVFrame``; defaults to :func:`nanobragg_nb.io.smv.read_smv`.

    Returns
    -------
    ParseResult
        ``log`` holds what the C prints while parsing (reading -mask/-img),
        ``warnings`` one line per token that the C silently ignores.

    Raises
    ------
    ArgumentError
        A flag whose value is missing where the C would read past the end.
    InputFileError
        A -mask or -img file that is missing or not an SMV image.
    """
    if read_frame is None:
        from ...io.smv import read_smv as read_frame
    cfg = Config()
    log = []
    argc = len(argv) + 1
    args = [None] + list(argv)      # C indexing: args[i] for i in 1..argc-1

    # C L399-414: pre-scan for -img and -mask
    img = mask = None
    for i in range(1, argc):
        if args[i].startswith("-"):
            if "-img" in args[i] and argc > i + 1:
                img = args[i + 1]
            if "-mask" in args[i] and argc > i + 1:
                mask = args[i + 1]
    # C L418-458: the mask header, then its pixels
    header_pixel = None                     # (file, pixel size) when a header set the pixel size
    if mask is not None:
        frame = read_frame(mask)
        log.append(frame.log)
        apply_smv_header(cfg, frame, is_mask=True)
        header_pixel = _header_pixel(cfg, frame, mask, header_pixel)
        cfg.detector.mask = frame.data[:frame.width * frame.height].copy()
        cfg.detector.mask_file = mask
    # C L461-502: the img header (its pixels are never used)
    if img is not None:
        frame = read_frame(img)
        log.append(frame.log)
        apply_smv_header(cfg, frame, is_mask=False)
        header_pixel = _header_pixel(cfg, frame, img, header_pixel)

    # C L506-1117: every flag tested against every token
    used = set()
    fired = set()
    short = {}                              # known flags too near the end for their values
    for i in range(1, argc - 1):            # the pre-scan's tokens are not unknown
        if args[i].startswith("-") and ("-img" in args[i] or "-mask" in args[i]):
            fired.add(i)
            used.add(i + 1)
    for i in range(1, argc):
        tok = args[i]
        if not tok.startswith("-"):
            continue
        for rule in RULES:
            if not rule.match(tok):
                continue
            if rule.needs_value and argc <= i + 1:
                raise ArgumentError(f"{tok} needs a value")
            if argc <= i + rule.nargs:
                short.setdefault(i, rule.nargs)
                continue
            if rule.greedy:
                vals = _leading_values(args[i + 1:i + 1 + rule.greedy])
            else:
                vals = args[i + 1:i + 1 + rule.nargs]
            if rule.when is not None and not rule.when(vals):
                continue
            rule.action(cfg, vals)
            fired.add(i)
            used.update(range(i + 1, i + 1 + len(vals)))
            if rule.stop:
                break
    warnings = []
    for i in range(1, argc):
        if i in fired or i in used:
            continue
        if i in short:
            count = short[i]
            warnings.append(f"ignoring '{args[i]}': it needs {count} value{'s' if count > 1 else ''} "
                            f"after it (nanoBragg.c ignores it too)")
            continue
        what = "option" if args[i].startswith("-") else "argument"
        warnings.append(f"ignoring unrecognised {what} '{args[i]}' (nanoBragg.c ignores it too)")
    _check_header_pixel_size(cfg, header_pixel)
    return ParseResult(cfg, "".join(log), warnings)


def _check_header_pixel_size(cfg, header_pixel):
    """A pixel size from an image header that is unusable, and not replaced by -pixel: name the file."""
    if header_pixel is None:
        return
    path, value = header_pixel
    size = cfg.detector.pixel_size_m
    if size == value and not (size > 0.0 and math.isfinite(size)):
        raise GeometryError(f"pixel size must be positive, got {size * 1000.0:g} mm "
                            f"(PIXEL_SIZE in the header of {path})")


def _leading_values(tokens):
    """The tokens before the first one that starts with '-'."""
    out = []
    for t in tokens:
        if t.startswith("-"):
            break
        out.append(t)
    return out


def print_warnings(warnings, stream=None):
    """Write parser warnings to stderr, one line each."""
    stream = stream or sys.stderr
    for w in warnings:
        print(f"nanobragg-nb: warning: {w}", file=stream)
