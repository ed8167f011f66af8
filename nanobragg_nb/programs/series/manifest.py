"""The manifest of a series: which frames are finished, with their checksums, for ``--resume``.

``manifest.jsonl`` in the output folder: a first line describing the series
(its arguments and start time), then one line per finished frame, appended
and flushed to disk once the frame's files are complete under their final
names. ``--resume`` trusts a frame only when its line is there and its file
still has the checksum the line gives; every other frame is rendered again.
"""
import hashlib
import json
import os

from ...errors import ArgumentError, InputFileError, OutputError
from ...io.atomic import atomic_write, output_error

NAME = "manifest.jsonl"


def file_sha256(path):
    """SHA-256 of a file's bytes, or None when it cannot be read."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


class Manifest:
    """Reads and appends ``manifest.jsonl``.

    Parameters
    ----------
    folder : str
        The series' output folder.
    description : dict
        What identifies the series (arguments, kind, count, start time).
    """

    def __init__(self, folder, description):
        self.path = os.path.join(folder, NAME)
        self.description = description
        self.entries = {}

    def start(self, resume):
        """Begin a new manifest, or (``resume``) read the finished frames of the same series.

        Returns
        -------
        dict
            The description in force (on resume, the manifest's: its start time
            keeps the frames' DATE the same).

        Raises
        ------
        ArgumentError
            ``resume`` and the manifest is from another series, or
            there is a manifest and ``resume`` is not given.
        """
        exists = os.path.exists(self.path)
        if resume and exists:
            first, entries = self._read()
            mine = {k: v for k, v in self.description.items() if k not in ("start_epoch", "command")}
            theirs = {k: v for k, v in first.items() if k not in ("start_epoch", "command")}
            if mine != theirs:
                changed = sorted(k for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k))
                raise ArgumentError(f"--resume: {self.path} is from a different series ({', '.join(changed)} "
                                    f"differ); use another folder, or the same arguments")
            self.description = first
            self.entries = entries
            return first
        if exists and not resume:
            raise ArgumentError(f"{self.path} exists: this folder holds a series already; add --resume to "
                                f"finish it, or use another folder")
        try:
            with atomic_write(self.path, "w") as handle:
                handle.write(json.dumps({"series": self.description}) + "\n")
        except OutputError:
            raise
        return self.description

    def _read(self):
        try:
            with open(self.path) as handle:
                lines = handle.read().splitlines()
        except OSError as exc:
            raise InputFileError(f"cannot read {self.path}: {exc.strerror}") from None
        try:
            first = json.loads(lines[0])["series"]
        except (IndexError, ValueError, KeyError, TypeError):
            raise InputFileError(f"{self.path} is not a series manifest") from None
        entries = {}
        for line in lines[1:]:
            try:
                entry = json.loads(line)
                entries[int(entry["frame"])] = entry
            except (ValueError, KeyError, TypeError):
                continue            # a line cut short by a crash: that frame is not trusted
        return first, entries

    def verified(self, folder, pixels_sha256=None):
        """Frame numbers whose files are present with the recorded checksums.

        ``pixels_sha256(k)`` gives the checksum of frame k's pixels where they
        are not a file of their own (NeXus), for entries that record one.
        """
        good = set()
        for k, entry in self.entries.items():
            files = entry.get("files", {})
            if not all(file_sha256(os.path.join(folder, name)) == sha for name, sha in files.items()):
                continue
            if "pixels_sha256" in entry:
                if pixels_sha256 is None or pixels_sha256(k) != entry["pixels_sha256"]:
                    continue
            elif not files:
                continue
            good.add(k)
        return good

    def append(self, entry):
        """Record a finished frame (flushed and synced before returning)."""
        line = (json.dumps(entry) + "\n").encode()
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
            try:
                before = os.fstat(fd).st_size
                try:
                    view = memoryview(line)
                    while view:
                        view = view[os.write(fd, view):]
                    os.fsync(fd)
                except OSError:
                    # a full disk: cut the partial line, so the next one starts clean
                    os.ftruncate(fd, before)
                    raise
            finally:
                os.close(fd)
        except OSError as exc:
            raise output_error(self.path, exc) from None
        self.entries[int(entry["frame"])] = entry
