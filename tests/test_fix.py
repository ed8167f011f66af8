"""``--fix phi0,oversample`` (``config.fixes``): the two upstream physics fixes of nanoBragg.c, opt-in.

- The golden ``fixed`` cases (a serial build of nanoBragg.c 455534a carrying
  both fixes) are reproduced bit for bit with ``--fix all``, at any thread
  count; without ``--fix`` the same arguments give the C's main, which the
  fixes change (except where neither applies).
- Each fix alone changes only what it fixes; the fast mode honours both.
- An unknown fix name is one clear error, exit status 2.
"""
import gzip
import json
import math
import re

import numba
import numpy as np
import pytest

from nanobragg_nb import cli
from nanobragg_nb.core.config import Config, Fixes
from nanobragg_nb.core.kernels import tables
from nanobragg_nb.core.setup import prepare
from nanobragg_nb.core.log import Log
from nanobragg_nb.core import rng
from nanobragg_nb.errors import ArgumentError
from nanobragg_nb.programs.nanobragg.api import simulate
from nanobragg_nb.programs.nanobragg.command import parse_fixes
from nanobragg_nb.programs.nanobragg.cparse import parse_args
from conftest import golden_root, run_cli, stage_case

PROGRESS = re.compile(r"^\d+% done$")

#: the fast mode's accuracy bar (tests/test_fast_mode.py), here against the fixed C
MIN_CORRELATION = 0.9999
MAX_SUM_DEVIATION = 1e-3

PHI0_ARGS = ("-default_F 100 -cell 60 70 80 90 90 90 -misset 5 -7 12 -lambda 1.0 -N 5 -distance 100 "
             "-detpixels 32 -phi 0 -osc 3 -phisteps 3 -mosaic 0.5 -mosaic_dom 2 -seed 1")
OVERSAMPLE_ARGS = ("-default_F 100 -cell 100 100 100 90 90 90 -lambda 6.2 -N 5 -distance 100 -detpixels 24 "
                   "-oversample 2 -oversample_omega -oversample_polar -detector_thick 200 -detector_abs 300 "
                   "-oversample_thick -seed 1")


def fixed_root():
    return golden_root() / "fixed"


def _case_names():
    manifest = fixed_root() / "manifest.json"
    return sorted(json.loads(manifest.read_text())) if manifest.is_file() else ["(fixed golden data absent)"]


@pytest.fixture(scope="module")
def fixed():
    """The golden ``fixed`` folder and its manifest, or a clear skip."""
    root = fixed_root()
    if not (root / "manifest.json").is_file():
        pytest.skip(f"golden 'fixed' cases not found at {root} (set NANOBRAGG_GOLDEN to the golden folder)")
    return root, json.loads((root / "manifest.json").read_text())


def _stored(root, name, fname):
    return gzip.decompress((root / "cases" / name / (fname + ".gz")).read_bytes())


def _run_case(root, spec, folder, monkeypatch, capsys, extra):
    stage_case(golden_root(), spec, folder)
    monkeypatch.chdir(folder)
    capsys.readouterr()
    status = cli.main(list(extra) + spec["args"].split())
    return status, capsys.readouterr().out


def _log_lines(text):
    """stdout without the C's progress lines."""
    return [line.rstrip() for line in text.splitlines() if not PROGRESS.match(line.strip())]


def _phi0_fix_applies(args):
    """Whether a phi step of exactly 0 comes after a rotated one, where the C's main reuses that rotation."""
    t = _tables(args, phi0=False)
    return bool((t.phi_state < 0).any() and (t.phi_state > 0).any())


def _tables(args, **fixes):
    cfg = parse_args(args.split()).config
    cfg.fixes = Fixes(**fixes)
    return tables.build(prepare(cfg, Log(), rng.RandomState()))


def _image(raw):
    return np.frombuffer(raw, dtype=np.float32)


def _float_image(args, **fixes):
    cfg = parse_args(args.split()).config
    cfg.fixes = Fixes(**fixes)
    return simulate(cfg).floatimage


def _fixes_used(args, fix):
    """The float images without and with ``--fix fix`` (the API's config.fixes)."""
    return _float_image(args), _float_image(args, **parse_fixes(fix).__dict__)


@pytest.mark.golden
@pytest.mark.parametrize("name", _case_names())
@pytest.mark.parametrize("threads", [1, 2])
def test_fixed_golden_case(fixed, name, threads, tmp_path, monkeypatch, capsys):
    root, manifest = fixed
    if threads > numba.config.NUMBA_NUM_THREADS:
        pytest.skip(f"only {numba.config.NUMBA_NUM_THREADS} Numba threads available")
    spec = manifest[name]
    status, out = _run_case(root, spec, tmp_path, monkeypatch, capsys, ("--fix", "all", "--threads", str(threads)))
    assert status == spec["exit_code"]
    for fname in spec["files"]:
        got, ref = (tmp_path / fname).read_bytes(), _stored(root, name, fname)
        if fname == "floatimage.bin":
            differ = _image(got).view(np.uint32) != _image(ref).view(np.uint32)
            assert not differ.any(), f"{np.count_nonzero(differ)} pixels differ"
        assert got == ref, fname
    ref_log = (root / "cases" / name / "stdout.txt").read_text()
    assert _log_lines(out) == _log_lines(ref_log)


@pytest.mark.golden
@pytest.mark.parametrize("name", _case_names())
def test_without_fix_the_fixed_cases_give_the_c_main(fixed, name, tmp_path, monkeypatch, capsys):
    """The fixes change the image exactly where one of them applies."""
    root, manifest = fixed
    spec = manifest[name]
    status, _ = _run_case(root, spec, tmp_path, monkeypatch, capsys, ())
    assert status == spec["exit_code"]
    main = _image((tmp_path / "floatimage.bin").read_bytes())
    fixed_image = _image(_stored(root, name, "floatimage.bin"))
    applies = "-oversample_" in spec["args"] or _phi0_fix_applies(spec["args"])
    assert np.array_equal(main.view(np.uint32), fixed_image.view(np.uint32)) != applies


@pytest.mark.golden
@pytest.mark.parametrize("name", _case_names())
def test_fast_mode_honours_the_fixes(fixed, name, tmp_path, monkeypatch):
    root, manifest = fixed
    spec = manifest[name]
    stage_case(golden_root(), spec, tmp_path)
    monkeypatch.chdir(tmp_path)
    cfg = parse_args(spec["args"].split()).config
    cfg.fixes = Fixes(phi0=True, oversample=True)
    got = simulate(cfg, mode="fast").floatimage.ravel().astype(np.float64)
    ref = _image(_stored(root, name, "floatimage.bin")).astype(np.float64)
    corr = np.corrcoef(ref, got)[0, 1] if ref.std() > 0 else (1.0 if np.array_equal(ref, got) else 0.0)
    ratio = got.sum() / ref.sum() if ref.sum() != 0 else (1.0 if got.sum() == 0 else math.inf)
    assert corr >= MIN_CORRELATION, f"{name}: correlation {corr:.7f}"
    assert abs(ratio - 1.0) <= MAX_SUM_DEVIATION, f"{name}: sum ratio {ratio:.7f}"


def test_phi0_fix_points_phi_zero_at_the_unrotated_cell():
    main, fixed_table = _tables(PHI0_ARGS, phi0=False), _tables(PHI0_ARGS, phi0=True)
    assert list(main.phi_state) == [-1, 2, 3]           # the C's main reuses the previous rotation
    assert list(fixed_table.phi_state) == [0, 2, 3]     # the fix: state 0, a0 after the mosaic domains
    # the serial-order state no longer carries: every pixel leaves the last step's state
    assert fixed_table.stale_saturated == 3


def test_phi0_fix_alone():
    main, fixed_image = _fixes_used(PHI0_ARGS, "phi0")
    assert not np.array_equal(main, fixed_image)
    assert np.array_equal(_float_image(PHI0_ARGS, oversample=True).view(np.uint32), main.view(np.uint32))


def test_oversample_fix_alone():
    main, fixed_image = _fixes_used(OVERSAMPLE_ARGS, "oversample")
    # the running sum is multiplied by factors below 1 at every term: the fix gives far more photons
    assert fixed_image.sum() > 5 * main.sum()
    assert np.array_equal(_float_image(OVERSAMPLE_ARGS, phi0=True).view(np.uint32), main.view(np.uint32))


def test_oversample_fix_changes_nothing_without_the_flags():
    args = OVERSAMPLE_ARGS.replace("-oversample_omega -oversample_polar", "").replace("-oversample_thick", "")
    main, fixed_image = _fixes_used(args, "all")
    assert np.array_equal(main.view(np.uint32), fixed_image.view(np.uint32))


def test_fixed_run_does_not_depend_on_the_thread_count():
    args = PHI0_ARGS + " -oversample 2 -oversample_polar -polar 0.9"
    cfg = parse_args(args.split()).config
    cfg.fixes = Fixes(phi0=True, oversample=True)
    one = simulate(cfg, threads=1).floatimage
    two = simulate(cfg, threads=2).floatimage
    assert np.array_equal(one.view(np.uint32), two.view(np.uint32))


@pytest.mark.parametrize("text, phi0, oversample", [("phi0", True, False), ("oversample", False, True),
                                                    ("phi0,oversample", True, True), ("all", True, True),
                                                    ("oversample,phi0", True, True)])
def test_parse_fixes(text, phi0, oversample):
    assert parse_fixes(text) == Fixes(phi0=phi0, oversample=oversample)


@pytest.mark.parametrize("text", ["phi", "PHI0", "phi0,", "", "phi0;oversample", "none"])
def test_parse_fixes_refuses_unknown_names(text):
    with pytest.raises(ArgumentError, match="unknown fix"):
        parse_fixes(text)


@pytest.mark.parametrize("argv", [["--fix", "phi0,bogus"], ["--fix=nothing"]])
def test_unknown_fix_name_is_one_line_and_exit_2(argv, tmp_path):
    proc = run_cli(argv + ["-default_F", "100", "-cell", "100", "100", "100", "90", "90", "90", "-detpixels", "8"],
                   tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "unknown fix" in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "floatimage.bin").exists()


def test_fix_without_a_value_is_exit_2(tmp_path):
    proc = run_cli(["-default_F", "100", "--fix"], tmp_path)
    assert proc.returncode == 2
    assert "--fix needs 1 value" in proc.stderr


def test_config_fixes_are_type_checked():
    cfg = Config()
    cfg.fixes.phi0 = "yes"
    with pytest.raises(ArgumentError, match="config.fixes.phi0"):
        simulate(cfg)


def test_the_default_has_no_fix():
    assert Config().fixes == Fixes(phi0=False, oversample=False)
