"""C conversions of a double to a small unsigned integer, as gcc compiles them on x86-64."""
import numpy as np
from numba import njit


@njit(cache=True)
def c_to_unsigned(x, bits):
    """``(unsigned short) x`` or ``(unsigned char) x`` for a double ``x``.

    gcc truncates to a 32-bit int (``cvttsd2si``, which gives 0x80000000 when
    the value is out of range or NaN) and keeps the low bits, so negative
    values wrap around (c-reference §5.4-5.5 leave no lower clamp).
    """
    if x > -2147483649.0 and x < 2147483648.0:
        return np.int64(x) & ((1 << bits) - 1)
    return 0
