#!/usr/bin/env python3
"""Side by side in one process: a single panel against the same pixels cut into 2x2 panels.

The two renders alternate ``--repeat`` times (after one warm-up each); printed
are the medians, the minima, and the ratio four panels / single panel. The
images are the same bits (tests/test_panels.py); this measures only the cost
of rendering panel by panel.

    python3 asv_bench/panels_vs_single.py --pixels 512 --repeat 9
"""
import argparse
import statistics
import time

import nanobragg_nb as nb
from nanobragg_nb.core import panels
from nanobragg_nb.programs.nanobragg.cparse import parse_args


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pixels", type=int, default=512)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--threads", type=int, default=None)
    opts = parser.parse_args()
    args = ("-default_F 100 -cell 70 80 90 75 85 95 -lambda 1.0 -N 5 -distance 80 -oversample 2 "
            f"-mosaic 0.5 -mosaic_dom 12 -nonoise -seed 1 -detpixels {opts.pixels}").split()
    s = nb.simulate(parse_args(args).config, threads=opts.threads).setup
    cut = panels.split(s.pix0_vector, s.fdet_vector, s.sdet_vector, s.odet_vector, s.pixel_size, s.fpixels,
                       s.spixels, 2, 2)

    def single():
        return nb.simulate(parse_args(args).config, threads=opts.threads)

    def four():
        config = parse_args(args).config
        config.detector.panels = cut
        return nb.simulate(config, threads=opts.threads)

    four()
    times = {"single": [], "four": []}
    for _ in range(opts.repeat):
        for name, run in (("single", single), ("four", four)):
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    for name, values in times.items():
        print(f"{name}: median {statistics.median(values):.3f} s, min {min(values):.3f} s")
    medians = statistics.median(times["four"]) / statistics.median(times["single"])
    print(f"four panels / single panel: medians {medians:.3f}, minima {min(times['four']) / min(times['single']):.3f}")


if __name__ == "__main__":
    main()
