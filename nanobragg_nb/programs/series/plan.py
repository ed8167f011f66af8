"""What each frame of a series is: the nanoBragg arguments of its single run.

Frame k (1-based) of a series is defined as the single ``nanobragg-nb`` run
with the series' nanoBragg arguments followed by a few of its own:

- a rotation sweep (``--frames N``): ``-phi <phi0 + (k-1)*osc>``, in degrees,
  ``phi0`` and ``osc`` as the C reads them (``atof``) from ``-phi`` and ``-osc``;
- serial stills (``--stills N``): ``-misset <x y z>``, an orientation drawn
  uniformly over all rotations from the pair (orientation seed, k) alone, and,
  with ``--size-spread`` or ``--lambda-spread``, ``-Na -Nb -Nc`` and ``-lambda``;
- always ``-seed <seed + (k-1)>``, the noise seed (``seed`` from ``-seed``, or
  from the clock once for the whole series, as the C would for one image).

Numbers are written with Python's ``repr``, the shortest text that reads back
(C ``atof``) as the same double, so a frame run on its own is the frame.
"""
import math
import time
from dataclasses import dataclass

import numpy as np

from ...cnum import atof, atoi
from ...errors import ArgumentError
from ..nanobragg.cparse import RULES, parse_args


def _rule(line):
    return next(rule for rule in RULES if rule.line == line)


#: the C's blocks of the arguments a series reads or replaces (C line numbers)
PHI, OSC, SEED, N_ALL = _rule(939), _rule(943), _rule(1099), _rule(526)
SIZE_RULES = tuple(_rule(line) for line in (586, 592, 596, 600))
SOURCE_FILE = _rule(998)


def last_value(argv, rule):
    """The value the C's parse takes for ``rule``: that of its last firing, or None.

    Parameters
    ----------
    argv : list of str
        nanoBragg arguments.
    rule : Rule
        One block of :data:`~nanobragg_nb.programs.nanobragg.cparse.RULES`.

    Returns
    -------
    str or None
    """
    value = None
    for i, tok in enumerate(argv):
        if tok.startswith("-") and rule.match(tok) and i + rule.nargs < len(argv):
            value = argv[i + 1]
    return value


@dataclass
class SeriesPlan:
    """A series: its nanoBragg arguments, its kind and the draws of each frame.

    Attributes
    ----------
    base_args : list of str
        The nanoBragg arguments common to all frames.
    count : int
        Frames (sweep) or shots (stills).
    stills : bool
        Serial stills instead of a rotation sweep.
    seed : int
        The noise seed of frame 1 (``-seed`` as given, or the clock's).
    orientation_seed : int
        Stills: the seed that, with the shot number, gives the orientation.
    size_spread, lambda_spread : float
        Stills: relative rms spread of the crystal's size (each of Na, Nb,
        Nc scaled by one log-normal factor per shot) and of the wavelength.
    phi0_deg, osc_deg : float
        Sweep: the starting spindle angle and the rotation of each frame.
    """

    base_args: list
    count: int
    stills: bool = False
    seed: int = 0
    orientation_seed: int = 0
    size_spread: float = 0.0
    lambda_spread: float = 0.0
    phi0_deg: float = 0.0
    osc_deg: float = 0.0
    base_N: tuple = (1.0, 1.0, 1.0)
    base_lambda_A: float = 1.0
    seed_from_clock: bool = False

    def frame_arguments(self, k):
        """The nanoBragg arguments of frame ``k`` (1-based) run on its own.

        Parameters
        ----------
        k : int

        Returns
        -------
        list of str
        """
        return list(self.base_args) + self.frame_overrides(k)

    def frame_overrides(self, k):
        """The arguments appended to the common ones for frame ``k``."""
        draws = self.draws(k)
        extra = []
        if self.stills:
            extra += ["-misset", *(repr(float(angle)) for angle in draws["misset_deg"])]
            if self.size_spread:
                extra += ["-Na", str(draws["N"][0]), "-Nb", str(draws["N"][1]), "-Nc", str(draws["N"][2])]
            if self.lambda_spread:
                extra += ["-lambda", repr(float(draws["lambda_A"]))]
        else:
            extra += ["-phi", repr(float(draws["phi_deg"]))]
        extra += ["-seed", str(self.seed + (k - 1))]
        return extra

    def draws(self, k):
        """What frame ``k`` varies: phi (sweep), or orientation, N and wavelength (stills).

        The stills' numbers come from NumPy's PCG64 seeded with the pair
        (orientation seed, k), always drawn in the same order, so a shot does
        not depend on the others, on the split of the work, or on which
        spreads are switched on.
        """
        if not 1 <= k <= self.count:
            raise ValueError(f"frame {k} is not in 1..{self.count}")
        if not self.stills:
            return {"phi_deg": self.phi0_deg + (k - 1) * self.osc_deg}
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([self.orientation_seed, k])))
        u = rng.random(3)
        g_size, g_lambda = rng.standard_normal(2)
        # R = Rz Ry Rx (the C's misset order): uniform over rotations when the middle
        # angle has density cos(y), i.e. y = asin of a uniform number in [-1, 1)
        misset = (360.0 * u[0] - 180.0, math.degrees(math.asin(2.0 * u[1] - 1.0)), 360.0 * u[2] - 180.0)
        factor = math.exp(self.size_spread * g_size)
        N = tuple(max(1, int(round(n * factor))) for n in self.base_N)
        return {"misset_deg": misset, "N": N if self.size_spread else tuple(int(n) for n in self.base_N),
                "lambda_A": self.base_lambda_A * (1.0 + self.lambda_spread * g_lambda)}


def make_plan(base_args, count, stills=False, orientation_seed=None, size_spread=0.0, lambda_spread=0.0):
    """Check a series' arguments and fix what every frame shares.

    Parameters
    ----------
    base_args : list of str
        nanoBragg arguments of one frame.
    count : int
        Frames or shots, at least 1.
    stills : bool
        Serial stills (random orientations) instead of a rotation sweep.
    orientation_seed : int, optional
        Stills: default from the clock (recorded in truth.json).
    size_spread, lambda_spread : float
        Stills: relative rms spreads, at least 0.

    Returns
    -------
    SeriesPlan

    Raises
    ------
    ArgumentError
        A count below 1, a negative spread, a sweep without ``-osc``,
        ``-misset random`` without ``-misset_seed``, a size spread with the
        crystal size given in mm, a wavelength spread with ``-sourcefile``, or
        arguments whose meaning the appended ones would change.
    """
    if count < 1:
        raise ArgumentError(f"a series needs at least 1 frame, got {count}")
    for name, value in (("--size-spread", size_spread), ("--lambda-spread", lambda_spread)):
        if not (value >= 0.0 and math.isfinite(value)):
            raise ArgumentError(f"{name} needs a relative spread of 0 or more, got {value}")
    if (size_spread or lambda_spread) and not stills:
        raise ArgumentError("--size-spread and --lambda-spread vary serial stills (--stills N), not a sweep")
    base = parse_args(list(base_args)).config
    seed_text = last_value(base_args, SEED)
    plan = SeriesPlan(base_args=list(base_args), count=count, stills=stills,
                      seed=atoi(seed_text) if seed_text is not None else int(time.time()),
                      seed_from_clock=seed_text is None,
                      size_spread=float(size_spread), lambda_spread=float(lambda_spread),
                      base_N=(base.crystal.Na, base.crystal.Nb, base.crystal.Nc),
                      base_lambda_A=base.beam.wavelength_m * 1e10)
    if stills:
        plan.orientation_seed = int(orientation_seed) if orientation_seed is not None else int(time.time())
        if size_spread and any(last_value(base_args, rule) is not None for rule in SIZE_RULES):
            raise ArgumentError("--size-spread scales -N (or -Na, -Nb, -Nc); the crystal size is given in mm "
                                "(-xtal_size ...): give it as unit cells instead")
        if lambda_spread and last_value(base_args, SOURCE_FILE) is not None:
            raise ArgumentError("--lambda-spread varies -lambda, which -sourcefile replaces")
    else:
        osc = last_value(base_args, OSC)
        if osc is None:
            raise ArgumentError("--frames needs -osc, the rotation of each frame in degrees")
        phi0 = last_value(base_args, PHI)
        plan.phi0_deg, plan.osc_deg = atof(phi0) if phi0 is not None else 0.0, atof(osc)
    if base.crystal.misset_mode == -1 and base.crystal.misset_seed is None:
        raise ArgumentError("-misset random needs -misset_seed in a series, so that every frame has the same "
                            "crystal orientation")
    _check_appended_meaning(plan, base)
    return plan


def _check_appended_meaning(plan, base):
    """Refuse arguments whose last flag would take the appended tokens as its values."""
    frame = parse_args(plan.frame_arguments(1)).config
    expected = parse_args(list(plan.frame_overrides(1))).config
    changed = []
    for group in ("crystal", "beam", "detector", "sampling", "output"):
        mine, theirs, alone = (vars(getattr(c, group)) for c in (frame, base, expected))
        default = vars(getattr(type(base)(), group))
        for name, value in mine.items():
            overridden = not _same(alone[name], default[name])
            if not overridden and not _same(value, theirs[name]):
                changed.append(f"{group}.{name}")
    if changed:
        raise ArgumentError("the series appends -phi/-misset/-seed to your arguments, and your last argument "
                            f"takes them as its values (it changes {', '.join(changed)}): move it earlier")


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return a is b or (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and np.array_equal(a, b))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def frame_record(plan, k, setup):
    """What frame ``k`` used, in nanoBragg's own terms (one entry of truth.json).

    Parameters
    ----------
    plan : SeriesPlan
    k : int
    setup : Setup
        The frame's prepared simulation.

    Returns
    -------
    dict
    """
    rtd = 180.0 / math.pi
    draws = plan.draws(k)
    record = {"frame": k, "arguments": plan.frame_arguments(k), "seed": plan.seed + (k - 1),
              "phi_deg": setup.phi0 * rtd, "osc_deg": setup.osc * rtd,
              "N": [float(setup.Na), float(setup.Nb), float(setup.Nc)],
              "mosaic_spread_deg": setup.mosaic_spread * rtd, "mosaic_domains": int(setup.mosaic_domains),
              "wavelength_A": setup.lambda0 * 1e10,
              "real_space_A": [[float(x) * 1e10 for x in v[1:4]] for v in (setup.a0, setup.b0, setup.c0)]}
    if plan.stills:
        record["misset_deg"] = list(draws["misset_deg"])
    return record
