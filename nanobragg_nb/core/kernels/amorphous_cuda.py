"""nonBragg's pixel loop on NVIDIA GPUs (numba.cuda): one thread per pixel.

Each thread runs :func:`~nanobragg_nb.core.kernels.amorphous.render_amorphous_pixels`,
the same loop body as the CPU kernels, for its pixel, starting from the
settled serial-order state (``nearest``, ``pcalls``) that the driver
(:func:`nanobragg_nb.core.engines.amorphous.render`) reaches on the CPU. The
kernel is compiled without contracting multiplies and adds into FMA
instructions, as the C is. This module needs numba-cuda; nothing imports it
unless a GPU run or check asks for it.
"""
import numba
from numba import cuda

from . import cuda_toolchain as toolchain
from .amorphous import Q_FPIXELS, render_amorphous_pixels
from .cuda import SIMULATOR, THREADS_PER_BLOCK, blocks_for


# C L1409-1414: the pixel loop, one thread per pixel of pixels pix0..pix0+npix
def render_amorphous(pix0, npix, P, Q, mask, AP, AQ, src, source_I, stol_of, Fbg_of, pv_table,
                     nearest, pcalls, floatimage, last):
    """Kernel: pixels ``pix0 <= index < pix0 + npix`` (row-major), each from the settled state."""
    fpixels = Q[Q_FPIXELS]
    for n in range(cuda.grid(1), npix, cuda.gridsize(1)):
        index = pix0 + n
        spixel = index // fpixels
        fpixel = index - spixel * fpixels
        render_amorphous_pixels(spixel, fpixel, fpixel + 1, P, Q, mask, AP, AQ, src, source_I, stol_of, Fbg_of,
                                pv_table, nearest, pcalls, floatimage, last)


_KERNEL = {}


def launch(npix, args):
    """Launch the kernel over ``npix`` pixels (grid-stride), compiling it on first use."""
    if "kernel" not in _KERNEL:
        _KERNEL["kernel"] = cuda.jit(render_amorphous)
    with toolchain.contraction("faithful", SIMULATOR):
        _KERNEL["kernel"][blocks_for(npix), THREADS_PER_BLOCK](*args)


def argument_types(inputs):
    """Numba types of the kernel's arguments for the arrays ``inputs`` (an AmorphousInputs)."""
    from numba import typeof
    arrays = tuple(typeof(a) for a in inputs)
    f32 = numba.types.Array(numba.float32, 1, "C")
    f64_2d = numba.types.Array(numba.float64, 2, "C")
    return (numba.int64, numba.int64) + arrays + (numba.int64, numba.int64, f32, f64_2d)


def compile_ptx(inputs, cc=(9, 0)):
    """Compile the kernel to PTX for compute capability ``cc``; no GPU needed.

    Parameters
    ----------
    inputs : AmorphousInputs
        Arrays whose types the kernel is compiled for.
    cc : tuple of int

    Returns
    -------
    str
        The PTX text.
    """
    return toolchain.compile_ptx(render_amorphous, argument_types(inputs), cc, "faithful", SIMULATOR)
