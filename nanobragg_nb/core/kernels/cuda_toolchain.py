"""Workarounds for the CUDA toolchain, kept apart from the kernels they compile.

- :func:`stamp_cache_with_package_sources`: numba-cuda's on-disk kernel
  cache, invalidated by an edit of any source a kernel is compiled from;
- :func:`contraction`: NVVM contracts multiplies and adds into FMA
  instructions by default; the faithful kernels must not (the C does not);
- :func:`without_device`: compile PTX where no GPU or driver is present;
- :func:`ptxas_resources`: registers and spills, as ``ptxas -v`` reports them.
"""
import re
import shutil
import subprocess
import tempfile
import warnings
from contextlib import contextmanager
from pathlib import Path

from ... import jit_cache


def stamp_cache_with_package_sources():
    """Give numba-cuda's cache locators the package-wide freshness stamp of :mod:`nanobragg_nb.jit_cache`.

    numba-cuda keeps its own list of locators; without the stamp, a cached
    kernel would survive an edit of the physics it was compiled from.
    """
    try:
        from numba.cuda.core import caching
    except ImportError:                         # an older numba-cuda: numba's own caching, stamped already
        return jit_cache.install()
    return jit_cache.install(caching)


@contextmanager
def contraction(mode, simulator):
    """Compile the faithful kernel without FMA contraction (NVVM contracts by default)."""
    if mode == "fast" or simulator:
        yield
        return
    from numba.cuda.cudadrv import nvvm
    original = getattr(nvvm, "compile_ir", None)
    if original is None:
        warnings.warn("this numba-cuda offers no way to turn FMA contraction off: the GPU's faithful "
                      "results may differ from the C's in the last bits", RuntimeWarning)
        yield
        return

    def compile_ir(ir, **options):
        if not options.get("fastmath"):
            options["fma"] = False
        return original(ir, **options)

    nvvm.compile_ir = compile_ir
    try:
        yield
    finally:
        nvvm.compile_ir = original


@contextmanager
def without_device(cc):
    """Let device functions compile for ``cc`` where no GPU (and no driver) is present."""
    from types import SimpleNamespace

    from numba.cuda import dispatcher
    original = dispatcher.get_current_device
    dispatcher.get_current_device = lambda: SimpleNamespace(compute_capability=cc)
    try:
        yield
    finally:
        dispatcher.get_current_device = original


def ptxas_resources(ptx, cc=(9, 0), ptxas=None):
    """Registers per thread and spills of a PTX kernel, as ``ptxas -v`` reports them.

    Returns
    -------
    dict or None
        ``registers``, ``spill_stores``, ``spill_loads`` (bytes), ``stack``
        (bytes), ``report`` (ptxas's text); None when ptxas is not found.
    """
    ptxas = ptxas or shutil.which("ptxas")
    if ptxas is None:
        return None
    arch = f"sm_{cc[0]}{cc[1]}"
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "kernel.ptx"
        command = [ptxas, "-v", f"-arch={arch}", "-o", str(Path(tmp) / "kernel.cubin"), str(src)]
        src.write_text(ptx)
        proc = subprocess.run(command, capture_output=True, text=True)
        older = re.search(r"Unsupported \.version (\S+); current version is '(\S+)'", proc.stderr)
        if proc.returncode != 0 and older:
            # NVVM from a newer toolkit than this ptxas: the kernel uses nothing newer, so
            # the ISA version in the header may be lowered to what ptxas knows
            src.write_text(re.sub(r"^\.version \S+", f".version {older.group(2)}", ptx, count=1, flags=re.M))
            proc = subprocess.run(command, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"ptxas failed: {proc.stderr.strip()}")
    report = proc.stderr + proc.stdout

    def number(pattern):
        found = re.search(pattern, report)
        return int(found.group(1)) if found else 0

    return {"registers": number(r"Used (\d+) registers"),
            "spill_stores": number(r"(\d+) bytes spill stores"),
            "spill_loads": number(r"(\d+) bytes spill loads"),
            "stack": number(r"(\d+) bytes stack frame"),
            "report": report.strip()}


def compile_ptx(kernel, argtypes, cc, mode, simulator):
    """PTX of ``kernel`` for compute capability ``cc``, without a GPU; faithful kernels without FMA contraction."""
    if simulator:
        raise RuntimeError("PTX cannot be compiled under the CUDA simulator (NUMBA_ENABLE_CUDASIM=1)")
    from numba import cuda
    with without_device(cc), contraction(mode, simulator):
        ptx, _ = cuda.compile_ptx(kernel, argtypes, cc=cc, fastmath=(mode == "fast"))
    return ptx
