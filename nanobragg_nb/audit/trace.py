"""``--trace-pixel F S``: every intermediate value of one pixel, in the C's names and order.

The pixel is rendered again by the very code of the kernels,
:func:`~nanobragg_nb.core.kernels.pixel.render_pixels`, run as plain Python with
its ``trace`` hook recording each value. It starts from the state the serial
C carries into that pixel (the rotation a phi step of exactly 0 reuses, the
times the polarization axis was re-unitized, whether interpolation is still
on), which is found by rendering, compiled, what comes before it in the C's
order. Values are printed with ``%.17g`` so that a trace from an
instrumented nanoBragg.c can be set beside it line by line; the last line is
the pixel's float value, which must equal the image's.

Output format (docs/audit.md): comment lines start with ``#``; every other
line is ``<names> <values>``, names comma-separated as the C spells them
(``h,k,l``), values separated by spaces.
"""
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from ..errors import ArgumentError, OutputError
from ..core.engines import settle
from ..core.kernels import cpu, pixel, tables
from ..core.kernels.pixel import (FAITHFUL, N_REC, P_FLUENCE, P_I_BG, P_R_E_SQR, Q_ROI_XMAX, Q_STEPS, rendered,
                                  render_pixels)
from ..core.kernels.pixel_fast import no_fast_tables

#: rows per parallel block in the search for the interpolation switch-off before the traced pixel
SEARCH_BLOCK_ROWS = 64

#: how the kernel's trace names are printed: the C's variables
LABELS = {
    "subpixel": "subS,subF",
    "Fdet_Sdet_Odet": "Fdet,Sdet,Odet",
    "hkl": "h,k,l",
    "hkl0": "h0,k0,l0",
    "pixel": "test",
}


@dataclass
class Trace:
    """The trace of one pixel.

    Attributes
    ----------
    fpixel, spixel : int
    values : list of (str, object)
        (name, value) in the order the kernel produced them.
    test : float
        The pixel's value before it is stored as float32.
    state : tuple
        (stale, pcalls, interp) on entry: the serial-order state.
    constants : dict
        I_bg, r_e_sqr, fluence, steps.
    """

    fpixel: int
    spixel: int
    values: list = field(default_factory=list)
    test: float = 0.0
    state: tuple = ()
    constants: dict = field(default_factory=dict)

    @property
    def floatimage(self):
        """The pixel as the image stores it (float32)."""
        return np.float32(0.0 + self.test)

    def last(self, name, default=None):
        """The last value traced under ``name`` (what the C's variable holds after the loops)."""
        for key, value in reversed(self.values):
            if key == name:
                return value
        return default


@contextmanager
def _recording(sink):
    hook = pixel.trace
    pixel.trace = lambda name, value: sink.append((name, value))
    try:
        yield
    finally:
        pixel.trace = hook


def state_before(s, t, fpixel, spixel):
    """The serial-order state (stale, pcalls, interp) with which the C enters a pixel.

    Rows before the pixel are rendered in order until the state has settled;
    while interpolation is still on, the remaining rows are rendered in
    parallel blocks to see whether one of them switches it off; then the
    pixels of the pixel's own row that come before it are rendered in order.

    Parameters
    ----------
    s : Setup
    t : Tables
    fpixel, spixel : int

    Returns
    -------
    numpy.ndarray
        int64 [stale, pcalls, interp].
    """
    image = np.zeros(s.pixels, dtype=np.float32)
    walk = settle.settle(t, image, end=spixel)
    if walk.state[2]:
        for _ in settle.parallel_blocks(t, image, walk, SEARCH_BLOCK_ROWS, end=spixel):
            if not walk.state[2]:
                break
    if fpixel > 0:
        Q = t.Q.copy()
        Q[Q_ROI_XMAX] = min(Q[Q_ROI_XMAX], fpixel - 1)
        cpu.render_rows_serial(spixel, spixel + 1, *t.inputs._replace(Q=Q), walk.state, image,
                               np.zeros(s.fpixels * t.omega_terms), np.zeros((1, cpu.N_EVENT)), np.zeros(N_REC),
                               np.zeros((1, cpu.N_SNAP)), -2, -2)
    return walk.state


def trace_values(s, fpixel, spixel):
    """Render one pixel as plain Python, recording every intermediate value.

    Parameters
    ----------
    s : Setup
        The prepared simulation (``Result.setup``).
    fpixel, spixel : int

    Returns
    -------
    Trace or None
        None when the C does not render the pixel (outside the ROI, masked).
    """
    t = tables.build(s)
    if not rendered(fpixel, spixel, t.Q, t.mask):
        return None
    state = state_before(s, t, fpixel, spixel)
    values = []
    omega_terms = np.zeros(max(t.omega_terms, 1))
    rec = np.zeros(N_REC)
    image = np.zeros(s.pixels, dtype=np.float32)
    events = np.zeros((1, 8))
    with _recording(values), np.errstate(all="ignore"):
        render_pixels(FAITHFUL, np.int64(spixel), np.int64(fpixel), np.int64(fpixel + 1), *t.inputs,
                      *no_fast_tables(), None, None,
                      int(state[0]), int(state[1]), bool(state[2]), image,
                      omega_terms, -fpixel * max(t.omega_terms, 1), events, 0, rec, False, rec.reshape(1, -1), 0,
                      -2, -2)
    test = next(value for name, value in reversed(values) if name == "pixel")
    constants = dict(I_bg=t.P[P_I_BG], r_e_sqr=t.P[P_R_E_SQR], fluence=t.P[P_FLUENCE], steps=int(t.Q[Q_STEPS]))
    return Trace(fpixel, spixel, values, test, (int(state[0]), int(state[1]), bool(state[2])), constants)


def _fmt(value):
    if isinstance(value, tuple):
        return " ".join(_fmt(v) for v in value)
    if isinstance(value, (bool, np.bool_)):
        return str(int(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return "%.17g" % float(value)


def format_trace(tr, s, image_value=None):
    """The trace as text: a commented header, then one line per value.

    Parameters
    ----------
    tr : Trace
    s : Setup
    image_value : float, optional
        The pixel in the rendered image, to confirm the trace reproduces it.
    """
    stale, pcalls, interp = tr.state
    rotation = "a0,b0,c0 (no phi rotation yet)" if stale == 0 else f"the rotation of phi_tic {stale - 1}"
    lines = [
        f"# nanobragg-nb --trace-pixel {tr.fpixel} {tr.spixel}: nanoBragg.c's variables in its loop order, %.17g",
        f"# serial state entering the pixel: a phi of exactly 0 reuses {rotation}; "
        f"polar_vector re-unitized {pcalls} times so far; interpolation {'on' if interp else 'off'}",
        f"fpixel {tr.fpixel}",
        f"spixel {tr.spixel}",
        f"I_bg {_fmt(tr.constants['I_bg'])}",
    ]
    for name, value in tr.values:
        lines.append(f"{LABELS.get(name, name)} {_fmt(value)}")
    lines += [f"r_e_sqr {_fmt(tr.constants['r_e_sqr'])}",
              f"fluence {_fmt(tr.constants['fluence'])}",
              f"steps {tr.constants['steps']}",
              f"floatimage {_fmt(float(tr.floatimage))}"]
    if image_value is not None:
        same = np.float32(image_value) == tr.floatimage
        lines.append("# the traced value equals the pixel of the image" if same else
                     f"# WARNING: the image holds {float(image_value):.9g} at this pixel, the trace "
                     f"{float(tr.floatimage):.9g}")
    return "\n".join(lines) + "\n"


def trace_pixel(result, own):
    """Write the trace of the pixel named by ``--trace-pixel F S`` (CLI hook).

    Parameters
    ----------
    result : Result
        The finished simulation.
    own : dict
        Our options: ``own["--trace-pixel"] == ["F", "S"]``, optional
        ``own["--trace-file"] == [path]`` (default: stderr).
    """
    s = result.setup
    f_text, s_text = own["--trace-pixel"]
    try:
        fpixel, spixel = int(f_text), int(s_text)
    except ValueError:
        raise ArgumentError(f"--trace-pixel needs two integers (fast and slow pixel), got '{f_text} {s_text}'")
    if not (0 <= fpixel < s.fpixels and 0 <= spixel < s.spixels):
        raise ArgumentError(f"--trace-pixel {fpixel} {spixel} is outside the {s.fpixels}x{s.spixels} detector")
    tr = trace_values(s, fpixel, spixel)
    if tr is None:
        text = (f"# nanobragg-nb --trace-pixel {fpixel} {spixel}: the C does not render this pixel "
                "(outside the -roi or masked); its value stays 0\n")
    elif own.get("--fast"):
        text = ("# the image was rendered by the fast kernel (--fast); this trace follows the faithful kernel, "
                "whose values are the C's\n" + format_trace(tr, s))
    else:
        text = format_trace(tr, s, result.floatimage[spixel, fpixel])
    if own.get("--trace-file"):
        path = own["--trace-file"][0]
        try:
            with open(path, "w") as f:
                f.write(text)
        except OSError as err:
            raise OutputError(f"cannot write the trace to {path}: {err.strerror or err}") from None
    else:
        sys.stdout.flush()
        sys.stderr.write(text)
        sys.stderr.flush()
