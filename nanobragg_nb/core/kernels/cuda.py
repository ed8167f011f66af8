"""The pixel loop on NVIDIA GPUs (numba.cuda): one thread per pixel.

Each thread walks the pixels of a block of rows with a grid-stride loop and
runs the C's loop nest for its pixel: the same
:func:`~nanobragg_nb.core.kernels.pixel.render_pixels` as the CPU kernels, in
either mode, compiled as a device function, so the physics exists once.
The serial-order state comes in from :mod:`nanobragg_nb.core.engines.cuda`;
a pixel that switches interpolation off records its index with an atomic
minimum, so that the first such pixel in the C's order is known after the
launch.

Three kernels share one body (:data:`VARIANTS`): faithful with and without
interpolation (without it the tricubic code, and its registers, leave the
kernel) and fast (launched only where the flat loop applies to every pixel,
so that the C's phi and mosaic loops leave that kernel). The faithful ones
are compiled without contracting multiplies and adds into FMA instructions
(NVVM's default), because the C is compiled without them; the fast one with
fastmath. Compiled kernels are
cached on disk, stamped with the package sources like the CPU kernels.

This module needs numba-cuda (the ``gpu`` extra); nothing imports it unless
a GPU run or check asks for it.
"""
import warnings

import numba
from numba import cuda
from numba.extending import register_jitable

from ..physics import c_product, negated
from ..physics_fast import floor32
from . import cuda_toolchain as toolchain
from .pixel import FAITHFUL, FAST_ALL_FLAT, Q_FPIXELS, Q_OMEGA_TERMS, render_pixels, rendered
from .pixel_fast import flat_loop_applies

SIMULATOR = bool(numba.config.ENABLE_CUDASIM)

#: threads per block on a GPU; the simulator runs each thread as a Python thread
THREADS_PER_BLOCK = 4 if SIMULATOR else 128
#: event details: h, k, l, h0, k0, l0
N_DETAIL = 6

if not SIMULATOR:
    from numba.cuda import libdevice
    from numba.cuda.extending import overload as _cuda_overload

    @_cuda_overload(floor32, target="cuda")
    def _floor32_cuda(x):
        return lambda x: libdevice.floorf(x)

    @_cuda_overload(negated, target="cuda")
    def _negated_cuda(x):
        return lambda x: -x

    @_cuda_overload(c_product, target="cuda")
    def _c_product_cuda(a, b):
        return lambda a, b: a * b

    CACHE = toolchain.stamp_cache_with_package_sources()
else:
    CACHE = False


# C L2531-2642: the parallel pixel loop, one thread per pixel of rows row0..
@register_jitable
def _render_block(fast, interpolation, pix0, npix, P, Q, mask, src, cells, phi_state, Fhkl, pv_table,
                  fcells, fweights, stale_after, Ff, FP, FQ, stale, pcalls, interp,
                  floatimage, omega_terms, first_event, detail_pixel, detail, rec):
    """The body of every kernel; ``fast`` and ``interpolation`` are constants of each kernel.

    The compiler drops the branches they rule out, so that without
    interpolation the tricubic code and its registers leave the kernel.
    """
    fpixels = Q[Q_FPIXELS]
    nterm = Q[Q_OMEGA_TERMS]
    interp_now = interp if interpolation else False
    pixel_mode = FAITHFUL
    if fast:
        # the fast kernel is launched only where the flat loop applies to every pixel (see variant)
        pixel_mode = FAST_ALL_FLAT
    events = cuda.local.array((1, 8), numba.float64)
    no_snaps = cuda.local.array((1, 1), numba.float64)
    for n in range(cuda.grid(1), npix, cuda.gridsize(1)):
        index = pix0 + n
        spixel = index // fpixels
        fpixel = index - spixel * fpixels
        if not rendered(fpixel, spixel, Q, mask):
            continue
        events[0, 0] = 0.0
        render_pixels(pixel_mode, spixel, fpixel, fpixel + 1, P, Q, mask, src, cells, phi_state, Fhkl, pv_table,
                      fcells, fweights, stale_after, Ff, FP, FQ, None, None, stale, pcalls, interp_now,
                      floatimage, omega_terms, (n - fpixel) * nterm, events, 0, rec, False, no_snaps, 0, -2, -2)
        if events[0, 0] != 0.0:
            cuda.atomic.min(first_event, 0, index)
            if index == detail_pixel:
                for i in range(N_DETAIL):
                    detail[i] = events[0, 2 + i]


def render_faithful(pix0, npix, P, Q, mask, src, cells, phi_state, Fhkl, pv_table,
                    fcells, fweights, stale_after, Ff, FP, FQ, stale, pcalls, interp,
                    floatimage, omega_terms, first_event, detail_pixel, detail, rec):
    """Kernel: faithful pixels, interpolation as ``interp`` says."""
    _render_block(False, True, pix0, npix, P, Q, mask, src, cells, phi_state, Fhkl, pv_table,
                  fcells, fweights, stale_after, Ff, FP, FQ, stale, pcalls, interp,
                  floatimage, omega_terms, first_event, detail_pixel, detail, rec)


def render_faithful_nearest(pix0, npix, P, Q, mask, src, cells, phi_state, Fhkl, pv_table,
                            fcells, fweights, stale_after, Ff, FP, FQ, stale, pcalls, interp,
                            floatimage, omega_terms, first_event, detail_pixel, detail, rec):
    """Kernel: faithful pixels, interpolation off."""
    _render_block(False, False, pix0, npix, P, Q, mask, src, cells, phi_state, Fhkl, pv_table,
                  fcells, fweights, stale_after, Ff, FP, FQ, stale, pcalls, interp,
                  floatimage, omega_terms, first_event, detail_pixel, detail, rec)


def render_fast(pix0, npix, P, Q, mask, src, cells, phi_state, Fhkl, pv_table,
                fcells, fweights, stale_after, Ff, FP, FQ, stale, pcalls, interp,
                floatimage, omega_terms, first_event, detail_pixel, detail, rec):
    """Kernel: fast-mode pixels (interpolation off, no -oversample_* flags)."""
    _render_block(True, False, pix0, npix, P, Q, mask, src, cells, phi_state, Fhkl, pv_table,
                  fcells, fweights, stale_after, Ff, FP, FQ, stale, pcalls, interp,
                  floatimage, omega_terms, first_event, detail_pixel, detail, rec)


#: the kernels, by (mode, interpolation); the fast one never interpolates (pixels
#: with interpolation on go through the faithful kernel, as on the CPU)
VARIANTS = {("faithful", True): render_faithful,
            ("faithful", False): render_faithful_nearest,
            ("fast", False): render_fast}
_KERNELS = {}


def variant(mode, interp, FQ):
    """The kernel that renders pixels of ``mode`` with interpolation ``interp``."""
    if mode == "fast" and flat_loop_applies(FQ, interp):
        return ("fast", False)
    return ("faithful", bool(interp))


def launch(key, blocks, args):
    """Launch the kernel ``key`` (see :data:`VARIANTS`) on ``blocks`` blocks, compiling it on first use.

    Kernels are cached on disk; should the cache fail on a first launch,
    the kernel is compiled again without it.
    """
    mode = key[0]
    if key not in _KERNELS:
        _KERNELS[key] = cuda.jit(fastmath=(mode == "fast"), cache=CACHE)(VARIANTS[key])
    with toolchain.contraction(mode, SIMULATOR):
        try:
            _KERNELS[key][blocks, THREADS_PER_BLOCK](*args)
        except Exception as err:
            if not CACHE or _KERNELS[key].overloads:
                raise
            warnings.warn(f"the kernel cache failed ({type(err).__name__}: {err}); compiling without it",
                          RuntimeWarning)
            _KERNELS[key] = cuda.jit(fastmath=(mode == "fast"), cache=False)(VARIANTS[key])
            _KERNELS[key][blocks, THREADS_PER_BLOCK](*args)


def blocks_for(npix):
    """Blocks for a grid-stride launch over ``npix`` pixels."""
    if SIMULATOR:
        return 1
    return max(1, min(-(-npix // THREADS_PER_BLOCK), 65535))


def compile_ptx(key, argtypes, cc=(9, 0)):
    """Compile the kernel ``key`` to PTX for compute capability ``cc``; no GPU needed.

    Parameters
    ----------
    key : tuple
        (mode, interpolation), a key of :data:`VARIANTS`.
    argtypes : tuple
        Numba types of the kernel's arguments (see
        :func:`nanobragg_nb.core.engines.cuda.kernel_argument_types`).
    cc : tuple of int

    Returns
    -------
    str
        The PTX text.
    """
    return toolchain.compile_ptx(VARIANTS[key], argtypes, cc, key[0], SIMULATOR)


def device_name():
    """The current GPU's name and compute capability, as text."""
    device = cuda.get_current_device()
    name = getattr(device, "name", "CUDA simulator" if SIMULATOR else "unknown GPU")
    name = name.decode() if isinstance(name, bytes) else str(name)
    major, minor = device.compute_capability
    return f"{name} (compute capability {major}.{minor})"
