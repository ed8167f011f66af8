"""The workloads the benchmarks and the side-by-side harness run, as nanoBragg.c argument lists.

Every workload is a function of the detector size in pixels (square). The
arguments are the ones a user would give the C program, so that the same
list runs ``nanoBragg`` and ``nanobragg-nb``.
"""
import os

import numpy as np

#: the golden case bench_seed_1024, one term per pixel (no -N, so the lattice factor is 1)
ONE_TERM = "-default_F 100 -cell 100 100 100 90 90 90 -lambda 6.2 -distance 100 -detpixels {n} -seed 26"
#: Bragg spots from a 5x5x5 crystal
BRAGG_SPOTS = "-default_F 100 -cell 100 100 100 90 90 90 -lambda 6.2 -N 5 -distance 100 -detpixels {n} -seed 1"
#: structure factors from an HKL table, tricubic interpolation; the detector is 176 mm wide at 200 mm
#: whatever its pixel count, so every h,k,l it reaches is inside the table
TRICUBIC = ("-hkl {hkl} -cell 30 35 40 90 90 90 -lambda 1.0 -N 2 -interpolate -distance 200 -pixel {pixel} "
            "-detpixels {n} -seed 17")
TRICUBIC_DETECTOR_MM = 176.0
#: 10 mosaic domains x 3 phi steps x 3x3 divergence x 2 wavelengths x 2x2 sub-pixels
HEAVY = ("-default_F 100 -cell 100 100 100 90 90 90 -lambda 6.2 -N 10 -mosaic 0.5 -mosaic_dom 10 -phi 0 -osc 1 "
         "-phisteps 3 -divergence 0.2 -divsteps 3 -dispersion 1 -dispsteps 2 -oversample 2 -detpixels {n} "
         "-distance 100 -seed 1")

WORKLOADS = {"one_term": ONE_TERM, "bragg_spots": BRAGG_SPOTS, "tricubic": TRICUBIC, "heavy": HEAVY}

#: the half-ranges of the generated HKL table: the detector of TRICUBIC reaches |h|<=17, |k|<=20,
#: |l|<=23; interpolation reads one more index below and two above
HKL_HALF_RANGE = (20, 23, 26)


def write_hkl(path, half_range=HKL_HALF_RANGE, seed=0):
    """Write a P1 table ``h k l F`` covering ``-h..h, -k..k, -l..l`` with smooth random amplitudes.

    Parameters
    ----------
    path : str
        The file to write.
    half_range : tuple of int
        Largest |h|, |k|, |l|.
    seed : int
        Seed of the amplitudes (the same table for the same seed).

    Returns
    -------
    str
        ``path``.
    """
    hmax, kmax, lmax = half_range
    h, k, l = np.meshgrid(np.arange(-hmax, hmax + 1), np.arange(-kmax, kmax + 1), np.arange(-lmax, lmax + 1),
                          indexing="ij")
    amplitude = np.random.default_rng(seed).uniform(10.0, 100.0, h.shape)
    table = np.column_stack([h.ravel(), k.ravel(), l.ravel(), amplitude.ravel()])
    np.savetxt(path, table, fmt=["%d", "%d", "%d", "%.2f"])
    return path


def arguments(workload, pixels, folder):
    """The nanoBragg.c argument list of ``workload`` on a ``pixels`` x ``pixels`` detector.

    Parameters
    ----------
    workload : str
        A key of :data:`WORKLOADS`.
    pixels : int
        Detector pixels on each axis.
    folder : str
        Where the inputs the workload needs (the HKL table) are written,
        if not already there.

    Returns
    -------
    list of str
    """
    hkl = os.path.join(folder, "P1.hkl")
    if workload == "tricubic" and not os.path.exists(hkl):
        write_hkl(hkl)
    pixel = f"{TRICUBIC_DETECTOR_MM / pixels:.9g}"
    return WORKLOADS[workload].format(n=pixels, hkl=hkl, pixel=pixel).split()


def config(workload, pixels, folder):
    """The :class:`nanobragg_nb.Config` of a workload, its Fdump cache kept in ``folder``."""
    try:
        from nanobragg_nb.programs.nanobragg.cparse import parse_args
    except ImportError:                 # a commit from before the core/programs layout (asv runs old commits)
        from nanobragg_nb.cparse import parse_args
    cfg = parse_args(arguments(workload, pixels, folder)).config
    cfg.crystal.dump_file = os.path.join(folder, "Fdump.bin")
    return cfg
