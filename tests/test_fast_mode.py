"""The fast mode (``--fast`` / ``mode="fast"``): its physics, its fallbacks and its accuracy against the C.

The accuracy bar, checked on every golden case: correlation >= 0.9999 and
|sum ratio - 1| <= 1e-3 between the fast float image and the C's.
"""
import gzip
import json
import math

import numpy as np
import pytest

from nanobragg_nb.core import physics, physics_fast
from nanobragg_nb.programs.nanobragg.api import simulate
from nanobragg_nb.programs.nanobragg.cparse import parse_args
from conftest import golden_root, stage_case

MIN_CORRELATION = 0.9999
MAX_SUM_DEVIATION = 1e-3


def _case_names():
    manifest = golden_root() / "manifest.json"
    return sorted(json.loads(manifest.read_text())) if manifest.is_file() else ["(golden data absent)"]


def _run(args, mode, **kwargs):
    return simulate(parse_args(args.split()).config, mode=mode, **kwargs).floatimage


def test_sinpi_polynomial_matches_libm():
    r = np.linspace(-0.5, 0.5, 200001)
    r = r[r != 0.0]
    exact = np.sin(np.pi * r)
    u = r * r
    pf = physics_fast
    # the coefficients, in float64: well below float32's resolution
    poly = r * (pf.SINPI_C1 + u * (pf.SINPI_C3 + u * (pf.SINPI_C5 + u * (pf.SINPI_C7 + u * pf.SINPI_C9))))
    assert np.max(np.abs(poly - exact) / np.abs(exact)) < 1e-8
    # the function, in float32: float32 rounding only
    approx32 = np.array([pf.sinpi_reduced(np.float32(x)) for x in r[::50]], dtype=np.float64)
    assert np.max(np.abs(approx32 - exact[::50]) / np.abs(exact[::50])) < 1e-6


@pytest.mark.parametrize("N", [1.0, 2.0, 5.0, 10.0, 37.0])
def test_reduced_sincg_squares_like_the_c_sincg(N):
    rng = np.random.default_rng(int(N))
    # (at whole numbers other than 0 the C's double-precision ratio is rounding noise, so they are left out)
    x = np.concatenate([rng.uniform(-60.0, 60.0, 4000), np.arange(-5.5, 6.0, 1.0), [0.0, 1e-7, -3.0 + 1e-4]])
    for xi in x:
        ref = physics.sincg(math.pi * xi, N) ** 2
        num, den = physics_fast.sincg_parts(np.float32(xi), np.float32(N))
        got = float(num / den) ** 2
        # float32 h: an absolute error of a few 1e-6 in h, relative to the peak N^2
        assert abs(got - ref) <= 2e-4 * N * N * (1.0 + abs(xi)) / 60.0 + 1e-5 * ref, (xi, ref, got)


def test_fast_sinc3_matches_sinc3():
    for x in np.concatenate([np.linspace(0.0, 1.0, 101), np.linspace(1.0, 60.0, 600)]):
        ref = physics.sinc3(float(x))
        got = float(physics_fast.sinc3_fast(np.float32(x)))
        assert abs(got - ref) <= 2e-6, (x, ref, got)


def test_fast_mode_is_close_to_faithful_and_not_identical():
    args = ("-default_F 100 -cell 100 100 100 90 90 90 -lambda 6.2 -N 10 -mosaic 0.5 -mosaic_dom 3 -phi 0 "
            "-osc 1 -phisteps 3 -divergence 0.2 -divsteps 3 -dispersion 1 -dispsteps 2 -oversample 2 "
            "-detpixels 48 -distance 100 -seed 1")
    faithful = _run(args, "faithful").astype(np.float64)
    fast = _run(args, "fast").astype(np.float64)
    assert not np.array_equal(faithful, fast)          # the fast kernel ran, not the faithful one
    assert np.corrcoef(faithful.ravel(), fast.ravel())[0, 1] > 0.999999
    assert abs(fast.sum() / faithful.sum() - 1.0) < 1e-5


def test_fast_mode_does_not_depend_on_the_thread_count():
    args = ("-default_F 100 -cell 70 80 90 80 95 100 -misset 10 20 30 -lambda 1.0 -N 5 -mosaic 0.3 -mosaic_dom 3 "
            "-phi 0 -osc 2 -phisteps 2 -detpixels 40 -distance 100 -seed 1")
    one = _run(args, "fast", threads=1)
    two = _run(args, "fast", threads=2)
    assert np.array_equal(one.view(np.uint32), two.view(np.uint32))


@pytest.mark.parametrize("flag", ["-oversample_omega", "-oversample_polar"])
def test_runs_outside_the_flat_loop_are_faithful(flag):
    # the running-sum -oversample_* multiplications go through the faithful pixel loop
    args = ("-default_F 100 -cell 100 100 100 90 90 90 -lambda 6.2 -N 5 -oversample 2 -detpixels 24 "
            "-distance 100 -seed 1 " + flag)
    assert np.array_equal(_run(args, "fast").view(np.uint32), _run(args, "faithful").view(np.uint32))


@pytest.mark.golden
@pytest.mark.parametrize("name", _case_names())
def test_fast_mode_accuracy_against_the_c(golden, manifest, name, tmp_path, monkeypatch):
    spec = manifest[name]
    stored = golden / "cases" / name / "floatimage.bin.gz"
    if not stored.is_file():
        pytest.skip(f"{name}: no stored float image")
    stage_case(golden, spec, tmp_path)
    monkeypatch.chdir(tmp_path)
    got = _run(spec["args"], "fast").ravel().astype(np.float64)
    ref = np.frombuffer(gzip.decompress(stored.read_bytes()), dtype=np.float32).astype(np.float64)
    assert got.shape == ref.shape
    corr = np.corrcoef(ref, got)[0, 1] if ref.std() > 0 else (1.0 if np.array_equal(ref, got) else 0.0)
    ratio = got.sum() / ref.sum() if ref.sum() != 0 else (1.0 if got.sum() == 0 else math.inf)
    assert corr >= MIN_CORRELATION, f"{name}: correlation {corr:.7f}"
    assert abs(ratio - 1.0) <= MAX_SUM_DEVIATION, f"{name}: sum ratio {ratio:.7f}"
