"""Simulation configuration: plain dataclasses holding what nanoBragg.c holds after parsing.

Values are in SI units (metres, radians), as nanoBragg.c stores them once its
command line is read; each field name carries its unit. Fields that the C
leaves "unset" keep the C's sentinels so that the setup phase can apply the
C's defaulting rules unchanged: ``-1`` means "choose automatically" for step
counts, ranges and oversampling, and ``nan`` means "not given" for beam
centres and distances.

Examples
--------
>>> from nanobragg_nb.core.config import Config
>>> cfg = Config()
>>> cfg.crystal.cell_A = (100.0, 100.0, 100.0, 90.0, 90.0, 90.0)
>>> cfg.crystal.default_F = 100.0
>>> cfg.beam.wavelength_m = 6.2e-10
>>> cfg.detector.fpixels = cfg.detector.spixels = 256
"""
import math
import time
from dataclasses import dataclass, field
from typing import Optional, Tuple

import numpy as np

#: Degrees per radian, the C's ``RTD = 180.0*M_1_PI``.
RTD = 180.0 * (1.0 / math.pi)

Vector = Tuple[float, float, float]


def time_seed():
    """The C's default seed, ``-time(0)``."""
    return -int(time.time())


@dataclass
class Beam:
    """X-ray beam: wavelength, spectrum, divergence, polarization and fluence."""

    wavelength_m: float = 1.0e-10
    dispersion_fraction: float = 0.0       #: full width delta-lambda/lambda
    dispersion_steps: int = -1
    hdiv_range_rad: float = -1.0
    hdiv_step_rad: float = -1.0
    hdiv_steps: int = -1
    vdiv_range_rad: float = -1.0
    vdiv_step_rad: float = -1.0
    vdiv_steps: int = -1
    round_div: bool = True
    source_file: Optional[str] = None      #: columns X Y Z I lambda(m)
    fluence_photons_per_m2: float = 125932015286227086360700780544.0
    flux_photons_per_s: float = 0.0
    exposure_s: float = 1.0
    beamsize_m: float = 1e-4
    polarization_kahn: float = 0.0
    nopolar: bool = False
    beam_vector: Vector = (1.0, 0.0, 0.0)   #: used by the CUSTOM convention
    polar_vector: Vector = (0.0, 0.0, 1.0)  #: used by the CUSTOM convention


@dataclass
class Crystal:
    """Crystal: cell or orientation matrix, size, shape, mosaicity, structure factors."""

    user_cell: bool = False
    cell_A: Tuple[float, float, float] = (0.0, 0.0, 0.0)          #: a, b, c
    cell_angles_rad: Tuple[float, float, float] = (0.0, 0.0, 0.0)  #: alpha, beta, gamma
    matrix_file: Optional[str] = None      #: MOSFLM A matrix (reciprocal vectors times lambda)
    misset_mode: int = 0                   #: 0 none, 1 angles, -1 random
    misset_rad: Vector = (0.0, 0.0, 0.0)
    misset_seed: Optional[int] = None      #: stored negated as in the C; None: -time(0)
    Na: float = 1.0
    Nb: float = 1.0
    Nc: float = 1.0
    sample_x_m: float = 0.0
    sample_y_m: float = 0.0
    sample_z_m: float = 0.0
    shape: str = "square"                  #: square, round, gauss or tophat
    fudge: float = 1.0
    mosaic_spread_rad: float = -1.0
    mosaic_domains: int = -1
    mosaic_seed: int = -12345678           #: stored negated as in the C
    hkl_file: Optional[str] = None
    default_F: float = 0.0
    dump_file: str = "Fdump.bin"
    interpolate: int = 2                   #: 2 auto, 1 tricubic, 0 nearest
    phi0_rad: float = 0.0
    osc_rad: float = -1.0
    phistep_rad: float = -1.0
    phisteps: int = -1
    spindle_axis: Vector = (0.0, 0.0, 1.0)  #: used by the CUSTOM convention
    dmin_m: float = 0.0
    water_size_m: float = 0.0
    stol_file: Optional[str] = None        #: read as the C does, then unused
    stol_file_mult: float = 1.0e10

    @property
    def cell(self):
        """(a, b, c, alpha, beta, gamma) in Angstrom and degrees, for reading."""
        return tuple(self.cell_A) + tuple(x * RTD for x in self.cell_angles_rad)

    def set_cell(self, a, b, c, alpha_deg=90.0, beta_deg=90.0, gamma_deg=90.0):
        """Set the unit cell as ``-cell a b c alpha beta gamma`` does."""
        self.user_cell = True
        self.cell_A = (float(a), float(b), float(c))
        self.cell_angles_rad = (alpha_deg / RTD, beta_deg / RTD, gamma_deg / RTD)


@dataclass
class Detector:
    """Area detector: size, pixels, convention, position, orientation, sensor."""

    convention: str = "mosflm"             #: mosflm, xds, adxv, denzo, dials or custom
    pivot: str = "beam"                    #: beam or sample
    distance_m: float = 100.0e-3
    close_distance_m: float = math.nan
    pixel_size_m: float = 0.1e-3
    detsize_f_m: float = 102.4e-3
    detsize_s_m: float = 102.4e-3
    fpixels: int = 0
    spixels: int = 0
    Xbeam_m: float = math.nan
    Ybeam_m: float = math.nan
    Xclose_m: float = math.nan
    Yclose_m: float = math.nan
    ORGX_px: float = math.nan
    ORGY_px: float = math.nan
    rotx_rad: float = 0.0
    roty_rad: float = 0.0
    rotz_rad: float = 0.0
    twotheta_rad: float = 0.0
    fdet_vector: Vector = (0.0, 0.0, 1.0)
    sdet_vector: Vector = (0.0, -1.0, 0.0)
    odet_vector: Vector = (1.0, 0.0, 0.0)
    twotheta_axis: Vector = (0.0, 1.0, 0.0)
    curved: bool = False
    point_pixel: bool = False
    thick_m: float = 0.0
    thicksteps: int = -1
    mu_per_m: float = -1.0                 #: attenuation coefficient; -1: 1/thickness
    mask: Optional[np.ndarray] = None      #: pixels equal to 0 are skipped
    mask_file: Optional[str] = None        #: only named in the log
    #: a multi-panel detector: a PanelDetector (nanobragg_nb.read_detector) or a DIALS/CrystFEL file name;
    #: it replaces the single panel above (mask: every panel's pixels, panel after panel)
    panels: Optional[object] = None


@dataclass
class Sampling:
    """Sub-pixel sampling and the region of interest."""

    oversample: int = -1
    oversample_thick: bool = False
    oversample_polar: bool = False
    oversample_omega: bool = False
    roi: Tuple[int, int, int, int] = (-1, -1, -1, -1)  #: xmin xmax ymin ymax, inclusive


@dataclass
class Output:
    """Output files, scales, noise and console printout."""

    floatfile: str = "floatimage.bin"
    intfile: str = "intimage.img"
    pgmfile: str = "image.pgm"
    noisefile: str = "noiseimage.img"
    write_pgm: bool = True
    calculate_noise: bool = True
    intfile_scale: float = 0.0
    pgm_scale: float = 0.0
    adc_offset: float = 40.0
    seed: Optional[int] = None             #: stored negated as in the C; None: -time(0)
    printout: bool = False
    printout_fpixel: int = -1
    printout_spixel: int = -1
    progress_meter: bool = True


#: the upstream fixes of nanoBragg.c that :class:`Fixes` can switch on, by name
FIX_NAMES = ("phi0", "oversample")


@dataclass
class Fixes:
    """Two upstream fixes of nanoBragg.c's physics, off by default (the C's main, bit for bit).

    Both are on branches of bl831/nanoBragg that its main has not merged;
    docs/parity.md says what each one changes.
    """

    #: fix/phi0-stale-rotation (0286ac6): a phi step of exactly 0 uses the unrotated cell,
    #: not the rotation of the previous phi != 0 (c-reference Q-R1)
    phi0: bool = False
    #: fix/subpixel-oversampling (18db27d): -oversample_thick, -oversample_polar and
    #: -oversample_omega weight each term once instead of multiplying the running sum
    oversample: bool = False


@dataclass
class Config:
    """Everything a simulation needs, grouped as beam, crystal, detector, sampling, output and fixes."""

    beam: Beam = field(default_factory=Beam)
    crystal: Crystal = field(default_factory=Crystal)
    detector: Detector = field(default_factory=Detector)
    sampling: Sampling = field(default_factory=Sampling)
    output: Output = field(default_factory=Output)
    fixes: Fixes = field(default_factory=Fixes)
