"""nanobragg_nb: nanoBragg.c's diffraction image simulator, bit for bit, with Numba.

The Python API in three names: :class:`Config` (what to simulate),
:func:`simulate` (run it, no files written) and :class:`Result` (images,
statistics and the C's log). :func:`add_noise` makes a float image into a
detector's images as noisify.c does, :func:`add` sums float images. The
``nanobragg-nb`` command takes nanoBragg's own arguments.
"""
import os as _os

# SVML's vector sin/cos differ from glibc in the last bit; the faithful kernels need glibc's
_os.environ.setdefault("NUMBA_DISABLE_INTEL_SVML", "1")

from . import jit_cache as _jit_cache  # noqa: E402

# before any cached kernel is decorated: an edit of code they are compiled from recompiles them
_jit_cache.install()

from .core.config import Beam, Config, Crystal, Detector, Output, Sampling  # noqa: E402
from .programs.nanobragg.api import Result, simulate  # noqa: E402
from .programs.add import add  # noqa: E402
from .programs.noisify.api import NoisifyResult, add_noise  # noqa: E402
from .version import __version__  # noqa: E402, F401

__all__ = ["Config", "Beam", "Crystal", "Detector", "Sampling", "Output", "simulate", "Result",
           "add_noise", "NoisifyResult", "add"]
