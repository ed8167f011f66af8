"""The serial-order state of the C's pixel loop, reproduced by any driver.

The C's loop carries a little state from pixel to pixel in serial order:
the stale phi rotation ``stale``, the count ``pcalls`` of in-place
re-unitizations of the polarization axis, and whether tricubic
interpolation is still on, ``interp``. Every driver (the CPU engine, the
GPU engine, ``--trace-pixel``) reproduces the serial C the same way:

1. :func:`settle` renders rows one by one, in order, on the CPU, until
   ``stale`` and ``pcalls`` have settled (usually after the first rendered
   pixel), noting the first interpolation switch-off and adding up the
   solid-angle terms in the C's order;
2. from then on every pixel starts from the same state, so rows may be
   rendered in parallel: :func:`parallel_blocks` does it on the CPU, block
   after block, rendering again, with interpolation off, the rows after the
   first row that switched it off.

The drivers keep what differs between them: the GPU launches, the
``-printout`` snapshots, the trace's partial last row. :func:`row_kernels`
is where the CPU kernels of each mode are chosen.
"""
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..kernels import cpu
from ..kernels.pixel import N_REC, Q_FPIXELS


class ModeKernels(NamedTuple):
    """The CPU row kernels of one mode and the inputs they take."""

    kernels: cpu.RowKernels  #: ``render_rows`` (parallel) and ``render_rows_serial``
    inputs: tuple            #: the input arrays, passed as ``*inputs``


def row_kernels(t, mode="faithful"):
    """The CPU row kernels of ``mode``, with their inputs built from ``t``.

    Parameters
    ----------
    t : Tables
    mode : {"faithful", "fast"}

    Returns
    -------
    ModeKernels
    """
    if mode == "fast":
        return ModeKernels(cpu.ROW_KERNELS[mode], t.inputs + cpu.fast_args(t))
    return ModeKernels(cpu.ROW_KERNELS[mode], t.inputs)


@dataclass
class Walk:
    """How far the walk over rows has come, and the serial-order state it carries.

    Attributes
    ----------
    row : int
        The first row not rendered yet.
    state : numpy.ndarray
        int64 [stale, pcalls, interp] with which the C enters ``row``.
    event : tuple or None
        (fpixel, spixel, h, k, l, h0, k0, l0) of the first pixel that
        switched interpolation off, once one has.
    omega_sum : float
        The solid-angle sum of the rows rendered, in the C's order.
    """

    row: int
    state: np.ndarray
    event: tuple = None
    omega_sum: float = 0.0

    def note_event(self, events, row0, nrows):
        """Record the first interpolation switch-off among ``nrows`` rows of ``events``.

        Returns
        -------
        int or None
            The index of the row (from ``row0``) that switched it off, or
            None when none did or one already had.
        """
        if self.event is not None:
            return None
        for r in range(nrows):
            if events[r, 0] != 0.0:
                e = events[r]
                self.event = (int(e[1]), row0 + r, e[2], e[3], e[4], int(e[5]), int(e[6]), int(e[7]))
                return r
        return None

    def add_omega(self, t, row0, row1, omega_terms):
        """Add the solid-angle terms of rows ``row0..row1`` to the sum, in the C's order."""
        self.omega_sum = cpu.omega_chain(self.omega_sum, row0, row1, t.Q, t.mask, omega_terms, t.omega_repeat)


def block_rows(spixels, threads):
    """Rows per parallel block: a whole number of rows per thread, about 64 blocks in all."""
    per_thread = max(1, spixels // (64 * threads))
    return threads * per_thread


def has_settled(t, state):
    """Whether every later pixel enters with the same ``stale`` and ``pcalls`` as ``state``."""
    return state[0] == t.stale_saturated and state[1] >= t.pcalls_saturated


def settle(t, floatimage, kernels=None, end=None, printout=None, on_row=None, rec=None, start=None):
    """Render the first rows in the C's serial order until the serial-order state has settled.

    Parameters
    ----------
    t : Tables
    floatimage : numpy.ndarray
        Flat float32 image receiving the rendered rows.
    kernels : ModeKernels, optional
        The faithful ones by default.
    end : int, optional
        Render no row from this one on (all rows by default).
    printout : tuple, optional
        (fpixel, spixel) of -printout (every pixel when fpixel < 0): every
        row up to ``end`` is then rendered in order, whether or not the
        state has settled, recording snapshots (faithful kernels only).
    on_row : callable, optional
        ``on_row(row, snapshots, event)`` after each row: the printout
        snapshots of the row and the interpolation switch-off event if it
        happened in that row, else None.
    rec : numpy.ndarray, optional
        The printout variables as the C holds them when its loop starts.
    start : Walk, optional
        The walk over an earlier panel of a multi-panel detector, whose
        state, event and solid-angle sum this panel continues from row 0.

    Returns
    -------
    Walk
        The first row not rendered, the state entering it, the event, the
        solid-angle sum so far.
    """
    fpixels = int(t.Q[Q_FPIXELS])
    spixels = floatimage.shape[0] // fpixels
    end = spixels if end is None else end
    kernel, inputs = kernels or row_kernels(t)
    print_f, print_s = printout if printout is not None else (-2, -2)
    snaps = np.zeros((fpixels if printout is not None and print_f < 0 else 1, cpu.N_SNAP))
    omega_terms = np.zeros(fpixels * t.omega_terms)
    events = np.zeros((1, cpu.N_EVENT))
    rec = np.zeros(N_REC) if rec is None else rec
    walk = Walk(0, np.array([0, 0, 1 if t.interpolate else 0], dtype=np.int64))
    if start is not None:
        walk = Walk(0, start.state.copy(), start.event, start.omega_sum)
    while walk.row < end and (printout is not None or not has_settled(t, walk.state)):
        row = walk.row
        nsnap = kernel.render_rows_serial(row, row + 1, *inputs, walk.state, floatimage, omega_terms, events, rec,
                                          snaps, print_f, print_s)
        switched_off = walk.note_event(events, row, 1) is not None
        walk.add_omega(t, row, row + 1, omega_terms)
        walk.row = row + 1
        if on_row is not None:
            on_row(row, snaps[:nsnap], walk.event if switched_off else None)
    return walk


def parallel_blocks(t, floatimage, walk, block, kernels=None, end=None):
    """Render the rows from ``walk.row`` in parallel blocks, as the serial C would.

    Every row of a block starts from the settled state; when a block
    switches interpolation off, the rows after the first such row are
    rendered again with it off. ``walk`` is brought up to date after each
    block, which is then yielded, so that a caller may draw progress or
    stop early.

    Parameters
    ----------
    t : Tables
    floatimage : numpy.ndarray
    walk : Walk
        As :func:`settle` left it.
    block : int
        Rows per block.
    kernels : ModeKernels, optional
        The faithful ones by default.
    end : int, optional
        Stop before this row (all rows by default).

    Yields
    ------
    Walk
        ``walk``, after each block.
    """
    fpixels = int(t.Q[Q_FPIXELS])
    spixels = floatimage.shape[0] // fpixels
    end = spixels if end is None else end
    kernel, inputs = kernels or row_kernels(t)
    row_terms = fpixels * t.omega_terms
    omega_terms = np.zeros(block * row_terms)
    events = np.zeros((block, cpu.N_EVENT))
    rec = np.zeros(N_REC)
    stale, pcalls = t.stale_saturated, t.pcalls_saturated
    while walk.row < end:
        row, row1 = walk.row, min(walk.row + block, end)
        interp = walk.state[2] != 0
        kernel.render_rows(row, row1, *inputs, stale, pcalls, interp, floatimage, omega_terms, events, rec)
        first = walk.note_event(events, row, row1 - row) if interp else None
        if first is not None:
            # the C switched interpolation off in row `first`: the rows after it, again, with it off
            walk.state[2] = 0
            if row + first + 1 < row1:
                kernel.render_rows(row + first + 1, row1, *inputs, stale, pcalls, False, floatimage,
                                   omega_terms[(first + 1) * row_terms:], events, rec)
        walk.add_omega(t, row, row1, omega_terms)
        walk.row = row1
        yield walk
