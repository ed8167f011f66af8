"""docs/: cli.md is what the parser's tables generate, api.md's examples run, parity.md covers every quirk."""
import importlib.util
import re

import pytest

from nanobragg_nb import cli, errors
from nanobragg_nb.programs.nanobragg import command
from nanobragg_nb.programs.nanobragg.cparse import RULES

from conftest import REPO

DOCS = REPO / "docs"


def _load_generator():
    spec = importlib.util.spec_from_file_location("gen_cli", DOCS / "gen_cli.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


docs_cli = _load_generator()

#: the quirks of nanoBragg.c (c-reference section 7)
QUIRKS = (["Q-P%d" % i for i in range(1, 9)] + ["Q-G%d" % i for i in range(1, 6)]
          + ["Q-H%d" % i for i in range(1, 4)] + ["Q-R%d" % i for i in range(1, 4)]
          + ["Q-S%d" % i for i in range(1, 5)] + ["Q-O1", "Q-O2", "Q-T1", "Q-T2", "Q-W1", "Q-F1", "Q-I1", "Q-I2",
                                                  "Q-N1", "Q-N2", "Q-M1", "Q-M2"])


def test_cli_md_is_what_the_tables_generate():
    assert (DOCS / "cli.md").read_text() == docs_cli.render(), \
        "docs/cli.md is out of date: python3 docs/gen_cli.py > docs/cli.md"


def test_every_flag_and_option_is_in_cli_md():
    text = (DOCS / "cli.md").read_text()
    for rule in RULES:
        for name in rule.names:
            assert f"`{name}`" in text, name
        assert f"| L{rule.line} |" in text
    assert set(command.OWN_OPTION_DOCS) == set(command.OWN_OPTIONS), "every option of ours needs a line in OWN_OPTION_DOCS"
    for name in command.OWN_OPTIONS:
        assert f"| `{name}` |" in text


def test_every_exit_status_is_documented():
    text = (DOCS / "cli.md").read_text()
    statuses = {cls.exit_status for cls in docs_cli._error_classes(errors.NanoBraggError)}
    statuses |= {errors.INTERRUPTED_EXIT_STATUS, 1}
    for status in statuses:
        assert re.search(rf"^\| {status} \|", text, re.M), status
    assert statuses >= {2, 3, 4, 5, 6, 9, 130}


def test_matching_and_multi_hit_come_from_the_rules():
    rules = {rule.line: rule for rule in RULES}
    assert docs_cli.matching(rules[526]) == "exact"            # -N is strcmp
    assert docs_cli.matching(rules[853]) == "substring"        # -lambda, also -wavelength
    assert any("`-misset_seed` also fires `-misset`" in hit for hit in docs_cli.also_fires(rules[1107]))
    assert any("also fires `-twotheta`" in hit for hit in docs_cli.also_fires(rules[714]))
    assert docs_cli.also_fires(rules[756]) == []               # -detector_thicksteps is not -thicksteps


def test_help_lists_every_option_of_ours(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in command.OWN_OPTIONS:
        assert name in out
    assert "130 interrupted" in out


def python_blocks(path):
    return re.findall(r"```python\n(.*?)```", path.read_text(), re.S)


def test_api_examples_run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    blocks = python_blocks(DOCS / "api.md")
    assert len(blocks) >= 4
    namespace = {}
    for block in blocks:
        exec(compile(block, "docs/api.md", "exec"), namespace)
    out = capsys.readouterr().out
    assert "(256, 256) float32" in out
    assert "reflections read" in out
    assert list(tmp_path.iterdir()) == []                     # the examples leave the folder clean


def test_datasets_example_runs(tmp_path, monkeypatch, capsys):
    pytest.importorskip("dask")
    monkeypatch.chdir(tmp_path)
    # the last block; the one before starts a Slurm cluster
    exec(compile(python_blocks(DOCS / "datasets.md")[-1], "docs/datasets.md", "exec"), {})
    out = capsys.readouterr().out
    assert "3 (128, 128) True" in out and "(3, 128, 128)" in out and "42 float32" in out
    assert list(tmp_path.iterdir()) == []


def test_parity_md_covers_every_quirk():
    text = (DOCS / "parity.md").read_text()
    reference = REPO.parent / "shared" / "docs" / "c-reference.md"
    quirks = set(QUIRKS)
    if reference.is_file():
        section = reference.read_text().split("## 7.")[1].split("\n## ")[0]
        quirks |= set(re.findall(r"Q-[A-Z]\d+", section))
    for quirk in sorted(quirks):
        row = re.search(rf"^\| {quirk} \|.*\|(.*)\|$", text, re.M)
        assert row, f"{quirk} has no row in docs/parity.md"
        assert re.search(r"reproduced|fixed behind", row.group(1)), quirk


@pytest.mark.parametrize("page", ["cli.md", "api.md", "parity.md", "datasets.md"])
def test_docs_point_at_files_that_exist(page):
    text = (DOCS / page).read_text()
    for name in re.findall(r"docs/([\w.]+\.md)", text):
        if name != "performance.md":                           # written with the fast mode
            assert (DOCS / name).is_file(), f"{page} points at docs/{name}"
