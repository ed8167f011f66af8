"""``nanobragg-nb nonbragg``: nonBragg.c's golden cases, thread counts, the CUDA kernel, the API, the errors.

The golden cases live in ../shared/golden/nonbragg (or $NANOBRAGG_GOLDEN/nonbragg);
without them those tests skip, saying so.
"""
import gzip
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO, golden_root, run_cli
from nanobragg_nb import cli
from nanobragg_nb.core import amorphous as amorphous_setup
from nanobragg_nb.core.amorphous.config import AmorphousConfig
from nanobragg_nb.core.amorphous.state import FIELD_NAMES
from nanobragg_nb.core.engines import amorphous as engine
from nanobragg_nb.core.kernels import amorphous_tables
from nanobragg_nb.core.log import Log
from nanobragg_nb.programs.nonbragg.api import amorphous
from nanobragg_nb.programs.nonbragg.cparse import parse_args
from test_golden import log_lines

WATER = golden_root() / "inputs" / "water.stol"


def nonbragg_root():
    """The nonBragg cases: ``nonbragg/`` in the golden folder."""
    return golden_root() / "nonbragg"


def _case_names():
    manifest = nonbragg_root() / "manifest.json"
    return sorted(json.loads(manifest.read_text())) if manifest.is_file() else ["(nonbragg golden data absent)"]


@pytest.fixture(scope="module")
def nb_golden():
    root = nonbragg_root()
    if not (root / "manifest.json").is_file():
        pytest.skip(f"nonBragg golden data not found at {root} (set NANOBRAGG_GOLDEN to the golden folder)")
    return root, json.loads((root / "manifest.json").read_text())


def _run_case(root, spec, folder, monkeypatch, capsys, extra=()):
    for name in spec["inputs"]:
        (folder / name).write_bytes((root.parent / "inputs" / name).read_bytes())
    monkeypatch.chdir(folder)
    capsys.readouterr()
    status = cli.main(["nonbragg", *extra, *spec["args"].split()])
    return status, capsys.readouterr().out


def _check_files(root, name, spec, folder):
    for fname, info in spec["files"].items():
        got = (folder / fname).read_bytes()
        ref = gzip.decompress((root / "cases" / name / (fname + ".gz")).read_bytes())
        assert len(got) == len(ref), fname
        prefix = info.get("defined_prefix_bytes")
        if prefix is not None:
            # the C's PGM past its buffer is undefined memory: written as zeros here
            assert got[:prefix] == ref[:prefix], fname
            assert not any(got[prefix:]), fname
        else:
            assert got == ref, fname


@pytest.mark.golden
@pytest.mark.parametrize("name", _case_names())
def test_nonbragg_golden_case(nb_golden, name, tmp_path, monkeypatch, capsys):
    root, manifest = nb_golden
    spec = manifest[name]
    status, out = _run_case(root, spec, tmp_path, monkeypatch, capsys)
    assert status == spec["exit_code"]
    _check_files(root, name, spec, tmp_path)
    assert log_lines(out) == log_lines((root / "cases" / name / "stdout.txt").read_text())


@pytest.mark.golden
@pytest.mark.parametrize("name", ["nb_img_header", "nb_oversample", "nb_roi", "nb_dispersion"])
@pytest.mark.parametrize("threads", [1, 2])
def test_nonbragg_thread_count_does_not_change_bits(nb_golden, name, threads, tmp_path, monkeypatch, capsys):
    root, manifest = nb_golden
    spec = manifest[name]
    status, _ = _run_case(root, spec, tmp_path, monkeypatch, capsys, extra=("--threads", str(threads)))
    assert status == 0
    _check_files(root, name, spec, tmp_path)


def _tiny_config(**changes):
    if not WATER.is_file():
        pytest.skip(f"water.stol not found at {WATER}")
    cfg = parse_args(["-stol", str(WATER), "-thick", "0.1", "-lambda", "1", "-distance", "50", "-pixel", "0.5",
                      "-detpixels", "12", "-oversample", "2", "-dispersion", "4", "-dispsteps", "2",
                      "-polar", "0.8", "-fluence", "1e20", "-seed", "3"]).config
    for name, value in changes.items():
        setattr(cfg, name, value)
    return cfg


def _prepare_case(root, spec, folder, monkeypatch):
    for name in spec["inputs"]:
        (folder / name).write_bytes((root.parent / "inputs" / name).read_bytes())
    monkeypatch.chdir(folder)
    return amorphous_setup.prepare(parse_args(spec["args"].split()).config, Log())


@pytest.mark.golden
@pytest.mark.parametrize("name", ["nb_air_path", "nb_4stol_table", "nb_img_header", "nb_rot_twotheta",
                                  "nb_sourcefile", "nb_roi", "nb_sample_xyz"])
def test_prepare_assigns_every_declared_field(nb_golden, name, tmp_path, monkeypatch):
    root, manifest = nb_golden
    s = _prepare_case(root, manifest[name], tmp_path, monkeypatch)
    assert [field for field in FIELD_NAMES if not hasattr(s, field)] == []


@pytest.mark.golden
def test_amorphous_setup_refuses_an_undeclared_field(nb_golden, tmp_path, monkeypatch):
    root, manifest = nb_golden
    s = _prepare_case(root, manifest["nb_air_path"], tmp_path, monkeypatch)
    with pytest.raises(AttributeError, match="AmorphousSetup declares no field 'molecular_wieght'; "
                                             "did you mean 'molecular_weight'"):
        s.molecular_wieght = 18.0
    assert not hasattr(s, "molecular_wieght")
    s.molecular_weight = 18.0
    assert s.molecular_weight == 18.0


def test_serial_and_parallel_rows_agree():
    """Rows rendered in parallel from the settled state give the serial walk's bits."""
    cfg = _tiny_config()
    s = amorphous_setup.prepare(cfg, Log())
    t = amorphous_tables.build(s)
    assert t.monotonic
    parallel = engine.render(s, t, progress=False).floatimage
    serial = engine.render(s, t, progress=False, serial=True).floatimage
    assert parallel.view(np.uint32).tolist() == serial.view(np.uint32).tolist()
    assert np.all(parallel > 0)


def test_api_returns_arrays_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = amorphous(_tiny_config())
    assert result.floatimage.shape == (12, 12) and result.floatimage.dtype == np.float32
    assert result.intimage.dtype == np.uint16 and result.noiseimage.shape == (12, 12)
    assert result.max_I == pytest.approx(float(result.floatimage.max()))
    assert "solid angle subtended by detector" in result.log
    assert list(tmp_path.iterdir()) == []


def test_api_rejects_other_configs():
    from nanobragg_nb.errors import ArgumentError, UsageExit
    with pytest.raises(ArgumentError):
        amorphous({"stol": "water.stol"})
    with pytest.raises(UsageExit):
        amorphous(AmorphousConfig())


def test_unsorted_table_renders_serially(tmp_path):
    table = tmp_path / "swapped.stol"
    table.write_text("0 2.5\n0.2 1.0\n0.1 2.0\n0.3 0.5\n0.5 0.2\n")
    cfg = _tiny_config(stol_file=str(table))
    s = amorphous_setup.prepare(cfg, Log())
    t = amorphous_tables.build(s)
    assert not t.monotonic
    one = engine.render(s, t, progress=False, threads=1).floatimage
    two = engine.render(s, t, progress=False, serial=True).floatimage
    assert one.view(np.uint32).tolist() == two.view(np.uint32).tolist()


def _one_error_line(proc, status, *words):
    assert proc.returncode == status, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nanobragg-nb: error:"), proc.stderr
    assert "Traceback" not in proc.stderr
    for word in words:
        assert word in lines[0]


def test_missing_table_is_one_line_exit_3(tmp_path):
    _one_error_line(run_cli(["nonbragg", "-stol", "nothere.stol", "-detpixels", "8", "-seed", "1"], tmp_path),
                    3, "nothere.stol")


def test_empty_table_is_one_line_exit_3(tmp_path):
    (tmp_path / "empty.stol").write_text("\n\n")
    _one_error_line(run_cli(["nonbragg", "-stol", "empty.stol", "-detpixels", "8", "-seed", "1"], tmp_path),
                    3, "empty.stol", "no data")


def test_malformed_table_is_one_line_exit_3(tmp_path):
    (tmp_path / "bad.stol").write_text("0 2.5\nstol F\n0.1 2.0\n")
    _one_error_line(run_cli(["nonbragg", "-stol", "bad.stol", "-detpixels", "8", "-seed", "1"], tmp_path),
                    3, "bad.stol", "row 2")


def test_unwritable_output_is_one_line_exit_6(tmp_path):
    (tmp_path / "w.stol").write_text("0 2.5\n0.1 2.0\n0.2 1.0\n0.3 0.5\n")
    proc = run_cli(["nonbragg", "-stol", "w.stol", "-detpixels", "8", "-seed", "1", "-floatfile", "no/dir/f.bin"],
                   tmp_path)
    _one_error_line(proc, 6, "no/dir/f.bin")
    assert not (tmp_path / "intimage.img").exists()


def test_no_table_prints_usage_exit_9(tmp_path):
    proc = run_cli(["nonbragg", "-detpixels", "8"], tmp_path)
    assert proc.returncode == 9
    assert "usage: nonBragg -stol water.stol" in proc.stdout


def _numba_cuda_missing():
    try:
        import numba.cuda  # noqa: F401
    except ImportError as err:
        return f"numba-cuda is not installed ({err})"
    return None


@pytest.mark.skipif(_numba_cuda_missing() is not None, reason=str(_numba_cuda_missing()))
def test_simulated_cuda_kernel_equals_cpu_kernel(tmp_path):
    """The CUDA kernel, run by the CUDA simulator, gives the CPU kernel's bits on a tiny detector."""
    if not WATER.is_file():
        pytest.skip(f"water.stol not found at {WATER}")
    script = f"""
import numpy as np
from nanobragg_nb.core.log import Log
from nanobragg_nb.core import amorphous as setup
from nanobragg_nb.core.engines import amorphous as engine
from nanobragg_nb.core.kernels import amorphous_tables
from nanobragg_nb.programs.nonbragg.cparse import parse_args
cfg = parse_args(["-stol", {str(WATER)!r}, "-lambda", "1", "-distance", "40", "-pixel", "1", "-detpixels", "5",
                  "-oversample", "2", "-polar", "0.7", "-dispersion", "3", "-dispsteps", "2", "-seed", "1"]).config
s = setup.prepare(cfg, Log())
t = amorphous_tables.build(s, record=True)
cpu = engine.render(s, t, progress=False)
gpu = engine.render(s, t, progress=False, device="cuda")
assert cpu.floatimage.view(np.uint32).tolist() == gpu.floatimage.view(np.uint32).tolist()
assert cpu.last.tolist() == gpu.last.tolist()
print("same", cpu.floatimage.sum())
"""
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1", PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "same" in proc.stdout


def _ptx_reason():
    reason = _numba_cuda_missing()
    if reason is None and os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
        return "PTX cannot be compiled under the CUDA simulator (NUMBA_ENABLE_CUDASIM=1)"
    return reason


@pytest.mark.skipif(_ptx_reason() is not None, reason=str(_ptx_reason()))
def test_amorphous_kernel_compiles_to_ptx_for_sm_90():
    from nanobragg_nb.core.kernels import amorphous_cuda
    cfg = _tiny_config()
    s = amorphous_setup.prepare(cfg, Log())
    t = amorphous_tables.build(s)
    try:
        ptx = amorphous_cuda.compile_ptx(t.inputs, cc=(9, 0))
    except Exception as err:     # no NVVM on this machine
        if "NVVM" in str(err) or "libnvvm" in str(err).lower():
            pytest.skip(f"NVVM not available: {err}")
        raise
    assert ".target sm_90" in ptx and ".entry" in ptx
    # no FMA contraction of the kernel's own arithmetic (the C is compiled with -ffp-contract=off):
    # every multiply and add is explicitly rounded (libdevice's functions keep their own FMAs)
    assert "mul.rn.f64" in ptx and "mul.f64" not in ptx and "add.f64" not in ptx
