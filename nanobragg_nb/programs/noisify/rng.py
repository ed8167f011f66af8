"""noisify.c's random numbers: the functions of nanoBragg.c, unchanged.

noisify.c carries its own copies of ran1, gaussdev, poidev and gammln,
identical to nanoBragg.c's but for white space (tests/test_noisify.py
compares them when the C sources are at hand), with the same static state
shared by every seed. So the port of :mod:`nanobragg_nb.core.rng` serves
both programs; the names below mark which lines of noisify.c they stand for.
"""
from ...core import rng as _core

# C L954-1007: poidev, Poisson deviate, direct or rejection method, cached per mean
poidev = _core.poidev

# C L1011-1039: gaussdev, polar Box-Muller with a spare deviate shared by every seed
gaussdev = _core.gaussdev

# C L1079-1094: gammln, Lanczos log-gamma
gammln = _core.gammln

# C L1101-1109, L1111-1142: ran1 and its constants, Park-Miller with the shared shuffle table
ran1 = _core.ran1

#: the generator state noisify.c keeps in statics: one for the whole run
RandomState = _core.RandomState
seed_array = _core.seed_array
