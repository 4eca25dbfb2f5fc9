"""The ``PT`` pack: structural integrity of a project (a built-in plugin).

=====  ========  ===============================================================
id     severity  fires when
=====  ========  ===============================================================
PT000  error     the project file does not load (a problem no other PT check
                 explains: bad YAML, a wrong type, an unknown field...)
PT001  error     links form a cycle
PT002  error     a link names an activity that does not exist
PT003  warning   open ends: more than one unfinished activity without a
                 predecessor, or without a successor
PT004  warning   two links of the same type join the same two activities
PT005  error     a milestone has a duration
PT006  error     an activity or the project uses an unknown calendar
PT007  error     an actual date is later than the data date (``as_of``);
                 ``warning`` for a history event dated after it
PT008  error     two activities share an id
=====  ========  ===============================================================

The model refuses cycles, dangling links, unknown calendars, duplicate ids
and milestones with a duration when a project is built, so on a loaded
:class:`~projtrack.Project` those checks find nothing. They matter for files
that fail validation: :func:`projtrack.check` then reads the raw document
(:func:`read_raw_document`) into a lenient view and runs the same rules on
it (:func:`raw_findings`), so a broken file gets every structural problem
reported at once instead of the first exception.

PT100 (a plugin failed to register its checks) and PT101 (the schedule for
schedule-based checks could not be computed) are emitted by
:func:`projtrack.check` itself.

Examples
--------
>>> import projtrack as pt
>>> report = pt.check({"id": "p", "start": "2024-01-02", "activities": [
...     {"id": "a", "links": [{"pred": "b"}]},
...     {"id": "b", "links": [{"pred": "a"}, {"pred": "ghost"}]}]})
>>> report.valid, [f.check for f in report]
(False, ['PT001', 'PT002'])
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import pendulum

from projtrack._calendar_names import builtin_calendar_names
from projtrack.checks import CheckContext, Finding, link_id, rule
from projtrack.exceptions import (
    DanglingLinkError,
    DependencyCycleError,
    DuplicateIdError,
    ProjtrackError,
    UnknownReferenceError,
)
from projtrack.hookspecs import hookimpl

if TYPE_CHECKING:
    import pluggy

__all__ = [
    "RULES",
    "raw_findings",
    "read_raw_document",
]


def _day(value: Any, tz: str) -> _dt.date | None:
    """The calendar day of a date or instant (instants in the project time zone)."""
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return pendulum.instance(value).in_timezone(tz).date()
    if isinstance(value, _dt.date):
        return value
    return None


def _known_calendars(ctx: CheckContext) -> set[str]:
    from projtrack._plugins import collect_calendars

    names = set(builtin_calendar_names())
    names |= {c.name for c in ctx.project.calendars}
    with contextlib.suppress(ProjtrackError):  # a broken calendar plugin is reported elsewhere
        names |= set(collect_calendars(ctx.plugins))
    return names


# =========================================================================== rules


@rule(id="PT000", title="The project file is valid", severity="error")
def file_valid(ctx: CheckContext) -> Iterator[Finding]:
    """Reported only for documents that fail to load; a loaded project is valid."""
    return iter(())


@rule(id="PT001", title="Links do not form a cycle", severity="error")
def no_cycles(ctx: CheckContext) -> Iterator[Finding]:
    """Each strongly connected group of activities is one cycle finding."""
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_nodes_from(a.id for a in ctx.project.activities)
    graph.add_edges_from(
        (k.pred, k.succ) for k in ctx.project.links if k.pred in graph and k.succ in graph
    )
    order: dict[Any, int] = {}
    for i, act in enumerate(ctx.project.activities):
        order.setdefault(act.id, i)
    groups = [
        sorted(c, key=lambda x: order.get(x, 0))
        for c in nx.strongly_connected_components(graph)
        if len(c) > 1 or graph.has_edge(next(iter(c)), next(iter(c)))
    ]
    for group in sorted(groups, key=lambda g: order.get(g[0], 0)):
        members = set(group)
        sub = graph.subgraph(members)
        cycle = [u for u, _ in nx.find_cycle(sub, source=group[0])]
        path = " -> ".join(str(x) for x in [*cycle, cycle[0]])
        yield Finding(
            f"links form a cycle {path}",
            activities=group,
            links=[link_id(u, v) for u, v in zip(cycle, [*cycle[1:], cycle[0]], strict=True)],
            hint="remove or reverse one of these links",
            evidence={"length": len(cycle)},
        )


@rule(id="PT002", title="Links join existing activities", severity="error")
def no_dangling_links(ctx: CheckContext) -> Iterator[Finding]:
    """A link whose predecessor or successor is not an activity of the project."""
    ids = {a.id for a in ctx.project.activities}
    for link in ctx.project.links:
        missing = [end for end in (link.pred, link.succ) if end not in ids]
        for end in missing:
            yield Finding(
                f"link {link.pred!r} -> {link.succ!r} names unknown activity {end!r}",
                activities=[x for x in (link.pred, link.succ) if x in ids],
                links=[link],
                hint="add the activity or remove the link",
            )


def _finished(act: Any) -> bool:
    return getattr(act, "actual_finish", None) is not None


@rule(id="PT003", title="The network has one start and one finish", severity="warning")
def open_ends(ctx: CheckContext) -> Iterator[Finding]:
    """Unfinished activities without predecessors (or successors), when there are several.

    A network should start from one activity (a start milestone) and end in
    one (the finish milestone); every other unfinished activity needs a
    predecessor and a successor, or its dates are not driven by logic.
    Finished activities are left out: their dates are history.
    """
    acts = ctx.project.activities
    if len(acts) < 2:
        return
    has_pred = {k.succ for k in ctx.project.links}
    has_succ = {k.pred for k in ctx.project.links}
    for missing, what, hint in (
        (
            [a for a in acts if a.id not in has_pred],
            "predecessor",
            "link them after the project's start milestone",
        ),
        (
            [a for a in acts if a.id not in has_succ],
            "successor",
            "link them before the project's finish milestone",
        ),
    ):
        if len(missing) < 2:
            continue
        open_ = [a for a in missing if not _finished(a)]
        # Exactly one open activity (plus finished history) is the legitimate end.
        if len(open_) < 2:
            continue
        ids = [a.id for a in open_]
        shown = ", ".join(repr(i) for i in ids[:8]) + (" ..." if len(ids) > 8 else "")
        yield Finding(
            f"{len(ids)} unfinished activities have no {what}: {shown}",
            activities=ids,
            hint=hint,
            evidence={"count": len(ids)},
        )


@rule(id="PT004", title="No duplicate links", severity="warning")
def duplicate_links(ctx: CheckContext) -> Iterator[Finding]:
    """Two or more links of the same type between the same predecessor and successor.

    Only one of them can drive the successor (the one with the largest lag),
    so the others are dead weight that hides the real logic. An SS and an
    FF link between the same pair (a "ladder") are not duplicates and are not
    reported.
    """
    groups: dict[tuple[Any, Any, str], list[Any]] = {}
    for link in ctx.project.links:
        groups.setdefault((link.pred, link.succ, link.type), []).append(link)
    for (pred, succ, kind), links in groups.items():
        if len(links) < 2:
            continue
        lags = sorted({float(k.lag) for k in links})
        detail = "" if lags == [0.0] else f" (lags {', '.join(f'{x:g}' for x in lags)})"
        yield Finding(
            f"{len(links)} {kind} links from {pred!r} to {succ!r}{detail}",
            activities=[pred, succ],
            links=[link_id(pred, succ, kind)],
            hint="keep one link" + ("" if len(lags) == 1 else " with the lag you mean"),
            evidence={"count": len(links)},
        )


@rule(id="PT005", title="Milestones take no time", severity="error")
def milestone_duration(ctx: CheckContext) -> Iterator[Finding]:
    """A milestone with a non-zero duration."""
    for act in ctx.project.activities:
        if act.kind == "milestone" and isinstance(act.duration, int | float) and act.duration:
            yield Finding(
                f"milestone {act.id!r} has duration {act.duration:g}",
                activities=[act.id],
                hint="set duration: 0, or make it a task",
                evidence={"duration": act.duration},
            )


@rule(id="PT006", title="Calendars are defined", severity="error")
def unknown_calendars(ctx: CheckContext) -> Iterator[Finding]:
    """The project or an activity names a calendar that is not built in, defined or registered."""
    known = _known_calendars(ctx)
    hint = f"define it under calendars: or use one of {', '.join(sorted(known))}"
    if ctx.project.calendar not in known:
        yield Finding(f"the project calendar {ctx.project.calendar!r} is unknown", hint=hint)
    for cal in ctx.project.calendars:
        if cal.base is not None and cal.base not in known:
            yield Finding(f"calendar {cal.name!r} has unknown base {cal.base!r}", hint=hint)
    by_name: dict[str, list[Any]] = {}
    for act in ctx.project.activities:
        if act.calendar is not None and act.calendar not in known:
            by_name.setdefault(act.calendar, []).append(act.id)
    for name, ids in by_name.items():
        yield Finding(
            f"unknown calendar {name!r} on {len(ids)} activit{'y' if len(ids) == 1 else 'ies'}",
            activities=ids,
            hint=hint,
        )


@rule(id="PT007", title="Actual dates are not later than the data date", severity="error")
def dates_vs_data_date(ctx: CheckContext) -> Iterator[Finding]:
    """Actual starts and finishes, and history events, dated after the status date.

    The status date is ``as_of`` (else the project's data date); without one
    the check has nothing to compare with and reports nothing.
    """
    tz = ctx.project.timezone
    status = _day(ctx.as_of, tz)
    if status is None:
        return
    for act in ctx.project.activities:
        for field in ("actual_start", "actual_finish"):
            day = _day(getattr(act, field, None), tz)
            if day is not None and day > status:
                yield Finding(
                    f"{act.id!r} has {field} {day.isoformat()} after the data date "
                    f"{status.isoformat()}",
                    activities=[act.id],
                    hint="an actual date cannot be in the future: correct it, or move the "
                    "data date",
                    evidence={field: day.isoformat(), "data_date": status.isoformat(),
                              "days_after": (day - status).days},
                )
    late = [
        ev for ev in getattr(ctx.project, "events", ())
        if (d := _day(ev.at, tz)) is not None and d > status
    ]
    if late:
        first = min(_day(ev.at, tz) for ev in late)  # type: ignore[type-var]
        yield Finding(
            f"{len(late)} history event{'s are' if len(late) != 1 else ' is'} dated after the "
            f"data date {status.isoformat()} (first {first})",
            severity="warning",
            activities=sorted({ev.activity for ev in late if ev.activity is not None}, key=str),
            hint="record events up to the data date only, or move the data date",
            evidence={"count": len(late), "data_date": status.isoformat()},
        )


@rule(id="PT008", title="Activity ids are unique", severity="error")
def duplicate_ids(ctx: CheckContext) -> Iterator[Finding]:
    """Two activities with the same id (possible only in a raw document)."""
    counts = Counter(a.id for a in ctx.project.activities)
    for ident, n in counts.items():
        if n > 1:
            yield Finding(
                f"activity id {ident!r} is used {n} times",
                activities=[ident],
                hint="give each activity its own id",
                evidence={"count": n},
            )


RULES = (
    file_valid,
    no_cycles,
    no_dangling_links,
    open_ends,
    duplicate_links,
    milestone_duration,
    unknown_calendars,
    dates_vs_data_date,
    duplicate_ids,
)


@hookimpl
def register_checks() -> list[Any]:
    """Register the PT pack."""
    return list(RULES)


# =========================================================================== raw documents


def read_raw_document(path: str | os.PathLike[str]) -> Any:
    """Read a YAML or JSON project file as plain data without validating it; ``None`` if unreadable.

    Examples
    --------
    >>> read_raw_document("examples/renhe-road.yaml")["id"]
    'renhe-road'
    >>> read_raw_document("no/such/file.yaml") is None
    True
    """
    from projtrack._io import _json_document, _yaml_document

    name = os.fspath(path)
    try:
        text = Path(name).read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    parse = _json_document if name.lower().endswith(".json") else _yaml_document
    try:
        data, _ = parse(text, name)
    except ProjtrackError:
        return None
    return data


@attrs.define
class _RawActivity:
    id: Any
    name: str = ""
    name_zh: str = ""
    kind: str = "task"
    duration: Any = 0
    calendar: Any = None
    actual_start: Any = None
    actual_finish: Any = None
    attrs: dict[str, Any] = attrs.Factory(dict)


@attrs.define
class _RawLink:
    pred: Any
    succ: Any
    type: str = "FS"
    lag: Any = 0


@attrs.define
class _RawCalendar:
    name: Any
    base: Any = None


@attrs.define
class _RawEvent:
    at: Any
    activity: Any = None


@attrs.define
class _RawProject:
    """A lenient, unvalidated view of a project document for the PT rules."""

    id: str
    timezone: str
    calendar: Any
    data_date: Any
    activities: list[_RawActivity]
    links: list[_RawLink]
    calendars: list[_RawCalendar]
    events: list[_RawEvent]


def _parse_when(value: Any, tz: str) -> Any:
    from projtrack._time import parse_iso_with_zone

    if isinstance(value, _dt.date):
        return value
    if not isinstance(value, str):
        return None
    try:
        return parse_iso_with_zone(value, tz)
    except (ValueError, ProjtrackError):
        return None


def _parse_number(value: Any) -> Any:
    if isinstance(value, bool):
        return 0
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        match = re.match(r"\s*(-?\d+(?:\.\d+)?)", value)
        if match:
            number = float(match.group(1))
            return int(number) if number.is_integer() else number
    return 0


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _ident(value: Any) -> bool:
    return isinstance(value, str | int) and not isinstance(value, bool)


def _raw_project(data: Mapping[str, Any]) -> _RawProject:
    from projtrack._time import DEFAULT_TIMEZONE, check_timezone

    raw_tz = data.get("timezone")
    tz: str = raw_tz if isinstance(raw_tz, str) else DEFAULT_TIMEZONE
    try:
        check_timezone(tz)
    except ValueError:
        tz = DEFAULT_TIMEZONE
    activities: list[_RawActivity] = []
    links: list[_RawLink] = []
    items = data.get("activities")
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping) or not _ident(item.get("id")):
            continue
        meta = item.get("attrs")
        activities.append(
            _RawActivity(
                id=item["id"],
                name=_text(item.get("name")),
                name_zh=_text(item.get("name_zh")),
                kind=str(item["kind"]) if isinstance(item.get("kind"), str) else "task",
                duration=_parse_number(item.get("duration", 0)),
                calendar=item.get("calendar") if isinstance(item.get("calendar"), str) else None,
                actual_start=_parse_when(item.get("actual_start"), tz),
                actual_finish=_parse_when(item.get("actual_finish"), tz),
                attrs=dict(meta) if isinstance(meta, Mapping) else {},
            )
        )
        raw_links = item.get("links")
        for raw in raw_links if isinstance(raw_links, list) else []:
            if _ident(raw):
                raw = {"pred": raw}
            if not isinstance(raw, Mapping) or not _ident(raw.get("pred")):
                continue
            kind = str(raw["type"]) if raw.get("type") in ("FS", "SS", "FF", "SF") else "FS"
            links.append(
                _RawLink(pred=raw["pred"], succ=item["id"], type=kind,
                         lag=_parse_number(raw.get("lag", 0)))
            )
    calendars = []
    raw_cals = data.get("calendars")
    for cal in raw_cals if isinstance(raw_cals, list) else []:
        if isinstance(cal, Mapping) and isinstance(cal.get("name"), str):
            base = cal.get("base") if isinstance(cal.get("base"), str) else None
            calendars.append(_RawCalendar(name=cal["name"], base=base))
    events = []
    raw_events = data.get("events")
    for ev in raw_events if isinstance(raw_events, list) else []:
        if isinstance(ev, Mapping):
            at = _parse_when(ev.get("at"), tz)
            if at is not None:
                events.append(_RawEvent(at=at, activity=ev.get("activity")))
    return _RawProject(
        id=str(data.get("id", "<unknown>")),
        timezone=tz,
        calendar=data.get("calendar") if isinstance(data.get("calendar"), str) else "standard",
        data_date=_parse_when(data.get("data_date"), tz),
        activities=activities,
        links=links,
        calendars=calendars,
        events=events,
    )


def _explaining_check(error: ProjtrackError) -> str | None:
    """The PT check whose findings explain a load error, if any."""
    text = str(error)
    if isinstance(error, DependencyCycleError):
        return "PT001"
    if isinstance(error, DanglingLinkError):
        return "PT002"
    if isinstance(error, DuplicateIdError):
        return "PT008" if "activity" in text else None
    if isinstance(error, UnknownReferenceError):
        return "PT006" if "calendar" in text else None
    if "milestone" in text and (error.field or "").endswith("duration"):
        return "PT005"
    return None


def raw_findings(
    data: Any, error: ProjtrackError, *, plugins: pluggy.PluginManager | None = None
) -> list[Finding]:
    """PT findings for a document that failed to load with ``error``.

    The PT rules run on a lenient view of ``data`` (the raw document). The
    load error itself is reported as well, as ``PT000``, unless one of those
    findings already explains it (a cycle, a dangling link...).

    Examples
    --------
    >>> from projtrack.exceptions import FileFormatError
    >>> error = FileFormatError("bad", file="p.yaml", line=3)
    >>> [(f.check, f.message) for f in raw_findings(None, error)]
    [('PT000', 'the project does not load: p.yaml:3: bad')]
    """
    findings: list[Finding] = []
    if isinstance(data, Mapping):
        view = _raw_project(data)
        ctx = CheckContext(view, as_of=view.data_date, plugins=plugins)  # type: ignore[arg-type]
        for r in RULES:
            for f in r(ctx) or ():
                findings.append(
                    attrs.evolve(f, check=f.check or r.id, severity=f.severity or r.severity)
                )
    explained = _explaining_check(error)
    if explained is None or not any(f.check == explained for f in findings):
        findings.insert(
            0,
            Finding(
                f"the project does not load: {error}",
                check="PT000",
                severity="error",
                activities=[i for i in error.ids if isinstance(i, str | int)],
                hint="fix this first; only the PT checks ran",
            ),
        )
    return findings
