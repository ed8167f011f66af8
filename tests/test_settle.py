"""The settling driver: the serial rows it renders are the serial C's, and every driver built on it
(the CPU engine, ``--trace-pixel``, the CUDA engine under the simulator) finds the same interpolation
switch-off.

Run as a script (``python tests/test_settle.py FOLDER``, under the CUDA simulator) it prints the
CUDA engine's switch-off event for the test case, as JSON.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nanobragg_nb.audit import trace
from nanobragg_nb.core import rng
from nanobragg_nb.core.engines import cpu as engine, settle
from nanobragg_nb.core.kernels import cpu, tables
from nanobragg_nb.core.kernels.pixel import N_REC
from nanobragg_nb.core.log import Log
from nanobragg_nb.core.setup import prepare
from nanobragg_nb.programs.nanobragg.cparse import parse_args

CASES = {
    # rows 0-4 lie outside the ROI: the state settles at the first rendered pixel, in row 5
    "roi_late_rows": "-default_F 100 -cell 60 70 80 90 90 90 -lambda 1 -N 5 -distance 100 -detpixels 24 "
                     "-phi 0 -osc 3 -phisteps 3 -roi 3 20 5 22",
    # -oversample_polar re-unitizes the polarization axis once per sub-pixel
    "custom_polar_axis": "-default_F 100 -cell 60 70 80 90 90 90 -lambda 1 -N 5 -distance 100 -detpixels 24 "
                         "-polar_vector 0.3 0.7 1.1 -polar 0.8 -oversample 2 -oversample_polar",
    # every source beyond -dmin: no phi loop ever runs, so the state never settles
    "never_settles": "-default_F 100 -cell 60 70 80 90 90 90 -lambda 1 -N 5 -distance 100 -detpixels 24 "
                     "-phi -2 -osc 4 -phisteps 4 -dmin 10000",
    # interpolation runs out of range in a row after the serial ones
    "interpolation_off_midway": "-hkl box.hkl -cell 11 11 11 90 90 90 -lambda 1 -N 2 -distance 60 "
                                "-detpixels 40 -pixel 0.5 -Xbeam 0.25 -Ybeam 10 -oversample 1",
}


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path, monkeypatch):
    """Each test in its own folder: -hkl runs leave an Fdump.bin, which -default_F runs would read."""
    monkeypatch.chdir(tmp_path)


def prepared(name):
    """Setup and tables of a case, prepared in the current folder (with a small structure-factor table)."""
    with open("box.hkl", "w") as f:
        for h in range(-4, 5):
            for k in range(-4, 5):
                for l in range(-4, 5):
                    f.write(f"{h} {k} {l} {10 + (h * 7 + k * 3 + l) % 5}\n")
    s = prepare(parse_args(CASES[name].split()).config, Log(), rng.RandomState())
    s.progress_meter = False
    return s, tables.build(s)


def serial_rows(s, t, rows):
    """The first ``rows`` rows in strict serial order: image, state after them, solid-angle sum."""
    image = np.zeros(s.pixels, np.float32)
    terms = np.zeros(max(rows, 1) * s.fpixels * t.omega_terms)
    state = np.array([0, 0, int(t.interpolate)], np.int64)
    cpu.render_rows_serial(0, rows, *t.inputs, state, image, terms, np.zeros((max(rows, 1), cpu.N_EVENT)),
                           np.zeros(N_REC), np.zeros((1, cpu.N_SNAP)), -2, -2)
    return image, state, cpu.omega_chain(0.0, 0, rows, t.Q, t.mask, terms, t.omega_repeat)


@pytest.mark.parametrize("name", sorted(CASES))
def test_settled_rows_are_the_serial_rows(name):
    s, t = prepared(name)
    image = np.zeros(s.pixels, np.float32)
    walk = settle.settle(t, image)
    ref_image, ref_state, ref_omega = serial_rows(s, t, walk.row)
    assert np.array_equal(image.view(np.uint32), ref_image.view(np.uint32))
    assert list(walk.state) == list(ref_state)
    assert walk.omega_sum == ref_omega
    _, final_state, _ = serial_rows(s, t, s.spixels)
    if walk.row < s.spixels:
        # settled: the rest of the serial run leaves stale as it is and pcalls past the table
        assert settle.has_settled(t, walk.state) and settle.has_settled(t, final_state)
        assert walk.state[0] == final_state[0]
    else:
        assert list(walk.state) == list(final_state)


def test_settling_takes_the_rows_the_state_needs():
    s, t = prepared("roi_late_rows")
    walk = settle.settle(t, np.zeros(s.pixels, np.float32))
    assert walk.row == s.roi_ymin + 1 > 1
    s, t = prepared("never_settles")
    walk = settle.settle(t, np.zeros(s.pixels, np.float32))
    assert walk.row == s.spixels and not settle.has_settled(t, walk.state)


def test_settle_stops_at_the_end_row():
    s, t = prepared("never_settles")
    walk = settle.settle(t, np.zeros(s.pixels, np.float32), end=7)
    assert walk.row == 7


def _cpu_event():
    s, t = prepared("interpolation_off_midway")
    return s, t, engine.render(s, t, threads=2, progress=False).event


def test_trace_finds_the_engine_switch_off():
    s, t, event = _cpu_event()
    fpixel, spixel = event[:2]
    walk = settle.settle(t, np.zeros(s.pixels, np.float32))
    assert event is not None and spixel >= walk.row, "the switch-off must come after the serial rows"
    assert trace.state_before(s, t, fpixel, spixel)[2] == 1
    after = (fpixel + 1, spixel) if fpixel + 1 < s.fpixels else (0, spixel + 1)
    assert trace.state_before(s, t, *after)[2] == 0
    if spixel + 1 < s.spixels:
        assert trace.state_before(s, t, 0, spixel + 1)[2] == 0     # found by the parallel search
    assert trace.state_before(s, t, 0, spixel)[2] == 1


def _numba_cuda_missing():
    try:
        import numba_cuda  # noqa: F401
    except ImportError:
        return True
    return False


@pytest.mark.skipif(_numba_cuda_missing(), reason="numba-cuda is not installed (pip install '.[gpu]' or '.[test]')")
def test_cuda_simulator_finds_the_engine_switch_off(tmp_path):
    _, _, event = _cpu_event()
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), str(tmp_path)], env=env,
                          capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == list(event)


def _cuda_event(folder):
    from nanobragg_nb.core.engines import cuda as cuda_engine
    os.chdir(folder)
    s, t = prepared("interpolation_off_midway")
    return list(cuda_engine.render(s, t).event)


if __name__ == "__main__":
    print(json.dumps(_cuda_event(sys.argv[1])))
