#!/usr/bin/env python3
"""Side by side: ``nanobragg-nb series`` against a nanoBragg build run frame by frame in a shell loop.

The C loop runs each frame's arguments (``series``' own definition of the
frame: :meth:`SeriesPlan.frame_arguments`) as one process per frame, in one
``sh`` loop, as a user without ``series`` would; ``nanobragg-nb series``
renders the same frames in one process. They alternate, ``--repeat`` times,
each in a fresh folder; printed are the medians, their ratio, the series'
median time per frame in each phase (setup, render, noise, write), and
whether frame k's pixels equal the C's noise image of frame k.

    export NB_C_BIN=/path/to/nanoBragg           # an OpenMP build (gcc -O3 -fopenmp)
    python3 asv_bench/series_vs_c.py --case stills --frames 100 --threads 2
    python3 asv_bench/series_vs_c.py --case stills --frames 100 --threads 2 --fast
    python3 asv_bench/series_vs_c.py --case sweep --frames 30 --threads 2
"""
import argparse
import gzip
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import resources

#: the issue's cases: a still of the demo protein at 1024x1024, a heavier 512x512 sweep frame
CASES = {
    "stills": ("-hkl demo.hkl -cell 79.1 79.1 37.9 90 90 90 -misset 10 20 30 -N 5 -oversample 1 -lambda 1.3 "
               "-distance 150 -detpixels 1024 -pixel 0.1 -fluence 1e26 -seed 1"),
    "sweep": ("-hkl demo.hkl -cell 79.1 79.1 37.9 90 90 90 -misset 10 20 30 -N 20 -mosaic 0.3 -mosaic_domains 5 "
              "-osc 1 -phisteps 2 -lambda 1.3 -pixel 0.2 -distance 200 -detpixels 512 -water 100 -fluence 1e26 "
              "-seed 1"),
}


def timed(command, folder, env):
    start = time.perf_counter()
    result = subprocess.run(command, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            shell=isinstance(command, str))
    if result.returncode:
        sys.exit(f"{command!r} failed: {result.stderr.decode()[-500:]}")
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--case", choices=sorted(CASES), default="stills")
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--fast", action="store_true", help="the series with --fast")
    parser.add_argument("--c-bin", default=os.environ.get("NB_C_BIN"))
    opts = parser.parse_args()
    if not opts.c_bin:
        sys.exit("give --c-bin or set NB_C_BIN")
    from nanobragg_nb.programs.series.plan import make_plan
    args = CASES[opts.case].split()
    stills = opts.case == "stills"
    plan = make_plan(args, opts.frames, stills=stills, orientation_seed=1 if stills else None)
    work = tempfile.mkdtemp(prefix="series_vs_c_")
    hkl = (resources.files("nanobragg_nb") / "data" / "demo_P43212.hkl.gz").read_bytes()
    with open(os.path.join(work, "demo.hkl"), "wb") as handle:
        handle.write(gzip.decompress(hkl))
    loop = os.path.join(work, "c_loop.sh")
    with open(loop, "w") as handle:
        for k in range(1, opts.frames + 1):
            frame = ["../demo.hkl" if a == "demo.hkl" else a for a in plan.frame_arguments(k)]
            handle.write(f"mkdir -p f{k} && cd f{k} && {shlex.quote(opts.c_bin)} {shlex.join(frame)} >/dev/null "
                         f"&& cd ..\n")
    env = dict(os.environ, OMP_NUM_THREADS=str(opts.threads))
    series_cmd = [sys.executable, "-m", "nanobragg_nb", "series", "--stills" if stills else "--frames",
                  str(opts.frames), *args, "--threads", str(opts.threads), "--template", "out/image_#####.img"]
    if stills:
        series_cmd += ["--orientation-seed", "1"]
    if opts.fast:
        series_cmd.append("--fast")
    # warm the JIT cache
    warm = os.path.join(work, "warm")
    os.makedirs(warm)
    timed([sys.executable, "-m", "nanobragg_nb", "-default_F", "1", "-cell", "10", "10", "10", "90", "90", "90",
           "-detpixels", "8"] + (["--fast"] if opts.fast else []), warm, env)
    c_times, nb_times = [], []
    for rep in range(opts.repeat):
        c_dir, nb_dir = (os.path.join(work, f"{name}{rep}") for name in ("c", "nb"))
        for folder in (c_dir, nb_dir):
            os.makedirs(folder)
            os.symlink("../demo.hkl", os.path.join(folder, "demo.hkl"))
        c_times.append(timed(f"sh {shlex.quote(loop)}", c_dir, env))
        nb_times.append(timed(series_cmd, nb_dir, env))
    same = []
    for k in (1, opts.frames):
        c_pixels = open(os.path.join(work, "c0", f"f{k}", "noiseimage.img"), "rb").read()[512:]
        ours = open(os.path.join(work, "nb0", "out", f"image_{k:05d}.img"), "rb").read()
        same.append(ours.endswith(c_pixels) and len(ours) - len(c_pixels) in (512, 1024))
    entries = [json.loads(line) for line in open(os.path.join(work, "nb0", "out", "manifest.jsonl"))][1:]
    phases = {name: statistics.median(e["seconds"][name] for e in entries) for name in ("setup", "render", "noise",
                                                                                         "write")}
    c, nb = statistics.median(c_times), statistics.median(nb_times)
    print(f"{opts.case}, {opts.frames} frames, {opts.threads} threads{' (--fast)' if opts.fast else ''}: "
          f"C loop {c:.2f} s ({c / opts.frames:.3f} s/frame), series {nb:.2f} s ({nb / opts.frames:.3f} s/frame), "
          f"C/series = {c / nb:.2f}; runs: C {[round(t, 2) for t in c_times]}, "
          f"series {[round(t, 2) for t in nb_times]}")
    print("series median per frame: " + ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in phases.items()))
    if not opts.fast:
        print(f"frames 1 and {opts.frames} pixels equal to the C's noise images: {same}")
    print(f"folder: {work}")


if __name__ == "__main__":
    main()
