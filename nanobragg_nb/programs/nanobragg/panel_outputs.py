"""The files of a multi-panel simulation, each keeping the panels.

- :func:`write_nexus`: NXmx, one ``NXdetector_module`` per panel, the frame as
  one array with each panel at its rectangle (DIALS imports it as a
  hierarchical detector);
- :func:`write_crystfel`: an HDF5 file of frames ``/data/data`` (frame, slow,
  fast, float32) and the CrystFEL ``.geom`` that reads the panels from it;
- :func:`write_float_panels`: the float images, panel after panel (raw
  float32, each row-major), as the C's ``floatimage.bin`` is one panel.

Panels are placed in the frame where their CrystFEL data block puts them
(panels read from a ``.geom``), else stacked along slow in panel order
(:func:`nanobragg_nb.core.panels.data_blocks`).
"""
import os

import numpy as np

from ...core.panels import assemble, write_geom
from ...errors import ArgumentError
from ...io.atomic import atomic_write, output_error, temporary_name


def frame(result, image="noiseimage"):
    """One image of a multi-panel result (``noiseimage``, ``intimage`` or ``floatimage``) as the frame array."""
    flat = getattr(result, image)
    if flat is None:
        raise ArgumentError(f"the result has no {image}")
    return assemble(result.detector, np.ascontiguousarray(flat).ravel())


def write_nexus(result, path, adc_offset=40.0):
    """Write the noise image (the int image without noise) of a multi-panel result as an NXmx file.

    Parameters
    ----------
    result : Result
        Of :func:`~nanobragg_nb.programs.nanobragg.api.simulate` with panels.
    path : str or os.PathLike
    adc_offset : float
        The pedestal in the pixels, recorded in the file.
    """
    from ...io.nexus import NXmxWriter
    from ..series.geometry import lab_geometry
    g = lab_geometry(result.setup, result.detector)
    g.osc_deg = 0.0         # one still
    pixels = frame(result, "noiseimage" if result.noiseimage is not None else "intimage")
    with NXmxWriter(path, g, 1, adc_offset, stills=True) as writer:
        writer.write_frame(0, pixels)


def write_crystfel(result, path):
    """Write the float image as a one-frame HDF5 file for CrystFEL, and ``<stem>.geom`` beside it.

    Parameters
    ----------
    result : Result
    path : str or os.PathLike
        The HDF5 file (``.h5``); the geometry file takes its name with ``.geom``.

    Returns
    -------
    str
        The geometry file's name.

    Raises
    ------
    ArgumentError
        h5py is missing.
    """
    try:
        import h5py
    except ImportError:
        raise ArgumentError('--crystfel needs h5py: pip install "nanobragg-nb[nexus]"') from None
    path = os.fspath(path)
    geom = os.path.splitext(path)[0] + ".geom"
    data = frame(result, "floatimage")[None]
    tmp = temporary_name(path)
    try:
        with h5py.File(tmp, "w") as h5:
            h5.create_dataset("/data/data", data=data.astype(np.float32))
        os.replace(tmp, path)
    except OSError as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise output_error(path, exc) from None
    write_geom(result.detector, geom, "/data/data")
    return geom


def write_float_panels(result, path):
    """Write the float images of all panels, panel after panel, as raw float32."""
    with atomic_write(path, "wb") as f:
        f.write(np.ascontiguousarray(result.floatimage, dtype=np.float32).tobytes())
