"""Every kind of error: one clear line on stderr, its documented exit status, no traceback, no partial file."""
import gzip
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
import tty

import pytest

from nanobragg_nb import cli, errors
from nanobragg_nb.programs.nanobragg import outputs
from nanobragg_nb.errors import ArgumentError, GeometryError, InputFileError, OutputError, ResourceError
from nanobragg_nb.io.atomic import atomic_write

from conftest import REPO, run_cli

SMALL = ["-default_F", "100", "-cell", "100", "100", "100", "90", "90", "90", "-lambda", "6.2", "-N", "5",
         "-distance", "100", "-detpixels", "16", "-seed", "1"]
C_FILES = ("floatimage.bin", "intimage.img", "image.pgm", "noiseimage.img")


def run_main(folder, args, capsys):
    """``nanobragg-nb args`` in ``folder``, in this process: (status, stdout, stderr)."""
    here = os.getcwd()
    os.chdir(folder)
    try:
        status = cli.main(args)
    finally:
        os.chdir(here)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def assert_one_error(status, err, expected, *words):
    """The run failed with ``expected``, saying so in exactly one line, the last one on stderr."""
    assert status == expected, err
    assert "Traceback" not in err
    lines = err.splitlines()
    errors_said = [line for line in lines if line.startswith("nanobragg-nb: error:")]
    assert len(errors_said) == 1, err
    assert lines[-1] == errors_said[0]
    for word in words:
        assert word in errors_said[0], (word, errors_said[0])


def leftovers(folder):
    """Files with a final output name, or temporary files, left in ``folder``."""
    return sorted(p.name for p in folder.iterdir() if p.name in C_FILES or p.name.endswith(".tmp"))


# 2: bad arguments

@pytest.mark.parametrize("extra, words", [
    (["--threads", "0"], ["--threads", "positive integer"]),
    (["--threads", "many"], ["--threads", "'many'"]),
    (["--threads", "\u00b2"], ["--threads", "'\u00b2'"]),
    (["--threads", "\u0663"], ["--threads", "positive integer"]),
    (["--tiff"], ["--tiff needs 1 value"]),
    (["--png", "a.png", "--png-scale", "cubic"], ["--png-scale", "'cubic'"]),
    (["-detector_thick"], ["-detector_thick needs a value"]),
    (["--device", "tpu"], ["unknown device 'tpu'"]),
])
def test_bad_arguments(tmp_path, capsys, extra, words):
    status, _out, err = run_main(tmp_path, SMALL + extra, capsys)
    assert_one_error(status, err, ArgumentError.exit_status, *words)
    assert leftovers(tmp_path) == []


# 3: unreadable or malformed input

def write(folder, name, content):
    path = folder / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return name


@pytest.mark.parametrize("make, words", [
    (lambda d: ["-hkl", "absent.hkl"], ["absent.hkl", "No such file"]),
    (lambda d: ["-hkl", write(d, "words.hkl", "h k l F\n1 2 3 4\n")], ["not enough HKL indices", "words.hkl"]),
    (lambda d: ["-mat", "absent.mat"], ["absent.mat"]),
    (lambda d: ["-mat", write(d, "short.mat", "0.01 0 0\n0 0.01\n")], ["short.mat", "9 numbers"]),
    (lambda d: ["-img", write(d, "tiny.img", "{\nHEADER_BYTES=512;\n")], ["tiny.img", "too short"]),
    (lambda d: ["-img", write(d, "text.img", "x" * 600)], ["text.img", "SMV"]),
    (lambda d: ["-mask", "absent.img"], ["absent.img"]),
    (lambda d: ["-sourcefile", "absent.txt"], ["absent.txt"]),
    (lambda d: ["-sourcefile", write(d, "empty.txt", "")], ["empty.txt", "no sources"]),
])
def test_unreadable_or_malformed_input(tmp_path, capsys, make, words):
    status, _out, err = run_main(tmp_path, SMALL + make(tmp_path), capsys)
    assert_one_error(status, err, InputFileError.exit_status, *words)
    assert leftovers(tmp_path) == []


def test_corrupt_structure_factor_cache(tmp_path, capsys):
    write(tmp_path, "Fdump.bin", b"h k l F\n1 2 3 4\n")
    args = [a for a in SMALL if a not in ("-default_F", "100")]
    status, _out, err = run_main(tmp_path, args, capsys)
    assert_one_error(status, err, InputFileError.exit_status, "Fdump.bin", "not an Fdump cache")


# 4: impossible geometry

@pytest.mark.parametrize("extra, words", [
    (["-pixel", "0"], ["pixel size must be positive"]),
    (["-pixel", "-0.1"], ["pixel size must be positive"]),
    (["-pixel", "nan"], ["pixel size"]),
    (["-detpixels", "0", "-detsize", "0"], ["at least one pixel"]),
])
def test_impossible_geometry(tmp_path, capsys, extra, words):
    status, _out, err = run_main(tmp_path, SMALL + extra, capsys)
    assert_one_error(status, err, GeometryError.exit_status, *words)
    assert leftovers(tmp_path) == []


# 5: out of memory

def test_detector_too_large_for_memory(tmp_path, capsys):
    status, _out, err = run_main(tmp_path, SMALL + ["-detpixels", "100000"], capsys)
    assert_one_error(status, err, ResourceError.exit_status, "10000000000-pixel detector", "32-bit pixel count")
    assert leftovers(tmp_path) == []


# 6: output not writable

@pytest.mark.parametrize("target, words", [
    ("missing/floatimage.bin", ["the folder", "does not exist"]),
    ("a_file/floatimage.bin", ["not a folder"]),
    ("a_folder", ["it is a folder"]),
    ("/proc/floatimage.bin", ["/proc"]),
])
def test_output_not_writable_is_found_before_the_run(tmp_path, capsys, target, words):
    (tmp_path / "a_file").write_text("")
    (tmp_path / "a_folder").mkdir()
    status, out, err = run_main(tmp_path, SMALL + ["-floatfile", target], capsys)
    assert_one_error(status, err, OutputError.exit_status, target, *words)
    assert leftovers(tmp_path) == []
    if not target.startswith("/proc"):
        assert "solid angle" not in out          # found before the simulation started


def test_unwritable_extra_image_is_found_before_the_run(tmp_path, capsys):
    status, out, err = run_main(tmp_path, SMALL + ["--tiff", "nowhere/image.tif"], capsys)
    assert_one_error(status, err, OutputError.exit_status, "nowhere/image.tif")
    assert leftovers(tmp_path) == [] and "solid angle" not in out


# special files: written in place as the C's fopen writes them, never replaced by a regular file

class Drain:
    """A thread reading everything from a file descriptor (a FIFO's or a terminal's) until it is closed."""

    def __init__(self, open_reader):
        self.data = bytearray()
        self.open_reader = open_reader
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        fd = self.open_reader()
        try:
            while True:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:                   # a terminal whose other side was closed
                    break
                if not chunk:
                    break
                self.data += chunk
        finally:
            os.close(fd)

    def result(self, timeout=30):
        self.thread.join(timeout)
        return bytes(self.data)


def golden_bytes(golden, case, name):
    return gzip.decompress((golden / "cases" / case / (name + ".gz")).read_bytes())


def test_fifo_terminal_and_link_receive_the_bytes_the_c_writes(tmp_path, capsys, golden, manifest):
    case = "xtal_Nabc"
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "real.pgm").write_bytes(b"old")
    (tmp_path / "link.pgm").symlink_to("real.pgm")
    master, slave = os.openpty()
    tty.setraw(slave)                             # the terminal passes bytes through unchanged
    terminal = os.ttyname(slave)
    fifo_reader = Drain(lambda: os.open(tmp_path / "fifo", os.O_RDONLY))
    terminal_reader = Drain(lambda: master)
    args = manifest[case]["args"].split() + ["-floatfile", "fifo", "-intfile", terminal, "-pgmfile", "link.pgm",
                                             "-noisefile", "noise.img"]
    try:
        status, out, err = run_main(tmp_path, args, capsys)
    finally:
        os.close(slave)
    assert status == 0, err
    assert fifo_reader.result() == golden_bytes(golden, case, "floatimage.bin")
    assert terminal_reader.result() == golden_bytes(golden, case, "intimage.img")
    assert (tmp_path / "real.pgm").read_bytes() == golden_bytes(golden, case, "image.pgm")
    assert stat.S_ISFIFO(os.lstat(tmp_path / "fifo").st_mode)
    assert os.path.islink(tmp_path / "link.pgm") and os.readlink(tmp_path / "link.pgm") == "real.pgm"
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod needs root")
def test_character_device_survives(tmp_path, capsys):
    """``-floatfile /dev/null`` as root: the node stays a node (a private copy of /dev/null here)."""
    node = tmp_path / "null"
    os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    extras = ["--tiff", "null"]
    status, _out, err = run_main(tmp_path, SMALL + ["-floatfile", "null", "-intfile", "null", "-pgmfile", "null",
                                                    "-noisefile", "null", *extras], capsys)
    assert status == 0, err
    info = os.lstat(node)
    assert stat.S_ISCHR(info.st_mode) and info.st_rdev == os.makedev(1, 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


def test_dangling_link_is_followed_as_fopen_does(tmp_path, capsys):
    """A link to a file not there yet: the C creates the file it names; so do we."""
    (tmp_path / "out.bin").symlink_to("target.bin")
    status, _out, err = run_main(tmp_path, SMALL + ["-floatfile", "out.bin"], capsys)
    assert status == 0, err
    assert os.path.islink(tmp_path / "out.bin")
    assert (tmp_path / "target.bin").stat().st_size == 16 * 16 * 4


@pytest.mark.parametrize("make, name, words", [
    (lambda d: (d / "dangling").symlink_to("nowhere/x.bin"), "dangling",
     ["a symbolic link to", "nowhere", "does not exist"]),
    (lambda d: ((d / "loop1").symlink_to("loop2"), (d / "loop2").symlink_to("loop1")), "loop1",
     ["symbolic links form a loop"]),
    (lambda d: None, "", ["''", "empty"]),
    (lambda d: None, "a" * 256, ["the file name is too long"]),
])
def test_unusable_output_names_are_refused_before_the_run(tmp_path, capsys, make, name, words):
    make(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    status, out, err = run_main(tmp_path, SMALL + ["-floatfile", name], capsys)
    assert_one_error(status, err, OutputError.exit_status, *words)
    assert out == ""                              # refused before the setup log, not after the run
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_longest_name_the_c_writes_is_written(tmp_path, capsys):
    """254 characters: the C writes it; the temporary name must fit the file system too."""
    name = "f" * 254
    status, _out, err = run_main(tmp_path, SMALL + ["-floatfile", name], capsys)
    assert status == 0, err
    assert (tmp_path / name).stat().st_size == 16 * 16 * 4
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("pixel, words, before_setup", [
    (["1000", "5"], ["--trace-pixel 1000 5 is outside the 64x64 detector"], False),
    (["5", "-1"], ["--trace-pixel 5 -1 is outside the 64x64 detector"], False),
    (["a", "b"], ["--trace-pixel needs two integers", "'a b'"], True),
    (["\u00b2", "1"], ["--trace-pixel needs two integers"], True),
])
def test_trace_pixel_is_checked_before_the_pixel_loop(tmp_path, capsys, pixel, words, before_setup):
    status, out, err = run_main(tmp_path, SMALL + ["-detpixels", "64", "--trace-pixel", *pixel], capsys)
    assert_one_error(status, err, ArgumentError.exit_status, *words)
    assert "solid angle" not in out and leftovers(tmp_path) == []
    assert (out == "") == before_setup


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders; see the tmpfs test")
def test_read_only_folder(tmp_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        status, _out, err = run_main(folder, SMALL, capsys)
    finally:
        folder.chmod(0o755)
    assert_one_error(status, err, OutputError.exit_status, "permission denied")
    assert leftovers(folder) == []


def test_interrupted_while_writing_leaves_no_partial_file(tmp_path, capsys, monkeypatch):
    def half_written(path, header, data):
        with atomic_write(path, "wb") as handle:
            handle.write(header[:100])
            raise KeyboardInterrupt
    monkeypatch.setattr(outputs, "write_smv", half_written)
    status, _out, err = run_main(tmp_path, SMALL, capsys)
    assert status == errors.INTERRUPTED_EXIT_STATUS
    assert err.splitlines()[-1].startswith("nanobragg-nb: interrupted")
    assert leftovers(tmp_path) == ["floatimage.bin"]           # written in full before the interruption
    assert (tmp_path / "floatimage.bin").stat().st_size == 16 * 16 * 4


def test_debug_shows_the_traceback(tmp_path, capsys):
    with pytest.raises(GeometryError):
        run_main(tmp_path, SMALL + ["-pixel", "0", "--debug"], capsys)


def test_a_bug_of_ours_is_one_line_too(tmp_path, capsys, monkeypatch):
    from nanobragg_nb.programs.nanobragg import api

    def broken(*args, **kwargs):
        raise RuntimeError("something we did not foresee")
    monkeypatch.setattr(api, "simulate", broken)
    status, _out, err = run_main(tmp_path, SMALL, capsys)
    assert status == 1 and "Traceback" not in err
    assert err.splitlines()[-1] == ("nanobragg-nb: internal error: RuntimeError: something we did not foresee "
                                    "(run with --debug for details)")


# 9: not enough input, as the C

def test_not_enough_input_prints_the_usage_and_exits_9(tmp_path, capsys):
    status, out, err = run_main(tmp_path, [], capsys)
    assert status == errors.UsageExit.exit_status == 9
    assert "usage: nanoBragg" in out
    assert err.count("\n") == 1 and "give -hkl" in err


# the real process: Ctrl-C, a full disk, a read-only file system, a closed stdout

def cli_process(args, cwd, env=None):
    env = dict(os.environ, LC_ALL="C", PYTHONUNBUFFERED="1", PYTHONPATH=str(REPO), **(env or {}))
    return subprocess.Popen([sys.executable, "-m", "nanobragg_nb", *args], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.parametrize("cache", ["warm", "cold"])
def test_ctrl_c_during_a_run(tmp_path, cache):
    """Interrupted in the pixel loop, or (an empty Numba cache) while its kernel compiles."""
    long_run = ["-default_F", "100", "-cell", "100", "100", "100", "90", "90", "90", "-lambda", "6.2", "-N", "5",
                "-distance", "100", "-detpixels", "256", "-mosaic", "1", "-mosaic_domains", "400",
                "-phisteps", "20", "-osc", "1", "-seed", "1"]
    env = {"NUMBA_CACHE_DIR": str(tmp_path.parent / f"{tmp_path.name}-cache")} if cache == "cold" else {}
    proc = cli_process(long_run, tmp_path, env=env)
    started = time.monotonic()
    seen = []
    for line in proc.stdout:                      # the setup log, up to the start of the pixel loop
        seen.append(line)
        if "water droplet size" in line:
            break
    assert seen and "water droplet size" in seen[-1], "".join(seen) + proc.stderr.read()
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == errors.INTERRUPTED_EXIT_STATUS, err
    assert err.strip().splitlines() == ["nanobragg-nb: interrupted; no partial output was left under a final name"]
    assert "solid angle" not in out               # it stopped inside the pixel loop
    assert list(tmp_path.iterdir()) == []         # no image, no temporary file
    assert time.monotonic() - started < 150


def private_tmpfs_prefix(folder, options):
    """An ``unshare`` command line that mounts a private tmpfs on ``folder``, or None where impossible."""
    if not shutil.which("unshare") or not sys.platform.startswith("linux"):
        return None
    for flags in (["-rm"], ["-m"]):
        prefix = ["unshare", *flags, "sh", "-c",
                  f'mount -t tmpfs -o {options} nbtest "$0" && cd "$0" && "$@"; status=$?; '
                  f'echo LISTING:; ls -A; exit $status', str(folder)]
        probe = subprocess.run(prefix + ["true"], capture_output=True, text=True)
        if probe.returncode == 0:
            return prefix
    return None


def run_on_tmpfs(folder, options, args):
    prefix = private_tmpfs_prefix(folder, options)
    if prefix is None:
        pytest.skip("cannot mount a private tmpfs here (unshare/mount not permitted)")
    env = dict(os.environ, LC_ALL="C", PYTHONPATH=str(REPO))
    proc = subprocess.run(prefix + [sys.executable, "-m", "nanobragg_nb", *args], env=env, capture_output=True,
                          text=True, timeout=300)
    out, _, listing = proc.stdout.rpartition("LISTING:\n")
    return proc.returncode, out, proc.stderr, listing.split()


def test_disk_full(tmp_path):
    # a 64 KiB file system; the 160 x 160 float image needs 100 KiB
    status, out, err, files = run_on_tmpfs(tmp_path, "size=64k", SMALL + ["-detpixels", "160"])
    assert_one_error(status, err, OutputError.exit_status, "floatimage.bin", "no space left on device")
    assert "writing floatimage.bin" in out
    assert files == []                            # the temporary file was removed


def test_read_only_file_system(tmp_path):
    status, out, err, files = run_on_tmpfs(tmp_path, "ro", SMALL)
    assert_one_error(status, err, OutputError.exit_status, "floatimage.bin", "read-only")
    assert files == [] and "solid angle" not in out


def test_closed_stdout(tmp_path):
    proc = cli_process(SMALL, tmp_path)
    proc.stdout.close()                           # as `nanobragg-nb ... | head -1` once head has exited
    err = proc.stderr.read()
    proc.wait(timeout=120)
    assert proc.returncode == OutputError.exit_status
    assert "Traceback" not in err and "Exception ignored" not in err
    assert err.strip().splitlines()[-1] == "nanobragg-nb: error: standard output was closed (broken pipe)"


def test_numba_num_threads_zero(tmp_path):
    proc = run_cli(SMALL, tmp_path, env={"NUMBA_NUM_THREADS": "0", "PYTHONPATH": str(REPO)})
    assert_one_error(proc.returncode, proc.stderr, ArgumentError.exit_status,
                     "NUMBA_NUM_THREADS=0", "at least 1")
    assert proc.stdout == "" and leftovers(tmp_path) == []


@pytest.mark.parametrize("closed", [">&-", "2>&-", ">&- 2>&-"])
def test_closed_standard_streams_are_not_an_error(tmp_path, closed):
    """As the C: a closed stdout or stderr loses what would be written there, and the run succeeds."""
    command = f'cd "$1" && shift && exec "$@" {closed}'
    proc = subprocess.run(["sh", "-c", command, "sh", str(tmp_path), sys.executable, "-m", "nanobragg_nb",
                           *SMALL], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, LC_ALL="C", PYTHONPATH=str(REPO)))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert (tmp_path / "floatimage.bin").stat().st_size == 16 * 16 * 4
    assert (tmp_path / "noiseimage.img").stat().st_size == 512 + 16 * 16 * 2


INTERRUPT_WHILE_IMPORTING = """
import os, signal, sys
class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == {module!r}:
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)
        return None
sys.meta_path.insert(0, CtrlC())
from nanobragg_nb.cli import console_main
sys.argv = ["nanobragg-nb", *sys.argv[1:]]
console_main()
"""


@pytest.mark.parametrize("module", ["numpy", "numba"])
def test_ctrl_c_while_numpy_and_numba_import(tmp_path, module):
    proc = subprocess.run([sys.executable, "-c", INTERRUPT_WHILE_IMPORTING.format(module=module), *SMALL],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, LC_ALL="C", PYTHONPATH=str(REPO)))
    assert proc.returncode == errors.INTERRUPTED_EXIT_STATUS, proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "nanobragg-nb: interrupted; no partial output was left under a final name"]
    assert list(tmp_path.iterdir()) == []


def test_importing_the_package_loads_neither_numpy_nor_numba():
    code = "import sys, nanobragg_nb.cli; print(sorted({'numpy', 'numba'} & set(sys.modules)))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert proc.stdout.strip() == "[]", proc.stderr


# messages that say what is wrong

def smv_mask(folder, name, header_extra, size=16):
    head = (f"{{\nHEADER_BYTES=512;\nDIM=2;\nBYTE_ORDER=little_endian;\nTYPE=unsigned_short;\n"
            f"SIZE1={size};\nSIZE2={size};\n{header_extra}}}\n").encode()
    (folder / name).write_bytes(head.ljust(512, b" ") + b"\x01\x00" * size * size)
    return name


def test_known_flag_without_its_value_is_not_called_unrecognised(tmp_path, capsys):
    status, _out, err = run_main(tmp_path, SMALL + ["-lambda"], capsys)
    assert status == 0, err
    assert err.splitlines() == ["nanobragg-nb: warning: ignoring '-lambda': it needs 1 value after it "
                                "(nanoBragg.c ignores it too)"]


def test_own_options_take_the_equals_form(tmp_path, capsys, monkeypatch):
    from nanobragg_nb.programs.nanobragg.command import split_own_options
    assert split_own_options(["--threads=2", "--device=cpu", "-N", "5", "--demo=out"]) == (
        {"--threads": ["2"], "--device": ["cpu"], "--demo": ["out"]}, ["-N", "5"])
    status, _out, err = run_main(tmp_path, SMALL + ["--threads=1", "--device=cpu"], capsys)
    assert status == 0 and err == ""
    status, _out, err = run_main(tmp_path, SMALL + ["--device=tpu"], capsys)
    assert_one_error(status, err, ArgumentError.exit_status, "unknown device 'tpu'")
    status, _out, err = run_main(tmp_path, SMALL + ["--fast=yes"], capsys)
    assert_one_error(status, err, ArgumentError.exit_status, "--fast takes no value")


def test_detector_over_the_c_pixel_count_says_so(tmp_path, capsys):
    status, _out, err = run_main(tmp_path, SMALL + ["-detpixels", "46341"], capsys)
    assert_one_error(status, err, ResourceError.exit_status, "2147488281-pixel", "32-bit pixel count")
    assert "GiB" not in err


def test_hkl_indices_too_far_apart_are_not_called_unreadable(tmp_path, capsys):
    write(tmp_path, "wide.hkl", "2000000000 0 0 10\n-2000000000 0 0 10\n")
    status, _out, err = run_main(tmp_path, SMALL[2:] + ["-hkl", "wide.hkl"], capsys)
    assert_one_error(status, err, InputFileError.exit_status, "wide.hkl", "-2000000000 to 2000000000")
    assert "unreadable" not in err


def test_unusable_pixel_size_in_a_mask_header_names_the_file(tmp_path, capsys):
    smv_mask(tmp_path, "bad.img", "PIXEL_SIZE=abc;\n")
    status, _out, err = run_main(tmp_path, SMALL + ["-mask", "bad.img"], capsys)
    assert_one_error(status, err, GeometryError.exit_status, "pixel size must be positive",
                     "PIXEL_SIZE in the header of bad.img")
    status, _out, err = run_main(tmp_path, SMALL + ["-mask", "bad.img", "-pixel", "0.1"], capsys)
    assert status == 0, err                       # -pixel replaces the header's value, as in the C


# input the C reads into nonsense, or reads forever

def test_source_line_without_a_number_is_warned_about(tmp_path, capsys):
    write(tmp_path, "sources.txt", "foo bar\n")
    status, out, err = run_main(tmp_path, SMALL + ["-sourcefile", "sources.txt"], capsys)
    assert status == 0                            # the C runs it: so do we, with a warning
    assert err.splitlines() == [
        "nanobragg-nb: warning: sources.txt: source 1 ('foo bar') holds no number; nanoBragg.c reads it as a "
        "source at 0 0 0 with wavelength 0, which makes the image NaN"]
    assert "mean= -nan" in out


@pytest.mark.parametrize("flag, expected, words", [
    ("-hkl", InputFileError.exit_status, ["not enough HKL indices in /dev/zero"]),
    ("-mat", InputFileError.exit_status, ["/dev/zero", "9 numbers"]),
])
def test_endless_device_input_stops_at_once(tmp_path, flag, expected, words):
    args = ["-cell", "100", "100", "100", "90", "90", "90", "-default_F", "1", "-detpixels", "16", flag, "/dev/zero"]
    proc = run_cli(args, tmp_path, env={"PYTHONPATH": str(REPO)}, timeout=120)
    assert_one_error(proc.returncode, proc.stderr, expected, *words)


def test_mask_larger_than_the_detector_is_used_as_the_c_uses_it(tmp_path, capsys):
    """A 32x32 mask on a 16x16 detector: the C reads the mask's first 256 pixels, row after row."""
    import numpy as np
    rng = np.random.default_rng(1)
    big = (rng.random(32 * 32) > 0.3).astype("<u2")
    head = ("{{\nHEADER_BYTES=512;\nDIM=2;\nBYTE_ORDER=little_endian;\nTYPE=unsigned_short;\n"
            "SIZE1={0};\nSIZE2={0};\nPIXEL_SIZE=0.1;\n}}\n")
    (tmp_path / "big.img").write_bytes(head.format(32).encode().ljust(512, b" ") + big.tobytes())
    (tmp_path / "first.img").write_bytes(head.format(16).encode().ljust(512, b" ") + big[:256].tobytes())
    args = SMALL + ["-nonoise", "-nopgm", "-pixel", "0.1", "-detpixels", "16"]
    status, _out, err = run_main(tmp_path, args + ["-mask", "big.img", "-floatfile", "big.bin"], capsys)
    assert status == 0, err
    assert err.splitlines() == ["nanobragg-nb: warning: the mask big.img has 1024 pixels, the detector 16 x 16: "
                                "as nanoBragg.c, its first 256 pixels are used, row after row of the detector"]
    status, _out, err = run_main(tmp_path, args + ["-mask", "first.img", "-floatfile", "first.bin"], capsys)
    assert status == 0 and err == ""
    assert (tmp_path / "big.bin").read_bytes() == (tmp_path / "first.bin").read_bytes()
    assert (tmp_path / "big.bin").read_bytes() != bytes(256 * 4)
