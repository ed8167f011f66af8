"""Device selection and the GPU driver of the pixel loop.

:func:`select` decides whether ``--device cuda|auto`` runs on a GPU;
:func:`render` walks the detector with the CUDA kernel
(:mod:`nanobragg_nb.core.kernels.cuda`) so that the result is the serial C's, as
:func:`nanobragg_nb.core.engines.cpu.render` does on the CPU:

1. the first rows are rendered on the CPU, in order, until the serial-order
   state (stale phi rotation, polarization axis) has settled
   (:func:`nanobragg_nb.core.engines.settle.settle`);
2. the inputs go to the GPU once; the rest of the detector is rendered there
   in blocks of rows, every pixel starting from the settled state;
3. while interpolation is on, every pixel starts with it on; the first pixel
   in the C's order that switched it off is found with an atomic minimum,
   and the pixels after it are rendered again with it off;
4. the solid-angle terms come back per block and are added up in the C's
   order on the CPU; the image comes back once, at the end.

``-printout`` runs go to the CPU engine.
"""
import sys

import numpy as np

from . import cpu as engine, settle
from ...errors import DeviceError
from ..kernels.pixel import N_REC

#: the most solid-angle terms a block keeps on the GPU (float64: 128 MiB)
MAX_BLOCK_TERMS = 1 << 24
NO_EVENT = np.iinfo(np.int64).max


def unusable_reason():
    """Why no GPU can run the pixel loop, or None when one can (the CUDA simulator counts)."""
    try:
        import numba_cuda  # noqa: F401  (the NVIDIA-maintained numba.cuda)
    except ImportError:
        return "numba-cuda is not installed (pip install 'nanobragg-nb[gpu]')"
    import numba
    if numba.config.ENABLE_CUDASIM:
        return None
    try:
        from numba import cuda
        if not cuda.is_available():
            return "no CUDA driver or NVIDIA GPU found"
        cuda.get_current_device()
    except Exception as err:  # the driver's own words: missing library, no device, busy device ...
        return f"CUDA could not start: {str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__}"
    return None


def select(device):
    """Whether the pixel loop runs on the GPU.

    Parameters
    ----------
    device : {"cuda", "auto"}

    Returns
    -------
    bool
        True for a usable GPU; False for "auto" without one (after saying
        on stderr that the CPU is used).

    Raises
    ------
    DeviceError
        "cuda" was requested and no GPU is usable.
    """
    reason = unusable_reason()
    if reason is None:
        return True
    if device == "cuda":
        raise DeviceError(f"--device cuda: {reason}; use --device cpu or --device auto")
    print(f"nanobragg-nb: no usable GPU ({reason}); running on the CPU", file=sys.stderr)
    return False


def kernel_arguments(inputs, fast_inputs, pix0, npix, stale, pcalls, interp, floatimage, omega_terms, first_event,
                     detail_pixel, detail, rec):
    """The kernel's arguments, in its order (device or host arrays alike)."""
    return (pix0, npix, *inputs, *fast_inputs, stale, pcalls, interp, floatimage, omega_terms, first_event,
            detail_pixel, detail, rec)


def kernel_argument_types(t, mode):
    """Numba types of the kernel's arguments for the tables ``t`` (to compile PTX without a GPU)."""
    import numba

    from ..kernels.cuda import N_DETAIL
    fast_inputs = _fast_inputs(t, mode)
    args = kernel_arguments(t.inputs, fast_inputs, 0, 1, 0, 0, True, np.zeros(1, np.float32), np.zeros(1),
                            np.zeros(1, np.int64), -1, np.zeros(N_DETAIL), np.zeros(N_REC))
    return tuple(numba.typeof(a) for a in args)


def _fast_inputs(t, mode):
    from ..kernels.pixel_fast import build_fast, no_fast_tables
    return build_fast(t, lanes=1).args() if mode == "fast" else no_fast_tables()


def render(s, t, mode="faithful", printout=None, on_printout=None, threads=None, start=None):
    """Render the float image of a prepared simulation on the GPU.

    Parameters
    ----------
    s : Setup
    t : Tables
    mode : {"faithful", "fast"}
    printout, on_printout
        As for :func:`nanobragg_nb.core.engines.cpu.render`; such runs go to the CPU.
    threads : int, optional
        CPU threads for the first rows.
    start : Walk, optional
        As for :func:`nanobragg_nb.core.engines.cpu.render`.

    Returns
    -------
    LoopResult
    """
    threads = engine.thread_count(threads)
    if printout is not None:
        return engine.render(s, t, threads=threads, progress=False, printout=printout, on_printout=on_printout)
    from numba import cuda

    from ..kernels import cuda as kernels
    fpixels, spixels = s.fpixels, s.spixels
    nterm = t.omega_terms
    floatimage = np.zeros(s.pixels, dtype=np.float32)

    # 1. on the CPU, in order, until the serial-order state has settled
    walk = settle.settle(t, floatimage, settle.row_kernels(t, mode), start=start)
    if walk.row >= spixels:
        return engine.LoopResult(floatimage, walk.omega_sum, walk.event, walk=walk)

    # 2. the rest on the GPU, from the settled state, in blocks of rows
    inputs = t.inputs._make(cuda.to_device(np.ascontiguousarray(a)) for a in t.inputs)
    host_fast = _fast_inputs(t, mode)
    FQ = host_fast[-1]
    fast_inputs = tuple(cuda.to_device(a) for a in host_fast)
    d_image = cuda.to_device(floatimage)
    block_rows = max(1, min(spixels - walk.row, MAX_BLOCK_TERMS // max(1, fpixels * nterm)))
    d_terms = cuda.device_array(block_rows * fpixels * nterm, dtype=np.float64)
    d_scratch = cuda.device_array(nterm, dtype=np.float64)
    d_first = cuda.to_device(np.array([NO_EVENT], dtype=np.int64))
    d_detail = cuda.to_device(np.zeros(kernels.N_DETAIL))
    d_rec = cuda.to_device(np.zeros(N_REC))
    stale, pcalls = t.stale_saturated, t.pcalls_saturated

    def launch(pix0, npix, interp, terms, detail_pixel):
        args = kernel_arguments(inputs, fast_inputs, pix0, npix, stale, pcalls, interp, d_image, terms, d_first,
                                detail_pixel, d_detail, d_rec)
        kernels.launch(kernels.variant(mode, interp, FQ), kernels.blocks_for(npix), args)

    while walk.row < spixels:
        row, row1 = walk.row, min(walk.row + block_rows, spixels)
        pix0, npix = row * fpixels, (row1 - row) * fpixels
        interp = bool(walk.state[2])
        if interp:
            d_first.copy_to_device(np.array([NO_EVENT], dtype=np.int64))
        launch(pix0, npix, interp, d_terms, -1)
        first = int(d_first.copy_to_host()[0]) if interp else NO_EVENT
        if first != NO_EVENT:
            # 3. the C switched interpolation off at pixel `first`: its h,k,l for the
            # warning, then the pixels after it again, with interpolation off
            launch(first, 1, True, d_scratch, first)
            h, k, l, h0, k0, l0 = d_detail.copy_to_host()
            walk.event = (first % fpixels, first // fpixels, h, k, l, int(h0), int(k0), int(l0))
            walk.state[2] = 0
            if first + 1 < pix0 + npix:
                launch(first + 1, pix0 + npix - first - 1, False, d_terms[(first + 1 - pix0) * nterm:], -1)
        # 4. the solid-angle sum in the C's order
        walk.add_omega(t, row, row1, d_terms[:npix * nterm].copy_to_host())
        walk.row = row1
    cuda.synchronize()
    return engine.LoopResult(d_image.copy_to_host(), walk.omega_sum, walk.event, walk=walk)
