"""C integer conversions as x86-64 gcc code performs them."""
import math

from ..clib import to_int32

INT_MIN = -(2**31)
INT_MAX = 2**31 - 1


def double_to_int(x):
    """``(int) x`` for a double, as ``cvttsd2si`` does on x86-64.

    Truncates toward zero; NaN, infinities and values whose truncation does
    not fit in 32 bits give ``INT_MIN`` (the "integer indefinite" value; the
    conversion is undefined behaviour in C).
    """
    if math.isnan(x) or math.isinf(x):
        return INT_MIN
    t = math.trunc(x)
    return t if INT_MIN <= t <= INT_MAX else INT_MIN


def ceil_to_int(x):
    """``(int) ceil(x)`` for a double: :func:`double_to_int` of the ceiling (``INT_MIN`` if not finite)."""
    if math.isnan(x) or math.isinf(x):
        return INT_MIN
    return double_to_int(math.ceil(x))


def int_add(*terms):
    """Sum of C ints with 32-bit wrap-around (what gcc's code does on overflow)."""
    return to_int32(sum(terms))


def int_mul(*factors):
    """Product of C ints with 32-bit wrap-around."""
    product = 1
    for f in factors:
        product *= f
    return to_int32(product)
