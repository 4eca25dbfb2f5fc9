"""Read Primavera P6 XER exports.

An XER file is tab-separated text: ``%T`` starts a table, ``%F`` names its
fields, ``%R`` rows hold values, ``%E`` ends the file. One file can hold
several projects. :func:`read_xer` returns one :class:`~projtrack.Project`
per ``PROJECT`` row with:

* activities from ``TASK`` (id = ``task_code``), durations in working hours
  (unit ``h``, exactly as P6 stores them), calendars, WBS path and stage,
  primary and secondary constraints, actual dates, remaining duration and
  percent complete;
* links from ``TASKPRED`` (lags in working hours); links to activities of
  another project in the file are kept in ``project.attrs["external_links"]``
  (on both projects) because a project's links must stay inside it;
* calendars from ``CALENDAR.clndr_data`` (every variant P6 writes: ``s``/``f``
  in either order, hours without a leading zero, ``f|00:00`` meaning 24:00,
  the nameless root written by P6 22.12);
* the scheduling options of ``SCHEDOPTIONS`` and the data date
  (``PROJECT.last_recalc_date``).

Dates and times in XER files are local wall-clock times without a zone; they
are read in the ``timezone`` argument. Dates P6 computed (early/late dates,
float) are not read into the model: the schedule is for
:func:`projtrack.schedule` to compute. :func:`stored_results` returns them for
comparisons (see :mod:`projtrack.conformance`).

The reader is our own (no GPL code); anything wrong with the input raises
:class:`~projtrack.ImportFormatError` naming the line and the field.
"""

from __future__ import annotations

import codecs
import datetime as _dt
import operator
import os
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pendulum

from projtrack._model import (
    Activity,
    Calendar,
    CalendarException,
    Constraint,
    Link,
    Project,
    ScheduleOptions,
)
from projtrack._time import DEFAULT_TIMEZONE, check_timezone
from projtrack.exceptions import ImportFormatError, ProjtrackError
from projtrack.interop._common import (
    MAX_HOURS,
    Where,
    gc_paused,
    local_datetime,
    merge_periods,
    read_input,
    unique_name,
)

__all__ = ["XerDocument", "parse_xer", "read_xer", "stored_results"]

#: Tables the reader uses; rows of other tables are checked for shape and skipped.
_USED_TABLES = frozenset(
    {"PROJECT", "CALENDAR", "SCHEDOPTIONS", "PROJWBS", "TASK", "TASKPRED", "TASKRSRC", "RSRC"}
)
_REQUIRED_TABLES = ("PROJECT",)

CONSTRAINTS = {
    "CS_MSOA": "start_no_earlier_than",
    "CS_MSOB": "start_no_later_than",
    "CS_MEOA": "finish_no_earlier_than",
    "CS_MEOB": "finish_no_later_than",
    "CS_MSO": "start_on",
    "CS_MEO": "finish_on",
    "CS_MANDSTART": "mandatory_start",
    "CS_MANDFIN": "mandatory_finish",
    "CS_ALAP": "as_late_as_possible",
}
LINK_TYPES = {"PR_FS": "FS", "PR_SS": "SS", "PR_FF": "FF", "PR_SF": "SF"}
LAG_CALENDARS = {
    "rcal_Predecessor": "predecessor",
    "rcal_Successor": "successor",
    "rcal_24Hour": "24h",
    "rcal_ProjDefault": "project",
}
FLOAT_TYPES = {"FT_FF": "finish", "FT_SS": "start", "FT_Min": "smallest"}
_EPOCH = _dt.date(1899, 12, 30)
#: P6's calendar when a calendar record is empty: Monday-Friday 08:00-16:00.
_P6_DEFAULT_WEEK = (((480, 960),),) * 5 + ((), ())


# =========================================================================== tables


class XerRow:
    """One ``%R`` row: values by field name, plus its line number."""

    __slots__ = ("line", "table", "values")

    def __init__(self, table: XerTable, line: int, values: list[str]) -> None:
        self.table = table
        self.line = line
        self.values = values

    def get(self, field: str) -> str | None:
        """The raw text of ``field`` (``None`` when empty or absent)."""
        i = self.table.index.get(field)
        if i is None:
            return None
        try:
            return self.values[i] or None
        except IndexError:
            return None

    def where(self, field: str) -> Where:
        return Where(self.table.file, self.line, f"{self.table.name}.{field}")

    def number(self, field: str, *, integer: bool = False) -> Any:
        return self.number_of(self.get(field), field, integer=integer)

    def number_of(self, text: str | None, field: str, *, integer: bool = False) -> Any:
        """:meth:`number` of ``text``, the value of ``field`` already looked up."""
        if text is None:
            return None
        if not integer and len(text) < 20:  # fast path for ordinary values
            try:
                value = float(text)
            except ValueError:
                pass
            else:
                if abs(value) <= MAX_HOURS:  # also false for nan
                    return int(value) if value == int(value) else value
        return self.where(field).number(text, integer=integer)

    def local(self, field: str) -> _dt.datetime | None:
        return self.local_of(self.get(field), field)

    def local_of(self, text: str | None, field: str) -> _dt.datetime | None:
        """:meth:`local` of ``text``, the value of ``field`` already looked up."""
        if text is None or text.startswith("1899-12-30"):
            return None
        return self.where(field).local(text)

    def flag(self, field: str, default: bool = False) -> bool:
        return _flag(self.get(field), default)


def _flag(text: str | None, default: bool = False) -> bool:
    if text is None:
        return default
    return text.strip().upper() == "Y"


def _columns(table: XerTable | None, fields: Iterable[str]) -> list[tuple[str, int]]:
    """``(field, position)`` of the ``fields`` the table has (for :func:`_pick`)."""
    if table is None:
        return []
    index = table.index
    return [(f, index[f]) for f in fields if f in index]


def _pick(row: XerRow, columns: list[tuple[str, int]]) -> dict[str, str]:
    """The non-empty values of some fields of a row: ``get`` for many fields at once.

    A field missing from the result is one :meth:`XerRow.get` gives ``None`` for.
    """
    values = row.values
    n = len(values)
    return {f: values[i] for f, i in columns if i < n and values[i]}


def _reader(table: XerTable | None, fields: tuple[str, ...]
            ) -> Callable[[list[str]], tuple[str, ...]]:
    """A function from a row's values to those of ``fields`` (``""`` where ``get`` gives None).

    The usual row has every field: one ``itemgetter`` call reads them all.
    """
    index = table.index if table is not None else {}
    positions = [index.get(f) for f in fields]
    known = [i for i in positions if i is not None]
    if len(known) == len(positions) > 1:
        picker = operator.itemgetter(*known)
        need = max(known) + 1

        def read(values: list[str]) -> tuple[str, ...]:
            if len(values) >= need:
                return picker(values)  # type: ignore[no-any-return]
            return tuple(values[i] if i < len(values) else "" for i in known)
        return read

    def read_some(values: list[str]) -> tuple[str, ...]:
        n = len(values)
        return tuple(values[i] if i is not None and i < n else "" for i in positions)
    return read_some


_VALUES = operator.attrgetter("values")


def _column(table: XerTable | None, field: str) -> list[str | None]:
    """``row.get(field)`` for every row of the table, in order."""
    if table is None:
        return []
    i = table.index.get(field)
    if i is None:
        return [None] * len(table.rows)
    return [(v[i] or None) if len(v) > i else None for v in map(_VALUES, table.rows)]


class XerTable:
    """A ``%T`` table: field names and rows."""

    __slots__ = ("fields", "file", "index", "line", "name", "rows")

    def __init__(self, name: str, file: str, line: int) -> None:
        self.name = name
        self.file = file
        self.line = line
        self.fields: list[str] = []
        self.index: dict[str, int] = {}
        self.rows: list[XerRow] = []

    def __iter__(self) -> Iterator[XerRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


class XerDocument:
    """A parsed XER file: header, encoding and tables (only the ones projtrack uses)."""

    def __init__(self, file: str, encoding: str, header: list[str]) -> None:
        self.file = file
        self.encoding = encoding
        self.header = header
        self.tables: dict[str, XerTable] = {}
        self.table_names: list[str] = []

    @property
    def version(self) -> str | None:
        """The P6 version in the ``ERMHDR`` line (e.g. ``22.12``)."""
        return self.header[1] if len(self.header) > 1 and self.header[1] else None

    def table(self, name: str) -> list[XerRow]:
        t = self.tables.get(name)
        return t.rows if t is not None else []


# =========================================================================== decoding


def _guess_codepage(data: bytes) -> str:
    """cp1251 when high bytes form whole words (Cyrillic), else cp1252."""
    cyrillic = latin = 0
    for run in re.findall(rb"[A-Za-z\xa8\xb8\xc0-\xff]{3,}", data[: 1 << 22]):
        high = sum(1 for b in run if b >= 0xA8)
        if high == len(run):
            cyrillic += 1
        elif high:
            latin += 1
    return "cp1251" if cyrillic > latin else "cp1252"


def _decode(data: bytes, encoding: str | None, file: str) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
        chosen = ["utf-8"]
    elif encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ImportFormatError(
                f"unknown encoding {encoding!r}; use e.g. 'cp1252', 'cp1251' or 'utf-8'",
                file=file, field="encoding",
            ) from None
        chosen = [encoding]
    else:
        guess = _guess_codepage(data)
        other = "cp1252" if guess == "cp1251" else "cp1251"
        chosen = ["utf-8", guess, other]
    for name in chosen:
        try:
            return data.decode(name), name
        except UnicodeDecodeError as exc:
            last = exc
    line = data.count(b"\n", 0, last.start) + 1
    raise ImportFormatError(
        f"byte 0x{data[last.start]:02x} cannot be decoded as {chosen[-1]}; pass "
        "encoding= with the file's code page (P6 writes cp1252, cp1251, ... or utf-8)",
        file=file, line=line,
    )


# =========================================================================== parsing


def parse_xer(source: str | os.PathLike[str] | bytes, *, encoding: str | None = None
              ) -> XerDocument:
    """Parse an XER file into tables (no model objects yet).

    Parameters
    ----------
    source
        A path, or the raw bytes of the file.
    encoding
        The code page; ``None`` tries UTF-8, then guesses between cp1252 and
        cp1251 (Cyrillic).

    Raises
    ------
    ImportFormatError
        On a missing header, a row before its ``%F`` line, a row with more
        values than fields, a missing ``%E``; the message names the line.

    Examples
    --------
    >>> doc = parse_xer(b"ERMHDR\\t22.12\\n%T\\tPROJECT\\n%F\\tproj_id\\tproj_short_name\\n"
    ...                 b"%R\\t1\\tDEMO\\n%E\\n")
    >>> doc.version, [r.get("proj_short_name") for r in doc.table("PROJECT")]
    ('22.12', ['DEMO'])
    """
    with gc_paused():  # a row and a list of values per line, no cycles among them
        return _parse_xer(source, encoding)


def _parse_xer(source: str | os.PathLike[str] | bytes, encoding: str | None) -> XerDocument:
    data, file = read_input(source, "xer")
    text, used = _decode(data, encoding, file)
    lines = text.split("\n")
    first = lines[0].rstrip("\r") if lines else ""
    if not first.startswith("ERMHDR"):
        raise ImportFormatError(
            "not an XER file: the first line must start with ERMHDR (export the project "
            "from P6 as XER)", file=file, line=1,
        )
    doc = XerDocument(file, used, first.split("\t"))
    table: XerTable | None = None
    ended = False
    width = 0  # len(table.fields): 0 before a %F line
    keep: list[XerRow] | None = None  # table.rows, for a table the reader uses
    for number, raw in enumerate(lines[1:], start=2):
        if width and raw[:3] == "%R\t" and table is not None:  # the usual line, as below
            values = raw.split("\t")  # = ["%R", *raw[3:].rstrip("\r").split("\t")]
            del values[0]
            if values[-1][-1:] == "\r":
                values[-1] = values[-1].rstrip("\r")
            if len(values) > width:
                raise ImportFormatError(
                    f"the row has {len(values)} values but %F names {width} "
                    "fields (a tab inside a value?)",
                    file=file, line=number, field=table.name,
                )
            if keep is not None:
                keep.append(XerRow(table, number, values))
            continue
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        tag, _, rest = line.partition("\t")
        if tag == "%R":
            if table is None or not table.fields:
                raise ImportFormatError("a %R row comes before any %T/%F lines",
                                        file=file, line=number)
            values = rest.split("\t")
            if len(values) > len(table.fields):
                raise ImportFormatError(
                    f"the row has {len(values)} values but %F names {len(table.fields)} "
                    "fields (a tab inside a value?)",
                    file=file, line=number, field=table.name,
                )
            if table.name in _USED_TABLES:
                table.rows.append(XerRow(table, number, values))
        elif tag == "%T":
            name = rest.strip()
            if not name:
                raise ImportFormatError("%T without a table name", file=file, line=number)
            table = doc.tables.get(name)
            if table is None:
                table = XerTable(name, file, number)
                doc.tables[name] = table
                doc.table_names.append(name)
            else:
                table.fields = []  # a repeated table restates its fields
            width = 0
            keep = table.rows if name in _USED_TABLES else None
        elif tag == "%F":
            if table is None:
                raise ImportFormatError("%F comes before any %T line", file=file, line=number)
            fields = [f.strip() for f in rest.split("\t")]
            table.fields = fields
            table.index = {}
            for i, f in enumerate(fields):
                table.index.setdefault(f, i)
            width = len(fields)
        elif tag == "%E":
            ended = True
            break
        else:
            raise ImportFormatError(
                f"unexpected line starting {tag[:10]!r}; XER lines start with %T, %F, %R or %E",
                file=file, line=number,
            )
    if not ended:
        raise ImportFormatError(
            "the file ends without the %E line; it is truncated, export it again",
            file=file, line=len(lines),
        )
    for name in _REQUIRED_TABLES:
        if name not in doc.tables:
            raise ImportFormatError(
                f"the file has no {name} table; export whole projects from P6", file=file,
                field=name,
            )
    return doc


# =========================================================================== calendars


class _Node:
    __slots__ = ("attrs", "children", "key")

    def __init__(self, key: str, attrs: dict[str, str]) -> None:
        self.key = key
        self.attrs = attrs
        self.children: list[_Node] = []

    def child(self, key: str) -> _Node | None:
        for c in self.children:
            if c.key.lower() == key.lower():
                return c
        return None


_MAX_DEPTH = 32


def parse_structured_text(text: str, where: Where) -> _Node:
    """Parse P6's structured text ``(0||KEY(name|value|...)(children))``.

    Examples
    --------
    >>> root = parse_structured_text("(0||CalendarData()((0||VIEW(ShowTotal|Y)())))", Where(None))
    >>> root.key, root.children[0].key, root.children[0].attrs
    ('CalendarData', 'VIEW', {'ShowTotal': 'Y'})
    """
    pos, n = 0, len(text)
    stack: list[_Node] = []
    root: _Node | None = None
    while True:
        while pos < n and (text[pos].isspace() or text[pos] == "\x7f"):
            pos += 1  # P6 writes line breaks inside values as 0x7F 0x7F
        if pos >= n:
            break
        c = text[pos]
        if c == "(":
            open_attrs = text.find("(", pos + 1)
            if open_attrs < 0:
                raise where.error(f"calendar data is cut short at character {pos}")
            header = text[pos + 1:open_attrs]
            number, sep, key = header.partition("||")
            if not sep or not number.strip().isdigit():
                raise where.error(f"calendar data: bad node header {header[:20]!r} at "
                                  f"character {pos}")
            close_attrs = text.find(")", open_attrs + 1)
            if close_attrs < 0 or close_attrs + 1 >= n or text[close_attrs + 1] != "(":
                raise where.error(f"calendar data: node {key[:20]!r} at character {pos} is "
                                  "not followed by its children")
            items = text[open_attrs + 1:close_attrs].split("|")
            attrs = ({items[i].strip(): items[i + 1].strip()
                      for i in range(0, len(items) - 1, 2)} if len(items) > 1 else {})
            node = _Node(key.strip(), attrs)
            if stack:
                stack[-1].children.append(node)
            elif root is None:
                root = node
            else:
                raise where.error(f"calendar data has a second root at character {pos}")
            stack.append(node)
            if len(stack) > _MAX_DEPTH:
                raise where.error("calendar data is nested too deeply")
            pos = close_attrs + 2
        elif c == ")":
            if not stack:
                raise where.error(f"calendar data: unbalanced ')' at character {pos}")
            pos += 1
            while pos < n and (text[pos].isspace() or text[pos] == "\x7f"):
                pos += 1
            if pos >= n or text[pos] != ")":
                raise where.error(f"calendar data: node {stack[-1].key[:20]!r} is not closed")
            stack.pop()
            pos += 1
        else:
            raise where.error(f"calendar data: unexpected {c!r} at character {pos}")
    if stack or root is None:
        raise where.error("calendar data is empty or cut short")
    return root


def _clock(text: str | None, where: Where, *, finish: bool) -> int:
    if text is None:
        raise where.error("a working period lacks its s (start) or f (finish) time")
    m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*", text)
    if m is None:
        raise where.error(f"{text[:12]!r} is not a time HH:MM")
    hours, minutes = int(m.group(1)), int(m.group(2))
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        raise where.error(f"{text!r} is not a time of day")
    value = hours * 60 + minutes
    if finish and value == 0:
        return 1440  # P6 writes the end of the day as 00:00
    return value


def _periods(node: _Node, where: Where) -> tuple[tuple[int, int], ...]:
    out = []
    for child in node.children:
        s = _clock(child.attrs.get("s"), where, finish=False)
        f = _clock(child.attrs.get("f"), where, finish=True)
        if s == 1440:
            continue
        if f < s:
            raise where.error(f"working period {child.attrs.get('s')}-{child.attrs.get('f')} "
                              "ends before it starts")
        if f > s:
            out.append((s, f))
    return merge_periods(out)


def calendar_from_clndr_data(name: str, text: str | None, where: Where, *,
                             hours_per_day: float | None = None,
                             description: str = "") -> Calendar:
    """Build a :class:`~projtrack.Calendar` from P6 ``clndr_data`` text.

    Examples
    --------
    >>> data = ("(0||CalendarData()("
    ...         "(0||DaysOfWeek()((0||1()())"
    ...         "(0||2()((0||0(f|12:00|s|8:00)())(0||1(s|13:00|f|17:00)())))))"
    ...         "(0||Exceptions()((0||0(d|45658)())))))")
    >>> cal = calendar_from_clndr_data("c", data, Where(None))
    >>> cal.work_week[0], cal.work_week[6], cal.exceptions[0].start
    (((480, 720), (780, 1020)), (), Date(2025, 1, 1))
    """
    if text is None or not text.strip():
        return Calendar(name=name, work_week=_P6_DEFAULT_WEEK, hours_per_day=hours_per_day,
                        description=description)
    root = parse_structured_text(text, where)
    days = root.child("DaysOfWeek")
    week: list[tuple[tuple[int, int], ...]] = [()] * 7
    if days is None:
        week = list(_P6_DEFAULT_WEEK)
    else:
        for day in days.children:
            if not day.key.isdigit() or not 1 <= int(day.key) <= 7:
                raise where.error(f"calendar data: {day.key[:10]!r} is not a weekday 1-7")
            week[(int(day.key) - 2) % 7] = _periods(day, where)
    exceptions: dict[int, tuple[tuple[int, int], ...]] = {}
    block = root.child("Exceptions")
    if block is not None:
        for exc in block.children:
            serial = exc.attrs.get("d")
            if serial is None or not serial.strip().isdigit() or len(serial) > 7:
                raise where.error(f"calendar exception {exc.key[:10]!r} has no day number d")
            day_number = int(serial)
            if not 366 <= day_number <= 110_000:  # 1901 .. 2201
                raise where.error(f"calendar exception day {day_number} is out of range")
            exceptions[day_number] = _periods(exc, where)
    items = [
        CalendarException(
            start=pendulum.Date.fromordinal(_EPOCH.toordinal() + d),
            hours=hours,
        )
        for d, hours in sorted(exceptions.items())
    ]
    try:
        return Calendar(name=name, work_week=week, exceptions=items,
                        hours_per_day=hours_per_day, description=description)
    except ProjtrackError as exc:
        raise where.relocate(exc) from None


# =========================================================================== projects


def _wbs_paths(doc: XerDocument, proj_id: str) -> tuple[dict[str, tuple[str, ...]],
                                                       dict[str, str | None], str | None]:
    """WBS path (short names below the project node) and stage name per wbs_id."""
    nodes = {wbs_id: r for r in doc.table("PROJWBS")
             if r.get("proj_id") == proj_id and (wbs_id := r.get("wbs_id")) is not None}
    root_name = None
    paths: dict[str, tuple[str, ...]] = {}
    stages: dict[str, str | None] = {}
    for row in nodes.values():
        if row.flag("proj_node_flag"):
            root_name = row.get("wbs_name")
    for wbs_id in nodes:
        chain: list[XerRow] = []
        seen: set[str | None] = set()
        node: XerRow | None = nodes[wbs_id]
        while node is not None and node.get("wbs_id") not in seen:
            seen.add(node.get("wbs_id"))
            if node.flag("proj_node_flag"):
                break
            chain.append(node)
            parent = node.get("parent_wbs_id")
            node = nodes.get(parent) if parent is not None else None
        chain.reverse()
        paths[wbs_id] = tuple((r.get("wbs_short_name") or r.get("wbs_name") or "") for r in chain)
        stages[wbs_id] = (chain[0].get("wbs_name") or chain[0].get("wbs_short_name")) if chain \
            else None
    return paths, stages, root_name


def _options(row: XerRow | None, project_row: XerRow, hours_per_day: float
             ) -> tuple[ScheduleOptions, dict[str, Any]]:
    extra: dict[str, Any] = {}
    kwargs: dict[str, Any] = {}
    ctype = project_row.get("critical_path_type")
    if ctype == "CT_DrivPath":
        kwargs["critical_path"] = "longest_path"
    hours = project_row.number("critical_drtn_hr_cnt")
    if hours is not None:
        kwargs["critical_float"] = hours / hours_per_day if hours_per_day else 0.0
        extra["critical_float_hours"] = hours
    if ctype is not None:
        extra["critical_path_type"] = ctype
    if row is not None:
        lag = row.get("sched_calendar_on_relationship_lag")
        if lag is not None:
            if lag not in LAG_CALENDARS:
                raise row.where("sched_calendar_on_relationship_lag").error(
                    f"{lag!r} is not one of {', '.join(LAG_CALENDARS)}")
            kwargs["lag_calendar"] = LAG_CALENDARS[lag]
        ftype = row.get("sched_float_type")
        if ftype is not None:
            if ftype not in FLOAT_TYPES:
                raise row.where("sched_float_type").error(
                    f"{ftype!r} is not one of {', '.join(FLOAT_TYPES)}")
            kwargs["float_type"] = FLOAT_TYPES[ftype]
        if row.flag("sched_retained_logic", default=True):
            kwargs["progress"] = "retained_logic"
        elif row.flag("sched_progress_override"):
            kwargs["progress"] = "progress_override"
        else:
            kwargs["progress"] = "retained_logic"
            extra["progress"] = "actual_dates"  # not in ScheduleOptions yet
        kwargs["open_ends_critical"] = row.flag("sched_open_critical_flag")
        kwargs["ss_lag_from"] = ("early_start" if row.flag("sched_lag_early_start_flag",
                                                           default=True) else "actual_start")
        extra["external_links"] = "ignore" if row.get("sched_outer_depend_type") == "SD_None" \
            else "honour"
        extra["use_expected_finish"] = row.flag("sched_use_expect_end_flag")
        extra["float_to_project_finish"] = row.flag("sched_use_project_end_date_for_float")
    try:
        return ScheduleOptions(**kwargs), extra
    except ProjtrackError as exc:
        raise (row or project_row).where("SCHEDOPTIONS").relocate(exc) from None


#: The TASK fields :meth:`_Builder.activity` reads, and the TASKPRED fields of a link.
_ACTIVITY_FIELDS = (
    "task_id", "task_code", "task_type", "status_code", "target_drtn_hr_cnt",
    "remain_drtn_hr_cnt", "clndr_id", "cstr_type", "cstr_date", "cstr_type2", "cstr_date2",
    "act_start_date", "act_end_date", "complete_pct_type", "phys_complete_pct",
    "expect_end_date", "suspend_date", "resume_date", "wbs_id", "task_name",
)
_LINK_FIELDS = ("task_pred_id", "task_id", "pred_task_id", "proj_id", "pred_proj_id",
                "pred_type", "lag_hr_cnt")


def _link_entry(pred: tuple[XerRow, str | None, str | None],
                succ: tuple[XerRow, str | None, str | None], pred_proj: str | None,
                succ_proj: str | None, short_names: dict[str | None, str | None], kind: str,
                lag: float) -> dict[str, Any]:
    """A link kept in ``attrs`` (``external_links``, ``dangling_links``)."""
    return {
        "pred": pred[2],
        "pred_project": short_names.get(pred_proj, pred_proj),
        "succ": succ[2],
        "succ_project": short_names.get(succ_proj, succ_proj),
        "type": kind, "lag": lag, "lag_unit": "h",
    }


class _Builder:
    """Turns the tables of one XER document into projects."""

    def __init__(self, doc: XerDocument, tz: str) -> None:
        self.doc = doc
        self.tz = tz
        self.calendars = {r.get("clndr_id"): r for r in doc.table("CALENDAR")}
        task_table = doc.tables.get("TASK")
        tasks = doc.table("TASK")
        #: ``get("proj_id")`` of each TASK row, in order.
        self.task_projects = _column(task_table, "proj_id")
        #: task_id -> (row, its proj_id, its task_code); the last row of an id wins.
        self.tasks_by_id: dict[str | None, tuple[XerRow, str | None, str | None]] = dict(zip(
            _column(task_table, "task_id"),
            zip(tasks, self.task_projects, _column(task_table, "task_code"), strict=True),
            strict=True))
        rsrc_cal = {r.get("rsrc_id"): r.get("clndr_id") for r in doc.table("RSRC")}
        self.task_rsrc_cals: dict[str | None, set[str | None]] = {}
        for r in doc.table("TASKRSRC"):
            cal = rsrc_cal.get(r.get("rsrc_id"))
            if cal is not None:
                self.task_rsrc_cals.setdefault(r.get("task_id"), set()).add(cal)
        self.short_names = {r.get("proj_id"): r.get("proj_short_name") for r in
                            doc.table("PROJECT")}
        self._numbers: dict[str, Any] = {}

    def when(self, row: XerRow, field: str) -> pendulum.DateTime | None:
        return self.when_of(row, row.get(field), field)

    def number_of(self, row: XerRow, text: str | None, field: str) -> Any:
        """``row.number_of(text, field)``, once per distinct text (files repeat a few values)."""
        if text is None:
            return None
        value = self._numbers.get(text)
        if value is None:
            value = self._numbers[text] = row.number_of(text, field)
        return value

    def when_of(self, row: XerRow, text: str | None, field: str) -> pendulum.DateTime | None:
        value = row.local_of(text, field)
        return None if value is None else local_datetime(value, self.tz)

    def calendar_set(self, proj_id: str | None) -> tuple[list[Calendar], dict[str, str],
                                                         dict[str, Any]]:
        """Calendars visible to a project: global, resource and its own project calendars."""
        out: list[Calendar] = []
        names: dict[str, str] = {}
        meta: dict[str, Any] = {}
        taken: set[str] = set()
        for clndr_id, row in self.calendars.items():
            owner = row.get("proj_id")
            ctype = row.get("clndr_type")
            if ctype == "CA_Project" and owner is not None and owner != proj_id:
                continue
            name = unique_name(row.get("clndr_name") or f"calendar {clndr_id}", taken,
                               str(clndr_id))
            taken.add(name)
            hpd = row.number("day_hr_cnt")
            if hpd is not None and not 0 < hpd <= 24:
                hpd = None
            cal = calendar_from_clndr_data(name, row.get("clndr_data"), row.where("clndr_data"),
                                           hours_per_day=hpd)
            out.append(cal)
            names[str(clndr_id)] = name
            meta[name] = {k: v for k, v in (("clndr_id", clndr_id), ("type", ctype),
                                            ("base_clndr_id", row.get("base_clndr_id")),
                                            ("default", row.flag("default_flag")))
                          if v is not None}
        return out, names, meta

    def project(self, prow: XerRow) -> Project:
        doc = self.doc
        proj_id = prow.get("proj_id")
        if proj_id is None:
            raise prow.where("proj_id").error("the project has no proj_id")
        short = prow.get("proj_short_name") or f"project {proj_id}"
        calendars, cal_names, cal_meta = self.calendar_set(proj_id)
        default_cal = cal_names.get(prow.get("clndr_id") or "")
        if default_cal is None:
            for clndr_id, row in self.calendars.items():
                if row.flag("default_flag") and str(clndr_id) in cal_names:
                    default_cal = cal_names[str(clndr_id)]
                    break
        if default_cal is None:
            if calendars:
                default_cal = calendars[0].name
            else:
                default_cal = "P6 default"
                calendars.append(Calendar(name=default_cal, work_week=_P6_DEFAULT_WEEK,
                                          description="P6's built-in Mon-Fri 08:00-16:00"))
        hpd_default = next((c.hours_per_day for c in calendars if c.name == default_cal),
                           None) or 8.0
        sched_row = next((r for r in doc.table("SCHEDOPTIONS") if r.get("proj_id") == proj_id),
                         None)
        options, p6_options = _options(sched_row, prow, hpd_default)
        paths, stages, root_name = _wbs_paths(doc, proj_id)

        data_date = self.when(prow, "last_recalc_date")
        plan_start = prow.local("plan_start_date")
        tasks = [r for r, p in zip(doc.table("TASK"), self.task_projects, strict=True)
                 if p == proj_id]
        if plan_start is None:
            candidates = [d for d in (prow.local("last_recalc_date"),
                                      *(r.local("target_start_date") for r in tasks)) if d]
            plan_start = min(candidates) if candidates else None
        if plan_start is None:
            raise prow.where("plan_start_date").error(
                "the project has no planned start (plan_start_date) and no dates to infer it")
        start = pendulum.Date(plan_start.year, plan_start.month, plan_start.day)

        activities: list[Activity] = []
        act_lines: list[int] = []
        code_of: dict[str | None, str] = {}
        seen_codes: dict[str, int] = {}
        columns = _columns(doc.tables.get("TASK"), _ACTIVITY_FIELDS)
        for row in tasks:
            values = _pick(row, columns)
            act = self.activity(row, cal_names, paths, stages, values)
            if act.id in seen_codes:
                raise row.where("task_code").error(
                    f"activity id {act.id!r} is used twice in project {short!r} (also line "
                    f"{seen_codes[act.id]}); P6 activity ids must be unique")
            seen_codes[str(act.id)] = row.line
            code_of[values.get("task_id")] = str(act.id)
            activities.append(act)
            act_lines.append(row.line)

        links: list[Link] = []
        link_lines: list[int] = []
        external: list[dict[str, Any]] = []
        dangling: list[dict[str, Any]] = []
        tasks_by_id = self.tasks_by_id
        short_names = self.short_names
        read = _reader(doc.tables.get("TASKPRED"), _LINK_FIELDS)
        for row in doc.table("TASKPRED"):
            (task_pred_id, succ_text, pred_text, row_proj, row_pred_proj, ptype,
             lag_text) = read(row.values)
            task_id = succ_text or None
            pred_task_id = pred_text or None
            succ_task = tasks_by_id.get(task_id)
            pred_task = tasks_by_id.get(pred_task_id)
            succ_proj = row_proj or (succ_task[1] if succ_task else None)
            pred_proj = row_pred_proj or (pred_task[1] if pred_task else None)
            if proj_id not in (succ_proj, pred_proj):
                continue
            ptype = ptype or "PR_FS"
            if ptype not in LINK_TYPES:
                raise row.where("pred_type").error(
                    f"{ptype!r} is not one of {', '.join(LINK_TYPES)}")
            lag = self.number_of(row, lag_text or None, "lag_hr_cnt") or 0
            if succ_task is None or pred_task is None:
                if succ_proj == proj_id:
                    dangling.append({"task_pred_id": task_pred_id or None,
                                     "pred_task_id": pred_task_id,
                                     "task_id": task_id,
                                     "type": LINK_TYPES[ptype], "lag": lag, "lag_unit": "h"})
                continue
            if succ_proj != pred_proj or pred_task[1] != succ_task[1]:
                external.append(_link_entry(pred_task, succ_task, pred_proj, succ_proj,
                                            short_names, LINK_TYPES[ptype], lag))
                continue
            try:
                # The rows were found by these ids: they are the rows' own task_id.
                links.append(Link(pred=code_of[pred_task_id], succ=code_of[task_id],
                                  type=LINK_TYPES[ptype], lag=lag, lag_unit="h"))
            except KeyError:  # a task listed under another project than its row says
                dangling.append(_link_entry(pred_task, succ_task, pred_proj, succ_proj,
                                            short_names, LINK_TYPES[ptype], lag))
                continue
            except ProjtrackError as exc:
                raise row.where("TASKPRED").relocate(exc) from None
            link_lines.append(row.line)

        attrs: dict[str, Any] = {"source": "xer", "p6_proj_id": proj_id,
                                 "xer_encoding": doc.encoding}
        if doc.version:
            attrs["p6_version"] = doc.version
        if p6_options:
            attrs["p6_options"] = p6_options
        scd_end = prow.local("scd_end_date")
        if scd_end is not None:
            attrs["p6_scheduled_finish"] = scd_end.isoformat(sep=" ", timespec="minutes")
        attrs["p6_calendars"] = cal_meta
        if external:
            attrs["external_links"] = external
        if dangling:
            attrs["dangling_links"] = dangling
        try:
            return Project(
                id=short,
                name=root_name or short,
                start=start,
                timezone=self.tz,
                calendar=default_cal,
                activities=activities,
                links=links,
                calendars=calendars,
                options=options,
                data_date=data_date,
                must_finish_by=self.when(prow, "plan_end_date"),
                attrs=attrs,
            )
        except ProjtrackError as exc:
            raise self._locate(exc, prow, act_lines, link_lines) from None

    def _locate(self, exc: ProjtrackError, prow: XerRow, act_lines: list[int],
                link_lines: list[int]) -> ImportFormatError:
        field = exc.field or ""
        m = re.match(r"(activities|links)\[(\d+)\]", field)
        if m:
            lines = act_lines if m.group(1) == "activities" else link_lines
            i = int(m.group(2))
            table = "TASK" if m.group(1) == "activities" else "TASKPRED"
            if i < len(lines):
                return Where(self.doc.file, lines[i], table).relocate(exc)
        return prow.where("PROJECT").relocate(exc)

    def activity(self, row: XerRow, cal_names: dict[str, str],
                 paths: dict[str, tuple[str, ...]], stages: dict[str, str | None],
                 values: dict[str, str] | None = None) -> Activity:
        """The activity of a TASK row (``values``: ``_pick(row, ...)`` of its fields)."""
        if values is None:
            values = _pick(row, _columns(row.table, _ACTIVITY_FIELDS))
        get = values.get
        code = get("task_code")
        if code is None or not code.strip():
            raise row.where("task_code").error("the activity has no id (task_code)")
        ttype = get("task_type") or "TT_Task"
        status = get("status_code") or "TK_NotStart"
        attrs: dict[str, Any] = {"p6_task_id": get("task_id"), "p6_task_type": ttype,
                                 "p6_status": status}
        kind = "task"
        milestone_type = None
        duration = self.number_of(row, get("target_drtn_hr_cnt"), "target_drtn_hr_cnt") or 0
        remain = self.number_of(row, get("remain_drtn_hr_cnt"), "remain_drtn_hr_cnt")
        if duration < 0:
            raise row.where("target_drtn_hr_cnt").error(f"{duration:g} is negative")
        if remain is not None and remain < 0:
            raise row.where("remain_drtn_hr_cnt").error(f"{remain:g} is negative")
        if ttype in ("TT_Mile", "TT_FinMile"):
            kind = "milestone"
            milestone_type = "start" if ttype == "TT_Mile" else "finish"
            if duration:
                attrs["p6_target_drtn_hr_cnt"] = duration
            duration = 0
            if remain:
                remain = 0
        clndr = get("clndr_id")
        calendar = cal_names.get(clndr) if clndr is not None else None
        if clndr is not None and calendar is None:
            raise row.where("clndr_id").error(f"calendar {clndr} is not in the CALENDAR table")
        if ttype == "TT_Rsrc":
            rcals = {cal_names.get(str(c)) for c in self.task_rsrc_cals.get(get("task_id"), ())}
            rcals.discard(None)
            if len(rcals) == 1:
                rcal = rcals.pop()
                if rcal != calendar:
                    attrs["p6_activity_calendar"] = calendar
                    calendar = rcal
            elif len(rcals) > 1:
                attrs["p6_resource_calendars"] = sorted(c for c in rcals if c)
        constraints: list[Constraint] = []
        for tfield, dfield in (("cstr_type", "cstr_date"), ("cstr_type2", "cstr_date2")):
            ctype = get(tfield)
            if ctype is None:
                continue
            if ctype not in CONSTRAINTS:
                raise row.where(tfield).error(f"{ctype!r} is not one of {', '.join(CONSTRAINTS)}")
            model_type = CONSTRAINTS[ctype]
            date = (None if model_type == "as_late_as_possible"
                    else self.when_of(row, get(dfield), dfield))
            if model_type != "as_late_as_possible" and date is None:
                raise row.where(dfield).error(f"constraint {ctype} has no date")
            if any(c.type == model_type for c in constraints) or (
                constraints and "as_late_as_possible" in {model_type, constraints[0].type}
                and ({model_type, constraints[0].type} & {"start_on", "finish_on",
                                                           "mandatory_start",
                                                           "mandatory_finish"})):
                attrs[f"p6_{tfield}_dropped"] = ctype
                continue
            try:
                constraints.append(Constraint(model_type, date))
            except ProjtrackError as exc:
                raise row.where(tfield).relocate(exc) from None
        actual_start = self.when_of(row, get("act_start_date"), "act_start_date")
        actual_finish = self.when_of(row, get("act_end_date"), "act_end_date")
        if actual_finish is not None and actual_start is None:
            raise row.where("act_start_date").error(
                "the activity has an actual finish but no actual start")
        percent = None
        pct_type = get("complete_pct_type")
        if pct_type:
            attrs["p6_complete_pct_type"] = pct_type
        phys = self.number_of(row, get("phys_complete_pct"), "phys_complete_pct")
        if status == "TK_Complete" or actual_finish is not None:
            percent = 100
        elif pct_type == "CP_Phys" and phys is not None:
            percent = min(max(phys, 0), 100)
        elif status == "TK_Active" and remain is not None and duration:
            percent = min(max(round((duration - remain) / duration * 100, 4), 0), 100)
        if phys:
            attrs["p6_phys_complete_pct"] = phys
        remaining = None
        if remain is not None and (status != "TK_NotStart" or remain != duration):
            remaining = remain
        resume = None
        if actual_start is not None and actual_finish is None and get("suspend_date"):
            # Suspended, then resumed: P6 schedules the remaining work from the resume date.
            resume = self.when_of(row, get("resume_date"), "resume_date")
            if resume is not None and resume < actual_start:
                resume = None
        for field in ("expect_end_date", "suspend_date", "resume_date"):
            value = row.local_of(get(field), field)
            if value is not None and not (field == "resume_date" and resume is not None):
                attrs[f"p6_{field}"] = value.isoformat(sep=" ", timespec="minutes")
        wbs_id = get("wbs_id")
        try:
            return Activity(
                id=code.strip(),
                name=get("task_name") or "",
                kind=kind,
                duration=duration,
                duration_unit="h",
                calendar=calendar,
                stage=stages.get(wbs_id) if wbs_id else None,
                wbs=paths.get(wbs_id, ()) if wbs_id else (),
                constraints=constraints,
                milestone_type=milestone_type,
                actual_start=actual_start,
                actual_finish=actual_finish,
                resume=resume,
                remaining_duration=remaining,
                percent_complete=percent,
                attrs=attrs,
            )
        except ProjtrackError as exc:
            raise row.where("TASK").relocate(exc) from None


def _timezone(tz: str) -> str:
    try:
        return check_timezone(tz)
    except ValueError as exc:
        raise ImportFormatError(str(exc), field="timezone") from None


def read_xer(path: str | os.PathLike[str] | bytes, *, encoding: str | None = None,
             timezone: str = DEFAULT_TIMEZONE) -> list[Project]:
    """Read a Primavera P6 XER file: one :class:`~projtrack.Project` per project in it.

    Parameters
    ----------
    path
        The ``.xer`` file (or its bytes).
    encoding
        Code page of the file. ``None`` (default) tries UTF-8 and then
        chooses between cp1252 and cp1251 (Cyrillic) from the text.
    timezone
        IANA zone of the file's local date-times (XER stores none).

    Returns
    -------
    list of Project
        In the order of the ``PROJECT`` table. ``project.attrs`` keeps what
        the model has no field for: ``p6_options`` (SCHEDOPTIONS settings
        such as ``external_links`` and ``use_expected_finish``),
        ``external_links`` (links to or from other projects),
        ``p6_calendars`` (P6 ids and types) and the encoding used.

    Raises
    ------
    ImportFormatError
        For anything wrong with the file, naming the line and the field.

    Examples
    --------
    >>> xer = '''ERMHDR\\t22.12
    ... %T\\tPROJECT
    ... %F\\tproj_id\\tproj_short_name\\tplan_start_date\\tlast_recalc_date
    ... %R\\t1\\tDEMO\\t2024-03-04 08:00\\t2024-03-04 08:00
    ... %T\\tTASK
    ... %F\\ttask_id\\tproj_id\\ttask_code\\ttask_type\\ttarget_drtn_hr_cnt
    ... %R\\t10\\t1\\tA100\\tTT_Task\\t16
    ... %R\\t11\\t1\\tA110\\tTT_FinMile\\t0
    ... %T\\tTASKPRED
    ... %F\\ttask_pred_id\\ttask_id\\tpred_task_id\\tpred_type\\tlag_hr_cnt
    ... %R\\t1\\t11\\t10\\tPR_FS\\t8
    ... %E
    ... '''.replace("\\n", "\\r\\n").encode("cp1252")
    >>> [project] = pt.read_xer(xer)
    >>> project.id, [(a.id, a.duration, a.duration_unit) for a in project.activities]
    ('DEMO', [('A100', 16, 'h'), ('A110', 0, 'h')])
    >>> project.links[0]
    Link(pred='A100', succ='A110', type='FS', lag=8, lag_unit='h')
    >>> str(project.data_date)
    '2024-03-04 08:00:00+08:00'
    """
    tz = _timezone(timezone)
    with gc_paused():  # millions of rows, values and objects, no cycles among them
        return _read_projects(path, encoding, tz)


def _read_projects(path: str | os.PathLike[str] | bytes, encoding: str | None, tz: str
                   ) -> list[Project]:
    doc = _parse_xer(path, encoding)
    try:
        builder = _Builder(doc, tz)
        return [builder.project(row) for row in doc.table("PROJECT")]
    finally:
        # Rows and their table refer to each other: without this, the document would
        # wait for the collector (which resumes after this returns) to walk its rows.
        for table in doc.tables.values():
            table.rows = []


# =========================================================================== stored results


def stored_results(doc: XerDocument, timezone: str = DEFAULT_TIMEZONE
                   ) -> dict[str, dict[str, dict[str, Any]]]:
    """Dates and floats P6 computed, per project short name and activity id.

    Each activity maps to ``early_start``, ``early_finish``, ``late_start``,
    ``late_finish`` (aware DateTimes or ``None``), ``total_float_hours``,
    ``free_float_hours``, ``status``, ``task_type``, ``line``.

    Examples
    --------
    >>> doc = parse_xer(b"ERMHDR\\t22.12\\n%T\\tPROJECT\\n%F\\tproj_id\\tproj_short_name\\n"
    ...                 b"%R\\t1\\tP\\n%T\\tTASK\\n%F\\ttask_id\\tproj_id\\ttask_code\\t"
    ...                 b"early_start_date\\ttotal_float_hr_cnt\\n"
    ...                 b"%R\\t5\\t1\\tA1\\t2024-03-04 08:00\\t16\\n%E\\n")
    >>> r = stored_results(doc)["P"]["A1"]
    >>> str(r["early_start"]), r["total_float_hours"]
    ('2024-03-04 08:00:00+08:00', 16)
    """
    tz = _timezone(timezone)
    shorts = {r.get("proj_id"): r.get("proj_short_name") or f"project {r.get('proj_id')}"
              for r in doc.table("PROJECT")}
    out: dict[str, dict[str, dict[str, Any]]] = {s: {} for s in shorts.values()}

    def when(row: XerRow, field: str) -> pendulum.DateTime | None:
        value = row.local(field)
        return None if value is None else local_datetime(value, tz)

    for row in doc.table("TASK"):
        short = shorts.get(row.get("proj_id"))
        code = (row.get("task_code") or "").strip()
        if short is None or not code:
            continue
        out[short][code] = {
            "early_start": when(row, "early_start_date"),
            "early_finish": when(row, "early_end_date"),
            "late_start": when(row, "late_start_date"),
            "late_finish": when(row, "late_end_date"),
            "total_float_hours": row.number("total_float_hr_cnt"),
            "free_float_hours": row.number("free_float_hr_cnt"),
            "status": row.get("status_code"),
            "task_type": row.get("task_type"),
            "line": row.line,
        }
    return out
