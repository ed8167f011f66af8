"""Inner iterations per second of the pixel loop: the CUDA kernel against the CPU kernel, faithful and fast.

An inner iteration is one pass through the C's mosaic loop body:
rendered pixels x sub-pixels x detector layers x sources x phi steps x mosaic
domains. Each workload is set up once and the loop alone is timed, on the GPU
with ``core.engines.cuda.render`` and on the CPU with ``core.engines.cpu.render`` on every
core, after a small warm-up run has compiled (or loaded) every kernel.
The GPU images are compared with the CPU's of the same mode, and the fast
images with the faithful CPU image (the serial C's bits).

    python3 asv_bench/gpu_bench.py [--repeats 3] [--json OUT.json] [--workloads heavy_1024,one_term_4096]
"""
import argparse
import json
import statistics
import sys
import time

import numpy as np

HEAVY = ("-default_F 100 -cell 100 100 100 90 90 90 -lambda 6.2 -N 10 -mosaic 0.5 -mosaic_dom 10 -phi 0 -osc 1 "
         "-phisteps 3 -divergence 0.2 -divsteps 3 -dispersion 1 -dispsteps 2 -oversample 2 -distance 100 -seed 1")
WORKLOADS = {
    "heavy_1024": HEAVY + " -detpixels 1024",
    "heavy_512": HEAVY + " -detpixels 512",
    "one_term_4096": "-default_F 100 -cell 100 100 100 90 90 90 -lambda 6.2 -distance 100 -detpixels 4096 -seed 1",
    "smoke_8": HEAVY + " -detpixels 8",       # checks the script itself, e.g. under the CUDA simulator
}


def prepare(args):
    """Setup and kernel tables of a workload, and its number of inner iterations."""
    from nanobragg_nb.core import rng
    from nanobragg_nb.programs.nanobragg.cparse import parse_args
    from nanobragg_nb.core.engines.progress import rendered_mask
    from nanobragg_nb.core.kernels import tables
    from nanobragg_nb.core.log import Log
    from nanobragg_nb.core.setup import prepare as prepare_setup
    s = prepare_setup(parse_args(args.split()).config, Log(), rng.RandomState())
    s.progress_meter = False
    t = tables.build(s)
    pixels = int(rendered_mask(t.Q, t.mask, s.spixels).sum())
    iterations = pixels * s.oversample ** 2 * s.detector_thicksteps * s.sources * s.phisteps * s.mosaic_domains
    return s, t, iterations


def timed(render, repeats):
    """Median seconds of ``repeats`` calls, and the last image."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = render()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result.floatimage


def compare(reference, image):
    """Agreement of two float images."""
    a, b = reference.astype(np.float64), image.astype(np.float64)
    scale = np.abs(a).max() or 1.0
    rel = np.abs(b - a) / np.maximum(np.abs(a), 1e-30)
    rel[a == b] = 0.0
    return {"bit_identical": float(np.mean(reference.view(np.uint32) == image.view(np.uint32))),
            "worst_rel": float(rel.max()), "worst_abs_over_max": float(np.abs(b - a).max() / scale),
            "corr": float(np.corrcoef(a, b)[0, 1]) if a.std() > 0 and b.std() > 0 else float("nan"),
            "sum_ratio": float(b.sum() / a.sum()) if a.sum() else float("nan")}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cpu-repeats", type=int, default=1, help="timed CPU runs (the CPU is the slow side)")
    ap.add_argument("--workloads", default="heavy_1024,one_term_4096")
    ap.add_argument("--json")
    opts = ap.parse_args(argv)

    import numba

    from nanobragg_nb.core.engines import cuda as cuda_engine, cpu as engine
    reason = cuda_engine.unusable_reason()
    if reason:
        print(f"gpu_bench: no GPU: {reason}", file=sys.stderr)
        return 2
    from nanobragg_nb.core.kernels import cuda as kernels
    cores = numba.config.NUMBA_NUM_THREADS
    numba.set_num_threads(cores)
    report = {"gpu": kernels.device_name(), "cpu_threads": cores, "numba": numba.__version__, "runs": []}
    print(f"GPU: {report['gpu']}; CPU kernel on {cores} threads", flush=True)
    print(f"{'workload':15s} {'mode':9s} {'iterations':>12s} {'CPU s':>8s} {'GPU s':>8s} {'CPU it/s':>10s} "
          f"{'GPU it/s':>10s} {'speed-up':>8s}  GPU vs CPU image", flush=True)
    warm_s, warm_t, _ = prepare(HEAVY + " -detpixels 16")
    for mode in ("faithful", "fast"):
        engine.render(warm_s, warm_t, threads=cores, progress=False, mode=mode)
        cuda_engine.render(warm_s, warm_t, mode=mode)
    for name in opts.workloads.split(","):
        s, t, iterations = prepare(WORKLOADS[name])
        faithful_cpu = None
        for mode in ("faithful", "fast"):
            cpu_s, cpu_image = timed(lambda: engine.render(s, t, threads=cores, progress=False, mode=mode),
                                     opts.cpu_repeats)
            gpu_s, gpu_image = timed(lambda: cuda_engine.render(s, t, mode=mode), opts.repeats)
            if mode == "faithful":
                faithful_cpu = cpu_image
            run = {"workload": name, "mode": mode, "iterations": iterations, "cpu_s": cpu_s, "gpu_s": gpu_s,
                   "cpu_iter_per_s": iterations / cpu_s, "gpu_iter_per_s": iterations / gpu_s,
                   "speedup": cpu_s / gpu_s, "gpu_vs_cpu": compare(cpu_image, gpu_image),
                   "vs_faithful_cpu": compare(faithful_cpu, gpu_image)}
            report["runs"].append(run)
            agreement = run["gpu_vs_cpu"]
            print(f"{name:15s} {mode:9s} {iterations:12.3e} {cpu_s:8.3f} {gpu_s:8.3f} {run['cpu_iter_per_s']:10.3e} "
                  f"{run['gpu_iter_per_s']:10.3e} {run['speedup']:8.1f}  bit-identical "
                  f"{agreement['bit_identical']:.4f}, worst rel {agreement['worst_rel']:.2e}, "
                  f"corr vs faithful {run['vs_faithful_cpu']['corr']:.7f}, "
                  f"sum ratio {run['vs_faithful_cpu']['sum_ratio']:.7f}", flush=True)
    if opts.json:
        with open(opts.json, "w") as handle:
            json.dump(report, handle, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
