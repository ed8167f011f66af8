"""``nanobragg-nb compare``: run nanoBragg.c and nanobragg-nb on the same arguments.

::

    nanobragg-nb compare [--c-bin PATH] [--keep DIR] [--input FILE ...] -- ARGS...

Runs the user's nanoBragg build (``--c-bin`` or ``$NB_C_BIN``) and
nanobragg-nb, each in a fresh folder holding copies of the input files that
ARGS name, and reports, for every file either program wrote, identical bytes
or how it differs (a float image: the fraction of bit-identical pixels, the
worst relative error, the correlation and the sum ratio; an SMV image: header
or pixels, and how many pixels), then the logs (stdout, leaving out progress
lines and reading memory addresses as equal, the first differing line), the
exit statuses and both wall times. Exit status 0 when everything is
identical, 1 when something differs, 2 for bad arguments.
"""
import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ArgumentError, OutputError

PROGRESS = re.compile(r"^\d+% done$")
ADDRESS = re.compile(r"0x[0-9a-fA-F]+")
#: header size of the C's SMV images (the text may run past it, see docs/parity.md)
SMV_HEADER = 512


@dataclass
class Run:
    """One program's run: its folder, exit status, stdout and wall time."""

    folder: Path
    status: int
    stdout: str
    stderr: str
    seconds: float


def log_lines(text):
    """stdout lines without progress lines ("N% done"), memory addresses read as equal."""
    return [ADDRESS.sub("0x#", line.rstrip()) for line in text.splitlines() if not PROGRESS.match(line.strip())]


def first_log_difference(ref, got):
    """The first differing line of two logs, or None when they are the same."""
    for i, (r, g) in enumerate(zip(ref, got)):
        if r != g:
            return f"line {i + 1}: C {r!r}, nanobragg-nb {g!r}"
    if len(ref) != len(got):
        return f"C printed {len(ref)} lines, nanobragg-nb {len(got)}"
    return None


def float_stats(ref_bytes, got_bytes):
    """Differences of two float32 images of the same size.

    Returns
    -------
    dict
        bit_identical (fraction), worst_rel, corr, sum_ratio.
    """
    ref = np.frombuffer(ref_bytes, dtype=np.float32).astype(np.float64)
    got = np.frombuffer(got_bytes, dtype=np.float32).astype(np.float64)
    same = np.frombuffer(ref_bytes, dtype=np.uint32) == np.frombuffer(got_bytes, dtype=np.uint32)
    with np.errstate(all="ignore"):
        rel = np.abs(got - ref) / np.maximum(np.abs(ref), 1e-30)
        rel[same | (got == ref)] = 0.0
        worst = float(np.nanmax(rel)) if rel.size else 0.0
        if not np.all(np.isfinite(got) == np.isfinite(ref)):
            worst = float("inf")
        corr = float(np.corrcoef(ref, got)[0, 1]) if ref.std() > 0 and got.std() > 0 else float("nan")
        total = float(ref.sum())
        ratio = float(got.sum()) / total if total != 0 else float("nan")
    return dict(bit_identical=float(same.mean()) if same.size else 1.0, worst_rel=worst, corr=corr, sum_ratio=ratio)


def describe_difference(name, ref, got, float_names):
    """One line saying how file ``name`` differs between the C (``ref``) and us (``got``), or None."""
    if ref == got:
        return None
    if name in float_names and len(ref) == len(got) and len(ref) % 4 == 0:
        st = float_stats(ref, got)
        return (f"DIFFERS: bit-identical {st['bit_identical']:.6f}, worst relative error {st['worst_rel']:.3g}, "
                f"correlation {st['corr']:.9f}, sum ratio {st['sum_ratio']:.9f}")
    n = min(len(ref), len(got))
    first = next((i for i in range(n) if ref[i] != got[i]), n)
    text = f"DIFFERS from byte {first} (C {len(ref)} bytes, nanobragg-nb {len(got)})"
    if ref[:1] == b"{" and len(ref) == len(got) and len(ref) > SMV_HEADER:
        body = (len(ref) - SMV_HEADER) // 2 * 2
        a = np.frombuffer(ref[len(ref) - body:], dtype=np.uint16)
        b = np.frombuffer(got[len(got) - body:], dtype=np.uint16)
        text += f"; header {'differs' if first < len(ref) - body else 'identical'}, " \
                f"{int((a != b).sum())} of {a.size} pixels differ"
    return text


def float_image_names(args):
    """Names of the float images ARGS ask for: floatimage.bin and any -floatfile/-floatimage value."""
    names = {"floatimage.bin"}
    for i, tok in enumerate(args[:-1]):
        if tok.startswith("-") and ("-floatfile" in tok or "-floatimage" in tok):
            names.add(args[i + 1])
    return names


def stage(folder, args, extra=()):
    """Copy into ``folder`` the files of the current folder that ARGS (or ``extra``) name."""
    for name in list(args) + list(extra):
        p = Path(name)
        if not p.is_absolute() and p.is_file():
            dest = Path(folder) / p
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(p, dest)


def snapshot(folder):
    """``relative path -> bytes`` of every file under ``folder``."""
    folder = Path(folder)
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def run_in(folder, argv, timeout):
    """Run ``argv`` in ``folder`` with the C locale; returns a :class:`Run`."""
    env = dict(os.environ, LC_ALL="C")
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(argv, cwd=folder, capture_output=True, text=True, errors="replace", env=env,
                              timeout=timeout)
    except FileNotFoundError as err:
        raise ArgumentError(f"compare: cannot run {argv[0]}: {err.strerror}") from None
    except PermissionError:
        raise ArgumentError(f"compare: {argv[0]} is not executable") from None
    except subprocess.TimeoutExpired:
        return Run(Path(folder), -1, "", f"no answer in {timeout} s", time.perf_counter() - t0)
    return Run(Path(folder), proc.returncode, proc.stdout, proc.stderr, time.perf_counter() - t0)


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise ArgumentError(f"compare: {message}")


def _parser():
    p = _Parser(prog="nanobragg-nb compare",
                description="Run nanoBragg.c and nanobragg-nb on the same arguments and compare their outputs.",
                usage="nanobragg-nb compare [--c-bin PATH] [options] -- ARGS...")
    p.add_argument("--c-bin", metavar="PATH", help="the nanoBragg executable (default $NB_C_BIN)")
    p.add_argument("--nb-cmd", metavar="CMD", help="our command line (default: this Python -m nanobragg_nb)")
    p.add_argument("--input", action="append", default=[], metavar="FILE",
                   help="another file to copy into both folders (e.g. an Fdump.bin read without -hkl)")
    p.add_argument("--keep", metavar="DIR", help="keep the two run folders as DIR/c and DIR/nb")
    p.add_argument("--timeout", type=float, default=None, help="seconds each program may run")
    return p


def compare(c_bin, args, nb_cmd=None, extra_inputs=(), keep=None, timeout=None, out=None):
    """Run both programs and print the comparison.

    Parameters
    ----------
    c_bin : str
        The nanoBragg executable.
    args : list of str
        nanoBragg arguments, given to both.
    nb_cmd : list of str, optional
        Our command (default ``[sys.executable, "-m", "nanobragg_nb"]``).
    extra_inputs : sequence of str
        More files to copy into both folders.
    keep : str, optional
        Folder in which to keep the runs (``c/`` and ``nb/``).
    timeout : float, optional
    out : file, optional
        Where to print (stdout).

    Returns
    -------
    bool
        True when every output, the log and the exit status are identical.
    """
    out = out or sys.stdout
    nb_cmd = nb_cmd or [sys.executable, "-m", "nanobragg_nb"]
    with tempfile.TemporaryDirectory(prefix="nb-compare-") as work:
        folders = {}
        for side in ("c", "nb"):
            folders[side] = Path(work) / side
            folders[side].mkdir()
            stage(folders[side], args, extra_inputs)
        staged = snapshot(folders["c"])
        c_run = run_in(folders["c"], [c_bin, *args], timeout)
        nb_run = run_in(folders["nb"], [*nb_cmd, *args], timeout)
        c_files, nb_files = snapshot(folders["c"]), snapshot(folders["nb"])
        if keep:
            try:
                for side in ("c", "nb"):
                    dest = Path(keep) / side
                    if dest.exists():
                        shutil.rmtree(dest)
                    shutil.copytree(folders[side], dest)
            except OSError as err:
                raise OutputError(f"compare: cannot keep the runs in {keep}: {err.strerror or err}") from None
    names = sorted(n for n in set(c_files) | set(nb_files)
                   if not (n in staged and c_files.get(n) == staged[n] and nb_files.get(n) == staged[n]))
    floats = float_image_names(args)
    same = True
    p = lambda text: print(text, file=out)  # noqa: E731
    p("nanobragg-nb compare")
    p(f"  C            {c_bin}")
    p(f"  nanobragg-nb {shlex.join(nb_cmd)}")
    p(f"  arguments    {shlex.join(args)}")
    status = f"C {c_run.status}, nanobragg-nb {nb_run.status}"
    if c_run.status != nb_run.status:
        same = False
        status += "  DIFFERS"
        for name, run in (("C", c_run), ("nanobragg-nb", nb_run)):
            if run.status != 0 and run.stderr.strip():
                status += f"\n    {name} stderr: {run.stderr.strip().splitlines()[-1]}"
    p(f"  {'exit status':<18s} {status}")
    width = max([18] + [len(n) for n in names])
    for name in names:
        if name not in c_files or name not in nb_files:
            same = False
            p(f"  {name:<{width}s} DIFFERS: written only by {'the C' if name in c_files else 'nanobragg-nb'}")
            continue
        diff = describe_difference(name, c_files[name], nb_files[name], floats)
        same = same and diff is None
        p(f"  {name:<{width}s} {diff or f'identical ({len(c_files[name])} bytes)'}")
    ref, got = log_lines(c_run.stdout), log_lines(nb_run.stdout)
    diff = first_log_difference(ref, got)
    same = same and diff is None
    p(f"  {'stdout':<{width}s} " + (f"identical ({len(ref)} lines, progress lines left out)" if diff is None
                                    else f"DIFFERS at {diff}"))
    p(f"  {'wall time':<{width}s} C {c_run.seconds:.3f} s, nanobragg-nb {nb_run.seconds:.3f} s")
    p("outputs identical" if same else "outputs DIFFER")
    return same


def main(argv):
    """Entry point of ``nanobragg-nb compare``; returns the exit status."""
    argv = list(argv)
    if "--" in argv:
        cut = argv.index("--")
        own, args = argv[:cut], argv[cut + 1:]
    else:
        own, args = argv, []
    if any(a in ("-h", "--help") for a in own):
        _parser().print_help()
        return 0
    opts = _parser().parse_args(own)
    if not args:
        raise ArgumentError("compare: give the nanoBragg arguments after '--' "
                            "(nanobragg-nb compare --c-bin PATH -- -cell ... )")
    c_bin = opts.c_bin or os.environ.get("NB_C_BIN")
    if not c_bin:
        raise ArgumentError("compare: say which nanoBragg to run with --c-bin PATH or NB_C_BIN")
    c_path = Path(c_bin)
    if not c_path.is_file() and shutil.which(c_bin):
        c_path = Path(shutil.which(c_bin))
    if not c_path.is_file():
        raise ArgumentError(f"compare: no such program: {c_bin}")
    nb_cmd = shlex.split(opts.nb_cmd) if opts.nb_cmd else None
    same = compare(str(c_path.resolve()), args, nb_cmd, opts.input, opts.keep, opts.timeout)
    return 0 if same else 1
