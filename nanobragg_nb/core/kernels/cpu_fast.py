"""The pixel loop of the fast mode on the CPU: ``prange`` over slow rows.

The twin of :mod:`nanobragg_nb.core.kernels.cpu` with
:func:`~nanobragg_nb.core.kernels.pixel_fast.render_pixel_flat` inside. The row
kernels take the faithful inputs followed by the
:class:`~nanobragg_nb.core.kernels.pixel_fast.FastTables` arrays, and otherwise
the same arguments, so that :func:`nanobragg_nb.core.engines.cpu.render` drives both
kernels the same way (serial-order state, interpolation repair, solid-angle
sum). ``-printout`` runs use the faithful kernel.
"""
import numpy as np
from numba import njit, prange

from ..views import borrowed

from .cpu import N_EVENT
from .pixel import Q_FPIXELS, Q_OMEGA_TERMS, render_pixels, rendered
from .pixel_fast import CPU_LANES, build_fast, flat_loop_applies, render_pixel_flat

__all__ = ["N_EVENT", "CPU_LANES", "extra_args", "render_rows", "render_rows_serial"]


def extra_args(t):
    """The fast-mode inputs for the CPU kernels, built from the faithful tables."""
    return build_fast(t, lanes=CPU_LANES).args()


# C L2531-2642 (fast): the parallel loop over rows, here over the rows of one block
@njit(parallel=True, cache=True, error_model="numpy")
def render_rows(row0, row1, P, Q, mask, src, cells, phi_state, Fhkl, pv_table,
                fcells, fweights, stale_after, Ff, FP, FQ, stale, pcalls, interp,
                floatimage, omega_terms, events, rec):
    """Render rows ``row0 <= spixel < row1``, all starting from the same state.

    As :func:`nanobragg_nb.core.kernels.cpu.render_rows`, fast mode.
    """
    fpixels = Q[Q_FPIXELS]
    row_terms = fpixels * Q[Q_OMEGA_TERMS]
    for r in prange(row1 - row0):
        events[r, 0] = 0.0
        render_row(row0 + r, P, Q, mask, src, cells, phi_state, Fhkl, pv_table, fcells, fweights, stale_after,
                   Ff, FP, FQ, stale, pcalls, interp, floatimage, omega_terms, r * row_terms, events, r, rec)


@njit(cache=True, error_model="numpy")
def render_rows_serial(row0, row1, P, Q, mask, src, cells, phi_state, Fhkl, pv_table,
                       fcells, fweights, stale_after, Ff, FP, FQ, state,
                       floatimage, omega_terms, events, rec, snaps, print_f, print_s):
    """Render rows in the C's serial order, carrying the state from pixel to pixel.

    As :func:`nanobragg_nb.core.kernels.cpu.render_rows_serial`, fast mode,
    without printout (``snaps``, ``print_f`` and ``print_s`` are ignored);
    returns 0.
    """
    row_terms = Q[Q_FPIXELS] * Q[Q_OMEGA_TERMS]
    stale = state[0]
    pcalls = state[1]
    interp = state[2] != 0
    for r in range(row1 - row0):
        events[r, 0] = 0.0
        stale, pcalls, interp = render_row(
            row0 + r, P, Q, mask, src, cells, phi_state, Fhkl, pv_table, fcells, fweights, stale_after,
            Ff, FP, FQ, stale, pcalls, interp, floatimage, omega_terms, r * row_terms, events, r, rec)
    state[0] = stale
    state[1] = pcalls
    state[2] = 1 if interp else 0
    return 0


@njit(cache=True, error_model="numpy")
def render_row(spixel, P, Q, mask, src, cells, phi_state, Fhkl, pv_table, fcells, fweights, stale_after,
               Ff, FP, FQ, stale, pcalls, interp, floatimage, omega_terms, omega_row, events, event_row, rec):
    """One row in fast mode: the flat float32 loop where it applies, else the faithful pixels."""
    # the arrays outlive the call: no reference counting per pixel
    P, Q, mask, src, cells = borrowed(P), borrowed(Q), borrowed(mask), borrowed(src), borrowed(cells)
    phi_state, Fhkl, pv_table = borrowed(phi_state), borrowed(Fhkl), borrowed(pv_table)
    floatimage, omega_terms, events, rec = borrowed(floatimage), borrowed(omega_terms), borrowed(events), borrowed(rec)
    fcells, fweights, stale_after = borrowed(fcells), borrowed(fweights), borrowed(stale_after)
    Ff, FP, FQ = borrowed(Ff), borrowed(FP), borrowed(FQ)
    fpixels = Q[Q_FPIXELS]
    nterm = Q[Q_OMEGA_TERMS]
    no_snaps = rec.reshape((1, rec.shape[0]))
    # C L2643-2662 (fast): pixels of the row; ROI and mask skip
    for fpixel in range(fpixels):
        if not rendered(fpixel, spixel, Q, mask):
            continue
        if not flat_loop_applies(FQ, interp):
            stale, pcalls, interp, _ = render_pixels(
                spixel, fpixel, fpixel + 1, P, Q, mask, src, cells, phi_state, Fhkl, pv_table, stale, pcalls,
                interp, floatimage, omega_terms, omega_row, events, event_row, rec, False, no_snaps, 0, -2, -2)
            continue
        (test, stale, pcalls, interp, _event, _h, _k, _l, _h0, _k0, _l0) = render_pixel_flat(
            fpixel, spixel, P, Q, src, cells, phi_state, Fhkl, pv_table,
            fcells, fweights, stale_after, Ff, FP, FQ, stale, pcalls, interp,
            omega_terms, omega_row + fpixel * nterm, rec)
        # C L3039-3040 (fast): the float image is float32
        floatimage[spixel * fpixels + fpixel] = np.float32(0.0 + test)
    return stale, pcalls, interp
