"""Time and peak memory of :func:`nanobragg_nb.simulate` over workloads and detector sizes.

JIT compilation happens in ``setup_cache()``, once per commit, in a process
of its own (so that the compiler's memory is not counted by ``peakmem_``);
``setup()`` then loads the compiled kernels from the cache by a run of the
same workload on a tiny detector, so that the timed region is the simulation
alone: setup phase, pixel loop, statistics, integer, PGM and noise images (no
files are written).
"""
import functools
import shutil
import tempfile

from .workloads import WORKLOADS, config

#: combinations that would take many minutes on a 2-core machine (heavy at 4096: about 15 min a run)
SKIPPED = {("heavy", 4096)}

#: the detector of the warm-up run that compiles every kernel the workload uses
WARMUP_PIXELS = 16


def warm_up(mode="faithful"):
    """Compile (or load from the JIT cache) every kernel the workloads use."""
    import nanobragg_nb
    folder = tempfile.mkdtemp(prefix="nanobragg-asv-warm-")
    try:
        for workload in WORKLOADS:
            nanobragg_nb.simulate(config(workload, WARMUP_PIXELS, folder), mode=mode)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class Simulate:
    """``simulate(config)`` for each workload at 256, 1024 and 4096 pixels square."""

    mode = "faithful"
    params = (list(WORKLOADS), [256, 1024, 4096])
    param_names = ["workload", "detpixels"]
    number = 1
    repeat = (1, 5, 60.0)
    warmup_time = 0.0
    timeout = 1200

    def setup_cache(self):
        # asv passes what this returns (not None) to setup, teardown and the benchmarks
        warm_up(self.mode)
        return sorted(WORKLOADS)

    # compiling every kernel from an empty cache takes about half a minute on 2 cores
    setup_cache.timeout = 900

    def setup(self, warm_workloads, workload, detpixels):
        if (workload, detpixels) in SKIPPED:
            raise NotImplementedError(f"{workload} at {detpixels}x{detpixels} is too long for a benchmark run")
        import nanobragg_nb
        self.folder = tempfile.mkdtemp(prefix="nanobragg-asv-")
        self.simulate = functools.partial(nanobragg_nb.simulate, mode=self.mode)
        self.simulate(config(workload, WARMUP_PIXELS, self.folder))
        self.config = config(workload, detpixels, self.folder)

    def teardown(self, warm_workloads, workload, detpixels):
        # asv calls teardown after a skip too, when setup made no folder
        if getattr(self, "folder", None):
            shutil.rmtree(self.folder, ignore_errors=True)

    def time_simulate(self, warm_workloads, workload, detpixels):
        self.simulate(self.config)

    def peakmem_simulate(self, warm_workloads, workload, detpixels):
        self.simulate(self.config)


class SimulateFast(Simulate):
    """The fast mode (``mode="fast"``) on each workload at 256 and 1024 pixels square."""

    mode = "fast"
    params = (list(WORKLOADS), [256, 1024])

    # a setup_cache of its own (asv shares one per definition): it compiles the fast kernels
    def setup_cache(self):
        warm_up(self.mode)
        return sorted(WORKLOADS)

    setup_cache.timeout = 900
