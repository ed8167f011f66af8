"""What a long run shows while it renders: a progress bar, and the C's "N% done" lines.

:class:`Progress` draws a bar on stderr (terminals only, after two seconds);
:func:`progress_line` says which of the C's own progress lines a pixel
prints, for the one that the C glues to its interpolation warning.
"""
import sys
import time

import numpy as np

from ..kernels.pixel import Q_FPIXELS, Q_HAS_MASK, Q_ROI_XMAX, Q_ROI_XMIN, Q_ROI_YMAX, Q_ROI_YMIN

PROGRESS_AFTER_S = 2.0


class Progress:
    """A progress bar on stderr, shown only on a terminal and only after two seconds."""

    def __init__(self, total, enabled=True, stream=None):
        self.stream = stream or sys.stderr
        self.total = max(int(total), 1)
        self.enabled = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.start = time.monotonic()
        self.shown = False

    def update(self, done):
        """Redraw with ``done`` rows finished."""
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.start
        if elapsed < PROGRESS_AFTER_S and not self.shown:
            return
        frac = min(done / self.total, 1.0)
        eta = elapsed / frac - elapsed if frac > 0 else 0.0
        bar = "#" * int(30 * frac)
        self.stream.write(f"\rnanobragg-nb: [{bar:<30s}] {100 * frac:5.1f}%  {elapsed:6.1f} s, about {eta:6.1f} s left")
        self.stream.flush()
        self.shown = True

    def close(self):
        """Clear the bar."""
        if self.shown:
            self.stream.write("\r" + " " * 90 + "\r")
            self.stream.flush()


def rendered_count_before(s, t, fpixel, spixel):
    """How many pixels the C renders before (fpixel, spixel): its progress counter there."""
    return _count_before(t.Q, t.mask, fpixel, spixel)


def _count_before(Q, mask, fpixel, spixel):
    return rendered_mask(Q, mask, spixel + 1).ravel()[:spixel * int(Q[Q_FPIXELS]) + fpixel].sum()


def rendered_mask(Q, mask, rows):
    """Which pixels of the first ``rows`` rows the C renders (ROI and mask)."""
    fpixels = int(Q[Q_FPIXELS])
    f = np.arange(fpixels)
    s = np.arange(rows)
    out = ((f >= Q[Q_ROI_XMIN]) & (f <= Q[Q_ROI_XMAX]))[None, :] & ((s >= Q[Q_ROI_YMIN]) & (s <= Q[Q_ROI_YMAX]))[:, None]
    if Q[Q_HAS_MASK]:
        out &= mask[:rows * fpixels].reshape(rows, fpixels) != 0
    return out


def progress_line(s, index, rendered_total):
    """The C's next "N% done" line at or after progress counter ``index`` (C L3075-3085), or ''."""
    pp = s.progress_pixels
    if not s.progress_meter or pp // 100 <= 0:
        return ""
    for p in range(index, rendered_total):
        if p % (pp // 20) == 0 or ((10 * p < pp or 10 * p > 9 * pp) and p % (pp // 100) == 0):
            return f"{p * 100 // pp}% done\n"
    return ""
