"""Project files: YAML and JSON, one schema, safe loading, atomic saving.

The schema is documented in ``docs/file-format.md`` and published as a JSON
Schema in ``docs/project.schema.json``. Loading never executes anything: YAML
is composed with PyYAML's safe loader and every tag other than the plain data
tags (str, int, float, bool, null, timestamp, map, seq) is refused. Errors
name the file, line, column and field path.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import math
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import yaml

from projtrack._baseline import Baseline, BaselineActivity
from projtrack._model import (
    WEEKDAYS,
    Activity,
    Calendar,
    CalendarException,
    Constraint,
    Estimate,
    Event,
    Link,
    Party,
    Project,
    ScheduleOptions,
    Split,
)
from projtrack._time import DEFAULT_TIMEZONE, format_when, parse_date, parse_iso_with_zone
from projtrack.exceptions import FileFormatError, ProjtrackError

__all__ = ["dumps", "from_dict", "load", "loads", "save", "to_dict"]

FORMAT_VERSION = "projtrack/1"
_MAX_EXPANSION = 10  # aliases may repeat content, but not blow it up ("billion laughs")
_SAFE_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_SUFFIX_FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}

Path_ = tuple[str | int, ...]
Positions = dict[Path_, tuple[int, int]]
_T = TypeVar("_T")


# =========================================================================== parsing


def _yaml_document(text: str, source: str) -> tuple[Any, Positions]:
    """Compose YAML safely and return plain data plus (line, column) per path."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        context = f" {exc.context}" if exc.context else ""
        raise FileFormatError(
            f"invalid YAML: {problem}{context}; check indentation, colons and quotes",
            file=source,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    except yaml.YAMLError as exc:
        raise FileFormatError(f"invalid YAML: {exc}", file=source) from None
    except RecursionError:
        raise FileFormatError("the document is nested too deeply to read", file=source) from None
    if node is None:
        raise FileFormatError("the file is empty; a project needs at least id and start",
                              file=source, line=1, column=1)
    positions: Positions = {}
    constructor = yaml.SafeLoader("")
    _refuse_alias_bombs(node, source)

    def fail(message: str, n: yaml.Node, path: Path_) -> FileFormatError:
        return FileFormatError(
            message,
            file=source,
            line=n.start_mark.line + 1,
            column=n.start_mark.column + 1,
            field=_path_text(path) or None,
        )

    def walk(n: yaml.Node, path: Path_) -> Any:
        positions.setdefault(path, (n.start_mark.line + 1, n.start_mark.column + 1))
        if isinstance(n, yaml.MappingNode):
            if n.tag != "tag:yaml.org,2002:map":
                raise fail(f"tag {n.tag!r} is not allowed; project files hold plain data only",
                           n, path)
            out: dict[str, Any] = {}
            for key_node, value_node in n.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise fail("YAML merge keys (<<) are not supported; write the fields out",
                               key_node, path)
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in (
                    "tag:yaml.org,2002:str",
                    "tag:yaml.org,2002:int",
                ):
                    raise fail("keys must be plain text", key_node, path)
                key = key_node.value
                if key in out:
                    raise fail(f"duplicate key {key!r}; keep one of them", key_node, path)
                out[key] = walk(value_node, (*path, key))
            return out
        if isinstance(n, yaml.SequenceNode):
            if n.tag != "tag:yaml.org,2002:seq":
                raise fail(f"tag {n.tag!r} is not allowed; project files hold plain data only",
                           n, path)
            return [walk(item, (*path, i)) for i, item in enumerate(n.value)]
        assert isinstance(n, yaml.ScalarNode)
        if n.tag not in _SAFE_SCALAR_TAGS:
            raise fail(
                f"tag {n.tag!r} is not allowed; project files hold plain data only "
                "(nothing in them is ever executed)",
                n,
                path,
            )
        if n.tag == "tag:yaml.org,2002:timestamp":
            return n.value  # keep the text; date fields parse it, metadata stays JSON-clean
        try:
            return constructor.construct_object(n)
        except yaml.YAMLError as exc:
            raise fail(f"invalid value: {exc}", n, path) from None

    try:
        return walk(node, ()), positions
    except RecursionError:
        raise FileFormatError("the document is nested too deeply to read", file=source) from None


def _refuse_alias_bombs(root: yaml.Node, source: str) -> None:
    """Refuse documents whose aliases expand far beyond their written size."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:  # iterative post-order: deep documents must not hit the recursion limit
        node, ready = stack.pop()
        if id(node) in sizes:
            continue
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        if ready or not children:
            sizes[id(node)] = 1 + sum(sizes[id(c)] for c in children)
            continue
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)
    if sizes[id(root)] > _MAX_EXPANSION * len(sizes) + 100_000:
        raise FileFormatError(
            f"aliases expand the document to {sizes[id(root)]:,} values from {len(sizes):,} "
            "written ones; it is too large to read (an alias bomb?)",
            file=source,
            line=root.start_mark.line + 1,
            column=root.start_mark.column + 1,
        )


def _json_document(text: str, source: str) -> tuple[Any, Positions]:
    def no_constants(name: str) -> Any:
        raise ValueError(f"{name} is not valid JSON; use a number or null")

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise ValueError(f"duplicate key {key!r}; keep one of them")
            out[key] = value
        return out

    try:
        data = json.loads(text, parse_constant=no_constants, object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as exc:
        raise FileFormatError(
            f"invalid JSON: {exc.msg}", file=source, line=exc.lineno, column=exc.colno
        ) from None
    except (ValueError, RecursionError) as exc:
        try:  # the YAML walker refuses the same thing and knows where it is
            _yaml_document(text, source)
        except FileFormatError as located:
            if located.line is not None:
                raise FileFormatError(
                    f"invalid JSON: {exc}", file=source, line=located.line,
                    column=located.column, field=located.field,
                ) from None
        raise FileFormatError(f"invalid JSON: {exc}", file=source) from None
    positions: Positions = {}
    try:  # JSON is YAML, so the YAML composer gives us positions for error messages.
        _, positions = _yaml_document(text, source)
    except ProjtrackError:
        positions = {}
    return data, positions


def _path_text(path: Path_) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _parse_path(text: str) -> Path_:
    parts: list[str | int] = []
    for chunk in text.replace("]", "").split("."):
        pieces = chunk.split("[")
        if pieces[0]:
            parts.append(pieces[0])
        parts.extend(int(p) for p in pieces[1:] if p.isdigit())
    return tuple(parts)


class _Reader:
    """Turns plain data into model objects, tracking paths for error messages."""

    def __init__(self, positions: Positions, source: str | None) -> None:
        self.positions = positions
        self.source = source
        self.tz = DEFAULT_TIMEZONE
        self.link_paths: list[Path_] = []

    # ------------------------------------------------------------ error helpers
    def position(self, path: Path_) -> tuple[int | None, int | None]:
        probe = path
        while probe not in self.positions and probe:
            probe = probe[:-1]
        return self.positions.get(probe, (None, None))

    def error(self, message: str, path: Path_) -> ProjtrackError:
        line, col = self.position(path)
        return FileFormatError(message, file=self.source, line=line, column=col,
                               field=_path_text(path) or None)

    def relocate(self, exc: ProjtrackError, base: Path_) -> ProjtrackError:
        """Put a model error raised while building the object at ``base`` in place."""
        path = base + (_parse_path(exc.field) if exc.field else ())
        path = self._map_link_path(path)
        line, col = self.position(path)
        return exc.located(file=self.source, line=line, column=col,
                           field=_path_text(path) or None, replace=True)

    def _map_link_path(self, path: Path_) -> Path_:
        # Project-level link errors say links[i]; in the file, links live under activities.
        if (len(path) >= 2 and path[0] == "links" and isinstance(path[1], int)
                and path[1] < len(self.link_paths)):
            return self.link_paths[path[1]] + path[2:]
        return path

    # ------------------------------------------------------------ typed getters
    def mapping(self, value: Any, path: Path_, what: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.error(f"expected {what} (a mapping of fields), got {_kind(value)}", path)
        return value

    def sequence(self, value: Any, path: Path_, what: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(f"expected a list of {what}, got {_kind(value)}", path)
        return value

    def fields(self, data: Mapping[str, Any], path: Path_, allowed: frozenset[str],
               required: tuple[str, ...] = ()) -> None:
        for key in data:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
                hint = f"did you mean {close[0]!r}?" if close else (
                    "allowed: " + ", ".join(sorted(allowed)))
                raise self.error(f"unknown field {key!r}; {hint}", (*path, key))
        for key in required:
            if key not in data or data[key] is None:
                raise self.error(f"missing required field {key!r}", path)

    def text(self, data: Mapping[str, Any], key: str, path: Path_, default: Any = None) -> Any:
        value = data.get(key)
        if value is None:
            return default
        if not isinstance(value, str):
            raise self.error(f"expected text, got {_kind(value)}; quote it", (*path, key))
        return value

    def ident(self, value: Any, path: Path_) -> Any:
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise self.error(f"expected an id (text or integer), got {_kind(value)}", path)
        return value

    def number(self, data: Mapping[str, Any], key: str, path: Path_, default: Any = None) -> Any:
        value = data.get(key, default)
        if value is None or value is default:
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(f"expected a number, got {_kind(value)}", (*path, key))
        if not math.isfinite(value):
            raise self.error(f"{value!r} is not a finite number", (*path, key))
        return value

    def boolean(self, data: Mapping[str, Any], key: str, path: Path_, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            raise self.error(f"expected true or false, got {_kind(value)}", (*path, key))
        return value

    def date(self, data: Mapping[str, Any], key: str, path: Path_) -> Any:
        value = data.get(key)
        if value is None:
            return None
        try:
            return parse_date(value)
        except ValueError as exc:
            raise self.error(str(exc), (*path, key)) from None

    def when(self, data: Mapping[str, Any], key: str, path: Path_) -> Any:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.error(f"expected a date or date-time, got {_kind(value)}", (*path, key))
        try:
            return parse_iso_with_zone(value, self.tz)
        except ValueError as exc:
            raise self.error(str(exc), (*path, key)) from None

    def amount(self, data: Mapping[str, Any], key: str, path: Path_, default_unit: str = "d"
               ) -> tuple[Any, str] | None:
        """A duration or lag: a number (working days) or text such as ``36h``, ``5ed``."""
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            if not math.isfinite(value):
                raise self.error(f"{value!r} is not a finite number", (*path, key))
            return value, default_unit
        if isinstance(value, str):
            parsed = _parse_amount(value)
            if parsed is not None:
                return parsed
        raise self.error(
            f"{value!r} is not a duration; write a number of working days (5), or a number "
            "with a unit: 36h (working hours), 5ed (elapsed days), 12eh (elapsed hours)",
            (*path, key),
        )

    def build(self, cls: Callable[..., _T], path: Path_, **kwargs: Any) -> _T:
        try:
            return cls(**kwargs)
        except ProjtrackError as exc:
            _raise_in_file_order([self.relocate(problem, path) for problem in exc.problems])

    # ------------------------------------------------------------ the schema
    def project(self, data: Any) -> Project:
        root: Path_ = ()
        data = self.mapping(data, root, "a project")
        self.fields(data, root, _PROJECT_KEYS, required=("id", "start"))
        fmt = data.get("format")
        if fmt is not None and fmt != FORMAT_VERSION:
            raise self.error(
                f"unsupported format {fmt!r}; this version of projtrack reads {FORMAT_VERSION!r}",
                ("format",),
            )
        # Read to the end and report every broken item at once (one problem per
        # item), rather than making the user fix and rerun once per mistake.
        problems: list[ProjtrackError] = []

        def attempt(read: Callable[[], _T], default: _T) -> _T:
            try:
                return read()
            except ProjtrackError as exc:
                problems.append(exc)
                return default

        def items(key: str, read: Callable[[Any, Path_], _T]) -> list[_T]:
            out: list[_T] = []
            listed: list[Any] = attempt(lambda: self.sequence(data.get(key), (key,), key), [])
            for i, item in enumerate(listed):
                attempt(lambda: out.append(read(item, (key, i))), None)  # noqa: B023
            return out

        tz = attempt(lambda: self.text(data, "timezone", root), None) or DEFAULT_TIMEZONE
        self.tz = tz
        activities: list[Activity] = []
        links: list[Link] = []
        for act, act_links in items("activities", self.activity):
            activities.append(act)
            links.extend(act_links)
        kwargs: dict[str, Any] = {
            "id": attempt(lambda: self.ident(data["id"], ("id",)), None),
            "name": attempt(lambda: self.text(data, "name", root), None) or "",
            "name_zh": attempt(lambda: self.text(data, "name_zh", root), None) or "",
            "description": attempt(lambda: self.text(data, "description", root), None) or "",
            "start": attempt(lambda: self.date(data, "start", root), None),
            "timezone": tz,
            "calendar": attempt(lambda: self.text(data, "calendar", root, "standard"),
                                "standard"),
            "activities": activities,
            "links": links,
            "calendars": items("calendars", self.calendar),
            "parties": items("parties", self.party),
            "events": items("events", self.event),
            "baselines": items("baselines", self.baseline),
            "options": attempt(lambda: self.options(data.get("options"), ("options",)), None),
            "data_date": attempt(lambda: self.when(data, "data_date", root), None),
            "must_finish_by": attempt(lambda: self.when(data, "must_finish_by", root), None),
            "attrs": attempt(lambda: self.meta(data, root), dict[str, Any]()),
        }
        if problems:
            # Whole-project rules (ids, links, cycles) wait until every item reads.
            _raise_in_file_order(problems)
        return self.build(Project, root, **kwargs)

    def meta(self, data: Mapping[str, Any], path: Path_) -> dict[str, Any]:
        value = data.get("attrs")
        if value is None:
            return {}
        return dict(self.mapping(value, (*path, "attrs"), "metadata"))

    def activity(self, item: Any, path: Path_) -> tuple[Activity, list[Link]]:
        data = self.mapping(item, path, "an activity")
        self.fields(data, path, _ACTIVITY_KEYS, required=("id",))
        act_id = self.ident(data["id"], (*path, "id"))
        duration = self.amount(data, "duration", path)
        unit = "d"
        value: Any = 0
        if duration is not None:
            value, unit = duration
        if "duration_unit" in data:
            unit = self.text(data, "duration_unit", path)
        remaining = self.number(data, "remaining_duration", path)
        wbs = data.get("wbs") or []
        if isinstance(wbs, str):
            wbs = tuple(part.strip() for part in wbs.split("/") if part.strip())
        elif isinstance(wbs, list):
            for j, part in enumerate(wbs):
                if not isinstance(part, str):
                    raise self.error(f"expected text, got {_kind(part)}", (*path, "wbs", j))
            wbs = tuple(wbs)
        else:
            raise self.error("expected a WBS path as text 'A/B' or a list", (*path, "wbs"))
        constraints = [
            self.constraint(c, (*path, "constraints", j))
            for j, c in enumerate(self.sequence(data.get("constraints"), (*path, "constraints"),
                                                "constraints"))
        ]
        estimate = None
        if data.get("estimate") is not None:
            est_path = (*path, "estimate")
            est = self.mapping(data["estimate"], est_path, "a three-point estimate")
            self.fields(est, est_path, _ESTIMATE_KEYS, required=tuple(_ESTIMATE_KEYS))
            estimate = self.build(
                Estimate,
                est_path,
                optimistic=self.number(est, "optimistic", est_path),
                most_likely=self.number(est, "most_likely", est_path),
                pessimistic=self.number(est, "pessimistic", est_path),
            )
        splits = []
        for j, item in enumerate(self.sequence(data.get("splits"), (*path, "splits"), "splits")):
            split_path = (*path, "splits", j)
            sdata = self.mapping(item, split_path, "a split {after: ..., pause: ...}")
            self.fields(sdata, split_path, _SPLIT_KEYS, required=tuple(sorted(_SPLIT_KEYS)))
            splits.append(self.build(
                Split,
                split_path,
                after=self.number(sdata, "after", split_path),
                pause=self.number(sdata, "pause", split_path),
            ))
        act = self.build(
            Activity,
            path,
            id=act_id,
            name=self.text(data, "name", path) or "",
            name_zh=self.text(data, "name_zh", path) or "",
            kind=self.text(data, "kind", path, "task"),
            duration=value,
            duration_unit=unit,
            calendar=self.text(data, "calendar", path),
            stage=self.text(data, "stage", path),
            wbs=wbs,
            party=self.text(data, "party", path),
            constraints=constraints,
            estimate=estimate,
            agency=self.text(data, "agency", path),
            time_limit=self.number(data, "time_limit", path),
            outcome=self.text(data, "outcome", path),
            milestone_type=self.text(data, "milestone_type", path),
            actual_start=self.when(data, "actual_start", path),
            actual_finish=self.when(data, "actual_finish", path),
            resume=self.when(data, "resume", path),
            remaining_duration=remaining,
            percent_complete=self.number(data, "percent_complete", path),
            splits=splits,
            estimated=self.boolean(data, "estimated", path, False),
            description=self.text(data, "description", path) or "",
            attrs=self.meta(data, path),
        )
        links = []
        for j, link in enumerate(self.sequence(data.get("links"), (*path, "links"), "links")):
            link_path = (*path, "links", j)
            if isinstance(link, str | int) and not isinstance(link, bool):
                link = {"pred": link}
            ldata = self.mapping(link, link_path, "a link")
            self.fields(ldata, link_path, _LINK_KEYS, required=("pred",))
            lag = self.amount(ldata, "lag", link_path) or (0, "d")
            links.append(
                self.build(
                    Link,
                    link_path,
                    pred=self.ident(ldata["pred"], (*link_path, "pred")),
                    succ=act_id,
                    type=self.text(ldata, "type", link_path, "FS"),
                    lag=lag[0],
                    lag_unit=lag[1],
                )
            )
            self.link_paths.append(link_path)
        return act, links

    def constraint(self, item: Any, path: Path_) -> Constraint:
        data = self.mapping(item, path, "a constraint")
        self.fields(data, path, _CONSTRAINT_KEYS, required=("type",))
        return self.build(
            Constraint, path, type=self.text(data, "type", path), date=self.when(data, "date", path)
        )

    def calendar(self, item: Any, path: Path_) -> Calendar:
        data = self.mapping(item, path, "a calendar")
        self.fields(data, path, _CALENDAR_KEYS, required=("name",))
        week = None
        if data.get("work_week") is not None:
            wpath = (*path, "work_week")
            wdata = self.mapping(data["work_week"], wpath, "a work week")
            self.fields(wdata, wpath, frozenset(WEEKDAYS))
            week = {
                day: None if wdata[day] is None else self.hours(wdata[day], (*wpath, day))
                for day in wdata
            }
        exceptions = []
        for j, exc in enumerate(self.sequence(data.get("exceptions"), (*path, "exceptions"),
                                              "exceptions")):
            epath = (*path, "exceptions", j)
            edata = self.mapping(exc, epath, "a calendar exception")
            self.fields(edata, epath, _EXCEPTION_KEYS, required=("date",))
            exceptions.append(
                self.build(
                    CalendarException,
                    epath,
                    start=self.date(edata, "date", epath),
                    end=self.date(edata, "end", epath),
                    hours=self.hours(edata.get("hours", []), (*epath, "hours")),
                    name=self.text(edata, "name", epath) or "",
                )
            )
        return self.build(
            Calendar,
            path,
            name=self.text(data, "name", path),
            base=self.text(data, "base", path),
            work_week=week,
            exceptions=exceptions,
            hours_per_day=self.number(data, "hours_per_day", path),
            fallback=self.text(data, "fallback", path),
            description=self.text(data, "description", path) or "",
        )

    def hours(self, value: Any, path: Path_) -> tuple[tuple[int, int], ...]:
        out = []
        for j, text in enumerate(self.sequence(value, path, "working periods")):
            period = _parse_period(text) if isinstance(text, str) else None
            if period is None:
                raise self.error(
                    f"{text!r} is not a working period; write it as 'HH:MM-HH:MM', "
                    "e.g. '08:00-12:00'",
                    (*path, j),
                )
            out.append(period)
        return tuple(out)

    def party(self, item: Any, path: Path_) -> Party:
        data = self.mapping(item, path, "a party")
        self.fields(data, path, _PARTY_KEYS, required=("id",))
        return self.build(
            Party,
            path,
            id=self.ident(data["id"], (*path, "id")),
            name=self.text(data, "name", path) or "",
            name_zh=self.text(data, "name_zh", path) or "",
            role=self.text(data, "role", path, "other"),
            attrs=self.meta(data, path),
        )

    def event(self, item: Any, path: Path_) -> Event:
        data = self.mapping(item, path, "an event")
        self.fields(data, path, _EVENT_KEYS, required=("at", "kind"))
        activity = data.get("activity")
        if activity is not None:
            activity = self.ident(activity, (*path, "activity"))
        return self.build(
            Event,
            path,
            at=self.when(data, "at", path),
            kind=self.text(data, "kind", path),
            activity=activity,
            party=self.text(data, "party", path),
            cause=self.text(data, "cause", path),
            outcome=self.text(data, "outcome", path),
            percent=self.number(data, "percent", path),
            remaining=self.number(data, "remaining", path),
            note=self.text(data, "note", path) or "",
            estimated=self.boolean(data, "estimated", path, False),
            attrs=self.meta(data, path),
        )

    def baseline(self, item: Any, path: Path_) -> Baseline:
        data = self.mapping(item, path, "a baseline")
        self.fields(data, path, _BASELINE_KEYS, required=("name",))
        acts = []
        for i, a in enumerate(self.sequence(data.get("activities"), (*path, "activities"),
                                            "baseline activities")):
            apath = (*path, "activities", i)
            adata = self.mapping(a, apath, "a baseline activity")
            self.fields(adata, apath, _BASELINE_ACTIVITY_KEYS, required=("id", "start", "finish"))
            acts.append(self.build(
                BaselineActivity,
                apath,
                id=self.ident(adata["id"], (*apath, "id")),
                start=self.when(adata, "start", apath),
                finish=self.when(adata, "finish", apath),
                duration=self.number(adata, "duration", apath),
                total_float=self.number(adata, "total_float", apath),
            ))
        return self.build(
            Baseline,
            path,
            name=self.text(data, "name", path),
            finish=self.when(data, "finish", path),
            data_date=self.when(data, "data_date", path),
            description=self.text(data, "description", path) or "",
            activities=acts,
        )

    def options(self, item: Any, path: Path_) -> ScheduleOptions:
        if item is None:
            return ScheduleOptions()
        data = self.mapping(item, path, "scheduling options")
        self.fields(data, path, _OPTION_KEYS)
        kwargs: dict[str, Any] = {}
        for key in _OPTION_KEYS:
            if key not in data:
                continue
            if key == "critical_float":
                kwargs[key] = self.number(data, key, path)
            elif key == "open_ends_critical":
                kwargs[key] = self.boolean(data, key, path, False)
            else:
                kwargs[key] = self.text(data, key, path)
        return self.build(ScheduleOptions, path, **kwargs)


def _raise_in_file_order(problems: list[ProjtrackError]) -> NoReturn:
    """Raise the first problem by position in the file, carrying all of them."""
    problems = sorted(problems, key=lambda e: (e.line is None, e.line or 0, e.column or 0))
    raise problems[0].with_problems(problems[1:]) from None


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value!r})"
    if isinstance(value, str):
        return f"text ({value!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return type(value).__name__


_UNITS = ("eh", "ed", "h", "d")


def _parse_amount(text: str) -> tuple[int | float, str] | None:
    raw = text.strip().lower().replace(" ", "")
    for unit in _UNITS:
        if raw.endswith(unit):
            number = raw[: -len(unit)]
            break
    else:
        unit, number = "d", raw
    try:
        value: int | float = int(number)
    except ValueError:
        try:
            value = float(number)
        except ValueError:
            return None
        if not math.isfinite(value):
            return None
    return value, unit


def _parse_period(text: str) -> tuple[int, int] | None:
    try:
        start, end = (part.strip() for part in text.split("-"))
        return _minutes(start), _minutes(end)
    except ValueError:
        return None


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(hhmm)
    value = int(hours) * 60 + int(minutes)
    if not 0 <= value <= 1440 or int(minutes) >= 60:
        raise ValueError(hhmm)
    return value


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


_PROJECT_KEYS = frozenset(
    {
        "format", "id", "name", "name_zh", "description", "start", "timezone", "calendar",
        "data_date", "must_finish_by", "options", "attrs", "parties", "calendars",
        "activities", "events", "baselines",
    }
)
_ACTIVITY_KEYS = frozenset(
    {
        "id", "name", "name_zh", "kind", "duration", "duration_unit", "calendar", "stage", "wbs",
        "party", "constraints", "estimate", "agency", "time_limit", "outcome",
        "milestone_type", "actual_start", "actual_finish", "resume", "remaining_duration",
        "percent_complete", "splits", "estimated", "description", "attrs", "links",
    }
)
_SPLIT_KEYS = frozenset({"after", "pause"})
_LINK_KEYS = frozenset({"pred", "type", "lag"})
_CONSTRAINT_KEYS = frozenset({"type", "date"})
_ESTIMATE_KEYS = frozenset({"optimistic", "most_likely", "pessimistic"})
_CALENDAR_KEYS = frozenset(
    {"name", "base", "work_week", "exceptions", "hours_per_day", "fallback", "description"}
)
_EXCEPTION_KEYS = frozenset({"date", "end", "hours", "name"})
_PARTY_KEYS = frozenset({"id", "name", "name_zh", "role", "attrs"})
_EVENT_KEYS = frozenset(
    {"at", "kind", "activity", "party", "cause", "outcome", "percent", "remaining", "note",
     "estimated", "attrs"}
)
_BASELINE_KEYS = frozenset({"name", "finish", "data_date", "description", "activities"})
_BASELINE_ACTIVITY_KEYS = frozenset({"id", "start", "finish", "duration", "total_float"})
_OPTION_KEYS = frozenset(
    {"lag_calendar", "progress", "float_type", "critical_float", "critical_path",
     "open_ends_critical", "ss_lag_from", "float_calendar"}
)


# =========================================================================== writing


def _amount(value: float, unit: str) -> Any:
    if unit == "d":
        return value
    number = repr(value) if isinstance(value, float) else str(value)
    return f"{number}{unit}"


def _put(out: dict[str, Any], key: str, value: Any, default: Any = None) -> None:
    if value is not None and value != default:
        out[key] = value


def _activity_dict(act: Activity, links: list[Link]) -> dict[str, Any]:
    out: dict[str, Any] = {"id": act.id}
    _put(out, "name", act.name, "")
    _put(out, "name_zh", act.name_zh, "")
    _put(out, "kind", act.kind, "task")
    if act.kind != "milestone" or act.duration != 0:
        out["duration"] = _amount(act.duration, act.duration_unit)
    elif act.duration_unit != "d":
        out["duration_unit"] = act.duration_unit
    if act.milestone_type is not None and act.milestone_type != "finish":
        out["milestone_type"] = act.milestone_type
    _put(out, "calendar", act.calendar)
    _put(out, "stage", act.stage)
    if act.wbs:
        out["wbs"] = list(act.wbs)
    _put(out, "party", act.party)
    _put(out, "agency", act.agency)
    _put(out, "time_limit", act.time_limit)
    _put(out, "outcome", act.outcome)
    if act.constraints:
        out["constraints"] = [
            {"type": c.type, **({"date": format_when(c.date)} if c.date is not None else {})}
            for c in act.constraints
        ]
    if act.estimate is not None:
        out["estimate"] = {
            "optimistic": act.estimate.optimistic,
            "most_likely": act.estimate.most_likely,
            "pessimistic": act.estimate.pessimistic,
        }
    if act.actual_start is not None:
        out["actual_start"] = format_when(act.actual_start)
    if act.actual_finish is not None:
        out["actual_finish"] = format_when(act.actual_finish)
    if act.resume is not None:
        out["resume"] = format_when(act.resume)
    _put(out, "remaining_duration", act.remaining_duration)
    _put(out, "percent_complete", act.percent_complete)
    if act.splits:
        out["splits"] = [{"after": s.after, "pause": s.pause} for s in act.splits]
    _put(out, "estimated", act.estimated, False)
    _put(out, "description", act.description, "")
    if act.attrs:
        out["attrs"] = dict(act.attrs)
    if links:
        out["links"] = [
            {
                "pred": k.pred,
                **({"type": k.type} if k.type != "FS" else {}),
                **({"lag": _amount(k.lag, k.lag_unit)} if k.lag != 0 or k.lag_unit != "d"
                   else {}),
            }
            for k in links
        ]
    return out


def to_dict(project: Project) -> dict[str, Any]:
    """Return the project as plain, JSON-compatible data in the file schema.

    Examples
    --------
    >>> import pendulum, projtrack as pt
    >>> p = pt.Project(id="p", start=pendulum.Date(2024, 1, 2),
    ...                activities=[pt.Activity(id="a", duration=2), pt.Activity(id="b")],
    ...                links=[pt.Link(pred="a", succ="b", lag=1)])
    >>> pt.to_dict(p)["activities"][1]
    {'id': 'b', 'duration': 0.0, 'links': [{'pred': 'a', 'lag': 1}]}
    """
    out: dict[str, Any] = {"format": FORMAT_VERSION, "id": project.id}
    _put(out, "name", project.name, "")
    _put(out, "name_zh", project.name_zh, "")
    _put(out, "description", project.description, "")
    out["start"] = format_when(project.start)
    out["timezone"] = project.timezone
    out["calendar"] = project.calendar
    if project.data_date is not None:
        out["data_date"] = format_when(project.data_date)
    if project.must_finish_by is not None:
        out["must_finish_by"] = format_when(project.must_finish_by)
    defaults = ScheduleOptions()
    options = {
        name: getattr(project.options, name)
        for name in sorted(_OPTION_KEYS)
        if getattr(project.options, name) != getattr(defaults, name)
    }
    if options:
        out["options"] = options
    if project.attrs:
        out["attrs"] = dict(project.attrs)
    if project.parties:
        out["parties"] = []
        for party in project.parties:
            pd: dict[str, Any] = {"id": party.id}
            _put(pd, "name", party.name, "")
            _put(pd, "name_zh", party.name_zh, "")
            pd["role"] = party.role
            if party.attrs:
                pd["attrs"] = dict(party.attrs)
            out["parties"].append(pd)
    if project.calendars:
        out["calendars"] = [_calendar_dict(c) for c in project.calendars]
    by_succ: dict[Any, list[Link]] = {}
    for link in project.links:
        by_succ.setdefault(link.succ, []).append(link)
    out["activities"] = [_activity_dict(a, by_succ.get(a.id, [])) for a in project.activities]
    if project.events:
        out["events"] = [_event_dict(e) for e in project.events]
    if project.baselines:
        out["baselines"] = [_baseline_dict(b) for b in project.baselines]
    return out


def _baseline_dict(base: Baseline) -> dict[str, Any]:
    out: dict[str, Any] = {"name": base.name}
    _put(out, "description", base.description, "")
    if base.data_date is not None:
        out["data_date"] = format_when(base.data_date)
    if base.finish is not None:
        out["finish"] = format_when(base.finish)
    acts = []
    for act in base.activities:
        ad: dict[str, Any] = {"id": act.id, "start": format_when(act.start),
                              "finish": format_when(act.finish)}
        _put(ad, "duration", act.duration)
        _put(ad, "total_float", act.total_float)
        acts.append(ad)
    out["activities"] = acts
    return out


def _calendar_dict(cal: Calendar) -> dict[str, Any]:
    out: dict[str, Any] = {"name": cal.name}
    _put(out, "base", cal.base)
    _put(out, "description", cal.description, "")
    _put(out, "hours_per_day", cal.hours_per_day)
    _put(out, "fallback", cal.fallback)
    week = {
        day: [f"{_hhmm(s)}-{_hhmm(e)}" for s, e in periods]
        for day, periods in zip(WEEKDAYS, cal.work_week, strict=True)
        if periods is not None
    }
    if week:
        out["work_week"] = week
    if cal.exceptions:
        out["exceptions"] = []
        for exc in cal.exceptions:
            ed: dict[str, Any] = {"date": format_when(exc.start)}
            if exc.end is not None:
                ed["end"] = format_when(exc.end)
            ed["hours"] = [f"{_hhmm(s)}-{_hhmm(e)}" for s, e in exc.hours]
            _put(ed, "name", exc.name, "")
            out["exceptions"].append(ed)
    return out


def _event_dict(ev: Event) -> dict[str, Any]:
    out: dict[str, Any] = {"at": format_when(ev.at), "kind": ev.kind}
    _put(out, "activity", ev.activity)
    _put(out, "party", ev.party)
    _put(out, "cause", ev.cause)
    _put(out, "outcome", ev.outcome)
    _put(out, "percent", ev.percent)
    _put(out, "remaining", ev.remaining)
    _put(out, "note", ev.note, "")
    _put(out, "estimated", ev.estimated, False)
    if ev.attrs:
        out["attrs"] = dict(ev.attrs)
    return out


# =========================================================================== public API


def from_dict(data: Mapping[str, Any], *, source: str | None = None) -> Project:
    """Build a project from plain data in the file schema (as :func:`to_dict` returns).

    Examples
    --------
    >>> import projtrack as pt
    >>> p = pt.from_dict({"id": "p", "start": "2024-01-02",
    ...                   "activities": [{"id": "a", "duration": "36h"}]})
    >>> p.activities[0].duration, p.activities[0].duration_unit
    (36, 'h')
    """
    return _Reader({}, source).project(data)


def _detect_format(format: str | None, path: str | None) -> str:
    if format is not None:
        fmt = format.lower()
        if fmt in ("yaml", "yml"):
            return "yaml"
        if fmt == "json":
            return "json"
        raise FileFormatError(f"unknown format {format!r}; use 'yaml' or 'json'", file=path)
    if path is not None:
        suffix = Path(path).suffix.lower()
        if suffix in _SUFFIX_FORMATS:
            return _SUFFIX_FORMATS[suffix]
        raise FileFormatError(
            f"cannot tell the format from the suffix {suffix!r}; name the file .yaml, .yml or "
            ".json, or pass format=",
            file=path,
        )
    return "yaml"


def _is_foreign(name: str, format: str | None) -> bool:
    """Whether a file is in a format other than projtrack's own YAML/JSON."""
    if format is not None:
        return format.lower() not in ("yaml", "yml", "json")
    return Path(name).suffix.lower() not in _SUFFIX_FORMATS


def loads(text: str | bytes, *, format: str = "yaml", source: str = "<string>") -> Project:
    """Read a project from YAML or JSON text.

    Parameters
    ----------
    text
        The document (bytes are decoded as UTF-8).
    format
        ``yaml`` (default) or ``json``.
    source
        Name used in error messages.

    Returns
    -------
    Project

    Raises
    ------
    FileFormatError
        Malformed text, a wrong type, an unsafe tag; the message names line,
        column and field.
    ValidationError
        A well-formed document describing an invalid project (a cycle, a
        dangling link...), with the same location details.

    Examples
    --------
    >>> import projtrack as pt
    >>> p = pt.loads('''
    ... id: demo
    ... start: 2024-03-01
    ... activities:
    ...   - {id: a, duration: 3}
    ...   - {id: b, duration: 2, links: [{pred: a, type: SS, lag: 1}]}
    ... ''')
    >>> [(k.pred, k.succ, k.type, k.lag) for k in p.links]
    [('a', 'b', 'SS', 1)]
    >>> pt.loads("id: x\\nstart: 2024-03-01\\nactivities: [{id: a, links: [{pred: a, type: FX}]}]")
    Traceback (most recent call last):
    ...
    projtrack.exceptions.ValidationError: <string>:3:46: activities[0].links[0].type:
    'FX' is not one of FS, SS, FF, SF
    """
    fmt = _detect_format(format, None)
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FileFormatError(
                f"the file is not UTF-8 (byte {exc.start}); save it as UTF-8", file=source
            ) from None
    if fmt == "yaml":
        data, positions = _yaml_document(text, source)
    else:
        data, positions = _json_document(text, source)
    return _Reader(positions, source).project(data)


def dumps(project: Project, *, format: str = "yaml") -> str:
    """Write a project as YAML or JSON text (lossless: :func:`loads` gives an equal project).

    Examples
    --------
    >>> import pendulum, projtrack as pt
    >>> p = pt.Project(id="p", start=pendulum.Date(2024, 1, 2),
    ...                activities=[pt.Activity(id="a", duration=2, name_zh="土方")])
    >>> print(pt.dumps(p))
    format: projtrack/1
    id: p
    start: '2024-01-02'
    timezone: Asia/Shanghai
    calendar: standard
    activities:
    - id: a
      name_zh: 土方
      duration: 2
    <BLANKLINE>
    >>> pt.loads(pt.dumps(p, format="json"), format="json") == p
    True
    """
    fmt = _detect_format(format, None)
    data = to_dict(project)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def load(path: str | os.PathLike[str], *, format: str | None = None) -> Project:
    """Read a project file (``.yaml``, ``.yml`` or ``.json``, or any format a plugin reads).

    Other suffixes go to the readers registered through the
    ``register_formats`` hook: built in are P6 ``.xer`` (a file with one
    project) and MS Project ``.xml`` (MSPDI); plugins may add more.

    Examples
    --------
    >>> import projtrack as pt
    >>> p = pt.load("examples/renhe-road.yaml")
    >>> p.id
    'renhe-road'
    """
    name = os.fspath(path)
    if _is_foreign(name, format):
        from projtrack._plugins import read_project

        return read_project(name, format=format)
    fmt = _detect_format(format, name)
    try:
        raw = Path(name).read_bytes()
    except OSError as exc:
        raise FileFormatError(f"cannot read the file: {exc.strerror}", file=name) from None
    return loads(raw, format=fmt, source=name)


def save(project: Project, path: str | os.PathLike[str], *, format: str | None = None) -> None:
    """Write a project file atomically.

    The text is produced first, written to a temporary file in the same
    folder, flushed to disk and renamed over the target: a crash never leaves
    a half-written file, and a failed save leaves the old file as it was.

    Examples
    --------
    >>> import pendulum, tempfile, pathlib, projtrack as pt
    >>> p = pt.Project(id="p", start=pendulum.Date(2024, 1, 2))
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "p.json"
    >>> pt.save(p, target)
    >>> pt.load(target) == p
    True
    """
    name = os.fspath(path)
    if _is_foreign(name, format):
        from projtrack._plugins import write_project

        write_project(project, name, format=format)
        return
    fmt = _detect_format(format, name)
    text = dumps(project, format=fmt)
    write_atomic(name, text.encode("utf-8"))


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one.

    The bytes go to a temporary file in the same folder, are flushed to disk
    and renamed over ``path``. The file keeps the old file's permissions, or
    gets the usual ones (``0o666`` less the umask) when it is new. On any
    error the temporary file is removed and ``path`` is left as it was.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> write_atomic(target, b"one")
    >>> write_atomic(target, b"two")
    >>> target.read_bytes(), sorted(p.name for p in target.parent.iterdir())
    (b'two', ['out.txt'])
    """
    name = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(name))
    fd, tmp = tempfile.mkstemp(prefix=".projtrack-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if os.path.exists(name):
            os.chmod(tmp, os.stat(name).st_mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, name)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)

