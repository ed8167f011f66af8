"""The batched sine against glibc's ``sin`` (``math.sin``), bit for bit.

:mod:`nanobragg_nb.core.sine` must return exactly what ``math.sin`` returns on
every argument, whether it certifies its own result or falls back to
``math.sin``. These tests draw a million arguments over the ranges the
kernels see (``pi h`` and ``pi h N`` for fractional Miller indices ``h``)
and add the edges: multiples of pi, pi/2 and pi/64 and their neighbours,
huge, tiny and subnormal arguments, signed zeros, infinities and NaN.
``asv_bench/sine_check.py`` runs the same comparison on 10^9 arguments.
"""
import math

import numpy as np
import pytest
from numba import njit

from nanobragg_nb.core import physics, sine
from test_physics import NS, SINCG, XS


@njit(cache=True)
def glibc_sin(x, out):
    for i in range(x.shape[0]):
        out[i] = math.sin(x[i])


@njit(cache=True)
def certified(x, out, ok):
    for i in range(x.shape[0]):
        y, good = sine.sin_certified(x[i])
        out[i] = y
        ok[i] = good


def kernel_arguments(n, seed):
    """``pi h`` and ``pi h N`` as the kernels compute them, plus a log-uniform spread over the reduction's range."""
    rng = np.random.default_rng(seed)
    h = rng.uniform(-300.0, 300.0, n)
    x = math.pi * h
    N = rng.choice(np.array([2.0, 3.0, 5.0, 7.0, 10.0, 20.0, 50.0, 100.0, 500.0]), n)
    spread = np.ldexp(rng.uniform(0.5, 1.0, n), rng.integers(-22, 32, n)) * rng.choice([-1.0, 1.0], n)
    return np.concatenate([x, x * N, spread])


def edge_arguments():
    """Multiples of pi, pi/2 and pi/64 and their neighbours; the ends of the reduction's range; non-finite."""
    k = np.concatenate([np.arange(1, 2000), np.unique(np.geomspace(2000, 2e8, 3000).astype(np.int64))])
    centres = np.concatenate([k * math.pi, k * (math.pi / 2), k * (math.pi / 64), -k * math.pi])
    up = np.nextafter(centres, np.inf)
    down = np.nextafter(centres, -np.inf)
    specials = np.array([0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1e-310, 1e-300, 2.0 ** -26,
                         2.0 ** -20, np.nextafter(2.0 ** -20, 0.0), 2.0 ** -20 * 1.5, 0.855469, 0.86,
                         np.nextafter(0.86, 0.0), 2.426265, 2.0 ** 30, np.nextafter(2.0 ** 30, np.inf),
                         105414350.0, 2.0 ** 31, 1e10, 1e22, 1e300, np.finfo(np.float64).max, np.inf, -np.inf,
                         np.nan, math.pi, -math.pi, math.pi / 2, 1.0, -1.0])
    return np.concatenate([centres, up, down, np.nextafter(up, np.inf), np.nextafter(down, -np.inf), specials,
                           -specials])


def assert_glibc_bits(x):
    expected = np.empty_like(x)
    glibc_sin(x, expected)
    got, fallbacks = sine.sin_array(x)
    differ = np.flatnonzero(got.view(np.int64) != expected.view(np.int64))
    if differ.size:
        i = differ[0]
        pytest.fail(f"{differ.size} differ, the first at x={x[i]!r}: {got[i]!r} != {expected[i]!r}")
    return fallbacks


def test_million_kernel_arguments_have_glibc_bits():
    x = kernel_arguments(340_000, seed=2026)
    assert x.size > 1_000_000
    fallbacks = assert_glibc_bits(x)
    # the certification is what makes the fast path fast: most results must pass it, but not all
    assert 0 < fallbacks < 0.08 * x.size


def test_edges_have_glibc_bits():
    assert_glibc_bits(edge_arguments())


def test_python_math_sin_is_the_same_glibc():
    # the reference above is Numba's math.sin; CPython's math.sin calls the same libm
    x = kernel_arguments(2000, seed=5)
    got, _ = sine.sin_array(x)
    assert [v.hex() for v in got] == [math.sin(v).hex() for v in x]


def test_outside_the_reduction_range_is_never_certified():
    x = np.array([0.0, -0.0, 5e-324, 1e-300, np.nextafter(sine.X_MIN, 0.0), np.nextafter(sine.X_MAX, np.inf),
                  1e300, np.inf, -np.inf, np.nan])
    out = np.empty_like(x)
    ok = np.empty(x.size, dtype=np.bool_)
    certified(x, out, ok)
    assert not ok.any()


def test_certified_results_are_correctly_rounded():
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.prec = 200
    x = kernel_arguments(700, seed=11)
    out = np.empty_like(x)
    ok = np.empty(x.size, dtype=np.bool_)
    certified(x, out, ok)
    assert ok.sum() > 0.9 * x.size
    for value, result in zip(x[ok], out[ok]):
        assert result == float(mpmath.sin(mpmath.mpf(value))), value


def test_error_bound_leaves_room_for_glibc():
    # what certification assumes: glibc's excess below its stated 0.018 ulp (0.048 for small x), our error
    # bound below 0.01 ulp, and a certified result still some distance from the midpoint
    assert sine.GLIBC_EXCESS >= 0.018 and sine.GLIBC_EXCESS_SMALL >= 0.048
    assert sine.EVAL_ERROR * 2.0 ** 53 < 0.01
    assert 0.4 < sine.CERTIFY_ULPS < 0.5 - sine.GLIBC_EXCESS
    assert sine.X_SMALL > 0.855469


@pytest.mark.parametrize("ni", range(len(NS)))
@pytest.mark.parametrize("xi", range(len(XS)))
def test_batched_sincg_matches_the_c(xi, ni):
    # the C table holds sincg(pi * XS[i], NS[j])
    x, N = math.pi * XS[xi], NS[ni]
    s, _ = sine.sin_array(np.array([x, x * N]))
    value = physics.sincg_of(x, s[0], s[1], N)
    assert np.float64(value).view(np.int64) == np.int64(np.uint64(SINCG[f"sincg {xi} {ni}"]).view(np.int64))


def test_table_is_what_the_fit_script_writes(tmp_path):
    pytest.importorskip("mpmath")
    from pathlib import Path
    from nanobragg_nb.core import sine_fit
    written = Path(sine_fit.main(str(tmp_path / "sine_table.py"))).read_text()
    assert written == Path(sine_fit.__file__).with_name("sine_table.py").read_text()
