"""Fast reading of ``while (4 == fscanf(file, fmt, ...))`` loops over HKL records.

:mod:`.scanf` emulates glibc one byte at a time, which is exact but slow for
files of millions of reflections.  Here a regular expression first finds the
longest run of records made only of plain tokens (``[+-]digits[.digits][e±digits]``,
or ``[+-]digits`` where ``%d`` reads), each followed by whitespace or the end
of the file: glibc reads such a token exactly as written, and Python's
``float``/``int`` convert it to the same value as ``strtod``/``strtol`` (both
round correctly).  The exact emulation then takes over where that run
ends, so a malformed token is handled exactly as glibc handles it.
"""
import re

import numpy as np

from ..cnum import to_int32
from .scanf import fscanf

_WS = rb"[ \t\n\x0b\x0c\r]"
_NUMBER = rb"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_INTEGER = rb"[+-]?[0-9]+"


def _field(token):
    return _WS + rb"*" + token + rb"(?=" + _WS + rb"|\Z)"


_FAST = {
    "%lg%lg%lg%lg": re.compile(rb"(?:" + _field(_NUMBER) * 4 + rb")*"),
    "%d%d%d%lg": re.compile(rb"(?:" + _field(_INTEGER) * 3 + _field(_NUMBER) + rb")*"),
}


def _c_int(token):
    """``%d`` of a plain integer token: strtol (clamped to 64 bits), then cast to int."""
    value = int(token)
    if -2**31 <= value < 2**31:
        return value
    return to_int32(max(min(value, 2**63 - 1), -2**63))


def scan_records(data, fmt):
    """All records a ``while (4 == fscanf(file, fmt, ...))`` loop reads.

    Parameters
    ----------
    data : bytes
        The whole file.
    fmt : str
        ``"%lg%lg%lg%lg"`` or ``"%d%d%d%lg"``.

    Returns
    -------
    columns : list of numpy.ndarray
        Four arrays, one per field (float64 for ``%lg``, int64 for ``%d``),
        one entry per record read.
    last : ScanResult
        The ``fscanf`` call that ended the loop (its ``count`` is not 4).
    """
    fast = _FAST[fmt]
    integer_fields = fmt == "%d%d%d%lg"
    segments = []  # per run: four arrays, in file order
    pos = 0
    while True:
        end = fast.match(data, pos).end()
        if end > pos:
            tokens = data[pos:end].split()
            segments.append([
                np.array([_c_int(t) for t in tokens[field::4]], dtype=np.int64)
                if integer_fields and field < 3 else
                np.array([float(t) for t in tokens[field::4]], dtype=np.float64)
                for field in range(4)])
            pos = end
        last = fscanf(data, pos, fmt)
        if last.count != 4:
            break
        pos = last.pos
        segments.append([np.array([value], dtype=np.int64 if integer_fields and field < 3 else np.float64)
                         for field, value in enumerate(last.values)])
    dtypes = [np.int64 if integer_fields and field < 3 else np.float64 for field in range(4)]
    columns = [np.concatenate([seg[field] for seg in segments] + [np.zeros(0, dtypes[field])])
               for field in range(4)]
    return columns, last
