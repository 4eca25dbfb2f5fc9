"""Read activity and link tables exported from a spreadsheet (CSV).

Two files: one row per activity, and (optionally) one row per link. Headers
are matched without regard to case, spaces or hyphens; a few Chinese headers
are understood too (编号, 名称, 工期...). Columns the reader does not know
are kept in each activity's ``attrs``.

Activities file
===============

=====================  =======================================================
column                 meaning
=====================  =======================================================
``id`` (required)      activity id (text)
``name``, ``name_zh``  names
``kind``               ``task`` (default), ``approval`` or ``milestone``
``duration``           ``5`` (working days), ``36h``, ``3ed``, ``12eh``
``duration_unit``      ``d``, ``h``, ``ed``, ``eh`` (overrides a bare number)
``calendar``           calendar name (default: the project's)
``stage``, ``wbs``     stage; WBS path written ``A / B / C``
``party``, ``agency``  party ids; ``time_limit`` and ``outcome`` for approvals
``milestone_type``     ``start`` or ``finish``
``constraint``         ``start_no_earlier_than`` ... or P6 / MS Project names
                       (``CS_MSOA``, ``SNET``, ``MSO``...), with
                       ``constraint_date``; ``constraint2`` and
                       ``constraint2_date`` for a secondary one
``actual_start``       ``2024-03-04`` or ``2024-03-04 08:00`` (also
``actual_finish``      ``2024/3/4``)
``remaining_duration`` in the activity's unit
``percent_complete``   ``40`` or ``40%``
``predecessors``       links into this activity: ``a; b SS+2; c FF-1d``
``description``        free text
=====================  =======================================================

Links file
==========

``pred`` and ``succ`` (required), ``type`` (``FS`` default, ``SS``, ``FF``,
``SF``), ``lag`` (``2``, ``-1``, ``16h``...) and ``lag_unit``.

Every error is an :class:`~projtrack.ImportFormatError` naming the file, the
row (line), the column number and the column name.
"""

from __future__ import annotations

import codecs
import csv as _csv
import datetime as _dt
import io
import math
import os
import re
from collections.abc import Mapping
from typing import Any

import pendulum

from projtrack._model import Activity, Constraint, Link, Project
from projtrack._time import DEFAULT_TIMEZONE, check_timezone, parse_when
from projtrack.exceptions import ImportFormatError, ProjtrackError
from projtrack.interop._common import MAX_HOURS, read_input

__all__ = ["ACTIVITY_COLUMNS", "LINK_COLUMNS", "read_csv"]

ACTIVITY_COLUMNS = (
    "id", "name", "name_zh", "kind", "duration", "duration_unit", "calendar", "stage", "wbs",
    "party", "agency", "time_limit", "outcome", "milestone_type", "constraint",
    "constraint_date", "constraint2", "constraint2_date", "actual_start", "actual_finish",
    "remaining_duration", "percent_complete", "predecessors", "description",
)
LINK_COLUMNS = ("pred", "succ", "type", "lag", "lag_unit")

_ALIASES = {
    "activity_id": "id", "task_id": "id", "code": "id", "编号": "id", "代码": "id",
    "活动编号": "id", "task_code": "id",
    "activity_name": "name", "task_name": "name", "名称": "name_zh", "中文名称": "name_zh",
    "活动名称": "name_zh", "类型": "kind", "type": "kind",
    "工期": "duration", "持续时间": "duration", "original_duration": "duration",
    "日历": "calendar", "阶段": "stage", "负责方": "party", "审批机关": "agency",
    "时限": "time_limit", "约束": "constraint", "约束日期": "constraint_date",
    "constraint_type": "constraint", "实际开始": "actual_start", "实际完成": "actual_finish",
    "剩余工期": "remaining_duration", "完成百分比": "percent_complete",
    "percent": "percent_complete",
    "前置任务": "predecessors", "紧前工作": "predecessors", "predecessor": "predecessors",
    "说明": "description", "备注": "description", "notes": "description",
}
_LINK_ALIASES = {
    "predecessor": "pred", "from": "pred", "紧前": "pred", "前置": "pred",
    "successor": "succ", "to": "succ", "紧后": "succ", "后续": "succ",
    "link_type": "type", "relationship": "type", "关系": "type", "搭接": "lag", "间隔": "lag",
}
_CONSTRAINT_NAMES = {
    "snet": "start_no_earlier_than", "cs_msoa": "start_no_earlier_than",
    "start_on_or_after": "start_no_earlier_than",
    "snlt": "start_no_later_than", "cs_msob": "start_no_later_than",
    "start_on_or_before": "start_no_later_than",
    "fnet": "finish_no_earlier_than", "cs_meoa": "finish_no_earlier_than",
    "finish_on_or_after": "finish_no_earlier_than",
    "fnlt": "finish_no_later_than", "cs_meob": "finish_no_later_than",
    "finish_on_or_before": "finish_no_later_than",
    "mso": "start_on", "cs_mso": "start_on", "must_start_on": "start_on",
    "mfo": "finish_on", "cs_meo": "finish_on", "must_finish_on": "finish_on",
    "cs_mandstart": "mandatory_start", "cs_mandfin": "mandatory_finish",
    "alap": "as_late_as_possible", "cs_alap": "as_late_as_possible",
}
_AMOUNT = re.compile(r"^([+-]?\d+(?:\.\d+)?)\s*(ed|eh|d|h|days?|hours?|天|小时)?$",
                     re.IGNORECASE)
_PRED = re.compile(
    r"^(?P<pred>.+?)\s*(?P<type>FS|SS|FF|SF)?\s*(?P<lag>[+-]\s*\d+(?:\.\d+)?\s*(?:ed|eh|d|h)?)?$",
    re.IGNORECASE,
)
_DATE_SLASH = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})(.*)$")


def _key(header: str) -> str:
    text = header.strip().lstrip("\ufeff").strip().lower()
    return re.sub(r"[\s\-]+", "_", text)


class _Table:
    """A decoded CSV table with located errors."""

    def __init__(self, source: Any, what: str, encoding: str | None, delimiter: str | None,
                 aliases: Mapping[str, str], known: tuple[str, ...]) -> None:
        data, self.file = read_input(source, what)
        text = self._decode(data, encoding)
        sample = text[:4096]
        if delimiter is None:
            first = sample.splitlines()[0] if sample.splitlines() else ""
            counts = {d: first.count(d) for d in (",", ";", "\t")}
            delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
        reader = _csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        self.rows: list[tuple[int, list[str]]] = []
        self.header: list[str] = []
        try:
            for row in reader:
                line = reader.line_num
                if not self.header:
                    if not any(cell.strip() for cell in row):
                        continue
                    self.header = row
                    continue
                if not any(cell.strip() for cell in row):
                    continue
                self.rows.append((line, row))
        except _csv.Error as exc:
            raise ImportFormatError(f"malformed CSV: {exc}", file=self.file,
                                    line=reader.line_num) from None
        if not self.header:
            raise ImportFormatError("the file is empty; the first row must name the columns",
                                    file=self.file, line=1)
        self.columns: dict[str, int] = {}
        self.extra: dict[int, str] = {}
        for i, head in enumerate(self.header):
            key = _key(head)
            key = aliases.get(key, key)
            if not key:
                continue
            if key in self.columns:
                raise ImportFormatError(f"column {head!r} appears twice", file=self.file,
                                        line=1, column=i + 1, field=head)
            if key in known:
                self.columns[key] = i
            else:
                self.extra[i] = head.strip()

    def _decode(self, data: bytes, encoding: str | None) -> str:
        if encoding is not None:
            try:
                codecs.lookup(encoding)
                return data.decode(encoding)
            except LookupError:
                raise ImportFormatError(f"unknown encoding {encoding!r}", file=self.file,
                                        field="encoding") from None
            except UnicodeDecodeError as exc:
                raise ImportFormatError(
                    f"the file is not {encoding} (byte {exc.start})", file=self.file,
                    line=data.count(b"\n", 0, exc.start) + 1) from None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
        try:
            return data.decode("gb18030")  # what Excel writes on Chinese Windows
        except UnicodeDecodeError as exc:
            raise ImportFormatError(
                "the file is neither UTF-8 nor GB18030; save it as 'CSV UTF-8' or pass "
                "encoding=", file=self.file, line=data.count(b"\n", 0, exc.start) + 1,
            ) from None

    def cell(self, row: list[str], line: int, key: str) -> str | None:
        i = self.columns.get(key)
        if i is None or i >= len(row):
            return None
        value = row[i].strip()
        return value or None

    def error(self, message: str, line: int, key: str | None) -> ImportFormatError:
        i = self.columns.get(key) if key else None
        name = self.header[i].strip() if i is not None else key
        return ImportFormatError(message, file=self.file, line=line,
                                 column=None if i is None else i + 1,
                                 field=f"column {name!r}" if name else None)


def _amount(text: str, table: _Table, line: int, key: str, default_unit: str
            ) -> tuple[float, str]:
    m = _AMOUNT.match(text.replace(",", "").strip())
    if m is None:
        raise table.error(f"{text!r} is not a duration; write 5 (working days), 36h, 3ed or "
                          "12eh", line, key)
    value = float(m.group(1))
    if not math.isfinite(value) or abs(value) > MAX_HOURS:
        raise table.error(f"{text!r} is out of range", line, key)
    unit_text = (m.group(2) or "").lower()
    unit = {"": default_unit, "day": "d", "days": "d", "天": "d", "hour": "h", "hours": "h",
            "小时": "h"}.get(unit_text, unit_text)
    number: float = int(value) if value == int(value) else value
    return number, unit


def _number(text: str, table: _Table, line: int, key: str) -> float:
    raw = text.replace(",", "").strip()
    try:
        value = float(raw.rstrip("%").strip())
    except ValueError:
        raise table.error(f"{text!r} is not a number", line, key) from None
    if not math.isfinite(value) or abs(value) > MAX_HOURS:
        raise table.error(f"{text!r} is out of range", line, key)
    return int(value) if value == int(value) else value


def _when(text: str, tz: str, table: _Table, line: int, key: str) -> Any:
    raw = text.strip()
    m = _DATE_SLASH.match(raw)
    if m:
        raw = f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}{m.group(4)}"
    raw = re.sub(r"^(\d{4}-\d{2}-\d{2}) (\d{1,2}):(\d{2})", lambda g: (
        f"{g.group(1)}T{int(g.group(2)):02d}:{g.group(3)}"), raw)
    try:
        value = parse_when(raw, tz)
    except (ValueError, OverflowError):
        raise table.error(f"{text!r} is not a date; write 2024-03-04 or 2024-03-04 08:00",
                          line, key) from None
    if not 1900 <= value.year <= 2200:
        raise table.error(f"{text!r} is outside the years 1900-2200", line, key)
    return value


def _constraint(kind: str, date_text: str | None, tz: str, table: _Table, line: int,
                key: str) -> Constraint:
    name = _CONSTRAINT_NAMES.get(_key(kind), _key(kind))
    date = _when(date_text, tz, table, line, f"{key}_date") if date_text else None
    try:
        return Constraint(name, date)
    except ProjtrackError as exc:
        raise table.error(exc.message, line, key if exc.field == "type" else f"{key}_date") \
            from None


_ACTIVITY_FIELD_COLUMNS = {"constraints[0]": "constraint", "constraints[1]": "constraint2"}


def read_csv(activities: str | os.PathLike[str] | bytes,
             links: str | os.PathLike[str] | bytes | None = None, *,
             id: str = "csv", name: str = "", start: Any = None,
             timezone: str = DEFAULT_TIMEZONE, calendar: str = "standard",
             encoding: str | None = None, delimiter: str | None = None) -> Project:
    """Read a project from an activities CSV and an optional links CSV.

    Parameters
    ----------
    activities, links
        Paths (or bytes) of the two tables; see the module documentation for
        the columns. Links may also be given in an activities column
        ``predecessors``.
    id, name
        The project's id and name.
    start
        Planned start (a date or ``YYYY-MM-DD``); default: the earliest date
        in the tables.
    timezone, calendar
        The project's time zone and default calendar.
    encoding, delimiter
        Default: UTF-8 (with or without BOM), else GB18030; the delimiter is
        guessed from the header (``,``, ``;`` or tab).

    Raises
    ------
    ImportFormatError
        Naming the file, row, column number and column name.

    Examples
    --------
    >>> acts = "id,name_zh,duration,predecessors\\nA,挖土,5,\\nB,浇筑,36h,A SS+2\\n".encode()
    >>> p = pt.read_csv(acts, start="2024-03-04")
    >>> [(a.id, a.duration, a.duration_unit) for a in p.activities]
    [('A', 5, 'd'), ('B', 36, 'h')]
    >>> p.links[0]
    Link(pred='A', succ='B', type='SS', lag=2, lag_unit='d')
    >>> pt.read_csv(b"id,duration\\nA,five\\n", start="2024-03-04")
    Traceback (most recent call last):
    ...
    projtrack.exceptions.ImportFormatError: <csv>:2:2: column 'duration': 'five' is not a ...
    """
    try:
        tz = check_timezone(timezone)
    except ValueError as exc:
        raise ImportFormatError(str(exc), field="timezone") from None
    table = _Table(activities, "csv", encoding, delimiter, _ALIASES, ACTIVITY_COLUMNS)
    if "id" not in table.columns:
        raise ImportFormatError(
            "no 'id' column; the first row must name the columns (id, name, duration, ...)",
            file=table.file, line=1)
    acts: list[Activity] = []
    act_lines: list[int] = []
    link_list: list[Link] = []
    link_where: list[tuple[_Table, int, str | None]] = []
    dates: list[Any] = []
    seen: dict[str, int] = {}
    for line, row in table.rows:
        if len(row) > len(table.header):
            raise table.error(f"the row has {len(row)} cells but the header names "
                              f"{len(table.header)} columns", line, None)
        act = _activity(table, line, row, tz, dates)
        if act.id in seen:
            raise table.error(f"activity id {act.id!r} is used twice (also row {seen[act.id]})",
                              line, "id")
        seen[str(act.id)] = line
        acts.append(act)
        act_lines.append(line)
        preds = table.cell(row, line, "predecessors")
        if preds:
            for token in re.split("[;,\uff1b\uff0c]", preds):  # also full-width ; ,
                if not token.strip():
                    continue
                link_list.append(_inline_link(token, str(act.id), table, line))
                link_where.append((table, line, "predecessors"))
    if links is not None:
        ltable = _Table(links, "csv", encoding, delimiter, _LINK_ALIASES, LINK_COLUMNS)
        for key in ("pred", "succ"):
            if key not in ltable.columns:
                raise ImportFormatError(f"no {key!r} column in the links file", file=ltable.file,
                                        line=1)
        for line, row in ltable.rows:
            link_list.append(_link_row(ltable, line, row))
            link_where.append((ltable, line, None))
    if start is None:
        if not dates:
            raise ImportFormatError(
                "pass start= (the planned start date): the tables hold no dates to infer it",
                file=table.file, field="start")
        first = min(pendulum.instance(d) if isinstance(d, _dt.datetime)
                    else pendulum.datetime(d.year, d.month, d.day, tz=tz) for d in dates)
        start_date = pendulum.Date(first.year, first.month, first.day)
    else:
        try:
            parsed = parse_when(start, tz) if not isinstance(start, _dt.date) else start
        except ValueError as exc:
            raise ImportFormatError(str(exc), field="start") from None
        start_date = pendulum.Date(parsed.year, parsed.month, parsed.day)
    try:
        return Project(id=id, name=name, start=start_date, timezone=tz, calendar=calendar,
                       activities=acts, links=link_list, attrs={"source": "csv"})
    except ProjtrackError as exc:
        m = re.match(r"(activities|links)\[(\d+)\](?:\.(\w+))?", exc.field or "")
        if m and m.group(1) == "links" and int(m.group(2)) < len(link_where):
            where_table, line, where_key = link_where[int(m.group(2))]
            col = where_key or (m.group(3) if m.group(3) in ("pred", "succ") else "pred")
            raise where_table.error(exc.message, line, col) from None
        if m and m.group(1) == "activities" and int(m.group(2)) < len(act_lines):
            raise table.error(exc.message, act_lines[int(m.group(2))], m.group(3)) from None
        if exc.field == "calendar":
            raise ImportFormatError(exc.message, field="calendar") from None
        raise ImportFormatError(exc.message, file=table.file, field=exc.field) from None


def _activity(table: _Table, line: int, row: list[str], tz: str, dates: list[Any]) -> Activity:
    get = table.cell
    ident = get(row, line, "id")
    if ident is None:
        raise table.error("the activity has no id", line, "id")
    kwargs: dict[str, Any] = {"id": ident}
    for key in ("name", "name_zh", "kind", "calendar", "stage", "party", "agency", "outcome",
                "milestone_type", "description"):
        value = get(row, line, key)
        if value is not None:
            kwargs[key] = value.lower() if key in ("kind", "milestone_type", "outcome") else value
    unit_text = get(row, line, "duration_unit")
    unit = unit_text.lower() if unit_text else "d"
    duration_text = get(row, line, "duration")
    if duration_text is not None:
        kwargs["duration"], kwargs["duration_unit"] = _amount(duration_text, table, line,
                                                              "duration", unit)
    elif unit_text:
        kwargs["duration_unit"] = unit
    wbs = get(row, line, "wbs")
    if wbs:
        kwargs["wbs"] = tuple(part.strip() for part in re.split(r"\s*[/>]\s*", wbs)
                              if part.strip())
    for key in ("time_limit", "remaining_duration", "percent_complete"):
        value = get(row, line, key)
        if value is not None:
            kwargs[key] = _number(value, table, line, key)
    for key in ("actual_start", "actual_finish"):
        value = get(row, line, key)
        if value is not None:
            kwargs[key] = _when(value, tz, table, line, key)
            dates.append(kwargs[key])
    constraints = []
    for key in ("constraint", "constraint2"):
        kind = get(row, line, key)
        date_text = get(row, line, f"{key}_date")
        if kind:
            constraints.append(_constraint(kind, date_text, tz, table, line, key))
            if constraints[-1].date is not None:
                dates.append(constraints[-1].date)
        elif date_text:
            raise table.error("a constraint date without a constraint type", line,
                              f"{key}_date")
    if constraints:
        kwargs["constraints"] = constraints
    extra = {table.extra[i]: row[i].strip() for i in table.extra if i < len(row)
             and row[i].strip()}
    if extra:
        kwargs["attrs"] = extra
    try:
        return Activity(**kwargs)
    except ProjtrackError as exc:
        field = exc.field or ""
        column = _ACTIVITY_FIELD_COLUMNS.get(field.split(".")[0], field.split(".")[0] or None)
        if column not in table.columns:
            column = None
        raise table.error(exc.message, line, column) from None


def _inline_link(token: str, succ: str, table: _Table, line: int) -> Link:
    m = _PRED.match(token.strip())
    if m is None:
        raise table.error(f"{token.strip()!r} is not a predecessor; write a, b SS+2 or "
                          "c FF-1d", line, "predecessors")
    lag: float = 0
    unit = "d"
    if m.group("lag"):
        lag, unit = _amount(m.group("lag").replace(" ", ""), table, line, "predecessors", "d")
    try:
        return Link(pred=m.group("pred").strip(), succ=succ,
                    type=(m.group("type") or "FS").upper(), lag=lag, lag_unit=unit)
    except ProjtrackError as exc:
        raise table.error(exc.message, line, "predecessors") from None


def _link_row(table: _Table, line: int, row: list[str]) -> Link:
    pred = table.cell(row, line, "pred")
    succ = table.cell(row, line, "succ")
    if pred is None:
        raise table.error("the link has no predecessor", line, "pred")
    if succ is None:
        raise table.error("the link has no successor", line, "succ")
    unit_text = table.cell(row, line, "lag_unit")
    lag: float = 0
    unit = unit_text.lower() if unit_text else "d"
    lag_text = table.cell(row, line, "lag")
    if lag_text is not None:
        lag, unit = _amount(lag_text, table, line, "lag", unit)
    kind = (table.cell(row, line, "type") or "FS").upper()
    kind = {"PR_FS": "FS", "PR_SS": "SS", "PR_FF": "FF", "PR_SF": "SF"}.get(kind, kind)
    try:
        return Link(pred=pred, succ=succ, type=kind, lag=lag, lag_unit=unit)
    except ProjtrackError as exc:
        key = {"type": "type", "lag": "lag", "lag_unit": "lag_unit"}.get(exc.field or "")
        raise table.error(exc.message, line, key) from None
