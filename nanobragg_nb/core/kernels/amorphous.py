"""nonBragg.c's pixel loop (nonBragg.c L1409-1617): amorphous scattering, written once.

:func:`render_amorphous_pixels` transliterates the body of nonBragg.c's
``fpixel`` loop, its blocks marked with the lines of nonBragg.c they mirror,
in the C's order. The CPU kernels below run it for whole rows (``prange``
over rows); the CUDA kernel (:mod:`.amorphous_cuda`) for one pixel per
thread. The detector geometry is nanoBragg's, so the sub-pixel position, the
curved detector, the solid angle and the scattering vector are the helpers of
:mod:`.pixel`, reading the detector fields of the ``P`` and ``Q`` arrays;
``AP`` and ``AQ`` (see :mod:`.layouts`) hold what only nonBragg needs.

Two things carry from pixel to pixel in the C's serial order:

- ``nearest``, where the hunt for the four table points of the cubic
  interpolation starts. For a strictly increasing table the hunt ends at the
  same point wherever it starts, so the image does not depend on it; the
  driver renders tables that are not strictly increasing serially.
- ``pcalls``, the in-place re-unitizations of the polarization axis by
  ``polarization_factor`` (``pv_table`` holds the sequence, as for nanoBragg);
  it settles within the first rendered pixel in practice, and the driver
  renders rows in order until it has.
"""
import numpy as np
from numba import njit, prange
from numba.extending import register_jitable

from ..physics import polarization_factor, polint, unitize
from ..views import borrowed
from .layouts import (AL_NEAREST, AL_OMEGA, AL_POLAR, AL_POS, AL_STOL, AQ_FMAP_PIXEL, AQ_RECORD, AQ_STOLS,
                      AP_MOLECULES, P_FLUENCE, P_POLARIZATION, P_R_E_SQR, P_THICK, P_THICKSTEP, Q_CURVED,
                      Q_FPIXELS, Q_NOPOLAR, Q_OVERSAMPLE, Q_SOURCES, Q_STEPS, Q_THICKSTEPS)
from .pixel import curved_position, layer_capture, rendered, scattering_vector, solid_angle, subpixel_position


@register_jitable
def hunt(stol, stol_of, stols, nearest):
    """The index ``nearest`` of the table point below ``stol``, hunted from the previous one (C L1505-1507)."""
    while stol > stol_of[nearest] and nearest <= stols:
        nearest += 1
    while stol < stol_of[nearest] and nearest >= 2:
        nearest -= 1
    return nearest


@register_jitable
def render_amorphous_pixels(spixel, fpixel0, fpixel1, P, Q, mask, AP, AQ, src, source_I, stol_of, Fbg_of,
                            pv_table, nearest, pcalls, floatimage, last):
    """nonBragg.c's loop body for the pixels ``fpixel0 <= fpixel < fpixel1`` of row ``spixel``.

    Parameters
    ----------
    spixel, fpixel0, fpixel1 : int
        The row and the pixels of it to render, in order.
    P, Q : ndarray
        nanoBragg's float64 and int64 parameter arrays; only their detector,
        source, polarization and scale fields are read.
    mask : ndarray
        Unused (``Q[Q_HAS_MASK]`` is 0); :func:`~.pixel.rendered` takes it.
    AP, AQ : ndarray
        nonBragg's own parameters (``AP_*``, ``AQ_*``).
    src : ndarray, shape (sources, 4)
        Unit vector towards each source and its wavelength.
    source_I : ndarray
        Intensity of each source.
    stol_of, Fbg_of : ndarray
        The structure-factor table with its two guard points at each end
        (``AQ[AQ_STOLS]`` entries), padded with NaN as the C's arrays are.
    pv_table : ndarray, shape (n, 3)
        The polarization axis after k in-place unitizations.
    nearest, pcalls : int
        Serial-order state on entry (see the module docstring).
    floatimage : ndarray of float32
        The flat image; receives the rendered pixels.
    last : ndarray, shape (pixels or 1, N_AL)
        With ``AQ[AQ_RECORD]``, row ``spixel * fpixels + fpixel`` receives the
        last stol, polarization, solid angle, ``nearest`` and position of
        the pixel (for -img and -printout).

    Returns
    -------
    tuple
        (nearest, pcalls) after the last pixel.
    """
    oversample = Q[Q_OVERSAMPLE]
    thicksteps = Q[Q_THICKSTEPS]
    detector_thickstep = P[P_THICKSTEP]
    detector_thick = P[P_THICK]
    polarization = P[P_POLARIZATION]
    nopolar = Q[Q_NOPOLAR] != 0
    sources = Q[Q_SOURCES]
    stols = AQ[AQ_STOLS]
    fpixels = Q[Q_FPIXELS]
    record = AQ[AQ_RECORD] != 0
    r_e_sqr = P[P_R_E_SQR]
    fluence = P[P_FLUENCE]
    molecules = AP[AP_MOLECULES]

    # C L1415-1426: rows and pixels; pixels outside the ROI are skipped
    for fpixel in range(fpixel0, fpixel1):
        if not rendered(fpixel, spixel, Q, mask):
            continue

        # C L1427-1429: reset the background photon count
        Ibg = 0.0
        stol = 0.0
        Fbg = 0.0
        polar = 1.0
        omega_pixel = 0.0
        pos_x = 0.0
        pos_y = 0.0
        pos_z = 0.0

        # C L1430-1441: sub-pixels, slow axis outer, and their position on the detector
        for subS in range(oversample):
            for subF in range(oversample):

                # C L1442-1454: detector layers; the sub-pixel's position in space
                for thick_tic in range(thicksteps):
                    Odet = thick_tic * detector_thickstep
                    Fdet, Sdet, pos_x, pos_y, pos_z = subpixel_position(fpixel, spixel, subS, subF, Odet, P, Q)

                    # C L1455-1462: curved detector: every pixel at the same distance
                    if Q[Q_CURVED] != 0:
                        pos_x, pos_y, pos_z = curved_position(pos_y, pos_z, P)

                    # C L1463-1471: diffracted direction, airpath, solid angle (summed by the driver)
                    airpath, diff_x, diff_y, diff_z = unitize(pos_x, pos_y, pos_z)
                    omega_pixel = solid_angle(airpath, P, Q)

                    # C L1472-1484: fraction of photons this layer captures
                    if detector_thick > 0.0:
                        capture_fraction = layer_capture(thick_tic, diff_x, diff_y, diff_z, P)
                    else:
                        capture_fraction = 1.0

                    # C L1485-1504: sources: incident direction, scattering vector, sin(theta)/lambda
                    for source in range(sources):
                        inc_x, inc_y, inc_z, lambda_, scat_x, scat_y, scat_z, stol = scattering_vector(
                            diff_x, diff_y, diff_z, src[source, 0], src[source, 1], src[source, 2], src[source, 3])

                        # C L1505-1511: hunt for the table points; cubic interpolation
                        nearest = hunt(stol, stol_of, stols, nearest)
                        Fbg = polint(stol_of[nearest - 1], stol_of[nearest], stol_of[nearest + 1],
                                     stol_of[nearest + 2], Fbg_of[nearest - 1], Fbg_of[nearest],
                                     Fbg_of[nearest + 1], Fbg_of[nearest + 2], stol)

                        # C L1512-1517: a negative F gives a negative intensity
                        sign = 1.0
                        if Fbg < 0.0:
                            sign = -1.0

                        # C L1518-1527: polarization; it re-unitizes diffracted and the axis in place
                        if not nopolar:
                            row = pcalls
                            if row > pv_table.shape[0] - 1:
                                row = pv_table.shape[0] - 1
                            polar, inc_x, inc_y, inc_z, diff_x, diff_y, diff_z, _ax, _ay, _az = polarization_factor(
                                polarization, inc_x, inc_y, inc_z, diff_x, diff_y, diff_z,
                                pv_table[row, 0], pv_table[row, 1], pv_table[row, 2])
                            pcalls += 1
                        else:
                            polar = 1.0

                        # C L1528-1539: accumulate; the source, layer and sub-pixel loops close
                        Ibg += sign * Fbg * Fbg * polar * omega_pixel * source_I[source] * capture_fraction

        # C L1540-1545: photons per pixel, a float32 sum rounded once; -Fmap stores F instead
        imgidx = spixel * fpixels + fpixel
        floatimage[imgidx] = np.float32(0.0 + Ibg * r_e_sqr * fluence * molecules / Q[Q_STEPS])
        if AQ[AQ_FMAP_PIXEL] != 0:
            floatimage[imgidx] = np.float32(Fbg)

        # C L1546-1577: what -img (and -printout) read after the pixel
        if record:
            last[imgidx, AL_STOL] = stol
            last[imgidx, AL_POLAR] = polar
            last[imgidx, AL_OMEGA] = omega_pixel
            last[imgidx, AL_NEAREST] = nearest
            last[imgidx, AL_POS] = pos_x
            last[imgidx, AL_POS + 1] = pos_y
            last[imgidx, AL_POS + 2] = pos_z
    return nearest, pcalls


@njit(parallel=True, cache=True, error_model="numpy")
def render_rows_amorphous(row0, row1, P, Q, mask, AP, AQ, src, source_I, stol_of, Fbg_of, pv_table,
                          nearest, pcalls, floatimage, last):
    """Render rows ``row0 <= spixel < row1`` in parallel, all from the same ``nearest`` and ``pcalls``."""
    # C L1409-1414: the sweep over the detector, its rows split among threads
    fpixels = Q[Q_FPIXELS]
    for r in prange(row1 - row0):
        render_amorphous_pixels(row0 + r, 0, fpixels, borrowed(P), borrowed(Q), borrowed(mask), borrowed(AP),
                                borrowed(AQ), borrowed(src), borrowed(source_I), borrowed(stol_of),
                                borrowed(Fbg_of), borrowed(pv_table), nearest, pcalls, borrowed(floatimage),
                                borrowed(last))


@njit(cache=True, error_model="numpy")
def render_rows_amorphous_serial(row0, row1, P, Q, mask, AP, AQ, src, source_I, stol_of, Fbg_of, pv_table,
                                 state, floatimage, last):
    """Render rows in the C's serial order; ``state`` (int64: nearest, pcalls) is read and updated."""
    fpixels = Q[Q_FPIXELS]
    nearest = state[0]
    pcalls = state[1]
    for r in range(row1 - row0):
        nearest, pcalls = render_amorphous_pixels(row0 + r, 0, fpixels, P, Q, mask, AP, AQ, src, source_I,
                                                  stol_of, Fbg_of, pv_table, nearest, pcalls, floatimage, last)
    state[0] = nearest
    state[1] = pcalls


# C L1470: omega_sum, added in the serial order of pixels, sub-pixels and layers
@njit(cache=True, error_model="numpy")
def omega_sum_amorphous(P, Q, mask, spixels):
    """The solid-angle sum of every rendered sub-pixel and layer, added in the C's order."""
    fpixels = Q[Q_FPIXELS]
    oversample = Q[Q_OVERSAMPLE]
    omega_sum = 0.0
    for spixel in range(spixels):
        for fpixel in range(fpixels):
            if not rendered(fpixel, spixel, Q, mask):
                continue
            for subS in range(oversample):
                for subF in range(oversample):
                    for thick_tic in range(Q[Q_THICKSTEPS]):
                        Odet = thick_tic * P[P_THICKSTEP]
                        _, _, pos_x, pos_y, pos_z = subpixel_position(fpixel, spixel, subS, subF, Odet, P, Q)
                        if Q[Q_CURVED] != 0:
                            pos_x, pos_y, pos_z = curved_position(pos_y, pos_z, P)
                        airpath, _, _, _ = unitize(pos_x, pos_y, pos_z)
                        omega_sum += solid_angle(airpath, P, Q)
    return omega_sum
