"""Random argument lists and corrupted input files: every run ends in an image or a clear error, in time.

Each example runs ``nanobragg-nb`` in this process on an 8 x 8 detector, in a
fresh folder, and checks that it either wrote an image (exit 0) or stopped
with one of the documented exit statuses and a one-line message: never a
Python traceback, never an "internal error", never a hang. Runs whose pixel
loop would be long (a legitimate request for a large simulation) are stopped
at the start of the loop; everything before it, parsing and the whole setup
phase, has run by then.
"""
import contextlib
import io
import os
import re
import signal
import tempfile

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from nanobragg_nb.programs.nanobragg import api  # noqa: E402
from nanobragg_nb import cli  # noqa: E402
from nanobragg_nb.programs.nanobragg.cparse import RULES  # noqa: E402
from nanobragg_nb.io.smv import smv_header  # noqa: E402

pytestmark = pytest.mark.fuzz

#: exit statuses a run may end with (docs/cli.md); 1 (a bug of ours) is not among them
DOCUMENTED = {0, 2, 3, 4, 5, 6, 9}
#: seconds one run may take, the JIT compilation aside
TIME_BOUND_S = 30
#: inner-loop iterations (pixels x sub-pixels x sources x mosaic x phi x layers) a run may do here
MAX_WORK = 2_000_000

CRYSTAL = ["-cell", "100", "100", "100", "90", "90", "90", "-lambda", "6.2", "-N", "3",
           "-distance", "100", "-seed", "1", "-mosaic_seed", "2", "-misset_seed", "3"]
BASE = ["-default_F", "100"] + CRYSTAL
DETECTOR = ["-detpixels", "8"]

FLAGS = sorted({name.split()[0] for rule in RULES for name in rule.names})
#: flags whose value is a count that sets how long the setup phase loops (sources, mosaic domains)
SETUP_COUNTS = {"-mosaic_domains", "-dispsteps", "-hdivsteps", "-vdivsteps", "-divsteps"}
#: flags that name files: their values are names in the run's folder
FILE_FLAGS = {name.split()[0] for rule in RULES if rule.units == "file" for name in rule.names}

SPECIAL = ["0", "-0", "1", "-1", "2.5", "0.5", "10", "100", "-3.5", "nan", "-nan", "NaN", "inf", "-inf",
           "infinity", "1e308", "-1e308", "1e-308", "5e-324", "1e400", "0x1p3", "2147483647", "-2147483648",
           "4294967296", "", " ", "abc", "random", "sample", "beam", "1e", "+", "-", "--"]
SAFE_TEXT = st.text(alphabet="abcdefgxyzNQ_-+0123456789e.", min_size=0, max_size=8).filter(lambda t: ".." not in t)
VALUES = st.one_of(st.sampled_from(SPECIAL), st.integers(-3, 12).map(str), SAFE_TEXT)
SMALL_COUNTS = st.one_of(st.integers(-3, 12).map(str), st.sampled_from(["0", "-1", "nan", "abc", "", "1e9"]))
FILE_NAMES = st.sampled_from(["in.hkl", "in.mat", "in.img", "in.txt", "absent", "out.bin", "Fdump.bin"])


class TooMuchWork(BaseException):
    """The run reached its pixel loop with more work than a fuzz example may take."""


class Hang(BaseException):
    """The run did not finish within the time bound."""


def item(flag):
    if flag in SETUP_COUNTS:
        values = SMALL_COUNTS
    elif flag in FILE_FLAGS:
        values = FILE_NAMES
    else:
        values = VALUES
    return st.lists(values, min_size=0, max_size=4).map(lambda vals: [flag, *vals])


ITEMS = st.one_of(st.sampled_from(FLAGS).flatmap(item),
                  SAFE_TEXT.map(lambda t: ["-" + t]),
                  SAFE_TEXT.map(lambda t: [t]))
ARGV = st.lists(ITEMS, min_size=1, max_size=8).map(lambda items: [tok for it in items for tok in it])


def _guarded_loop(original):
    def run_loop(s, t, *args, **kwargs):
        factors = (s.pixels, s.sources, s.mosaic_domains, s.phisteps, s.oversample, s.oversample,
                   max(s.detector_thicksteps, 1))
        work = 1
        for f in factors:
            work *= max(int(f), 0)
        if work > MAX_WORK:
            raise TooMuchWork(work)
        return original(s, t, *args, **kwargs)
    return run_loop


@pytest.fixture(scope="module", autouse=True)
def guarded_and_compiled():
    """Bound the pixel loop, and compile the kernels once, outside the time bound."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(api, "_run_loop", _guarded_loop(api._run_loop))
        status, _out, _err = run(BASE + DETECTOR, {})
        assert status == 0
        yield


def _on_alarm(signum, frame):
    raise Hang()


def run(argv, files):
    """Run in a fresh folder holding ``files``: (status, stdout, stderr); status None if stopped early."""
    here = os.getcwd()
    out, err = io.StringIO(), io.StringIO()
    with tempfile.TemporaryDirectory() as folder:
        for name, content in files.items():
            with open(os.path.join(folder, name), "wb") as f:
                f.write(content)
        os.chdir(folder)
        previous = signal.signal(signal.SIGALRM, _on_alarm)
        signal.alarm(TIME_BOUND_S)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                status = cli.main(argv)
            written = re.findall(r"^writing (.+) as \d", out.getvalue(), re.M)
            wrote_image = status != 0 or (written and all(os.path.isfile(name) for name in written))
        except TooMuchWork:
            status, wrote_image = None, True
        except Hang:
            pytest.fail(f"no result within {TIME_BOUND_S} s: nanobragg-nb {' '.join(argv)}")
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
            os.chdir(here)
    assert wrote_image, f"exit 0 without an image: nanobragg-nb {' '.join(argv)}"
    return status, out.getvalue(), err.getvalue()


def check(argv, files=None):
    status, _out, err = run(argv, files or {})
    where = f"nanobragg-nb {' '.join(repr(a) if not a or ' ' in a else a for a in argv)}\n{err}"
    assert "Traceback" not in err, where
    if status is None:
        return
    assert status in DOCUMENTED, where
    if status != 0:
        last = err.strip().splitlines()[-1] if err.strip() else ""
        assert last.startswith("nanobragg-nb: error:") or (status == 9 and last.startswith("nanobragg-nb: ")), \
            where


#: NANOBRAGG_FUZZ_EXAMPLES=N explores N fresh random examples per test instead of the fixed 150
EXPLORE = int(os.environ.get("NANOBRAGG_FUZZ_EXAMPLES", "0"))
#: inputs that once raised Python exceptions or crashed; the C runs them (to an image of inf or nan)
NONSENSE = [["-osc", "inf"], ["-osc", "1e308", "-phistep", "1e-308"], ["-phi", "inf"], ["-cell", "nan"],
            ["-cell", "inf", "inf", "inf"], ["-cell", "1e-308", "1", "1"], ["-cell", "1e308", "1e308", "1e308"],
            ["-energy", "0"], ["-detector_abs", "5e-324"], ["-distance", "0"], ["-distance", "-"],
            ["-hdivrange", "1e308", "-hdivstep", "1e-308"], ["-misset", "inf", "0", "0"], ["-twotheta", "inf"],
            ["-xtalsize", "inf"], ["-xtalsize", "nan"], ["-mosaic", "inf"], ["-lambda", "0"],
            ["-divsteps", "1"]]                          # the round cut keeps no source: steps = 0


@pytest.mark.parametrize("extra", NONSENSE, ids=" ".join)
def test_nonsense_numbers_give_an_image(extra):
    status, out, err = run(BASE + DETECTOR + extra, {})
    assert status == 0, err
    assert "writing noiseimage.img" in out and "Traceback" not in err and "Warning" not in err


def test_hkl_indices_whose_range_wraps_a_c_int():
    """The C's table would wrap to one plane and the pixel loop read far outside it (a crash)."""
    status, _out, err = run(CRYSTAL + DETECTOR + ["-hkl", "in.hkl"],
                            {"in.hkl": b"2147483647 0 0 100\n-2147483648 0 0 5\n"})
    assert status == 3 and "too large for the C's int arithmetic" in err


FUZZ = settings(max_examples=EXPLORE or 150, deadline=None, derandomize=not EXPLORE, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(ARGV)
def test_random_arguments(argv):
    check(BASE + DETECTOR + argv)


@FUZZ
@given(ARGV)
def test_random_arguments_alone(argv):
    check(DETECTOR + argv)


# corrupted input files: a valid file, then a few cuts, insertions and replaced tokens

HKL = b"0 0 1 100\n1 0 0 50.5\n-1 2 3 7\n2 2 2 0\n"
MATRIX = b"0.0062 0 0\n0 0.0062 0\n0 0 0.0062\n"
SOURCES = b"-10 0 0 1 6.2e-10\n-10 0.001 0 1 6.2e-10\n-10 0 0.001 0.5 6.3e-10\n"
SMV = smv_header(fpixels=8, spixels=8, pixel_size=1e-4, distance=0.1, lambda0=6.2e-10, Xbeam=4e-4, Ybeam=4e-4,
                 Fbeam=4e-4, Sbeam=4e-4, detsize_s=8e-4, dials_origin=(0.0, 0.0, 100.0), ORGX=4.5, ORGY=4.5,
                 close_distance=0.1, phi0=0.0, osc=0.0, detector_twotheta=0.0) + bytes(range(1, 129))

MUTATION = st.one_of(
    st.tuples(st.just("cut"), st.floats(0, 1)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.binary(min_size=1, max_size=6)),
    st.tuples(st.just("token"), st.floats(0, 1), st.sampled_from(SPECIAL + ["1e9", "99999999999", "-5"])),
)


def mutate(data, mutations):
    for mutation in mutations:
        at = int(mutation[1] * len(data))
        if mutation[0] == "cut":
            data = data[:at]
        elif mutation[0] == "insert":
            data = data[:at] + mutation[2] + data[at:]
        else:
            # replace the number (or word) that starts at or after ``at``
            start = at
            while start < len(data) and data[start:start + 1] in b" \t\n;=,":
                start += 1
            end = start
            while end < len(data) and data[end:end + 1] not in b" \t\n;=,":
                end += 1
            data = data[:start] + mutation[2].encode() + data[end:]
    return data


CORRUPTED = st.lists(MUTATION, min_size=1, max_size=3)


@FUZZ
@given(CORRUPTED)
def test_corrupted_hkl_file(mutations):
    check(CRYSTAL + DETECTOR + ["-hkl", "in.hkl"],
          {"in.hkl": mutate(HKL, mutations)})


@FUZZ
@given(CORRUPTED)
def test_corrupted_matrix_file(mutations):
    check(["-mat", "in.mat", "-default_F", "100", "-lambda", "6.2", "-N", "3"] + DETECTOR,
          {"in.mat": mutate(MATRIX, mutations)})


@FUZZ
@given(CORRUPTED, st.sampled_from(["-img", "-mask"]))
def test_corrupted_smv_file(mutations, flag):
    check(BASE + [flag, "in.img"], {"in.img": mutate(SMV, mutations)})


@FUZZ
@given(CORRUPTED)
def test_corrupted_source_file(mutations):
    check(BASE + DETECTOR + ["-sourcefile", "in.txt"], {"in.txt": mutate(SOURCES, mutations)})


@FUZZ
@given(CORRUPTED)
def test_corrupted_structure_factor_cache(mutations):
    from nanobragg_nb.io.fdump import write_fdump
    from nanobragg_nb.io.hkl import read_hkl
    with tempfile.TemporaryDirectory() as folder:
        hkl, dump = os.path.join(folder, "in.hkl"), os.path.join(folder, "Fdump.bin")
        with open(hkl, "wb") as f:
            f.write(HKL)
        write_fdump(dump, read_hkl(hkl, 0.0))
        with open(dump, "rb") as f:
            cache = f.read()
    check(CRYSTAL + DETECTOR, {"Fdump.bin": mutate(cache, mutations)})


# output paths: special files, links and long names, never replaced, never a traceback

def _make_outputs(folder):
    """Special files and links in ``folder``: name -> a check that the thing is still what it was."""
    import stat as st_mode
    made = {}
    if os.geteuid() == 0:
        os.mknod(os.path.join(folder, "node"), 0o666 | st_mode.S_IFCHR, os.makedev(1, 3))
        made["node"] = lambda p: st_mode.S_ISCHR(os.lstat(p).st_mode)
    os.mkdir(os.path.join(folder, "folder"))
    made["folder"] = os.path.isdir
    with open(os.path.join(folder, "target"), "wb"):
        pass
    for name, target in (("link", "target"), ("dangling", "new_target"), ("into_missing", "missing/x"),
                         ("loop", "loop"), ("to_folder", "folder"), ("to_node", "node")):
        os.symlink(target, os.path.join(folder, name))
        made[name] = lambda p, target=target: os.path.islink(p) and os.readlink(p) == target
    return made


OUTPUT_NAMES = st.one_of(
    st.sampled_from(["node", "folder", "link", "dangling", "into_missing", "loop", "to_folder", "to_node",
                     "", "missing/out.bin", "target", "target/x", "out.bin", "/dev/null"]),
    st.integers(240, 300).map(lambda n: "n" * n))
OUTPUT_FLAGS = ["-floatfile", "-intfile", "-pgmfile", "-noisefile", "--tiff"]


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(OUTPUT_FLAGS), OUTPUT_NAMES), min_size=1, max_size=4))
def test_random_output_paths(outputs):
    argv = BASE + DETECTOR + [tok for flag, name in outputs for tok in (flag, name)]
    if os.geteuid() == 0:
        argv = [tok if tok != "/dev/null" else "node" for tok in argv]   # never the machine's own node
    here = os.getcwd()
    out, err = io.StringIO(), io.StringIO()
    with tempfile.TemporaryDirectory() as folder:
        survives = _make_outputs(folder)
        os.chdir(folder)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                status = cli.main(argv)
            broken = [name for name, still in survives.items() if not still(name)]
            leftovers = [name for name in os.listdir(".") if name.endswith(".tmp")]
        finally:
            os.chdir(here)
    where = f"nanobragg-nb {' '.join(repr(a) for a in argv)}\n{err.getvalue()}"
    assert "Traceback" not in err.getvalue(), where
    assert status in (0, 6), where
    if status == 6:
        assert err.getvalue().strip().splitlines()[-1].startswith("nanobragg-nb: error: cannot write"), where
        assert "solid angle" not in out.getvalue(), where      # refused before the run
    assert broken == [] and leftovers == [], where
