"""NXmx (NeXus/HDF5) image series, as DIALS (dxtbx 3.12's ``FormatNXmx``) reads them.

One file holds the series: ``/entry/data/data`` of shape (frames, slow, fast),
uint16, one frame a chunk, compressed with bitshuffle-LZ4 as Eiger data are.

Geometry. NeXus uses the McStas frame (z from the source towards the sample,
y up); dxtbx maps it onto its own (imgCIF) frame by ``diag(-1, 1, -1)``, a
180-degree turn about y (``dxtbx.nexus.MCSTAS_TO_IMGCIF``), so every DIALS
vector is written as ``(-x, y, -z)``. dxtbx 3.12 ignores any beam direction
in the file: its beam always runs along McStas +z. A geometry whose beam is
tilted is therefore written turned as a whole by the smallest rotation that
brings the beam onto that axis; DIALS then sees the same experiment in a
turned laboratory frame. The panel is one ``NXdetector_module`` whose
``fast_pixel_direction`` and ``slow_pixel_direction`` hang on a translation
``/entry/instrument/detector/transformations/origin`` to the outer corner of
pixel (0, 0), dxtbx's panel origin. A multi-panel geometry (``geometry.panels``)
is one ``NXdetector_module`` per panel (``module``, ``module_1`` ...), each with
its own translation (``origin``, ``origin_1`` ...) and its rectangle of the
frame (``data_origin``, ``data_size``); dxtbx makes it a hierarchical detector. A sweep's sample depends on
``/entry/sample/transformations/omega`` (one angle per frame, ``omega_end``
and ``omega_increment_set`` give the oscillation); stills have no sample
``depends_on``, so dxtbx makes neither goniometer nor scan and DIALS imports
them as an ``ImageSet`` of stills.

What dxtbx does not read. The polarization (DIALS takes its default, 0.999
polarized with normal y), the attenuation length (dxtbx takes silicon's at the
wavelength; the sensor is written as ``Si``; a thickness of 0, no parallax, is
written as 1 nm, as dxtbx needs a positive one: it moves DIALS' spots by
nanometres) and the ADC offset: pixel values reach DIALS as they are. The
offset is kept in ``/entry/instrument/detector/adc_offset`` (not an NXmx
field). :func:`dials_import_options` gives the ``dials.import`` options that
set the polarization and have DIALS subtract the offset (the panel's
``pedestal``).
``saturation_value`` is 65535: dxtbx's trusted range excludes its upper end,
so overloaded pixels are masked. No ``bit_depth_readout`` is written, as
dxtbx would turn 65535 and 65534 into -1 and -2.

Decompression. DIALS reads the bitshuffle filter only from an HDF5 plugin
folder; Debian ships none. Run DIALS with ``HDF5_PLUGIN_PATH`` set to
``hdf5plugin.PLUGIN_PATH`` of a Python that has ``hdf5plugin``
(:func:`dials_environment` builds that environment).
"""
import contextlib
import datetime
import os
import shutil

import numpy as np

from ..errors import ArgumentError, OutputError
from ..version import __version__
from .atomic import output_error, resolve_output, temporary_name

#: dxtbx's imgCIF (DIALS) frame from NeXus' McStas frame, and back (its own inverse)
MCSTAS_TO_DIALS = np.diag([-1.0, 1.0, -1.0])
#: the sensor thickness written for nanoBragg's 0 (no parallax): dxtbx needs a positive one
THINNEST_MM = 1e-6
#: the overload value of the uint16 frames
SATURATION = 65535
_DETECTOR = "/entry/instrument/detector"
_NEEDS = '--format nexus needs h5py and hdf5plugin: pip install "nanobragg-nb[nexus]"'


def _libraries():
    try:
        import h5py
        import hdf5plugin
    except ImportError:
        raise ArgumentError(_NEEDS) from None
    return h5py, hdf5plugin


def check_nexus_support():
    """Raise :class:`~nanobragg_nb.errors.ArgumentError` when h5py or hdf5plugin is missing."""
    _libraries()


def dials_environment(base=None):
    """The environment in which DIALS can decompress these files.

    Parameters
    ----------
    base : mapping, optional
        Environment to extend (default: ``os.environ``).

    Returns
    -------
    dict
        ``base`` with ``hdf5plugin.PLUGIN_PATH`` first in ``HDF5_PLUGIN_PATH``.
    """
    _, hdf5plugin = _libraries()
    env = dict(os.environ if base is None else base)
    folders = [hdf5plugin.PLUGIN_PATH] + [p for p in env.get("HDF5_PLUGIN_PATH", "").split(os.pathsep) if p]
    env["HDF5_PLUGIN_PATH"] = os.pathsep.join(dict.fromkeys(folders))
    return env


def dials_import_options(geometry, adc_offset):
    """The ``dials.import`` options for what dxtbx does not read from the file.

    Parameters
    ----------
    geometry : LabGeometry
        The geometry the file was written with.
    adc_offset : float
        The pedestal added to every pixel.

    Returns
    -------
    list of str
        The panel's pedestal and the beam's polarization (normal turned as
        the file's frame is, see :func:`beam_alignment`).
    """
    normal = beam_alignment(geometry.beam_direction) @ np.asarray(geometry.polarization_normal, dtype=float)
    return [f"geometry.detector.panel.pedestal={adc_offset:.12g}",
            "geometry.beam.polarization_normal=" + ",".join(f"{v:.12g}" for v in normal),
            f"geometry.beam.polarization_fraction={geometry.polarization_fraction:.12g}"]


def beam_alignment(beam_direction):
    """The rotation that turns ``beam_direction`` (sample to source, DIALS) onto +z.

    Parameters
    ----------
    beam_direction : array_like
        The beam's sample-to-source direction in the DIALS frame.

    Returns
    -------
    ndarray
        3x3 rotation matrix (the identity for an untilted beam).
    """
    b = np.asarray(beam_direction, dtype=float)
    b = b / np.linalg.norm(b)
    z = np.array([0.0, 0.0, 1.0])
    axis = np.cross(b, z)
    sin, cos = np.linalg.norm(axis), float(np.dot(b, z))
    if sin < 1e-15:
        return np.eye(3) if cos > 0 else np.diag([-1.0, 1.0, -1.0])  # antiparallel: half turn about y
    k = axis / sin
    cross = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + sin * cross + (1 - cos) * (cross @ cross)


def _modules(g):
    """The panels of a geometry as NXdetector_modules: its ``panels`` (multi-panel), else its one panel."""
    panels = getattr(g, "panels", ())
    if panels:
        return panels
    return [dict(origin_mm=g.origin_mm, fast_axis=g.fast_axis, slow_axis=g.slow_axis, pixel_mm=g.pixel_mm,
                 image_size=g.image_size, data_origin=(0, 0))]


def _now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _axis(group, name, value, kind, vector, units, depends_on=".", offset=(0.0, 0.0, 0.0)):
    """One NXtransformations axis: a dataset of values with its vector, offset and dependency."""
    ds = group.create_dataset(name, data=value)
    ds.attrs.update({"transformation_type": kind, "vector": np.asarray(vector, dtype=float), "units": units,
                     "offset": np.asarray(offset, dtype=float), "offset_units": "mm", "depends_on": depends_on})
    return ds


def _field(group, name, value, units=None):
    group[name] = value
    if units:
        group[name].attrs["units"] = units


def _group(parent, name, nx_class):
    group = parent.create_group(name)
    group.attrs["NX_class"] = nx_class
    return group


class NXmxWriter:
    """Write a series of uint16 frames to one NXmx file, atomically.

    The file is built under a hidden temporary name beside ``path`` and
    renamed onto it by :meth:`close`. Leaving a ``with`` block by an
    exception discards it instead; frames not yet written read as 0 and
    :func:`written_frames` tells which were.

    Parameters
    ----------
    path : str or os.PathLike
        Final file name (``.nxs`` or ``.h5``).
    geometry : LabGeometry
        The first frame's geometry (``programs.series.geometry``): DIALS
        frame, mm and Angstrom.
    frames : int
        Number of frames.
    adc_offset : float
        The pedestal added to every pixel, recorded in the file.
    stills : bool
        Write stills (no scan). Also implied by ``geometry.osc_deg == 0``.
    wavelengths : sequence of float, optional
        One wavelength (Angstrom) per frame; default ``geometry.wavelength_A``.
    mode : {"w", "r+"}
        ``"w"`` writes a new file; ``"r+"`` rewrites frames of an existing
        one (a resumed run): a copy is changed and replaces it on close.
        The file's geometry is kept; only its shape is checked.

    Raises
    ------
    ArgumentError
        h5py or hdf5plugin is missing.
    OutputError
        The file cannot be created, or (``"r+"``) is not this series' file.
    """

    def __init__(self, path, geometry, frames, adc_offset, stills=False, wavelengths=None, mode="w"):
        if mode not in ("w", "r+"):
            raise ValueError(f"mode must be 'w' or 'r+', not {mode!r}")
        self._h5py, self._plugin = _libraries()
        self.path = os.fspath(path)
        self.final, special = resolve_output(self.path)
        if special:
            raise OutputError(f"cannot write {self.path}: an NXmx file must be a regular file")
        self.shape = (int(frames), int(geometry.image_size[1]), int(geometry.image_size[0]))
        if wavelengths is not None and len(wavelengths) != self.shape[0]:
            raise ValueError(f"{len(wavelengths)} wavelengths for {self.shape[0]} frames")
        self._tmp = temporary_name(self.final)
        self._file = None
        if mode == "r+":
            self._reopen(frames)
        else:
            try:
                self._file = self._h5py.File(self._tmp, "w")
                self._write_layout(geometry, adc_offset, stills or geometry.osc_deg == 0, wavelengths)
            except OSError as exc:
                self._discard()
                raise output_error(self.path, exc, self.final) from None
            except BaseException:
                self._discard()
                raise
        self._data = self._file["/entry/data/data"]

    def _reopen(self, frames):
        if not os.path.isfile(self.final):
            raise OutputError(f"cannot resume {self.path}: there is no such file")
        try:
            shutil.copyfile(self.final, self._tmp)
        except OSError as exc:
            self._discard()
            raise output_error(self.path, exc, self.final) from None
        try:
            self._file = self._h5py.File(self._tmp, "r+")
            data = self._file.get("/entry/data/data")
            ok = data is not None and data.shape == self.shape
        except OSError:
            ok = False
        if not ok:
            self._discard()
            raise OutputError(f"cannot resume {self.path}: it is not an NXmx series of {frames} frames of "
                              f"{self.shape[2]}x{self.shape[1]} pixels")

    def _write_layout(self, g, adc_offset, stills, wavelengths):
        f = self._file
        f.attrs.update({"NX_class": "NXroot", "default": "entry", "creator": f"nanobragg-nb {__version__}"})
        entry = _group(f, "entry", "NXentry")
        entry.attrs["default"] = "data"
        entry["definition"] = "NXmx"
        entry["start_time"] = _now()
        data = _group(entry, "data", "NXdata")
        data.attrs["signal"] = "data"
        data.create_dataset("data", shape=self.shape, dtype=np.uint16, chunks=(1,) + self.shape[1:],
                            fillvalue=0, **self._plugin.Bitshuffle(cname="lz4"))
        to_file = MCSTAS_TO_DIALS @ beam_alignment(g.beam_direction)   # DIALS vector -> file vector

        instrument = _group(entry, "instrument", "NXinstrument")
        instrument["name"] = "nanobragg-nb simulation"
        instrument["name"].attrs["short_name"] = "nanobragg-nb"
        beam = _group(instrument, "beam", "NXbeam")
        lam = g.wavelength_A if wavelengths is None else np.asarray(wavelengths, dtype=float)
        _field(beam, "incident_wavelength", lam, "angstrom")

        det = _group(instrument, "detector", "NXdetector")
        det["depends_on"] = f"{_DETECTOR}/transformations/origin"
        det["description"] = "nanobragg-nb simulated pixel-array detector"
        det["type"] = "pixel"
        det["sensor_material"] = "Si"
        _field(det, "sensor_thickness", max(float(g.thickness_mm), THINNEST_MM), "mm")
        det["saturation_value"] = np.int32(SATURATION)
        _field(det, "adc_offset", float(adc_offset), "counts")
        det["adc_offset"].attrs["description"] = "pedestal added to every pixel value"
        for name in ("x_pixel_size", "y_pixel_size"):
            _field(det, name, float(g.pixel_mm), "mm")
        with np.errstate(all="ignore"):     # a beam parallel to the panel meets it nowhere
            centre = np.array(g.beam_centre_mm()) / g.pixel_mm
        if np.all(np.isfinite(centre)):
            for name, value in zip(("beam_center_x", "beam_center_y"), centre):
                _field(det, name, float(value), "pixel")
            _field(det, "distance", abs(float(np.dot(g.origin_mm, g.normal))), "mm")
        transformations = _group(det, "transformations", "NXtransformations")
        for index, panel in enumerate(_modules(g)):
            # one translation per module, to the outer corner of its pixel (0, 0)
            name = "origin" if index == 0 else f"origin_{index}"
            origin = to_file @ np.asarray(panel["origin_mm"], dtype=float)
            length = float(np.linalg.norm(origin))
            unit = origin / length if length > 0 else np.array([0.0, 0.0, 1.0])
            _axis(transformations, name, length, "translation", unit, "mm")
            module = _group(det, "module" if index == 0 else f"module_{index}", "NXdetector_module")
            module["data_origin"] = np.array(panel["data_origin"][::-1], dtype=np.int32)   # (slow, fast)
            module["data_size"] = np.array(panel["image_size"][::-1], dtype=np.int32)
            for axis_name, axis in (("fast_pixel_direction", panel["fast_axis"]),
                                    ("slow_pixel_direction", panel["slow_axis"])):
                _axis(module, axis_name, float(panel["pixel_mm"]), "translation",
                      to_file @ np.asarray(axis, dtype=float), "mm", depends_on=f"{_DETECTOR}/transformations/{name}")

        sample = _group(entry, "sample", "NXsample")
        sample["name"] = "simulated crystal"
        if not stills:
            gonio = _group(sample, "transformations", "NXtransformations")
            start = g.phi0_deg + g.osc_deg * np.arange(self.shape[0])
            axis = to_file @ np.asarray(g.rotation_axis, dtype=float)
            _axis(gonio, "omega", start, "rotation", axis, "deg")
            _field(gonio, "omega_end", start + g.osc_deg, "deg")
            _field(gonio, "omega_increment_set", float(g.osc_deg), "deg")
            sample["depends_on"] = "/entry/sample/transformations/omega"

    def write_frame(self, index, pixels):
        """Store frame ``index`` (0-based), replacing what it held.

        Parameters
        ----------
        index : int
            Frame number from 0; any order.
        pixels : array_like
            Integer image of shape (slow, fast) with values in 0..65535.
        """
        pixels = np.asarray(pixels)
        if pixels.shape != self.shape[1:]:
            raise ValueError(f"frame of shape {pixels.shape}, expected {self.shape[1:]}")
        if pixels.dtype != np.uint16:
            if pixels.size and (pixels.min() < 0 or pixels.max() > SATURATION):
                raise ValueError("pixel values outside 0..65535")
            pixels = pixels.astype(np.uint16)
        if not 0 <= index < self.shape[0]:
            raise IndexError(f"frame {index} of a {self.shape[0]}-frame series")
        try:
            self._data[index] = pixels
        except OSError as exc:
            raise output_error(self.path, exc, self.final) from None

    def close(self):
        """Finish the file and move it onto its final name."""
        if self._file is None:
            return
        try:
            entry = self._file["entry"]
            if "end_time" in entry:
                del entry["end_time"]
            entry["end_time"] = _now()
            self._file.close()
            self._file = None
            with contextlib.suppress(OSError):      # keep the permissions of a file replaced
                os.chmod(self._tmp, os.stat(self.final).st_mode & 0o7777)
            os.replace(self._tmp, self.final)
        except OSError as exc:
            self._discard()
            raise output_error(self.path, exc, self.final) from None

    def _discard(self):
        if self._file is not None:
            self._file.close()
            self._file = None
        try:
            os.unlink(self._tmp)
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        if kind is None:
            self.close()
        else:
            self._discard()
        return False


def read_frame(path, index):
    """Frame ``index`` (0-based) of an NXmx file, as a (slow, fast) array."""
    h5py, _ = _libraries()
    with h5py.File(path, "r") as f:
        return f["/entry/data/data"][index]


def written_frames(path):
    """The 0-based numbers of the frames an NXmx file holds (their chunks exist).

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    list of int
    """
    h5py, _ = _libraries()
    with h5py.File(path, "r") as f:
        data = f["/entry/data/data"]
        stored = [data.id.get_chunk_info(i).chunk_offset[0] for i in range(data.id.get_num_chunks())]
    return sorted(stored)
