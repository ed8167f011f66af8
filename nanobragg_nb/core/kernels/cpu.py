"""The pixel loop on the CPU: ``prange`` over slow rows (C L2531-3090).

The C's ``omp parallel for`` over ``spixel`` becomes a ``prange`` over the
rows of a block; for each row, :func:`~nanobragg_nb.core.kernels.pixel.render_pixels`
runs the C's loop nest for each pixel of the row in the C's order. Rows of a
block start from the same serial-order state (see :mod:`kernels.pixel`); the
driver in :mod:`nanobragg_nb.core.engines.cpu` renders the first rows in order until
that state has settled, and repairs the rows after the first interpolation
switch-off, so that any thread count gives the serial C's bits.
"""
import numpy as np
from numba import njit, prange

from ..views import borrowed

from .pixel import N_REC, Q_FPIXELS, Q_OMEGA_TERMS, Q_ROI_XMAX, Q_ROI_XMIN, Q_ROI_YMAX, Q_ROI_YMIN, rendered
from .pixel import render_pixels

# printout snapshot: the printout values, then fpixel, spixel, pixel value
N_SNAP = N_REC + 3
# events: one row per image row: found, fpixel, h, k, l, h0, k0, l0
N_EVENT = 8


# C L2531-2642: the parallel loop over rows, here over the rows of one block
@njit(parallel=True, cache=True, error_model="numpy")
def render_rows(row0, row1, P, Q, mask, src, cells, phi_state, Fhkl, pv_table, stale, pcalls, interp,
                floatimage, omega_terms, events, rec):
    """Render rows ``row0 <= spixel < row1``, all starting from the same state.

    ``floatimage`` (flat float32) receives the pixels; ``omega_terms`` the
    solid-angle terms of the block (rows x fpixels x terms); ``events`` one
    row per block row with the first interpolation switch-off in that row;
    ``rec`` is scratch for the printout variables, which no row records.
    """
    # the inputs are read-only and outlive the call
    P, Q, mask, src, cells = borrowed(P), borrowed(Q), borrowed(mask), borrowed(src), borrowed(cells)
    phi_state, Fhkl, pv_table = borrowed(phi_state), borrowed(Fhkl), borrowed(pv_table)
    floatimage, omega_terms, events, rec = borrowed(floatimage), borrowed(omega_terms), borrowed(events), borrowed(rec)
    fpixels = Q[Q_FPIXELS]
    row_terms = fpixels * Q[Q_OMEGA_TERMS]
    no_snaps = rec.reshape((1, rec.shape[0]))
    for r in prange(row1 - row0):
        events[r, 0] = 0.0
        render_pixels(row0 + r, 0, fpixels, P, Q, mask, src, cells, phi_state, Fhkl, pv_table,
                      stale, pcalls, interp, floatimage, omega_terms, r * row_terms, events, r,
                      rec, False, no_snaps, 0, -2, -2)


@njit(cache=True, error_model="numpy")
def render_rows_serial(row0, row1, P, Q, mask, src, cells, phi_state, Fhkl, pv_table, state,
                       floatimage, omega_terms, events, rec, snaps, print_f, print_s):
    """Render rows in the C's serial order, carrying the state from pixel to pixel.

    ``state`` (int64: stale, pcalls, interp) is read and updated. With
    ``print_f >= -1`` the printout values of each printed pixel (all pixels
    when ``print_f < 0``, else the one at ``print_f, print_s``) are copied to
    ``snaps``, followed by its fpixel, spixel and float value; returns
    the number of snapshots.
    """
    # the inputs are read-only and outlive the call
    P, Q, mask, src, cells = borrowed(P), borrowed(Q), borrowed(mask), borrowed(src), borrowed(cells)
    phi_state, Fhkl, pv_table = borrowed(phi_state), borrowed(Fhkl), borrowed(pv_table)
    floatimage, omega_terms, events, rec = borrowed(floatimage), borrowed(omega_terms), borrowed(events), borrowed(rec)
    snaps = borrowed(snaps)
    fpixels = Q[Q_FPIXELS]
    row_terms = fpixels * Q[Q_OMEGA_TERMS]
    stale = state[0]
    pcalls = state[1]
    interp = state[2] != 0
    nsnap = 0
    for r in range(row1 - row0):
        events[r, 0] = 0.0
        stale, pcalls, interp, nsnap = render_pixels(
            row0 + r, 0, fpixels, P, Q, mask, src, cells, phi_state, Fhkl, pv_table, stale, pcalls, interp,
            floatimage, omega_terms, r * row_terms, events, r, rec, print_f >= -1, snaps, nsnap, print_f, print_s)
    state[0] = stale
    state[1] = pcalls
    state[2] = 1 if interp else 0
    return nsnap


# C L2729: omega_sum, added in the serial order of pixels, layers and sub-pixels
@njit(cache=True, error_model="numpy")
def omega_chain(omega_sum, row0, row1, Q, mask, omega_terms, repeat):
    """Add the solid-angle terms of rows ``row0..row1`` to ``omega_sum`` in the C's order."""
    Q, mask = borrowed(Q), borrowed(mask)
    fpixels = Q[Q_FPIXELS]
    nterm = Q[Q_OMEGA_TERMS]
    for r in range(row1 - row0):
        for fpixel in range(fpixels):
            if not rendered(fpixel, row0 + r, Q, mask):
                continue
            base = (r * fpixels + fpixel) * nterm
            for t in range(nterm):
                value = omega_terms[base + t]
                for _ in range(repeat):
                    omega_sum += value
    return omega_sum


# C L3041-3049, L3095-3119: max_I and its position, mean, rms, rmsd
@njit(cache=True, error_model="numpy")
def statistics(floatimage, Q, mask, subpixel_size, oversample):
    """Statistics of the float image as the serial C accumulates them.

    Returns
    -------
    tuple
        (max_I, max_I_x, max_I_y, avg, rms, rmsd)
    """
    Q, mask = borrowed(Q), borrowed(mask)
    fpixels = Q[Q_FPIXELS]
    spixels = floatimage.shape[0] // fpixels
    max_I = 0.0
    max_I_x = 0.0
    max_I_y = 0.0
    total = 0.0
    sumsqr = 0.0
    sumn = 0
    for spixel in range(spixels):
        for fpixel in range(fpixels):
            if not rendered(fpixel, spixel, Q, mask):
                continue
            value = floatimage[spixel * fpixels + fpixel]
            if value > max_I:
                max_I = value
                # Fdet, Sdet of the last sub-pixel of this pixel
                max_I_x = subpixel_size * (fpixel * oversample + oversample - 1) + subpixel_size / 2.0
                max_I_y = subpixel_size * (spixel * oversample + oversample - 1) + subpixel_size / 2.0
            total += value
            sumsqr += value * value         # a float32 product, as in the C
            sumn += 1
    if sumn <= 0:
        sumn = 1
    avg = total / sumn
    if sumn <= 1:
        sumn = 2
    rms = np.sqrt(sumsqr / (sumn - 1))
    # rmsd runs over every ROI pixel, masked ones included
    sumsqr = 0.0
    sumn = 0
    for spixel in range(spixels):
        for fpixel in range(fpixels):
            if (fpixel < Q[Q_ROI_XMIN] or fpixel > Q[Q_ROI_XMAX]
                    or spixel < Q[Q_ROI_YMIN] or spixel > Q[Q_ROI_YMAX]):
                continue
            test = floatimage[spixel * fpixels + fpixel] - avg
            sumsqr += test * test
            sumn += 1
    if sumn <= 1:
        sumn = 2
    rmsd = np.sqrt(sumsqr / (sumn - 1))
    return max_I, max_I_x, max_I_y, avg, rms, rmsd
