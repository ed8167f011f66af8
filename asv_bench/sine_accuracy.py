"""Errors of the batched sine's evaluation and of glibc's ``sin``, against mpmath at 200 bits.

For ``--count`` arguments like the kernels' (``pi h`` and ``pi h N``) plus a tenth
as many each near multiples of pi and of pi/64, prints the largest relative error
of :func:`nanobragg_nb.core.sine.sin_dd`'s double-double (the certification
assumes ``EVAL_ERROR``), glibc's largest error in ulps, and how far from a
rounding midpoint the true sine was wherever glibc is not correctly rounded (the
certification assumes ``GLIBC_EXCESS``):

    PYTHONPATH=. nice -n 19 python3 asv_bench/sine_accuracy.py --count 200000

Needs mpmath; slow (a few minutes for 200,000 arguments).
"""
import argparse
import math

import numpy as np


def arguments(count, seed):
    rng = np.random.default_rng(seed)
    n_mult = rng.choice(np.array([2.0, 3.0, 5.0, 10.0, 20.0, 50.0, 100.0]), count)
    x = math.pi * rng.uniform(-300.0, 300.0, count)
    x = np.where(rng.random(count) < 0.5, x, x * n_mult)
    return x, rng.integers(1, 100000, count // 10)


def main():
    import mpmath as mp
    from nanobragg_nb.core.sine import _sin_dd_array
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    opts = parser.parse_args()
    mp.mp.prec = 200
    x, k = arguments(opts.count, opts.seed)
    near = [float(mp.mpf(int(v)) * mp.pi) for v in k] + [float(mp.mpf(int(v)) * mp.pi / 64) for v in k]
    x = np.concatenate([x, np.array(near)])
    hi = np.empty_like(x)
    lo = np.empty_like(x)
    _sin_dd_array(x, hi, lo)
    worst_dd = worst_glibc = worst_midpoint = 0.0
    not_rounded = 0
    for i in range(x.size):
        true = mp.sin(mp.mpf(x[i]))
        worst_dd = max(worst_dd, float(abs((mp.mpf(hi[i]) + mp.mpf(lo[i]) - true) / true)))
        glibc = math.sin(x[i])
        rounded = float(true)
        ulp = math.ulp(rounded)
        worst_glibc = max(worst_glibc, float(abs(mp.mpf(glibc) - true) / ulp))
        if glibc != rounded:
            not_rounded += 1
            worst_midpoint = max(worst_midpoint, float(abs(abs(mp.mpf(rounded) - true) / ulp - 0.5)))
    print(f"{x.size} arguments: evaluation's largest relative error {worst_dd:.3e} (2^{math.log2(worst_dd):.1f}); "
          f"glibc's largest error {worst_glibc:.4f} ulp; {not_rounded} ({100 * not_rounded / x.size:.3f} %) not "
          f"correctly rounded, all within {worst_midpoint:.4f} ulp of a midpoint")


if __name__ == "__main__":
    main()
