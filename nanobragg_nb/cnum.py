"""C-compatible numerics: what gcc's code and glibc do with numbers, in one place.

- parsing and printing (``atof``/``atoi`` with glibc's ``strtod``/``strtol``
  prefix rules, ``cprintf`` with glibc's ``printf`` spellings, ``-nan``
  included);
- integer conversions and arithmetic as x86-64 code performs them
  (``(int) x``, ``(int) ceil(x)``, 32-bit wrap-around, ``(unsigned short) x``),
  in plain Python for the setup and compiled for the kernels;
- IEEE division and angles where Python would raise instead of returning
  what C returns.
"""
import math
import re

import numpy as np
from numba import njit
from numba.extending import register_jitable

_DEC = re.compile(r"[ \t\n\v\f\r]*([+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))")
_HEX = re.compile(r"[ \t\n\v\f\r]*([+-]?)0[xX]((?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?\d+)?)")
_SPECIAL = re.compile(r"[ \t\n\v\f\r]*([+-]?)(inf(?:inity)?|nan(?:\([0-9A-Za-z_]*\))?)", re.IGNORECASE)
_INT = re.compile(r"[ \t\n\v\f\r]*([+-]?\d+)")


def strtod(text):
    """Parse the longest numeric prefix of ``text`` as glibc ``strtod`` does.

    Parameters
    ----------
    text : str
        Text to parse.

    Returns
    -------
    value : float
        The number read, or 0.0 when no conversion is possible.
    consumed : int
        Number of characters consumed (0 when nothing converts).
    """
    m = _HEX.match(text)
    if m:
        body = m.group(2)
        if "p" not in body.lower():
            body += "p0"
        value = float.fromhex(body)
        return (-value if m.group(1) == "-" else value), m.end()
    m = _SPECIAL.match(text)
    if m:
        word = m.group(2).lower()
        value = math.inf if word.startswith("inf") else math.nan
        if m.group(1) == "-":
            value = -value
        return value, m.end()
    m = _DEC.match(text)
    if m:
        return float(m.group(1)), m.end()
    return 0.0, 0


def atof(text):
    """C ``atof``: the numeric prefix of ``text`` as a float, 0.0 if there is none."""
    return strtod(text)[0]


def strtol(text):
    """C ``strtol`` in base 10: (value clamped to the 64-bit range, characters consumed)."""
    m = _INT.match(text)
    if not m:
        return 0, 0
    value = int(m.group(1))
    value = max(min(value, 2**63 - 1), -(2**63))
    return value, m.end()


def ieee_div(a, b):
    """``a / b`` as C divides doubles on x86-64: by zero it gives +-inf, or for 0/0 the
    processor's default NaN (sign bit set, printed ``-nan``), instead of raising."""
    if b != 0.0 or math.isnan(b):
        return a / b
    if math.isnan(a):
        return a
    if a == 0.0:
        return -math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


def c_atan2(y, x):
    """glibc's ``atan2(y, x)`` on x86-64: a NaN argument is returned, x's when both are.

    glibc returns ``x + y`` there, and SSE addition gives its first NaN operand;
    Python's ``math.atan2`` returns +NaN instead, and Python's own ``x + y``
    the second operand's NaN, so the choice is made explicitly.
    """
    if math.isnan(x):
        return x
    if math.isnan(y):
        return y
    return math.atan2(y, x)


def to_int32(value):
    """Wrap an integer to a 32-bit signed int, as a C cast from long to int does."""
    value &= 0xFFFFFFFF
    return value - 2**32 if value >= 2**31 else value


def atoi(text):
    """C ``atoi``: ``(int) strtol(text, NULL, 10)``."""
    return to_int32(strtol(text)[0])


_CONV = re.compile(r"%([-+ #0]*)(\d*)(?:\.(\d+))?(hh|h|ll|l|L|z)?([diouxXeEfFgGcsp%])")


def _is_negative_nan(x):
    return isinstance(x, float) and math.isnan(x) and math.copysign(1.0, x) < 0


def cprintf(fmt, *args):
    """Format like C ``printf`` for the conversions nanoBragg.c uses.

    Length modifiers (``l``, ``lu``, ``ld``, ``lg``) are accepted and ignored,
    ``%p`` prints a hexadecimal address, and a NaN with its sign bit set
    prints as ``-nan`` as glibc does.

    Parameters
    ----------
    fmt : str
        A C format string.
    *args
        The values, one per conversion.

    Returns
    -------
    str
        The formatted text.
    """
    out = []
    pos = 0
    argi = 0
    for m in _CONV.finditer(fmt):
        out.append(fmt[pos:m.start()])
        pos = m.end()
        flags, width, prec, _length, conv = m.groups()
        if conv == "%":
            out.append("%")
            continue
        value = args[argi]
        argi += 1
        if conv == "p":
            out.append(f"0x{int(value) & 0xFFFFFFFFFFFF:x}")
            continue
        if conv in "diouxX":
            conv = {"i": "d", "u": "d"}.get(conv, conv)
            value = int(value)
        spec = "%" + flags + width + ("." + prec if prec is not None else "") + conv
        if conv in "eEfFgG":
            value = float(value)
            if math.isnan(value) or math.isinf(value):
                text = ("-" if _is_negative_nan(value) or value == -math.inf else "") + \
                    ("nan" if math.isnan(value) else "inf")
                if conv.isupper():
                    text = text.upper()
                if "+" in flags and not text.startswith("-"):
                    text = "+" + text
                w = int(width) if width else 0
                text = text.ljust(w) if "-" in flags else text.rjust(w)
                out.append(text)
                continue
        out.append(spec % value)
    out.append(fmt[pos:])
    return "".join(out)


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


def angle(phi):
    """An angle for Python's ``math.sin``/``cos``, which raise on +-inf: there glibc returns the
    default NaN (printed ``-nan``), and so does the sine of that NaN."""
    return -math.nan if math.isinf(phi) else phi


@register_jitable
def c_ceil_int(x):
    """``(int) ceil(x)`` as compiled C does it on x86-64 (INT_MIN when out of range or NaN); compiled."""
    if x > -2147483649.0 and x <= 2147483647.0:
        return int(math.ceil(x))            # an int on the GPU too, where math.ceil gives a float
    return INT_MIN


@register_jitable
def c_floor_int(x):
    """``(int) floor(x)`` as compiled C does it on x86-64 (INT_MIN when out of range or NaN); compiled."""
    if x >= -2147483648.0 and x < 2147483648.0:
        return int(math.floor(x))           # an int on the GPU too
    return INT_MIN
