"""The thread count of the pixel loop: --threads, NUMBA_NUM_THREADS, OMP_NUM_THREADS, in that order."""
import numba
import pytest

import nanobragg_nb as nb
from nanobragg_nb import cli
from nanobragg_nb.core.engines import cpu as engine

MANY = numba.config.NUMBA_NUM_THREADS


def _small_config():
    cfg = nb.Config()
    cfg.crystal.set_cell(100, 100, 100)
    cfg.crystal.default_F = 100
    cfg.beam.wavelength_m = 6.2e-10
    cfg.detector.fpixels = cfg.detector.spixels = 16
    return cfg


@pytest.fixture
def loop_threads(monkeypatch):
    """Records the thread count the parallel loop runs with (numba's setting while it runs)."""
    seen = []
    render = engine.render

    def recording_render(*args, **kwargs):
        seen.append(numba.get_num_threads())
        return render(*args, **kwargs)

    monkeypatch.setattr(engine, "render", recording_render)
    return seen


@pytest.mark.skipif(MANY < 2, reason="needs NUMBA_NUM_THREADS >= 2 to tell thread counts apart")
def test_threads_argument_sets_the_loop_threads_and_is_undone(loop_threads):
    before = numba.get_num_threads()
    nb.simulate(_small_config(), threads=1)
    assert loop_threads == [1]
    assert numba.get_num_threads() == before


@pytest.mark.skipif(MANY < 2, reason="needs NUMBA_NUM_THREADS >= 2 to tell thread counts apart")
def test_omp_num_threads_is_honoured_without_numba_num_threads(loop_threads, monkeypatch):
    monkeypatch.delenv("NUMBA_NUM_THREADS", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    nb.simulate(_small_config())
    assert loop_threads == [1]


def test_numba_num_threads_wins_over_omp_num_threads(loop_threads, monkeypatch):
    monkeypatch.setenv("NUMBA_NUM_THREADS", str(MANY))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    nb.simulate(_small_config())
    assert loop_threads == [MANY]


def test_command_line_threads(loop_threads, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = "-default_F 100 -cell 100 100 100 90 90 90 -lambda 6.2 -distance 100 -detpixels 16 -seed 1".split()
    assert cli.main(["--threads", "1", *args]) == 0
    assert loop_threads == [1]


def test_more_threads_than_numba_has_are_capped(loop_threads):
    nb.simulate(_small_config(), threads=MANY + 3)
    assert loop_threads == [MANY]
