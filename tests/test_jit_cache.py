"""The on-disk JIT cache: reused when nothing changed, never stale when a dependency changed."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nanobragg_nb import jit_cache

REPO = Path(__file__).resolve().parents[1]

PROBE_MODULE = '''
from numba import njit

from ._probe_dep import offset


@njit(cache=True)
def probe(x):
    return x + offset(x)
'''

PROBE_DEP = '''
from numba import njit


@njit
def offset(x):
    return {value}
'''

PROBE_RUN = '''
import nanobragg_nb._probe as p
value = p.probe(1)
print(value, sum(p.probe.stats.cache_hits.values()), sum(p.probe.stats.cache_misses.values()))
'''


def _relative(paths):
    return {os.path.relpath(path, jit_cache.PACKAGE_DIR).replace(os.sep, "/") for path in paths}


def test_dependencies_follow_the_imports_of_a_kernel_module():
    sources = _relative(jit_cache.dependencies(os.path.join(jit_cache.PACKAGE_DIR, "core", "kernels", "cpu.py")))
    # the parallel kernel, the pixel body it calls and the physics the body calls
    assert {"core/kernels/cpu.py", "core/kernels/pixel.py", "core/physics.py"} <= sources
    # neither the command line nor the image conversions are reachable from the kernel
    assert "cli.py" not in sources and "core/images.py" not in sources


def test_locator_is_first_for_package_functions():
    from numba.core import caching
    assert jit_cache.install()
    assert caching.CacheImpl._locator_classes[0].__name__ == "PackageSourcesLocator"
    from nanobragg_nb.core.kernels import cpu
    assert type(cpu.render_rows._cache._impl.locator).__name__ == "PackageSourcesLocator"


@pytest.fixture
def package_copy(tmp_path):
    """A copy of the package with a cached probe function whose callee lives in another module."""
    root = tmp_path / "site"
    shutil.copytree(REPO / "nanobragg_nb", root / "nanobragg_nb", ignore=shutil.ignore_patterns("__pycache__"))
    (root / "nanobragg_nb" / "_probe.py").write_text(PROBE_MODULE)
    (root / "nanobragg_nb" / "_probe_dep.py").write_text(PROBE_DEP.format(value=1))
    env = dict(os.environ, PYTHONPATH=str(root), NUMBA_CACHE_DIR=str(tmp_path / "cache"))

    def run():
        done = subprocess.run([sys.executable, "-c", PROBE_RUN], env=env, cwd=tmp_path, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        value, hits, misses = (int(word) for word in done.stdout.split())
        return value, hits, misses

    return root / "nanobragg_nb", run


@pytest.mark.slow
def test_edit_of_a_callee_recompiles_and_other_edits_do_not(package_copy):
    package, run = package_copy
    assert run() == (2, 0, 1)                       # cold: compiled and saved
    assert run() == (2, 1, 0)                       # warm: loaded, nothing compiled
    (package / "_probe_dep.py").write_text(PROBE_DEP.format(value=100))
    assert run() == (101, 0, 1)                     # the callee changed: recompiled, not the stale 2
    with open(package / "cli.py", "a") as handle:
        handle.write("\n# an edit that no compiled code depends on\n")
    assert run() == (101, 1, 0)
