"""Runs a series: frames rendered in this process or on a Dask cluster, written, recorded.

In this process (the default) the frames render one after another, each on
every core, while a writer thread writes the frame before. With Dask
(``--workers N`` or ``--scheduler ADDRESS``) each worker receives the
:class:`~.frames.FrameRenderer` (and so the structure factors) once, renders
frames and writes their SMV or CBF files into the output folder itself; a
NeXus file has one writer, this process, to which the workers send the
pixels. Whatever the split, frame k is the same bytes. Each finished frame
is appended to the manifest, so that ``--resume`` continues an interrupted
series, and a frame that fails on a worker is tried again (twice).
"""
import concurrent.futures
import os
import re
import time
from dataclasses import dataclass
from typing import Optional

from ...errors import ArgumentError, OutputError
from .formats import (frame_date, pixels_sha256, smv_representable, write_cbf_frame, write_float_frame,
                      write_smv_frame)
from .geometry import geometry_to_dict, lab_geometry
from .plan import frame_record
from .truth import frame_name

#: frames in flight per Dask worker (bounds the memory of a long series)
IN_FLIGHT_PER_WORKER = 3
RETRIES = 2


@dataclass
class SeriesOutput:
    """Where and how the frames are written.

    Attributes
    ----------
    folder : str
        Output folder (absolute): frames, manifest and truth files.
    template : str
        Frame file name with one run of ``#`` for the frame number (SMV,
        CBF), or the NeXus file's name.
    format : {"smv", "cbf", "nexus"}
    float_template : str, optional
        Float image file name with ``#``, when float images are wanted.
    start_epoch : float
        The first frame's DATE (seconds since 1970, UTC).
    """

    folder: str
    template: str
    format: str = "smv"
    float_template: Optional[str] = None
    start_epoch: float = 0.0

    def frame_name(self, k):
        """The file name of frame ``k``."""
        return frame_name(self.template, k)

    def float_name(self, k):
        """The float image's file name of frame ``k``."""
        return frame_name(self.float_template, k)


def check_template(template, name):
    """Refuse a frame template without exactly one run of ``#``."""
    if "#" not in template:
        raise ArgumentError(f"{name} '{template}' has no '#' for the frame number (image_#####.img)")
    if len(re.findall("#+", template)) != 1 or "#" in os.path.dirname(template):
        raise ArgumentError(f"{name} '{template}' needs one run of '#' in the file name, not more")


def produce(renderer, output, k):
    """Render frame ``k`` and write its files; what the manifest records of it (runs on workers too).

    Returns
    -------
    (dict, ndarray or None)
        The manifest entry, and the pixels when a NeXus file (written
        elsewhere) needs them.
    """
    frame = renderer.render(k)
    geometry = lab_geometry(frame.setup, frame.detector)
    entry = {"frame": k, "files": {}, "record": frame_record(renderer.plan, k, frame.setup),
             "geometry": geometry_to_dict(geometry), "seconds": dict(frame.seconds),
             "adc_offset": frame.adc_offset, "smv_representable": smv_representable(geometry)}
    return entry, frame, geometry


def write_files(output, entry, frame, geometry):
    """Write frame's SMV/CBF and float files; fill the entry's checksums; the write time in its seconds."""
    began = time.perf_counter()
    k = entry["frame"]
    date = frame_date(output.start_epoch, k, frame.setup.exposure)
    if output.format == "smv":
        name = output.frame_name(k)
        entry["files"][name] = write_smv_frame(os.path.join(output.folder, name), frame, geometry, date)
    elif output.format == "cbf":
        name = output.frame_name(k)
        entry["files"][name] = write_cbf_frame(os.path.join(output.folder, name), frame, geometry, date)
    else:
        entry["pixels_sha256"] = pixels_sha256(frame.pixels)
    if output.float_template:
        name = output.float_name(k)
        entry["files"][name] = write_float_frame(os.path.join(output.folder, name), frame)
    entry["seconds"]["write"] = time.perf_counter() - began
    entry["peak_rss_mb"] = peak_rss_mb()
    return entry


def peak_rss_mb():
    """This process' peak resident memory so far, in MB (Linux reports it in kB)."""
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _produce_and_write(renderer, output, k):
    """A Dask task: render and write frame ``k``; the entry, and the pixels for a NeXus file."""
    entry, frame, geometry = produce(renderer, output, k)
    write_files(output, entry, frame, geometry)
    return entry, (frame.pixels if output.format == "nexus" else None)


class FrameSink:
    """Takes finished frames in any order: the NeXus file, the manifest, the progress bar."""

    def __init__(self, manifest, nexus=None, bar=None):
        self.manifest = manifest
        self.nexus = nexus
        self.bar = bar

    def take(self, entry, pixels):
        if self.nexus is not None:
            began = time.perf_counter()
            self.nexus.write_frame(entry["frame"] - 1, pixels)
            entry["seconds"]["write"] = entry["seconds"].get("write", 0.0) + time.perf_counter() - began
        self.manifest.append(entry)
        if self.bar is not None:
            self.bar.update(1)


def run_in_process(renderer, output, frames, sink):
    """Render ``frames`` here, one after another; a thread writes and records each while the next renders."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as writer:
        pending = None
        for k in frames:
            entry, frame, geometry = produce(renderer, output, k)
            if pending is not None:
                pending.result()            # one frame in the writer at a time: memory stays flat
            pending = writer.submit(_write_and_take, output, entry, frame, geometry, sink)
        if pending is not None:
            pending.result()


def _write_and_take(output, entry, frame, geometry, sink):
    write_files(output, entry, frame, geometry)
    sink.take(entry, frame.pixels if output.format == "nexus" else None)


def run_on_dask(renderer, output, frames, sink, workers=None, scheduler=None):
    """Render ``frames`` on a Dask cluster: a local one of ``workers`` processes, or the one at ``scheduler``."""
    client, cluster = _client(workers, scheduler)
    try:
        from dask.distributed import as_completed
        n_workers = max(1, len(client.scheduler_info().get("workers", {})) or (workers or 1))
        shared = client.scatter(renderer, broadcast=True)
        todo = iter(frames)
        window = as_completed()

        def submit_next():
            k = next(todo, None)
            if k is not None:
                window.add(client.submit(_produce_and_write, shared, output, k, retries=RETRIES, pure=False,
                                         key=f"nanobragg-frame-{k}-{os.getpid()}-{id(output)}"))
        for _ in range(IN_FLIGHT_PER_WORKER * n_workers):
            submit_next()
        for future in window:
            entry, pixels = future.result()
            sink.take(entry, pixels)
            future.release()
            submit_next()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _client(workers, scheduler):
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise ArgumentError('--workers and --scheduler need Dask: pip install "nanobragg-nb[cluster]"') from None
    if scheduler:
        try:
            return Client(scheduler, timeout="30s"), None
        except (OSError, TimeoutError) as exc:
            raise ArgumentError(f"--scheduler: cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    return Client(cluster), cluster


def progress_bar(total, done):
    """A progress bar over frames on stderr, with rate and time left (tqdm; off when stderr is not a terminal)."""
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, initial=done, unit="frame", desc="series", disable=None, dynamic_ncols=True)


def interrupted_message(exc, finished, total, manifest_path):
    """An OutputError that says what is finished and how to go on."""
    return OutputError(f"{exc}; {finished} of {total} frames are finished and listed in {manifest_path}: "
                       f"free the space or fix the folder, then run the same command with --resume")
