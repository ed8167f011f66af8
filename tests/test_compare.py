"""``nanobragg-nb compare`` with stand-in programs in place of a nanoBragg build.

A stand-in is a small script that copies prepared files into the folder it
runs in and prints prepared text, so that every branch of the comparison can
be driven without the C program. One test runs the real nanobragg-nb against
a stand-in that replays a golden case of the serial C.
"""
import gzip
import os
import stat
import sys

import numpy as np
import pytest

from nanobragg_nb import cli
from nanobragg_nb.audit import compare


def stand_in(folder, name, files, stdout, status=0, needs=()):
    """Write an executable that copies ``files`` (name -> bytes) into its cwd and prints ``stdout``."""
    data = folder / (name + "_data")
    data.mkdir()
    for fname, content in files.items():
        (data / fname).write_bytes(content)
    (data / "stdout.txt").write_text(stdout)
    script = folder / name
    script.write_text(f"""#!{sys.executable}
import os, shutil, sys
for need in {list(needs)!r}:
    if not os.path.isfile(need):
        sys.exit("missing input " + need)
data = {str(data)!r}
for f in os.listdir(data):
    if f != "stdout.txt":
        shutil.copy(os.path.join(data, f), f)
sys.stdout.write(open(os.path.join(data, "stdout.txt")).read())
sys.exit({status})
""")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def _image(values):
    return np.asarray(values, dtype=np.float32).tobytes()


def _smv(pixels, header=b"{\nHEADER_BYTES=512;\n}\f"):
    return header.ljust(512, b" ") + np.asarray(pixels, dtype=np.uint16).tobytes()


LOG = "nanoBragg nanocrystal diffraction simulator\n0% done\nmean= 1\n"


def test_identical_outputs(tmp_path, capsys, monkeypatch):
    files = {"floatimage.bin": _image([1, 2, 3, 4]), "intimage.img": _smv([40, 41, 42, 43])}
    c = stand_in(tmp_path, "c", files, LOG, needs=["in.hkl"])
    nb = stand_in(tmp_path, "nb", files, LOG.replace("0% done\n", "50% done\n"), needs=["in.hkl"])
    work = tmp_path / "work"
    work.mkdir()
    (work / "in.hkl").write_text("0 0 1 10\n")
    monkeypatch.chdir(work)
    assert compare.main(["--c-bin", str(c), "--nb-cmd", str(nb), "--", "-hkl", "in.hkl", "-N", "2"]) == 0
    out = capsys.readouterr().out
    assert "floatimage.bin     identical (16 bytes)" in out
    assert "intimage.img       identical (520 bytes)" in out
    assert "stdout             identical (2 lines, progress lines left out)" in out
    assert "in.hkl" not in out.split("arguments")[1].split("\n", 1)[1]    # the staged input is not an output
    assert "wall time" in out and out.rstrip().endswith("outputs identical")


def test_differences_are_described(tmp_path, capsys):
    ref = np.array([1.0, 2.0, 3.0, 4.0], dtype=np.float32)
    got = ref.copy()
    got[2] = np.nextafter(np.float32(3.0), np.float32(4.0))
    c = stand_in(tmp_path, "c", {"floatimage.bin": _image(ref), "intimage.img": _smv([40, 41, 42, 43]),
                                 "Fdump.bin": b"abc"}, LOG)
    nb = stand_in(tmp_path, "nb", {"floatimage.bin": _image(got), "intimage.img": _smv([40, 41, 99, 43])},
                  LOG.replace("mean= 1", "mean= 1.5"), status=0)
    assert compare.main(["--c-bin", str(c), "--nb-cmd", str(nb), "--", "-N", "2"]) == 1
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.strip().startswith("floatimage.bin"))
    assert "bit-identical 0.750000" in line
    worst = float(line.split("worst relative error ")[1].split(",")[0])
    assert worst == pytest.approx(2.0 ** -22 / 3.0, rel=1e-3)              # one float32 ulp at 3.0
    assert "sum ratio 1.0000000" in line
    smv = next(x for x in out.splitlines() if x.strip().startswith("intimage.img"))
    assert "DIFFERS from byte 516" in smv and "header identical, 1 of 4 pixels differ" in smv
    assert "Fdump.bin          DIFFERS: written only by the C" in out
    assert "stdout             DIFFERS at line 2: C 'mean= 1', nanobragg-nb 'mean= 1.5'" in out
    assert out.rstrip().endswith("outputs DIFFER")


def test_exit_status_and_custom_float_name(tmp_path, capsys):
    c = stand_in(tmp_path, "c", {"my.bin": _image([1, 2])}, "", status=9)
    nb = stand_in(tmp_path, "nb", {"my.bin": _image([1, 3])}, "")
    assert compare.main(["--c-bin", str(c), "--nb-cmd", str(nb), "--", "-floatfile", "my.bin"]) == 1
    out = capsys.readouterr().out
    assert "exit status        C 9, nanobragg-nb 0  DIFFERS" in out
    assert "bit-identical 0.500000" in next(x for x in out.splitlines() if "my.bin" in x and "DIFFERS" in x)


def test_keep_folders(tmp_path, capsys):
    c = stand_in(tmp_path, "c", {"floatimage.bin": _image([1])}, "x\n")
    keep = tmp_path / "kept"
    assert compare.main(["--c-bin", str(c), "--nb-cmd", str(c), "--keep", str(keep), "--", "-N", "1"]) == 0
    assert (keep / "c" / "floatimage.bin").is_file() and (keep / "nb" / "floatimage.bin").is_file()


def test_argument_errors(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("NB_C_BIN", raising=False)
    assert cli.main(["compare", "--", "-N", "1"]) == 2
    assert "--c-bin PATH or NB_C_BIN" in capsys.readouterr().err
    assert cli.main(["compare", "--c-bin", str(tmp_path / "nowhere"), "--", "-N", "1"]) == 2
    assert "no such program" in capsys.readouterr().err
    assert cli.main(["compare", "--c-bin", sys.executable]) == 2
    assert "after '--'" in capsys.readouterr().err


@pytest.mark.golden
def test_nanobragg_nb_against_a_replayed_golden_case(golden, manifest, tmp_path, capsys, monkeypatch):
    """The stand-in replays what the serial C wrote; the real nanobragg-nb must match it."""
    name = "out_printout_pixel"
    spec = manifest[name]
    case = golden / "cases" / name
    files = {f: gzip.decompress((case / (f + ".gz")).read_bytes()) for f in spec["files"]}
    c = stand_in(tmp_path, "c", files, (case / "stdout.txt").read_text())
    monkeypatch.setenv("NB_C_BIN", str(c))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert cli.main(["compare", "--", *spec["args"].split()]) == 0
    out = capsys.readouterr().out
    for f in spec["files"]:
        assert f"{f}" in out
    assert out.count("identical (") == len(spec["files"]) + 1
    assert os.listdir(work) == []          # the runs happen in fresh folders
