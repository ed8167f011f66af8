"""The pixel loop on the CPU: ``prange`` over slow rows (C L2531-3090).

The C's ``omp parallel for`` over ``spixel`` becomes a ``prange`` over the
rows of a block; for each row, :func:`~nanobragg_nb.core.kernels.pixel.render_pixels`
runs the C's loop nest for each pixel of the row in the C's order. Rows of a
block start from the same serial-order state (see :mod:`kernels.pixel`); the
driver in :mod:`nanobragg_nb.core.engines.cpu` renders the first rows in order until
that state has settled, and repairs the rows after the first interpolation
switch-off, so that any thread count gives the serial C's bits.

Each mode has a parallel and a serial row kernel (:data:`ROW_KERNELS`), thin
entry points over the same bodies with the mode as a constant: the faithful
ones (:func:`render_rows`, :func:`render_rows_serial`) and the fast ones
(:func:`render_rows_fast`, :func:`render_rows_serial_fast`), which take the
:class:`~nanobragg_nb.core.kernels.pixel_fast.FastTables` arrays after the
faithful inputs and are otherwise driven the same way. ``-printout`` runs use
the faithful kernel.
"""
from typing import NamedTuple

import numpy as np
from numba import njit, prange
from numba.extending import register_jitable

from ..views import borrowed

from .layouts import N_REC, Q_FPIXELS, Q_MOSAIC_DOMAINS, Q_OMEGA_TERMS, Q_ROI_XMAX, Q_ROI_XMIN, Q_ROI_YMAX, Q_ROI_YMIN
from .pixel import FAITHFUL, FAST, render_pixels, rendered, sine_scratch
from .pixel_fast import CPU_LANES, build_fast

# printout snapshot: the printout values, then fpixel, spixel, pixel value
N_SNAP = N_REC + 3
# events: one row per image row: found, fpixel, h, k, l, h0, k0, l0, sines batched, sines that fell back
N_EVENT = 10


def fast_args(t):
    """The fast-mode inputs of the CPU's fast row kernels, built from the faithful tables ``t``."""
    return build_fast(t, lanes=CPU_LANES).args()


# C L2531-2642: the parallel loop over rows, here over the rows of one block
@register_jitable
def render_block_row(mode, r, row0, P, Q, mask, src, cells, phi_state, Fhkl, pv_table,
                     fcells, fweights, stale_after, Ff, FP, FQ, stale, pcalls, interp,
                     floatimage, omega_terms, events, rec):
    """Row ``row0 + r`` of a block, from the block's starting state; the body of the parallel kernels."""
    # the inputs are read-only and outlive the call: no reference counting per pixel
    P, Q, mask, src, cells = borrowed(P), borrowed(Q), borrowed(mask), borrowed(src), borrowed(cells)
    phi_state, Fhkl, pv_table = borrowed(phi_state), borrowed(Fhkl), borrowed(pv_table)
    fcells, fweights, stale_after = borrowed(fcells), borrowed(fweights), borrowed(stale_after)
    Ff, FP, FQ = borrowed(Ff), borrowed(FP), borrowed(FQ)
    floatimage, omega_terms, events, rec = borrowed(floatimage), borrowed(omega_terms), borrowed(events), borrowed(rec)
    fpixels = Q[Q_FPIXELS]
    events[r, 0] = 0.0
    sine_buf, sine_flags = sine_scratch(Q[Q_MOSAIC_DOMAINS])
    render_pixels(mode, row0 + r, 0, fpixels, P, Q, mask, src, cells, phi_state, Fhkl, pv_table,
                  fcells, fweights, stale_after, Ff, FP, FQ, sine_buf, sine_flags, stale, pcalls, interp,
                  floatimage, omega_terms, r * fpixels * Q[Q_OMEGA_TERMS], events, r,
                  rec, False, rec.reshape((1, rec.shape[0])), 0, -2, -2)


@njit(parallel=True, cache=True, error_model="numpy")
def render_rows(row0, row1, P, Q, mask, src, cells, phi_state, Fhkl, pv_table, stale, pcalls, interp,
                floatimage, omega_terms, events, rec):
    """Render rows ``row0 <= spixel < row1``, all starting from the same state.

    ``floatimage`` (flat float32) receives the pixels; ``omega_terms`` the
    solid-angle terms of the block (rows x fpixels x terms); ``events`` one
    row per block row with the first interpolation switch-off in that row;
    ``rec`` is scratch for the printout variables, which no row records.
    """
    for r in prange(row1 - row0):
        # no fast tables: the fast mode's code is compiled out of the faithful kernels
        render_block_row(FAITHFUL, r, row0, P, Q, mask, src, cells, phi_state, Fhkl, pv_table,
                         None, None, None, None, None, None, stale, pcalls, interp,
                         floatimage, omega_terms, events, rec)


@njit(parallel=True, cache=True, error_model="numpy")
def render_rows_fast(row0, row1, P, Q, mask, src, cells, phi_state, Fhkl, pv_table,
                     fcells, fweights, stale_after, Ff, FP, FQ, stale, pcalls, interp,
                     floatimage, omega_terms, events, rec):
    """As :func:`render_rows`, fast mode; the fast inputs follow the faithful ones."""
    for r in prange(row1 - row0):
        render_block_row(FAST, r, row0, P, Q, mask, src, cells, phi_state, Fhkl, pv_table,
                         fcells, fweights, stale_after, Ff, FP, FQ, stale, pcalls, interp,
                         floatimage, omega_terms, events, rec)


@register_jitable
def render_serial(mode, row0, row1, P, Q, mask, src, cells, phi_state, Fhkl, pv_table,
                  fcells, fweights, stale_after, Ff, FP, FQ, state,
                  floatimage, omega_terms, events, rec, snaps, print_f, print_s):
    """Rows in the C's serial order; the body of the serial kernels."""
    # the inputs are read-only and outlive the call: no reference counting per pixel
    P, Q, mask, src, cells = borrowed(P), borrowed(Q), borrowed(mask), borrowed(src), borrowed(cells)
    phi_state, Fhkl, pv_table = borrowed(phi_state), borrowed(Fhkl), borrowed(pv_table)
    fcells, fweights, stale_after = borrowed(fcells), borrowed(fweights), borrowed(stale_after)
    Ff, FP, FQ = borrowed(Ff), borrowed(FP), borrowed(FQ)
    floatimage, omega_terms, events, rec = borrowed(floatimage), borrowed(omega_terms), borrowed(events), borrowed(rec)
    snaps = borrowed(snaps)
    fpixels = Q[Q_FPIXELS]
    row_terms = fpixels * Q[Q_OMEGA_TERMS]
    stale = state[0]
    pcalls = state[1]
    interp = state[2] != 0
    nsnap = 0
    sine_buf, sine_flags = sine_scratch(Q[Q_MOSAIC_DOMAINS])
    for r in range(row1 - row0):
        events[r, 0] = 0.0
        stale, pcalls, interp, nsnap = render_pixels(
            mode, row0 + r, 0, fpixels, P, Q, mask, src, cells, phi_state, Fhkl, pv_table,
            fcells, fweights, stale_after, Ff, FP, FQ, sine_buf, sine_flags, stale, pcalls, interp,
            floatimage, omega_terms, r * row_terms, events, r, rec, print_f >= -1, snaps, nsnap, print_f, print_s)
    state[0] = stale
    state[1] = pcalls
    state[2] = 1 if interp else 0
    return nsnap


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
    # no fast tables: the fast mode's code is compiled out of the faithful kernels
    return render_serial(FAITHFUL, row0, row1, P, Q, mask, src, cells, phi_state, Fhkl, pv_table,
                         None, None, None, None, None, None, state,
                         floatimage, omega_terms, events, rec, snaps, print_f, print_s)


@njit(cache=True, error_model="numpy")
def render_rows_serial_fast(row0, row1, P, Q, mask, src, cells, phi_state, Fhkl, pv_table,
                            fcells, fweights, stale_after, Ff, FP, FQ, state,
                            floatimage, omega_terms, events, rec, snaps, print_f, print_s):
    """As :func:`render_rows_serial`, fast mode, without printout (``print_f`` and ``print_s``
    are ignored); returns 0."""
    return render_serial(FAST, row0, row1, P, Q, mask, src, cells, phi_state, Fhkl, pv_table,
                         fcells, fweights, stale_after, Ff, FP, FQ, state,
                         floatimage, omega_terms, events, rec, snaps, -2, -2)


class RowKernels(NamedTuple):
    """The parallel and the serial row kernel of one mode."""

    render_rows: object
    render_rows_serial: object


#: the row kernels by mode; the fast ones take :func:`fast_args` after the faithful inputs
ROW_KERNELS = {"faithful": RowKernels(render_rows, render_rows_serial),
               "fast": RowKernels(render_rows_fast, render_rows_serial_fast)}


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
