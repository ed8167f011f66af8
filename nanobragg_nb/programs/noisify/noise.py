"""noisify.c's pixel loops: photon scale, integer images, photon and read-out noise.

The noise loops draw their random numbers serially, in the C's order, from
the generator of :mod:`nanobragg_nb.core.rng` (noisify.c carries the same
ran1, gaussdev, poidev and gammln as nanoBragg.c). Two seeds share that
generator's static state: ``seed`` (photon noise, flicker, read-out) and
``calib_seed`` (calibration error), interleaved pixel by pixel as in the C.
"""
import numpy as np
from numba import njit, prange

from .rng import gaussdev, poidev
from ...core.views import borrowed

#: the C's Thomson cross section r_e^2 (m^2) and default fluence (photons/m^2): their product is ~1
R_E_SQR = 7.94079248018965e-30
DEFAULT_FLUENCE = 125932015286227086360700780544.0


@njit(cache=True, inline="always")
def to_uint32(adu):
    """``(unsigned int) adu`` as gcc converts a double on x86-64 (through a 64-bit integer)."""
    if adu > -9.2233720368547758e18 and adu < 9.2233720368547758e18:
        return np.uint32(np.int64(adu) & 0xFFFFFFFF)
    return np.uint32(0)


@njit(cache=True, inline="always")
def to_uint16(adu):
    """``(unsigned short) adu`` as gcc converts a double (through a 32-bit integer)."""
    if adu > -2147483649.0 and adu < 2147483648.0:
        return np.uint16(np.int64(adu) & 0xFFFF)
    return np.uint16(0)


# C L480-492: the input on the photon scale, and its maximum
@njit(cache=True, parallel=True)
def photon_scale(floatimage, fluence, r_e_sqr, photon_scale):
    """``photonimage[i] = (fluence*r_e_sqr)*photon_scale*floatimage[i]`` as float32, and the input's maximum.

    Returns
    -------
    photonimage : numpy.ndarray
        float32.
    max_I : float
        Largest input value (0 when none is positive), as the C's running maximum.
    """
    pixels = floatimage.size
    photonimage = np.empty(pixels, dtype=np.float32)
    factor = (fluence * r_e_sqr) * photon_scale
    for i in prange(pixels):
        photonimage[i] = np.float32(factor * np.float64(floatimage[i]))
    max_I = 0.0
    for i in range(pixels):
        if max_I < np.float64(floatimage[i]):
            max_I = np.float64(floatimage[i])
    return photonimage, max_I


# C L507-518: the noiseless image as unsigned short and unsigned int
@njit(cache=True, parallel=True)
def noiseless_ints(photonimage, quantum_gain, adc_offset):
    """The int image without noise: both widths, each clipped at 65535 (the 32-bit one too, as in the C).

    Returns
    -------
    int16image : numpy.ndarray
        uint16.
    int32image : numpy.ndarray
        uint32.
    """
    pixels = photonimage.size
    int16image = np.empty(pixels, dtype=np.uint16)
    int32image = np.empty(pixels, dtype=np.uint32)
    for i in prange(pixels):
        adu = np.float64(photonimage[i]) * quantum_gain + adc_offset
        if adu > 2147483647.0:
            adu = 2147483647.0
        if adu > 65535.0:
            adu = 65535.0
        int32image[i] = to_uint32(adu)
        if adu > 65535.0:
            adu = 65535.0
        int16image[i] = to_uint16(adu)
    return int16image, int32image


# C L547-554: the PGM's bytes, the 16-bit image clipped at 255
@njit(cache=True, parallel=True)
def pgm_bytes(int16image):
    """``(unsigned char) min(int16image[i], 255)`` per pixel."""
    pgmimage = np.empty(int16image.size, dtype=np.uint8)
    for i in prange(int16image.size):
        test = np.float64(int16image[i])
        if test > 255.0:
            test = 255.0
        pgmimage[i] = np.uint8(np.int64(test))
    return pgmimage


# C L570-590: flicker, calibration error and photon counting, pixel by pixel in the C's order
@njit(cache=True)
def photon_noise(photonimage, flicker_noise, calibration_noise, seed, calib_seed, shuffle, gauss, poi):
    """Replace each pixel by its Poisson deviate (after flicker and calibration error), in place.

    Parameters
    ----------
    photonimage : numpy.ndarray
        float32 photons per pixel, overwritten with the deviates.
    flicker_noise, calibration_noise : float
        Fractional errors; 0 draws nothing.
    seed, calib_seed : numpy.ndarray
        int64[1] seed states of the two streams.
    shuffle, gauss, poi : numpy.ndarray
        The generator's shared state (:class:`nanobragg_nb.core.rng.RandomState`).

    Returns
    -------
    float
        The sum of the deviates (double).
    """
    image, seed, calib_seed = borrowed(photonimage), borrowed(seed), borrowed(calib_seed)
    shuffle, gauss, poi = borrowed(shuffle), borrowed(gauss), borrowed(poi)
    total = 0.0
    for i in range(image.size):
        photons0 = np.float64(image[i])
        if flicker_noise > 0.0:
            photons0 *= (1.0 + flicker_noise * np.float64(gaussdev(seed, shuffle, gauss)))
        if calibration_noise > 0.0:
            photons0 *= (1.0 + calibration_noise * np.float64(gaussdev(calib_seed, shuffle, gauss)))
        image[i] = poidev(photons0, seed, shuffle, gauss, poi)
        total += np.float64(image[i])
    return total


# C L607-638: gain, offset and read-out noise, clipped to the bit depth
@njit(cache=True)
def readout(photonimage, quantum_gain, adc_offset, readout_noise, intimage_bits, seed, shuffle, gauss):
    """The noise image in both widths, with read-out noise drawn in the C's order.

    Returns
    -------
    int16image : numpy.ndarray
        uint16.
    int32image : numpy.ndarray
        uint32.
    total : float
        Sum of the photons (double).
    overloads : int
        Pixels clipped at the bit depth's maximum (only counted for 16 and 32 bits).
    """
    pixels = photonimage.size
    int16image = np.empty(pixels, dtype=np.uint16)
    int32image = np.empty(pixels, dtype=np.uint32)
    seed, shuffle, gauss = borrowed(seed), borrowed(shuffle), borrowed(gauss)
    total = 0.0
    overloads = 0
    for i in range(pixels):
        total += np.float64(photonimage[i])
        adu = np.float64(photonimage[i]) * quantum_gain + adc_offset
        if readout_noise > 0.0:
            adu += readout_noise * np.float64(gaussdev(seed, shuffle, gauss))
        if adu > 2147483647.0:
            adu = 2147483647.0
            if intimage_bits == 32:
                overloads += 1
        int32image[i] = to_uint32(adu)
        if adu > 65535.0:
            adu = 65535.0
            if intimage_bits == 16:
                overloads += 1
        int16image[i] = to_uint16(adu)
    return int16image, int32image, total, overloads
