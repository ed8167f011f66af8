"""nanobragg_nb: nanoBragg.c's diffraction image simulator, bit for bit, with Numba.

The Python API in three names: :class:`Config` (what to simulate),
:func:`simulate` (run it, no files written) and :class:`Result` (images,
statistics and the C's log). :func:`amorphous` runs nonBragg.c (amorphous
scattering from an :class:`AmorphousConfig`). :func:`add_noise` makes a float image into a
detector's images as noisify.c does, :func:`add` sums float images. The
``nanobragg-nb`` command takes nanoBragg's own arguments. :func:`simulate_series` gives the
frames of a rotation sweep or of serial stills from one setup.
"""
import os as _os

# SVML's vector sin/cos differ from glibc in the last bit; the faithful kernels need glibc's
_os.environ.setdefault("NUMBA_DISABLE_INTEL_SVML", "1")

from . import jit_cache as _jit_cache  # noqa: E402

# before any cached kernel is decorated: an edit of code they are compiled from recompiles them
_jit_cache.install_on_import()

from .version import __version__  # noqa: E402, F401

__all__ = ["Config", "Beam", "Crystal", "Detector", "Sampling", "Output", "Fixes", "simulate", "Result",
           "add_noise", "NoisifyResult", "add", "amorphous", "AmorphousConfig", "AmorphousResult",
           "simulate_series", "Series", "Frame", "Panel", "PanelDetector", "read_detector"]

#: the public names, imported on first use: ``import nanobragg_nb`` does not import NumPy and
#: Numba, so that the command line holds its Ctrl-C and environment checks before they load
_LAZY = {"Config": "core.config", "Beam": "core.config", "Crystal": "core.config", "Detector": "core.config",
         "Output": "core.config", "Sampling": "core.config", "Fixes": "core.config",
         "simulate": "programs.nanobragg.api", "Result": "programs.nanobragg.api", "add_noise": "programs.noisify.api",
         "NoisifyResult": "programs.noisify.api", "add": "programs.add", "amorphous": "programs.nonbragg.api",
         "AmorphousConfig": "core.amorphous.config", "AmorphousResult": "programs.nonbragg.api",
         "simulate_series": "programs.series.series", "Series": "programs.series.series",
         "Frame": "programs.series.frames", "Panel": "core.panels", "PanelDetector": "core.panels",
         "read_detector": "core.panels"}


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib
    value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
