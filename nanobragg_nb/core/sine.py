"""A batched sine that returns exactly the bits of the C library's ``sin``.

glibc's ``sin`` is not correctly rounded everywhere, but it is within a small
excess of half an ulp (docs/performance.md, "A sine with glibc's bits"). So
where the true sine lies more than that excess away from a rounding midpoint,
glibc returns the correctly rounded double, and an evaluation of our own
accurate to a small fraction of an ulp can prove which double that is.

:func:`sin_batch` evaluates every argument of a batch with such an evaluation
(:func:`sin_certified`: argument reduction by pi/64 in double-double, a table
of sin(j pi/64) and two short polynomials, all fitted by
:mod:`nanobragg_nb.core.sine_fit`), written without calls or branches so that
LLVM vectorises the loop; each lane also says whether its result is certified.
The few that are not (near a midpoint, or an argument outside the reduction's
range: huge, tiny, zero, subnormal, not finite) are recomputed with
``math.sin`` itself. No fastmath: every operation rounds as written.
"""
import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic, register_jitable

from .sine_table import C0, C1, C2, C3, INV_PIO64, P1, P2, P3, S0, S1, S2, S3, SIN_HI, SIN_LO

#: the relative error bound of :func:`sin_certified`'s double-double result (derivation in docs/performance.md)
EVAL_ERROR = 2.0 ** -61
#: how far beyond half an ulp glibc's sin may err, in ulps: its source states 0.548 ulp for |x| < 0.855469
#: and at most 0.518 above; measured at most 0.5139 here and 0.5142 elsewhere (docs/performance.md)
GLIBC_EXCESS_SMALL = 0.05
GLIBC_EXCESS = 0.02
#: the argument below which GLIBC_EXCESS_SMALL applies (above glibc's own 0.855469)
X_SMALL = 0.86
#: certified when the fast result's tail is below this fraction of an ulp: the midpoint is then farther
#: from the true sine than glibc's excess (EVAL_ERROR is below 2^-8 ulp since |y| < 2^53 ulp(y))
CERTIFY_ULPS = 0.5 - GLIBC_EXCESS - EVAL_ERROR * 2.0 ** 53
CERTIFY_ULPS_SMALL = 0.5 - GLIBC_EXCESS_SMALL - EVAL_ERROR * 2.0 ** 53
#: arguments the reduction covers: 2^-20 <= |x| <= 2^30
X_MIN = 2.0 ** -20
X_MAX = 2.0 ** 30

_SHIFTER = 6755399441055744.0          # 1.5 * 2^52: adding it rounds to an integer kept in the low bits
_EXPONENT = 0x7FF0000000000000
_MANTISSA = 0x000FFFFFFFFFFFFF
_ULP_SHIFT = 52 << 52


@intrinsic
def fma(typingctx, a, b, c):
    """``a * b + c`` rounded once (llvm.fma: a vector instruction where the CPU has FMA)."""
    def codegen(context, builder, signature, args):
        t = args[0].type
        f = builder.module.declare_intrinsic("llvm.fma", [t], ir.FunctionType(t, [t, t, t]))
        return builder.call(f, args)
    return types.float64(types.float64, types.float64, types.float64), codegen


@intrinsic
def as_int64(typingctx, x):
    """The bits of a float64 as an int64."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.int64))
    return types.int64(types.float64), codegen


@intrinsic
def as_float64(typingctx, i):
    """The float64 whose bits are the int64 ``i``."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.float64))
    return types.float64(types.int64), codegen


@register_jitable(inline="always")
def sin_dd(x):
    """sin(x) as a normalised double-double, relative error below :data:`EVAL_ERROR`.

    Straight-line code (no branches, no calls), so that a loop over it vectorises.

    Parameters
    ----------
    x : float
        The argument; the result is meaningful for ``X_MIN <= |x| <= X_MAX``.

    Returns
    -------
    yh, yl : float
        ``yh`` the double nearest ``yh + yl``, ``|yl| <= ulp(yh) / 2``.
    """
    # x = k pi/64 + r with |r| <= pi/128 (+ rounding slack); j = k mod 128 indexes the table
    kd = x * INV_PIO64 + _SHIFTER
    j = as_int64(kd) & 127
    k = kd - _SHIFTER
    # r = x - k (P1 + P2 + P3) as rh + rl: k*P1 and k*P2 split exactly with fma; x - p1 is exact (Sterbenz)
    p1 = k * P1
    e1 = fma(k, P1, -p1)
    t = x - p1
    a = t - e1
    bb = a - t
    b = (t - (a - bb)) + (-e1 - bb)
    p2 = k * P2
    e2 = fma(k, P2, -p2)
    c = a - p2
    dd = c - a
    d = (a - (c - dd)) + (-p2 - dd)
    lo = (b + d) - (e2 + k * P3)
    rh = c + lo
    rl = (c - rh) + lo
    # the tails sin(r) - r and cos(r) - 1, in double: they are below 1e-4 and 3e-4 of the result's terms;
    # r^2 keeps rl (2 rh rl is 2^-52 of it) and cos's leading C0 r^2 (C0 = -1/2) is exact given r^2
    s = fma(2.0 * rh, rl, rh * rh)
    ts = rh * s * (S0 + s * (S1 + s * (S2 + s * S3)))
    tc = C0 * s + s * s * (C1 + s * (C2 + s * C3))
    # sin(x) = sin(j pi/64) cos(r) + cos(j pi/64) sin(r), the leading terms in double-double
    sh = SIN_HI[j]
    sl = SIN_LO[j]
    jc = (j + 32) & 127
    ch = SIN_HI[jc]
    cl = SIN_LO[jc]
    ph = ch * rh
    pl = fma(ch, rh, -ph)
    u = sh + ph
    uu = u - sh
    ue = (sh - (u - uu)) + (ph - uu)
    # smallest terms first, so that only the last addition rounds at the size of sh * tc
    small = (((cl * rh + sl) + (ue + pl)) + ch * (rl + ts)) + sh * tc
    yh = u + small
    yl = (u - yh) + small
    return yh, yl


@register_jitable(inline="always")
def sin_certified(x):
    """sin(x) rounded to double, and whether it is certified to equal glibc's ``sin(x)``.

    Straight-line code (selects, no branches, no calls).

    Parameters
    ----------
    x : float
        The argument.

    Returns
    -------
    y : float
        The correctly rounded sine where ``ok``; meaningless otherwise.
    ok : bool
        Whether the true sine is far enough from a rounding midpoint that glibc
        returns ``y`` too (and ``x`` inside the reduction's range); where False,
        ``math.sin(x)`` must be called instead.
    """
    yh, yl = sin_dd(x)
    # certified: |yl| leaves the true sine clear of the midpoint; yh not a power of two (the ulp
    # below it is half as wide); the argument inside the reduction's range
    bits = as_int64(yh)
    ulp = as_float64((bits & _EXPONENT) - _ULP_SHIFT)
    ax = abs(x)
    limit = CERTIFY_ULPS_SMALL if ax < X_SMALL else CERTIFY_ULPS
    ok = (abs(yl) < limit * ulp) & ((bits & _MANTISSA) != 0) & (ax >= X_MIN) & (ax <= X_MAX)
    return yh, ok


@register_jitable
def sin_batch(x, out, flags, n):
    """``out[i] = sin(x[i])`` with glibc's bits for ``i < n``; returns how many needed ``math.sin``.

    Parameters
    ----------
    x : ndarray of float64
        Arguments; only the first ``n`` are read.
    out : ndarray of float64
        Receives the sines.
    flags : ndarray of uint8
        Scratch of at least ``n`` elements.
    n : int
        Batch size.

    Returns
    -------
    int
        The number of arguments the fast evaluation could not certify, which were
        evaluated by ``math.sin``.
    """
    for i in range(n):
        y, ok = sin_certified(x[i])
        out[i] = y
        flags[i] = ok
    fallbacks = 0
    for i in range(n):
        if flags[i] == 0:
            out[i] = math.sin(x[i])
            fallbacks += 1
    return fallbacks


def sin_array(x):
    """glibc's ``sin`` of every element of ``x`` through :func:`sin_batch`, for tests and benchmarks.

    Parameters
    ----------
    x : array_like
        Arguments, converted to float64 and flattened.

    Returns
    -------
    out : ndarray of float64
        The sines, bit-identical to ``math.sin``.
    fallbacks : int
        How many were not certified and came from ``math.sin``.
    """
    x = np.ascontiguousarray(x, dtype=np.float64).ravel()
    out = np.empty_like(x)
    flags = np.empty(x.size, dtype=np.uint8)
    fallbacks = _sin_array(x, out, flags)
    return out, fallbacks


@njit(cache=True)
def _sin_array(x, out, flags):
    """:func:`sin_batch` over ``x`` in batches of 256; returns the fallbacks."""
    total = 0
    n = x.shape[0]
    for start in range(0, n, 256):
        stop = min(start + 256, n)
        total += sin_batch(x[start:stop], out[start:stop], flags, stop - start)
    return total


@njit(cache=True)
def _sin_dd_array(x, hi, lo):
    """:func:`sin_dd` of every element of ``x`` into ``hi`` and ``lo`` (for the accuracy script)."""
    for i in range(x.shape[0]):
        hi[i], lo[i] = sin_dd(x[i])
