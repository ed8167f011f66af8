"""Random numbers of nanoBragg.c, reproduced bit for bit.

The C keeps its generator state in function-local statics that every seed
stream shares: ran1's shuffle table (``iy``, ``iv[32]``), gaussdev's spare
deviate and poidev's cache.  Here that state lives in small NumPy arrays so
that it can be passed into ``@njit`` code:

* ``idum``: 1-element int64 array, the C's ``long *idum`` (seeds negated);
* ``shuffle``: int64[33], ``[iy, iv[0], ..., iv[31]]``;
* ``gauss``: float32[2], ``[iset, gset]``;
* ``poi``: float32[4], ``[sq, alxm, g, oldm]`` with ``oldm = -1`` initially.

Widths follow gcc on x86-64 (SSE, ``FLT_EVAL_METHOD == 0``): float32 where
the C declares float, float64 where it declares double or mixes a float with
a double, and the double libm functions (``exp``, ``log``, ``sqrt``, ``tan``)
on float arguments promoted first.  ``powf`` is the one float libm call.
"""
import math

import numpy as np
from numba import njit

from ..cnum import c_to_unsigned
from .physics import rotate_umat
from .views import borrowed

# C L3762-3771: ran1's constants (the C's #define lines), then gammln's coefficients
_IA = 16807
_IM = 2147483647
_AM = 1.0 / _IM
_IQ = 127773
_IR = 2836
_NTAB = 32
_NDIV = 1 + (_IM - 1) // _NTAB
_RNMX = 1.0 - 1.2e-7
_F32_RNMX = np.float32(_RNMX)
_F32_THIRD = np.float32(1.0 / 3.0)
_GAMMLN_COF = (76.18009172947146, -86.50532032941677, 24.01409824083091,
               -1.231739572450155, 0.1208650973866179e-2, -0.5395239384953e-5)


class RandomState:
    """Shared generator state of nanoBragg.c, as at program start.

    Attributes
    ----------
    shuffle : numpy.ndarray
        int64[33]: ran1's ``iy`` then its table ``iv[32]`` (all 0).
    gauss : numpy.ndarray
        float32[2]: gaussdev's ``iset`` (0 or 1) and spare ``gset``.
    poi : numpy.ndarray
        float32[4]: poidev's cache ``sq, alxm, g, oldm`` (``oldm = -1``).
    """

    def __init__(self):
        self.shuffle = np.zeros(_NTAB + 1, dtype=np.int64)
        self.gauss = np.zeros(2, dtype=np.float32)
        self.poi = np.array([0.0, 0.0, 0.0, -1.0], dtype=np.float32)


def seed_array(value):
    """Return ``value`` as the 1-element int64 array used for ``idum``.

    Parameters
    ----------
    value : int
        The C's ``long`` seed variable, e.g. ``-5`` for ``-seed 5``.

    Returns
    -------
    numpy.ndarray
        int64[1] holding ``value``.
    """
    return np.array([value], dtype=np.int64)


# C L3773-3804: ran1, Park-Miller with Bays-Durham shuffle
@njit(cache=True, inline="always")
def ran1(idum, shuffle):
    """Uniform deviate in (0, 1), as float32 (Numerical Recipes ``ran1``).

    Parameters
    ----------
    idum : numpy.ndarray
        int64[1] seed state; a value <= 0 (or an empty table) re-seeds.
    shuffle : numpy.ndarray
        int64[33] shared table ``[iy, iv...]``, updated in place.

    Returns
    -------
    numpy.float32
    """
    if idum[0] <= 0 or shuffle[0] == 0:
        if -idum[0] < 1:
            idum[0] = 1
        else:
            idum[0] = -idum[0]
        for j in range(_NTAB + 7, -1, -1):
            k = idum[0] // _IQ
            idum[0] = _IA * (idum[0] - k * _IQ) - _IR * k
            if idum[0] < 0:
                idum[0] += _IM
            if j < _NTAB:
                shuffle[1 + j] = idum[0]
        shuffle[0] = shuffle[1]
    k = idum[0] // _IQ
    idum[0] = _IA * (idum[0] - k * _IQ) - _IR * k
    if idum[0] < 0:
        idum[0] += _IM
    j = shuffle[0] // _NDIV
    shuffle[0] = shuffle[1 + j]
    shuffle[1 + j] = idum[0]
    temp = np.float32(_AM * shuffle[0])
    if np.float64(temp) > _RNMX:
        return _F32_RNMX
    return temp


# C L3673-3701: gaussdev, polar Box-Muller with a cached spare deviate
@njit(cache=True)
def gaussdev(idum, shuffle, gauss):
    """Normal deviate (rms 1) as float32, keeping the C's spare in ``gauss``.

    Parameters
    ----------
    idum, shuffle : numpy.ndarray
        ran1 state (see :func:`ran1`).
    gauss : numpy.ndarray
        float32[2] ``[iset, gset]``, updated in place.

    Returns
    -------
    numpy.float32
    """
    if gauss[0] == 0:
        while True:
            v1 = np.float32(2.0 * np.float64(ran1(idum, shuffle)) - 1.0)
            v2 = np.float32(2.0 * np.float64(ran1(idum, shuffle)) - 1.0)
            rsq = v1 * v1 + v2 * v2
            if not (rsq >= 1.0 or rsq == 0):
                break
        r = np.float64(rsq)
        fac = np.float32(math.sqrt(-2.0 * math.log(r) / r))
        gauss[1] = v1 * fac
        gauss[0] = 1
        return v2 * fac
    gauss[0] = 0
    return gauss[1]


# C L3741-3756: gammln, Lanczos log-gamma in double returned as float
@njit(cache=True)
def gammln(xx):
    """Natural log of the gamma function, float32 in and out.

    Parameters
    ----------
    xx : float
        Argument (converted to float32 first, as the C's parameter).

    Returns
    -------
    numpy.float32
    """
    x = np.float64(np.float32(xx))
    y = x
    tmp = x + 5.5
    tmp -= (x + 0.5) * math.log(tmp)
    ser = 1.000000000190015
    for j in range(6):
        y += 1.0
        ser += _GAMMLN_COF[j] / y
    return np.float32(-tmp + math.log(2.5066282746310005 * ser / x))


# C L3616-3669: poidev, Poisson deviate (direct or rejection method)
@njit(cache=True, inline="always")
def poidev(xm, idum, shuffle, gauss, poi):
    """Poisson deviate of mean ``xm`` as float32 (NR ``poidev``).

    Parameters
    ----------
    xm : float
        Mean (converted to float32 first).
    idum, shuffle, gauss : numpy.ndarray
        ran1 and gaussdev state.
    poi : numpy.ndarray
        float32[4] cache ``[sq, alxm, g, oldm]``, updated in place.

    Returns
    -------
    numpy.float32
        The deviate; ``xm > 1e6`` gives ``xm + sqrt(xm) * gaussdev``.
        ``poidev(0)`` still consumes one ran1 draw.
    """
    xm = np.float32(xm)
    if xm > 1.0e6:
        xd = np.float64(xm)
        return np.float32(xd + math.sqrt(xd) * np.float64(gaussdev(idum, shuffle, gauss)))
    one = np.float32(1.0)
    if xm < 12.0:
        if xm != poi[3]:
            poi[3] = xm
            poi[2] = np.float32(math.exp(-np.float64(xm)))
        g = poi[2]
        em = np.float32(-1.0)
        t = one
        while True:
            em += one
            t *= ran1(idum, shuffle)
            if not (t > g):
                break
        return em
    if xm != poi[3]:
        poi[3] = xm
        poi[0] = np.float32(math.sqrt(2.0 * np.float64(xm)))
        poi[1] = np.float32(math.log(np.float64(xm)))
        poi[2] = xm * poi[1] - gammln(np.float32(np.float64(xm) + 1.0))
    sq = poi[0]
    alxm = poi[1]
    g = poi[2]
    while True:
        while True:
            y = np.float32(math.tan(math.pi * np.float64(ran1(idum, shuffle))))
            em = sq * y + xm
            if not (em < 0.0):
                break
        em = np.float32(np.floor(np.float64(em)))
        arg = em * alxm - gammln(np.float32(np.float64(em) + 1.0)) - g
        t = np.float32(0.9 * (1.0 + np.float64(y * y)) * math.exp(np.float64(arg)))
        if not (ran1(idum, shuffle) > t):
            break
    return em


# C L3439-3487: mosaic_rotation_umat, random rotation within a spherical cap
@njit(cache=True)
def mosaic_rotation_umat_into(mosaicity, idum, shuffle, out):
    """Write a random rotation matrix (row-major, 9 float64) into ``out``.

    Parameters
    ----------
    mosaicity : float
        Cap diameter in radians (converted to float32; 90.0 gives a
        rotation uniform over the whole sphere).
    idum, shuffle : numpy.ndarray
        ran1 state; three draws are consumed.
    out : numpy.ndarray
        float64 array of at least 9 elements.
    """
    mos = np.float32(mosaicity)
    r1 = 2.0 * np.float64(ran1(idum, shuffle)) - 1.0
    r2 = 2.0 * np.float64(ran1(idum, shuffle)) - 1.0
    r3 = 2.0 * np.float64(ran1(idum, shuffle)) - 1.0
    xyrad = math.sqrt(1.0 - r2 * r2)
    rot = np.float64(mos * np.float32(math.pow(np.float32(1.0 - r3 * r3), _F32_THIRD)))
    v1 = xyrad * math.sin(math.pi * r1)
    v2 = xyrad * math.cos(math.pi * r1)
    v3 = r2
    t1 = math.cos(rot)
    t2 = 1.0 - t1
    t3 = v1 * v1
    t6 = t2 * v1
    t7 = t6 * v2
    t8 = math.sin(rot)
    t9 = t8 * v3
    t11 = t6 * v3
    t12 = t8 * v2
    t15 = v2 * v2
    t19 = t2 * v2 * v3
    t20 = t8 * v1
    t24 = v3 * v3
    out[0] = t1 + t2 * t3
    out[1] = t7 - t9
    out[2] = t11 + t12
    out[3] = t7 + t9
    out[4] = t1 + t2 * t15
    out[5] = t19 - t20
    out[6] = t11 - t12
    out[7] = t19 + t20
    out[8] = t1 + t2 * t24


@njit(cache=True)
def rotate_by_domains_into(vectors, umats, out):
    """``out[m, 3*j:3*j+3] = rotate_umat(vectors[j], umats[m])`` for each domain m and vector j.

    The a, b, c of one phi step turned by every mosaic domain's matrix, in
    the C's arithmetic (:func:`~nanobragg_nb.core.physics.rotate_umat`),
    compiled: millions of domains are then a fraction of a second.

    Parameters
    ----------
    vectors : numpy.ndarray
        float64 (3, 3): a, b, c as rows.
    umats : numpy.ndarray
        float64 (domains, 9), row-major rotation matrices.
    out : numpy.ndarray
        float64 (domains, 9), written.
    """
    for mos_tic in range(umats.shape[0]):
        for j in range(3):
            x, y, z = rotate_umat(vectors[j, 0], vectors[j, 1], vectors[j, 2], umats[mos_tic], 0)
            out[mos_tic, 3 * j] = x
            out[mos_tic, 3 * j + 1] = y
            out[mos_tic, 3 * j + 2] = z


@njit(cache=True)
def mosaic_rotation_umats_into(mosaicity, idum, shuffle, out):
    """Fill each row of ``out`` with :func:`mosaic_rotation_umat_into`, one after the other.

    The loop of the C's setup, compiled: three million domains take a
    fraction of a second instead of half a minute of Python calls.

    Parameters
    ----------
    mosaicity : float
        Cap diameter in radians.
    idum, shuffle : numpy.ndarray
        ran1 state; three draws per row are consumed.
    out : numpy.ndarray
        float64 array of shape (domains, 9).
    """
    for row in range(out.shape[0]):
        mosaic_rotation_umat_into(mosaicity, idum, shuffle, out[row])


# C L3439-3487: mosaic_rotation_umat, random rotation within a spherical cap
@njit(cache=True)
def mosaic_rotation_umat(mosaicity, idum, shuffle):
    """Return a random rotation matrix (row-major float64[9]).

    See :func:`mosaic_rotation_umat_into` for the parameters.

    Returns
    -------
    numpy.ndarray
        float64[9] rotation matrix.
    """
    out = np.empty(9, dtype=np.float64)
    mosaic_rotation_umat_into(mosaicity, idum, shuffle, out)
    return out


# C L3537-3538: umat2misset, scale a vector to unit length when nonzero; returns (length, vector)
@njit(cache=True)
def _unit3(x, y, z):
    m = math.sqrt(x * x + y * y + z * z)
    if m > 0:
        x /= m
        y /= m
        z /= m
    return m, x, y, z


# C L3534-3550: umat2misset, normalised cross products of the rows (again at L3559-3576)
@njit(cache=True)
def _crosses(uxx, uxy, uxz, uyx, uyy, uyz, uzx, uzy, uzz):
    xcy = _unit3(uxy * uyz - uxz * uyy, uxz * uyx - uxx * uyz, uxx * uyy - uxy * uyx)[1:]
    ycz = _unit3(uyy * uzz - uyz * uzy, uyz * uzx - uyx * uzz, uyx * uzy - uyy * uzx)[1:]
    zcx = _unit3(uzy * uxz - uzz * uxy, uzz * uxx - uzx * uxz, uzx * uxy - uzy * uxx)[1:]
    return xcy, ycz, zcx


# C L3491-3612: umat2misset, rotation matrix to XYZ misset angles
@njit(cache=True)
def umat2misset(umat):
    """Convert a row-major rotation matrix to misset angles.

    Parameters
    ----------
    umat : numpy.ndarray
        float64[9] rotation matrix (normalised and orthogonalised first).

    Returns
    -------
    rotx, roty, rotz : float
        Angles in radians (float64).
    """
    uxx, uxy, uxz = umat[0], umat[1], umat[2]
    uyx, uyy, uyz = umat[3], umat[4], umat[5]
    uzx, uzy, uzz = umat[6], umat[7], umat[8]
    mx, uxx, uxy, uxz = _unit3(uxx, uxy, uxz)
    my, uyx, uyy, uyz = _unit3(uyx, uyy, uyz)
    mz, uzx, uzy, uzz = _unit3(uzx, uzy, uzz)
    if mx >= 0 and my <= 0 and mz <= 0:
        uyx, uyy, uyz = 0.0, 1.0, 0.0
        uzx, uzy, uzz = 0.0, 0.0, 1.0
    if mx <= 0 and my >= 0 and mz <= 0:
        uxx, uxy, uxz = 1.0, 0.0, 0.0
        uzx, uzy, uzz = 0.0, 0.0, 1.0
    if mx <= 0 and my <= 0 and mz >= 0:
        uxx, uxy, uxz = 1.0, 0.0, 0.0
        uyx, uyy, uyz = 0.0, 1.0, 0.0
    # the C runs the cross-product substitution twice
    for _ in range(2):
        xcy, ycz, zcx = _crosses(uxx, uxy, uxz, uyx, uyy, uyz, uzx, uzy, uzz)
        if mx <= 0:
            uxx, uxy, uxz = ycz
        if my <= 0:
            uyx, uyy, uyz = zcx
        if mz <= 0:
            uzx, uzy, uzz = xcy
    mx, uxx, uxy, uxz = _unit3(uxx, uxy, uxz)
    my, uyx, uyy, uyz = _unit3(uyx, uyy, uyz)
    mz, uzx, uzy, uzz = _unit3(uzx, uzy, uzz)
    if uzx * uzx < 1.0:
        rotx = math.atan2(uzy, uzz)
        roty = math.atan2(-uzx, math.sqrt(uzy * uzy + uzz * uzz))
        rotz = math.atan2(uyx, uxx)
    else:
        rotx = math.atan2(1.0, 1.0) * 4
        roty = math.atan2(1.0, 1.0) * 2
        rotz = math.atan2(uxy, -uyy)
    return rotx, roty, rotz


# C L3232-3256: noise image, poidev per ROI pixel then ADC offset and clip
@njit(cache=True)
def noise_image(floatimage, fpixels, spixels, roi_xmin, roi_xmax, roi_ymin, roi_ymax,
                adc_offset, idum, shuffle, gauss, poi):
    """Poisson-noise integer image from a float image, as the C's noise loop.

    Parameters
    ----------
    floatimage : numpy.ndarray
        float32[spixels * fpixels], row-major (slow index outer).
    fpixels, spixels : int
        Image size.
    roi_xmin, roi_xmax, roi_ymin, roi_ymax : int
        Inclusive region of interest; pixels outside stay 0 and draw nothing.
    adc_offset : float
        Added (as float64) to each deviate before clipping at 65535.
    idum, shuffle, gauss, poi : numpy.ndarray
        Generator state (see :func:`poidev`).

    Returns
    -------
    intimage : numpy.ndarray
        uint16[spixels * fpixels].
    photons : float
        Sum of the deviates (float64).
    overloads : int
        Number of pixels clipped at 65535.
    """
    intimage = np.zeros(fpixels * spixels, dtype=np.uint16)
    # the state arrays outlive the loop: no reference counting per draw (see core.views)
    image, draws, idum, shuffle, gauss, poi = (borrowed(floatimage), borrowed(intimage), borrowed(idum),
                                               borrowed(shuffle), borrowed(gauss), borrowed(poi))
    total = 0.0
    overloads = 0
    imgidx = 0
    for spixel in range(spixels):
        for fpixel in range(fpixels):
            if fpixel < roi_xmin or fpixel > roi_xmax or spixel < roi_ymin or spixel > roi_ymax:
                imgidx += 1
                continue
            test = np.float64(poidev(image[imgidx], idum, shuffle, gauss, poi))
            total += test
            test += adc_offset
            if test > 65535.0:
                test = 65535.0
                overloads += 1
            # no lower clamp in the C: a negative value wraps as gcc converts it
            draws[imgidx] = c_to_unsigned(test, 16)
            imgidx += 1
    return intimage, total, overloads
