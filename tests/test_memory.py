"""Peak memory of the command line: written images are not kept when nothing reads them afterwards."""
import numpy as np

import nanobragg_nb as nb
from nanobragg_nb.core.log import Log
from nanobragg_nb.programs.nanobragg.outputs import FileWriter


def _config(tmp_path):
    cfg = nb.Config()
    cfg.crystal.set_cell(100, 100, 100)
    cfg.crystal.default_F = 100
    cfg.crystal.Na = cfg.crystal.Nb = cfg.crystal.Nc = 5
    cfg.beam.wavelength_m = 6.2e-10
    cfg.detector.fpixels = cfg.detector.spixels = 32
    cfg.output.seed = -26                   # stored negated, as the C stores -seed
    for name in ("floatfile", "intfile", "pgmfile", "noisefile"):
        setattr(cfg.output, name, str(tmp_path / getattr(cfg.output, name)))
    return cfg


def test_writer_drops_the_written_images_only_when_asked(tmp_path):
    kept = nb.simulate(_config(tmp_path), writer=FileWriter(_config(tmp_path).output), log=Log())
    written = {name: (tmp_path / getattr(_config(tmp_path).output, name)).read_bytes()
               for name in ("intfile", "pgmfile", "noisefile")}
    dropped = nb.simulate(_config(tmp_path), writer=FileWriter(_config(tmp_path).output, keep_images=False),
                          log=Log())
    assert kept.intimage is not None and kept.pgmimage is not None
    assert dropped.intimage is None and dropped.pgmimage is None
    # the files, the float image and the noise image are the same either way
    for name, data in written.items():
        assert (tmp_path / getattr(_config(tmp_path).output, name)).read_bytes() == data
    assert np.array_equal(kept.floatimage, dropped.floatimage)
    assert np.array_equal(kept.noiseimage, dropped.noiseimage)
