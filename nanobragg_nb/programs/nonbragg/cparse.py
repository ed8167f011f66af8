"""The nonBragg.c command line, parsed the way the C parses it.

As in nanoBragg.c, every token that starts with ``-`` is tested against
every flag with ``strstr`` (a substring match), so one token can fire
several flags (``-close_distance`` also sets ``-distance``,
``-twotheta_axis`` also sets ``-twotheta``), and values are read with
``atof``/``atoi``. Before that, any ``-img`` names an SMV image whose header
sets the detector, distance and wavelength. ``RULES`` is the C's chain of
tests, in its order, one entry per ``if`` block; ``docs/cli.md`` is
generated from it.
"""
import math
from dataclasses import dataclass, field

from ...cnum import atof, atoi, c_to_unsigned
from ...core.amorphous.config import AmorphousConfig
from ...core.config import RTD
from ...io.smv import read_smv
from ..c_args import milli, negated_seed, set_both, set_flag, set_value
from ..nanobragg.cparse import Rule, has, has_len


def _set_pivot(name, convert, pivot):
    def action(cfg, vals):
        setattr(cfg, name, convert(vals[0]))
        cfg.pivot = pivot
    return action


def _mm_long(v):
    return atof(v) / 1000


def _deg(v):
    return atof(v) / RTD


def _vector(name):
    def action(cfg, vals):
        setattr(cfg, name, tuple(atof(v) for v in vals))
    return action


def _sample_all(cfg, vals):
    cfg.sample_x = cfg.sample_y = cfg.sample_z = atof(vals[0]) / 1000


def _pivot(cfg, vals):
    if "sample" in vals[0]:
        cfg.pivot = "sample"
    if "beam" in vals[0]:
        cfg.pivot = "beam"


def _roi(cfg, vals):
    cfg.roi = tuple(atoi(v) for v in vals)


def _polar(cfg, vals):
    cfg.polarization = atof(vals[0])
    cfg.nopolar = False


def _ignore(cfg, vals):
    cfg.ignore_values.append(c_to_unsigned(atof(vals[0]), 16))


def _table(mult):
    def action(cfg, vals):
        cfg.stol_file = vals[0]
        cfg.stol_file_mult = mult
    return action


def _noisefile(cfg, vals):
    cfg.noisefile = vals[0]
    cfg.calculate_noise = True


def _printout_pixel(cfg, vals):
    cfg.printout_fpixel = atoi(vals[0])
    cfg.printout_spixel = atoi(vals[1])


#: The C's argument tests, in order (nonBragg.c L367-786).
RULES = (
    Rule(367, ("-samplesize", "-sample_size"), has("-samplesize", "-sample_size"), 1, _sample_all, "mm", "0.1",
         "edge of the (cube) sample"),
    Rule(373, ("-thickness", "-sample_thick", "-sample_x"), has("-sample_thick", "-sample_x", "-thick"), 1,
         set_value("sample_x", _mm_long), "mm", "0.1", "sample thickness along the beam"),
    Rule(377, ("-width", "-sample_width", "-sample_y"), has("-sample_width", "-sample_y", "-width"), 1,
         set_value("sample_y", _mm_long), "mm", "0.1", "sample height (clipped by the beam size)"),
    Rule(381, ("-height", "-sample_height", "-sample_z"), has("-sample_heigh", "-sample_z", "-heigh"), 1,
         set_value("sample_z", _mm_long), "mm", "0.1", "sample width (clipped by the beam size)"),
    Rule(385, ("-density", "-sample_density"), has("-density", "-sample_den"), 1,
         set_value("density", lambda v: atof(v) * 1e6), "g/cm^3", "1", "density of the sample"),
    Rule(389, ("-molecules", "-sample_molecules"), has("-molecules", "-sample_molecules"), 1,
         set_value("molecules", atof), "", "from the density", "number of molecules (overrides the density)"),
    Rule(393, ("-MW", "-molecular_weight"), lambda tok: tok == "-MW" or "-molecular" in tok, 1,
         set_value("molecular_weight", atof), "g/mol", "18", "molecular weight"),
    Rule(397, ("-Xbeam",), has("-Xbeam"), 1, _set_pivot("Xbeam", milli, "beam"), "mm", "centre",
         "beam centre, fast axis (pivot beam)"),
    Rule(402, ("-Ybeam",), has("-Ybeam"), 1, _set_pivot("Ybeam", milli, "beam"), "mm", "centre",
         "beam centre, slow axis (pivot beam)"),
    Rule(407, ("-Xclose",), has("-Xclose"), 1, _set_pivot("Xclose", milli, "sample"), "mm", "centre",
         "near point, fast axis (pivot sample)"),
    Rule(412, ("-Yclose",), has("-Yclose"), 1, _set_pivot("Yclose", milli, "sample"), "mm", "centre",
         "near point, slow axis (pivot sample)"),
    Rule(417, ("-ORGX",), has("-ORGX"), 1, _set_pivot("ORGX", atof, "sample"), "pixels", "centre",
         "XDS origin, fast axis (pivot sample)"),
    Rule(422, ("-ORGY",), has("-ORGY"), 1, _set_pivot("ORGY", atof, "sample"), "pixels", "centre",
         "XDS origin, slow axis (pivot sample)"),
    Rule(427, ("-pivot",), has("-pivot"), 1, _pivot, "sample\\|beam", "beam", "what the detector rotates about"),
    Rule(432, ("-fdet_vector",), has("-fdet_vector"), 3, _vector("fdet_vector"), "x y z", "0 0 1",
         "fast axis of the detector"),
    Rule(438, ("-sdet_vector",), has("-sdet_vector"), 3, _vector("sdet_vector"), "x y z", "0 -1 0",
         "slow axis of the detector"),
    Rule(444, ("-odet_vector",), has("-odet_vector"), 3, _vector("odet_vector"), "x y z", "1 0 0",
         "parsed; nonBragg.c recomputes it as fdet x sdet"),
    Rule(450, ("-beam_vector",), has("-beam_vector"), 3, _vector("beam_vector"), "x y z", "1 0 0",
         "direction of the incident beam"),
    Rule(456, ("-polar_vector",), has("-polar_vector"), 3, _vector("polar_vector"), "x y z", "0 0 1",
         "E-vector of the incident beam"),
    Rule(462, ("-spindle_axis",), has("-spindle_axis"), 3, _vector("spindle_vector"), "x y z", "0 0 1",
         "parsed, no effect"),
    Rule(468, ("-twotheta_axis",), has("-twotheta_axis"), 3, _vector("twotheta_axis"), "x y z", "0 1 0",
         "axis of the two-theta swing (the token also fires -twotheta with the first component)"),
    Rule(474, ("-pix0_vector",), has("-pix0_vector"), 3, _vector("pix0_vector"), "x y z", "",
         "parsed; the pivot overwrites it"),
    Rule(481, ("-distance",), has("-distance"), 1, _set_pivot("distance", milli, "beam"), "mm", "100",
         "sample to beam spot (pivot beam)"),
    Rule(486, ("-close_distance",), has("-close_distance"), 1, _set_pivot("close_distance", milli, "sample"), "mm",
         "distance", "sample to the detector plane (pivot sample)"),
    Rule(491, ("-source_distance",), has("-source_distance"), 1, set_value("source_distance", milli), "mm", "10000",
         "distance of the generated sources"),
    Rule(495, ("-twotheta",), has("-twotheta"), 1, _set_pivot("detector_twotheta", _deg, "sample"), "deg", "0",
         "detector two-theta swing (pivot sample)"),
    Rule(500, ("-detector_rotx",), has("-detector_rotx"), 1, set_value("detector_rotx", _deg), "deg", "0",
         "detector rotation about x"),
    Rule(504, ("-detector_roty",), has("-detector_roty"), 1, set_value("detector_roty", _deg), "deg", "0",
         "detector rotation about y"),
    Rule(508, ("-detector_rotz",), has("-detector_rotz"), 1, set_value("detector_rotz", _deg), "deg", "0",
         "detector rotation about z"),
    Rule(512, ("-detsize",), has_len("-detsize", 8), 1, set_both("detsize_x", "detsize_y", milli), "mm", "102.4",
         "detector size, both axes"),
    Rule(517, ("-detsize_x",), has("-detsize_x"), 1, set_value("detsize_x", milli), "mm", "102.4",
         "detector size, fast"),
    Rule(521, ("-detsize_y",), has("-detsize_y"), 1, set_value("detsize_y", milli), "mm", "102.4",
         "detector size, slow"),
    Rule(525, ("-detpixels",), has_len("-detpixels", 10), 1, set_both("fpixels", "spixels", atoi), "pixels", "",
         "pixels on both axes"),
    Rule(529, ("-detpixels_f", "-detpixels_x"), has("-detpixels_f", "-detpixels_x"), 1, set_value("fpixels", atoi),
         "pixels", "", "pixels on the fast axis"),
    Rule(533, ("-detpixels_s", "-detpixels_y"), has("-detpixels_s", "-detpixels_y"), 1, set_value("spixels", atoi),
         "pixels", "", "pixels on the slow axis"),
    Rule(537, ("-curved_det",), has("-curved_det"), 1, set_flag("curved_detector", True), "", "",
         "every pixel at the same distance (needs a following token)"),
    Rule(541, ("-pixel",), has("-pixel"), 1, set_value("pixel_size", milli), "mm", "0.1", "pixel size"),
    Rule(545, ("-point_pixel",), has("-point_pixel"), 0, set_flag("point_pixel", True), "", "",
         "solid angle 1/R^2: no obliquity"),
    Rule(549, ("-Fmap",), has("-Fmap"), 0, set_flag("fmap_pixel", True), "", "",
         "store F instead of photons in each pixel"),
    Rule(553, ("-polar",), has_len("-polar", 6), 1, _polar, "", "0", "Kahn polarization factor"),
    Rule(558, ("-nopolar",), has("-nopolar"), 0, set_flag("nopolar", True), "", "", "no polarization"),
    Rule(562, ("-oversample",), has("-oversample"), 1, set_value("oversample", atoi), "", "1", "sub-pixels per axis"),
    Rule(566, ("-roi",), has("-roi"), 4, _roi, "xmin xmax ymin ymax", "all", "render only these pixels"),
    Rule(573, ("-lambda", "-wave"), has("-lambda", "-wave"), 1, set_value("lambda0", lambda v: atof(v) / 1.0e10), "A",
         "1", "wavelength"),
    Rule(577, ("-energy",), has("-energy"), 1, set_value("lambda0", lambda v: (12398.42 / atof(v)) / 1.0e10), "eV", "",
         "photon energy"),
    Rule(581, ("-fluence",), has("-fluence"), 1, set_value("fluence", atof), "photons/m^2", "1.25932e+29",
         "integrated beam intensity"),
    Rule(585, ("-flux",), has("-flux"), 1, set_value("flux", atof), "photons/s", "0",
         "beam intensity (with -exposure and -beamsize, sets the fluence)"),
    Rule(589, ("-exposure",), has("-exposure"), 1, set_value("exposure", atof), "s", "1", "exposure time"),
    Rule(593, ("-beamsize",), has("-beamsize"), 1, set_value("beamsize", _mm_long), "mm", "0.1",
         "edge of the (square) beam"),
    Rule(597, ("-dispersion",), has("-dispersion"), 1, set_value("dispersion", lambda v: atof(v) / 100.0), "%", "0",
         "spectral dispersion"),
    Rule(601, ("-dispsteps",), has("-dispsteps"), 1, set_value("dispsteps", atoi), "", "auto", "wavelengths"),
    Rule(605, ("-divergence",), has("-divergence"), 1, set_both("hdivrange", "vdivrange", milli), "mrad", "0",
         "beam divergence, both directions"),
    Rule(609, ("-hdivrange",), has("-hdivrange"), 1, set_value("hdivrange", milli), "mrad", "0",
         "horizontal divergence"),
    Rule(613, ("-vdivrange",), has("-vdivrange"), 1, set_value("vdivrange", milli), "mrad", "0", "vertical divergence"),
    Rule(617, ("-hdivstep",), has_len("-hdivstep", 9), 1, set_value("hdivstep", milli), "mrad", "auto",
         "horizontal divergence step"),
    Rule(621, ("-hdivsteps",), has("-hdivsteps"), 1, set_value("hdivsteps", atoi), "", "auto",
         "horizontal divergence steps"),
    Rule(625, ("-vdivstep",), has_len("-vdivstep", 9), 1, set_value("vdivstep", milli), "mrad", "auto",
         "vertical divergence step"),
    Rule(629, ("-vdivsteps",), has("-vdivsteps"), 1, set_value("vdivsteps", atoi), "", "auto",
         "vertical divergence steps"),
    Rule(633, ("-divsteps",), has("-divsteps"), 1, set_both("hdivsteps", "vdivsteps", atoi), "", "auto",
         "divergence steps, both directions"),
    Rule(637, ("-round_div",), has("-round_div"), 0, set_flag("round_div", True), "", "on",
         "cut the divergence grid to an ellipse"),
    Rule(642, ("-square_div",), has("-square_div"), 0, set_flag("round_div", False), "", "",
         "keep the whole divergence grid"),
    Rule(647, ("-adc",), has("-adc"), 1, set_value("adc_offset", atof), "ADU", "40", "offset added to every pixel"),
    Rule(651, ("-gain",), has("-gain"), 1, set_value("quantum_gain", atof), "ADU/photon", "1",
         "detector gain (used to read -img)"),
    Rule(655, ("-phi",), has_len("-phi", 4), 1, set_value("phi0", _deg), "deg", "0", "start angle, for the header"),
    Rule(659, ("-osc",), has("-osc"), 1, set_value("osc", _deg), "deg", "0", "oscillation range, for the header"),
    Rule(663, ("-phistep",), has_len("-phistep", 8), 1, set_value("phistep", _deg), "deg", "", "parsed, header only"),
    Rule(667, ("-phisteps",), has("-phisteps"), 1, set_value("phisteps", atoi), "", "", "parsed, header only"),
    Rule(683, ("-img",), has("-img"), 1, set_value("img_file", str), "file", "",
         "SMV image: its header sets the geometry; its pixels are read back into F against stol (-stolout)"),
    Rule(687, ("-ignore",), has("-ignore"), 1, _ignore, "value", "",
         "a pixel value of -img to leave out (repeatable)"),
    Rule(692, ("-stolout",), lambda tok: "-stolout" in tok and len(tok) > 7, 1, set_value("stolout_file", str), "file",
         "output.stol", "F against stol measured from -img"),
    Rule(696, ("-stol",), has_len("-stol", 5), 1, _table(1e10), "file", "",
         "structure factor against sin(theta)/lambda (1/A)"),
    Rule(701, ("-4stol",), has_len("-4stol", 6), 1, _table(1e10 / 4), "file", "",
         "structure factor against 4 sin(theta)/lambda"),
    Rule(706, ("-Q",), has_len("-Q", 2), 1, _table(1e10 / math.pi / 4), "file", "",
         "structure factor against Q = 4 pi sin(theta)/lambda"),
    Rule(711, ("-sourcefile",), has("-sourcefile"), 1, set_value("source_file", str), "file", "",
         "sources: X Y Z I lambda per line"),
    Rule(715, ("-floatfile", "-floatimage"), has("-floatfile", "-floatimage"), 1, set_value("floatfile", str), "file",
         "floatimage.bin", "float image (photons/pixel)"),
    Rule(719, ("-intfile", "-intimage"), has("-intfile", "-intimage"), 1, set_value("intfile", str), "file",
         "intimage.img", "noiseless SMV image"),
    Rule(723, ("-pgmfile", "-pgmimage"), has("-pgmfile", "-pgmimage"), 1, set_value("pgmfile", str), "file",
         "image.pgm", "8-bit PGM image"),
    Rule(727, ("-noisefile", "-noiseimage"), has("-noisefile", "-noiseimage"), 1, _noisefile, "file",
         "noiseimage.img", "SMV image with Poisson noise"),
    Rule(732, ("-nonoise",), has("-nonoise"), 0, set_flag("calculate_noise", False), "", "", "no noise image"),
    Rule(737, ("-nopgm",), has("-nopgm"), 0, lambda cfg, vals: None, "", "",
         "parsed; nonBragg.c writes the PGM anyway"),
    Rule(742, ("-noreject",), has("-noreject"), 0, lambda cfg, vals: None, "", "",
         "parsed; outlier rejection is always off"),
    Rule(747, ("-scale",), has("-scale"), 1, set_value("intfile_scale", atof), "", "55000/max",
         "scale of the SMV image"),
    Rule(752, ("-pgmscale",), has("-pgmscale"), 1, set_value("pgm_scale", atof), "", "50/rmsd", "scale of the PGM"),
    Rule(757, ("-coherent",), has("-coherent"), 0, set_flag("coherent", True), "", "", "parsed, no effect"),
    Rule(762, ("-printout",), has("-printout"), 0, set_flag("printout", True), "", "",
         "print the values of every pixel (no progress lines)"),
    Rule(767, ("-noprogress",), has("-noprogress"), 0, set_flag("progress_meter", False), "", "",
         "no progress lines"),
    Rule(772, ("-progress",), has("-progress"), 0, set_flag("progress_meter", True), "", "on", "progress lines"),
    Rule(777, ("-printout_pixel",), has("-printout_pixel"), 2, _printout_pixel, "f s", "",
         "print the values of one pixel"),
    Rule(782, ("-seed",), has("-seed"), 1, set_value("seed", negated_seed), "", "time", "seed of the noise image"),
)


@dataclass
class ParseResult:
    """The configuration, what the C printed while parsing, and one warning per token it ignores."""

    config: AmorphousConfig
    log: str = ""
    warnings: list = field(default_factory=list)


# C L313-358: the -img header sets the detector, distance, wavelength, beam centre and phi
def apply_img_header(cfg, frame):
    """Take the geometry from the header of the -img image, as the C does before its argument loop."""
    cfg.fpixels = frame.width
    cfg.spixels = frame.height
    test = frame.value_of("PIXEL_SIZE")
    if not math.isnan(test):
        cfg.pixel_size = test / 1000.0
    cfg.detsize_x = cfg.pixel_size * cfg.fpixels
    cfg.detsize_y = cfg.pixel_size * cfg.spixels
    for key, name, convert in (
            ("DISTANCE", "distance", lambda t: t / 1000.0),
            ("CLOSE_DISTANCE", "close_distance", lambda t: t / 1000.0),
            ("WAVELENGTH", "lambda0", lambda t: t / 1e10),
            ("BEAM_CENTER_X", "Xbeam", lambda t: t / 1000.0),
            ("BEAM_CENTER_Y", "Ybeam", lambda t: cfg.detsize_y - t / 1000.0),
            ("ORGX", "ORGX", float),
            ("ORGY", "ORGY", float),
            ("PHI", "phi0", lambda t: t / RTD),
            ("OSC_RANGE", "osc", lambda t: t / RTD)):
        test = frame.value_of(key)
        if not math.isnan(test):
            setattr(cfg, name, convert(test))


# C L298-788: pre-scan for -img and its header, then every flag test on every token
def parse_args(argv, read_frame=read_smv):
    """Parse a nonBragg.c argument list.

    Parameters
    ----------
    argv : list of str
        Arguments without the program name.
    read_frame : callable
        Reads the -img image (:func:`nanobragg_nb.io.smv.read_smv`).

    Returns
    -------
    ParseResult

    Raises
    ------
    InputFileError
        The -img image cannot be read.
    """
    cfg = AmorphousConfig()
    argc = len(argv) + 1
    args = [None] + list(argv)
    log = ""
    img = None
    for i in range(1, argc):
        if args[i].startswith("-") and "-img" in args[i] and argc > i + 1:
            img = args[i + 1]
    if img is not None:
        frame = read_frame(img)
        log += frame.log
        apply_img_header(cfg, frame)
        cfg.img_frame = frame
    fired, used = set(), set()
    for i in range(1, argc):
        tok = args[i]
        if not tok.startswith("-"):
            continue
        for rule in RULES:
            if not rule.match(tok) or argc <= i + rule.nargs:
                continue
            rule.action(cfg, args[i + 1:i + 1 + rule.nargs])
            fired.add(i)
            used.update(range(i + 1, i + 1 + rule.nargs))
    if img is not None:
        cfg.img_file = img
    warnings = []
    for i in range(1, argc):
        if i not in fired and i not in used:
            what = "option" if args[i].startswith("-") else "argument"
            warnings.append(f"ignoring unrecognised {what} '{args[i]}' (nonBragg.c ignores it too)")
    return ParseResult(cfg, log, warnings)
