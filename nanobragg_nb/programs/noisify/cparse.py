"""The noisify.c command line, parsed the way the C parses it.

As in nanoBragg.c, every token that starts with ``-`` is tested against
every flag with ``strstr`` (a substring match), so one token can fire
several flags and values are read with ``atof``/``atoi``; value tokens are
tested too. Before that, any token that *contains* ``floatimage.bin`` names
the input file. ``RULES`` is the C's chain of tests, in its order (C
L160-318), one entry per ``if`` block; ``docs/cli.md`` is generated from it.
"""
import time
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from ...cnum import atof, atoi, double_to_int
from ...errors import ArgumentError
from ..c_args import milli, negated_seed, set_both, set_flag, set_value
from ..nanobragg.cparse import Rule, has, has_len
from .psf import PSF_TYPES, UNKNOWN


@dataclass
class NoisifyConfig:
    """What noisify.c is asked to do, in its own units (metres, not mm).

    The defaults are the C's; ``seed`` None means the C's default,
    ``-time()``, taken when the run starts.
    """

    floatfile: Optional[str] = None        #: the input; None when no argument names one
    headerfile: Optional[str] = None       #: -header: SMV file whose header is copied
    intfile: str = "intimage.img"
    pgmfile: str = "image.pgm"
    noisefile: str = "noiseimage.img"
    distance_m: float = 100.0e-3
    detsize_x_m: float = 102.4e-3
    detsize_y_m: float = 102.4e-3
    pixel_m: float = 0.1e-3
    Xbeam_m: float = -1e99                  #: -1e99: the detector's centre
    Ybeam_m: float = -1e99
    xpixels: int = 0                        #: 0: from the file size
    ypixels: int = 0
    lambda_A: float = 1.0                   #: written into the header as given
    psftype: int = UNKNOWN
    psf_fwhm_m: float = float(np.float32(46e-6))   #: a C float
    psf_radius: int = 0                     #: 0: automatic
    fluence: float = 125932015286227086360700780544.0
    photon_scale: float = 1.0
    intimage_bits: int = 16
    calculate_noise: bool = True
    write_pgm: bool = True
    readout_noise: float = 0.0
    flicker_noise: float = 0.0
    calibration_noise: float = 0.03
    adc_offset: float = 40.0
    quantum_gain: float = 1.0
    phi0: float = 0.0                       #: degrees, only written into the header
    osc: float = 1.0
    seed: Optional[int] = None              #: the C's negated seed (-seed 5 gives -5)
    calib_seed: int = 123456789
    badpix_seed: int = 1234                 #: parsed; noisify.c 455534a never uses it
    hotpix_seed: int = 5678                 #: parsed; never used
    unknown_psf: Optional[str] = None       #: a -psf value that is neither gauss nor fiber
    header: Optional[object] = None         #: the -header image once read (smvio.HeaderFrame)

    def resolved_seed(self):
        """``seed``, or ``-time()`` as the C seeds when ``-seed`` is absent."""
        return self.seed if self.seed is not None else -int(time.time())


def _psf(cfg, vals):
    cfg.psftype = UNKNOWN
    cfg.unknown_psf = None
    for name, kind in PSF_TYPES.items():
        if name in vals[0]:
            cfg.psftype = kind
    if cfg.psftype == UNKNOWN:
        cfg.unknown_psf = vals[0]


#: The C's argument tests, in order (noisify.c L172-318).
RULES = (
    Rule(172, ("-lambda",), has("-lambda"), 1, set_value("lambda_A", atof), "A", "1",
         "wavelength, written into the header"),
    Rule(177, ("-Xbeam",), has("-Xbeam"), 1, set_value("Xbeam_m", milli), "mm", "centre",
         "beam centre X for the header"),
    Rule(181, ("-Ybeam",), has("-Ybeam"), 1, set_value("Ybeam_m", milli), "mm", "centre",
         "beam centre Y (the header gets detsize-Ybeam)"),
    Rule(185, ("-distance",), has("-distance"), 1, set_value("distance_m", milli), "mm", "100",
         "distance for the header"),
    Rule(189, ("-detsize",), has_len("-detsize", 8), 1, set_both("detsize_x_m", "detsize_y_m", milli), "mm", "102.4",
         "detector size, both axes (only used when neither pixel count is known)"),
    Rule(194, ("-detsize_x",), has("-detsize_x"), 1, set_value("detsize_x_m", milli), "mm", "102.4", "detector size X"),
    Rule(198, ("-detsize_y",), has("-detsize_y"), 1, set_value("detsize_y_m", milli), "mm", "102.4", "detector size Y"),
    Rule(202, ("-detpixels",), has_len("-detpixels", 10), 1, set_both("xpixels", "ypixels", atoi), "pixels",
         "from the file", "pixels on both axes"),
    Rule(206, ("-detpixels_x",), has("-detpixels_x"), 1, set_value("xpixels", atoi), "pixels", "from the file",
         "pixels on the fast axis"),
    Rule(210, ("-detpixels_y",), has("-detpixels_y"), 1, set_value("ypixels", atoi), "pixels", "from the file",
         "pixels on the slow axis"),
    Rule(214, ("-pixel",), has("-pixel"), 1, set_value("pixel_m", milli), "mm", "0.1", "pixel size"),
    Rule(218, ("-psf",), has_len("-psf", 4), 1, _psf, "gauss\\|fiber", "none",
         "point-spread function (matched as a substring of the value); any other value is an error here "
         "(the C warns and goes on without a PSF)", needs_value=True),
    Rule(225, ("-psf_radius",), has("-psf_rad"), 1, set_value("psf_radius", lambda v: double_to_int(atof(v))),
         "pixels", "auto", "rendering radius of the PSF (read with atof, truncated)"),
    Rule(229, ("-psf_fwhm", "-psf_size", "-psf_width"), has("-psf_si", "-psf_fw", "-psf_wi"), 1,
         set_value("psf_fwhm_m", lambda v: float(np.float32(atof(v) / 1e6))), "um", "46",
         "PSF full width at half maximum"),
    Rule(233, ("-fluence",), has("-fluence"), 1, set_value("fluence", atof), "photons/m^2", "1.25932e+29",
         "fluence; the default puts the input on a photons/pixel scale"),
    Rule(237, ("-floatfile", "-floatimage", "-bin"), has("-floatfile", "-floatimage", "-bin"), 1,
         set_value("floatfile", str), "file", "", "the input float image (any argument containing "
         "floatimage.bin names it too)"),
    Rule(242, ("-header",), has("-header"), 1, set_value("headerfile", str), "file", "",
         "SMV image whose header (size, pixel, distance, wavelength, beam centre) is used and copied"),
    Rule(246, ("-pgmfile", "-pgmimage"), has("-pgmfile", "-pgmimage"), 1, set_value("pgmfile", str), "file",
         "image.pgm", "8-bit PGM of the noiseless image"),
    Rule(250, ("-intfile", "-intimage"), has("-intfile", "-intimage"), 1, set_value("intfile", str), "file",
         "intimage.img", "noiseless SMV image"),
    Rule(254, ("-bits",), has("-bits"), 1, set_value("intimage_bits", atoi), "", "16",
         "16 or 32-bit pixels; any other value writes the header without its first lines and no pixels"),
    Rule(258, ("-noisefile", "-noiseimage"), has("-noisefile", "-noiseimage"), 1, set_value("noisefile", str), "file",
         "noiseimage.img", "SMV image with noise"),
    Rule(262, ("-nonoise",), has("-nonoise"), 0, set_flag("calculate_noise", False), "", "",
         "no noise image; the PSF, if any, is applied to the noiseless image"),
    Rule(267, ("-nopgm",), has("-nopgm"), 0, set_flag("write_pgm", False), "", "", "no PGM image"),
    Rule(271, ("-readout_noise", "-readnoise"), has("-readout", "-readnoi"), 1, set_value("readout_noise", atof), "ADU",
         "0", "Gaussian read-out noise"),
    Rule(275, ("-flicker",), has("-flicker"), 1, set_value("flicker_noise", atof), "fraction", "0",
         "beam flicker (1/f noise of the source)"),
    Rule(279, ("-calibration",), has("-calibration"), 1, set_value("calibration_noise", atof), "fraction", "0.03",
         "static calibration error per pixel"),
    Rule(283, ("-scale",), has("-scale"), 1, set_value("photon_scale", atof), "", "1",
         "factor that puts the input on the photons/pixel scale"),
    Rule(287, ("-seed",), has("-seed"), 1, set_value("seed", negated_seed), "", "time",
         "seed of the photon, flicker and read-out noise"),
    Rule(291, ("-calib_seed",), has("-calib_seed"), 1, set_value("calib_seed", negated_seed), "", "123456789",
         "seed of the calibration error (the default is positive, so ran1 starts it from 1)"),
    Rule(295, ("-badpix_seed",), has("-badpix_seed"), 1, set_value("badpix_seed", negated_seed), "", "1234",
         "parsed, no effect"),
    Rule(299, ("-hotpix_seed",), has("-hotpix_seed"), 1, set_value("hotpix_seed", negated_seed), "", "5678",
         "parsed, no effect"),
    Rule(303, ("-adc",), has("-adc"), 1, set_value("adc_offset", atof), "ADU", "40", "offset added to every pixel"),
    Rule(307, ("-gain",), has("-gain"), 1, set_value("quantum_gain", atof), "ADU/photon", "1", "detector gain"),
    Rule(311, ("-phi",), has("-phi"), 1, set_value("phi0", atof), "deg", "0", "start angle, for the header"),
    Rule(315, ("-osc",), has("-osc"), 1, set_value("osc", atof), "deg", "1", "oscillation range, for the header"),
)

#: the input's name: any argument that contains it names the input file (C L163-168)
POSITIONAL_INPUT = "floatimage.bin"


@dataclass
class ParseResult:
    """The configuration and one warning per token the C silently ignores."""

    config: NoisifyConfig
    warnings: list = field(default_factory=list)


# C L160-318: argv loop; any token containing floatimage.bin names the input, then every flag test
def parse_args(argv):
    """Parse a noisify.c argument list.

    Parameters
    ----------
    argv : list of str
        Arguments without the program name.

    Returns
    -------
    ParseResult

    Raises
    ------
    ArgumentError
        ``-psf`` as the last token (the C reads past the end of argv).
    """
    cfg = NoisifyConfig()
    argc = len(argv) + 1
    args = [None] + list(argv)
    fired, used = set(), set()
    for i in range(1, argc):
        tok = args[i]
        if POSITIONAL_INPUT in tok:
            cfg.floatfile = tok
            fired.add(i)
            continue
        if not tok.startswith("-"):
            continue
        for rule in RULES:
            if not rule.match(tok):
                continue
            if rule.needs_value and argc <= i + 1:
                raise ArgumentError(f"{tok} needs a value")
            if argc <= i + rule.nargs:
                continue
            vals = args[i + 1:i + 1 + rule.nargs]
            rule.action(cfg, vals)
            fired.add(i)
            used.update(range(i + 1, i + 1 + rule.nargs))
    warnings = []
    for i in range(1, argc):
        if i not in fired and i not in used:
            what = "option" if args[i].startswith("-") else "argument"
            warnings.append(f"ignoring unrecognised {what} '{args[i]}' (noisify.c ignores it too)")
    return ParseResult(cfg, warnings)
