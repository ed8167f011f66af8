"""``nanobragg-nb audit``: the port set beside nanoBragg.c, block by block.

::

    nanobragg-nb audit [--c-source PATH/nanoBragg.c] [--kernel cpu|cuda|setup|functions|output|all]
                       [--html report.html] [--summary]

Every block of the port carries a marker comment naming the C lines it
mirrors (:mod:`nanobragg_nb.audit.markers`). The audit reads them and checks them
against ``c_ref/reference.json``:

- the markers are well formed, and in the C's order inside each function;
- in a kernel (``cpu``, ``cuda``) the markers of the loop nest cover
  L2584-3049 without a gap and without an overlap;
- every required block of the setup phase, of the helper functions and of
  the output phase is covered.

Given the C source (``--c-source`` or ``$NB_C_SRC``) it also prints each
block with the C lines beside the Python lines, in the C's order, and with
``--html`` writes the same as one self-contained page. A C file whose
sha256 is not the pinned one gets a warning, and each block is re-anchored
(:mod:`nanobragg_nb.audit.csource`); blocks that cannot be placed are reported.

Exit status: 0 when coverage is complete, 1 when something is missing or
misplaced, 2 for bad arguments, 3 when a file cannot be read.
"""
import argparse
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import csource, markers
from ..errors import ArgumentError, InputFileError

GROUPS = ("setup", "cpu", "cuda", "functions", "output")


def source_root():
    """The folder that holds the ``nanobragg_nb`` package: marker paths are relative to it."""
    return Path(__file__).resolve().parents[2]


#: the reference description of each program's C source, in ``c_ref/``
PROGRAMS = {"nanobragg": "reference.json", "nonbragg": "nonBragg.json", "noisify": "noisify.json"}


def default_reference(program="nanobragg"):
    """The reference description of ``program`` as shipped in the package, ``c_ref/reference.json`` for nanoBragg.

    In a checkout, ``nanobragg_nb/audit/c_ref`` is a link to the top-level ``c_ref/``.
    """
    return Path(__file__).resolve().parent / "c_ref" / PROGRAMS[program]


@dataclass
class Reference:
    """The pinned nanoBragg.c and what the port must cover (``c_ref/reference.json``)."""

    path: Path
    data: dict
    anchors: dict

    @property
    def sha256(self):
        return self.data["sha256"]

    @property
    def lines(self):
        return self.data["lines"]

    @property
    def name(self):
        return f"{self.data['repository']} {self.data['commit']} {self.data['path']}"


def load_reference(path=None, program="nanobragg"):
    """Read a reference description (``path``, else the one of ``program``) and its anchors.

    Raises
    ------
    InputFileError
        When the file is missing or not valid JSON.
    """
    path = Path(path) if path else default_reference(program)
    try:
        data = json.loads(path.read_text())
    except OSError as err:
        raise InputFileError(f"cannot read the reference description {path}: {err.strerror or err} "
                             "(the package ships it in nanobragg_nb/audit/c_ref/; reinstall, or pass --reference)") from None
    except json.JSONDecodeError as err:
        raise InputFileError(f"{path} is not valid JSON: {err}") from None
    anchors = {}
    if data.get("anchors"):
        anchor_path = path.parent / data["anchors"]
        if anchor_path.is_file():
            anchors = json.loads(anchor_path.read_text())
    return Reference(path, data, anchors)


@dataclass
class GroupAudit:
    """What the audit found for one kernel or phase.

    Attributes
    ----------
    name, title : str
    files : list of str
        The Python files read.
    absent : str or None
        Why the group could not be audited (its kernel file does not exist).
    shown : list of Marker
        The markers of the group, in the C's order.
    problems : list of str
        Malformed markers.
    order : list of str
        Markers out of the C's order within a function.
    gaps : list of (int, int, str)
        C ranges no marker covers, with the block they belong to.
    overlaps : list of str
        C lines of the loop nest that two markers claim.
    tile : list of Marker
        For a kernel, the markers that tile the loop nest, in order.
    """

    name: str
    title: str
    files: list = field(default_factory=list)
    absent: str = None
    shown: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    order: list = field(default_factory=list)
    gaps: list = field(default_factory=list)
    overlaps: list = field(default_factory=list)
    tile: list = field(default_factory=list)
    blocks: list = field(default_factory=list)
    spec: dict = field(default_factory=dict)

    @property
    def ok(self):
        return not (self.absent or self.problems or self.order or self.gaps or self.overlaps)


def _intersects(ranges, spans):
    return any(a <= d and c <= b for a, b in ranges for c, d in spans)


def _in_scope(mk, scope):
    path, _, name = scope.partition("::")
    return mk.path == path and (not name or mk.scope == name)


def check_order(found):
    """Markers whose first C line is below that of the marker before them in the same function."""
    out = []
    last = {}
    for mk in found:
        key = (mk.path, mk.scope)
        prev = last.get(key)
        if prev is not None and mk.first < prev.first:
            out.append(f"{mk.path}:{mk.line}: {mk.label} comes after {prev.label} (line {prev.line}) "
                       f"in {mk.scope}")
        last[key] = mk
    return out


def check_tile(found, first, last):
    """Gaps and overlaps of the markers ``found`` over C lines ``first..last``.

    Returns
    -------
    (list, list, list)
        The tiling markers in C order, gaps ``(a, b, why)`` and overlap messages.
    """
    pieces = []
    for mk in found:
        for a, b in mk.ranges:
            if a <= last and b >= first:
                pieces.append((max(a, first), min(b, last), mk))
    pieces.sort(key=lambda p: (p[0], p[1]))
    gaps, overlaps = [], []
    reached = first - 1
    holder = None
    for a, b, mk in pieces:
        if a > reached + 1:
            gaps.append((reached + 1, a - 1, "loop nest"))
        elif a <= reached:
            overlaps.append(f"L{a}-{min(b, reached)} is claimed by {mk.path}:{mk.line} ({mk.label}) "
                            f"and {holder.path}:{holder.line} ({holder.label})")
        if b > reached:
            reached, holder = b, mk
    if reached < last:
        gaps.append((reached + 1, last, "loop nest"))
    return [p[2] for p in pieces], gaps, overlaps


def check_blocks(found, blocks):
    """Lines of the required ``blocks`` that no marker covers, as ``(a, b, title)``."""
    covered = set()
    for mk in found:
        for a, b in mk.ranges:
            covered.update(range(a, b + 1))
    gaps = []
    for a, b, title in blocks:
        start = None
        for line in range(a, b + 2):
            if line <= b and line not in covered:
                start = line if start is None else start
            elif start is not None:
                gaps.append((start, line - 1, title))
                start = None
    return gaps


def audit_group(ref, name, root):
    """Audit one kernel or phase of the port against the reference.

    Parameters
    ----------
    ref : Reference
    name : str
        A key of ``ref.data["kernels"]``.
    root : Path
        The folder holding the package.

    Returns
    -------
    GroupAudit
    """
    spec = ref.data["kernels"][name]
    result = GroupAudit(name, spec.get("title", name), spec=spec)
    if spec.get("requires") and not (Path(root) / spec["requires"]).is_file():
        result.absent = f"{spec['requires']} is absent, so there is no {name} kernel to audit yet"
        return result
    result.files = markers.expand(root, spec["files"])
    # a scope in a file outside the group (cpu.statistics for cuda) brings only its own markers
    borrowed = [s for s in spec.get("tile", {}).get("scopes", [])
                if s.partition("::")[0] not in result.files and (Path(root) / s.partition("::")[0]).is_file()]
    found = []
    for rel in result.files + sorted({s.partition("::")[0] for s in borrowed}):
        fm = markers.parse_file(root, rel, ref.lines)
        if rel in result.files:
            result.problems += fm.problems
            found += fm.markers
        else:
            result.files.append(rel)
            found += [mk for mk in fm.markers if any(_in_scope(mk, s) for s in borrowed)]
    spans = [tuple(b[:2]) for b in spec.get("blocks", [])]
    if "tile" in spec:
        spans.append(tuple(spec["tile"]["range"]))
    result.shown = sorted((mk for mk in found if _intersects(mk.ranges, spans)),
                          key=lambda mk: (mk.first, mk.path, mk.line))
    result.order = check_order(found)
    if "tile" in spec:
        first, last = spec["tile"]["range"]
        tiling = [mk for mk in found if any(_in_scope(mk, s) for s in spec["tile"]["scopes"])]
        result.tile, gaps, result.overlaps = check_tile(tiling, first, last)
        result.gaps += gaps
    result.blocks = [tuple(b) for b in spec.get("blocks", [])]
    result.gaps += check_blocks(result.shown, result.blocks)
    return result


def wanted_lines(audits):
    """The pinned C lines the report needs placed: every range end of every shown marker and block."""
    out = set()
    for g in audits:
        for mk in g.shown:
            for a, b in mk.ranges:
                out.update((a, b))
        for a, b, _ in g.blocks:
            out.update((a, b))
        if "tile" in g.spec:
            out.update(g.spec["tile"]["range"])
    return out


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise ArgumentError(f"audit: {message}")


def _parser():
    p = _Parser(prog="nanobragg-nb audit", description="Audit the port against nanoBragg.c, block by block.")
    p.add_argument("--program", default="nanobragg", choices=sorted(PROGRAMS),
                   help="which program's C source to audit against (default nanobragg)")
    p.add_argument("--c-source", metavar="PATH",
                   help="the C source to set beside the port (default $NB_C_SRC for nanobragg)")
    p.add_argument("--kernel", default="all", metavar="|".join(GROUPS),
                   help="which part to audit (default all; cuda is skipped while kernels/cuda.py is absent)")
    p.add_argument("--html", metavar="PATH", help="also write a self-contained HTML report")
    p.add_argument("--summary", action="store_true", help="print the summary only, not the blocks")
    p.add_argument("--width", type=int, default=64, help="width of the C column in the text report")
    p.add_argument("--reference", metavar="PATH", help="reference description (default: the program's, in c_ref/)")
    p.add_argument("--root", metavar="DIR", help="folder holding the package (default: this installation)")
    p.add_argument("--write-anchors", action="store_true",
                   help="maintainers: rewrite the anchors file from the pinned C source, then exit")
    return p


def main(argv):
    """Run the audit; returns the exit status."""
    from . import report as audit_report
    args = _parser().parse_args(argv)
    ref = load_reference(args.reference, args.program)
    root = Path(args.root) if args.root else source_root()
    known = tuple(ref.data["kernels"])
    if args.kernel != "all" and args.kernel not in known:
        raise ArgumentError(f"audit: --kernel must be one of {', '.join(known)} or all, not '{args.kernel}'")
    names = known if args.kernel == "all" else (args.kernel,)
    audits = [audit_group(ref, n, root) for n in names]
    c_path = args.c_source or (os.environ.get("NB_C_SRC") if args.program == "nanobragg" else None)
    src = csource.read(c_path) if c_path else None
    if args.write_anchors:
        return _write_anchors(ref, src, root)
    placement = None
    if src is not None and src.sha256 != ref.sha256:
        print(f"nanobragg-nb audit: warning: {src.path} has sha256 {src.sha256}, not that of the pinned "
              f"{ref.name} ({ref.sha256}); its blocks are re-anchored", file=sys.stderr)
        placement = csource.place(src, ref.anchors, wanted_lines(audits))
    explicit = args.kernel != "all"
    report = audit_report.Report(ref, audits, src, placement, explicit, root)
    if not args.summary:
        audit_report.print_blocks(report, args.width)
    audit_report.print_summary(report)
    if args.html:
        try:
            Path(args.html).write_text(audit_report.html(report))
        except OSError as err:
            from ..errors import OutputError
            raise OutputError(f"cannot write {args.html}: {err.strerror or err}") from None
        print(f"HTML report written to {args.html}")
    return 0 if report.ok else 1


def _write_anchors(ref, src, root):
    if src is None:
        raise ArgumentError("audit --write-anchors needs the pinned C source (--c-source or NB_C_SRC)")
    if src.sha256 != ref.sha256:
        raise InputFileError(f"{src.path} is not the pinned {ref.name} (sha256 {src.sha256}); "
                             "anchors must be made from the pinned file")
    audits = [audit_group(ref, n, root) for n in ref.data["kernels"]]
    anchors = csource.make_anchors(src, wanted_lines(audits))
    path = ref.path.parent / ref.data.get("anchors", "anchors.json")
    path.write_text("{\n" + ",\n".join(f'  "{k}": {json.dumps(v)}' for k, v in anchors.items()) + "\n}\n")
    print(f"{len(anchors)} anchors written to {path}")
    return 0
