"""Walks the detector with the nonBragg kernels so that the image is the serial C's.

As for nanoBragg (see :mod:`.settle`): rows are rendered one by one, in
order, until the polarization axis has stopped changing under its in-place
unitizations (within the first rendered pixel in practice); the rest goes in
parallel blocks of rows, every row starting from the settled state. A
structure-factor table whose stol column is not strictly increasing makes
the interpolation hunt depend on where it starts, so such a run is rendered
in serial order throughout. The solid-angle sum is added up in the C's
order afterwards.
"""
from dataclasses import dataclass

import numpy as np

from ..kernels import amorphous
from ..kernels.layouts import N_AL
from .progress import Progress
from .settle import block_rows


@dataclass
class AmorphousLoopResult:
    """The float image, the per-pixel values -img and -printout read, and the solid-angle sum."""

    floatimage: np.ndarray       #: flat float32, row-major (slow, fast)
    last: np.ndarray             #: (pixels, N_AL) when recorded, else (1, N_AL)
    omega_sum: float


def render(s, t, threads=None, progress=True, serial=False, device="cpu"):
    """Render the float image of a prepared nonBragg run on the CPU.

    Parameters
    ----------
    s : AmorphousSetup
    t : AmorphousTables
    threads : int, optional
        Threads of the parallel blocks (Numba's current setting by default).
    progress : bool
        Draw a progress bar on stderr (terminals only, long runs).
    serial : bool
        Render every row in the C's serial order.
    device : {"cpu", "cuda"}
        Where the rows after the settled state go: CPU threads, or one GPU
        thread per pixel (:mod:`~nanobragg_nb.core.kernels.amorphous_cuda`).

    Returns
    -------
    AmorphousLoopResult
    """
    import numba
    threads = threads or numba.get_num_threads()
    inputs = t.inputs
    floatimage = np.zeros(s.pixels, dtype=np.float32)
    last = np.zeros((s.pixels if inputs.AQ[amorphous.AQ_RECORD] else 1, N_AL))
    state = np.array([0, 0], dtype=np.int64)
    bar = Progress(s.spixels, progress)
    row = 0
    serial = serial or not t.monotonic
    while row < s.spixels and (serial or state[1] < t.pcalls_saturated):
        amorphous.render_rows_amorphous_serial(row, row + 1, *inputs, state, floatimage, last)
        row += 1
        bar.update(row)
    if device == "cuda" and row < s.spixels:
        _render_rest_on_gpu(s, inputs, row, state, floatimage, last)
        row = s.spixels
    block = block_rows(s.spixels, threads)
    while row < s.spixels:
        row1 = min(row + block, s.spixels)
        amorphous.render_rows_amorphous(row, row1, *inputs, state[0], state[1], floatimage, last)
        row = row1
        bar.update(row)
    bar.close()
    omega_sum = amorphous.omega_sum_amorphous(inputs.P, inputs.Q, inputs.mask, s.spixels)
    return AmorphousLoopResult(floatimage, last, omega_sum)


def _render_rest_on_gpu(s, inputs, row, state, floatimage, last):
    """Rows ``row..`` on the GPU, every pixel from the settled state."""
    from numba import cuda
    from ..kernels import amorphous_cuda
    pix0 = row * s.fpixels
    npix = s.pixels - pix0
    device_inputs = tuple(cuda.to_device(a) for a in inputs)
    d_image = cuda.to_device(floatimage)
    d_last = cuda.to_device(last)
    amorphous_cuda.launch(npix, (pix0, npix) + device_inputs + (int(state[0]), int(state[1]), d_image, d_last))
    d_image.copy_to_host(floatimage)
    d_last.copy_to_host(last)
