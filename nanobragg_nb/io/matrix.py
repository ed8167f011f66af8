"""The MOSFLM orientation matrix file (``-mat``)."""
from collections import namedtuple

import numpy as np

from ..cnum import cprintf
from ..errors import InputFileError
from .hkl import read_bytes
from .scanf import fscanf

#: Reciprocal cell vectors (x, y, z) in Å^-1 times the wavelength in Å, as
#: read (before the C divides by the wavelength), and the C's log line.
MosflmMatrix = namedtuple("MosflmMatrix", "a_star b_star c_star log")


# C L1879-1888: read the three rows of a MOSFLM matrix with fscanf
def read_mosflm_matrix(path):
    """Read the first 9 numbers of a MOSFLM matrix file as the C does.

    Three ``fscanf("%lg%lg%lg")`` calls read the rows; row i holds the i-th
    component of a*, b* and c* (the columns).  The rest of the file is
    ignored.

    Parameters
    ----------
    path : str
        The matrix file.

    Returns
    -------
    MosflmMatrix
        ``a_star``, ``b_star``, ``c_star`` as float64 arrays (x, y, z), not
        yet scaled by ``1e-10/lambda0``, and log ``"reading <path>\\n"``.

    Raises
    ------
    InputFileError
        The file cannot be read, or fewer than 9 numbers convert (the C
        would go on with uninitialised vectors).
    """
    data = read_bytes(path, "MOSFLM matrix file", text=True)
    rows = []
    found = 0
    pos = 0
    for _ in range(3):
        result = fscanf(data, pos, "%lg%lg%lg")
        pos = result.pos
        found += len(result.values)
        rows.append(result.values)
    if found < 9:
        raise InputFileError(f"{path}: a MOSFLM matrix needs 9 numbers, only {found} could be read")
    matrix = np.array(rows, dtype=np.float64)
    return MosflmMatrix(matrix[:, 0].copy(), matrix[:, 1].copy(), matrix[:, 2].copy(),
                        cprintf("reading %s\n", path))
