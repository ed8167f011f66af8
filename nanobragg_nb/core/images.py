"""Images made from the float image after the loop: int image and PGM (C L3131-3225).

Every pixel of these images depends on its float pixel alone, so the rows
are converted in parallel; the noise image (rng.noise_image) draws its
deviates in the C's serial order.
"""
import numpy as np
from numba import njit, prange

from ..cnum import c_to_unsigned


# C L3133-3160: scale, ADC offset, clamp, floorf rounding; ROI pixels only
@njit(cache=True, parallel=True)
def int_image(floatimage, fpixels, spixels, roi, scale, adc_offset):
    """The noiseless SMV image (uint16, flat)."""
    out = np.zeros(fpixels * spixels, dtype=np.uint16)
    for spixel in prange(spixels):
        for fpixel in range(fpixels):
            if fpixel < roi[0] or fpixel > roi[1] or spixel < roi[2] or spixel > roi[3]:
                continue
            imgidx = spixel * fpixels + fpixel
            test = floatimage[imgidx] * scale + adc_offset
            if test > 65535.0:
                test = 65535.0
            if test < 0.0:
                test = 0.0
            out[imgidx] = c_to_unsigned(np.floor(np.float32(test + 0.5)), 16)
    return out


# C L3187-3212: PGM pixels, capped at 255 and truncated; ROI pixels only
@njit(cache=True, parallel=True)
def pgm_image(floatimage, fpixels, spixels, roi, pgm_scale):
    """The 8-bit PGM pixels (uint8, flat)."""
    out = np.zeros(fpixels * spixels, dtype=np.uint8)
    for spixel in prange(spixels):
        for fpixel in range(fpixels):
            if fpixel < roi[0] or fpixel > roi[1] or spixel < roi[2] or spixel > roi[3]:
                continue
            imgidx = spixel * fpixels + fpixel
            test = floatimage[imgidx] * pgm_scale
            if test > 255.0:
                test = 255.0
            out[imgidx] = c_to_unsigned(test, 8)
    return out


def intfile_scale(requested, max_I):
    """C L3136-3139: 55000/max_I unless given."""
    if requested <= 0.0:
        return 55000.0 / max_I if max_I > 0.0 else 1.0
    return requested


def pgm_scale(requested, intfile_scale_value, rmsd):
    """C L3190-3193: 250/(5 rmsd) unless given, or the int scale when rmsd is 0."""
    if requested <= 0.0:
        return 250.0 / (5.0 * rmsd) if rmsd > 0.0 else intfile_scale_value
    return requested
