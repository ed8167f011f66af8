"""The asv benchmarks run: asv finds and accepts them, and every workload's benchmark body works."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ASV_DIR = REPO / "asv_bench"
sys.path.insert(0, str(ASV_DIR))

from benchmarks import bench_simulate, bench_startup, workloads  # noqa: E402

asv_missing = shutil.which("asv") is None


@pytest.fixture(scope="module")
def asv_env(tmp_path_factory):
    """An environment for the asv command with its machine description in a temporary home."""
    home = tmp_path_factory.mktemp("asv_home")
    env = dict(os.environ, HOME=str(home), LC_ALL="C")
    subprocess.run(["asv", "machine", "--yes"], cwd=ASV_DIR, env=env, check=True, capture_output=True, timeout=120)
    return env


def _asv(args, env, timeout):
    done = subprocess.run(["asv", *args], cwd=ASV_DIR, env=env, capture_output=True, text=True, timeout=timeout)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return output


@pytest.mark.skipif(asv_missing, reason="asv is not installed")
def test_asv_check_accepts_every_benchmark(asv_env):
    output = _asv(["check", "--python=same"], asv_env, timeout=300)
    assert "No problems found" in output


@pytest.mark.slow
@pytest.mark.skipif(asv_missing, reason="asv is not installed")
def test_asv_run_quick(asv_env):
    # the asv machinery end to end on the cheap benchmarks and a skipped combination; every
    # workload's body is run below
    selection = r"Simulate\.\w+\('one_term', 256\)|heavy', 4096\)|ReadHKL|Import"
    output = _asv(["run", "--python=same", "--quick", "--dry-run", "--show-stderr", "-b", selection], asv_env,
                  timeout=600)
    assert "time_simulate" in output and "peakmem_simulate" in output and "time_read_hkl" in output
    assert "failed" not in output.lower(), output


@pytest.mark.parametrize("workload", sorted(workloads.WORKLOADS))
@pytest.mark.parametrize("bench_class", [bench_simulate.Simulate, bench_simulate.SimulateFast])
def test_simulate_benchmark_body_runs_every_workload(bench_class, workload):
    bench = bench_class()
    cached = bench.setup_cache()
    bench.setup(cached, workload, 24)
    try:
        bench.time_simulate(cached, workload, 24)
        bench.peakmem_simulate(cached, workload, 24)
    finally:
        bench.teardown(cached, workload, 24)
    assert not os.path.exists(bench.folder)


def test_skipped_combinations_are_refused_in_setup():
    for workload, pixels in bench_simulate.SKIPPED:
        bench = bench_simulate.Simulate()
        with pytest.raises(NotImplementedError):
            bench.setup(None, workload, pixels)
        bench.teardown(None, workload, pixels)          # asv tears down skipped combinations too


def test_workload_arguments_are_the_c_arguments(tmp_path):
    args = workloads.arguments("one_term", 1024, str(tmp_path))
    # the golden case bench_seed_1024, word for word
    assert " ".join(args) == ("-default_F 100 -cell 100 100 100 90 90 90 -lambda 6.2 -distance 100 "
                              "-detpixels 1024 -seed 26")
    heavy = workloads.arguments("heavy", 512, str(tmp_path))
    assert heavy[heavy.index("-mosaic_dom") + 1] == "10" and heavy[heavy.index("-oversample") + 1] == "2"


def test_tricubic_workload_stays_inside_its_table(tmp_path):
    # an h,k,l outside the table would switch interpolation off for the rest of the image (and warn)
    import nanobragg_nb
    result = nanobragg_nb.simulate(workloads.config("tricubic", 48, str(tmp_path)))
    assert "out of range for three point interpolation" not in result.log
    assert result.setup.interpolate


def test_generated_hkl_table_is_complete_and_reproducible(tmp_path):
    first = workloads.write_hkl(str(tmp_path / "a.hkl"), half_range=(2, 1, 3))
    second = workloads.write_hkl(str(tmp_path / "b.hkl"), half_range=(2, 1, 3))
    lines = Path(first).read_text().splitlines()
    assert len(lines) == 5 * 3 * 7
    assert Path(first).read_bytes() == Path(second).read_bytes()
    assert {tuple(map(int, line.split()[:3])) for line in lines} == {
        (h, k, l) for h in range(-2, 3) for k in range(-1, 2) for l in range(-3, 4)}


def test_startup_benchmark_times_a_whole_process(tmp_path):
    seconds = bench_startup.command_seconds(str(tmp_path), pixels=8)
    assert seconds > 0
    assert (tmp_path / "floatimage.bin").stat().st_size == 8 * 8 * 4


def _stand_in_c(tmp_path):
    """An executable that runs nanobragg-nb, standing in for a nanoBragg build."""
    script = tmp_path / "fake_nanoBragg"
    script.write_text(f"#!/bin/sh\nexec {sys.executable} -m nanobragg_nb \"$@\"\n")
    script.chmod(0o755)
    return str(script)


def test_side_by_side_times_both_and_compares_their_files(tmp_path):
    import compare_c
    args = workloads.arguments("bragg_spots", 24, str(tmp_path))
    result = compare_c.side_by_side(_stand_in_c(tmp_path), f"{sys.executable} -m nanobragg_nb", args, threads=1,
                                    repeats=2, log=lambda *a: None)
    assert len(result["c"]["seconds"]) == len(result["nb"]["seconds"]) == 2
    assert result["nb"]["median_peak_rss_mb"] > 10          # the child's own peak, not this process's
    assert result["outputs_vs_c"]["identical"]
    assert set(result["outputs_vs_c"]["files"]) == {"floatimage.bin", "intimage.img", "image.pgm", "noiseimage.img"}
    assert result["ratio"] == result["c"]["median_seconds"] / result["nb"]["median_seconds"]


def test_compare_outputs_reports_how_close_differing_float_images_are(tmp_path):
    import numpy as np

    import compare_c
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    image = np.linspace(1.0, 2.0, 100, dtype=np.float32)
    image.tofile(a / "floatimage.bin")
    changed = image.copy()
    changed[7] *= np.float32(1.001)
    changed.tofile(b / "floatimage.bin")
    (a / "intimage.img").write_bytes(b"same")
    (b / "intimage.img").write_bytes(b"same")
    report = compare_c.compare_outputs(str(a), str(b))
    assert report["files"] == {"floatimage.bin": False, "intimage.img": True}
    assert not report["identical"]
    assert report["float"]["identical_pixels"] == 0.99
    assert abs(report["float"]["worst_relative_error"] - 0.001) < 1e-6
    assert report["float"]["correlation"] > 0.9999
