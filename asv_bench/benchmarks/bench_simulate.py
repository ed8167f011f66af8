"""Time and peak memory of :func:`nanobragg_nb.simulate` over workloads and detector sizes.

JIT compilation (or loading the compiled kernels from the cache) happens in
``setup()``, by a run of the same workload on a tiny detector, so that the
timed region is the simulation alone: setup phase, pixel loop, statistics,
integer, PGM and noise images (no files are written).
"""
import shutil
import tempfile

from .workloads import WORKLOADS, config

#: combinations that would take many minutes on a 2-core machine (heavy at 4096: about 15 min a run)
SKIPPED = {("heavy", 4096)}

#: the detector of the warm-up run that compiles every kernel the workload uses
WARMUP_PIXELS = 16


class Simulate:
    """``simulate(config)`` for each workload at 256, 1024 and 4096 pixels square."""

    params = (list(WORKLOADS), [256, 1024, 4096])
    param_names = ["workload", "detpixels"]
    number = 1
    repeat = (1, 5, 60.0)
    warmup_time = 0.0
    timeout = 1200

    def setup(self, workload, detpixels):
        if (workload, detpixels) in SKIPPED:
            raise NotImplementedError(f"{workload} at {detpixels}x{detpixels} is too long for a benchmark run")
        import nanobragg_nb
        self.simulate = nanobragg_nb.simulate
        self.folder = tempfile.mkdtemp(prefix="nanobragg-asv-")
        self.simulate(config(workload, WARMUP_PIXELS, self.folder))
        self.config = config(workload, detpixels, self.folder)

    def teardown(self, workload, detpixels):
        shutil.rmtree(self.folder, ignore_errors=True)

    def time_simulate(self, workload, detpixels):
        self.simulate(self.config)

    def peakmem_simulate(self, workload, detpixels):
        self.simulate(self.config)
