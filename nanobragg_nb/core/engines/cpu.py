"""Walks the detector with the CPU kernels so that the result is the serial C's.

The C's pixel loop carries a little state from pixel to pixel (the stale phi
rotation, the in-place re-unitized polarization axis, interpolation switched
off for good at the first out-of-range h,k,l). :func:`render` reproduces the
serial order whatever the thread count (see :mod:`.settle`):

1. rows are rendered one by one, in order, until that state has settled
   (usually after the first rendered pixel);
2. the rest is rendered in blocks of rows in parallel, all rows of a block
   starting from the settled state;
3. when a block switches interpolation off, the rows after the first such
   row are rendered again with interpolation off, as the C would have;
4. the solid-angle sum is added up in the C's order between blocks.

Between blocks a progress bar is drawn on stderr for long runs. ``-printout``
runs render every row in order.
"""
import os
from dataclasses import dataclass, field

import numpy as np

from ..kernels.pixel import N_REC
from . import settle
from .progress import Progress


@dataclass
class LoopResult:
    """The float image and what the C prints about the loop."""

    floatimage: np.ndarray            #: flat float32, row-major (slow, fast)
    omega_sum: float
    event: tuple = None               #: (fpixel, spixel, h, k, l, h0, k0, l0) of the interpolation switch-off
    snapshots: list = field(default_factory=list)
    walk: object = None               #: the finished :class:`~.settle.Walk`: the state a next panel starts from


def render(s, t, threads=None, progress=True, printout=None, on_printout=None, mode="faithful", start=None,
           block_of=None):
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
    start : Walk, optional
        Continue the serial-order state of an earlier panel (multi-panel
        detectors; ``s`` then needs only ``pixels`` and ``spixels``).
    block_of : int, optional
        Size the parallel blocks as for a detector of this many rows (a
        panel's blocks are those of the whole detector, not smaller).

    Returns
    -------
    LoopResult
    """
    import numba
    threads = threads or numba.get_num_threads()
    floatimage = np.zeros(s.pixels, dtype=np.float32)
    bar = Progress(s.spixels, progress)
    if printout is not None:
        def printed(row, snapshots, event):
            on_printout(snapshots, event)
            bar.update(row + 1)
        walk = settle.settle(t, floatimage, printout=printout, on_row=printed, rec=printout_initial_values(s))
    else:
        kernels = settle.row_kernels(t, mode)
        walk = settle.settle(t, floatimage, kernels, start=start)
        block = settle.block_rows(block_of or s.spixels, threads)
        for walk in settle.parallel_blocks(t, floatimage, walk, block, kernels):
            bar.update(walk.row)
    bar.close()
    return LoopResult(floatimage, walk.omega_sum, walk.event, walk=walk)


def printout_initial_values(s):
    """The printout variables as the C holds them when its loop starts.

    -printout shows the last values assigned; a pixel that assigns none (every
    source beyond -dmin, or every F_latt zero) shows these: the cell vectors in
    metres and h, k, l, h0, k0, l0, F_cell as the structure-factor loader left
    them (h0, k0, l0 are its loop counters and fscanf targets).
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
