"""A detector of many flat panels, and how the pixel loop walks it.

nanoBragg.c renders one flat panel from its pixel-zero vector ``pix0`` and its
fast, slow and normal axes. A multi-panel detector (a tiled Eiger, Jungfrau,
ePix ...) is a list of such panels, each with its own corner, axes, pixel size
and size; :class:`Panel` holds one in nanoBragg's laboratory frame (beam along
+x, metres), :class:`PanelDetector` the list, in the order the panels are
rendered, stored and drawn for noise.

:func:`plan` turns the panels into what the kernel reads per panel
(:class:`PanelPlan`). Panels that share their axes and pixel size and lie in one
plane on one pixel grid (the usual tiled detector) are counted from one shared
origin, that of the first of them, at whole-pixel offsets: the kernel then
computes each pixel's position as ``pix0 + Fdet * fdet + Sdet * sdet`` with
``Fdet`` built from ``fpixel + f_offset``, exactly the operations of one large
panel, so a panel cut out of a single-panel detector gives that detector's bits.
Any other panel is its own origin (offsets 0).
"""
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

#: how far (in pixels) a panel's corner may lie from a whole-pixel offset of its group's origin, and (in
#: metres) out of its plane, to be counted on that grid: far below any detector metrology
GRID_TOLERANCE_PX = 1e-6
PLANE_TOLERANCE_M = 1e-9
#: how far two unit axes may differ, per component, to count as the same
AXIS_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Panel:
    """One flat panel in nanoBragg's laboratory frame (beam along +x).

    Attributes
    ----------
    name : str
        The panel's name (written to NXmx and CrystFEL files).
    origin_m : tuple of 3 float
        The outer corner of pixel (0, 0): nanoBragg's ``pix0_vector``.
    fast, slow : tuple of 3 float
        Unit vectors along increasing fast and slow pixel index.
    pixel_size_m : float
        Side of a square pixel.
    fpixels, spixels : int
        Pixels along fast and slow.
    normal : tuple of 3 float, optional
        Unit normal pointing away from the sample (``odet_vector``); by
        default ``fast x slow``, turned away from the sample.
    data_block : tuple of 2 int, optional
        (min_fs, min_ss) of the panel in a CrystFEL data array, when it came
        from a ``.geom`` file.
    """

    name: str
    origin_m: Tuple[float, float, float]
    fast: Tuple[float, float, float]
    slow: Tuple[float, float, float]
    pixel_size_m: float
    fpixels: int
    spixels: int
    normal: Optional[Tuple[float, float, float]] = None
    data_block: Optional[Tuple[int, int]] = None

    @property
    def pixels(self):
        """fpixels * spixels."""
        return self.fpixels * self.spixels

    def odet(self):
        """The unit normal the kernel uses: ``normal``, or ``fast x slow`` pointing away from the sample."""
        if self.normal is not None:
            return tuple(float(x) for x in self.normal)
        n = np.cross(self.fast, self.slow)
        n = n / np.linalg.norm(n)
        if np.dot(n, self.origin_m) < 0.0:
            n = -n
        return tuple(float(x) for x in n)


@dataclass(frozen=True)
class PanelDetector:
    """The panels of a detector, in the order they are rendered and stored.

    Attributes
    ----------
    panels : tuple of Panel
    """

    panels: Tuple[Panel, ...]

    def __len__(self):
        return len(self.panels)

    def __iter__(self):
        return iter(self.panels)

    def __getitem__(self, index):
        return self.panels[index]

    @property
    def pixels(self):
        """The number of pixels of all panels."""
        return sum(p.pixels for p in self.panels)

    def offsets(self):
        """Where each panel starts in the flat image of all panels (panel after panel, each row-major)."""
        return np.cumsum([0] + [p.pixels for p in self.panels])

    def uniform(self):
        """Whether every panel has the same fpixels and spixels (their images then stack)."""
        return len({(p.fpixels, p.spixels) for p in self.panels}) == 1


@dataclass(frozen=True)
class PanelPlan:
    """What the kernel reads for one panel: the geometry fields of its parameter arrays.

    ``pix0`` is the shared origin of the panel's group, ``f_offset`` and
    ``s_offset`` the panel's first pixel on that group's grid.
    """

    pix0: Tuple[float, float, float]
    fdet: Tuple[float, float, float]
    sdet: Tuple[float, float, float]
    odet: Tuple[float, float, float]
    close_distance: float
    pixel_size: float
    fpixels: int
    spixels: int
    f_offset: int
    s_offset: int


def _same_axes(a, b):
    return all(abs(x - y) <= AXIS_TOLERANCE for u, v in zip(a, b) for x, y in zip(u, v))


def _grid_offset(ref, panel):
    """(f, s) whole-pixel offset of ``panel``'s corner on the grid of ``ref``, or None when off grid or plane."""
    if panel.pixel_size_m != ref.pixel_size_m or not _same_axes((ref.fast, ref.slow, ref.odet()),
                                                                (panel.fast, panel.slow, panel.odet())):
        return None
    d = np.subtract(panel.origin_m, ref.origin_m)
    f = float(np.dot(d, ref.fast)) / ref.pixel_size_m
    s = float(np.dot(d, ref.slow)) / ref.pixel_size_m
    n = float(np.dot(d, ref.odet()))
    if abs(f - round(f)) > GRID_TOLERANCE_PX or abs(s - round(s)) > GRID_TOLERANCE_PX or abs(n) > PLANE_TOLERANCE_M:
        return None
    return int(round(f)), int(round(s))


def plan(detector):
    """The kernel's geometry for each panel, panels on a shared grid counted from one origin.

    Parameters
    ----------
    detector : PanelDetector

    Returns
    -------
    list of PanelPlan
        In panel order.
    """
    refs = []
    out = []
    for panel in detector:
        ref, offset = panel, (0, 0)
        for candidate in refs:
            found = _grid_offset(candidate, panel)
            if found is not None:
                ref, offset = candidate, found
                break
        else:
            refs.append(panel)
        odet = ref.odet()
        o = ref.origin_m
        # the C's close_distance: dot(pix0, odet), in its order of operations
        close = o[0] * odet[0] + o[1] * odet[1] + o[2] * odet[2]
        out.append(PanelPlan(pix0=tuple(o), fdet=tuple(ref.fast), sdet=tuple(ref.slow), odet=odet,
                             close_distance=close, pixel_size=ref.pixel_size_m, fpixels=panel.fpixels,
                             spixels=panel.spixels, f_offset=offset[0], s_offset=offset[1]))
    return out


def split(pix0, fdet, sdet, odet, pixel_size_m, fpixels, spixels, nf, ns):
    """A single flat panel cut into ``nf`` x ``ns`` panels, each where its part of the panel is.

    Parameters
    ----------
    pix0, fdet, sdet, odet : sequence of 3 float
        The single panel (nanoBragg's vectors; 4-element C vectors are read
        from element 1).
    pixel_size_m : float
    fpixels, spixels : int
    nf, ns : int
        Panels along fast and slow; the last of each takes the remainder.

    Returns
    -------
    PanelDetector
        Panels named ``p<k>``, slow-major (row of panels after row).
    """
    def three(v):
        return tuple(float(x) for x in (v[1:4] if len(v) == 4 else v))
    pix0, fdet, sdet, odet = three(pix0), three(fdet), three(sdet), three(odet)
    fw, sw = fpixels // nf, spixels // ns
    panels = []
    for j in range(ns):
        for i in range(nf):
            f0, s0 = i * fw, j * sw
            width = fw if i < nf - 1 else fpixels - f0
            height = sw if j < ns - 1 else spixels - s0
            origin = tuple(pix0[k] + (f0 * pixel_size_m) * fdet[k] + (s0 * pixel_size_m) * sdet[k] for k in range(3))
            if f0 == 0 and s0 == 0:
                origin = pix0      # exactly, signed zeros included
            panels.append(Panel(f"p{len(panels)}", origin, fdet, sdet, pixel_size_m, width, height, normal=odet))
    return PanelDetector(tuple(panels))


#: positions and axes read from files are rounded to this (metres; unit axes: per component), so that one
#: layout written in millimetres (DIALS) or in pixels (CrystFEL) reads as the same bits
QUANTUM = 1e-12


def _q(values):
    # k / 1e12 with k an integer: the double nearest to k picometres, whatever rounding came before
    return tuple(round(float(v) / QUANTUM) / (1.0 / QUANTUM) if v != 0 else 0.0 for v in values)


def _qs(value):
    return _q((value,))[0]


def from_dials(panels):
    """Panels read by :func:`nanobragg_nb.io.dials_detector.read_panels`, in nanoBragg's frame.

    Raises
    ------
    InputFileError
        A panel whose pixels are not square.
    """
    from ..errors import InputFileError

    def nb(v):
        # the inverse of geometry.NB_TO_DIALS: nanoBragg (x, y, z) = DIALS (-z, y, x)
        return (-v[2], v[1], v[0])
    out = []
    for p in panels:
        pf, ps = p["pixel_mm"]
        if pf != ps:
            raise InputFileError(f"detector panel {p['name']}: pixels of {pf} x {ps} mm are not square")
        out.append(Panel(p["name"], _q(nb(np.asarray(p["origin_mm"]) / 1000.0)), _q(nb(p["fast"])),
                         _q(nb(p["slow"])), _qs(pf / 1000.0), int(p["image_size"][0]), int(p["image_size"][1])))
    return PanelDetector(tuple(out))


def from_crystfel(panels):
    """Panels read by :func:`nanobragg_nb.io.crystfel_geom.read_panels`, in nanoBragg's frame."""
    def nb(v):
        # CrystFEL (x, y, z) = DIALS (-x, y, -z), so nanoBragg (x, y, z) = CrystFEL (z, y, -x)
        return (v[2], v[1], -v[0])
    out = []
    for p in panels:
        fs = np.asarray(p["fs"], dtype=float)
        ss = np.asarray(p["ss"], dtype=float)
        out.append(Panel(p["name"], _q(nb(p["corner_m"])), _q(nb(fs / np.linalg.norm(fs))),
                         _q(nb(ss / np.linalg.norm(ss))), _qs(p["pixel_m"]), int(p["image_size"][0]),
                         int(p["image_size"][1]), data_block=tuple(p["data_block"])))
    return PanelDetector(tuple(out))


def read_detector(path):
    """A multi-panel detector from a DIALS ``.expt``/``.json`` or a CrystFEL ``.geom`` file.

    The format is told by the content: JSON is DIALS', anything else a
    CrystFEL geometry file. Positions and unit axes are rounded to
    :data:`QUANTUM`.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    PanelDetector

    Raises
    ------
    InputFileError
        Unreadable or malformed.
    """
    from ..errors import InputFileError
    from ..io import crystfel_geom, dials_detector
    try:
        with open(path, "rb") as f:
            head = f.read(4096).lstrip()
    except OSError as err:
        raise InputFileError(f"cannot read detector file {path}: {err.strerror or err}") from None
    if head.startswith(b"{") or head.startswith(b"["):
        return from_dials(dials_detector.read_panels(path))
    return from_crystfel(crystfel_geom.read_panels(path))


def to_dials(panel):
    """(origin_mm, fast, slow) of a panel in the DIALS frame."""
    def d(v):
        return np.array([v[2], v[1], -v[0]], dtype=float)
    return d(panel.origin_m) * 1000.0, d(panel.fast), d(panel.slow)


def to_crystfel(panel):
    """(corner_m, fs, ss) of a panel in CrystFEL's frame."""
    def c(v):
        return np.array([-v[2], v[1], v[0]], dtype=float)
    return c(panel.origin_m), c(panel.fast), c(panel.slow)


def data_blocks(detector):
    """(min_fs, min_ss) of each panel in one data array: the panels' own when they all have one, else stacked
    along slow (panel after panel) from fast index 0; and the array's (fast, slow) size."""
    if all(p.data_block is not None for p in detector):
        blocks = [tuple(p.data_block) for p in detector]
    else:
        starts = np.cumsum([0] + [p.spixels for p in detector])
        blocks = [(0, int(s0)) for s0 in starts[:-1]]
    width = max(b[0] + p.fpixels for b, p in zip(blocks, detector))
    height = max(b[1] + p.spixels for b, p in zip(blocks, detector))
    return blocks, (width, height)


def dials_panels(detector, thickness_mm=0.0, mu_per_mm=0.0, trusted=(-1.0, 1e9), pedestal=0.0):
    """Every panel as a dxtbx panel dict (:func:`nanobragg_nb.io.dials_detector.panel_dict`)."""
    from ..io.dials_detector import panel_dict
    out = []
    for p in detector:
        origin, fast, slow = to_dials(p)
        out.append(panel_dict(p.name, origin, fast, slow, p.pixel_size_m * 1000.0, (p.fpixels, p.spixels),
                              thickness_mm=thickness_mm, mu_per_mm=mu_per_mm, trusted=trusted, pedestal=pedestal))
    return out


def write_expt(detector, path):
    """Write the panels as a DIALS detector model (JSON, ``{"detector": [...]}``), atomically.

    Parameters
    ----------
    detector : PanelDetector
    path : str or os.PathLike
    """
    import json

    from ..io.atomic import atomic_write
    from ..io.dials_detector import detector_dict
    with atomic_write(path, "w") as f:
        json.dump({"detector": [detector_dict(dials_panels(detector))]}, f, indent=1)


def crystfel_panels(detector):
    """Every panel in CrystFEL's terms (:func:`nanobragg_nb.io.crystfel_geom.geom_text`), in one data array."""
    blocks, _ = data_blocks(detector)
    out = []
    for p, block in zip(detector, blocks):
        corner, fs, ss = to_crystfel(p)
        out.append(dict(name=p.name, corner_m=corner, fs=fs, ss=ss, pixel_m=p.pixel_size_m,
                        image_size=(p.fpixels, p.spixels), data_block=block))
    return out


def write_geom(detector, path, data_path="/data/data"):
    """Write the panels as a CrystFEL geometry file, atomically.

    Parameters
    ----------
    detector : PanelDetector
    path : str or os.PathLike
    data_path : str
        The HDF5 dataset of the frames (frame, slow, fast).
    """
    from ..io.atomic import atomic_write
    from ..io.crystfel_geom import geom_text
    with atomic_write(path, "w") as f:
        f.write(geom_text(crystfel_panels(detector), data_path))


def assemble(detector, flat, fill=0):
    """The panels' pixels (flat, panel after panel) placed in one data array (slow, fast) per :func:`data_blocks`.

    Parameters
    ----------
    detector : PanelDetector
    flat : ndarray
        Every panel's pixels, panel after panel, each row-major.
    fill : scalar
        The value of array elements no panel covers.

    Returns
    -------
    ndarray
    """
    blocks, (width, height) = data_blocks(detector)
    out = np.full((height, width), fill, dtype=flat.dtype)
    starts = detector.offsets()
    for i, (p, (f0, s0)) in enumerate(zip(detector, blocks)):
        out[s0:s0 + p.spixels, f0:f0 + p.fpixels] = flat[starts[i]:starts[i + 1]].reshape(p.spixels, p.fpixels)
    return out
