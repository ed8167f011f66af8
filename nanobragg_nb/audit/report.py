"""The audit's output: blocks side by side, a summary, and the HTML page."""
import html as _html
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Report:
    """Audit results together with the C file they are shown against.

    Parameters
    ----------
    ref : Reference
    audits : list of GroupAudit
    src : CSource or None
        The user's C file, or None when none was given.
    placement : Placement or None
        Where the pinned lines are in ``src`` when it is not the pinned file.
    explicit : bool
        The groups were asked for by name (an absent kernel is then an error).
    root : Path
        The folder holding the package.
    """

    ref: object
    audits: list
    src: object = None
    placement: object = None
    explicit: bool = False
    root: object = None

    def where(self, a, b):
        """Lines ``(A, B)`` of the user's file for pinned lines a..b, or None when they cannot be placed."""
        if self.placement is None:
            return (a, b) if self.src is None or b <= len(self.src.lines) else None
        lines = self.placement.lines
        if a not in lines or b not in lines or lines[b] < lines[a]:
            return None
        return lines[a], lines[b]

    def unplaced(self, audit):
        """Markers of ``audit`` that cannot be placed in the user's file."""
        if self.src is None:
            return []
        return [mk for mk in audit.shown if any(self.where(a, b) is None for a, b in mk.ranges)]

    def audit_ok(self, audit):
        if audit.absent:
            return not self.explicit
        return audit.ok and not self.unplaced(audit)

    @property
    def ok(self):
        return all(self.audit_ok(g) for g in self.audits)


def _python_lines(root, mk):
    lines = (Path(root) / mk.path).read_text().splitlines()
    return [(n, lines[n - 1]) for n in range(mk.line, mk.end + 1)]


def _c_lines(report, mk):
    """``[(pinned, actual, text)]`` for the ranges of a marker; None separates ranges."""
    out = []
    for a, b in mk.ranges:
        placed = report.where(a, b)
        if out:
            out.append(None)
        if placed is None:
            continue
        A, B = placed
        for i, n in enumerate(range(A, B + 1)):
            out.append((a + i if B - A == b - a else None, n, report.src.lines[n - 1]))
    return out


def _dedent(texts):
    """Remove the common indentation of the code lines (blank and ``//`` or ``#`` lines aside)."""
    texts = [t.expandtabs(8).rstrip() for t in texts]
    indents = [len(t) - len(t.lstrip()) for t in texts if t.strip() and t.lstrip()[:2] not in ("//", "#", "# ")]
    cut = min(indents) if indents else 0
    return [t[min(cut, len(t) - len(t.lstrip())):] for t in texts]


def block_rows(report, mk, root):
    """Rows ``(c_number, c_text, py_number, py_text)`` of one block, the two sides aligned from the top."""
    c = _c_lines(report, mk)
    c_texts = _dedent([x[2] for x in c if x is not None])
    it = iter(c_texts)
    left = [None if x is None else (x[1], next(it)) for x in c]
    py = _python_lines(root, mk)
    right = list(zip([n for n, _ in py], _dedent([t for _, t in py])))
    rows = []
    for i in range(max(len(left), len(right))):
        lc = left[i] if i < len(left) else None
        rc = right[i] if i < len(right) else None
        rows.append((lc[0] if lc else None, lc[1] if lc else ("..." if i < len(left) else ""),
                     rc[0] if rc else None, rc[1] if rc else ""))
    return rows


def print_blocks(report, width=64, out=None):
    """Print every block of every audited group, C beside Python, in the C's order."""
    import sys
    out = out or sys.stdout
    if report.src is None:
        print("no C source given (--c-source PATH or NB_C_SRC): the blocks are not shown side by side", file=out)
        return
    root = report.root
    for g in report.audits:
        if g.absent:
            continue
        print(f"=== {g.name}: {g.title}", file=out)
        for mk in g.shown:
            places = [report.where(a, b) for a, b in mk.ranges]
            shown = ", ".join("?" if p is None else (f"L{p[0]}" if p[0] == p[1] else f"L{p[0]}-{p[1]}")
                              for p in places)
            moved = "" if report.placement is None else f" (pinned {mk.label})"
            print(f"--- C {shown}{moved} | {mk.where} [{mk.scope}]: {mk.description}", file=out)
            if any(p is None for p in places):
                print("    (cannot place this block in the given C file)", file=out)
            for cn, ct, pn, pt in block_rows(report, mk, root):
                left = f"{cn:5d} {ct}" if cn else f"      {ct}"
                if len(left) > width:
                    left = left[:width - 1] + "~"
                right = f"{pn:5d} {pt}" if pn else ""
                print(f"{left:<{width}} |{right}".rstrip(), file=out)
        print(file=out)


def summary_lines(report):
    """The summary: one line per group, then each problem, then a verdict."""
    ref = report.ref
    out = []
    if report.src is None:
        out.append("C source: none given (static checks only)")
    elif report.placement is None:
        out.append(f"C source: {report.src.path} (sha256 matches the pinned {ref.name})")
    else:
        p = report.placement
        out.append(f"C source: {report.src.path} (NOT the pinned {ref.name}: re-anchored, "
                   f"{len(p.lines)} lines placed, {len(p.by_neighbour)} by a neighbouring anchor, "
                   f"{len(p.unplaced)} not placed)")
    details = []
    for g in report.audits:
        if g.absent:
            out.append(f"  {g.name:9s} {'ERROR' if report.explicit else 'skipped'}: {g.absent}")
            continue
        verdict = "ok" if report.audit_ok(g) else "INCOMPLETE"
        if "tile" in g.spec:
            first, last = g.spec["tile"]["range"]
            what = (f"loop nest L{first}-{last}: {len(g.tile)} blocks, "
                    + ("covered without gap or overlap" if not (g.gaps or g.overlaps)
                       else f"{len(g.gaps)} gaps, {len(g.overlaps)} overlaps"))
        else:
            missing = {t for _, _, t in g.gaps}
            what = f"{len(g.blocks) - len(missing)} of {len(g.blocks)} required blocks covered"
        what += f"; {len(g.shown)} markers in {len(g.files)} files"
        if g.order:
            what += f"; {len(g.order)} out of order"
        out.append(f"  {g.name:9s} {verdict}: {what}")
        details += [f"  [{g.name}] {p}" for p in g.problems]
        details += [f"  [{g.name}] not covered: L{a}-{b} ({t})" if a != b else f"  [{g.name}] not covered: L{a} ({t})"
                    for a, b, t in g.gaps]
        details += [f"  [{g.name}] overlap: {o}" for o in g.overlaps]
        details += [f"  [{g.name}] out of order: {o}" for o in g.order]
        details += [f"  [{g.name}] cannot place {mk.label} ({mk.where}) in the C file" for mk in report.unplaced(g)]
    if details:
        out.append("problems:")
        out += details
    out.append("coverage complete" if report.ok else "coverage INCOMPLETE")
    return out


def print_summary(report, out=None):
    """Print :func:`summary_lines`."""
    import sys
    out = out or sys.stdout
    print("summary:", file=out)
    for line in summary_lines(report):
        print(line, file=out)


_CSS = """
body{font-family:sans-serif;margin:1em 2em;color:#222}
table.blk{border-collapse:collapse;width:100%;margin:0 0 1.2em 0;font:12px/1.35 monospace}
table.blk td{vertical-align:top;padding:0 .4em;white-space:pre}
td.n{color:#888;text-align:right;user-select:none;width:3.5em}
td.c{background:#f6f8ff;width:48%} td.p{background:#f7fff6;width:48%}
td.n a{color:#888;text-decoration:none}
tr.hd td{background:#e8e8e8;font:bold 12px sans-serif;padding:.3em .4em;white-space:normal}
.bad{color:#b00;font-weight:bold} .ok{color:#070;font-weight:bold}
pre.sum{background:#f4f4f4;padding:.6em}
"""


def html(report):
    """The whole report as one self-contained HTML page (no external files)."""
    esc = _html.escape
    root = report.root
    verdict = "coverage complete" if report.ok else "coverage INCOMPLETE"
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'>",
             "<title>nanobragg-nb audit against nanoBragg.c</title>", f"<style>{_CSS}</style></head><body>",
             "<h1>nanobragg-nb audit against nanoBragg.c</h1>",
             f"<p class='{'ok' if report.ok else 'bad'}'>{verdict}</p>",
             "<pre class='sum'>" + esc("\n".join(summary_lines(report))) + "</pre>"]
    if report.src is None:
        parts.append("<p>No C source was given: blocks are not shown.</p>")
    anchored = set()
    for g in report.audits:
        if g.absent or report.src is None:
            continue
        parts.append(f"<h2 id='group-{esc(g.name)}'>{esc(g.name)}: {esc(g.title)}</h2>")
        for mk in g.shown:
            parts.append("<table class='blk'>")
            places = [report.where(a, b) for a, b in mk.ranges]
            label = ", ".join("?" if p is None else f"L{p[0]}-{p[1]}" for p in places)
            parts.append(f"<tr class='hd'><td colspan='4'>C {esc(label)} &nbsp;|&nbsp; {esc(mk.where)} "
                         f"[{esc(mk.scope)}]: {esc(mk.description)}</td></tr>")
            for cn, ct, pn, pt in block_rows(report, mk, root):
                cell = ""
                if cn:
                    if cn not in anchored:
                        anchored.add(cn)
                        cell = f"<a id='L{cn}' href='#L{cn}'>{cn}</a>"
                    else:
                        cell = f"<a href='#L{cn}'>{cn}</a>"
                parts.append(f"<tr><td class='n'>{cell}</td><td class='c'>{esc(ct)}</td>"
                             f"<td class='n'>{pn or ''}</td><td class='p'>{esc(pt)}</td></tr>")
            parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)
