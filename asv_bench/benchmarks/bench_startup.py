"""Start-up: import time, cold compilation (empty JIT cache) and warm start-up of the command.

The cold and warm numbers are whole processes of ``python -m nanobragg_nb``
on a 64x64 one-term detector (the pixel loop takes milliseconds there), so
they are what a user waits for before the first pixel: interpreter, imports,
parsing, setup, compiling or loading the kernels, writing the files.
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from .workloads import arguments, write_hkl

STARTUP_PIXELS = 64
WARM_RUNS = 3


def command_seconds(folder, numba_cache_dir=None, workload="one_term", pixels=STARTUP_PIXELS):
    """Wall time of one ``python -m nanobragg_nb`` process in ``folder``.

    ``numba_cache_dir`` is the JIT cache folder it uses (default: as the
    environment says).
    """
    env = dict(os.environ, LC_ALL="C")
    if numba_cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = numba_cache_dir
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "nanobragg_nb", *arguments(workload, pixels, folder)], cwd=folder, env=env,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


class StartUp:
    """Cold (empty JIT cache) and warm whole-process start-up of the command."""

    timeout = 900

    def setup_cache(self):
        folder = tempfile.mkdtemp(prefix="nanobragg-asv-startup-")
        try:
            cache = os.path.join(folder, "numba_cache")
            cold = command_seconds(folder, cache)
            warm = statistics.median(command_seconds(folder, cache) for _ in range(WARM_RUNS))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return {"cold": cold, "warm": warm}

    def track_cold_start(self, seconds):
        return seconds["cold"]

    track_cold_start.unit = "seconds"

    def track_warm_start(self, seconds):
        return seconds["warm"]

    track_warm_start.unit = "seconds"


class Import:
    """``import nanobragg_nb`` in a fresh interpreter."""

    def timeraw_import(self):
        return "import nanobragg_nb"


class ReadHKL:
    """Reading a 100k-reflection HKL table as the C does (two scanf passes)."""

    def setup(self):
        self.folder = tempfile.mkdtemp(prefix="nanobragg-asv-hkl-")
        self.path = write_hkl(os.path.join(self.folder, "P1.hkl"))
        from nanobragg_nb.io.hkl import read_hkl
        self.read_hkl = read_hkl

    def teardown(self):
        shutil.rmtree(self.folder, ignore_errors=True)

    def time_read_hkl(self):
        self.read_hkl(self.path, 0.0)
