"""Shared fixtures: where the C golden data lives, and running the command in a folder."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def golden_root():
    """The golden data folder: $NANOBRAGG_GOLDEN, else ../shared/golden beside the repository."""
    return Path(os.environ.get("NANOBRAGG_GOLDEN", REPO.parent / "shared" / "golden"))


@pytest.fixture(scope="session")
def golden():
    """The golden data folder, or a clear skip when it is absent."""
    root = golden_root()
    if not (root / "manifest.json").is_file():
        pytest.skip(f"C golden data not found at {root} (set NANOBRAGG_GOLDEN to its folder)")
    return root


@pytest.fixture(scope="session")
def manifest(golden):
    """The golden cases: name -> {args, inputs, files, exit_code}."""
    return json.loads((golden / "manifest.json").read_text())


def stage_case(golden, spec, folder):
    """Copy a golden case's inputs into ``folder``."""
    for name in spec["inputs"]:
        shutil.copy(golden / "inputs" / name, folder)


def run_cli(args, cwd, env=None, timeout=600):
    """Run ``python -m nanobragg_nb`` with ``args`` in ``cwd``; returns the CompletedProcess."""
    full_env = dict(os.environ, LC_ALL="C", **(env or {}))
    return subprocess.run([sys.executable, "-m", "nanobragg_nb", *args], cwd=cwd, capture_output=True,
                          text=True, env=full_env, timeout=timeout)


@pytest.fixture
def demo_hkl_folder(tmp_path, monkeypatch):
    """A temporary working folder holding demo.hkl (the package's demo structure factors), dates fixed."""
    import gzip
    from importlib import resources
    data = resources.files("nanobragg_nb") / "data" / "demo_P43212.hkl.gz"
    (tmp_path / "demo.hkl").write_bytes(gzip.decompress(data.read_bytes()))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    return tmp_path
