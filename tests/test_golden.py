"""Golden parity: every case the serial C wrote, reproduced file by file and line by line.

The cases live in ../shared/golden (or $NANOBRAGG_GOLDEN); without them these
tests skip. Each case runs the command line in-process in a fresh folder.
"""
import gzip
import hashlib
import json
import re

import numba
import numpy as np
import pytest

from nanobragg_nb import cli
from conftest import golden_root, stage_case

PROGRESS = re.compile(r"^\d+% done$")
ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


def _case_names():
    manifest = golden_root() / "manifest.json"
    return sorted(json.loads(manifest.read_text())) if manifest.is_file() else ["(golden data absent)"]


def log_lines(text):
    """stdout without the C's progress lines, memory addresses masked (as the referee reads it)."""
    return [ADDRESS.sub("0x#", line.rstrip()) for line in text.splitlines() if not PROGRESS.match(line.strip())]


def run_case(golden, manifest, name, folder, monkeypatch, capsys, extra=()):
    spec = manifest[name]
    stage_case(golden, spec, folder)
    monkeypatch.chdir(folder)
    capsys.readouterr()
    status = cli.main(list(extra) + spec["args"].split())
    out = capsys.readouterr().out
    return spec, status, out


def check_outputs(golden, name, spec, folder):
    for fname, info in spec["files"].items():
        got = (folder / fname).read_bytes()
        stored = golden / "cases" / name / (fname + ".gz")
        if stored.is_file():
            ref = gzip.decompress(stored.read_bytes())
            if fname == "floatimage.bin":
                same = np.frombuffer(got, np.uint32) == np.frombuffer(ref, np.uint32)
                assert same.all(), f"{fname}: {np.count_nonzero(~same)} pixels differ"
            assert got == ref, fname
        else:
            assert hashlib.sha256(got).hexdigest() == info["sha256"], fname


@pytest.mark.golden
@pytest.mark.parametrize("name", _case_names())
def test_golden_case(golden, manifest, name, tmp_path, monkeypatch, capsys):
    spec, status, out = run_case(golden, manifest, name, tmp_path, monkeypatch, capsys)
    assert status == spec["exit_code"]
    check_outputs(golden, name, spec, tmp_path)
    ref = (golden / "cases" / name / "stdout.txt").read_text()
    assert log_lines(out) == log_lines(ref)


@pytest.mark.golden
@pytest.mark.parametrize("name", ["samp_phi_sweep", "hkl_interp_fallback", "samp_mask", "samp_roi",
                                  "beam_polar_kahn", "samp_dmin"])
@pytest.mark.parametrize("threads", [1, 2])
def test_thread_count_does_not_change_bits(golden, manifest, name, threads, tmp_path, monkeypatch, capsys):
    if threads > numba.config.NUMBA_NUM_THREADS:
        pytest.skip(f"only {numba.config.NUMBA_NUM_THREADS} Numba threads available")
    spec, status, _ = run_case(golden, manifest, name, tmp_path, monkeypatch, capsys,
                               extra=("--threads", str(threads)))
    assert status == 0
    check_outputs(golden, name, spec, tmp_path)


@pytest.mark.golden
def test_api_writes_no_files(golden, manifest, tmp_path, monkeypatch):
    from nanobragg_nb import simulate
    from nanobragg_nb.programs.nanobragg.cparse import parse_args
    spec = manifest["hkl_nearest"]
    stage_case(golden, spec, tmp_path)
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    result = simulate(parse_args(spec["args"].split()).config)
    assert sorted(p.name for p in tmp_path.iterdir()) == before          # no Fdump.bin, no images
    ref = gzip.decompress((golden / "cases" / "hkl_nearest" / "floatimage.bin.gz").read_bytes())
    assert result.floatimage.tobytes() == ref
