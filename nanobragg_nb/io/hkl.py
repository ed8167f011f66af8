"""Structure factors from an ``h k l F`` text file, read as nanoBragg.c reads it.

The C reads the file twice with ``fscanf``: a first pass with four ``%lg``
conversions per record finds the index ranges (kept in C ``int`` variables,
so a fractional index is truncated toward zero), a second pass with
``%d%d%d%lg`` fills the table.  Both passes stop at the first record that
does not fully convert, so a header or comment line ends the file; unlike
the C we say so on stderr.
"""
import os
import stat
from dataclasses import dataclass

import numpy as np

from ..cnum import cprintf
from ..errors import InputFileError
from ._warn import warn
from ..cnum import double_to_int, int_add
from .records import scan_records
from .scanf import EOF, line_number

#: Largest table (in doubles, padding included) we agree to allocate: 16 GiB.
MAX_TABLE_ELEMENTS = 2**31


@dataclass
class HKLTable:
    """Structure factors on a dense grid, as the C holds them after loading.

    ``Fhkl[h-h_min, k-k_min, l-l_min]`` is F for index (h, k, l).  The array
    has shape ``(h_range+1, k_range+1, l_range+1)``: one extra zero plane
    per axis, as the C allocates.  ``hkls`` is the C's record count and
    ``log`` the text the C prints on stdout while loading.
    """

    Fhkl: np.ndarray
    h_min: int
    h_max: int
    k_min: int
    k_max: int
    l_min: int
    l_max: int
    h_range: int
    k_range: int
    l_range: int
    hkls: int
    log: str
    #: the C's h, k, l, h0, k0, l0 and F_cell as the loader leaves them, which
    #: -printout shows for a pixel that never assigns them (see :func:`read_hkl`;
    #: a variable the C never assigned is 0, what its serial build prints)
    last_record: tuple = (0.0, 0.0, 0.0, 0, 0, 0, 0.0)


def read_bytes(path, what, c_log="", text=False):
    """Read a whole input file; a missing or unreadable one is an ``InputFileError``.

    ``c_log`` is what the C prints in that case; it becomes the exception's ``log``.
    With ``text=True`` (a file the C reads only with ``fscanf`` numbers), a
    device or a FIFO is read up to its first NUL byte, where the C's
    ``fscanf`` stops for good: ``-hkl /dev/zero`` ends at once, as in the C,
    instead of filling the memory.
    """
    try:
        with open(path, "rb") as handle:
            if text and not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return _read_to_nul(handle)
            return handle.read()
    except OSError as exc:
        err = InputFileError(f"cannot read {what} {path}: {exc.strerror or exc}")
        err.log = c_log
        raise err from None


def _read_to_nul(handle, chunk_size=1 << 16):
    chunks = []
    while True:
        chunk = handle.read(chunk_size)
        if not chunk:
            break
        nul = chunk.find(b"\0")
        if nul >= 0:
            chunks.append(chunk[:nul + 1])
            break
        chunks.append(chunk)
    return b"".join(chunks)


def _token_at(data, pos):
    end = pos
    while end < len(data) and end - pos < 24 and data[end] not in b" \t\n\v\f\r":
        end += 1
    return data[pos:end].decode("latin-1")


def _warn_stop(path, data, result, what, expected="a number"):
    """Warn where a ``while(n == fscanf(...))`` loop stopped before the end."""
    if result.count == EOF:
        return
    if result.stop is not None and result.stop < len(data):
        warn(f"{path} line {line_number(data, result.stop)}: {what} stops at "
             f"{_token_at(data, result.stop)!r}, which is not {expected}; the rest of the file is ignored")
    else:
        warn(f"{path} line {line_number(data, len(data))}: {what} stops at an incomplete "
             f"record at the end of the file; it is ignored")


def _track_min(values, start):
    """Final value of ``if (m > x) m = (int) x;`` over ``values`` from ``m = start``."""
    if values.size and np.all(np.abs(values) < 2.0**31):
        # (int) truncation is monotonic here, so the sequential result is (int) min
        low = values.min()
        return double_to_int(low) if low < start else start
    m = start
    for x in values.tolist():
        if m > x:
            m = double_to_int(x)
    return m


def _track_max(values, start):
    """Final value of ``if (m < x) m = (int) x;`` over ``values`` from ``m = start``."""
    if values.size and np.all(np.abs(values) < 2.0**31):
        high = values.max()
        return double_to_int(high) if high > start else start
    m = start
    for x in values.tolist():
        if m < x:
            m = double_to_int(x)
    return m


def _non_integer_warnings(h, k, l):
    """The C's "non-integer value" lines, in record order then h, k, l."""
    indices = np.stack([h, k, l], axis=1)
    flagged = indices != np.ceil(indices - 0.4)
    lines = []
    for record, axis in zip(*np.nonzero(flagged)):
        lines.append(cprintf("WARNING: non-integer value for %s (%g) at line %d\n",
                             "hkl"[axis], indices[record, axis], record))
    return lines


def check_no_wrap(path, minima, maxima, ranges):
    """Refuse index ranges whose C ``int`` arithmetic wrapped around.

    ``max - min + 1`` past 2**31 wraps in the C to a small table that the
    pixel loop then indexes far outside (the C crashes); here it is an
    ``InputFileError``.
    """
    for axis, low, high, span in zip("hkl", minima, maxima, ranges):
        if high - low + 1 != span:
            raise InputFileError(f"{path}: {axis} runs from {low} to {high}, a range too large for the "
                                 f"C's int arithmetic (it wraps to {span})")


def allocate_table(path, h_range, k_range, l_range):
    """Zero table of shape ``(h_range+1, k_range+1, l_range+1)``, refusing absurd sizes."""
    shape = (h_range + 1, k_range + 1, l_range + 1)
    if shape[0] * shape[1] * shape[2] > MAX_TABLE_ELEMENTS:
        raise InputFileError(f"{path}: index ranges {h_range} x {k_range} x {l_range} "
                             f"are too large to allocate (the C fails its calloc here)")
    try:
        return np.zeros(shape, dtype=np.float64)
    except (MemoryError, ValueError):
        raise InputFileError(f"{path}: index ranges {h_range} x {k_range} x {l_range} "
                             f"are too large to allocate") from None


# C L2142-2208: read an HKL text file in two fscanf passes
def read_hkl(path, default_F):
    """Read structure factors from an ``h k l F`` text file as the C does.

    Parameters
    ----------
    path : str
        The HKL file (``-hkl``).
    default_F : float
        Value that pre-fills ``Fhkl[0:h_range, 0:k_range, 0:l_range]``
        when non-zero (the padding planes stay 0).

    Returns
    -------
    HKLTable
        The table, its index ranges, the record count of the first pass and
        the C's log from "counting entries in ..." to "re-reading ...".

    Raises
    ------
    InputFileError
        The file cannot be read, or it holds no complete record (the C
        prints the ranges and "ERROR: not enough HKL indices" and exits 9);
        the exception's ``log`` attribute holds the text the C printed.
    """
    data = read_bytes(path, "HKL file", cprintf("ERROR: unable to open %s.", path), text=True)
    log = [cprintf("counting entries in %s\n", path)]
    (h, k, l, _F), first_pass_end = scan_records(data, "%lg%lg%lg%lg")
    hkls = h.size
    log.extend(_non_integer_warnings(h, k, l))
    # int variables compared with doubles, and doubles assigned to them
    h_min, k_min, l_min = (_track_min(x, 1000000000) for x in (h, k, l))
    h_max, k_max, l_max = (_track_max(x, -1000000000) for x in (h, k, l))
    _warn_stop(path, data, first_pass_end, "reading")

    h_range = int_add(h_max, -h_min, 1)
    k_range = int_add(k_max, -k_min, 1)
    l_range = int_add(l_max, -l_min, 1)
    if h_range < 0 or k_range < 0 or l_range < 0:
        log.append(cprintf("h: %d - %d\n", h_min, h_max))
        log.append(cprintf("k: %d - %d\n", k_min, k_max))
        log.append(cprintf("l: %d - %d\n", l_min, l_max))
        log.append(cprintf("ERROR: not enough HKL indices in %s\n", path))
        if hkls:
            # every index read, but max - min + 1 overflows the C's int
            err = InputFileError(f"the HKL indices in {path} span more than a C int can count: "
                                 f"h {h_min} to {h_max}, k {k_min} to {k_max}, l {l_min} to {l_max}")
        else:
            err = InputFileError(f"not enough HKL indices in {path}: found no complete "
                                 f"'h k l F' record before the first unreadable one")
        err.log = "".join(log)
        raise err

    check_no_wrap(path, (h_min, k_min, l_min), (h_max, k_max, l_max), (h_range, k_range, l_range))
    Fhkl = allocate_table(path, h_range, k_range, l_range)
    if default_F != 0.0:
        log.append(cprintf("initializing to default_F = %g:\n", default_F))
        Fhkl[:h_range, :k_range, :l_range] = default_F
        log.append("done initializing:\n")

    log.append(cprintf("re-reading %s\n", path))
    (h0, k0, l0, F_cell), last = scan_records(data, "%d%d%d%lg")
    _store(path, Fhkl, (h0, k0, l0), (h_min, k_min, l_min), F_cell)
    if h0.size < hkls:
        _warn_stop(path, data, last, f"the second pass (integer h k l), after {h0.size} of {hkls} records,",
                   "a valid field (h, k and l must be integers here)")

    variables = _reader_variables((h, k, l, _F), first_pass_end, (h0, k0, l0, F_cell), last,
                                  (h_range, k_range, l_range), default_F != 0.0)
    return HKLTable(Fhkl, h_min, h_max, k_min, k_max, l_min, l_max,
                    h_range, k_range, l_range, hkls, "".join(log), variables)


def _last_assigned(columns, end, start):
    """What ``fscanf`` leaves in its targets after a ``while (4 == fscanf(...))`` loop.

    Each target holds the last record read, overwritten by the conversions
    that the call ending the loop assigned before it failed.
    """
    values = list(start)
    for field, column in enumerate(columns):
        if column.size:
            values[field] = column[-1].item()
    if end.count != EOF:
        values[:end.count] = end.values[:end.count]
    return values


def _reader_variables(first, first_end, second, second_end, ranges, default_fill):
    """h, k, l, h0, k0, l0 and F_cell as the C's HKL reader leaves them.

    h, k, l come from the first pass; h0, k0, l0 are the loop counters of the
    table allocation (``<= range``, so range + 1 at the end; l0 untouched),
    then of the default_F fill (``< range``, so range), then the targets of the
    second pass; F_cell is the last value either pass assigned.
    """
    h_range, k_range, l_range = ranges
    h, k, l, F_cell = _last_assigned(first, first_end, (0.0, 0.0, 0.0, 0.0))
    h0, k0, l0 = h_range + 1, k_range + 1, 0
    if default_fill:
        # every range is at least 1 here, so every loop of the fill runs
        h0, k0, l0 = h_range, k_range, l_range
    h0, k0, l0, F_cell = _last_assigned(second, second_end, (h0, k0, l0, F_cell))
    return (float(h), float(k), float(l), int(h0), int(k0), int(l0), float(F_cell))


def _store(path, Fhkl, hkl, minima, F_cell):
    """``Fhkl[h-h_min][k-k_min][l-l_min] = F`` record by record.

    Later records win; records outside the table are skipped with a warning.
    """
    index = tuple(i - m for i, m in zip(hkl, minima))
    inside = np.ones(F_cell.size, dtype=bool)
    for i, n in zip(index, Fhkl.shape):
        inside &= (i >= 0) & (i < n)
    outside = np.flatnonzero(~inside)
    for record in outside[:10]:
        h, k, l = (int(i[record]) for i in hkl)
        warn(f"{path}: record {record + 1} ({h} {k} {l}) lies outside the index ranges of the "
             f"first pass; skipped (the C writes out of bounds here)")
    if outside.size > 10:
        warn(f"{path}: {outside.size - 10} more records outside the index ranges were skipped")
    flat = np.ravel_multi_index(tuple(i[inside] for i in index), Fhkl.shape)
    values = F_cell[inside]
    # keep the last record written to each cell
    order = np.arange(flat.size)[::-1]
    _, first_in_reversed = np.unique(flat[::-1], return_index=True)
    keep = order[first_in_reversed]
    Fhkl.reshape(-1)[flat[keep]] = values[keep]
