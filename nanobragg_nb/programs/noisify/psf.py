"""noisify.c's point-spread function: the kernel integrals and ``apply_psf``.

The C blurs by scattering: for each source pixel in order, every kernel
element adds ``inimage[i]*kernel[k]`` to its target (a float sum done in
double). Here the image is cut into bands of target rows, one band per
parallel task; each band walks the sources in the C's order and keeps only
the additions that land in it, so every target pixel receives its terms in
the C's order whatever the number of threads.
"""
import math

import numpy as np
from numba import njit, prange

from ...cnum import cprintf, double_to_int

#: the C's psf_type values
UNKNOWN, FIBER, GAUSS = 0, 1, 2
#: names accepted by ``-psf`` (matched as substrings), to their type
PSF_TYPES = {"gauss": GAUSS, "fiber": FIBER}

_SQRT_LOG2 = math.sqrt(math.log(2))
_SQRT_LOG16 = math.sqrt(math.log(16))
_SQRT_LOG16_OVER_LOG2 = math.sqrt(math.log(16) / math.log(2))
_LOG16 = math.log(16)
_LOG4 = math.log(4)
#: fwhm to the fibre PSF's "g" distance: fwhm = sqrt(2**(2/3)-1)/2*g
FIBER_G_PER_FWHM = 0.652383013252053
#: photons lost below the photon noise divided by this are not rendered
PHOTONLOSS_FACTOR = 10.0


# C L676-679: ngauss2D_integ, the integral of a unit Gaussian of fwhm 1
@njit(cache=True)
def ngauss2D_integ(x, y):
    return 0.125 * (math.erf(2 * x * _SQRT_LOG2) * math.erf(y * _SQRT_LOG16) * _SQRT_LOG16_OVER_LOG2)


# C L682-685: ngauss2D_pixel, that integral over one pixel
@njit(cache=True)
def ngauss2D_pixel(x, y, pix):
    return (ngauss2D_integ(x + pix / 2., y + pix / 2.) - ngauss2D_integ(x + pix / 2., y - pix / 2.)
            - ngauss2D_integ(x - pix / 2., y + pix / 2.) + ngauss2D_integ(x - pix / 2., y - pix / 2.))


# C L687-690: integrate_gauss_over_pixel, in units of the fwhm
@njit(cache=True)
def integrate_gauss_over_pixel(x, y, fwhm, pix):
    return ngauss2D_pixel(x / fwhm, y / fwhm, pix / fwhm)


# C L701-704: fiber2D_integ, the integral of the fibre-optic PSF
@njit(cache=True)
def fiber2D_integ(x, y, g):
    return math.atan((x * y) / (g * math.sqrt(g * g + x * x + y * y))) / 2.0 / math.pi


# C L705-712: fiber2D_pixel and integrate_fiber_over_pixel, the fibre PSF over one pixel
@njit(cache=True)
def integrate_fiber_over_pixel(x, y, g, pix):
    return (fiber2D_integ(x + pix / 2., y + pix / 2., g) - fiber2D_integ(x + pix / 2., y - pix / 2., g)
            - fiber2D_integ(x - pix / 2., y + pix / 2., g) + fiber2D_integ(x - pix / 2., y - pix / 2., g))


# C L758-765: the brightest pixel, for the automatic radius
@njit(cache=True)
def _max_intensity(inimage):
    max_I = 0.0
    for i in range(inimage.size):
        if max_I < np.float64(inimage[i]):
            max_I = np.float64(inimage[i])
    return max_I


# C L808-827: the kernel, cached in a (2r+1)^2 array; the disc only
@njit(cache=True)
def psf_kernel(psftype, fwhm_pixels, g, psf_radius):
    """The kernel of radius ``psf_radius`` (float64, flat, row ``dy``, column ``dx``).

    Parameters
    ----------
    psftype : int
        :data:`GAUSS` or :data:`FIBER`.
    fwhm_pixels, g : float
        The PSF's fwhm in pixels and the fibre's ``g`` (fwhm * 0.652...).
    psf_radius : int
        Radius in pixels; elements outside the disc stay 0.

    Returns
    -------
    numpy.ndarray
    """
    kernel_size = 2 * psf_radius + 1
    kernel = np.zeros(kernel_size * kernel_size, dtype=np.float64)
    for dy in range(-psf_radius, psf_radius + 1):
        for dx in range(-psf_radius, psf_radius + 1):
            rsq = np.float64(dx * dx + dy * dy)
            if rsq > psf_radius * psf_radius:
                continue
            k = kernel_size * (kernel_size // 2 + dy) + kernel_size // 2 + dx
            if psftype == GAUSS:
                kernel[k] = integrate_gauss_over_pixel(np.float64(dx), np.float64(dy), fwhm_pixels, 1.0)
            if psftype == FIBER:
                kernel[k] = integrate_fiber_over_pixel(np.float64(dx), np.float64(dy), g, 1.0)
    return kernel


@njit(cache=True)
def _c_int(x):
    """``(int) x`` for a double: truncation, INT_MIN when out of range or NaN (cvttsd2si)."""
    if x > -2147483649.0 and x < 2147483648.0:
        return np.int64(x)
    return np.int64(-2147483648)


# C L830-887: per source pixel, its rendering radius and the photons beyond it (serial: a double sum)
@njit(cache=True)
def source_radii(inimage, xpixels, ypixels, psftype, fwhm_pixels, g, user_psf_radius):
    """Radius of each source pixel and the total photons left outside the radii.

    Returns
    -------
    radii : numpy.ndarray
        int64 per pixel (0 where the pixel is skipped: ``inimage[i] <= 0``).
    total_lost_photons : float
    """
    pixels = inimage.size
    radii = np.zeros(pixels, dtype=np.int64)
    total_lost_photons = 0.0
    lost_photons = 0.0
    psf_radius = 0
    maxwidth = xpixels
    if ypixels > maxwidth:
        maxwidth = ypixels
    for i in range(pixels):
        I = np.float64(inimage[i])
        if I <= 0.0:
            continue
        if user_psf_radius != 0:
            psf_radius = user_psf_radius
        else:
            photon_noise = math.sqrt(I)
            lost_photons = photon_noise / PHOTONLOSS_FACTOR
            if psftype == GAUSS:
                psf_radius = _c_int(1 + math.ceil(math.sqrt(-math.log(lost_photons / I) / _LOG16) * fwhm_pixels))
            if psftype == FIBER:
                psf_radius = _c_int(1 + math.ceil(g * (I / lost_photons)))
        if psf_radius == 0:
            psf_radius = 1
        if psf_radius > maxwidth:
            psf_radius = maxwidth
        if psftype == GAUSS:
            rsq = np.float64(psf_radius)
            rsq = rsq / fwhm_pixels
            rsq = rsq * rsq
            lost_photons = I * math.exp(-_LOG16 * rsq)
        if psftype == FIBER:
            lost_photons = I * g / math.sqrt(g * g + np.float64(np.int32(psf_radius * psf_radius)))
        total_lost_photons += lost_photons
        radii[i] = psf_radius
    return radii, total_lost_photons


@njit(cache=True, inline="always")
def _half_width(psf_radius, dy):
    """Largest ``dx`` with ``dx*dx + dy*dy <= psf_radius*psf_radius``."""
    room = psf_radius * psf_radius - dy * dy
    dxm = np.int64(math.sqrt(np.float64(room)))
    while (dxm + 1) * (dxm + 1) <= room:
        dxm += 1
    while dxm * dxm > room:
        dxm -= 1
    return dxm


# C L889-911: one source through the kernel in the C's loop order, every test kept
@njit(cache=True, inline="always")
def _scatter_general(outimage, I, x0, y0, psf_radius, dy_lo, dy_hi, kernel, kernel_size, xpixels, ypixels,
                     j_lo, j_hi):
    """One source in the C's own loop order, every test kept (a radius beyond the kernel's)."""
    half = kernel_size // 2
    for dx in range(-psf_radius, psf_radius + 1):
        for dy in range(dy_lo, dy_hi + 1):
            k = kernel_size * (half + dy) + half + dx
            if k < 0 or k >= kernel.size or kernel[k] == 0.0:
                continue
            rsq = np.float64(dx * dx + dy * dy)
            if rsq > psf_radius * psf_radius:
                continue
            x = x0 + dx
            y = y0 + dy
            if x < 0 or x > xpixels:
                continue
            if y < 0 or y > ypixels:
                continue
            j = y * xpixels + x
            if j < j_lo or j >= j_hi:
                continue
            outimage[j] = np.float32(np.float64(outimage[j]) + I * kernel[k])


# C L889-911: scatter each source through the kernel, one band of target rows per task
@njit(cache=True, parallel=True)
def scatter(inimage, radii, kernel, kernel_radius, reach, xpixels, ypixels, band_rows):
    """The blurred image before the lost photons are added back (float32).

    ``reach`` is the largest radius in ``radii``; ``band_rows`` the height of
    a band (any value gives the same bits). Each target pixel receives its
    terms in the C's order: sources ascending, and within one source the
    only target hit twice (column 0, through the C's ``x == xpixels`` wrap
    into the next row) gets the direct term before the wrapped one. So the
    direct terms of a source are added row by row (contiguous), then its
    wrapped terms. The C also writes ``outimage[pixels]`` (its bounds test
    lets ``j == pixels`` through), outside the image: left out here.
    """
    pixels = xpixels * ypixels
    outimage = np.zeros(pixels, dtype=np.float32)
    kernel_size = 2 * kernel_radius + 1
    half = kernel_size // 2
    nbands = (ypixels + band_rows - 1) // band_rows
    for band in prange(nbands):
        row_lo = band * band_rows
        row_hi = min(row_lo + band_rows, ypixels)
        j_lo = row_lo * xpixels
        j_hi = row_hi * xpixels
        # a source reaches rows y0-r .. y0+r, and y0+r+1 through the wrap at x == xpixels
        src_lo = max(0, row_lo - reach - 1) * xpixels
        src_hi = min(pixels, (row_hi + reach) * xpixels)
        for i in range(src_lo, src_hi):
            I = np.float64(inimage[i])
            if I <= 0.0:
                continue
            psf_radius = radii[i]
            x0 = i % xpixels
            y0 = (i - x0) // xpixels
            dy_lo = max(-psf_radius, row_lo - 1 - y0)
            dy_hi = min(psf_radius, row_hi - 1 - y0)
            if dy_lo > dy_hi:
                continue
            if psf_radius > kernel_radius:
                _scatter_general(outimage, I, x0, y0, psf_radius, dy_lo, dy_hi, kernel, kernel_size,
                                 xpixels, ypixels, j_lo, j_hi)
                continue
            # direct terms: x in 0..xpixels-1, target row y0+dy
            finite = math.isfinite(I)
            for dy in range(max(dy_lo, row_lo - y0), dy_hi + 1):
                dxm = _half_width(psf_radius, dy)
                dx_first = max(-dxm, -x0)
                dx_last = min(dxm, xpixels - 1 - x0)
                row = (y0 + dy) * xpixels + x0
                kbase = kernel_size * (half + dy) + half
                if finite:
                    # adding I*0.0 leaves a sum bit for bit (it is never -0.0), so the C's skip of a
                    # zero kernel element can go, and the row vectorizes
                    for dx in range(dx_first, dx_last + 1):
                        outimage[row + dx] = np.float32(np.float64(outimage[row + dx]) + I * kernel[kbase + dx])
                else:
                    for dx in range(dx_first, dx_last + 1):
                        kv = kernel[kbase + dx]
                        if kv == 0.0:
                            continue
                        outimage[row + dx] = np.float32(np.float64(outimage[row + dx]) + I * kv)
            # wrapped terms: x == xpixels lands on column 0 of the next row
            dx = xpixels - x0
            if dx <= psf_radius:
                for dy in range(dy_lo, dy_hi + 1):
                    if dx * dx + dy * dy > psf_radius * psf_radius:
                        continue
                    y = y0 + dy + 1
                    if y < row_lo or y >= row_hi or y0 + dy < 0:
                        continue
                    kv = kernel[kernel_size * (half + dy) + half + dx]
                    if kv == 0.0:
                        continue
                    outimage[y * xpixels] = np.float32(np.float64(outimage[y * xpixels]) + I * kv)
    return outimage


# C L913-919: the lost photons, spread evenly over the image
@njit(cache=True, parallel=True)
def _add_back(outimage, lost_photons):
    for i in prange(outimage.size):
        outimage[i] = np.float32(np.float64(outimage[i]) + lost_photons)


# C L716-924: apply_psf, a new image that is the blurred input
def apply_psf(inimage, xpixels, ypixels, psftype, fwhm_pixels, user_psf_radius, log):
    """Blur a photon image with noisify.c's Gaussian or fibre-optic PSF.

    Parameters
    ----------
    inimage : numpy.ndarray
        float32, ``xpixels*ypixels`` pixels, row-major; not modified.
    xpixels, ypixels : int
        Image size.
    psftype : int
        :data:`GAUSS` or :data:`FIBER`.
    fwhm_pixels : float
        The PSF's full width at half maximum, in pixels.
    user_psf_radius : int
        Rendering radius in pixels; 0 (or negative, for the kernel) selects
        it from the brightest pixel, and per pixel from its intensity.
    log : nanobragg_nb.core.log.Log
        Receives what the C prints.

    Returns
    -------
    numpy.ndarray
        The blurred image (float32), or ``inimage`` itself where the C
        returns its input (zero size, non-positive width), or zeros when no
        pixel is positive (the C's "no photons" case).
    """
    g = fwhm_pixels * FIBER_G_PER_FWHM
    if psftype == UNKNOWN:
        log.write("ERROR: unknown PSF type\n")
        return inimage
    pixels = xpixels * ypixels
    if pixels == 0:
        log.write("ERROR: apply_psf image has zero size\n")
        return inimage
    if fwhm_pixels <= 0.0:
        log.write("WARNING: apply_psf function has zero size\n")
        return inimage
    psf_radius = user_psf_radius
    if psf_radius <= 0:
        max_I = _max_intensity(inimage)
        log.printf("  maximum input photon/pixel: %g\n", max_I)
        if max_I <= 0.0:
            log.write("WARNING: no photons, PSF skipped\n")
            return np.zeros(pixels, dtype=np.float32)
        photon_noise = math.sqrt(max_I)
        lost_photons = photon_noise / PHOTONLOSS_FACTOR
        if psftype == GAUSS:
            psf_radius = double_to_int(1 + math.ceil(math.sqrt(-math.log(lost_photons / max_I) / _LOG4 / 2)
                                                     * fwhm_pixels))
        if psftype == FIBER:
            psf_radius = double_to_int(1 + math.ceil(g * (max_I / lost_photons)))
        log.printf("  auto-selected psf_radius = %d pixels\n", psf_radius)
        if psf_radius == 0:
            psf_radius = 1
    maxwidth = max(xpixels, ypixels)
    psf_radius = min(psf_radius, maxwidth)
    kernel = psf_kernel(psftype, fwhm_pixels, g, psf_radius)
    radii, total_lost_photons = source_radii(inimage, xpixels, ypixels, psftype, fwhm_pixels, g,
                                             user_psf_radius)
    reach = max(psf_radius, int(radii.max()) if radii.size else 0)
    outimage = scatter(inimage, radii, kernel, psf_radius, reach, xpixels, ypixels, max(8, reach))
    lost_photons = total_lost_photons / pixels
    log.write(cprintf("adding back %g lost photons\n", total_lost_photons))
    _add_back(outimage, lost_photons)
    return outimage
