"""A small emulation of glibc ``fscanf`` for the ``%d`` and ``%lg`` conversions.

nanoBragg.c reads its HKL list, its Fdump cache header and its MOSFLM matrix
with ``fscanf``.  Where reading stops, and what a malformed token yields,
follows glibc's scanner (checked against glibc 2.36 with a fuzzing harness),
not Python's ``float()``: the scanner takes characters greedily, can push
back only one of them, and then converts what it took with ``strtod`` /
``strtol``.  So ``"1e+x"`` reads 1 and leaves the input at ``x``, ``"infix"``
is a matching failure, ``"nan(1)"`` reads NaN and leaves ``(1)``, and a
``%d`` of ``"1.5"`` reads 1 and leaves ``.5``.

The buffer is ``bytes`` (a ``str`` is encoded as latin-1) and positions are
byte offsets into it.
"""
from collections import namedtuple

from ..cnum import strtod, strtol, to_int32

#: What ``fscanf`` returns on an input failure before the first conversion.
EOF = -1

#: ``isspace`` in the C locale.
WHITESPACE = b" \t\n\v\f\r"

_DIGITS = frozenset(b"0123456789")
_XDIGITS = frozenset(b"0123456789abcdefABCDEF")

# Outcome of one conversion.
_OK, _MATCH_FAIL, _INPUT_FAIL = 0, 1, 2

#: Result of :func:`fscanf`: ``count`` is what the C call returns (the number
#: of conversions assigned, or ``EOF``), ``values`` the converted values,
#: ``pos`` the position after the call, and ``stop`` the position where the
#: failing conversion began (after its leading whitespace), or None when every
#: conversion succeeded.
ScanResult = namedtuple("ScanResult", "count values pos stop")


def _as_bytes(buf):
    return buf.encode("latin-1") if isinstance(buf, str) else bytes(buf)


def _lower(c):
    return c | 0x20 if 0x41 <= c <= 0x5A else c


def skip_space(buf, pos):
    """Return the first position at or after ``pos`` that is not C whitespace.

    Parameters
    ----------
    buf : bytes
        The input.
    pos : int
        Where to start.

    Returns
    -------
    int
        Position of the first non-whitespace byte, or ``len(buf)``.
    """
    n = len(buf)
    while pos < n and buf[pos] in WHITESPACE:
        pos += 1
    return pos


def _scan_int(buf, pos):
    """Scan a ``%d`` field at ``pos`` (whitespace already skipped)."""
    n = len(buf)
    if pos >= n:
        return _INPUT_FAIL, None, pos
    start = pos
    if buf[pos] in b"+-":
        pos += 1
    while pos < n and buf[pos] in _DIGITS:
        pos += 1
    text = buf[start:pos].decode("latin-1")
    if text in ("", "+", "-"):
        return _MATCH_FAIL, None, pos
    return _OK, to_int32(strtol(text)[0]), pos


def _expect_word(buf, pos, word):
    """Consume the letters of ``word`` (case-insensitive) as glibc does.

    A mismatching character is consumed too, as glibc does not push it back.
    Returns (matched, new position).
    """
    for ch in word:
        if pos >= len(buf):
            return False, pos
        c = buf[pos]
        pos += 1
        if _lower(c) != ord(ch):
            return False, pos
    return True, pos


def _scan_double(buf, pos):
    """Scan a ``%lg`` field at ``pos`` (whitespace already skipped)."""
    n = len(buf)
    if pos >= n:
        return _INPUT_FAIL, None, pos
    start = pos
    got_sign = 0
    if buf[pos] in b"+-":
        got_sign = 1
        pos += 1
        if pos >= n:
            return _MATCH_FAIL, None, pos
    c = _lower(buf[pos])
    if c == ord("n"):
        ok, pos = _expect_word(buf, pos, "nan")
        if not ok:
            return _MATCH_FAIL, None, pos
        return _OK, strtod(buf[start:pos].decode("latin-1"))[0], pos
    if c == ord("i"):
        ok, pos = _expect_word(buf, pos, "inf")
        if not ok:
            return _MATCH_FAIL, None, pos
        if pos < n and _lower(buf[pos]) == ord("i"):
            ok, pos = _expect_word(buf, pos, "inity")
            if not ok:
                return _MATCH_FAIL, None, pos
        return _OK, strtod(buf[start:pos].decode("latin-1"))[0], pos
    hexa = False
    exp_char = ord("e")
    got_digit = got_dot = got_e = False
    if buf[pos] == ord("0"):
        pos += 1
        if pos < n and _lower(buf[pos]) == ord("x"):
            pos += 1
            hexa = True
            exp_char = ord("p")
        else:
            got_digit = True
    while pos < n:
        c = buf[pos]
        if c in _DIGITS or (hexa and not got_e and c in _XDIGITS):
            got_digit = True
        elif got_e and buf[pos - 1] in (exp_char, exp_char - 0x20) and c in b"+-":
            pass
        elif got_digit and not got_e and _lower(c) == exp_char:
            got_e = got_dot = True
        elif not got_dot and c == ord("."):
            got_dot = True
        else:
            break
        pos += 1
    size = pos - start
    if size == got_sign or (hexa and size == 2 + got_sign):
        return _MATCH_FAIL, None, pos
    value, used = strtod(buf[start:pos].decode("latin-1"))
    if used == 0:
        return _MATCH_FAIL, None, pos
    return _OK, value, pos


_CONVERSIONS = {"d": _scan_int, "lg": _scan_double}


def _parse_format(fmt):
    items = []
    i = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch in " \t\n\v\f\r":
            if not items or items[-1] != " ":
                items.append(" ")
            i += 1
        elif fmt.startswith("%d", i):
            items.append("d")
            i += 2
        elif fmt.startswith("%lg", i):
            items.append("lg")
            i += 3
        else:
            raise ValueError(f"unsupported scanf format directive at {fmt[i:]!r}")
    return items


def fscanf(buf, pos, fmt):
    """Run one glibc ``fscanf`` call with a ``%d``/``%lg``/whitespace format.

    Parameters
    ----------
    buf : bytes or str
        The whole input (a ``str`` is taken as latin-1).
    pos : int
        Current read position (byte offset).
    fmt : str
        Format made of ``%d``, ``%lg`` and whitespace directives.

    Returns
    -------
    ScanResult
        ``count`` (as the C return value: conversions assigned, or ``EOF``
        when the input ended before the first one), ``values``, the new
        ``pos``, and ``stop`` (start of the failing field, or None).
    """
    buf = _as_bytes(buf)
    values = []
    for item in _parse_format(fmt):
        if item == " ":
            pos = skip_space(buf, pos)
            continue
        pos = skip_space(buf, pos)
        field_start = pos
        status, value, pos = _CONVERSIONS[item](buf, pos)
        if status == _INPUT_FAIL:
            return ScanResult(len(values) if values else EOF, values, pos, field_start)
        if status == _MATCH_FAIL:
            return ScanResult(len(values), values, pos, field_start)
        values.append(value)
    return ScanResult(len(values), values, pos, None)


def line_number(buf, pos):
    """1-based line number of byte offset ``pos`` in ``buf``."""
    return _as_bytes(buf).count(b"\n", 0, pos) + 1
