"""What nonBragg.c is asked to do, in its own units (metres, radians), with the C's defaults."""
import math
import time
from dataclasses import dataclass, field
from typing import Optional, Tuple

#: the fluence nonBragg.c starts from (photons/m^2)
DEFAULT_FLUENCE = 125932015286227086360700780544.0


@dataclass
class AmorphousConfig:
    """nonBragg.c's variables as its argument loop leaves them.

    Unset values carry the C's markers: NaN for beam centres, ``-1`` for
    steps, ranges and the ROI. ``seed`` None means the C's ``-time()``,
    taken when the run starts. ``stol_file`` None makes the run print the
    usage and stop (status 9).
    """

    stol_file: Optional[str] = None          #: -stol, -4stol or -Q: F against sin(theta)/lambda
    stol_file_mult: float = 1.0e10           #: converts the table's first column to sin(theta)/lambda in 1/m
    img_file: Optional[str] = None           #: -img: an SMV image whose header sets the geometry
    img_frame: Optional[object] = None       #: the -img image once read (io.smv.SMVFrame)
    stolout_file: str = "output.stol"        #: -stolout: F against stol measured from -img
    source_file: Optional[str] = None
    floatfile: str = "floatimage.bin"
    intfile: str = "intimage.img"
    pgmfile: str = "image.pgm"
    noisefile: str = "noiseimage.img"
    # sample
    sample_x: float = 1e-4
    sample_y: float = 1e-4
    sample_z: float = 1e-4
    density: float = 1.0e6                   #: g/m^3
    molecules: float = 0.0                   #: 0: from the density
    molecular_weight: float = 18.0
    # beam
    beam_vector: Tuple[float, float, float] = (1.0, 0.0, 0.0)
    polar_vector: Tuple[float, float, float] = (0.0, 0.0, 1.0)
    spindle_vector: Tuple[float, float, float] = (0.0, 0.0, 1.0)
    lambda0: float = 1.0e-10
    dispersion: float = 0.0
    dispsteps: int = -1
    hdivrange: float = -1.0
    hdivstep: float = -1.0
    hdivsteps: int = -1
    vdivrange: float = -1.0
    vdivstep: float = -1.0
    vdivsteps: int = -1
    round_div: bool = True
    source_distance: float = 10.0
    fluence: float = DEFAULT_FLUENCE
    flux: float = 0.0
    exposure: float = 1.0
    beamsize: float = 1e-4
    polarization: float = 0.0
    nopolar: bool = False
    coherent: bool = False                   #: parsed; nonBragg.c never reads it
    # detector
    pixel_size: float = 0.1e-3
    fpixels: int = 0
    spixels: int = 0
    distance: float = 100.0e-3
    close_distance: float = math.nan
    detsize_x: float = 102.4e-3
    detsize_y: float = 102.4e-3
    fdet_vector: Tuple[float, float, float] = (0.0, 0.0, 1.0)
    sdet_vector: Tuple[float, float, float] = (0.0, -1.0, 0.0)
    odet_vector: Tuple[float, float, float] = (1.0, 0.0, 0.0)
    pix0_vector: Tuple[float, float, float] = (0.0, 0.0, 0.0)     #: parsed; the pivot overwrites it
    twotheta_axis: Tuple[float, float, float] = (0.0, 1.0, 0.0)
    detector_rotx: float = 0.0
    detector_roty: float = 0.0
    detector_rotz: float = 0.0
    detector_twotheta: float = 0.0
    pivot: str = "beam"
    Xbeam: float = math.nan
    Ybeam: float = math.nan
    Xclose: float = math.nan
    Yclose: float = math.nan
    ORGX: float = math.nan
    ORGY: float = math.nan
    curved_detector: bool = False
    point_pixel: bool = False
    fmap_pixel: bool = False
    oversample: int = -1
    roi: Tuple[int, int, int, int] = (-1, -1, -1, -1)
    adc_offset: float = 40.0
    quantum_gain: float = 1.0
    phi0: float = 0.0
    osc: float = -1.0
    phistep: float = -1.0
    phisteps: int = -1
    # outputs and switches
    ignore_values: list = field(default_factory=list)   #: -ignore: pixel values of -img left out
    intfile_scale: float = 0.0
    pgm_scale: float = 0.0
    calculate_noise: bool = True
    printout: bool = False
    printout_fpixel: int = -1
    printout_spixel: int = 0
    progress_meter: bool = True
    seed: Optional[int] = None               #: the C's negated seed (-seed 5 gives -5)

    def resolved_seed(self):
        """``seed``, or ``-time()`` as the C seeds when ``-seed`` is absent."""
        return self.seed if self.seed is not None else -int(time.time())
