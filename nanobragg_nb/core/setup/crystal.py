"""Crystal set-up: the unit cell, its orientation, the crystal size and oversampling."""
import math
import sys

from ...cnum import ieee_div as _div   # x/0 is inf or nan, as in C
from ..config import RTD
from ...cnum import ceil_to_int
from ...io.matrix import read_mosflm_matrix
from .. import rng
from ...cnum import angle, c_atan2
from .vec import cross, dot, rescale, rotate, scale, vec

DBL_MIN = sys.float_info.min
AVOGADRO = 6.02214179e23


# C L1793-1876: reciprocal cell from -cell a b c alpha beta gamma
def cell_from_parameters(s, cr, log):
    a, b, c = s.a, s.b, s.c
    a[0], b[0], c[0] = cr.cell_A
    alpha, beta, gamma = cr.cell_angles_rad
    if b[0] <= 0.0:
        b[0] = a[0]
    if c[0] <= 0.0:
        c[0] = a[0]
    if alpha <= 0.0:
        alpha = math.pi / 2
    if beta <= 0.0:
        beta = math.pi / 2
    if gamma <= 0.0:
        gamma = math.pi / 2
    alpha, beta, gamma = angle(alpha), angle(beta), angle(gamma)
    aavg = (alpha + beta + gamma) / 2
    skew = math.sin(aavg) * math.sin(aavg - alpha) * math.sin(aavg - beta) * math.sin(aavg - gamma)
    if skew < 0.0:
        skew = -skew
    V_cell = 2.0 * a[0] * b[0] * c[0] * math.sqrt(skew)
    if V_cell <= 0.0:
        log.printf("WARNING: impossible unit cell volume: %g\n", V_cell)
        V_cell = DBL_MIN
    V_star = _div(1.0, V_cell)
    a_star, b_star, c_star = s.a_star, s.b_star, s.c_star
    a_star[0] = b[0] * c[0] * math.sin(alpha) * V_star
    b_star[0] = c[0] * a[0] * math.sin(beta) * V_star
    c_star[0] = a[0] * b[0] * math.sin(gamma) * V_star
    if a_star[0] <= 0.0 or b_star[0] <= 0.0 or c_star[0] <= 0.0:
        log.printf("WARNING: impossible reciprocal cell lengths: %g %g %g\n", a_star[0], b_star[0], c_star[0])
        for v in (a_star, b_star, c_star):
            v[0] = math.fabs(v[0])
            if v[0] <= 0.0:
                v[0] = DBL_MIN
    sin_alpha_star = _div(_div(a[0] * V_star, b_star[0]), c_star[0])
    sin_beta_star = _div(_div(b[0] * V_star, a_star[0]), c_star[0])
    sin_gamma_star = _div(_div(c[0] * V_star, a_star[0]), b_star[0])
    cos_alpha_star = _div(math.cos(beta) * math.cos(gamma) - math.cos(alpha), math.sin(beta) * math.sin(gamma))
    cos_beta_star = _div(math.cos(gamma) * math.cos(alpha) - math.cos(beta), math.sin(gamma) * math.sin(alpha))
    cos_gamma_star = _div(math.cos(alpha) * math.cos(beta) - math.cos(gamma), math.sin(alpha) * math.sin(beta))
    values = (sin_alpha_star, cos_alpha_star, sin_beta_star, cos_beta_star, sin_gamma_star, cos_gamma_star)
    if any(v > 1.0000001 or v < -1.0000001 for v in values):
        log.printf("WARNING: oddball reciprocal cell angles:\n")
        for fmt, v in zip(("sin(alpha_star) = %.25g\n", "cos(alpha_star) = %.25g\n", "sin(beta_star)  = %.25g\n",
                           "cos(beta_star)  = %.25g\n", "sin(gamma_star) = %.25g\n", "cos9gamma_star) = %.25g\n"),
                          values):
            log.printf(fmt, v)
    sin_gamma_star = _clamp_sin(sin_gamma_star)
    cos_alpha_star, cos_beta_star, cos_gamma_star = (_clamp_cos(v) for v in (cos_alpha_star, cos_beta_star,
                                                                             cos_gamma_star))
    a_star[1] = a_star[0]
    b_star[1] = b_star[0] * cos_gamma_star
    c_star[1] = c_star[0] * cos_beta_star
    a_star[2] = 0.0
    b_star[2] = b_star[0] * sin_gamma_star
    c_star[2] = _div(c_star[0] * (cos_alpha_star - cos_beta_star * cos_gamma_star), sin_gamma_star)
    a_star[3] = 0.0
    b_star[3] = 0.0
    c_star[3] = _div(c_star[0] * V_cell, a[0] * b[0] * c[0] * sin_gamma_star)
    s.V_cell = V_cell


# C L1879-1896: reciprocal vectors from a MOSFLM matrix, divided by lambda in A
def cell_from_matrix(s, path, log):
    matrix = read_mosflm_matrix(path)
    log.write(matrix.log)
    for dst, src in ((s.a_star, matrix.a_star), (s.b_star, matrix.b_star), (s.c_star, matrix.c_star)):
        dst[1], dst[2], dst[3] = src
        scale(dst, dst, _div(1e-10, s.lambda0))


# C L1899-1920: random misset, then the misset rotations of the reciprocal vectors
def misset(s, cr, state, log):
    mode, angles = cr.misset_mode, list(cr.misset_rad)
    if mode == -1:
        umat = rng.mosaic_rotation_umat(90.0, s.misset_seed, state.shuffle)
        angles = list(rng.umat2misset(umat))
        log.printf("random orientation misset angles: %f %f %f deg\n",
                   angles[0] * RTD, angles[1] * RTD, angles[2] * RTD)
        mode = 1
    if mode > 0:
        for v in (s.a_star, s.b_star, s.c_star):
            rotate(v, v, angles[0], angles[1], angles[2])


def _clamp_sin(v):
    if v > 1.0:
        return 1.0
    if v < -1.0:
        return -1.0
    return v


def _clamp_cos(v):
    return 1.0 if v * v > 1.0 else v


def _angles(lengths, recip, V, dots, labels, header, log):
    """Sines, cosines and angles of a cell, with the C's oddball warning (C L1962-2036)."""
    (a, b, c), (a_s, b_s, c_s) = lengths, recip
    sins = (_div(_div(a_s * V, b), c), _div(_div(b_s * V, a), c), _div(_div(c_s * V, a), b))
    coss = (_div(_div(dots[0], b), c), _div(_div(dots[1], a), c), _div(_div(dots[2], a), b))
    if any(v > 1.0000001 or v < -1.0000001 for v in sins + coss):
        log.printf(header)
        for (ls, lc), sv, cv in zip(labels, sins, coss):
            log.printf(ls, sv)
            log.printf(lc, cv)
    return tuple(c_atan2(_clamp_sin(sv), _clamp_cos(cv)) for sv, cv in zip(sins, coss))


# C L1923-2047: real-space vectors, regenerated reciprocal vectors, printout
def real_space(s, user_cell, log):
    a, b, c, a_star, b_star, c_star = s.a, s.b, s.c, s.a_star, s.b_star, s.c_star
    a_star_cross_b_star = cross(a_star, b_star, vec())
    b_star_cross_c_star = cross(b_star, c_star, vec())
    c_star_cross_a_star = cross(c_star, a_star, vec())
    V_star = dot(a_star, b_star_cross_c_star)
    if user_cell:
        rescale(b_star_cross_c_star, b_star_cross_c_star, _div(a[0], s.V_cell))
        rescale(c_star_cross_a_star, c_star_cross_a_star, _div(b[0], s.V_cell))
        rescale(a_star_cross_b_star, a_star_cross_b_star, _div(c[0], s.V_cell))
        V_star = _div(1.0, s.V_cell)
    V_cell = _div(1.0, V_star)
    scale(b_star_cross_c_star, a, V_cell)
    scale(c_star_cross_a_star, b, V_cell)
    scale(a_star_cross_b_star, c, V_cell)
    scale(cross(b, c, vec()), a_star, V_star)
    scale(cross(c, a, vec()), b_star, V_star)
    scale(cross(a, b, vec()), c_star, V_star)
    alpha, beta, gamma = _angles(
        (a[0], b[0], c[0]), (a_star[0], b_star[0], c_star[0]), V_cell,
        (dot(b, c), dot(a, c), dot(a, b)),
        (("sin_alpha = %.25g\n", "cos_alpha = %.25g\n"), ("sin_beta  = %.25g\n", "cos_beta  = %.25g\n"),
         ("sin_gamma = %.25g\n", "cos_gamma = %.25g\n")),
        "WARNING: oddball cell angles:\n", log)
    alpha_star, beta_star, gamma_star = _angles(
        (a_star[0], b_star[0], c_star[0]), (a[0], b[0], c[0]), V_star,
        (dot(b_star, c_star), dot(a_star, c_star), dot(a_star, b_star)),
        (("sin(alpha_star) = %.25g\n", "cos(alpha_star) = %.25g\n"),
         ("sin(beta_star)  = %.25g\n", "cos(beta_star)  = %.25g\n"),
         ("sin(gamma_star) = %.25g\n", "cos(gamma_star) = %.25g\n")),
        "WARNING: oddball reciprocal cell angles:\n", log)
    s.V_cell = V_cell
    log.printf("Unit Cell: %g %g %g %g %g %g\n", a[0], b[0], c[0], alpha * RTD, beta * RTD, gamma * RTD)
    log.printf("Recp Cell: %g %g %g %g %g %g\n", a_star[0], b_star[0], c_star[0],
               alpha_star * RTD, beta_star * RTD, gamma_star * RTD)
    log.printf("volume = %g A^3\n", V_cell)
    print_vectors(log, "real-space cell vectors (Angstrom):\n", ("a", "b", "c"), a, b, c, 1.0)
    print_vectors(log, "reciprocal-space cell vectors (Angstrom^-1):\n", ("a_star", "b_star", "c_star"),
                  a_star, b_star, c_star, 1.0)


def print_vectors(log, title, names, a, b, c, factor):
    """The C's three-line vector table (also used by -printout, with factor 1e10)."""
    log.printf(title)
    log.printf("     %-10s  %-10s  %-10s\n", *names)
    for axis, label in ((1, "X"), (2, "Y"), (3, "Z")):
        log.printf(label + ": %11.8f %11.8f %11.8f\n", a[axis] * factor, b[axis] * factor, c[axis] * factor)


# C L2050-2077: cell vectors in metres; N from the crystal size
def crystal_size(s, cr, log):
    for v in (s.a, s.b, s.c):
        scale(v, v, 1e-10)
    s.a0, s.b0, s.c0 = _copy(s.a), _copy(s.b), _copy(s.c)
    s.Na, s.Nb, s.Nc = cr.Na, cr.Nb, cr.Nc
    if s.sample_x > 0:
        s.Na = _ceil(_div(s.sample_x, s.a[0]))
    if s.sample_y > 0:
        s.Nb = _ceil(_div(s.sample_y, s.b[0]))
    if s.sample_z > 0:
        s.Nc = _ceil(_div(s.sample_z, s.c[0]))
    s.Na, s.Nb, s.Nc = (1.0 if n <= 1.0 else float(n) for n in (s.Na, s.Nb, s.Nc))
    s.xtalsize = (s.a[0] * s.Na, s.b[0] * s.Nb, s.c[0] * s.Nc)
    log.printf("crystal is %g x %g x %g microns\n", *(x * 1e6 for x in s.xtalsize))


def _ceil(x):
    """The C's ``ceil`` on a double that stays a double (N may be inf or nan)."""
    return float(math.ceil(x)) if math.isfinite(x) else x


def _copy(v):
    out = vec()
    scale(v, out, 1.0)
    return out


# C L2078-2101: automatic oversampling and the "approximate MW" printout
def oversample_and_mw(s, oversample, log):
    xtalsize_max = _c_max(s.xtalsize)
    reciprocal_pixel_size = s.lambda0 * s.distance / s.pixel_size
    recommended = ceil_to_int(_div(3.0 * xtalsize_max, reciprocal_pixel_size))   # an int in the C
    if recommended <= 0:
        recommended = 1
    if oversample <= 0:
        oversample = recommended
        log.printf("auto-selected %d-fold oversampling\n", oversample)
    if oversample < recommended:
        log.printf("WARNING: maximum dimension of sample is %g A\n", xtalsize_max * 1e10)
        log.printf("         but reciprocal pixel size is %g A\n", reciprocal_pixel_size * 1e10)
        log.printf("         intensity may vary significantly across a pixel!\n")
        log.printf("         recommend -oversample %d to work around this\n", recommended)
    s.oversample = oversample
    volume = s.xtalsize[0] * s.xtalsize[1] * s.xtalsize[2]
    density = 1.2e6
    molecules = s.Na * s.Nb * s.Nc
    log.printf("approximate MW = %g\n", _div(volume * density * AVOGADRO, molecules))


def _c_max(sizes):
    """The C's running maximum: later values win only when strictly larger."""
    m = sizes[0]
    for x in sizes[1:]:
        if m < x:
            m = x
    return m
