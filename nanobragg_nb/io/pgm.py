"""The 8-bit PGM (P5) preview image nanoBragg.c writes."""
import numpy as np

from ..cnum import cprintf
from .atomic import atomic_write


# C L3214-3224: write the PGM header lines, then one byte per pixel
def write_pgm(path, fpixels, spixels, pgm_scale, data_uint8):
    """Write a binary PGM exactly as the C does.

    Parameters
    ----------
    path : str
        Output file.
    fpixels, spixels : int
        Image width (fast axis) and height (slow axis).
    pgm_scale : float
        Printed in the ``# pixels scaled by %lg`` comment line.
    data_uint8 : numpy.ndarray
        ``fpixels*spixels`` pixels, row-major, dtype ``uint8``.

    Raises
    ------
    OutputError
        The file cannot be written.
    """
    data = np.asarray(data_uint8)
    if data.dtype != np.uint8:
        raise TypeError(f"PGM pixels must be uint8, not {data.dtype}")
    header = (cprintf("P5\n%d %d\n", fpixels, spixels)
              + cprintf("# pixels scaled by %lg\n", pgm_scale)
              + "255\n")
    with atomic_write(path, "wb") as handle:
        handle.write(header.encode("latin-1"))
        # the array's own buffer, not a copy of it
        handle.write(memoryview(np.ascontiguousarray(data)).cast("B"))
