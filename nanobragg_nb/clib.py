"""C library semantics needed to read arguments and print like nanoBragg.c.

``atof``/``atoi`` follow glibc's ``strtod``/``strtol`` prefix parsing (leading
whitespace, longest numeric prefix, 0 when nothing converts), and ``cprintf``
formats like glibc's ``printf`` for the conversions nanoBragg.c uses, including
the ``-nan`` spelling of a NaN whose sign bit is set.
"""
import math
import re

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
