"""Make ``demo_P43212.hkl.gz``: structure factors of a made-up protein crystal for ``--demo``.

The model is random but protein-like: about 1000 non-hydrogen atoms (C, N,
O and a few S, in protein proportions) packed into a compact, roughly
globular molecule of tetragonal lysozyme's size, placed in the cell of
tetragonal hen egg-white lysozyme (P4(3)2(1)2, a = b = 79.1, c = 37.9 A)
and copied by the eight symmetry operators of the space group. Atomic
scattering factors are the four-Gaussian Cromer-Mann fits; every atom
has B = 20 A^2. The table lists every reflection in P1 (nanoBragg applies
no symmetry) to 2.5 A, with F(000) set to 0 (the beam stop). The
seed is fixed, so running this script again gives the same file
byte for byte::

    python3 nanobragg_nb/data/make_demo_hkl.py

Resolution 2.5 A covers the demo's 1024 x 1024 detector (0.1 mm pixels,
200 mm, 1 A) out to its corners.
"""
import gzip
import os
import sys

import numpy as np

SEED = 20240517
CELL = (79.1, 79.1, 37.9)
D_MIN = 2.5
B_FACTOR = 20.0
ATOMS_PER_MOLECULE = 1000
MOLECULE_RADIUS = 16.0
OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "demo_P43212.hkl.gz")

#: P4(3)2(1)2 (No. 96): rotation and translation (fractions of a cell edge) of each operator
SYMMETRY = (
    (((1, 0, 0), (0, 1, 0), (0, 0, 1)), (0.0, 0.0, 0.0)),
    (((-1, 0, 0), (0, -1, 0), (0, 0, 1)), (0.0, 0.0, 0.5)),
    (((0, -1, 0), (1, 0, 0), (0, 0, 1)), (0.5, 0.5, 0.75)),
    (((0, 1, 0), (-1, 0, 0), (0, 0, 1)), (0.5, 0.5, 0.25)),
    (((-1, 0, 0), (0, 1, 0), (0, 0, -1)), (0.5, 0.5, 0.75)),
    (((1, 0, 0), (0, -1, 0), (0, 0, -1)), (0.5, 0.5, 0.25)),
    (((0, 1, 0), (1, 0, 0), (0, 0, -1)), (0.0, 0.0, 0.0)),
    (((0, -1, 0), (-1, 0, 0), (0, 0, -1)), (0.0, 0.0, 0.5)),
)

#: Cromer-Mann coefficients a1 b1 a2 b2 a3 b3 a4 b4 c (International Tables Vol. C, 6.1.1.4)
CROMER_MANN = {
    "C": (2.3100, 20.8439, 1.0200, 10.2075, 1.5886, 0.5687, 0.8650, 51.6512, 0.2156),
    "N": (12.2126, 0.0057, 3.1322, 9.8933, 2.0125, 28.9975, 1.1663, 0.5826, -11.529),
    "O": (3.0485, 13.2771, 2.2868, 5.7011, 1.5463, 0.3239, 0.8670, 32.9089, 0.2508),
    "S": (6.9053, 1.4679, 5.2034, 22.2151, 1.4379, 0.2536, 1.5863, 56.1720, 0.8669),
}
#: fraction of each element among a protein's non-hydrogen atoms
COMPOSITION = {"C": 0.63, "N": 0.17, "O": 0.19, "S": 0.01}


def form_factor(element, stol_sqr):
    """Atomic scattering factor of ``element`` at (sin(theta)/lambda)^2, in electrons."""
    a1, b1, a2, b2, a3, b3, a4, b4, c = CROMER_MANN[element]
    return (a1 * np.exp(-b1 * stol_sqr) + a2 * np.exp(-b2 * stol_sqr)
            + a3 * np.exp(-b3 * stol_sqr) + a4 * np.exp(-b4 * stol_sqr) + c)


def molecule(rng):
    """Fractional coordinates and elements of one random globular molecule."""
    # uniform in a ball, then squashed to an ellipsoid and moved off the symmetry axes
    direction = rng.normal(size=(ATOMS_PER_MOLECULE, 3))
    direction /= np.linalg.norm(direction, axis=1)[:, None]
    radius = MOLECULE_RADIUS * rng.random(ATOMS_PER_MOLECULE) ** (1.0 / 3.0)
    xyz = direction * radius[:, None] * np.array([1.0, 0.9, 0.7])
    centre = np.array([0.25 * CELL[0], 0.10 * CELL[1], 0.20 * CELL[2]])
    fractional = (xyz + centre) / np.array(CELL)
    elements = rng.choice(list(COMPOSITION), size=ATOMS_PER_MOLECULE, p=list(COMPOSITION.values()))
    return fractional, elements


def unit_cell(fractional, elements):
    """All symmetry copies of the molecule in the unit cell."""
    copies = [fractional @ np.array(rot, dtype=float).T + np.array(shift) for rot, shift in SYMMETRY]
    return np.concatenate(copies) % 1.0, np.tile(elements, len(SYMMETRY))


def miller_indices():
    """Every (h, k, l) with d >= D_MIN, in h, k, l order."""
    limits = [int(edge / D_MIN) + 1 for edge in CELL]
    grids = np.meshgrid(*[np.arange(-n, n + 1) for n in limits], indexing="ij")
    hkl = np.stack([g.ravel() for g in grids], axis=1)
    stol_sqr = ((hkl / np.array(CELL)) ** 2).sum(axis=1) / 4.0
    keep = stol_sqr <= 1.0 / (4.0 * D_MIN * D_MIN)
    return hkl[keep], stol_sqr[keep]


def structure_factors(hkl, stol_sqr, fractional, elements, chunk=2000):
    """|F(hkl)| of the atoms, with B-factor damping."""
    F = np.empty(len(hkl))
    for start in range(0, len(hkl), chunk):
        part = slice(start, start + chunk)
        phase = 2.0 * np.pi * (hkl[part] @ fractional.T)
        total = np.zeros(phase.shape[0], dtype=complex)
        for element in CROMER_MANN:
            mine = elements == element
            if not mine.any():
                continue
            f = form_factor(element, stol_sqr[part]) * np.exp(-B_FACTOR * stol_sqr[part])
            total += f * np.exp(1j * phase[:, mine]).sum(axis=1)
        F[part] = np.abs(total)
    F[(hkl == 0).all(axis=1)] = 0.0
    return F


def table_text(hkl, F):
    """The ``h k l F`` text nanoBragg reads."""
    return "".join(f"{h} {k} {l} {f:.1f}\n" for (h, k, l), f in zip(hkl.tolist(), F.tolist()))


def main(path=OUTPUT):
    """Write the gzipped table to ``path``."""
    rng = np.random.default_rng(SEED)
    fractional, elements = unit_cell(*molecule(rng))
    hkl, stol_sqr = miller_indices()
    F = structure_factors(hkl, stol_sqr, fractional, elements)
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as out:
        out.write(table_text(hkl, F).encode("ascii"))
    print(f"{path}: {len(hkl)} reflections to {D_MIN} A, {len(elements)} atoms in the cell")


if __name__ == "__main__":
    main(*sys.argv[1:])
