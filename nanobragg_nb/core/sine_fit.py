"""Fit the constants of :mod:`nanobragg_nb.core.sine` with mpmath and write ``sine_table.py``.

Run ``python3 -m nanobragg_nb.core.sine_fit`` to regenerate the table; the
package itself never imports this module (mpmath is needed only here).

What it computes, at 60 significant digits:

- ``pi/64`` split into three doubles (``P1 + P2 + P3``) and ``64/pi`` rounded;
- ``sin(j*pi/64)`` for ``j = 0..127`` as double-double pairs (hi, lo);
- two even/odd polynomial tails on ``|r| <= R_MAX`` (a little more than ``pi/128``):
  ``sin(r) - r ~ r^3 * S(r^2)`` and ``cos(r) - 1 ~ r^2 * C(r^2)``, each ``S`` and
  ``C`` of degree 3 in ``r^2``, fitted by Chebyshev interpolation (``mpmath.chebyfit``)
  and rounded to double; the script prints their relative error over the interval.
"""
import sys

#: the reduced argument's bound: pi/128 plus the slack of rounding x*64/pi to an integer
R_MAX = 0.0246
DEGREE = 4          # coefficients of S and of C


def split(mp, value, parts):
    """``value`` as ``parts`` doubles whose exact sum is ``value`` to ~53*parts bits."""
    out = []
    rest = value
    for _ in range(parts):
        d = float(rest)
        out.append(d)
        rest = rest - mp.mpf(d)
    return out


def fit(mp, g, degree):
    """Chebyshev fit of ``g`` on ``s`` in ``[0, R_MAX^2]``, coefficients lowest first, rounded to double."""
    coeffs, _ = mp.chebyfit(g, [mp.mpf(0), mp.mpf(R_MAX) ** 2], degree, error=True)
    return [float(c) for c in reversed(coeffs)]


def relative_error(mp, f, approx, points=2000):
    """Max over a grid of ``|approx(r) - f(r)| / |f(r)|`` on ``(0, R_MAX]``."""
    worst = mp.mpf(0)
    for i in range(1, points + 1):
        r = mp.mpf(R_MAX) * i / points
        exact = f(r)
        worst = max(worst, abs((approx(r) - exact) / exact))
    return worst


def main(path=None):
    """Fit, report the fit errors on stderr, and write the table module to ``path`` (default: beside this file)."""
    import mpmath as mp
    mp.mp.dps = 60
    P = split(mp, mp.pi / 64, 3)
    inv = float(64 / mp.pi)
    table = [split(mp, mp.sin(j * mp.pi / 64), 2) for j in range(128)]
    S = fit(mp, lambda s: (mp.sin(mp.sqrt(s)) - mp.sqrt(s)) / (s * mp.sqrt(s)), DEGREE)
    # cos's leading coefficient is -1/2 exactly (the evaluation relies on C0 r^2 being exact)
    C = [-0.5] + fit(mp, lambda s: (mp.cos(mp.sqrt(s)) - 1 + s / 2) / (s * s), DEGREE - 1)

    def poly(c, s):
        return sum(mp.mpf(ci) * s ** i for i, ci in enumerate(c))
    err_s = relative_error(mp, lambda r: mp.sin(r) - r, lambda r: r ** 3 * poly(S, r * r))
    err_c = relative_error(mp, lambda r: mp.cos(r) - 1, lambda r: r * r * poly(C, r * r))
    print(f"relative error of the sin tail: {mp.nstr(err_s, 3)}, of the cos tail: {mp.nstr(err_c, 3)}",
          file=sys.stderr)

    lines = ['"""Constants of :mod:`nanobragg_nb.core.sine`, written by ``python3 -m nanobragg_nb.core.sine_fit``."""',
             "import numpy as np", "",
             f"#: |r| bound of the reduced argument the polynomials were fitted on", f"R_MAX = {R_MAX!r}",
             "#: 64/pi rounded to double", f"INV_PIO64 = float.fromhex('{inv.hex()}')",
             "#: pi/64 = P1 + P2 + P3 (to ~160 bits)"]
    lines += [f"P{i + 1} = float.fromhex('{p.hex()}')" for i, p in enumerate(P)]
    lines += [f"#: sin(r) - r ~ r^3 (S0 + S1 r^2 + S2 r^4 + S3 r^6); relative error {mp.nstr(err_s, 3)}"]
    lines += [f"S{i} = float.fromhex('{c.hex()}')" for i, c in enumerate(S)]
    lines += [f"#: cos(r) - 1 ~ r^2 (C0 + C1 r^2 + C2 r^4 + C3 r^6); relative error {mp.nstr(err_c, 3)}"]
    lines += [f"C{i} = float.fromhex('{c.hex()}')" for i, c in enumerate(C)]
    lines += ["#: sin(j pi/64) = SIN_HI[j] + SIN_LO[j], j = 0..127 (cos(j pi/64) is row j + 32 mod 128)"]
    for name, part in (("SIN_HI", 0), ("SIN_LO", 1)):
        lines.append(f"{name} = np.array([")
        values = [f"float.fromhex('{t[part].hex()}')" for t in table]
        lines += ["    " + ", ".join(values[i:i + 2]) + "," for i in range(0, len(values), 2)]
        lines.append("])")
    lines.append("")
    text = "\n".join(lines)
    if path is None:
        import os
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sine_table.py")
    with open(path, "w") as f:
        f.write(text)
    return path


if __name__ == "__main__":
    print(main(sys.argv[1] if len(sys.argv) > 1 else None))
