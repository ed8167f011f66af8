"""The CUDA kernel: device selection, the CUDA simulator against the CPU kernel, PTX for sm_90, a real GPU.

- Under the CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``, run in a subprocess
  because Numba reads it at import), tiny detectors covering every feature
  family, one with the upstream fixes on: the CUDA kernel's float image,
  solid-angle sum and log equal the CPU kernel's bit for bit; in fast mode
  both kernels agree to float32 accuracy.
- Without a GPU, the kernels compile to PTX for compute capability 9.0; where
  ptxas is installed their registers and spills are reported.
- With a GPU, a few cases run on it.

Run as a script (``python tests/test_cuda.py OUT.json``, under the simulator)
it writes the simulator comparisons that the tests read.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent

# tiny detectors, one or more feature families each
SIMULATOR_CASES = {
    "square": "-default_F 100 -cell 100 100 100 90 90 90 -lambda 6.2 -N 5 -distance 100 -detpixels 16",
    "round": "-default_F 100 -cell 100 100 100 90 90 90 -lambda 6.2 -N 5 -distance 100 -detpixels 16 -round_xtal",
    "gauss": ("-default_F 100 -cell 100 100 100 90 90 90 -lambda 6.2 -N 5 -distance 100 -detpixels 16 "
              "-gauss_xtal -fudge 2"),
    "tophat": ("-default_F 100 -cell 100 100 100 90 90 90 -lambda 6.2 -N 5 -distance 100 -detpixels 16 "
               "-tophat_spots"),
    "hkl_nearest": ("-hkl P1.hkl -cell 30 35 40 90 90 90 -lambda 1.0 -N 6 -nointerpolate -distance 60 "
                    "-pixel 0.172 -detpixels 20"),
    "hkl_tricubic": ("-hkl P1.hkl -cell 30 35 40 90 90 90 -lambda 1.0 -N 2 -interpolate -distance 80 "
                     "-pixel 0.172 -detpixels 20"),
    # interpolation runs out of range at pixel (0, 19), well after the rows rendered on the CPU
    "hkl_tricubic_switch_off": ("-hkl P1.hkl -cell 80 80 80 90 90 90 -lambda 1.0 -N 2 -interpolate -distance 60 "
                                "-pixel 0.172 -detpixels_f 12 -detpixels_s 24 -Xbeam 0.3 -Ybeam 0.3 -default_F 3"),
    "polarization": ("-default_F 100 -cell 100 100 100 90 90 90 -lambda 6.2 -N 5 -distance 100 -detpixels 16 "
                     "-polar 0.9"),
    "thickness": ("-default_F 100 -cell 100 100 100 90 90 90 -lambda 6.2 -N 5 -distance 100 -detpixels 16 "
                  "-detector_thick 450 -detector_abs 300 -detector_thicksteps 3"),
    "curved_detector": ("-default_F 100 -cell 100 100 100 90 90 90 -lambda 6.2 -N 5 -distance 100 -detpixels 16 "
                        "-curved_det -detector_rotz 4"),
    "phi0_reuse": "-default_F 100 -cell 60 70 80 90 90 90 -lambda 1.0 -N 5 -distance 100 -detpixels 16 "
                  "-phi 0 -osc 3 -phisteps 3",
    "phi_offset": "-default_F 100 -cell 60 70 80 90 90 90 -lambda 1.0 -N 5 -distance 100 -detpixels 16 "
                  "-phi -2 -osc 4 -phisteps 4",
    "mosaic": ("-default_F 100 -cell 60 70 80 90 90 90 -lambda 1.0 -N 8 -distance 100 -detpixels 16 "
               "-mosaic 0.8 -mosaic_dom 3 -mosaic_seed 4321"),
    "divergence_dispersion": ("-default_F 100 -cell 100 100 100 90 90 90 -lambda 6.2 -N 5 -distance 100 "
                              "-detpixels 16 -divergence 0.4 -divsteps 3 -dispersion 2 -dispsteps 2"),
    "roi_mask": ("-default_F 100 -cell 100 100 100 90 90 90 -lambda 6.2 -N 5 -distance 100 -detpixels 20 "
                 "-roi 3 17 2 15"),
    "water": "-default_F 100 -cell 100 100 100 90 90 90 -lambda 6.2 -N 5 -distance 100 -detpixels 16 -water 0.1",
    "oversample_flags": ("-default_F 100 -cell 100 100 100 90 90 90 -lambda 6.2 -N 5 -distance 100 -detpixels 12 "
                         "-oversample 2 -oversample_omega -oversample_polar -detector_thick 200 "
                         "-detector_abs 300 -oversample_thick"),
    "dmin_triclinic_misset": ("-default_F 100 -cell 70 80 90 75 85 95 -misset 10 20 30 -lambda 1.0 -N 5 "
                              "-distance 50 -detpixels 16 -oversample 2 -dmin 3.0"),
    "xds_twotheta_point_pixel": ("-default_F 100 -cell 100 100 100 90 90 90 -lambda 6.2 -N 5 -distance 100 "
                                 "-detpixels 16 -xds -twotheta 8 -point_pixel"),
    # both upstream fixes (--fix all): phi = 0 with mosaic domains, and every -oversample_* flag
    "fixed_phi0_oversample": ("-default_F 100 -cell 60 70 80 90 90 90 -lambda 1.0 -N 5 -distance 100 "
                              "-detpixels 12 -phi 0 -osc 3 -phisteps 3 -mosaic 0.5 -mosaic_dom 2 -oversample 2 "
                              "-oversample_omega -oversample_polar -detector_thick 200 -oversample_thick"),
}
MASKED = {"roi_mask"}
#: the cases run with the upstream fixes on (config.fixes)
FIXED = {"fixed_phi0_oversample"}

# a block of structure factors
HKL_RANGES = {"P1.hkl": (range(-6, 7), range(-6, 7), range(-6, 7))}


def write_hkl_files(folder):
    """Structure-factor files for the simulator cases, made up but reproducible."""
    for name, (hs, ks, ls) in HKL_RANGES.items():
        rows = [f"{h} {k} {l} {10.0 + ((7 * h + 11 * k + 13 * l) % 17) * 3.5:.2f}" for h in hs for k in ks for l in ls]
        (Path(folder) / name).write_text("\n".join(rows) + "\n")


def _config(args, masked, fixed=False):
    from nanobragg_nb.programs.nanobragg.cparse import parse_args
    cfg = parse_args(args.split() + ["-seed", "1"]).config        # the noise image (and the log) repeatable
    cfg.fixes.phi0 = cfg.fixes.oversample = fixed
    if masked:
        side = 20
        mask = np.ones(side * side, dtype=np.uint16)
        mask[::7] = 0                       # scattered masked pixels, rows and columns alike
        mask[5 * side:6 * side] = 0
        cfg.detector.mask = mask
    return cfg


def compare_on_simulator(names, folder):
    """Run each case on the CPU and on the (simulated) CUDA kernel in both modes; the comparisons."""
    from nanobragg_nb.programs.nanobragg.api import simulate
    out = {}
    for name in names:
        case_folder = Path(folder) / name          # its own folder: -hkl runs leave an Fdump.bin behind
        case_folder.mkdir()
        os.chdir(case_folder)
        write_hkl_files(case_folder)
        args, masked, fixed = SIMULATOR_CASES[name], name in MASKED, name in FIXED
        entry = {}
        for mode in ("faithful", "fast"):
            cpu = simulate(_config(args, masked, fixed), device="cpu", mode=mode)
            gpu = simulate(_config(args, masked, fixed), device="cuda", mode=mode)
            a, b = cpu.floatimage.ravel(), gpu.floatimage.ravel()
            scale = float(np.abs(a).max()) or 1.0
            entry[mode] = {"differing_pixels": int(np.count_nonzero(a.view(np.uint32) != b.view(np.uint32))),
                           "max_abs_diff_over_max": float(np.max(np.abs(a.astype(np.float64) - b)) / scale),
                           "omega_equal": cpu.stats["omega_sum"] == gpu.stats["omega_sum"],
                           "log_equal": cpu.log == gpu.log,
                           "nonzero": int(np.count_nonzero(a))}
        out[name] = entry
    return out


def _numba_cuda_missing():
    try:
        import numba_cuda  # noqa: F401
    except ImportError:
        return True
    return False


needs_numba_cuda = pytest.mark.skipif(_numba_cuda_missing(),
                                      reason="numba-cuda is not installed (pip install '.[gpu]' or '.[test]')")


@pytest.fixture(scope="module")
def simulator_results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cudasim")
    out = folder / "results.json"
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    proc = subprocess.run([sys.executable, str(Path(__file__)), str(out), str(folder)], env=env,
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(out.read_text())


@needs_numba_cuda
@pytest.mark.parametrize("name", sorted(SIMULATOR_CASES))
def test_simulated_cuda_kernel_equals_cpu_kernel(simulator_results, name):
    result = simulator_results[name]["faithful"]
    assert result["nonzero"] > 0
    assert result["differing_pixels"] == 0
    assert result["omega_equal"]
    assert result["log_equal"]


@needs_numba_cuda
@pytest.mark.parametrize("name", sorted(SIMULATOR_CASES))
def test_simulated_cuda_fast_kernel_agrees_with_cpu_fast_kernel(simulator_results, name):
    result = simulator_results[name]["fast"]
    assert result["nonzero"] > 0
    assert result["max_abs_diff_over_max"] <= 1e-5
    assert result["omega_equal"]


def test_device_selection_without_a_usable_gpu(monkeypatch, capsys):
    from nanobragg_nb.core.engines import cuda as cuda_engine
    from nanobragg_nb.errors import DeviceError
    monkeypatch.setattr(cuda_engine, "unusable_reason", lambda: "no CUDA driver or NVIDIA GPU found")
    with pytest.raises(DeviceError, match="--device cuda: no CUDA driver"):
        cuda_engine.select("cuda")
    assert cuda_engine.select("auto") is False
    assert "running on the CPU" in capsys.readouterr().err


def test_missing_numba_cuda_is_named(monkeypatch):
    from nanobragg_nb.core.engines import cuda as cuda_engine
    monkeypatch.setitem(sys.modules, "numba_cuda", None)
    assert "numba-cuda is not installed" in cuda_engine.unusable_reason()


def test_importing_the_package_does_not_import_numba_cuda():
    code = ("import sys, nanobragg_nb, nanobragg_nb.programs.nanobragg.api, nanobragg_nb.cli, nanobragg_nb.core.engines.cpu; "
            "bad = [m for m in ('numba_cuda', 'numba.cuda') if m in sys.modules]; print(bad); sys.exit(bool(bad))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _cli(args, folder, env_extra):
    env = dict(os.environ, LC_ALL="C", **env_extra)
    env.pop("NUMBA_ENABLE_CUDASIM", None)
    return subprocess.run([sys.executable, "-m", "nanobragg_nb", *args], cwd=folder, capture_output=True,
                          text=True, env=env, timeout=600)


def test_cli_device_cuda_and_auto_without_a_gpu(tmp_path):
    # CUDA_VISIBLE_DEVICES="" hides any GPU, so this runs the same everywhere
    args = SIMULATOR_CASES["square"].split() + ["-nonoise", "-nopgm"]
    hidden = {"CUDA_VISIBLE_DEVICES": ""}
    (tmp_path / "cuda").mkdir()
    proc = _cli(["--device", "cuda", *args], tmp_path / "cuda", hidden)
    assert proc.returncode == 7
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("nanobragg-nb: error: --device cuda: ")
    assert "Traceback" not in proc.stderr
    for device in ("auto", "cpu"):
        (tmp_path / device).mkdir()
        proc = _cli(["--device", device, *args], tmp_path / device, hidden)
        assert proc.returncode == 0, proc.stderr
        assert ("running on the CPU" in proc.stderr) == (device == "auto")
    assert (tmp_path / "auto" / "floatimage.bin").read_bytes() == (tmp_path / "cpu" / "floatimage.bin").read_bytes()


def _tiny_tables():
    from nanobragg_nb.core import rng
    from nanobragg_nb.programs.nanobragg.cparse import parse_args
    from nanobragg_nb.core.kernels import tables
    from nanobragg_nb.core.log import Log
    from nanobragg_nb.core.setup import prepare
    s = prepare(parse_args(SIMULATOR_CASES["square"].split()).config, Log(), rng.RandomState())
    return tables.build(s)


def _ptx_reason():
    import numba
    if _numba_cuda_missing():
        return "numba-cuda is not installed (pip install '.[gpu]' or '.[test]')"
    if numba.config.ENABLE_CUDASIM:
        return "PTX cannot be compiled under the CUDA simulator (NUMBA_ENABLE_CUDASIM=1)"
    return None


@pytest.mark.skipif(_ptx_reason() is not None, reason=str(_ptx_reason()))
@pytest.mark.parametrize("key", [("faithful", False), ("faithful", True), ("fast", False)])
def test_kernels_compile_to_ptx_for_sm_90(key):
    from nanobragg_nb.core.engines import cuda as cuda_engine
    from nanobragg_nb.core.kernels import cuda as kernels, cuda_toolchain as toolchain
    ptx = kernels.compile_ptx(key, cuda_engine.kernel_argument_types(_tiny_tables(), key[0]), cc=(9, 0))
    assert ".target sm_90" in ptx and ".entry" in ptx
    if key[0] == "faithful":
        # no multiply-add contraction: every double multiply keeps its own rounding, as in the C
        assert "mul.rn.f64" in ptx and "mul.f64" not in ptx and "add.f64" not in ptx
    else:
        assert "f32" in ptx and ".ftz" in ptx
    report = toolchain.ptxas_resources(ptx, cc=(9, 0))
    if report is None:
        pytest.skip("ptxas not found: registers and spills for sm_90 not reported")
    print(f"\n{key}: {report['registers']} registers per thread, spill stores {report['spill_stores']} bytes, "
          f"spill loads {report['spill_loads']} bytes, stack {report['stack']} bytes (sm_90)")
    assert 0 < report["registers"] <= 255
    if key == ("faithful", False):
        assert report["spill_stores"] == 0 and report["spill_loads"] == 0, report["report"]


def _real_gpu_reason():
    reason = _ptx_reason()
    if reason:
        return reason
    from nanobragg_nb.core.engines import cuda as cuda_engine
    return cuda_engine.unusable_reason()


@pytest.mark.skipif(_real_gpu_reason() is not None, reason=f"no GPU: {_real_gpu_reason()}")
@pytest.mark.parametrize("name", ["square", "mosaic", "hkl_tricubic_switch_off", "phi0_reuse", "roi_mask",
                                  "fixed_phi0_oversample"])
def test_gpu_matches_cpu(name, tmp_path, monkeypatch):
    from nanobragg_nb.programs.nanobragg.api import simulate
    monkeypatch.chdir(tmp_path)
    write_hkl_files(tmp_path)
    args, masked, fixed = SIMULATOR_CASES[name], name in MASKED, name in FIXED
    for mode, tolerance in (("faithful", 1e-6), ("fast", 1e-4)):
        cpu = simulate(_config(args, masked, fixed), device="cpu", mode=mode).floatimage.astype(np.float64)
        gpu = simulate(_config(args, masked, fixed), device="cuda", mode=mode).floatimage.astype(np.float64)
        # CUDA's sin, cos, exp and atan2 are not glibc's, so the bits may differ in the last places
        assert np.max(np.abs(gpu - cpu)) <= tolerance * np.abs(cpu).max(), mode


if __name__ == "__main__":
    results = compare_on_simulator(sorted(SIMULATOR_CASES), sys.argv[2])
    Path(sys.argv[1]).write_text(json.dumps(results, indent=1))
