"""Images beyond the C's files: a PNG preview, a float TIFF and a CBF.

``--png FILE`` draws the float image (log or percentile scaling, a colour
bar, the direct-beam position marked) with matplotlib, an optional extra
(``pip install "nanobragg-nb[png]"``). ``--tiff FILE`` writes the float
image as 32-bit float TIFF with the geometry in its metadata. ``--cbf FILE``
writes the SMV image's pixels as a mini-CBF with a Pilatus-style header,
through fabio (``pip install fabio``). Every file is written atomically.
"""
import io
import json
import math
import os
import stat

import numpy as np

from ...version import __version__
from ...errors import ArgumentError
from ...io.atomic import atomic_write

#: --png-scale values; "percentile=P" clips linearly at the P-th percentile
PNG_SCALES = ("log", "percentile")
DEFAULT_PERCENTILE = 99.9
#: log scaling runs from the median of the positive pixels to this percentile
LOG_SATURATION = 99.99

#: layout of the preview in screen pixels: image margins and colour-bar strip
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 80, 130, 50, 60
COLORBAR_GAP, COLORBAR_WIDTH = 20, 25
DPI = 100
PNG_NEEDS = '--png needs matplotlib: pip install "nanobragg-nb[png]"'
CBF_NEEDS = "--cbf needs fabio: pip install fabio"

#: the image is shown 1:1 up to this many pixels per side, block-maximum reduced beyond
MAX_SHOWN = 1024
#: small images are enlarged to at least this many screen pixels per side
MIN_SHOWN = 256


def write_extras(result, own):
    """Write the images asked for with ``--png``, ``--tiff`` and ``--cbf``.

    Parameters
    ----------
    result : Result
        A finished simulation (with ``result.setup``).
    own : dict
        The command line's own options: ``own["--png"] == [FILE]`` etc.;
        ``own["--png-scale"]`` chooses the PNG scaling.

    Raises
    ------
    ArgumentError
        An unknown ``--png-scale``, or ``--png``/``--cbf`` without
        matplotlib/fabio installed.
    OutputError
        A file that cannot be written.
    """
    if "--tiff" in own:
        write_tiff(own["--tiff"][0], result)
    if "--cbf" in own:
        write_cbf(own["--cbf"][0], result)
    if "--png" in own:
        scale = own["--png-scale"][0] if "--png-scale" in own else "log"
        write_png(own["--png"][0], result, scale=scale)


def check_options(own):
    """Check ``--png``, ``--png-scale`` and ``--cbf`` before the simulation runs.

    Raises
    ------
    ArgumentError
        An unknown ``--png-scale``, or matplotlib (for ``--png``) or fabio
        (for ``--cbf``) not installed.
    """
    if "--png-scale" in own:
        parse_png_scale(own["--png-scale"][0])
    if "--png" in own and not _importable("matplotlib"):
        raise ArgumentError(PNG_NEEDS)
    if "--cbf" in own and not _importable("fabio"):
        raise ArgumentError(CBF_NEEDS)


def _importable(module):
    import importlib.util
    return importlib.util.find_spec(module) is not None


def geometry(setup):
    """The geometry of a simulation in the units image viewers expect.

    Parameters
    ----------
    setup : Setup
        ``result.setup`` (SI units, the C's names).

    Returns
    -------
    dict
        ``pixel_size_mm``, ``distance_mm``, ``close_distance_mm``,
        ``wavelength_A``, ``beam_center_x_mm``/``beam_center_y_mm`` (the
        SMV header's BEAM_CENTER_X/Y: Xbeam, Ybeam in the convention's
        frame), ``beam_fast_mm``/``beam_slow_mm`` (where the direct beam
        meets the detector plane, along the fast and slow axes from the
        outer corner of the first pixel: the C's Fbeam, Sbeam),
        ``orgx_px``/``orgy_px`` (XDS origin),
        ``phi_deg``, ``osc_deg``, ``twotheta_deg`` and ``convention``.
        Values that are not finite become None.
    """
    s = setup
    rtd = 180.0 / math.pi
    values = dict(
        pixel_size_mm=s.pixel_size * 1000.0,
        distance_mm=s.distance * 1000.0,
        close_distance_mm=s.close_distance * 1000.0,
        wavelength_A=s.lambda0 * 1e10,
        beam_center_x_mm=s.Xbeam * 1000.0,
        beam_center_y_mm=s.Ybeam * 1000.0,
        beam_fast_mm=s.Fbeam * 1000.0,
        beam_slow_mm=s.Sbeam * 1000.0,
        orgx_px=s.ORGX,
        orgy_px=s.ORGY,
        phi_deg=s.phi0 * rtd,
        osc_deg=s.osc * rtd,
        twotheta_deg=s.detector_twotheta * rtd,
    )
    out = {k: (float(v) if math.isfinite(v) else None) for k, v in values.items()}
    out["convention"] = s.convention
    return out


def write_tiff(path, result):
    """Write the float image as a 32-bit float TIFF with the geometry in its metadata.

    The ImageDescription tag holds JSON (tifffile's "shaped" metadata:
    ``tifffile.TiffFile(path).shaped_metadata[0]``) with the keys of
    :func:`geometry` plus ``units`` and ``software``; the resolution tags
    give the pixel size (pixels per centimetre).

    Parameters
    ----------
    path : str
        Output file.
    result : Result
        The simulation.
    """
    import tifffile
    meta = geometry(result.setup)
    meta.update(units="photons per pixel", software=f"nanobragg-nb {__version__}")
    per_cm = 10.0 / meta["pixel_size_mm"]
    image = np.ascontiguousarray(result.floatimage, dtype=np.float32)
    options = dict(photometric="minisblack", metadata=meta, resolution=(per_cm, per_cm),
                   resolutionunit="CENTIMETER", software=f"nanobragg-nb {__version__}")
    with atomic_write(path, "wb") as handle:
        if _is_regular(handle):
            tifffile.imwrite(handle, image, **options)
        else:
            # tifffile seeks back to fill in offsets: a FIFO or a device gets the finished bytes
            staged = io.BytesIO()
            tifffile.imwrite(staged, image, **options)
            handle.write(staged.getbuffer())


def _is_regular(handle):
    return stat.S_ISREG(os.fstat(handle.fileno()).st_mode)


def cbf_header(setup):
    """Mini-CBF header lines (Pilatus style) for the geometry of ``setup``.

    ``Beam_xy`` is in pixels from the outer corner of the first pixel (the
    first pixel spans 0 to 1), as DIALS reads it.

    Returns
    -------
    list of str
        ``"# Key value"`` lines as fabio and data-processing programs read them.
    """
    g = geometry(setup)
    if g["pixel_size_mm"] is not None:
        for axis in ("fast", "slow"):
            mm = g[f"beam_{axis}_mm"]
            g[f"beam_{axis}_px"] = None if mm is None else mm / g["pixel_size_mm"]

    def num(key, fmt, scale=1.0):
        return "nan" if g.get(key) is None else fmt % (g[key] * scale)

    return [
        "# Detector: nanobragg-nb simulated detector",
        f"# Pixel_size {num('pixel_size_mm', '%.6g', 1e-3)} m x {num('pixel_size_mm', '%.6g', 1e-3)} m",
        f"# Wavelength {num('wavelength_A', '%.6f')} A",
        f"# Detector_distance {num('distance_mm', '%.6g', 1e-3)} m",
        f"# Beam_xy ({num('beam_fast_px', '%.2f')}, {num('beam_slow_px', '%.2f')}) pixels",
        f"# Start_angle {num('phi_deg', '%.4f')} deg.",
        f"# Angle_increment {num('osc_deg', '%.4f')} deg.",
        f"# Detector_2theta {num('twotheta_deg', '%.4f')} deg.",
    ]


def write_cbf(path, result):
    """Write the SMV image's pixels as a mini-CBF (byte-offset compressed, int32), through fabio.

    The pixels are those of noiseimage.img (intimage.img when noise is off),
    ADC offset included; the header gives the geometry (:func:`cbf_header`).

    Parameters
    ----------
    path : str
        Output file.
    result : Result
        The simulation.

    Raises
    ------
    ArgumentError
        fabio is not installed.
    """
    try:
        from fabio.cbfimage import CbfImage
    except ImportError:
        raise ArgumentError(CBF_NEEDS) from None
    pixels = result.noiseimage if result.noiseimage is not None else result.intimage
    image = CbfImage(data=np.ascontiguousarray(pixels, dtype=np.int32))
    image.header["_array_data.header_convention"] = "PILATUS_1.2"
    image.header["_array_data.header_contents"] = "\r\n".join(cbf_header(result.setup))
    with atomic_write(path, "wb") as handle:
        # fabio opens the file by name: let it write the temporary file atomic_write holds open
        image.write(handle.name)


def parse_png_scale(text):
    """``"log"``, ``"percentile"`` or ``"percentile=P"`` -> (kind, percentile).

    Raises
    ------
    ArgumentError
        Anything else.
    """
    kind, _, value = text.partition("=")
    if kind == "log" and not value:
        return "log", None
    if kind == "percentile":
        try:
            pct = float(value) if value else DEFAULT_PERCENTILE
        except ValueError:
            pct = math.nan
        if 0.0 < pct <= 100.0:
            return "percentile", pct
    raise ArgumentError(f"--png-scale takes log, percentile or percentile=P (0 < P <= 100), not '{text}'")


def block_max(image, factor):
    """Reduce ``image`` by ``factor`` on both axes, keeping each block's maximum (spots survive)."""
    if factor <= 1:
        return image
    rows = -(-image.shape[0] // factor) * factor
    cols = -(-image.shape[1] // factor) * factor
    padded = np.full((rows, cols), -np.inf, dtype=np.float64)
    padded[:image.shape[0], :image.shape[1]] = image
    return padded.reshape(rows // factor, factor, cols // factor, factor).max(axis=(1, 3))


def display_limits(image, kind, percentile):
    """Colour-scale limits (vmin, vmax) for the finite values of ``image``."""
    finite = image[np.isfinite(image)]
    if kind == "log":
        if finite.size == 0:
            return 1e-3, 1.0                     # all NaN or infinite: a log scale still needs vmin > 0
        positive = finite[finite > 0]
        if positive.size == 0:
            return 1e-3, 1.0
        top = float(positive.max())
        vmin = max(float(np.median(positive)), top * 1e-6)
        # saturate the brightest 0.01 %, so that weak spots still stand out from the background
        vmax = float(np.percentile(positive, LOG_SATURATION))
        if not vmax > vmin:
            vmax = top
        return (vmin, vmax) if vmin < vmax else (top / 10.0, top)
    if finite.size == 0:
        return 0.0, 1.0
    vmin = float(max(finite.min(), 0.0)) if finite.min() >= 0 else float(np.percentile(finite, 100 - percentile))
    vmax = float(np.percentile(finite, percentile))
    return (vmin, vmax) if vmin < vmax else (vmin, vmin + 1.0)


def png_layout(shape):
    """Where the image lands in the preview.

    Parameters
    ----------
    shape : tuple
        (slow, fast) pixels of the float image.

    Returns
    -------
    dict
        ``reduce`` (block-maximum factor), ``zoom`` (screen pixels per shown
        pixel), ``image_box`` (left, top, width, height) of the image in the
        PNG's pixels, and ``size`` (width, height) of the PNG.
    """
    slow, fast = shape
    reduce = max(1, -(-max(slow, fast) // MAX_SHOWN))
    shown = (-(-slow // reduce), -(-fast // reduce))
    zoom = max(1, MIN_SHOWN // max(shown))
    height, width = shown[0] * zoom, shown[1] * zoom
    size = (MARGIN_LEFT + width + MARGIN_RIGHT, MARGIN_TOP + height + MARGIN_BOTTOM)
    return dict(reduce=reduce, zoom=zoom, image_box=(MARGIN_LEFT, MARGIN_TOP, width, height), size=size)


def write_png(path, result, scale="log"):
    """Write a preview of the float image as PNG.

    Dark is bright in the image (crystallographers' habit): the colour map
    is inverted grey, log-scaled from the median of the positive pixels to
    the maximum, or linear up to a percentile. A colour bar gives photons
    per pixel; a red cross marks where the direct beam meets the detector.
    Detectors over 1024 pixels are reduced by block maximum, so that spots
    stay visible.

    Parameters
    ----------
    path : str
        Output file.
    result : Result
        The simulation.
    scale : str
        ``"log"`` (default), ``"percentile"`` or ``"percentile=P"``.

    Raises
    ------
    ArgumentError
        matplotlib is not installed, or ``scale`` is unknown.
    """
    kind, percentile = parse_png_scale(scale)
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.colors import LogNorm, Normalize
        from matplotlib.figure import Figure
    except ImportError:
        raise ArgumentError(PNG_NEEDS) from None
    image = np.asarray(result.floatimage, dtype=np.float64)
    layout = png_layout(image.shape)
    shown = block_max(image, layout["reduce"])
    vmin, vmax = display_limits(shown, kind, percentile)
    if kind == "log":
        norm, label = LogNorm(vmin=vmin, vmax=vmax, clip=True), "photons per pixel (log scale)"
        shown = np.where(np.isfinite(shown), np.maximum(shown, vmin), vmin)
    else:
        norm, label = Normalize(vmin=vmin, vmax=vmax, clip=True), \
            f"photons per pixel (linear, up to the {percentile:g}th percentile)"
    width, height = layout["size"]
    left, top, w, h = layout["image_box"]
    fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((left / width, 1 - (top + h) / height, w / width, h / height))
    ax.imshow(shown, cmap="gray_r", norm=norm, interpolation="nearest", origin="upper",
              extent=(-0.5, image.shape[1] - 0.5, image.shape[0] - 0.5, -0.5))
    g = geometry(result.setup)
    beam = beam_pixel(g)
    if beam is not None:
        ax.plot([beam[0]], [beam[1]], marker="+", color="red", markersize=16,
                markeredgewidth=1.5, linestyle="none", label="direct beam")
    ax.set_xlim(-0.5, image.shape[1] - 0.5)
    ax.set_ylim(image.shape[0] - 0.5, -0.5)
    ax.set_xlabel("fast pixel")
    ax.set_ylabel("slow pixel")
    ax.set_title(_title(g), fontsize=9)
    cax = fig.add_axes(((left + w + COLORBAR_GAP) / width, 1 - (top + h) / height,
                        COLORBAR_WIDTH / width, h / height))
    fig.colorbar(ax.images[0], cax=cax, label=label)
    with atomic_write(path, "wb") as handle:
        fig.savefig(handle, format="png", dpi=DPI,
                    metadata={"Software": f"nanobragg-nb {__version__}",
                              "Description": json.dumps(g)})


def beam_pixel(g):
    """(fast, slow) of the direct beam in pixel-centre coordinates (pixel 0 spans -0.5 to 0.5), or None."""
    if None in (g["beam_fast_mm"], g["beam_slow_mm"], g["pixel_size_mm"]):
        return None
    return g["beam_fast_mm"] / g["pixel_size_mm"] - 0.5, g["beam_slow_mm"] / g["pixel_size_mm"] - 0.5


def _title(g):
    parts = []
    if g["wavelength_A"] is not None:
        parts.append(f"lambda {g['wavelength_A']:.4g} A")
    if g["distance_mm"] is not None:
        parts.append(f"distance {g['distance_mm']:.4g} mm")
    if g["pixel_size_mm"] is not None:
        parts.append(f"pixel {g['pixel_size_mm']:.4g} mm")
    parts.append("+ direct beam")
    return ", ".join(parts)
