"""Markers and ``nanobragg-nb audit``.

The first tests read the markers of the package against c_ref/ (no C source
needed): format, order, the loop nest tiled without gap or overlap, every
required block covered. The others run the audit on a small synthetic C file
written here, on a renumbered copy of it, and on a copy it cannot place.
"""
import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

from nanobragg_nb.audit import blocks as audit, csource, markers
from nanobragg_nb.errors import ArgumentError

ROOT = audit.source_root()
REF = audit.load_reference()


# ---------------------------------------------------------------- the package's own markers

def test_reference_names_the_pinned_c():
    d = REF.data
    assert (d["repository"], d["commit"], d["path"]) == ("bl831/nanoBragg", "455534a", "nanoBragg.c")
    assert re.fullmatch(r"[0-9a-f]{64}", d["sha256"])
    assert d["sha256"] == "ff65983e2e527f171c08142c9e34e0558d43c0c5579e4e73f2757796520a3343"
    assert d["kernels"]["cpu"]["tile"]["range"] == [2584, 3049]
    assert d["kernels"]["cuda"]["tile"]["range"] == [2584, 3049]
    assert "nanobragg_nb/core/kernels/cuda.py" in d["kernels"]["cuda"]["files"]


def test_every_marker_in_the_package_is_well_formed():
    problems, count = [], 0
    for rel in markers.expand(ROOT, ["nanobragg_nb/**/*.py"]):
        fm = markers.parse_file(ROOT, rel, REF.lines)
        problems += fm.problems
        count += len(fm.markers)
    assert not problems, "\n".join(problems)
    assert count > 80


def test_markers_are_in_the_c_order_inside_each_function():
    out = []
    for rel in markers.expand(ROOT, ["nanobragg_nb/**/*.py"]):
        out += audit.check_order(markers.parse_file(ROOT, rel, REF.lines).markers)
    assert not out, "\n".join(out)


def test_cpu_kernel_tiles_the_loop_nest_without_gap_or_overlap():
    g = audit.audit_group(REF, "cpu", ROOT)
    assert not g.problems and not g.order
    assert not g.gaps, g.gaps
    assert not g.overlaps, g.overlaps
    # the tiling markers, clipped to the loop nest, follow one another line by line
    pieces = sorted((max(a, 2584), min(b, 3049)) for mk in g.tile for a, b in mk.ranges if a <= 3049 and b >= 2584)
    assert pieces[0][0] == 2584 and pieces[-1][1] == 3049
    assert all(nxt[0] == cur[1] + 1 for cur, nxt in zip(pieces, pieces[1:]))
    # both halves of the kernel take part: the row loop and the shared pixel body
    assert {mk.path for mk in g.tile} == {"nanobragg_nb/core/kernels/cpu.py", "nanobragg_nb/core/kernels/pixel.py"}


def test_cuda_kernel_is_covered_once_it_exists(capsys):
    g = audit.audit_group(REF, "cuda", ROOT)
    if (ROOT / "nanobragg_nb/core/kernels/cuda.py").is_file():
        assert g.ok, (g.gaps, g.overlaps, g.order, g.problems)
    else:
        assert "absent" in g.absent
        assert audit.main(["--kernel", "cuda", "--summary"]) == 1
        assert "kernels/cuda.py is absent" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["setup", "functions", "output"])
def test_required_blocks_are_covered(name):
    g = audit.audit_group(REF, name, ROOT)
    assert not g.problems
    assert not g.gaps, g.gaps
    assert g.blocks


def test_required_lines_have_anchors():
    """Every end of a required range can be re-anchored in another version of the C."""
    needed = set()
    for spec in REF.data["kernels"].values():
        needed.update(spec.get("tile", {}).get("range", []))
        for a, b, _ in spec.get("blocks", []):
            needed.update((a, b))
    missing = sorted(n for n in needed if str(n) not in REF.anchors)
    assert not missing
    for anchor in REF.anchors.values():
        assert 1 <= len(anchor["tokens"]) <= csource.MAX_TOKENS
        assert all(re.fullmatch(r"[A-Za-z_]\w*", t) for t in anchor["tokens"])


def test_audit_without_c_source_checks_statically(capsys, monkeypatch):
    monkeypatch.delenv("NB_C_SRC", raising=False)
    assert audit.main(["--kernel", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "not shown side by side" in out
    assert "covered without gap or overlap" in out and "coverage complete" in out


# ---------------------------------------------------------------- the parser on its own

def test_marker_parser_format_blocks_and_docstrings():
    src = '''"""Docs that show a marker:

# C L1-2: not a marker, inside a string
"""


# C L10-12, L20: a function mirroring two ranges
def f(x):
    y = x
    # C L13: one line
    return y


# C L30-31: constants
A = 1
B = 2


def g():
    #C L40: missing space
    # C L41-40: backwards
    # C L50-60 no colon
    # C L70-80: late
    # C L60-65: early
    pass
'''
    fm = markers.parse_source("pkg/m.py", src, max_line=100)
    assert [(m.label, m.scope) for m in fm.markers] == [
        ("L10-12, L20", "f"), ("L13", "f"), ("L30-31", "<module>"), ("L70-80", "g"), ("L60-65", "g")]
    first, second, consts = fm.markers[:3]
    assert first.ranges == [(10, 12), (20, 20)]
    assert (first.line, first.end) == (7, 9)            # def line and body up to the next marker
    assert (second.line, second.end) == (10, 11)
    assert (consts.line, consts.end) == (14, 16)       # the plain statements after it
    assert len(fm.problems) == 3
    assert any("malformed" in p and ":20:" in p for p in fm.problems)
    assert any("impossible range L41-40" in p for p in fm.problems)
    assert any(":22:" in p for p in fm.problems)        # no colon
    assert audit.check_order(fm.markers) == [
        "pkg/m.py:24: L60-65 comes after L70-80 (line 23) in g"]


def test_tiling_reports_gaps_and_overlaps():
    mk = lambda line, a, b: markers.Marker("p.py", line, [(a, b)], "d")   # noqa: E731
    _, gaps, overlaps = audit.check_tile([mk(1, 10, 14), mk(2, 15, 20), mk(3, 25, 30)], 10, 30)
    assert gaps == [(21, 24, "loop nest")] and not overlaps
    _, gaps, overlaps = audit.check_tile([mk(1, 10, 16), mk(2, 15, 28)], 10, 30)
    assert gaps == [(29, 30, "loop nest")]
    assert len(overlaps) == 1 and overlaps[0].startswith("L15-16")
    assert audit.check_blocks([mk(1, 10, 12)], [(9, 14, "blk")]) == [(9, 9, "blk"), (13, 14, "blk")]


# ---------------------------------------------------------------- a synthetic C, renumbered

SYNTHETIC_C = """\
/* a tiny program in the shape of a simulator */
#include <math.h>

double grating(double x, double n)
{
    if (x == 0.0) return n;
    return sin(x*n)/sin(x);
}

int main(int argc, char **argv)
{
    int npix = atoi(argv[1]);
    double total = 0.0;
    int pix;
    for (pix = 0; pix < npix; ++pix)
    {
        /* angle of this pixel */
        double theta = pix*0.01;
        double weight = cos(theta);

        /* lattice term */
        double lattice = grating(theta, 5.0);
        total += weight*lattice*lattice;
    }
    printf("total = %g\\n", total);
    return 0;
}
"""

SYNTHETIC_PY = '''"""A port of the tiny program."""
import math


# C L4-8: grating
def grating(x, n):
    if x == 0.0:
        return n
    return math.sin(x * n) / math.sin(x)


def main(npix):
    total = 0.0
    # C L15-16: the pixel loop
    for pix in range(npix):
        # C L17-20: angle and weight of the pixel
        theta = pix * 0.01
        weight = math.cos(theta)
        # C L21-24: lattice term and sum
        lattice = grating(theta, 5.0)
        total += weight * lattice * lattice
    # C L25-26: print the total
    print("total = %g" % total)
'''


def _synthetic(tmp_path, c_text=SYNTHETIC_C, py_text=SYNTHETIC_PY):
    root = tmp_path / "src"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "port.py").write_text(py_text)
    cfile = tmp_path / "tiny.c"
    cfile.write_text(c_text)
    ref_dir = tmp_path / "c_ref"
    ref_dir.mkdir()
    ref = {
        "repository": "example/tiny", "commit": "0000000", "path": "tiny.c",
        "sha256": hashlib.sha256(c_text.encode()).hexdigest(), "lines": c_text.count("\n"),
        "anchors": "anchors.json",
        "kernels": {
            "loop": {"title": "the loop", "files": ["pkg/port.py"],
                     "tile": {"range": [15, 26], "scopes": ["pkg/port.py::main"]}},
            "functions": {"title": "helpers", "files": ["pkg/*.py"], "blocks": [[4, 8, "grating"]]},
        },
    }
    (ref_dir / "reference.json").write_text(json.dumps(ref))
    base = ["--reference", str(ref_dir / "reference.json"), "--root", str(root)]
    assert audit.main(base + ["--c-source", str(cfile), "--write-anchors"]) == 0
    return cfile, base


def _shown_c(out):
    """Per block header: the C text shown in the left column, without line numbers."""
    blocks, cur = {}, None
    for line in out.splitlines():
        if line.startswith("--- C "):
            cur = line.split(" | ", 1)[1]
            blocks[cur] = []
        elif cur and " |" in line and not line.startswith("    ("):
            left = line.split(" |", 1)[0]
            m = re.match(r"^\s*(\d+) (.*)$", left)
            if m:
                blocks[cur].append(m.group(2).strip())
    return blocks


def test_audit_synthetic_c_side_by_side(tmp_path, capsys):
    cfile, base = _synthetic(tmp_path)
    capsys.readouterr()
    assert audit.main(base + ["--c-source", str(cfile), "--html", str(tmp_path / "r.html")]) == 0
    out = capsys.readouterr().out
    assert "sha256 matches the pinned example/tiny" in out
    assert "covered without gap or overlap" in out and "coverage complete" in out
    row = next(line for line in out.splitlines() if line.lstrip().startswith("18 "))
    assert "double theta = pix*0.01;" in row and "theta = pix * 0.01" in row   # aligned side by side
    # group by group, each in the C's order
    headers = [line.split()[2] if line.startswith("--- C ") else line.split()[1]
               for line in out.splitlines() if line.startswith(("--- C ", "=== "))]
    assert headers == ["loop:", "L15-16", "L17-20", "L21-24", "L25-26", "functions:", "L4-8"]
    page = (tmp_path / "r.html").read_text()
    assert "id='L15'" in page and "id='L26'" in page
    assert "<script" not in page and "src=" not in page and "http" not in page     # self-contained
    assert page.count("<tr><td class='n'>") >= 26 - 15 + 1


def test_audit_reanchors_a_renumbered_copy(tmp_path, capsys):
    cfile, base = _synthetic(tmp_path)
    capsys.readouterr()
    assert audit.main(base + ["--c-source", str(cfile)]) == 0
    pinned = _shown_c(capsys.readouterr().out)
    lines = SYNTHETIC_C.splitlines()
    moved = lines[:2] + ["/* one */", "/* two */"] + lines[2:14] + ["", "", ""] + lines[14:]
    other = tmp_path / "moved.c"
    other.write_text("\n".join(moved) + "\n")
    assert audit.main(base + ["--c-source", str(other)]) == 0
    captured = capsys.readouterr()
    assert "warning" in captured.err and "re-anchored" in captured.err
    assert _shown_c(captured.out) == pinned                  # the same C text, found at its new lines
    assert "--- C L6-10 (pinned L4-8)" in captured.out        # 2 lines inserted above the helper
    assert "--- C L20-21 (pinned L15-16)" in captured.out     # 5 lines above the loop


def test_audit_reports_blocks_it_cannot_place(tmp_path, capsys):
    cfile, base = _synthetic(tmp_path)
    anchors = json.loads((tmp_path / "c_ref" / "anchors.json").read_text())
    at = anchors["4"]["at"]
    lines = SYNTHETIC_C.splitlines()
    lines[at - 1] = "/* " + "removed" + " */"                # the anchored line of the helper is gone
    other = tmp_path / "patched.c"
    other.write_text("\n".join(lines) + "\n")
    capsys.readouterr()
    assert audit.main(base + ["--c-source", str(other)]) == 1
    out = capsys.readouterr().out
    assert "cannot place L4-8" in out and "coverage INCOMPLETE" in out


def test_audit_fails_on_a_gap(tmp_path, capsys):
    py = SYNTHETIC_PY.replace("        # C L17-20: angle and weight of the pixel\n", "")
    cfile, base = _synthetic(tmp_path, py_text=py)
    capsys.readouterr()
    assert audit.main(base + ["--c-source", str(cfile), "--summary"]) == 1
    out = capsys.readouterr().out
    assert "not covered: L17-20 (loop nest)" in out


def test_audit_argument_errors(monkeypatch):
    monkeypatch.delenv("NB_C_SRC", raising=False)
    with pytest.raises(ArgumentError):
        audit.main(["--kernel", "gpu"])
    with pytest.raises(ArgumentError, match="needs the pinned C source"):
        audit.main(["--write-anchors"])


def test_write_anchors_refuses_another_file(tmp_path):
    from nanobragg_nb.errors import InputFileError
    cfile, base = _synthetic(tmp_path)
    other = tmp_path / "other.c"
    shutil.copy(cfile, other)
    with open(other, "a") as f:
        f.write("/* changed */\n")
    with pytest.raises(InputFileError):
        audit.main(base + ["--c-source", str(other), "--write-anchors"])


def test_real_c_source_when_available(capsys):
    """With the real nanoBragg.c (NB_C_SRC), the loop nest is fully covered."""
    import os
    path = os.environ.get("NB_C_SRC")
    if not path or not Path(path).is_file():
        pytest.skip("set NB_C_SRC to a nanoBragg.c to run the audit against it")
    status = audit.main(["--c-source", path, "--summary"])
    out = capsys.readouterr().out
    assert "loop nest L2584-3049" in out
    assert status == 0, out


# ---------------------------------------------------------------- as users install it

@pytest.mark.slow
def test_audit_runs_from_a_non_editable_install(tmp_path):
    """``pip install .`` (not editable) ships c_ref/ inside the package; the audit finds it there."""
    import os
    import subprocess
    import sys
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    python = venv / "bin" / "python"
    build = subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "-q", str(ROOT)],
                           capture_output=True, text=True, cwd=tmp_path)
    assert build.returncode == 0, build.stderr
    env = {k: v for k, v in os.environ.items() if k not in ("NB_C_SRC", "PYTHONPATH")}
    code = ("import pathlib, sys, nanobragg_nb\n"
            "from nanobragg_nb.audit import blocks\n"
            "print(pathlib.Path(nanobragg_nb.__file__).resolve().parent)\n"
            "print(blocks.default_reference())\n"
            "sys.exit(blocks.main(['--summary']))\n")
    run = subprocess.run([str(python), "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env)
    lines = run.stdout.splitlines()
    package, reference = Path(lines[0]), Path(lines[1])
    assert package.is_relative_to(venv), f"imported {package}, not the installed copy"
    assert reference.is_relative_to(package) and reference.is_file() and not reference.is_symlink()
    assert json.loads(reference.read_text())["sha256"] == REF.sha256
    assert run.returncode == 0, run.stdout + run.stderr
    assert "coverage complete" in run.stdout
