"""Walks the detector with a kernel so that the result is the serial C's.

The C's pixel loop carries a little state from pixel to pixel (the stale phi
rotation, the in-place re-unitized polarization axis, interpolation switched
off for good at the first out-of-range h,k,l). :func:`render` reproduces the
serial order whatever the thread count:

1. rows are rendered one by one, in order, until that state has settled
   (usually after the first rendered pixel);
2. the rest is rendered in blocks of rows in parallel, all rows of a block
   starting from the settled state;
3. when a block switches interpolation off, the rows after the first such
   row are rendered again with interpolation off, as the C would have;
4. the solid-angle sum is added up in the C's order between blocks.

Between blocks a progress bar is drawn on stderr for long runs.
"""
import os
from dataclasses import dataclass, field

import numpy as np

from ..kernels import cpu
from ..kernels.pixel import N_REC
from .progress import Progress


@dataclass
class LoopResult:
    """The float image and what the C prints about the loop."""

    floatimage: np.ndarray            #: flat float32, row-major (slow, fast)
    omega_sum: float
    event: tuple = None               #: (fpixel, spixel, h, k, l, h0, k0, l0) of the interpolation switch-off
    snapshots: list = field(default_factory=list)


def _block_rows(spixels, threads):
    per_thread = max(1, spixels // (64 * threads))
    return threads * per_thread


def render(s, t, threads=None, progress=True, printout=None, on_printout=None, mode="faithful"):
    """Render the float image of a prepared simulation on the CPU.

    Parameters
    ----------
    s : Setup
    t : Tables
    threads : int, optional
        Threads of the parallel blocks (Numba's current setting by default).
    progress : bool
        Draw a progress bar on stderr (terminals only, runs over two seconds).
    printout : tuple, optional
        (fpixel, spixel) for -printout: every pixel when fpixel < 0. The loop
        then runs serially and ``on_printout(snapshot_rows, event_info)`` is
        called after each row.
    mode : {"faithful", "fast"}
        The kernel: the C's bits, or the fast approximation (-printout runs
        are always faithful).

    Returns
    -------
    LoopResult
    """
    import numba
    threads = threads or numba.get_num_threads()
    fpixels, spixels = s.fpixels, s.spixels
    floatimage = np.zeros(s.pixels, dtype=np.float32)
    nterm = t.omega_terms
    block = _block_rows(spixels, threads)
    omega_terms = np.zeros(block * fpixels * nterm)
    events = np.zeros((block, cpu.N_EVENT))
    args = (t.P, t.Q, t.mask, t.src, t.cells, t.phi_state, t.Fhkl, t.pv_table)
    state = np.array([0, 0, 1 if t.interpolate else 0], dtype=np.int64)
    rec = printout_initial_values(s)
    omega_sum = 0.0
    event = None
    bar = Progress(spixels, progress)

    def note_events(row0, nrows):
        nonlocal event
        if event is not None:
            return None
        for r in range(nrows):
            if events[r, 0] != 0.0:
                e = events[r]
                event = (int(e[1]), row0 + r, e[2], e[3], e[4], int(e[5]), int(e[6]), int(e[7]))
                return r
        return None

    row = 0
    if printout is not None:
        snaps = np.zeros((fpixels if printout[0] < 0 else 1, cpu.N_SNAP))
        for row in range(spixels):
            n = cpu.render_rows_serial(row, row + 1, *args, state, floatimage, omega_terms, events, rec,
                                       snaps, printout[0], printout[1])
            note_events(row, 1)
            omega_sum = cpu.omega_chain(omega_sum, row, row + 1, t.Q, t.mask, omega_terms, t.omega_repeat)
            on_printout(snaps[:n], event if event is not None and event[1] == row else None)
            bar.update(row + 1)
        bar.close()
        return LoopResult(floatimage, omega_sum, event)

    kernel = cpu.ROW_KERNELS[mode]
    if mode == "fast":
        args = args + cpu.fast_args(t)
    # 1. in order, until the serial-order state has settled
    no_print = np.zeros((1, cpu.N_SNAP))
    while row < spixels and not (state[0] == t.stale_saturated and state[1] >= t.pcalls_saturated):
        kernel.render_rows_serial(row, row + 1, *args, state, floatimage, omega_terms, events, rec,
                                  no_print, -2, -2)
        note_events(row, 1)
        omega_sum = cpu.omega_chain(omega_sum, row, row + 1, t.Q, t.mask, omega_terms, t.omega_repeat)
        row += 1
    # 2. blocks of rows in parallel from the settled state
    stale, pcalls = t.stale_saturated, t.pcalls_saturated
    while row < spixels:
        row1 = min(row + block, spixels)
        interp = state[2] != 0
        kernel.render_rows(row, row1, *args, stale, pcalls, interp, floatimage, omega_terms, events, rec)
        if interp:
            first = note_events(row, row1 - row)
            if first is not None:
                # 3. the C switched interpolation off in this row: redo the rows after it
                state[2] = 0
                if row + first + 1 < row1:
                    redo = row + first + 1
                    sub_terms = omega_terms[(first + 1) * fpixels * nterm:]
                    kernel.render_rows(redo, row1, *args, stale, pcalls, False, floatimage, sub_terms, events, rec)
        omega_sum = cpu.omega_chain(omega_sum, row, row1, t.Q, t.mask, omega_terms, t.omega_repeat)
        row = row1
        bar.update(row)
    bar.close()
    return LoopResult(floatimage, omega_sum, event)


def printout_initial_values(s):
    """The printout variables as the C holds them when its loop starts.

    -printout shows the last values assigned; a pixel that assigns none (every
    source beyond -dmin, or every F_latt zero) shows these: the cell vectors in
    metres and the last record the structure-factor reader read.
    """
    from ..kernels.pixel import R_A, R_B, R_C, R_F_CELL, R_H, R_H0
    rec = np.zeros(N_REC)
    last = getattr(s.hkl, "last_record", None)
    if last is not None:
        rec[R_H:R_H + 3] = last[0:3]
        rec[R_H0:R_H0 + 3] = last[3:6]
        rec[R_F_CELL] = last[6]
    for index, v in ((R_A, s.a), (R_B, s.b), (R_C, s.c)):
        rec[index:index + 3] = v[1:4]
    return rec


def thread_count(requested=None):
    """Threads to use: --threads, else NUMBA_NUM_THREADS, else OMP_NUM_THREADS, else all cores."""
    import numba
    if requested:
        return min(int(requested), numba.config.NUMBA_NUM_THREADS)
    if "NUMBA_NUM_THREADS" not in os.environ and os.environ.get("OMP_NUM_THREADS", "").isdigit():
        return max(1, min(int(os.environ["OMP_NUM_THREADS"]), numba.config.NUMBA_NUM_THREADS))
    return numba.get_num_threads()
