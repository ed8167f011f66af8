#!/usr/bin/env python3
"""Side by side: a nanoBragg build and nanobragg-nb on the same arguments and the same threads.

Each program runs as a whole process, as a user runs it (start-up, setup,
pixel loop, writing the files), alternately, several times, each run in a
fresh folder. Printed: the median wall time and peak memory of each, their
ratio, and whether the files they wrote are identical.

    export NB_C_BIN=/path/to/nanoBragg          # an OpenMP build (gcc -O3 -fopenmp)
    python3 asv_bench/compare_c.py --workload heavy --pixels 512 --threads 2
    python3 asv_bench/compare_c.py --args "-default_F 100 -cell 100 100 100 90 90 90 -lambda 6.2 -N 5" --threads 2
    python3 asv_bench/compare_c.py --targets --markdown targets.md    # every target of docs/performance.md

The C gets ``OMP_NUM_THREADS=N``; nanobragg-nb gets ``--threads N``. Before
the timed runs, nanobragg-nb runs once on a tiny detector so that its JIT
cache is warm (``--targets`` measures the cold start separately, with an empty
cache). With ``--serial-bin`` (or ``NB_C_SERIAL_BIN``) the outputs are also
compared with a serial build of the C, the reference of the faithful mode.
"""
import argparse
import datetime
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from benchmarks.workloads import WORKLOADS, arguments  # noqa: E402

OUTPUT_FILES = ("floatimage.bin", "intimage.img", "image.pgm", "noiseimage.img", "Fdump.bin")


def run_process(command, folder, env):
    """Run ``command`` in ``folder``; returns (wall seconds, peak RSS in MB, exit status, CPU seconds).

    The peak RSS and the CPU time (user + system, all threads) are the
    child's own (``wait4``), not this script's. CPU time is what the run
    costs whatever else the machine is doing; the wall time is what a user
    waits.
    """
    start = time.perf_counter()
    with open(os.path.join(folder, "stdout.txt"), "wb") as out, open(os.path.join(folder, "stderr.txt"), "wb") as err:
        child = subprocess.Popen(command, cwd=folder, env=env, stdout=out, stderr=err)
        try:
            _, status, usage = os.wait4(child.pid, 0)
        except BaseException:
            child.kill()
            child.wait()
            raise
        child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    return seconds, usage.ru_maxrss / 1024.0, child.returncode, usage.ru_utime + usage.ru_stime


def compare_outputs(reference_folder, folder):
    """Which output files are byte-identical; for a differing float image, how close it is.

    Returns
    -------
    dict
        ``files``: name -> True/False for every file either program wrote;
        ``float``: correlation, sum ratio and worst relative error of the
        float images when they differ.
    """
    import numpy as np
    files = {}
    for name in OUTPUT_FILES:
        ref, got = os.path.join(reference_folder, name), os.path.join(folder, name)
        if os.path.exists(ref) or os.path.exists(got):
            files[name] = (os.path.exists(ref) and os.path.exists(got)
                           and _same_bytes(ref, got))
    report = {"files": files, "identical": all(files.values()) and bool(files)}
    ref, got = os.path.join(reference_folder, "floatimage.bin"), os.path.join(folder, "floatimage.bin")
    if files.get("floatimage.bin") is False and os.path.exists(ref) and os.path.exists(got):
        a = np.fromfile(ref, dtype=np.float32).astype(np.float64)
        b = np.fromfile(got, dtype=np.float32).astype(np.float64)
        if a.size == b.size and a.size:
            rel = np.abs(b - a) / np.maximum(np.abs(a), 1e-30)
            rel[a == b] = 0.0
            report["float"] = {
                "correlation": float(np.corrcoef(a, b)[0, 1]) if a.std() > 0 and b.std() > 0 else float("nan"),
                "sum_ratio": float(b.sum() / a.sum()) if a.sum() != 0 else float("nan"),
                "worst_relative_error": float(rel.max()),
                "identical_pixels": float(np.mean(a == b)),
            }
    return report


def _same_bytes(a, b, chunk=1 << 22):
    if os.path.getsize(a) != os.path.getsize(b):
        return False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(chunk), fb.read(chunk)
            if x != y:
                return False
            if not x:
                return True


def nb_command(nb_cmd, args, threads, fast=False):
    """The nanobragg-nb command line for ``args`` on ``threads`` threads."""
    own = ["--threads", str(threads)] + (["--fast"] if fast else [])
    return shlex.split(nb_cmd) + own + list(args)


def environment(threads, numba_cache_dir=None):
    """The environment of both programs: C locale, ``OMP_NUM_THREADS``, optionally a JIT cache folder."""
    env = dict(os.environ, LC_ALL="C", OMP_NUM_THREADS=str(threads))
    if numba_cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = numba_cache_dir
    return env


def warm_up(nb_cmd, args, threads, fast=False):
    """One untimed nanobragg-nb run of ``args`` on a 16x16 detector, so that the JIT cache is filled."""
    folder = tempfile.mkdtemp(prefix="nb-compare-warm-")
    try:
        # the last -detpixels wins, as in the C's argument loop
        command = nb_command(nb_cmd, list(args) + ["-detpixels", "16"], threads, fast)
        run_process(command, folder, environment(threads))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def side_by_side(c_bin, nb_cmd, args, threads, repeats, fast=False, serial_bin=None, run_c=True, log=print):
    """Run the C and nanobragg-nb alternately ``repeats`` times each.

    Returns
    -------
    dict
        Medians and every run's seconds and peak RSS for both, the ratio of
        the medians (C / nanobragg-nb: above 1 is faster than the C) and the
        comparison of the outputs of the last runs.
    """
    warm_up(nb_cmd, args, threads, fast)
    runs = {"c": [], "nb": []}
    keep = {}
    folders = []
    env = environment(threads)
    try:
        for i in range(repeats):
            # alternate which goes first, so that neither always follows the other's cache effects
            order = ("c", "nb") if i % 2 == 0 else ("nb", "c")
            for who in order:
                if who == "c" and not run_c:
                    continue
                folder = tempfile.mkdtemp(prefix=f"nb-compare-{who}-")
                folders.append(folder)
                command = [c_bin, *args] if who == "c" else nb_command(nb_cmd, args, threads, fast)
                seconds, rss, status, cpu = run_process(command, folder, env)
                if status != 0:
                    with open(os.path.join(folder, "stderr.txt"), errors="replace") as handle:
                        tail = handle.read()[-2000:]
                    raise RuntimeError(f"{shlex.join(command)} exited with {status}:\n{tail}")
                runs[who].append((seconds, rss, cpu))
                keep[who] = folder
                log(f"  run {i + 1}/{repeats} {'C ' if who == 'c' else 'nb'}: {seconds:8.3f} s  {rss:7.1f} MB  "
                    f"(CPU {cpu:.2f} s)")
        result = {"args": list(args), "threads": threads, "repeats": repeats, "fast": fast}
        for who, values in runs.items():
            if values:
                result[who] = {"seconds": [v[0] for v in values], "peak_rss_mb": [v[1] for v in values],
                               "cpu_seconds": [v[2] for v in values],
                               "median_seconds": statistics.median(v[0] for v in values),
                               "median_peak_rss_mb": statistics.median(v[1] for v in values),
                               "median_cpu_seconds": statistics.median(v[2] for v in values)}
        if run_c:
            result["ratio"] = result["c"]["median_seconds"] / result["nb"]["median_seconds"]
            result["outputs_vs_c"] = compare_outputs(keep["c"], keep["nb"])
        if serial_bin:
            folder = tempfile.mkdtemp(prefix="nb-compare-serial-")
            folders.append(folder)
            run_process([serial_bin, *args], folder, env)
            result["outputs_vs_serial_c"] = compare_outputs(folder, keep["nb"])
        return result
    finally:
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)


def start_up(nb_cmd, threads, repeats, log=print):
    """Cold (empty JIT cache) and warm whole-process times of nanobragg-nb on a 64x64 one-term detector."""
    cache = tempfile.mkdtemp(prefix="nb-compare-jit-cache-")
    folder = tempfile.mkdtemp(prefix="nb-compare-start-")
    args = arguments("one_term", 64, folder)
    try:
        env = environment(threads, numba_cache_dir=cache)
        cold, _, _, cold_cpu = run_process(nb_command(nb_cmd, args, threads), folder, env)
        log(f"  cold start: {cold:.2f} s (CPU {cold_cpu:.2f} s)")
        warm = [run_process(nb_command(nb_cmd, args, threads), folder, env) for _ in range(repeats)]
        log(f"  warm start: {', '.join(f'{w[0]:.2f}' for w in warm)} s "
            f"(CPU {', '.join(f'{w[3]:.2f}' for w in warm)} s)")
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(folder, ignore_errors=True)
    return {"cold_seconds": cold, "cold_cpu_seconds": cold_cpu, "warm_seconds": [w[0] for w in warm],
            "warm_cpu_seconds": [w[3] for w in warm], "median_warm_seconds": statistics.median(w[0] for w in warm),
            "median_warm_cpu_seconds": statistics.median(w[3] for w in warm)}


def summary_line(result):
    """One line: medians, ratio and identity of a :func:`side_by_side` result."""
    nb = result["nb"]
    text = (f"nanobragg-nb {nb['median_seconds']:.3f} s (CPU {nb['median_cpu_seconds']:.2f} s), "
            f"{nb['median_peak_rss_mb']:.0f} MB")
    if "c" in result:
        c = result["c"]
        same = result["outputs_vs_c"]
        text = (f"C {c['median_seconds']:.3f} s (CPU {c['median_cpu_seconds']:.2f} s), "
                f"{c['median_peak_rss_mb']:.0f} MB | " + text
                + f" | C/nb = {result['ratio']:.2f}x | outputs identical: {'yes' if same['identical'] else 'no'}")
        if not same["identical"]:
            text += " (" + ", ".join(f"{k} {'==' if v else '!='}" for k, v in same["files"].items()) + ")"
            if "float" in same:
                f = same["float"]
                text += (f" float: corr {f['correlation']:.7f}, sum ratio {f['sum_ratio']:.7f}, "
                         f"worst rel {f['worst_relative_error']:.2e}")
    if "outputs_vs_serial_c" in result:
        text += f" | identical to the serial C: {'yes' if result['outputs_vs_serial_c']['identical'] else 'no'}"
    return text


def machine_description():
    """CPU, cores, load and commit: what a reader needs to judge the numbers."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True,
                                text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=HERE,
                               capture_output=True, text=True).stdout.strip()
        commit += " (with uncommitted changes)" if dirty else ""
    except OSError:
        commit = "unknown"
    return {"date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), "cpu": cpu,
            "cores": os.cpu_count(), "load_average": os.getloadavg(), "commit": commit,
            "python": platform.python_version()}


def targets(c_bin, nb_cmd, threads, repeats, serial_bin=None, log=print):
    """Measure every target of the performance issue; returns a list of rows."""
    script = "python3 asv_bench/compare_c.py"
    rows = []

    def row(target, goal, measured, met, command, detail=""):
        rows.append({"target": target, "goal": goal, "measured": measured, "met": met, "command": command,
                     "detail": detail})
        log(f"=> {target}: {measured} ({'met' if met else 'NOT met'})")

    folder = tempfile.mkdtemp(prefix="nb-compare-inputs-")
    try:
        heavy = arguments("heavy", 512, folder)
        log(f"heavy workload, 512x512, {threads} threads")
        h = side_by_side(c_bin, nb_cmd, heavy, threads, repeats, serial_bin=serial_bin, log=log)
        log(summary_line(h))
        row(f"heavy 512x512, {threads} threads: nb >= 2x faster than the C (OpenMP)", ">= 2.00x",
            f"{h['ratio']:.2f}x (C {h['c']['median_seconds']:.2f} s, nb {h['nb']['median_seconds']:.2f} s)",
            h["ratio"] >= 2.0, f"{script} --workload heavy --pixels 512 --threads {threads}",
            summary_line(h))

        one = arguments("one_term", 4096, folder)
        log(f"one term per pixel (bench_seed_1024 arguments), 4096x4096, {threads} threads")
        o = side_by_side(c_bin, nb_cmd, one, threads, repeats, serial_bin=serial_bin, log=log)
        log(summary_line(o))
        row(f"bench_seed_1024 arguments at 4096x4096, {threads} threads: at least as fast as the C", ">= 1.00x",
            f"{o['ratio']:.2f}x (C {o['c']['median_seconds']:.2f} s, nb {o['nb']['median_seconds']:.2f} s)",
            o["ratio"] >= 1.0, f"{script} --workload one_term --pixels 4096 --threads {threads}", summary_line(o))

        log("heavy workload, 512x512, nanobragg-nb on 1 thread")
        single = side_by_side(c_bin, nb_cmd, heavy, 1, repeats, run_c=False, log=log)
        scaling = single["nb"]["median_seconds"] / h["nb"]["median_seconds"]
        row(f"heavy 512x512: {threads} threads >= 1.8x faster than 1 thread", ">= 1.80x",
            f"{scaling:.2f}x (1 thread {single['nb']['median_seconds']:.2f} s, {threads} threads "
            f"{h['nb']['median_seconds']:.2f} s)", scaling >= 1.8,
            f"{script} --workload heavy --pixels 512 --threads 1 --nb-only")

        log("start-up, one term per pixel, 64x64")
        s = start_up(nb_cmd, threads, repeats, log=log)
        row("cold start (empty JIT cache), whole process, 64x64", "< 30 s",
            f"{s['cold_seconds']:.1f} s (CPU {s['cold_cpu_seconds']:.1f} s)", s["cold_seconds"] < 30.0,
            f"{script} --start-up")
        row("warm start-up overhead, whole process on a 64x64 detector (import, parse, setup, files)", "< 1.5 s",
            f"{s['median_warm_seconds']:.2f} s (CPU {s['median_warm_cpu_seconds']:.2f} s)",
            s["median_warm_seconds"] < 1.5, f"{script} --start-up")

        extra = o["nb"]["median_peak_rss_mb"] - o["c"]["median_peak_rss_mb"]
        row("peak memory at 4096x4096: nb <= C + 200 MB", "<= +200 MB",
            f"+{extra:.0f} MB (C {o['c']['median_peak_rss_mb']:.0f} MB, nb {o['nb']['median_peak_rss_mb']:.0f} MB)",
            extra <= 200.0, f"{script} --workload one_term --pixels 4096 --threads {threads}")

        log(f"heavy workload, 512x512, {threads} threads, fast mode")
        try:
            f = side_by_side(c_bin, nb_cmd, heavy, threads, repeats, fast=True, log=log)
            log(summary_line(f))
            row(f"fast mode, heavy 512x512, {threads} threads: >= 4x the C", ">= 4.00x",
                f"{f['ratio']:.2f}x (C {f['c']['median_seconds']:.2f} s, nb --fast {f['nb']['median_seconds']:.2f} s)",
                f["ratio"] >= 4.0, f"{script} --workload heavy --pixels 512 --threads {threads} --fast",
                summary_line(f))
        except RuntimeError as err:
            row(f"fast mode, heavy 512x512, {threads} threads: >= 4x the C", ">= 4.00x",
                f"not measured: {str(err).splitlines()[-1] if str(err).strip() else err}", False,
                f"{script} --workload heavy --pixels 512 --threads {threads} --fast")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return rows


def markdown(rows, machine, threads, repeats, load_at_end):
    """The targets as a Markdown table, with the machine and the commit they were measured on."""
    lines = [f"Measured {machine['date']} on commit {machine['commit']}: {machine['cpu']}, {machine['cores']} cores, "
             f"load average {machine['load_average'][0]:.2f} at the start, {load_at_end[0]:.2f} at the end; "
             f"{threads} threads; "
             f"medians of {repeats} alternating runs; whole processes, warm JIT cache unless said.",
             "",
             "| target | goal | measured | met | command |",
             "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['target']} | {r['goal']} | {r['measured']} | {'yes' if r['met'] else '**no**'} | "
                     f"`{r['command']}` |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--c-bin", default=os.environ.get("NB_C_BIN"),
                        help="the nanoBragg build to compare with (default: $NB_C_BIN)")
    parser.add_argument("--serial-bin", default=os.environ.get("NB_C_SERIAL_BIN"),
                        help="a serial build of the C: outputs compared with it too (default: $NB_C_SERIAL_BIN)")
    parser.add_argument("--nb-cmd", default=shutil.which("nanobragg-nb") or f"{sys.executable} -m nanobragg_nb",
                        help="the nanobragg-nb command (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="threads for both (default: all cores)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each program (default: 3)")
    parser.add_argument("--workload", choices=sorted(WORKLOADS), default="one_term")
    parser.add_argument("--pixels", type=int, default=1024, help="detector pixels on each axis (default: 1024)")
    parser.add_argument("--args", help="nanoBragg arguments to run instead of a workload")
    parser.add_argument("--fast", action="store_true", help="run nanobragg-nb in its fast mode")
    parser.add_argument("--nb-only", action="store_true", help="time nanobragg-nb alone")
    parser.add_argument("--start-up", action="store_true", help="cold and warm start-up of nanobragg-nb only")
    parser.add_argument("--targets", action="store_true", help="measure every target of docs/performance.md")
    parser.add_argument("--json", help="write the results to this file")
    parser.add_argument("--markdown", help="with --targets: write the table to this file")
    opts = parser.parse_args(argv)

    needs_c = not (opts.nb_only or opts.start_up)
    if needs_c and not (opts.c_bin and os.access(opts.c_bin, os.X_OK)):
        parser.error("set NB_C_BIN (or --c-bin) to an executable nanoBragg build, ideally with OpenMP")
    machine = machine_description()
    print(f"{machine['cpu']}, {machine['cores']} cores, load {machine['load_average'][0]:.2f}, "
          f"commit {machine['commit']}")
    if opts.targets:
        rows = targets(opts.c_bin, opts.nb_cmd, opts.threads, opts.repeats, opts.serial_bin)
        table = markdown(rows, machine, opts.threads, opts.repeats, os.getloadavg())
        print()
        print(table)
        if opts.markdown:
            with open(opts.markdown, "w") as handle:
                handle.write(table)
        result = {"machine": machine, "load_average_at_end": os.getloadavg(), "targets": rows}
        status = 0 if all(r["met"] for r in rows) else 1
    elif opts.start_up:
        result = start_up(opts.nb_cmd, opts.threads, opts.repeats)
        print(f"cold start {result['cold_seconds']:.2f} s, warm start {result['median_warm_seconds']:.2f} s "
              f"(median; CPU {result['median_warm_cpu_seconds']:.2f} s)")
        status = 0
    else:
        folder = tempfile.mkdtemp(prefix="nb-compare-inputs-")
        try:
            args = shlex.split(opts.args) if opts.args else arguments(opts.workload, opts.pixels, folder)
            print(f"{'nanobragg-nb' if opts.nb_only else 'C and nanobragg-nb'}, {opts.threads} threads: "
                  f"{shlex.join(args)}")
            result = side_by_side(opts.c_bin, opts.nb_cmd, args, opts.threads, opts.repeats, fast=opts.fast,
                                  serial_bin=opts.serial_bin, run_c=not opts.nb_only)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        print(summary_line(result))
        # the faithful mode must match the serial C when one is given (an OpenMP build may differ from it)
        reference = result.get("outputs_vs_serial_c") or result.get("outputs_vs_c")
        status = 0 if opts.nb_only or opts.fast or reference["identical"] else 1
    if opts.json:
        with open(opts.json, "w") as handle:
            json.dump(result, handle, indent=1)
    return status


if __name__ == "__main__":
    sys.exit(main())
