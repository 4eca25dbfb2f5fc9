"""A self-contained HTML report of a project, to open in any browser or send by mail.

:func:`build_report` schedules a project, runs the checks and the delay
analysis, and returns a :class:`Report`; :meth:`Report.save` writes one HTML
file. The file holds everything inline (the CSS, and the charts as SVG drawn
by matplotlib with text turned into outlines, so Chinese names show without
fonts on the reader's machine). It loads nothing from the network and runs
no JavaScript; a Content-Security-Policy in the page enforces both.

Sections: summary, Gantt chart, critical path, approvals by agency, check
findings and delays. The key numbers carry ``data-key`` attributes
(``finish``, ``activities``, ``findings``, ``slippage``, ...) so scripts and
tests can read them from the page.

The command line does the same: ``projtrack report FILE -o report.html``.

Examples
--------
>>> import projtrack as pt
>>> from projtrack.report import build_report
>>> report = build_report(pt.load("examples/renhe-road.yaml"), charts=False)
>>> report.numbers()["activities"], report.numbers()["finish"]
(51, '2025-06-23')
>>> html = report.to_html()
>>> html.startswith("<!DOCTYPE html>"), 'data-key="activities">51<' in html
(True, True)
>>> "<script" in html, "http://" in html or "https://" in html
(False, False)
"""

from __future__ import annotations

import contextlib
import functools
import html as _html
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from projtrack._display import STYLE, format_value, html_summary, html_table
from projtrack._io import write_atomic
from projtrack.exceptions import ProjtrackError

if TYPE_CHECKING:
    from projtrack._model import Project
    from projtrack._schedule import Schedule
    from projtrack.checks import CheckReport

__all__ = ["Report", "build_report"]

_PAGE_STYLE = """
body { margin: 0; background: #f5f7fa; }
.projtrack.pt-page { max-width: 1180px; margin: 0 auto; padding: 24px 28px 40px 28px;
  background: #ffffff; font-size: 14px; }
.projtrack h1 { font-size: 24px; margin: 0 0 2px 0; }
.projtrack h1 .pt-zh { font-weight: 500; color: #52606d; margin-left: 8px; }
.projtrack h2 { font-size: 18px; margin: 28px 0 8px 0; padding-bottom: 4px;
  border-bottom: 2px solid #e4e7eb; }
.projtrack h3 { font-size: 15px; margin: 18px 0 4px 0; }
.projtrack .pt-sub { color: #52606d; margin: 0 0 14px 0; }
.projtrack nav { margin: 6px 0 12px 0; }
.projtrack nav a { margin-right: 14px; color: #2f6fb5; text-decoration: none; }
.projtrack .pt-tiles { display: flex; flex-wrap: wrap; gap: 10px; margin: 10px 0 14px 0; }
.projtrack .pt-tile { border: 1px solid #d9e2ec; border-radius: 6px; padding: 8px 14px;
  min-width: 150px; background: #fbfcfd; }
.projtrack .pt-tile .pt-label { color: #52606d; font-size: 12px; }
.projtrack .pt-tile .pt-value { font-size: 20px; font-weight: 700; }
.projtrack .pt-tile .pt-note { color: #7b8794; font-size: 12px; }
.projtrack .pt-tile.pt-bad .pt-value { color: #b3261e; }
.projtrack figure { margin: 8px 0 16px 0; }
.projtrack figure svg { width: 100%; height: auto; display: block; }
.projtrack figcaption { color: #52606d; font-size: 12px; margin-top: 4px; }
.projtrack .pt-notice { border-left: 4px solid #f0b429; background: #fffbea; padding: 6px 10px;
  margin: 6px 0 12px 0; }
.projtrack footer { margin-top: 32px; color: #7b8794; font-size: 12px;
  border-top: 1px solid #e4e7eb; padding-top: 8px; }
@media print { body { background: #fff; } .projtrack.pt-page { padding: 0; }
  nav { display: none; } }
"""

# No network, no scripts: the page may use only its own inline styles and data: images.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


# --------------------------------------------------------------------------- sections


class _Section:
    def __init__(self, anchor: str, title: str, body: str) -> None:
        self.anchor, self.title, self.body = anchor, title, body


def _svg(fig: Any, prefix: str, label: str) -> str:
    """Inline SVG of a matplotlib figure, ids prefixed so several can share one page."""
    import io

    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": f"projtrack-{prefix}", "svg.fonttype": "path"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r'\sid="([^"]+)"', lambda m: f' id="{prefix}-{m.group(1)}"', text)
    text = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}-{m.group(1)}"', text)
    text = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}-{m.group(1)})", text)
    # Let CSS size it: drop the fixed width/height (the viewBox keeps the aspect).
    head_end = text.index(">")
    head = re.sub(r'\s(width|height)="[^"]*"', "", text[:head_end])
    # Never wider than drawn (96 px per inch), so small charts are not blown up.
    width_px = round(fig.get_figwidth() * 96)
    head += f' style="max-width: {width_px}px" role="img" aria-label="{_html.escape(label)}"'
    return head + text[head_end:]


def _figure(make: Callable[[], Any], prefix: str, label: str, caption: str) -> str:
    fig = make()
    return (
        f'<figure id="fig-{prefix}">{_svg(fig, prefix, label)}'
        f"<figcaption>{_html.escape(caption)}</figcaption></figure>"
    )


def _notice(text: str) -> str:
    return f'<p class="pt-notice">{_html.escape(text)}</p>'


def _date(value: Any) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d")


# --------------------------------------------------------------------------- the report


class Report:
    """An HTML report of one project (see :func:`build_report`).

    Attributes
    ----------
    project, schedule
        The project and its schedule.
    checks
        The :class:`~projtrack.CheckReport`, or ``None`` when checks were
        not run.
    delays
        The delay analysis result, or ``None`` when it was not run or is not
        available.
    source
        The file the project came from, if any.
    notes
        Why a section is missing or shortened (shown in the page and by
        :meth:`summary`).

    Examples
    --------
    >>> import projtrack as pt
    >>> from projtrack.report import build_report
    >>> r = build_report(pt.load("examples/renhe-road.yaml"), charts=False)
    >>> print(r.summary().splitlines()[0])
    Renhe Road old-city renovation (人和路旧城改造项目)
    """

    def __init__(
        self,
        project: Project,
        schedule: Schedule,
        *,
        checks: CheckReport | None = None,
        delays: Any = None,
        source: str | None = None,
        charts: bool = True,
        cjk: bool | str | None = None,
        title: str | None = None,
        notes: Sequence[str] = (),
    ) -> None:
        self.project = project
        self.schedule = schedule
        self.checks = checks
        self.delays = delays
        self.source = source
        self.charts = charts
        self.cjk = cjk
        self.title = title
        self.notes = list(notes)

    # ------------------------------------------------------------------ numbers
    def numbers(self) -> dict[str, Any]:
        """The key numbers shown at the top of the page (also ``data-key`` in the HTML).

        Keys: ``finish`` (forecast finish date, ``YYYY-MM-DD``),
        ``activities``, ``links``, ``data_date``, ``critical`` (activities
        on the remaining critical path, :meth:`~projtrack.Schedule.critical_path`),
        ``findings`` (``None`` when
        checks were not run) and ``slippage`` (working days, ``None``
        without a delay analysis).
        """
        sched = self.schedule
        return {
            "finish": _date(sched.finish),
            "activities": len(self.project.activities),
            "links": len(self.project.links),
            "data_date": _date(sched.data_date),
            "critical": len(sched.critical_path()),
            "findings": None if self.checks is None else len(self.checks),
            "slippage": _slippage(self.delays),
        }

    def summary(self) -> str:
        """A few lines for the terminal: what the report says in brief.

        Examples
        --------
        >>> import projtrack as pt
        >>> from projtrack.report import build_report
        >>> r = build_report(pt.load("examples/renhe-road.yaml"), charts=False)
        >>> print(r.summary())  # doctest: +ELLIPSIS
        Renhe Road old-city renovation (人和路旧城改造项目)
          51 activities, ... links; data date 2022-12-15; forecast finish 2025-06-23
          critical path: 12 activities still to do
          checks: ... findings (...)
          delays: ... working days on cn: finish ... planned, 2025-06-23 now
        """
        p = self.project
        n = self.numbers()
        title = p.name or p.id
        if p.name_zh:
            title += f" ({p.name_zh})"
        lines = [title]
        dd = f"; data date {n['data_date']}" if n["data_date"] else ""
        lines.append(
            f"  {n['activities']} activities, {n['links']} links{dd}; "
            f"forecast finish {n['finish']}"
        )
        lines.append(f"  critical path: {n['critical']} activities still to do")
        if self.checks is not None:
            counts = self.checks.counts()
            parts = ", ".join(
                f"{c} {k}{'s' if c != 1 and k != 'info' else ''}" for k, c in counts.items() if c
            )
            total = len(self.checks)
            lines.append(
                f"  checks: {total} finding{'s' if total != 1 else ''}"
                + (f" ({parts})" if parts else "")
            )
        delay_line = _delay_line(self.delays)
        if delay_line:
            lines.append(f"  delays: {delay_line}")
        for note in self.notes:
            lines.append(f"  note: {note}")
        return "\n".join(lines)

    # ------------------------------------------------------------------ html
    def _family(self) -> bool | str:
        """The cjk argument for the plots: auto-detect when not given."""
        if self.cjk is not None:
            return self.cjk
        from projtrack.plot import _find_cjk_family

        return _find_cjk_family() is not None

    def _charts_available(self) -> bool:
        if not self.charts:
            return False
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            note = 'charts left out: matplotlib is not installed (pip install "projtrack[plot]")'
            if note not in self.notes:
                self.notes.append(note)
            return False
        return True

    def sections(self) -> list[_Section]:
        """The page's sections, in order (used by :meth:`to_html`)."""
        charts = self._charts_available()
        cjk = self._family() if charts else False
        out = [
            _Section("summary", "Summary", self._summary_html()),
            _Section("gantt", "Schedule", self._gantt_html(charts, cjk)),
            _Section("critical-path", "Critical path", self._critical_html()),
            _Section("approvals", "Approvals", self._approvals_html(charts, cjk)),
            _Section("findings", "Findings", self._findings_html()),
            _Section("delays", "Delays", self._delays_html(charts, cjk)),
        ]
        return out

    def to_html(self) -> str:
        """The whole page as one HTML document (UTF-8, no external resources)."""
        p = self.project
        esc = _html.escape
        sections = self.sections()
        title = self.title or p.name or p.id
        zh = f'<span class="pt-zh">{esc(p.name_zh)}</span>' if p.name_zh and not self.title else ""
        sub = [f"project <code>{esc(p.id)}</code>"]
        if self.source:
            sub.append(f"from <code>{esc(self.source)}</code>")
        nav = "".join(f'<a href="#{s.anchor}">{esc(s.title)}</a>' for s in sections)
        body = "".join(
            f'<section id="{s.anchor}"><h2>{esc(s.title)}</h2>{s.body}</section>'
            for s in sections
        )
        notes = "".join(_notice(n) for n in self.notes)
        from importlib.metadata import PackageNotFoundError, version

        try:
            made_by = f"projtrack {version('projtrack')}"
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            made_by = "projtrack"
        data_date = self.numbers()["data_date"]
        footer = (
            f"Made by {esc(made_by)}"
            + (f" from {esc(self.source)}" if self.source else "")
            + (f"; progress as of the data date {esc(data_date)}" if data_date else "")
            + ". Dates are in the project's time zone "
            + f"({esc(p.timezone)}); float and delays are in working days."
        )
        lang = "en"
        return (
            "<!DOCTYPE html>\n"
            f'<html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)} - projtrack report</title>"
            f"<style>{STYLE}{_PAGE_STYLE}</style></head>"
            '<body><main class="projtrack pt-page">'
            f"<h1>{esc(title)}{zh}</h1>"
            f'<p class="pt-sub">{" ".join(sub)}</p>'
            f"<nav>{nav}</nav>{notes}{body}"
            f"<footer>{footer}</footer></main></body></html>\n"
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path`` (UTF-8) and return the path.

        Examples
        --------
        >>> import projtrack as pt, tempfile, pathlib
        >>> from projtrack.report import build_report
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "renhe.html"
        >>> report = build_report(pt.load("examples/renhe-road.yaml"), charts=False)
        >>> report.save(out).stat().st_size > 10_000
        True
        """
        target = Path(path)
        write_atomic(target, self.to_html().encode("utf-8"))
        return target

    def _repr_html_(self) -> str:
        """Notebook display: the summary section only (save the report to see it all)."""
        from projtrack._display import html_block

        return html_block(self._summary_html())

    def __repr__(self) -> str:
        n = self.numbers()
        return (
            f"<Report of {self.project.id!r}: {n['activities']} activities, "
            f"finish {n['finish']}, findings {n['findings']}, slippage {n['slippage']}>"
        )

    # ------------------------------------------------------------------ sections
    def _summary_html(self) -> str:
        p = self.project
        n = self.numbers()
        esc = _html.escape

        def tile(key: str, label: str, value: Any, note: str = "", bad: bool = False) -> str:
            cls = "pt-tile pt-bad" if bad else "pt-tile"
            shown = "n/a" if value is None else format_value(value)
            return (
                f'<div class="{cls}"><div class="pt-label">{esc(label)}</div>'
                f'<div class="pt-value" data-key="{key}">{esc(shown)}</div>'
                + (f'<div class="pt-note">{esc(note)}</div>' if note else "")
                + "</div>"
            )

        finding_note = ""
        bad_findings = False
        if self.checks is not None:
            counts = self.checks.counts()
            finding_note = ", ".join(
                f"{c} {k}{'s' if c != 1 and k != 'info' else ''}" for k, c in counts.items() if c
            )
            bad_findings = counts.get("error", 0) > 0
        target = _target_date(p)
        finish_note = f"target {target}" if target else ""
        late_vs_target = bool(target) and n["finish"] > target
        slip = n["slippage"]
        tiles = [
            tile("finish", "Forecast finish", n["finish"], finish_note, bad=late_vs_target),
            tile("activities", "Activities", n["activities"], _kinds(p)),
            tile("critical", "Critical, still to do", n["critical"],
                 f"of {_still_to_do(self.schedule)} activities still to do"),
            tile("findings", "Findings", n["findings"], finding_note, bad=bad_findings),
            tile("slippage", "Total slippage (working days)", slip,
                 _slip_note(self.delays), bad=bool(slip and slip > 0)),
        ]
        items: list[tuple[str, Any]] = [("Project", p.id), ("Planned start", p.start)]
        if n["data_date"]:
            items.append(("Data date", n["data_date"]))
        items += [
            ("Calendar", f"{p.calendar} ({p.timezone})"),
            ("Links", n["links"]),
            ("Parties", len(p.parties)),
        ]
        if p.events:
            items.append(("Events recorded", len(p.events)))
        for key in ("district", "industry", "location"):
            value = p.attrs.get(key)
            if isinstance(value, str | int | float):
                items.append((_label(key), value))
        description = f"<p>{esc(p.description)}</p>" if p.description else ""
        return (
            f'<div class="pt-tiles">{"".join(tiles)}</div>'
            + description
            + html_summary(items, keys={"Data date": "data_date", "Links": "links"})
        )

    def _gantt_html(self, charts: bool, cjk: bool | str) -> str:
        if not charts:
            return _notice("Chart not drawn (see the note at the top).") + self._schedule_table()
        from projtrack.plot import gantt

        caption = (
            "Grey: done (actual dates). Blue: planned remaining work; red: critical "
            "(no float). Diamonds: milestones. Names in red are on the critical path. "
            "Dashed line: data date."
        )
        baseline: Any = "auto"
        if self.delays is not None:
            baseline = self.delays.baseline
            caption += f" Pale bars: the baseline \u201c{baseline.name}\u201d."
        elif getattr(self.project, "baselines", ()):
            caption += f" Pale bars: the baseline \u201c{self.project.baselines[-1].name}\u201d."
        def label(act: Any) -> str:
            from projtrack.plot import _shorten

            text = _shorten(act.name or str(act.id), 36)
            if cjk and act.name_zh:
                text += "  " + _shorten(act.name_zh, 12)
            return text

        return _figure(
            lambda: gantt(self.schedule, baseline=baseline, cjk=cjk, labels=label, max_label=0,
                          title=False),
            "gantt", "Gantt chart", caption,
        )

    def _schedule_table(self) -> str:
        cols = {
            "id": "id", "name": "name", "status": "status", "early_start": "start",
            "early_finish": "finish", "total_float": "total float", "critical": "critical",
        }
        return html_table(
            self.schedule.to_records(), cols, max_rows=None,
            row_class=lambda r: "pt-critical" if r["critical"] else
            ("pt-done" if r["status"] == "finished" else None),
        )

    def _critical_html(self) -> str:
        sched = self.schedule
        path = sched.critical_path()
        if not path:
            return ("<p>The schedule has no activities.</p>" if not sched.ids
                    else "<p>No work is left: every activity is finished.</p>")
        rows = []
        for aid in path:
            rec = sched[aid]
            act = self.project.activity(aid)
            start = rec["actual_start"] or rec["early_start"]
            finish = rec["actual_finish"] if rec["status"] == "finished" else rec["early_finish"]
            rows.append(
                {
                    "id": aid,
                    "name": act.name,
                    "name_zh": act.name_zh,
                    "kind": act.kind,
                    "status": rec["status"].replace("_", " "),
                    "start": _date(start),
                    "finish": _date(finish),
                    "total_float": rec["total_float"],
                    "party": act.agency or act.party,
                }
            )
        cols = {
            "id": "id", "name": "name", "name_zh": "name (zh)", "kind": "kind",
            "status": "status", "start": "start", "finish": "finish",
            "total_float": "total float (wd)", "party": "party / agency",
        }
        if not any(r["name_zh"] for r in rows):
            cols.pop("name_zh")
        intro = (
            f"<p>The driving chain of the work still to do, from the data date to the project "
            f"finish ({len(path)} activities, first to last). Finished activities have no "
            "float and are not on it. Dates are early dates (actual starts for work in "
            "progress).</p>"
        )
        return intro + html_table(
            rows, cols, max_rows=None,
            row_class=lambda r: "pt-done" if r["status"] == "finished" else "pt-critical",
        )

    def _approvals_html(self, charts: bool, cjk: bool | str) -> str:
        approvals = [a for a in self.project.activities if a.kind == "approval"]
        if not approvals:
            return "<p>The project has no approvals.</p>"
        parts = []
        if charts:
            from projtrack.plot import approval_swimlanes

            parts.append(
                _figure(
                    lambda: approval_swimlanes(self.schedule, cjk=cjk, labels="name",
                                               title=False),
                    "approvals", "Approvals by agency",
                    "Who held each approval file when: blue with the agency, amber back with "
                    "the applicant; black ticks mark the statutory time limit of each round "
                    "(working days on the cn calendar), red is time past it; dashed outlines "
                    "are planned approvals.",
                )
            )
        rows = []
        for act in approvals:
            rec = self.schedule[act.id]
            agency = act.agency
            if agency:
                with contextlib.suppress(ProjtrackError):
                    agency = self.project.party(agency).name or agency
            rows.append(
                {
                    "id": act.id,
                    "name": act.name,
                    "agency": agency,
                    "status": rec["status"].replace("_", " "),
                    "outcome": act.outcome,
                    "time_limit": act.time_limit,
                    "start": _date(rec["actual_start"] or rec["early_start"]),
                    "finish": _date(rec["actual_finish"] or rec["early_finish"]),
                }
            )
        parts.append(
            html_table(
                rows,
                {"id": "id", "name": "name", "agency": "agency", "status": "status",
                 "outcome": "outcome", "time_limit": "limit (wd)", "start": "start",
                 "finish": "finish"},
                max_rows=None,
                row_class=lambda r: "pt-done" if r["status"] == "finished" else None,
            )
        )
        return "".join(parts)

    def _findings_html(self) -> str:
        if self.checks is None:
            return "<p>Checks were not run.</p>"
        rep = self.checks
        if not len(rep):
            return f"<p>{_html.escape(rep.summary())}</p>"
        order = {"error": 0, "warning": 1, "info": 2}
        records = sorted(rep.to_records(), key=lambda r: order.get(r["severity"], 3))
        return f"<p>{_html.escape(rep.summary())}</p>" + html_table(
            records,
            {"severity": "severity", "check": "check", "title": "rule", "message": "finding",
             "activities": "activities", "hint": "how to fix"},
            max_rows=None,
            cell_class=lambda key, value: f"pt-sev-{value}" if key == "severity" else None,
        )

    def _delays_html(self, charts: bool, cjk: bool | str) -> str:
        if self.delays is None:
            return "<p>No delay analysis in this report.</p>"
        return _delays_body(self.project, self.delays, charts, cjk)


# --------------------------------------------------------------------------- helpers


def _label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _kinds(project: Project) -> str:
    from collections import Counter

    kinds = Counter(a.kind for a in project.activities)
    return ", ".join(f"{n} {k}{'s' if n != 1 else ''}" for k, n in sorted(kinds.items()))


def _still_to_do(schedule: Schedule) -> int:
    """How many activities are not finished."""
    return int((schedule.status_codes != 2).sum())


def _target_date(project: Project) -> str:
    from projtrack.plot import _target

    target = _target(project)
    return "" if target is None else format_value(target)[:10]


def _slippage(delays: Any) -> float | None:
    """Total slippage to the finish in working days (``None`` without a delay analysis)."""
    if delays is None:
        return None
    return float(delays.by_party.total_days)


def _delay_line(delays: Any) -> str:
    """One line: the finish planned, as built (or forecast), and the slippage."""
    if delays is None:
        return ""
    att = delays.by_party
    return (
        f"{att.total_days:+,.0f} working days on {att.calendar}: finish "
        f"{_date(att.planned_finish)} planned, {_date(att.as_built_finish)} now"
    )


def _slip_note(delays: Any) -> str:
    if delays is None:
        return "no delay analysis"
    return f"finish planned {_date(delays.by_party.planned_finish)}"


def _cause_label(group: Any) -> str:
    return "(none)" if group is None else str(group).replace("_", " ")


def _party_label(project: Project, group: Any) -> str:
    if group is None:
        return "(none)"
    try:
        party = project.party(str(group))
    except ProjtrackError:
        return str(group)
    return party.name or party.id


def _attribution_table(att: Any, label: Callable[[Any], str]) -> str:
    rows = []
    for rec in att.to_records():
        name = label(rec["group"]) if rec["kind"] == "attributed" else rec["kind"]
        rows.append(
            {"group": name, "days": rec["days"], "solo": rec["solo_days"],
             "segments": rec["segment_days"], "but_for": _date(rec["but_for_finish"])}
        )
    rows.append({"group": "total", "days": att.total_days})
    columns = {"group": att.by, "days": "days", "solo": "alone", "segments": "delay segments",
               "but_for": "finish without it"}
    if all(r.get("solo") is None for r in rows):
        columns.pop("solo")
    return html_table(
        rows,
        columns,
        max_rows=None,
        row_class=lambda r: "pt-critical" if r["group"] == "total" else None,
    )


def _delays_body(project: Project, delays: Any, charts: bool, cjk: bool | str) -> str:
    esc = _html.escape
    att = delays.by_party
    policy = delays.policy
    target = "the project finish" if delays.target is None else f"activity {delays.target!r}"
    parts = [
        "<p>"
        f"Against the baseline <strong>{esc(delays.baseline.name)}</strong>, "
        f"{esc(target)} moved from {esc(_date(att.planned_finish))} (planned) to "
        f"{esc(_date(att.as_built_finish))} (as built and forecast): "
        f'<strong data-key="slippage-text">{att.total_days:+,.0f} working days</strong> '
        f"on the {esc(att.calendar)} calendar. Each party's (or cause's) days are what the "
        "finish gains when its delays are taken out (collapsed as-built, “but-for”); "
        f"days that only go when several go together are concurrency (policy "
        f"{esc(policy.name)}: {esc(policy.description)}); gains are work done faster than "
        "planned; the rows add up to the total."
        "</p>"
    ]
    def by_party_label(group: Any) -> str:
        return _party_label(project, group)

    for by, label in (("cause", _cause_label), ("party", by_party_label)):
        part = getattr(delays, f"by_{by}")
        if charts:
            from projtrack.plot import _attribution_items, delay_waterfall

            names = {str(g): label(g) for g in part.attributed}
            items = dict(_attribution_items(part))
            parts.append(
                _figure(
                    functools.partial(
                        delay_waterfall, items, cjk=cjk, title=False, labels=names,
                        unit="working days", figsize=(9.0, 1.4 + 0.34 * max(len(items), 3)),
                    ),
                    f"delay-{by}", f"Delay by {by}",
                    f"Working days of slippage by {by}; the bottom bar is the total.",
                )
            )
        parts.append(f"<h3>By {by}</h3>" + _attribution_table(part, label))
    stall_rows = delays.stalls.to_records()
    parts.append(f"<h3>Stalls</h3><p>{esc(delays.stalls.summary().splitlines()[0])}</p>")
    if stall_rows:
        parts.append(
            html_table(
                [{**r, "start": _date(r["start"]), "end": _date(r["end"])} for r in stall_rows],
                {"start": "from", "end": "to", "working_days": "working days",
                 "calendar_days": "calendar days", "suspended": "suspended",
                 "causes": "causes", "parties": "parties"},
                max_rows=None,
            )
        )
    cycles = delays.approvals
    parts.append(f"<h3>Approval cycles</h3><p>{esc(cycles.summary().splitlines()[0])}</p>")
    cycle_rows = cycles.to_records()
    if cycle_rows:
        parts.append(
            html_table(
                cycle_rows,
                {"id": "approval", "agency": "agency", "rounds": "rounds",
                 "submitted": "submitted", "decided": "decided", "outcome": "outcome",
                 "agency_days": "with agency (wd)", "applicant_days": "with applicant (wd)",
                 "time_limit": "limit (wd)", "overrun_days": "over limit (wd)"},
                max_rows=None,
                row_class=lambda r: "pt-critical" if (r.get("overrun_days") or 0) > 0 else None,
            )
        )
    return "".join(parts)


def _run_delays(project: Project) -> tuple[Any, str | None]:
    """Run the delay analysis if this projtrack has one: (result, note)."""
    import importlib

    try:
        module = importlib.import_module("projtrack.delays")
    except ModuleNotFoundError as exc:
        if exc.name == "projtrack.delays":  # genuinely absent: leave the section out
            return None, "delays left out: this version of projtrack has no delay analysis"
        raise
    try:
        return module.analyze_delays(project), None
    except ProjtrackError as exc:  # the project cannot be analysed: say why, in the page
        return None, f"delay analysis not possible: {exc}"


def build_report(
    project: Project | str | os.PathLike[str],
    *,
    checks: bool | CheckReport = True,
    delays: bool | Any = True,
    charts: bool = True,
    cjk: bool | str | None = None,
    title: str | None = None,
    options: Mapping[str, Any] | None = None,
) -> Report:
    """Schedule, check and analyse a project, and return its :class:`Report`.

    Parameters
    ----------
    project
        A :class:`~projtrack.Project`, or the path of a project file.
    checks
        Run :func:`projtrack.check` (``True``), leave findings out
        (``False``), or use this :class:`~projtrack.CheckReport`.
    delays
        Run the delay analysis (``True``), leave it out (``False``), or use
        this result.
    charts
        Draw the charts (needs matplotlib); ``False`` gives tables only.
    cjk
        Font for Chinese names in the charts: ``None`` (default) uses an
        installed CJK font when there is one and English names otherwise;
        ``True``/``False``/a family or file as in :mod:`projtrack.plot`.
    title
        Page title (default the project name).
    options
        Options for :func:`projtrack.schedule` (``ScheduleOptions`` fields).

    Returns
    -------
    Report

    Examples
    --------
    >>> import projtrack as pt
    >>> from projtrack.report import build_report
    >>> r = build_report("examples/renhe-road.yaml", charts=False, checks=False, delays=False)
    >>> r.numbers()["findings"] is None, r.source
    (True, 'examples/renhe-road.yaml')
    """
    from projtrack._io import load
    from projtrack._model import Project
    from projtrack.algorithms.cpm import schedule as run_schedule

    source = None
    if not isinstance(project, Project):
        source = os.fspath(project)
        project = load(source)
    sched = run_schedule(project, **dict(options or {}))
    notes: list[str] = []
    check_report = None
    if checks is True:
        from projtrack.checks import check

        check_report = check(project)
    elif checks is not False:
        check_report = checks
    delay_result = None
    if delays is True:
        delay_result, note = _run_delays(project)
        if note:
            notes.append(note)
    elif delays is not False:
        delay_result = delays
    return Report(
        project,
        sched,
        checks=check_report,
        delays=delay_result,
        source=source,
        charts=charts,
        cjk=cjk,
        title=title,
        notes=notes,
    )
