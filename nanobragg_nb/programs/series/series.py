"""A series as an object: frames on demand (the Python API) or written to a folder (the command).

Examples
--------
>>> import nanobragg_nb as nb
>>> sweep = nb.simulate_series("-default_F 100 -cell 100 100 100 90 90 90 -N 5 -lambda 1 "
...                            "-detpixels 64 -osc 1 -seed 1".split(), frames=3)
>>> [frame.number for frame in sweep]
[1, 2, 3]
"""
import os
import statistics
import sys
import time
from dataclasses import dataclass, field

from ...core.log import Log
from ...core.setup import prepare
from ...errors import OutputError
from .frames import FrameRenderer
from .geometry import geometry_from_dict, lab_geometry
from .manifest import Manifest
from .plan import make_plan
from .run import (FrameSink, SeriesOutput, interrupted_message, progress_bar, run_in_process, run_on_dask)


def simulate_series(arguments, frames=None, stills=None, orientation_seed=None, size_spread=0.0,
                    lambda_spread=0.0, mode="faithful", fixes=None, device="cpu", threads=None, detector=None):
    """A rotation sweep or serial stills, from the nanoBragg arguments of one frame.

    Parameters
    ----------
    arguments : list of str
        nanoBragg.c arguments of one frame (``-hkl``, ``-cell``, ``-osc`` ...).
    frames : int, optional
        A rotation sweep of this many frames (needs ``-osc``).
    stills : int, optional
        This many serial shots in random orientations instead.
    orientation_seed : int, optional
        Stills: the orientations' seed (default: the clock).
    size_spread, lambda_spread : float
        Stills: relative rms spreads of crystal size and wavelength.
    mode : {"faithful", "fast"}
    fixes : Fixes, optional
        Upstream physics fixes (``nanobragg_nb.Fixes``).
    device : {"cpu", "cuda", "auto"}
    threads : int, optional
    detector : PanelDetector or str, optional
        A multi-panel detector (``nanobragg_nb.read_detector``, or a DIALS or
        CrystFEL file name); each frame is then the panels placed in one array.

    Returns
    -------
    Series
        Iterate for the frames (:class:`~.frames.Frame`), ``series.frame(k)``
        for one, ``series.to_dask()`` for a dask array of the pixels.

    Raises
    ------
    ArgumentError
        Neither or both of ``frames`` and ``stills``, or arguments a series
        cannot take (:func:`~.plan.make_plan`).
    """
    from ...errors import ArgumentError
    if (frames is None) == (stills is None):
        raise ArgumentError("give frames= (a rotation sweep) or stills= (serial shots)")
    plan = make_plan(list(arguments), frames if frames is not None else stills, stills=stills is not None,
                     orientation_seed=orientation_seed, size_spread=size_spread, lambda_spread=lambda_spread)
    if isinstance(detector, (str, os.PathLike)):
        from ...core.panels import read_detector
        detector = read_detector(detector)
    return Series(plan, mode=mode, fixes=fixes, device=device, threads=threads, detector=detector)


@dataclass
class Summary:
    """What a written series did: frames and the median seconds of each phase per frame."""

    total: int
    rendered: int
    kept: int
    folder: str
    seconds: dict = field(default_factory=dict)

    def text(self, wall):
        phases = ", ".join(f"{name} {value:.3f} s" for name, value in self.seconds.items())
        kept = f" ({self.kept} kept from before)" if self.kept else ""
        return (f"series: {self.total} frames in {self.folder}{kept}; {self.rendered} rendered in {wall:.1f} s; "
                f"median per frame: {phases}")


class Series:
    """The frames of a series (see :func:`simulate_series`)."""

    def __init__(self, plan, mode="faithful", fixes=None, device="cpu", threads=None, detector=None):
        self.plan = plan
        self.renderer = FrameRenderer(plan, mode=mode, fixes=fixes, device=device, threads=threads,
                                      detector=detector)

    def __len__(self):
        return self.plan.count

    def frame(self, k):
        """Frame ``k`` (1-based): a :class:`~.frames.Frame`."""
        return self.renderer.render(k)

    def __iter__(self):
        for k in range(1, self.plan.count + 1):
            yield self.frame(k)

    def to_dask(self):
        """The pixels of every frame as a lazy dask array of shape (frames, slow, fast), uint16."""
        import dask
        import dask.array as da
        fast, slow = lab_geometry(self.setup(), self.renderer.detector).image_size
        shape = (slow, fast)
        render = dask.delayed(lambda renderer, k: renderer.render(k).pixels, pure=True)
        shared = dask.delayed(self.renderer, pure=True)
        return da.stack([da.from_delayed(render(shared, k), shape=shape, dtype="uint16")
                         for k in range(1, self.plan.count + 1)])

    def setup(self, log=None):
        """Frame 1's prepared simulation; reads the structure factors into the shared cache."""
        config = self.renderer.config(1)
        if config.detector.panels is not None:
            from ..nanobragg.multipanel import panel_config
            config = panel_config(config, config.detector.panels)
        return prepare(config, log or Log(), write_cache=False, structure_cache=self.renderer.cache)

    def write(self, folder, template, fmt="smv", float_template=None, workers=None, scheduler=None,
              resume=False, log=None, command=None):
        """Write the frames, the manifest and the truth files into ``folder``.

        Parameters
        ----------
        folder : str
            Existing, writable folder.
        template : str
            Frame file name with ``#`` (SMV, CBF) or the NeXus file name.
        fmt : {"smv", "cbf", "nexus"}
        float_template : str, optional
        workers, scheduler : optional
            A local Dask cluster of ``workers`` processes, or an existing one.
        resume : bool
            Keep the frames the manifest lists with good checksums.
        log : file, optional
            Receives frame 1's setup log (the C's text) and notes.
        command : list of str, optional
            Recorded in truth.json.

        Returns
        -------
        Summary
        """
        log = log or open(os.devnull, "w")
        stream = Log(stream=log)
        first = self.setup(stream)
        stream.flush()
        start = float(os.environ.get("SOURCE_DATE_EPOCH", int(time.time())))
        manifest = Manifest(folder, {"arguments": self.plan.base_args, "count": self.plan.count,
                                     "stills": self.plan.stills, "seed": self.plan.seed,
                                     "orientation_seed": self.plan.orientation_seed,
                                     "size_spread": self.plan.size_spread, "lambda_spread": self.plan.lambda_spread,
                                     "mode": self.renderer.mode, "fixes": _fix_names(self.renderer.fixes),
                                     "format": fmt, "template": template, "float_template": float_template,
                                     "start_epoch": start, "command": command})
        description = manifest.start(resume)
        output = SeriesOutput(folder, template, fmt, float_template, description["start_epoch"])
        done = manifest.verified(folder, _nexus_checksums(folder, template, fmt)) if resume else set()
        nexus = None
        if fmt == "nexus":
            nexus = _nexus_writer(folder, template, lab_geometry(first, self.renderer.detector),
                                  self.renderer.config(1).output.adc_offset, self.plan, resume)
        todo = [k for k in range(1, self.plan.count + 1) if k not in done]
        _write_mtz(folder, first, log)
        bar = progress_bar(self.plan.count, len(done))
        sink = FrameSink(manifest, nexus, bar)
        try:
            if workers or scheduler:
                run_on_dask(self.renderer, output, todo, sink, workers=workers, scheduler=scheduler)
            else:
                run_in_process(self.renderer, output, todo, sink)
        except OutputError as exc:
            raise interrupted_message(exc, len(manifest.entries), self.plan.count, manifest.path) from None
        finally:
            if bar is not None:
                bar.close()
            if nexus is not None:
                nexus.close()
        entries = [manifest.entries[k] for k in range(1, self.plan.count + 1)]
        _warn_smv_geometry(fmt, entries)
        _write_truth(folder, entries, output, self.plan, description)
        rendered = [manifest.entries[k]["seconds"] for k in todo]
        medians = {name: statistics.median(s[name] for s in rendered) for name in ("setup", "render", "noise", "write")
                   if rendered and all(name in s for s in rendered)}
        return Summary(self.plan.count, len(todo), len(done), folder, medians)


def _fix_names(fixes):
    from ...core.config import FIX_NAMES
    return [name for name in FIX_NAMES if fixes is not None and getattr(fixes, name)]


def _nexus_writer(folder, name, geometry, adc_offset, plan, resume):
    from ...io.nexus import NXmxWriter
    path = os.path.join(folder, name)
    wavelengths = [plan.draws(k)["lambda_A"] for k in range(1, plan.count + 1)] if plan.lambda_spread else None
    return NXmxWriter(path, geometry, plan.count, adc_offset, stills=plan.stills, wavelengths=wavelengths,
                      mode="r+" if resume and os.path.exists(path) else "w")


def _nexus_checksums(folder, name, fmt):
    """Frame k -> checksum of its pixels in the NeXus file being resumed (None for other formats)."""
    path = os.path.join(folder, name)
    if fmt != "nexus" or not os.path.exists(path):
        return None
    from ...io.nexus import read_frame, written_frames
    from .formats import pixels_sha256
    stored = set(written_frames(path))
    return lambda k: pixels_sha256(read_frame(path, k - 1)) if k - 1 in stored else None


def _write_mtz(folder, setup, log):
    from .truth import GemmiMissing, write_mtz
    try:
        write_mtz(os.path.join(folder, "truth.mtz"), setup)
    except GemmiMissing as exc:
        print(f"nanobragg-nb: note: no truth.mtz: {exc}", file=sys.stderr)


def _warn_smv_geometry(fmt, entries):
    if fmt in ("smv", "cbf") and not all(e.get("smv_representable", True) for e in entries):
        print(f"nanobragg-nb: warning: {fmt.upper()} headers cannot carry this detector's rotations or axes; "
              f"programs that read the headers get the geometry wrong: use truth.expt or --format nexus",
              file=sys.stderr)


def _write_truth(folder, entries, output, plan, description):
    from .truth import write_truth_expt, write_truth_json
    geometries = [geometry_from_dict(e["geometry"]) for e in entries]
    write_truth_expt(os.path.join(folder, "truth.expt"), geometries, output.template, first=1, stills=plan.stills,
                     adc_offset=entries[0]["adc_offset"])
    frames = [dict(e["record"], files=sorted(e["files"])) for e in entries]
    write_truth_json(os.path.join(folder, "truth.json"), frames, command_line=description.get("command"),
                     series=description)
