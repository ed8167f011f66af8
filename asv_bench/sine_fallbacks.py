"""How often the batched sine falls back to glibc's ``sin`` on a workload.

Renders every ``--stride``-th row of a workload with the faithful CPU kernel
and sums the counts it leaves in its event rows (sines batched, sines that
fell back to ``math.sin``):

    PYTHONPATH=. python3 asv_bench/sine_fallbacks.py --workload heavy --pixels 256 --stride 8
"""
import argparse
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "benchmarks"))

import workloads  # noqa: E402

from nanobragg_nb.core.kernels import cpu, tables  # noqa: E402
from nanobragg_nb.core.kernels.layouts import N_REC  # noqa: E402
from nanobragg_nb.core.log import Log  # noqa: E402
from nanobragg_nb.core.setup import prepare  # noqa: E402
from nanobragg_nb.programs.nanobragg.cparse import parse_args  # noqa: E402


def fallback_rate(args, stride):
    """(sines batched, fallbacks) over every ``stride``-th row of the run ``args``."""
    s = prepare(parse_args(args).config, Log(), write_cache=False)
    t = tables.build(s)
    fpixels = int(t.Q[cpu.Q_FPIXELS])
    image = np.zeros(s.pixels, dtype=np.float32)
    omega = np.zeros(fpixels * max(t.omega_terms, 1))
    events = np.zeros((1, cpu.N_EVENT))
    count = fallbacks = 0
    for row in range(0, s.pixels // fpixels, stride):
        state = np.array([0, 0, 1], dtype=np.int64)
        cpu.render_rows_serial(row, row + 1, *t.inputs, state, image, omega, events, np.zeros(N_REC),
                               np.zeros((1, cpu.N_SNAP)), -2, -2)
        count += int(events[0, 8])
        fallbacks += int(events[0, 9])
    return count, fallbacks


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", default="heavy", choices=sorted(workloads.WORKLOADS))
    parser.add_argument("--pixels", type=int, default=256)
    parser.add_argument("--stride", type=int, default=8, help="render every n-th row")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        count, fallbacks = fallback_rate(workloads.arguments(opts.workload, opts.pixels, folder), opts.stride)
    rate = fallbacks / count if count else 0.0
    print(f"{opts.workload} {opts.pixels}x{opts.pixels}, every {opts.stride}th row: {count} sines batched, "
          f"{fallbacks} fell back to glibc ({100 * rate:.2f} %)")


if __name__ == "__main__":
    main()
