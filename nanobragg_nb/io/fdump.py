"""The ``Fdump.bin`` structure-factor cache that nanoBragg.c writes and reads.

Layout: the text ``"%d %d %d %d %d %d\\n\\f"`` (h_min h_max k_min k_max l_min
l_max), then the whole padded table, ``(h_range+1)*(k_range+1)*(l_range+1)``
native doubles in C order.  The C reads the text back with
``fscanf("%d%d%d%d%d%d\\n\\f")``; the two whitespace characters in that
format skip *any* run of whitespace, so a first data byte of 0x09-0x0d or
0x20 is swallowed and every double after it is shifted by that many bytes.
This port reproduces that.
"""
import numpy as np

from ..cnum import cprintf
from ..errors import InputFileError
from ._warn import warn
from .atomic import atomic_write
from ..cnum import int_add, int_mul
from .hkl import HKLTable, allocate_table, check_no_wrap, read_bytes
from .scanf import fscanf


# C L2227-2242: write the dump file (ranges as text, then the padded table)
def write_fdump(path, hkl):
    """Write the structure-factor cache exactly as the C does.

    Parameters
    ----------
    path : str
        Output file (``Fdump.bin`` unless ``-dumpfile`` names another).
    hkl : HKLTable
        The table to write; ``hkl.Fhkl`` has shape
        ``(h_range+1, k_range+1, l_range+1)``.

    Returns
    -------
    str
        The line the C prints, ``"writing dump file for next time: <path>\\n"``.

    Raises
    ------
    OutputError
        The file cannot be written.  The C only prints
        ``"WARNING: unable to open dump file: <path>\\n"`` and goes on; the
        caller decides.
    """
    table = np.ascontiguousarray(hkl.Fhkl, dtype=np.float64)
    expected = (hkl.h_range + 1, hkl.k_range + 1, hkl.l_range + 1)
    if table.shape != expected:
        raise ValueError(f"Fhkl has shape {table.shape}, the ranges say {expected}")
    header = cprintf("%d %d %d %d %d %d\n\f", hkl.h_min, hkl.h_max, hkl.k_min, hkl.k_max,
                     hkl.l_min, hkl.l_max)
    with atomic_write(path, "wb") as handle:
        handle.write(header.encode("ascii"))
        handle.write(table.tobytes(order="C"))
    return cprintf("writing dump file for next time: %s\n", path)


# C L2107-2128: read the dump file back (fscanf header, then fread per h,k row)
def read_fdump(path):
    """Read a structure-factor cache as the C does, quirks included.

    Parameters
    ----------
    path : str
        The cache file.

    Returns
    -------
    HKLTable
        With ``hkls = h_range*k_range*l_range``, log
        ``"reading Fs from <path>\\n"`` and ``last_record`` holding the read
        loop's final counters.  Data missing at the end of the
        file are left 0 (a warning is written on stderr).

    Raises
    ------
    InputFileError
        The file cannot be read, its six-integer header does not convert,
        or its ranges are negative or absurdly large.
    """
    data = read_bytes(path, "Fdump cache")
    log = cprintf("reading Fs from %s\n", path)
    result = fscanf(data, 0, "%d%d%d%d%d%d\n\f")
    if result.count != 6:
        found = max(result.count, 0)
        raise InputFileError(f"{path} is not an Fdump cache: its header holds {found} of the "
                             f"6 integers h_min h_max k_min k_max l_min l_max")
    h_min, h_max, k_min, k_max, l_min, l_max = result.values
    h_range = int_add(h_max, -h_min, 1)
    k_range = int_add(k_max, -k_min, 1)
    l_range = int_add(l_max, -l_min, 1)
    if h_range < 0 or k_range < 0 or l_range < 0:
        raise InputFileError(f"{path}: the Fdump header gives negative index ranges "
                             f"(h {h_min}..{h_max}, k {k_min}..{k_max}, l {l_min}..{l_max})")
    check_no_wrap(path, (h_min, k_min, l_min), (h_max, k_max, l_max), (h_range, k_range, l_range))
    Fhkl = allocate_table(path, h_range, k_range, l_range)
    flat = Fhkl.reshape(-1)
    need = flat.size * 8
    raw = data[result.pos:result.pos + need]
    if len(raw) < need:
        warn(f"Fdump cache {path} is truncated: {len(raw)} of {need} bytes of data; "
             f"the missing values are left 0")
        raw = raw + bytes(need - len(raw))
    flat[:] = np.frombuffer(raw, dtype=np.float64)
    hkls = int_mul(h_range, k_range, l_range)
    # the read loop's counters end at range + 1; h, k, l, l0 and F_cell are not assigned
    variables = (0.0, 0.0, 0.0, h_range + 1, k_range + 1, 0, 0.0)
    return HKLTable(Fhkl, h_min, h_max, k_min, k_max, l_min, l_max,
                    h_range, k_range, l_range, hkls, log, variables)
