"""Detector set-up: size, beam centres, the six conventions, pivots and rotations."""
import math
import sys

from ...errors import GeometryError
from .vec import cross, dot, rotate, rotate_axis, unitize, vec

DBL_MIN = sys.float_info.min


# C L1118-1128: detector size and pixel counts
def detector_size(s, det, size_names=("detsize_f", "detsize_s"), pixel_rounding=0.5):
    """Set the pixel size, the detector size and the pixel counts.

    Parameters
    ----------
    s : Setup or AmorphousSetup
        Receives ``pixel_size``, the two sizes, ``fpixels``, ``spixels`` and ``pixels``.
    det : object
        With ``pixel_size_m``, ``detsize_f_m``, ``detsize_s_m`` (m) and ``fpixels``,
        ``spixels`` (0: from the size).
    size_names : tuple of str
        The program's names for the fast and slow sizes (nonBragg.c: detsize_x, detsize_y).
    pixel_rounding : float
        Subtracted from size / pixel_size before the ceiling: 0.5 in nanoBragg.c,
        0 in nonBragg.c (which rounds a fractional pixel up).

    Raises
    ------
    GeometryError
        A pixel size that is not positive, or no pixel on an axis.
    """
    fast_name, slow_name = size_names
    s.pixel_size = det.pixel_size_m
    detsize_f, detsize_s = det.detsize_f_m, det.detsize_s_m
    if not s.pixel_size > 0.0 or not math.isfinite(s.pixel_size):
        raise GeometryError(f"pixel size must be positive, got {s.pixel_size * 1000.0:g} mm")
    if det.fpixels:
        detsize_f = s.pixel_size * det.fpixels
    if det.spixels:
        detsize_s = s.pixel_size * det.spixels
    setattr(s, fast_name, detsize_f)
    setattr(s, slow_name, detsize_s)
    s.fpixels = _ceil_int(detsize_f / s.pixel_size - pixel_rounding)
    s.spixels = _ceil_int(detsize_s / s.pixel_size - pixel_rounding)
    if s.fpixels <= 0 or s.spixels <= 0:
        raise GeometryError(f"the detector must have at least one pixel on each axis, got "
                            f"{s.fpixels} x {s.spixels} (size {detsize_f * 1000.0:g} x "
                            f"{detsize_s * 1000.0:g} mm, pixel {s.pixel_size * 1000.0:g} mm)")
    s.pixels = s.fpixels * s.spixels


def _ceil_int(x):
    if not math.isfinite(x):
        raise GeometryError(f"detector size in pixels is not finite ({x})")
    return math.ceil(x)


# C L1155-1170: near point, beam-centre and ROI defaults
def centre_defaults(s, det, sampling):
    s.Fclose = s.Sclose = math.nan
    s.Xbeam, s.Ybeam = det.Xbeam_m, det.Ybeam_m
    s.Xclose, s.Yclose = det.Xclose_m, det.Yclose_m
    s.ORGX, s.ORGY = det.ORGX_px, det.ORGY_px
    if not math.isnan(s.ORGX):
        s.Fclose = (s.ORGX - 0.5) * s.pixel_size
    if not math.isnan(s.ORGY):
        s.Sclose = (s.ORGY - 0.5) * s.pixel_size
    if math.isnan(s.Fclose):
        s.Fclose = (s.detsize_f - 0 * s.pixel_size) / 2.0
    if math.isnan(s.Sclose):
        s.Sclose = (s.detsize_s + 0 * s.pixel_size) / 2.0
    if math.isnan(s.Xclose):
        s.Xclose = s.Fclose
    if math.isnan(s.Yclose):
        s.Yclose = s.Sclose
    s.Fbeam = s.Fclose
    s.Sbeam = s.Sclose
    roi_defaults(s, sampling.roi)


def roi_defaults(s, roi):
    """Fill the region of interest's unset bounds and count its pixels.

    nanoBragg.c (L1166-1170) and nonBragg.c (L851-855) do this alike.

    Parameters
    ----------
    s : Setup or AmorphousSetup
        With ``fpixels`` and ``spixels``; receives ``roi_xmin``, ``roi_xmax``,
        ``roi_ymin``, ``roi_ymax`` and ``progress_pixels``.
    roi : tuple of int
        xmin, xmax, ymin, ymax as given; a negative bound is unset.
    """
    xmin, xmax, ymin, ymax = roi
    s.roi_xmin = 0 if xmin < 0 else xmin
    s.roi_xmax = s.fpixels if xmax < 0 else xmax
    s.roi_ymin = 0 if ymin < 0 else ymin
    s.roi_ymax = s.spixels if ymax < 0 else ymax
    s.progress_pixels = (s.roi_xmax - s.roi_xmin + 1) * (s.roi_ymax - s.roi_ymin + 1)


# beam, fdet, sdet, odet, twotheta_axis, polar, spindle for each fixed convention
_CONVENTION_VECTORS = {
    "adxv": ((0, 0, 1), (1, 0, 0), (0, -1, 0), (0, 0, 1), (-1, 0, 0), (1, 0, 0), (1, 0, 0)),
    "mosflm": ((1, 0, 0), (0, 0, 1), (0, -1, 0), (1, 0, 0), (0, 0, -1), (0, 0, 1), (0, 0, 1)),
    "denzo": ((1, 0, 0), (0, 0, 1), (0, -1, 0), (1, 0, 0), (0, 0, -1), (0, 0, 1), (0, 0, 1)),
    "xds": ((0, 0, 1), (1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 0, 0), (1, 0, 0), (1, 0, 0)),
    "dials": ((0, 0, 1), (1, 0, 0), (0, 1, 0), (0, 0, 1), (0, 1, 0), (0, 1, 0), (0, 1, 0)),
}

CONVENTIONS = ("adxv", "mosflm", "denzo", "xds", "dials", "custom")


# C L1172-1257: detector conventions: vectors, default beam centres, pivots
def convention(s, cfg):
    det = cfg.detector
    s.convention = det.convention
    if s.convention not in CONVENTIONS:
        raise GeometryError(f"unknown detector convention '{s.convention}' (one of {', '.join(CONVENTIONS)})")
    s.pivot = det.pivot
    s.beam_vector = vec(*cfg.beam.beam_vector)
    s.fdet_vector = vec(*det.fdet_vector)
    s.sdet_vector = vec(*det.sdet_vector)
    s.odet_vector = vec(*det.odet_vector)
    s.twotheta_axis = vec(*det.twotheta_axis)
    s.polar_vector = vec(*cfg.beam.polar_vector)
    s.spindle_vector = vec(*cfg.crystal.spindle_axis)
    px = s.pixel_size
    if s.convention in _CONVENTION_VECTORS:
        (s.beam_vector, s.fdet_vector, s.sdet_vector, s.odet_vector, s.twotheta_axis,
         s.polar_vector, s.spindle_vector) = [vec(*v) for v in _CONVENTION_VECTORS[s.convention]]
    if s.convention == "adxv":
        if math.isnan(s.Xbeam):
            s.Xbeam = (s.detsize_f + px) / 2.0
        if math.isnan(s.Ybeam):
            s.Ybeam = (s.detsize_s - px) / 2.0
        s.Fbeam = s.Xbeam
        s.Sbeam = s.detsize_s - s.Ybeam
        s.pivot = "beam"
    elif s.convention in ("mosflm", "denzo"):
        if math.isnan(s.Xbeam):
            s.Xbeam = (s.detsize_s + px) / 2.0
        if math.isnan(s.Ybeam):
            s.Ybeam = (s.detsize_f + px) / 2.0
        offset = 0.5 if s.convention == "mosflm" else 0.0
        s.Fbeam = s.Ybeam + offset * px
        s.Sbeam = s.Xbeam + offset * px
        s.pivot = "beam"
    elif s.convention in ("xds", "dials"):
        if math.isnan(s.Xbeam):
            s.Xbeam = s.Xclose
        if math.isnan(s.Ybeam):
            s.Ybeam = s.Yclose
        s.Fbeam = s.Xbeam
        s.Sbeam = s.Ybeam
        s.pivot = "sample"
    else:
        if math.isnan(s.Xbeam):
            s.Xbeam = s.Xclose
        if math.isnan(s.Ybeam):
            s.Ybeam = s.Yclose
        s.Fbeam = s.Xbeam
        s.Sbeam = s.Ybeam
        s.Fclose = s.Xbeam
        s.Sclose = s.Ybeam


# C L1259-1272: unitize the vectors; regenerate odet; vert_vector
def straighten_vectors(s, log):
    unitize(s.beam_vector, s.beam_vector)
    unitize(s.fdet_vector, s.fdet_vector)
    unitize(s.sdet_vector, s.sdet_vector)
    if unitize(s.odet_vector, s.odet_vector) != 1.0:
        log.printf("WARNING: auto-generating odet_vector\n")
        cross(s.fdet_vector, s.sdet_vector, s.odet_vector)
        unitize(s.odet_vector, s.odet_vector)
    unitize(s.polar_vector, s.polar_vector)
    unitize(s.spindle_vector, s.spindle_vector)
    s.vert_vector = vec()
    cross(s.beam_vector, s.polar_vector, s.vert_vector)
    unitize(s.vert_vector, s.vert_vector)


# C L1701-1776: pivot, rotations, two-theta, pix0, recomputed centres, ORGX, DIALS origin
def geometry(s, cfg, log):
    det = cfg.detector
    rotx, roty, rotz = det.rotx_rad, det.roty_rad, det.rotz_rad
    s.detector_twotheta = det.twotheta_rad
    log.printf("%s convention selected.\n", s.convention)
    vector = rotate(s.odet_vector, vec(), rotx, roty, rotz)
    ratio = dot(s.beam_vector, vector)
    if ratio == 0.0:
        ratio = DBL_MIN
    s.ratio = ratio
    s.close_distance = s.close_distance_in
    if math.isnan(s.close_distance):
        s.close_distance = math.fabs(ratio * s.distance)
    s.distance = s.close_distance / ratio
    (s.Fclose, s.Sclose), (s.Fbeam, s.Sbeam) = pivot_and_turn(s, s.pivot, rotx, roty, rotz, ratio,
                                                              (s.Fclose, s.Sclose), (s.Fbeam, s.Sbeam), log)
    pix0 = s.pix0_vector
    s.ORGX = s.Fclose / s.pixel_size + 0.5
    s.ORGY = s.Sclose / s.pixel_size + 0.5
    s.dials_origin = (1000.0 * dot(pix0, vec(+0, +0, +1)),
                      1000.0 * dot(pix0, vec(+0, +1, +0)),
                      1000.0 * dot(pix0, vec(-1, +0, +0)))
    log.printf("XDS incident beam: %g %g %g\n", dot(s.beam_vector, s.fdet_vector),
               dot(s.beam_vector, s.sdet_vector), dot(s.beam_vector, s.odet_vector))


def pivot_and_turn(s, pivot, rotx, roty, rotz, ratio, close, beam_spot, log):
    """pix0 from the pivot, the detector's axes turned, then the near point, beam centre and distance again.

    nanoBragg.c (L1716-1758) and nonBragg.c (L1179-1221) do this alike. ``close`` and ``beam_spot`` are the
    (fast, slow) near point and beam centre on the detector, in metres (nanoBragg's Fclose, Sclose and
    Fbeam, Sbeam; nonBragg's Xclose, Yclose and Xbeam, Ybeam); they come back recomputed. Sets
    ``s.pix0_vector``, ``s.close_distance``, ``s.distance`` and turns ``s.fdet_vector``, ``s.sdet_vector``
    and ``s.odet_vector`` in place.

    Returns
    -------
    (tuple, tuple)
        The near point and the beam centre, (fast, slow) each.
    """
    fclose, sclose = close
    fbeam, sbeam = beam_spot
    pix0 = vec()
    if pivot == "sample":
        log.printf("pivoting detector around sample\n")
        for i in (1, 2, 3):
            pix0[i] = -fclose * s.fdet_vector[i] - sclose * s.sdet_vector[i] + s.close_distance * s.odet_vector[i]
        rotate(pix0, pix0, rotx, roty, rotz)
        rotate_axis(pix0, pix0, s.twotheta_axis, s.detector_twotheta)
    for v in (s.fdet_vector, s.sdet_vector, s.odet_vector):
        rotate(v, v, rotx, roty, rotz)
    for v in (s.fdet_vector, s.sdet_vector, s.odet_vector):
        rotate_axis(v, v, s.twotheta_axis, s.detector_twotheta)
    if pivot == "beam":
        log.printf("pivoting detector around direct beam spot\n")
        for i in (1, 2, 3):
            pix0[i] = -fbeam * s.fdet_vector[i] - sbeam * s.sdet_vector[i] + s.distance * s.beam_vector[i]
    s.pix0_vector = pix0
    fclose = -dot(pix0, s.fdet_vector)
    sclose = -dot(pix0, s.sdet_vector)
    s.close_distance = dot(pix0, s.odet_vector)
    newvector = vec()
    for i in (1, 2, 3):
        newvector[i] = s.close_distance / ratio * s.beam_vector[i] - pix0[i]
    fbeam = dot(s.fdet_vector, newvector)
    sbeam = dot(s.sdet_vector, newvector)
    s.distance = s.close_distance / ratio
    return (fclose, sclose), (fbeam, sbeam)
