"""The pixel loop of the fast mode on the CPU: ``prange`` over slow rows.

The twin of :mod:`nanobragg_nb.kernels.cpu` with
:func:`~nanobragg_nb.kernels.pixel_fast.render_pixel_fast` inside. The row
kernels take the faithful inputs followed by the
:class:`~nanobragg_nb.kernels.pixel_fast.FastTables` arrays, and otherwise
the same arguments, so that :func:`nanobragg_nb.engine.render` drives both
kernels the same way (serial-order state, interpolation repair, solid-angle
sum). ``-printout`` runs use the faithful kernel.
"""
import numpy as np
from numba import njit, prange

from .views import borrowed

from .cpu import N_EVENT
from .pixel import Q_FPIXELS, Q_OMEGA_TERMS, rendered
from .pixel_fast import CPU_LANES, build_fast, render_pixel_fast

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

    As :func:`nanobragg_nb.kernels.cpu.render_rows`, fast mode.
    """
    # the inputs are read-only and outlive the call
    P, Q, mask, src, cells = borrowed(P), borrowed(Q), borrowed(mask), borrowed(src), borrowed(cells)
    phi_state, Fhkl, pv_table = borrowed(phi_state), borrowed(Fhkl), borrowed(pv_table)
    floatimage, omega_terms, events, rec = borrowed(floatimage), borrowed(omega_terms), borrowed(events), borrowed(rec)
    fcells, fweights, stale_after = borrowed(fcells), borrowed(fweights), borrowed(stale_after)
    Ff, FP, FQ = borrowed(Ff), borrowed(FP), borrowed(FQ)
    fpixels = Q[Q_FPIXELS]
    nterm = Q[Q_OMEGA_TERMS]
    for r in prange(row1 - row0):
        spixel = row0 + r
        row_stale = stale
        row_pcalls = pcalls
        row_interp = interp
        events[r, 0] = 0.0
        # C L2643-2662: pixels of the row; ROI and mask skip
        for fpixel in range(fpixels):
            if not rendered(fpixel, spixel, Q, mask):
                continue
            (test, row_stale, row_pcalls, new_interp, event, h, k, l, h0, k0, l0) = render_pixel_fast(
                fpixel, spixel, P, Q, src, cells, phi_state, Fhkl, pv_table,
                fcells, fweights, stale_after, Ff, FP, FQ, row_stale, row_pcalls, row_interp,
                omega_terms, (r * fpixels + fpixel) * nterm, rec)
            row_interp = new_interp
            # C L3039-3040: the float image is float32
            floatimage[spixel * fpixels + fpixel] = np.float32(0.0 + test)
            if event and events[r, 0] == 0.0:
                events[r, 0] = 1.0
                events[r, 1] = fpixel
                events[r, 2] = h
                events[r, 3] = k
                events[r, 4] = l
                events[r, 5] = h0
                events[r, 6] = k0
                events[r, 7] = l0


@njit(cache=True, error_model="numpy")
def render_rows_serial(row0, row1, P, Q, mask, src, cells, phi_state, Fhkl, pv_table,
                       fcells, fweights, stale_after, Ff, FP, FQ, state,
                       floatimage, omega_terms, events, rec, snaps, print_f, print_s):
    """Render rows in the C's serial order, carrying the state from pixel to pixel.

    As :func:`nanobragg_nb.kernels.cpu.render_rows_serial`, fast mode,
    without printout (``snaps``, ``print_f`` and ``print_s`` are ignored);
    returns 0.
    """
    # the inputs are read-only and outlive the call
    P, Q, mask, src, cells = borrowed(P), borrowed(Q), borrowed(mask), borrowed(src), borrowed(cells)
    phi_state, Fhkl, pv_table = borrowed(phi_state), borrowed(Fhkl), borrowed(pv_table)
    floatimage, omega_terms, events, rec = borrowed(floatimage), borrowed(omega_terms), borrowed(events), borrowed(rec)
    fcells, fweights, stale_after = borrowed(fcells), borrowed(fweights), borrowed(stale_after)
    Ff, FP, FQ = borrowed(Ff), borrowed(FP), borrowed(FQ)
    fpixels = Q[Q_FPIXELS]
    nterm = Q[Q_OMEGA_TERMS]
    stale = state[0]
    pcalls = state[1]
    interp = state[2] != 0
    for r in range(row1 - row0):
        spixel = row0 + r
        events[r, 0] = 0.0
        for fpixel in range(fpixels):
            if not rendered(fpixel, spixel, Q, mask):
                continue
            (test, stale, pcalls, interp, event, h, k, l, h0, k0, l0) = render_pixel_fast(
                fpixel, spixel, P, Q, src, cells, phi_state, Fhkl, pv_table,
                fcells, fweights, stale_after, Ff, FP, FQ, stale, pcalls, interp,
                omega_terms, (r * fpixels + fpixel) * nterm, rec)
            floatimage[spixel * fpixels + fpixel] = np.float32(0.0 + test)
            if event:
                events[r, 0] = 1.0
                events[r, 1] = fpixel
                events[r, 2] = h
                events[r, 3] = k
                events[r, 4] = l
                events[r, 5] = h0
                events[r, 6] = k0
                events[r, 7] = l0
    state[0] = stale
    state[1] = pcalls
    state[2] = 1 if interp else 0
    return 0
