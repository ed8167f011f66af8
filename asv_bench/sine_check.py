"""The batched sine against glibc's ``sin`` on many arguments, bit for bit.

Draws ``--count`` arguments in chunks over the ranges the kernels see (``pi h``
and ``pi h N`` for fractional Miller indices, and a log-uniform spread over the
fast path's whole range, both signs), adds the edges of ``tests/test_sine.py``,
and compares :func:`nanobragg_nb.core.sine.sin_array` with ``math.sin`` (glibc,
called from Numba) bit for bit. Prints the count, the mismatches, the fallback
rate and the time per argument of each:

    PYTHONPATH=. nice -n 19 python3 asv_bench/sine_check.py --count 1000000000

Exit status 1 on any mismatch.
"""
import argparse
import math
import os
import sys
import time

import numpy as np
from numba import njit

from nanobragg_nb.core import sine

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))


@njit(cache=True)
def glibc_sin(x, out):
    for i in range(x.shape[0]):
        out[i] = math.sin(x[i])


def draw(rng, n):
    """``n`` arguments: a third ``pi h``, a third ``pi h N``, a third log-uniform over 2^-22..2^32."""
    third = n // 3
    x = math.pi * rng.uniform(-300.0, 300.0, third)
    N = rng.choice(np.array([2.0, 3.0, 5.0, 7.0, 10.0, 20.0, 50.0, 100.0, 500.0]), third)
    rest = n - 2 * third
    spread = np.ldexp(rng.uniform(0.5, 1.0, rest), rng.integers(-22, 32, rest)) * rng.choice([-1.0, 1.0], rest)
    return np.concatenate([x, x * N, spread])


def check(x, expected):
    """(mismatches, fallbacks, fast seconds, glibc seconds) on the arguments ``x``."""
    t0 = time.perf_counter()
    glibc_sin(x, expected)
    t1 = time.perf_counter()
    got, fallbacks = sine.sin_array(x)
    t2 = time.perf_counter()
    mismatches = int(np.count_nonzero(got.view(np.int64) != expected.view(np.int64)))
    if mismatches:
        i = np.flatnonzero(got.view(np.int64) != expected.view(np.int64))[0]
        print(f"MISMATCH x={x[i]!r}: {got[i]!r} != {expected[i]!r}", flush=True)
    return mismatches, fallbacks, t2 - t1, t1 - t0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000_000)
    parser.add_argument("--chunk", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=20261202)
    opts = parser.parse_args()
    from test_sine import edge_arguments
    rng = np.random.default_rng(opts.seed)
    edges = edge_arguments()
    total = mismatches = fallbacks = 0
    fast = libm = 0.0
    chunks = [edges] + [None] * (-(-opts.count // opts.chunk))
    expected = np.empty(max(opts.chunk, edges.size))
    for i, x in enumerate(chunks):
        if x is None:
            x = draw(rng, min(opts.chunk, opts.count - (i - 1) * opts.chunk))
        m, f, tf, tl = check(x, expected[:x.size])
        total += x.size
        mismatches += m
        fallbacks += f
        fast += tf
        libm += tl
        if i % 10 == 0:
            print(f"{total} arguments, {mismatches} mismatches, {fallbacks} fallbacks", flush=True)
    print(f"{total} arguments ({edges.size} edges): {mismatches} mismatches; {fallbacks} fell back to glibc "
          f"({100 * fallbacks / total:.2f} %); batched {1e9 * fast / total:.2f} ns, glibc {1e9 * libm / total:.2f} ns "
          f"an argument")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
