"""The raw float image (``-floatfile``): native float32 pixels, no header."""
import numpy as np

from .atomic import atomic_write


# C L3122-3129: fwrite the float image
def write_float_image(path, float32_array):
    """Write pixels as native float32, row-major, with no header.

    Parameters
    ----------
    path : str
        Output file.
    float32_array : numpy.ndarray
        The image, dtype ``float32`` (not converted, so that no value is
        silently rounded).

    Raises
    ------
    OutputError
        The file cannot be written.
    """
    data = np.asarray(float32_array)
    if data.dtype != np.float32:
        raise TypeError(f"the float image must be float32, not {data.dtype}")
    with atomic_write(path, "wb") as handle:
        # the array's own buffer, not a copy of it: the image can be hundreds of MB
        handle.write(memoryview(np.ascontiguousarray(data, dtype=np.dtype("=f4"))).cast("B"))
