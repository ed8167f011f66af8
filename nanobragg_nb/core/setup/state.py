"""The declared contents of a :class:`Setup`: every quantity the setup phase derives.

Fields keep the C's variable names (the kernels and docs/ use them) and the
C's units: lengths in metres unless marked otherwise, angles in radians.
Vectors are the C's ``[magnitude, x, y, z]`` lists (index 0 is the length,
often left at 0 until ``unitize`` fills it). The groups follow the order in
which nanoBragg.c sets them; a field's comment names the C lines that give
its final value where that differs from its group.
"""
from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Optional, Union

import numpy as np

if TYPE_CHECKING:
    from ...io.hkl import HKLTable
    from ..rng import RandomState
    from .structure import NoStructureFactors

#: the C's ``double[4]`` vector: magnitude, then x, y, z
Vector = list[float]


class DeclaredFields:
    """Base of a dataclass whose instances accept only its declared fields.

    Assigning an undeclared name raises ``AttributeError`` (with the closest
    declared name as a hint), so a misspelt name fails where it is written
    instead of creating a new attribute.
    """

    __slots__ = ()

    def __setattr__(self, name, value):
        names = declared_field_names(type(self))
        if name not in names:
            close = difflib.get_close_matches(name, names, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise AttributeError(f"{type(self).__name__} declares no field '{name}'{hint}")
        object.__setattr__(self, name, value)


@functools.cache
def declared_field_names(cls):
    """The fields a dataclass declares, in declaration order.

    Parameters
    ----------
    cls : type
        A dataclass.

    Returns
    -------
    tuple of str
    """
    return tuple(f.name for f in fields(cls))


@dataclass(init=False, repr=False, eq=False)
class Setup(DeclaredFields):
    """Everything the pixel loop and the outputs need, with the C's names.

    Built empty and filled in the C's order by
    :func:`~nanobragg_nb.core.setup.prepare`. Only the fields declared here
    can be assigned: assigning any other name raises ``AttributeError``, so a
    misspelt name fails where it is written instead of creating a new
    attribute. A field read before it is assigned raises ``AttributeError``
    too.
    """

    # -- values the C takes from the command line and the setup leaves as they are
    rng_state: RandomState  #: the C's static ran1/gaussdev/poidev state, shared with the noise image
    lambda0: float  #: m, central wavelength
    close_distance_in: float  #: m, -close_distance as parsed (nan when unset); see close_distance
    xtal_shape: str  #: crystal shape: "square", "round", "gauss" or "tophat"
    fudge: float  #: scales the argument of the round, gauss and tophat shape transforms
    dmin: float  #: m, resolution limit: finer scattering is skipped (0: no limit)
    water_size: float  #: m, size of the water droplet giving the background (0: none)
    nopolar: bool  #: polarization factor switched off (always 1)
    polarization: float  #: Kahn polarization factor (0 unpolarized, 1 fully)
    curved_detector: bool  #: all pixels at the same distance from the sample
    point_pixel: bool  #: pixel obliquity switched off (solid angle 1/R^2)
    oversample_thick: bool  #: absorption applied per sub-pixel instead of once per pixel
    oversample_polar: bool  #: polarization applied per sub-pixel instead of once per pixel
    oversample_omega: bool  #: solid angle applied per sub-pixel instead of once per pixel
    fix_phi0: bool  #: upstream fix 0286ac6: a phi step of exactly 0 uses the unrotated cell (Q-R1 gone)
    fix_oversample: bool  #: upstream fix 18db27d: -oversample_* weight each term, not the running sum
    calculate_noise: bool  #: the noise image is written
    maskimage: Optional[np.ndarray]  #: uint16[pixels], zero where a pixel is skipped; None: no mask
    mask_file: Optional[str]  #: the -mask file the mask came from, for the summary
    progress_meter: bool  #: print the "N% done" lines during the pixel loop

    # -- detector size and pixel counts (C L1118-1128)
    pixel_size: float  #: m, side of a square pixel
    detsize_f: float  #: m, detector size along the fast axis
    detsize_s: float  #: m, detector size along the slow axis
    fpixels: int  #: pixels along the fast axis
    spixels: int  #: pixels along the slow axis
    pixels: int  #: fpixels * spixels

    # -- fluence and the beam-clipped sample (C L1130-1148)
    fluence: float  #: photons/m^2 on the sample
    flux: float  #: photons/s (recomputed from fluence when an exposure is given)
    exposure: float  #: s
    beamsize: float  #: m, side of the square beam
    sample_x: float  #: m, crystal size along x (0: from Na)
    sample_y: float  #: m, crystal size along y (0: from Nb), clipped to beamsize
    sample_z: float  #: m, crystal size along z (0: from Nc), clipped to beamsize

    # -- beam centre, near point and region of interest (C L1155-1170)
    Xbeam: float  #: m, beam centre in the convention's X (C L1172-1257 fill the defaults)
    Ybeam: float  #: m, beam centre in the convention's Y
    Xclose: float  #: m, near point in the convention's X
    Yclose: float  #: m, near point in the convention's Y
    ORGX: float  #: pixels, XDS origin along the fast axis (recomputed in C L1701-1776)
    ORGY: float  #: pixels, XDS origin along the slow axis (recomputed in C L1701-1776)
    Fclose: float  #: m, near point along the fast axis (recomputed in C L1701-1776)
    Sclose: float  #: m, near point along the slow axis (recomputed in C L1701-1776)
    Fbeam: float  #: m, beam spot along the fast axis (recomputed in C L1701-1776)
    Sbeam: float  #: m, beam spot along the slow axis (recomputed in C L1701-1776)
    roi_xmin: int  #: first fast pixel rendered
    roi_xmax: int  #: last fast pixel rendered (inclusive)
    roi_ymin: int  #: first slow pixel rendered
    roi_ymax: int  #: last slow pixel rendered (inclusive)
    progress_pixels: int  #: pixels in the region of interest, for the progress meter

    # -- detector convention: axes, default centres, pivot (C L1172-1272)
    convention: str  #: "adxv", "mosflm", "denzo", "xds", "dials" or "custom"
    pivot: str  #: "beam" or "sample": what stays fixed when the detector rotates
    beam_vector: Vector  #: unit, direction of the incident beam (from source to sample)
    fdet_vector: Vector  #: unit, fast detector axis (rotated in C L1701-1776)
    sdet_vector: Vector  #: unit, slow detector axis (rotated in C L1701-1776)
    odet_vector: Vector  #: unit, detector normal (rotated in C L1701-1776)
    twotheta_axis: Vector  #: unit, axis of the detector two-theta swing
    polar_vector: Vector  #: unit, E-vector of the incident beam
    spindle_vector: Vector  #: unit, phi rotation axis
    vert_vector: Vector  #: unit, beam x polar: the axis of the vertical divergence

    # -- structure-factor cache present (C L1277-1369)
    fdump_present: bool  #: no -hkl given and the Fdump file is readable

    # -- phi steps (C L1381-1429)
    phi0: float  #: rad, starting spindle angle
    osc: float  #: rad, oscillation range
    phistep: float  #: rad, spindle step
    phisteps: int  #: spindle steps

    # -- divergence and dispersion steps (C L1431-1580, reset by C L1676-1689)
    hdivrange: float  #: rad, full horizontal divergence
    hdivstep: float  #: rad, horizontal divergence step
    hdivsteps: int  #: horizontal divergence steps
    vdivrange: float  #: rad, full vertical divergence
    vdivstep: float  #: rad, vertical divergence step
    vdivsteps: int  #: vertical divergence steps
    dispersion: float  #: full spectral width as a fraction of lambda0
    dispstep: float  #: spectral step as a fraction of lambda0
    dispsteps: int  #: wavelengths per divergence direction

    # -- detector layers (C L1583-1637, reset by C L1690-1695)
    detector_mu: float  #: 1/m, attenuation coefficient of the sensor (0: no absorption)
    detector_thick: float  #: m, sensor thickness
    detector_thickstep: float  #: m, thickness of one layer
    detector_thicksteps: int  #: sensor layers

    # -- mosaic domain count and spread (C L1639-1673)
    mosaic_domains: int  #: mosaic domains
    mosaic_spread: float  #: rad, full mosaic spread

    # -- detector geometry: pivot, rotations, two-theta, pix0 (C L1701-1776)
    detector_twotheta: float  #: rad, two-theta swing of the detector
    ratio: float  #: beam . rotated odet, two-theta left out (DBL_MIN for 0)
    distance: float  #: m, sample to beam spot along the beam
    close_distance: float  #: m, sample to detector plane along its normal
    pix0_vector: Vector  #: m, position of the first pixel's corner (magnitude unset)
    dials_origin: tuple[float, float, float]  #: mm, pix0 in the DIALS frame

    # -- interpolation of structure factors (C L1778-1789; off when no hkls, C L2104-2257)
    interpolate: int  #: 1: tricubic interpolation of F between h, k, l; 0: nearest

    # -- random seeds (the time when not given)
    seed: int  #: the C's long ``seed`` for the noise image (negative)
    misset_seed: np.ndarray  #: int64[1], ran1's ``idum`` for the random misset

    # -- unit cell and orientation (C L1793-2047)
    a: Vector  #: real-space cell vector, Angstrom (metres after C L2050-2052)
    b: Vector  #: real-space cell vector, Angstrom (metres after C L2050-2052)
    c: Vector  #: real-space cell vector, Angstrom (metres after C L2050-2052)
    a_star: Vector  #: 1/Angstrom, reciprocal cell vector, misset applied
    b_star: Vector  #: 1/Angstrom, reciprocal cell vector, misset applied
    c_star: Vector  #: 1/Angstrom, reciprocal cell vector, misset applied
    V_cell: float  #: Angstrom^3, unit-cell volume

    # -- crystal size (C L2050-2077)
    a0: Vector  #: m, a before any phi or mosaic rotation
    b0: Vector  #: m, b before any phi or mosaic rotation
    c0: Vector  #: m, c before any phi or mosaic rotation
    Na: float  #: unit cells along a (a double in the C)
    Nb: float  #: unit cells along b
    Nc: float  #: unit cells along c
    xtalsize: tuple[float, float, float]  #: m, crystal size along a, b, c

    # -- oversampling (C L2078-2101, 1 at least after C L2461)
    oversample: int  #: sub-pixels per pixel edge

    # -- structure factors (C L2104-2257)
    default_F: float  #: F of every reflection missing from the table
    hkl: Union[HKLTable, NoStructureFactors]  #: the structure-factor table

    # -- sources (C L2320-2434)
    divsteps: int  #: divergence directions kept (-1 with a source file)
    sources: int  #: number of sources
    source_xyz_lambda: np.ndarray  #: float64[sources, 4]: unit direction towards the source, wavelength (m)

    # -- mosaic domains (C L2437-2456)
    mosaic_umats: np.ndarray  #: float64[mosaic_domains, 9]: row-major rotation per domain; domain 0 the identity

    # -- steps and sub-pixel size (C L2461-2463)
    steps: int  #: sources * mosaic_domains * phisteps * oversample^2, wrapped to a 32-bit int
    subpixel_size: float  #: m, pixel_size / oversample

    # -- water background (C L2514-2515)
    I_bg: float  #: photons/sr, water background: F_bg^2 * r_e^2 * fluence * molecules in the droplet
    r_e_sqr: float  #: m^2, classical electron radius squared


#: every field a Setup can hold, in declaration order
FIELD_NAMES = declared_field_names(Setup)
