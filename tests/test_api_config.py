"""The Python API refuses a configuration of the wrong types with the package's error, before any work."""
import os
import pathlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nanobragg_nb as nb
from nanobragg_nb.errors import ArgumentError
from nanobragg_nb.programs.nanobragg.validate import check_config


def small_config():
    cfg = nb.Config()
    cfg.crystal.set_cell(100, 100, 100)
    cfg.crystal.default_F = 100.0
    cfg.beam.wavelength_m = 6.2e-10
    cfg.detector.fpixels = cfg.detector.spixels = 8
    cfg.output.seed = -1
    return cfg


@pytest.mark.parametrize("section, name, value, words", [
    ("sampling", "roi", (0, 1), ["config.sampling.roi", "4 integers"]),
    ("beam", "wavelength_m", "1e-10", ["config.beam.wavelength_m", "a real number", "'1e-10'"]),
    ("crystal", "phisteps", 1.5, ["config.crystal.phisteps", "an integer", "1.5"]),
    ("crystal", "hkl_file", 1, ["config.crystal.hkl_file", "a file name"]),
    ("crystal", "hkl_file", 0, ["config.crystal.hkl_file", "a file name"]),
    ("detector", "curved", "yes", ["config.detector.curved", "True or False"]),
    ("detector", "fdet_vector", (0, 0), ["config.detector.fdet_vector", "3 numbers"]),
    ("output", "floatfile", None, ["config.output.floatfile", "a str"]),
])
def test_wrong_types_raise_the_package_error(section, name, value, words):
    cfg = small_config()
    setattr(getattr(cfg, section), name, value)
    with pytest.raises(ArgumentError) as caught:
        nb.simulate(cfg)
    for word in words:
        assert word in str(caught.value)


def test_file_descriptors_are_never_opened(tmp_path):
    """hkl_file = 1 was opened as the caller's stdout, and closed."""
    cfg = small_config()
    cfg.crystal.hkl_file = 1
    with pytest.raises(ArgumentError):
        nb.simulate(cfg)
    os.fstat(1)                                   # still open


@pytest.mark.parametrize("config, threads, words", [
    (None, None, ["nanobragg_nb.Config", "NoneType"]),
    ("cfg", -1, ["threads", "-1"]),
    ("cfg", 0, ["threads", "0"]),
    ("cfg", 2.0, ["threads", "2.0"]),
])
def test_simulate_arguments(config, threads, words):
    with pytest.raises(ArgumentError) as caught:
        nb.simulate(small_config() if config == "cfg" else config, threads=threads)
    for word in words:
        assert word in str(caught.value)


def test_accepted_types():
    cfg = small_config()
    cfg.crystal.phisteps = np.int64(1)
    cfg.beam.wavelength_m = np.float32(6.2e-10)
    cfg.sampling.roi = [0, 7, 0, 7]
    cfg.crystal.stol_file = None
    cfg.crystal.hkl_file = None
    cfg.detector.curved = 0
    check_config(cfg)
    cfg.crystal.hkl_file = pathlib.Path("P1.hkl")
    check_config(cfg)


def test_default_f_with_an_old_cache_uses_the_cache_as_the_c_does(tmp_path, monkeypatch, capsys):
    """docs/api.md: with no hkl_file, an existing dump_file is read even with default_F (the C's L2104)."""
    monkeypatch.chdir(tmp_path)
    cfg = small_config()
    cfg.crystal.hkl_file = "one.hkl"
    (tmp_path / "one.hkl").write_text("0 0 0 7\n1 1 1 7\n")
    from nanobragg_nb.core.log import Log
    from nanobragg_nb.programs.nanobragg.outputs import FileWriter
    nb.simulate(cfg, writer=FileWriter(cfg.output), log=Log())      # the command line writes Fdump.bin
    assert (tmp_path / "Fdump.bin").is_file()
    cfg = small_config()                                            # default_F = 100, no hkl_file
    result = nb.simulate(cfg)
    assert "reading structure factors from the cache" in capsys.readouterr().err
    assert "reading Fs from Fdump.bin" in result.log
    assert result.setup.hkl.hkls != 0


FIELD_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=True),
                         st.text(max_size=3), st.tuples(st.integers(0, 3), st.integers(0, 3)),
                         st.lists(st.floats(-1, 1), max_size=4))


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_fuzz_config_fields_raise_only_the_package_errors(data):
    """Any value in any field: check_config accepts it or raises ArgumentError, nothing else."""
    import dataclasses
    cfg = small_config()
    section_name = data.draw(st.sampled_from([f.name for f in dataclasses.fields(cfg)]))
    section = getattr(cfg, section_name)
    name = data.draw(st.sampled_from([f.name for f in dataclasses.fields(section)]))
    setattr(section, name, data.draw(FIELD_VALUES))
    try:
        check_config(cfg)
    except ArgumentError as err:
        assert f"config.{section_name}.{name}" in str(err)
