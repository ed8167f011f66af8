"""Structure factors: the HKL file or the Fdump cache, and the inert -stol table."""
import copy
import sys

import numpy as np

from ...errors import InputFileError, OutputError
from ...io.fdump import read_fdump, write_fdump
from ...io.hkl import read_hkl
from ...io.textfile import read_text_file


class NoStructureFactors:
    """The empty table the C uses with -default_F alone (hkls = 0)."""

    Fhkl = np.zeros((1, 1, 1))
    h_min = h_max = k_min = k_max = l_min = l_max = 0
    h_range = k_range = l_range = 0
    hkls = 0
    #: h, k, l, h0, k0, l0, F_cell: none is assigned (0, what the C's serial build prints)
    last_record = (0.0, 0.0, 0.0, 0, 0, 0, 0.0)


class StructureCache:
    """Structure-factor tables kept between the simulations of one series: each file is read once.

    A table is keyed by the file it came from and ``default_F``; the series
    reads nothing else in between, so the file is not checked again.
    """

    def __init__(self):
        self._tables = {}

    def table(self, key, read):
        """The table for ``key``, from ``read()`` the first time."""
        if key not in self._tables:
            self._tables[key] = read()
        return copy.copy(self._tables[key])     # loop counters below are set per simulation


def _read_fdump(path):
    print(f"nanobragg-nb: note: no -hkl given; reading structure factors from the cache {path}", file=sys.stderr)
    return read_fdump(path)


# C L2104-2257: read -hkl (and write the Fdump cache) or read the Fdump cache
def load(s, cr, log, write_cache=True, cache=None):
    cache = cache if cache is not None else StructureCache()
    if cr.hkl_file is None:
        if s.fdump_present:
            table = cache.table(("fdump", cr.dump_file), lambda: _read_fdump(cr.dump_file))
            log.write(table.log)
        else:
            table = NoStructureFactors()
    else:
        try:
            table = cache.table(("hkl", cr.hkl_file, cr.default_F), lambda: read_hkl(cr.hkl_file, cr.default_F))
        except InputFileError as err:
            log.write(getattr(err, "log", ""))
            raise
        log.write(table.log)
        if write_cache:
            try:
                log.write(write_fdump(cr.dump_file, table))
            except OutputError:
                log.printf("WARNING: unable to open dump file: %s\n", cr.dump_file)
            else:
                _set_loop_counters(table, table.h_range + 1, table.k_range + 1)
    s.hkl = table
    if table.hkls == 0:
        s.interpolate = 0
    if s.interpolate:
        # the C's allocation of its 6x6x6 interpolation buffer ends its loops here
        _set_loop_counters(table, 6, 6)


def _set_loop_counters(table, h0, k0):
    """Record the final h0, k0 of a C loop over the table (its l0 is untouched)."""
    h, k, l, _h0, _k0, l0, F_cell = table.last_record
    table.last_record = (h, k, l, h0, k0, l0, F_cell)


# C L2261-2303: the -stol/-4stol/-Q table is read (and must not be empty) but never used
def stol_table(cr, log):
    if cr.stol_file is None:
        return
    log.printf("reading %s\n", cr.stol_file)
    stol, _F = read_text_file(cr.stol_file, 2)
    if len(stol) == 0:
        raise InputFileError(f"{cr.stol_file}: no data in input file")
