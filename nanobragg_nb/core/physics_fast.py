"""Scalar physics of the fast mode, shared by its CPU and CUDA kernels.

The fast mode trades the C's bits for speed (accuracy stated in
docs/fast_mode.md). Its inner loop runs in float32 with fastmath and needs no
libm call on its main path: the lattice transform of the square crystal,
``sincg``, is a ratio of two sines whose arguments are first reduced to
[-pi/2, pi/2], where one short polynomial gives ``sin`` to float32 precision.

Every function here is ``register_jitable`` and written once: it runs as
Python under the CUDA simulator, and compiles into the ``@njit`` CPU kernel
and the ``@cuda.jit`` GPU kernel. Only :func:`floor32` is lowered per target
(``np.floor`` on the CPU, where it vectorises; libdevice ``floorf`` on the
GPU, registered by :mod:`nanobragg_nb.core.kernels.cuda`).
"""
import math

import numpy as np
from numba.extending import overload, register_jitable

FAST = dict(fastmath=True, error_model="numpy")

# sin(pi r) = r * P(r^2) on |r| <= 1/2, P of degree 4: coefficients fitted for the
# relative error (least squares on Chebyshev nodes); 6e-9 at worst, below float32's
# resolution (tests/test_fast_mode.py checks it against libm)
SINPI_C1 = 3.1415926459186942
SINPI_C3 = -5.167710290389551
SINPI_C5 = 2.5500791705486834
SINPI_C7 = -0.5982944707419537
SINPI_C9 = 0.07765549228124341

_F32 = np.float32
_C1, _C3, _C5, _C7, _C9 = (_F32(c) for c in (SINPI_C1, SINPI_C3, SINPI_C5, SINPI_C7, SINPI_C9))
_HALF = _F32(0.5)
_ONE = _F32(1.0)
_PI = _F32(math.pi)
_TINY = _F32(1e-7)


# C L2812-2819 (fast): whole-number rounding (the C's ceil(h - 0.5)), as a float
def floor32(x):
    """``floor(x)`` as a float (lowered per target: see the module docstring)."""
    return float(math.floor(x))


@overload(floor32, target="cpu", jit_options=FAST)
def _floor32_cpu(x):
    return lambda x: np.floor(x)


# C L3291-3295 (fast): the sine of sincg, on a reduced argument
@register_jitable(**FAST)
def sinpi_reduced(r):
    """``sin(pi r)`` for ``|r| <= 1/2``."""
    u = r * r
    return r * (_C1 + u * (_C3 + u * (_C5 + u * (_C7 + u * _C9))))


# C L3298-3302 (fast): the sine and cosine of sinc3
@register_jitable(**FAST)
def sincospi(s):
    """``sin(pi s)`` and ``cos(pi s)`` for moderate ``s``."""
    m = floor32(s + _HALF)
    r = s - m                                   # in [-1/2, 1/2]
    sign = _ONE - _F32(2.0) * (m - _F32(2.0) * floor32(m * _HALF))
    c = sinpi_reduced(_HALF - abs(r))           # cos(pi r) = sin(pi (1/2 - |r|))
    return sign * sinpi_reduced(r), sign * c


# C L3291-3295 (fast): sincg(pi x, N) up to its sign, as numerator and denominator
@register_jitable(**FAST)
def sincg_parts(x, N):
    """Numerator and denominator of ``sincg(pi x, N)``, up to a common sign.

    For a whole number ``N``, sin(pi N (n + d)) / sin(pi (n + d)) only changes
    sign with the integer n, so both sines are taken at reduced arguments:
    d = x - nearest integer, and N d reduced the same way. Only the square of
    the ratio is used. Where |d| is below float32's resolution of x near 1
    the ratio is N (as in the C at d == 0), which also keeps the product of
    three denominators clear of float32 underflow.
    """
    d = x - floor32(x + _HALF)
    y = N * d
    e = y - floor32(y + _HALF)
    num = sinpi_reduced(e)
    den = sinpi_reduced(d)
    if abs(d) < _TINY:
        num = N
        den = _ONE
    return num, den


# C L3298-3302 (fast): sinc3, with a series where the formula cancels in float32
@register_jitable(**FAST)
def sinc3_fast(x):
    """``3 (sin x / x - cos x) / x^2`` for ``x >= 0``."""
    u = x * x
    if x < _HALF:
        return _ONE + u * (_F32(-0.1) + u * (_F32(1.0 / 280.0) + u * _F32(-1.0 / 15120.0)))
    s, c = sincospi(x / _PI)
    return _F32(3.0) * (s / x - c) / u
