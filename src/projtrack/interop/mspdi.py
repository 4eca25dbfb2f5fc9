"""Read and write Microsoft Project XML (MSPDI) files.

Reading (:func:`read_mspdi`):

* XML is parsed with :mod:`defusedxml`: document type declarations, entity
  expansion and external entities are refused, so "billion laughs" and XXE
  files raise :class:`~projtrack.ImportFormatError` instead of eating memory
  or reading local files.
* Activity id = the task's ``UID``. Summary tasks, the project summary task
  (UID 0), blank rows and inactive tasks are not activities; summary names
  become the activities' WBS path and stage.
* Durations keep MS Project's meaning exactly: working time in hours (unit
  ``h``), elapsed durations (``em``/``eh``/``ed``/``ew``/``emo``) in elapsed
  hours or days (``eh``/``ed``). The display format is kept in
  ``attrs["duration_format"]``.
* Lags (tenths of a minute): working lags in hours, elapsed lags in elapsed
  hours/days, percent lags (``%``, ``e%``) converted to the equivalent share
  of the predecessor's duration and listed in ``project.attrs["percent_lags"]``.
* Calendars with weekday hours, exceptions old (``DayType 0``) and new
  (recurring ``Exceptions``: daily, weekly, monthly, yearly, by count,
  expanded to dates), work weeks and base-calendar inheritance
  (``BaseCalendarUID``). Every calendar gets ``hours_per_day`` from the
  project's ``MinutesPerDay``, which is how MS Project turns days into time.
* Constraints (``ConstraintType`` 0-7 and ``Deadline``), actual dates,
  remaining duration, percent complete; manually scheduled tasks are flagged
  with ``attrs["manual"] = True``.

Writing (:func:`write_mspdi`) produces a Project 2007 schema file
(``SaveVersion`` 12) that MS Project and ProjectLibre open (checked by reading
the files back with MPXJ, ProjectLibre's importer, in ``tests/test_mspdi_mpxj.py``).
A plain date becomes the working instant it stands for on the activity's
calendar (the project's for the project start and the status date): the start
of that day's working time in start fields (the project start, actual start,
resume, start constraints, the status date) and its end in finish fields
(actual finish, finish constraints, deadline), so 08:00 and 17:00
on ``standard`` and 00:00 and the next midnight on ``7d``/``24h`` (on a day off,
the next start or the previous end of work). ``DefaultStartTime`` and
``DefaultFinishTime`` are the project calendar's ordinary working day. Finished
activities are 100 % complete; the currency code,
which the schema requires, is ``CNY`` (projtrack keeps no costs). Whatever MSPDI
cannot say exactly (Chinese names, approvals, parties, string ids,
``hours_per_day``, events...) rides along as JSON in the ``Text1`` custom
field, aliased ``projtrack``, so that :func:`read_mspdi` gives back a
project equal to the one written. If the file was edited in MS Project in
between, the edited XML values win over the stored ones.
"""

from __future__ import annotations

import bisect
import calendar as _calendar
import datetime as _dt
import hashlib
import json
import math
import operator
import os
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Literal, NoReturn
from xml.etree.ElementTree import Element, ParseError, SubElement, TreeBuilder

import attrs
import pendulum
from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
from defusedxml.ElementTree import DefusedXMLParser  # type: ignore[import-untyped]

from projtrack._io import from_dict, to_dict, write_atomic
from projtrack._model import (
    Activity,
    Calendar,
    CalendarException,
    Constraint,
    Link,
    Project,
    ScheduleOptions,
    Split,
)
from projtrack._schedule import Schedule
from projtrack._time import DEFAULT_TIMEZONE, check_timezone, unit_minutes
from projtrack.exceptions import FileFormatError, ImportFormatError, ProjtrackError
from projtrack.interop._common import (
    MAX_HOURS,
    Where,
    gc_paused,
    local_datetime,
    merge_periods,
    read_input,
    unique_name,
)

if TYPE_CHECKING:
    from projtrack.calendars import WorkCalendar

__all__ = ["mspdi_view", "read_mspdi", "stored_results", "write_mspdi"]

NS = "http://schemas.microsoft.com/project"
PROJTRACK_FIELD_ID = "188743731"  # Task Text1
PROJTRACK_ALIAS = "projtrack"
_OVERLAY_VERSION = 1

#: DurationFormat / LagFormat codes.
ELAPSED_FORMATS = frozenset({4, 6, 8, 10, 12, 36, 38, 40, 42, 44})
PERCENT_FORMATS = frozenset({19, 20, 51, 52})
DAY_FORMATS = frozenset({7, 8, 9, 10, 11, 12, 39, 40, 41, 42, 43, 44})
LINK_TYPES = {0: "FF", 1: "FS", 2: "SF", 3: "SS"}
LINK_CODES = {v: k for k, v in LINK_TYPES.items()}
CONSTRAINTS = {
    1: "as_late_as_possible",
    2: "start_on",
    3: "finish_on",
    4: "start_no_earlier_than",
    5: "start_no_later_than",
    6: "finish_no_earlier_than",
    7: "finish_no_later_than",
}
CONSTRAINT_CODES = {
    "as_late_as_possible": 1,
    "start_on": 2,
    "finish_on": 3,
    "mandatory_start": 2,
    "mandatory_finish": 3,
    "start_no_earlier_than": 4,
    "start_no_later_than": 5,
    "finish_no_earlier_than": 6,
    "finish_no_later_than": 7,
}
_MSP_DEFAULT_DAY = ((480, 720), (780, 1020))
#: At most this many exception days per file (all calendars, ranges counted day by
#: day): a small file cannot make the calendars it describes huge.
MAX_EXPANDED_DAYS = 200_000
Periods = tuple[tuple[int, int], ...]
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# =========================================================================== XML parsing


class _LineBuilder(TreeBuilder):
    """A tree builder that remembers the line each element starts on."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[int, int] = {}
        self.parser: Any = None

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        elem = super().start(tag, attrs)
        self.lines[id(elem)] = self.parser.parser.CurrentLineNumber
        return elem


class _Doc:
    """A parsed MSPDI document: the root element and element line numbers."""

    def __init__(self, root: Element, lines: dict[int, int], file: str) -> None:
        self.root = root
        self.lines = lines
        self.file = file

    def where(self, elem: Element | None, field: str) -> Where:
        line = self.lines.get(id(elem)) if elem is not None else None
        return Where(self.file, line, field)


def _parse_xml(data: bytes, file: str) -> _Doc:
    builder = _LineBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True, forbid_entities=True,
                              forbid_external=True)
    builder.parser = parser
    try:
        parser.feed(data)
        root = parser.close()
    except ParseError as exc:
        line, column = getattr(exc, "position", (None, None))
        raise ImportFormatError(f"not well-formed XML: {exc}", file=file, line=line,
                                column=None if column is None else column + 1) from None
    except DefusedXmlException as exc:
        line = parser.parser.CurrentLineNumber
        raise ImportFormatError(
            f"refused: {type(exc).__name__} ({exc}); MS Project files need no DTD, entities "
            "or external references", file=file, line=line,
        ) from None
    except (ValueError, LookupError, RecursionError, MemoryError) as exc:
        line = getattr(getattr(parser, "parser", None), "CurrentLineNumber", None) or 1
        raise ImportFormatError(f"cannot parse the XML: {exc}", file=file, line=line) from None
    _strip_namespaces(root)
    if root.tag != "Project":
        raise ImportFormatError(
            f"the root element is <{root.tag}>, not <Project>; this is not an MS Project XML "
            "file", file=file, line=1,
        )
    return _Doc(root, builder.lines, file)


class _LocalNames(dict[Any, Any]):
    """``{namespace}Tag`` -> ``Tag``, computed once per distinct tag."""

    def __missing__(self, tag: Any) -> Any:
        local = tag.rsplit("}", 1)[1] if isinstance(tag, str) and "}" in tag else tag
        self[tag] = local
        return local


def _strip_namespaces(root: Element) -> None:
    """Drop the namespace from every tag (the parsers share one string per distinct tag)."""
    local = _LocalNames()
    for elem in root.iter():
        elem.tag = local[elem.tag]


class _Stop(Exception):
    """Ends the DOCTYPE scan; ``doctype`` tells whether a DOCTYPE ended it."""

    def __init__(self, doctype: bool) -> None:
        super().__init__()
        self.doctype = doctype


#: Bytes the DOCTYPE scan hands expat at a time (it stops at the root element).
_SCAN_CHUNK = 1 << 16


def _declares_dtd(data: bytes) -> bool | None:
    """Whether the document has a DOCTYPE (``None``: expat gave up before knowing).

    A document type declaration can only stand in the prolog, before the root
    element (anywhere else expat refuses it as a syntax error), and without one
    no entity can be declared and nothing external referenced. So the scan
    stops at the first start tag: it costs the prolog, not the whole file.
    """
    import pyexpat

    scanner = pyexpat.ParserCreate()

    def doctype(*_: Any) -> None:
        raise _Stop(True)

    def element(*_: Any) -> None:
        raise _Stop(False)

    scanner.StartDoctypeDeclHandler = doctype
    scanner.StartElementHandler = element
    scanner.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
    view = memoryview(data)
    try:
        for at in range(0, len(data), _SCAN_CHUNK):
            scanner.Parse(view[at:at + _SCAN_CHUNK], False)
        scanner.Parse(b"", True)
    except _Stop as stop:
        return stop.doctype
    except Exception:
        return None
    return False  # pragma: no cover - a document without elements fails to parse


def _parse_fast(data: bytes, file: str) -> _Doc | None:
    """Parse with the C parser when the document has no DTD (so nothing can expand).

    Element line numbers are not recorded; ``None`` means "use the careful parser"
    (which also produces the located error messages).
    """
    from xml.etree.ElementTree import XMLParser

    if _declares_dtd(data) is not False:
        return None
    try:
        parser = XMLParser()
        parser.feed(data)
        root = parser.close()
    except Exception:
        return None
    _strip_namespaces(root)
    if root.tag != "Project":
        return None
    return _Doc(root, {}, file)


# =========================================================================== values


def _text(elem: Element | None, name: str) -> str | None:
    """The stripped text of the first child ``name`` (``None``: no child, or blank)."""
    if elem is None:
        return None
    child = elem.find(name)
    return None if child is None else _strip(child.text)


def _strip(raw: str | None) -> str | None:
    """A child's text as :func:`_text` gives it: stripped, ``None`` when blank."""
    if raw is None:
        return None
    raw = raw.strip()
    return raw or None


_TAG = operator.attrgetter("tag")
_TEXT = operator.attrgetter("text")


def _child_texts(elem: Element) -> dict[str, str | None]:
    """The raw text of each child by tag, in one pass (the first of a tag wins, as in ``find``).

    For elements read field by field (tasks, links): one dictionary instead of
    a search of the children per field.
    """
    kids = elem[::-1]
    return dict(zip(map(_TAG, kids), map(_TEXT, kids), strict=True))


def _flag(raw: str | None, default: bool = False) -> bool:
    """A child's raw text as a yes/no flag (``1``/``true``; ``default`` when blank)."""
    if raw == "0":  # the usual values first
        return False
    if raw == "1":
        return True
    text = _strip(raw)
    if text is None:
        return default
    return text.lower() in ("1", "true")


_DURATION = re.compile(
    r"^(-)?P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?"
    r"(?:(\d+(?:\.\d+)?)S)?)?$"
)
#: Parses values without a location; a value it refuses is parsed again where it stands,
#: which raises the located error (the common, valid case builds no location).
_NOWHERE = Where(None)


class _Reader:
    """Typed access to child elements, with errors naming the element's line.

    Each ``*_of`` method takes the child's raw text (see :func:`_child_texts`);
    the element, child name and path only serve the error message.
    """

    def __init__(self, doc: _Doc, tz: str, native: bool = True) -> None:
        self.doc = doc
        self.tz = tz
        #: A file not written by projtrack: keep MS Project's display details in attrs.
        self.native = native
        self.days_left = MAX_EXPANDED_DAYS
        #: Durations read so far, by text (a file repeats a few values many times).
        self._seconds: dict[str, float] = {}

    def spend(self, days: int, elem: Element, path: str) -> None:
        """Count exception days against the file's budget."""
        self.days_left -= days
        if self.days_left < 0:
            raise self.doc.where(elem, path).error(
                f"the calendars' exceptions cover more than {MAX_EXPANDED_DAYS:,} days; "
                "shorten the recurring exceptions or work weeks")

    def where(self, elem: Element, field: str) -> Where:
        child = elem.find(field.rsplit("/", 1)[-1]) if "/" not in field else None
        return self.doc.where(child if child is not None else elem, field)

    def integer(self, elem: Element, name: str, path: str, default: int | None = None,
            limit: float = 2**31) -> int | None:
        return self.integer_of(_text(elem, name), elem, name, path, default, limit)

    def integer_of(self, raw: str | None, elem: Element, name: str, path: str,
                   default: int | None = None, limit: float = 2**31) -> int | None:
        if raw is None:
            return default
        if len(raw) < 16:  # fast path for ordinary values (int() ignores the same spaces)
            try:
                value = int(raw)
            except ValueError:
                pass
            else:
                if abs(value) <= limit:
                    return value
        text = raw.strip()
        if not text:
            return default
        return int(self.where(elem, f"{path}/{name}").number(text, integer=True, limit=limit))

    def real(self, elem: Element, name: str, path: str) -> float | None:
        return self.real_of(_text(elem, name), elem, name, path)

    def real_of(self, raw: str | None, elem: Element, name: str, path: str) -> float | None:
        text = _strip(raw)
        if text is None:
            return None
        try:
            value: float = _NOWHERE.number(text, limit=1e12)
            return value
        except ImportFormatError:
            located: float = self.where(elem, f"{path}/{name}").number(text, limit=1e12)
            return located

    def flag(self, elem: Element, name: str, default: bool = False) -> bool:
        return _flag(_text(elem, name), default)

    def local(self, elem: Element, name: str, path: str) -> _dt.datetime | None:
        return self.local_of(_text(elem, name), elem, name, path)

    def local_of(self, raw: str | None, elem: Element, name: str, path: str
                 ) -> _dt.datetime | None:
        text = _strip(raw)
        if text is None:
            return None
        try:
            return _NOWHERE.local(text)
        except ImportFormatError:
            return self.where(elem, f"{path}/{name}").local(text)

    def when(self, elem: Element, name: str, path: str) -> pendulum.DateTime | None:
        return self.when_of(_text(elem, name), elem, name, path)

    def when_of(self, raw: str | None, elem: Element, name: str, path: str
                ) -> pendulum.DateTime | None:
        value = self.local_of(raw, elem, name, path)
        return None if value is None else local_datetime(value, self.tz)

    def seconds(self, elem: Element, name: str, path: str) -> float | None:
        return self.seconds_of(_text(elem, name), elem, name, path)

    def seconds_of(self, raw: str | None, elem: Element, name: str, path: str) -> float | None:
        """An ISO-8601 duration ``PT8H0M0S`` as seconds."""
        known = self._seconds.get(raw) if raw is not None else None
        if known is not None:
            return known
        text = _strip(raw)
        if text is None:
            return None
        m = _DURATION.match(text)
        if m is None:
            raise self.where(elem, f"{path}/{name}").error(
                f"{text[:40]!r} is not a duration such as PT8H0M0S")
        sign, days, hours, minutes, secs = m.groups()
        if any(part is not None and len(part) > 20 for part in (days, hours, minutes, secs)):
            raise self.where(elem, f"{path}/{name}").error(f"{text[:40]!r} is out of range")
        total = (float(days or 0) * 86400 + float(hours or 0) * 3600
                 + float(minutes or 0) * 60 + float(secs or 0))
        if not math.isfinite(total) or total > MAX_HOURS * 3600:
            raise self.where(elem, f"{path}/{name}").error(f"{text[:40]!r} is out of range")
        value = -total if sign else total
        self._seconds[raw] = value  # type: ignore[index]
        return value


def _hours(seconds: float) -> float:
    value = seconds / 3600
    return int(value) if value == int(value) else value


def _amount(seconds: float, elapsed: bool, day_format: bool) -> tuple[float, str]:
    """Model (value, unit) for a duration or lag given in seconds."""
    if elapsed:
        if day_format and seconds % 86400 == 0:
            return int(seconds // 86400), "ed"
        return _hours(seconds), "eh"
    return _hours(seconds), "h"


def _clock(text: str | None, where: Where, *, finish: bool) -> int:
    if text is None:
        raise where.error("a working time lacks FromTime or ToTime")
    m = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?", text.strip())
    if m is None or int(m.group(1)) > 24 or int(m.group(2)) > 59:
        raise where.error(f"{text[:20]!r} is not a time HH:MM:SS")
    value = int(m.group(1)) * 60 + int(m.group(2))
    if value > 1440:
        raise where.error(f"{text[:20]!r} is not a time of day")
    if finish and value == 0:
        return 1440
    return value


# =========================================================================== calendars


def _working_times(r: _Reader, elem: Element, path: str) -> tuple[tuple[int, int], ...]:
    out = []
    block = elem.find("WorkingTimes")
    if block is None:
        return ()
    for wt in block.findall("WorkingTime"):
        where = r.doc.where(wt, f"{path}/WorkingTimes/WorkingTime")
        start = _text(wt, "FromTime")
        finish = _text(wt, "ToTime")
        if start is None and finish is None:
            continue
        s = _clock(start, where, finish=False)
        f = _clock(finish, where, finish=True)
        if f <= s:
            if s == 1440:
                continue
            raise where.error(f"working time {start}-{finish} ends before it starts")
        out.append((s, f))
    return merge_periods(out)


def _date_range(r: _Reader, elem: Element, path: str) -> tuple[_dt.date, _dt.date] | None:
    tp = elem.find("TimePeriod")
    if tp is None:
        return None
    start = r.local(tp, "FromDate", f"{path}/TimePeriod")
    end = r.local(tp, "ToDate", f"{path}/TimePeriod")
    if start is None:
        return None
    last = end.date() if end is not None else start.date()
    if end is not None and end.time() == _dt.time(0, 0) and end.date() > start.date():
        last = end.date() - _dt.timedelta(days=1)  # midnight ends the previous day
    if last < start.date():
        raise r.doc.where(tp, f"{path}/TimePeriod").error(
            f"ToDate {end} is before FromDate {start}")
    return start.date(), last


_MONTH_ITEM_DAYS = {3: 6, 4: 0, 5: 1, 6: 2, 7: 3, 8: 4, 9: 5}  # MSP MonthItem -> weekday()


def _nth_in_month(year: int, month: int, position: int, item: int) -> _dt.date | None:
    """The ``position``-th (0-3, 4 = last) day of kind ``item`` in a month."""
    days = _calendar.monthrange(year, month)[1]
    candidates = []
    for d in range(1, days + 1):
        day = _dt.date(year, month, d)
        wd = day.weekday()
        if item == 0 or (item == 1 and wd < 5) or (item == 2 and wd >= 5) or (
                item in _MONTH_ITEM_DAYS and wd == _MONTH_ITEM_DAYS[item]):
            candidates.append(day)
    if not candidates:
        return None
    if position >= 4:
        return candidates[-1]
    return candidates[position] if position < len(candidates) else None


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


def _recurrence(r: _Reader, exc: Element, path: str, first: _dt.date, last: _dt.date,
                week_start: int) -> Iterator[_dt.date]:
    """Expand one recurring exception into its dates (within [first, last])."""
    def ranged(name: str, low: int, high: int, default: int) -> int:
        value = r.integer(exc, name, path, default=default)
        if value is None or not low <= value <= high:
            raise r.where(exc, f"{path}/{name}").error(f"{value} is not in {low}..{high}")
        return value

    rtype = r.integer(exc, "Type", path, default=1) or 1
    period = min(max(1, r.integer(exc, "Period", path, default=1) or 1), 36_500)
    count = r.integer(exc, "Occurrences", path)
    by_count = r.flag(exc, "EnteredByOccurrences")
    limit = count if (by_count and count and count > 0) else None
    produced = 0

    def emit(day: _dt.date) -> bool:
        return first <= day <= last

    def capped() -> bool:
        return limit is not None and produced >= limit

    if rtype in (1, 7, 8):  # daily / every N days
        step = 1 if rtype == 1 and _text(exc, "Period") is None else period
        day = first
        while day <= last and not capped():
            yield day
            produced += 1
            day += _dt.timedelta(days=step)
        return
    if rtype == 6:  # weekly on a set of weekdays, every N weeks
        mask = ranged("DaysOfWeek", 0, 127, 0)
        wanted = {(bit + 6) % 7 for bit in range(7) if mask & (1 << bit)}  # 1=Sunday
        if not wanted:
            wanted = {first.weekday()}
        week0 = first - _dt.timedelta(days=(first.weekday() - week_start) % 7)
        day = first
        while day <= last and not capped():
            weeks = (day - week0).days // 7
            if weeks % period == 0 and day.weekday() in wanted:
                yield day
                produced += 1
            day += _dt.timedelta(days=1)
        return
    if rtype in (2, 3, 4, 5):  # yearly / monthly, absolute or positional
        months = 12 if rtype in (2, 3) else period
        month_day = ranged("MonthDay", 1, 31, first.day)
        position = ranged("MonthPosition", 0, 4, 0)
        item = ranged("MonthItem", 0, 9, 0)
        year, month = first.year, first.month
        if rtype in (2, 3):
            target = r.integer(exc, "Month", path)
            if target is not None:
                if not 0 <= target <= 11:
                    raise r.where(exc, f"{path}/Month").error(f"{target} is not a month 0-11")
                month = target + 1
                if _dt.date(year, month, _calendar.monthrange(year, month)[1]) < first:
                    year += 1
        while not capped():
            if rtype in (2, 4):
                day = _dt.date(year, month, min(month_day, _calendar.monthrange(year, month)[1]))
            else:
                found = _nth_in_month(year, month, position, item)
                day = found if found is not None else _dt.date(year, month, 1)
            if day > last:
                return
            if emit(day):
                yield day
                produced += 1
            year, month = _add_months(year, month, months)
        return
    raise r.where(exc, f"{path}/Type").error(f"{rtype} is not an exception type 1-8")


def _read_calendars(r: _Reader, minutes_per_day: int | None, week_start: int
                    ) -> tuple[list[Calendar], dict[int, str]]:
    root = r.doc.root
    block = root.find("Calendars")
    raw: list[tuple[int, Element, str]] = []
    names: dict[int, str] = {}
    taken: set[str] = set()
    for cal in (block.findall("Calendar") if block is not None else []):
        uid = r.integer(cal, "UID", "Calendars/Calendar")
        if uid is None:
            raise r.doc.where(cal, "Calendars/Calendar/UID").error("a calendar has no UID")
        if uid in names:
            raise r.doc.where(cal, "Calendars/Calendar/UID").error(
                f"calendar UID {uid} is used twice")
        name = unique_name(_text(cal, "Name") or f"calendar {uid}", taken, str(uid))
        taken.add(name)
        names[uid] = name
        raw.append((uid, cal, name))
    hpd = minutes_per_day / 60 if minutes_per_day and 0 < minutes_per_day <= 1440 else None
    if hpd is not None and hpd == int(hpd):
        hpd = int(hpd)
    out: list[Calendar] = []
    for uid, cal, name in raw:
        path = f"Calendars/Calendar[UID={uid}]"
        base_uid = r.integer(cal, "BaseCalendarUID", path, default=-1)
        base = names.get(base_uid) if base_uid is not None and base_uid != uid else None
        week: list[tuple[tuple[int, int], ...] | None] = [None] * 7
        legacy: list[CalendarException] = []
        days = cal.find("WeekDays")
        for wd in (days.findall("WeekDay") if days is not None else []):
            dpath = f"{path}/WeekDays/WeekDay"
            day_type = r.integer(wd, "DayType", dpath)
            working = r.flag(wd, "DayWorking")
            hours = _working_times(r, wd, dpath) if working else ()
            if working and not hours:
                hours = _MSP_DEFAULT_DAY
            if day_type is None or not 0 <= day_type <= 7:
                raise r.where(wd, f"{dpath}/DayType").error(f"{day_type} is not a day type 0-7")
            if day_type == 0:
                span = _date_range(r, wd, dpath)
                if span is not None:
                    legacy.append(_exception(span[0], span[1], hours, ""))
            else:
                week[(day_type - 2) % 7] = hours
        if base is None:  # a base calendar: days it does not list are not worked
            week = [() if d is None else d for d in week]
        exceptions = _read_work_weeks(r, cal, path, week, week_start)
        new_style = cal.find("Exceptions")
        if new_style is not None and len(new_style):
            exceptions += _read_exceptions(r, new_style, path, week_start)
        else:
            exceptions += legacy
        r.spend(sum(((e.end or e.start) - e.start).days + 1 for e in legacy), cal, path)
        try:
            out.append(Calendar(name=name, base=base, work_week=week, exceptions=exceptions,
                                hours_per_day=hpd if base is None else None))
        except ProjtrackError as exc:
            raise r.doc.where(cal, path).relocate(exc) from None
    return out, names


def _flatten(name: str, by_name: dict[str, Calendar], depth: int = 0
             ) -> tuple[list[Periods], dict[_dt.date, Periods]]:
    """Weekday hours and per-day exceptions of a calendar, its bases applied."""
    cal = by_name[name]
    if cal.base is not None and cal.base in by_name and depth < 32:
        week, days = _flatten(cal.base, by_name, depth + 1)
    else:
        week, days = [()] * 7, {}
    week = [own if own is not None else week[i] for i, own in enumerate(cal.work_week)]
    days = dict(days)
    for exc in cal.exceptions:
        for day in exc.days():
            days[day] = exc.hours
    return week, days


def _union_calendar(name: str, members: list[str], calendars: list[Calendar]) -> Calendar:
    """A calendar that works whenever any of ``members`` works."""
    by_name = {c.name: c for c in calendars}
    flat = [_flatten(m, by_name) for m in members]
    week = [merge_periods(p for w, _ in flat for p in w[i]) for i in range(7)]
    days: set[_dt.date] = set().union(*(d.keys() for _, d in flat))
    exceptions = []
    for day in sorted(days):
        hours = merge_periods(p for w, d in flat for p in d.get(day, w[day.weekday()]))
        if hours != week[day.weekday()]:
            exceptions.append(CalendarException(
                start=pendulum.Date(day.year, day.month, day.day), hours=hours))
    hpd = next((c.hours_per_day for c in calendars if c.hours_per_day is not None), None)
    return Calendar(name=name, work_week=week, exceptions=exceptions, hours_per_day=hpd,
                    description="union of the calendars of the task's resources: "
                    + ", ".join(members))


def _exception(first: _dt.date, last: _dt.date, hours: tuple[tuple[int, int], ...],
               name: str) -> CalendarException:
    start = pendulum.Date(first.year, first.month, first.day)
    end = None if last == first else pendulum.Date(last.year, last.month, last.day)
    return CalendarException(start=start, end=end, hours=hours, name=name)


def _read_exceptions(r: _Reader, block: Element, path: str, week_start: int
                     ) -> list[CalendarException]:
    out: list[CalendarException] = []
    for exc in block.findall("Exception"):
        epath = f"{path}/Exceptions/Exception"
        span = _date_range(r, exc, epath)
        if span is None:
            continue
        working = r.flag(exc, "DayWorking")
        hours = _working_times(r, exc, epath) if working else ()
        if working and not hours:
            hours = _MSP_DEFAULT_DAY
        name = _text(exc, "Name") or ""
        rtype = r.integer(exc, "Type", epath, default=1)
        simple = rtype == 1 and (_text(exc, "Period") in (None, "1"))
        if simple:
            r.spend((span[1] - span[0]).days + 1, exc, epath)
            out.append(_exception(span[0], span[1], hours, name))
            continue
        run: list[_dt.date] = []
        for day in _recurrence(r, exc, epath, span[0], span[1], week_start):
            r.spend(1, exc, epath)
            if run and day == run[-1] + _dt.timedelta(days=1):
                run[-1] = day  # consecutive days become one range
                continue
            if run:
                out.append(_exception(run[0], run[1], hours, name))
            run = [day, day]
        if run:
            out.append(_exception(run[0], run[1], hours, name))
    return out


def _read_work_weeks(r: _Reader, cal: Element, path: str,
                     week: list[tuple[tuple[int, int], ...] | None], week_start: int
                     ) -> list[CalendarException]:
    """Alternative work weeks become per-day exceptions over their period."""
    block = cal.find("WorkWeeks")
    out: list[CalendarException] = []
    if block is None:
        return out
    for ww in block.findall("WorkWeek"):
        wpath = f"{path}/WorkWeeks/WorkWeek"
        span = _date_range(r, ww, wpath)
        if span is None:
            continue
        pattern: dict[int, tuple[tuple[int, int], ...]] = {}
        days = ww.find("WeekDays")
        for wd in (days.findall("WeekDay") if days is not None else []):
            day_type = r.integer(wd, "DayType", f"{wpath}/WeekDays/WeekDay")
            if day_type is None or not 1 <= day_type <= 7:
                continue
            working = r.flag(wd, "DayWorking")
            hours = _working_times(r, wd, f"{wpath}/WeekDays/WeekDay") if working else ()
            pattern[(day_type - 2) % 7] = hours if (hours or not working) else _MSP_DEFAULT_DAY
        r.spend((span[1] - span[0]).days + 1, ww, wpath)
        day = span[0]
        name = _text(ww, "Name") or ""
        while day <= span[1]:
            wd_index = day.weekday()
            if wd_index in pattern and pattern[wd_index] != week[wd_index]:
                out.append(_exception(day, day, pattern[wd_index], name))
            day += _dt.timedelta(days=1)
    return out


# =========================================================================== tasks


class _TaskRow:
    __slots__ = ("elem", "level", "raw", "summary", "uid")

    def __init__(self, elem: Element, uid: int, level: int, summary: bool,
                 raw: dict[str, str | None]) -> None:
        self.elem = elem
        self.uid = uid
        self.level = level
        self.summary = summary
        #: The children's raw texts (:func:`_child_texts`), until the task is read.
        self.raw = raw


def _project_id(r: _Reader, file: str) -> tuple[str, str]:
    root = r.doc.root
    name = _text(root, "Name")
    title = _text(root, "Title")
    ident = name or title
    if ident is None:
        stem = os.path.splitext(os.path.basename(file))[0] if not file.startswith("<") else ""
        ident = stem or "mspdi"
    ident = re.sub(r"\.(xml|mpp)$", "", ident, flags=re.IGNORECASE) or ident
    return ident, title or name or ident


def _resource_calendars(r: _Reader) -> dict[int, set[int]]:
    """Calendar UIDs of the work resources assigned to each task."""
    root = r.doc.root
    res_cal: dict[int, int] = {}
    block = root.find("Resources")
    for res in (block.findall("Resource") if block is not None else []):
        uid = r.integer(res, "UID", "Resources/Resource")
        rtype = r.integer(res, "Type", "Resources/Resource", default=1)
        cal = r.integer(res, "CalendarUID", "Resources/Resource")
        if uid is not None and cal is not None and cal >= 0 and rtype == 1:
            res_cal[uid] = cal
    out: dict[int, set[int]] = {}
    block = root.find("Assignments")
    for asg in (block.findall("Assignment") if block is not None else []):
        task = r.integer(asg, "TaskUID", "Assignments/Assignment")
        res_uid = r.integer(asg, "ResourceUID", "Assignments/Assignment")
        if task is None or res_uid is None or res_uid not in res_cal:
            continue
        out.setdefault(task, set()).add(res_cal[res_uid])
    return out


def _build_view(doc: _Doc, tz: str, native: bool = True) -> Project:
    """The project as the XML states it (no projtrack overlay applied)."""
    r = _Reader(doc, tz, native)
    root = doc.root
    file = doc.file
    mpd = r.integer(root, "MinutesPerDay", "Project", default=480) or 480
    if not 0 < mpd <= 1440:
        raise r.where(root, "Project/MinutesPerDay").error(f"{mpd} is not in 1..1440")
    # MS Project counts the weeks of weekly recurrences from Sunday whatever the
    # project's WeekStartDay (checked against the expanded legacy exception list).
    week_start = 6
    calendars, cal_names = _read_calendars(r, mpd, week_start)
    project_cal_uid = r.integer(root, "CalendarUID", "Project")
    default_cal = cal_names.get(project_cal_uid) if project_cal_uid is not None else None
    if default_cal is None:
        default_cal = calendars[0].name if calendars else "standard"
    ident, title = _project_id(r, file)
    honor = r.flag(root, "HonorConstraints")
    start_dt = r.local(root, "StartDate", "Project")
    status = r.when(root, "StatusDate", "Project")

    # --- tasks: summaries and outline
    block = root.find("Tasks")
    rows: list[_TaskRow] = []
    seen: dict[int, int | None] = {}
    elem_lines = doc.lines
    integer_of = r.integer_of
    for elem in (block.findall("Task") if block is not None else []):
        raw = _child_texts(elem)
        uid = integer_of(raw.get("UID"), elem, "UID", "Tasks/Task")
        if uid is None:
            raise doc.where(elem, "Tasks/Task/UID").error("a task has no UID")
        if uid in seen:
            raise doc.where(elem, "Tasks/Task/UID").error(
                f"task UID {uid} is used twice"
                + (f" (also line {seen[uid]})" if seen[uid] is not None else ""))
        seen[uid] = elem_lines.get(id(elem))
        if _flag(raw.get("IsNull")):
            continue
        level = integer_of(raw.get("OutlineLevel"), elem, "OutlineLevel",
                           f"Tasks/Task[UID={uid}]", default=1) or 0
        rows.append(_TaskRow(elem, uid, level, _flag(raw.get("Summary")), raw))
    # WBS path from the summary tasks above each leaf (outline order).
    stack: list[tuple[int, int, str]] = []  # (level, uid, name) of open summary tasks
    path_of: dict[int, tuple[str, ...]] = {}
    summary_uids: set[int] = set()
    children: dict[int, list[int]] = {}
    wbs: tuple[str, ...] | None = ()  # the names in the stack (None: to be made again)
    for row in rows:
        while stack and stack[-1][0] >= row.level:
            stack.pop()
            wbs = None
        is_summary = row.summary or row.uid == 0 or row.level <= 0
        if is_summary:
            summary_uids.add(row.uid)
            if row.level > 0:
                stack.append((row.level, row.uid, _strip(row.raw.get("Name")) or str(row.uid)))
                wbs = None
            continue
        if wbs is None:
            wbs = tuple(name for _, _, name in stack)
        path_of[row.uid] = wbs
        for _, anc, _ in stack:
            children.setdefault(anc, []).append(row.uid)

    rescals = _resource_calendars(r)
    activities: list[Activity] = []
    lines: list[int | None] = []
    durations: dict[int, tuple[float, bool]] = {}
    raw_links: list[tuple[Element, int, Element]] = []
    skipped: dict[int, str] = {}
    for row in rows:
        elem, uid, raw = row.elem, row.uid, row.raw
        row.raw = {}  # read once: let it go
        if uid in summary_uids:
            if "PredecessorLink" in raw:
                raw_links.extend((elem, uid, link) for link in elem.findall("PredecessorLink"))
            continue
        if _strip(raw.get("Active")) == "0":
            skipped[uid] = "inactive"
            continue
        if _flag(raw.get("ExternalTask")):
            skipped[uid] = "external"
            continue
        act, seconds, elapsed = _activity(r, row, raw, path_of.get(uid, ()), cal_names, rescals,
                                          honor, mpd)
        durations[uid] = (seconds, elapsed)
        activities.append(act)
        lines.append(elem_lines.get(id(elem)))
        if "PredecessorLink" in raw:
            raw_links.extend((elem, uid, link) for link in elem.findall("PredecessorLink"))

    links, link_lines, extra = _links(r, raw_links, durations, {a.id for a in activities},
                                      summary_uids, children, mpd, skipped)
    known = {c.name for c in calendars}
    for act in activities:
        if act.calendar is not None and act.calendar not in known:
            calendars.append(_union_calendar(act.calendar, act.attrs["resource_calendars"],
                                             calendars))
            known.add(act.calendar)
    attrs: dict[str, Any] = {"source": "mspdi", "minutes_per_day": mpd}
    for key, element in (("save_version", "SaveVersion"), ("minutes_per_week", "MinutesPerWeek"),
                         ("days_per_month", "DaysPerMonth")):
        value = r.integer(root, element, "Project")
        if value is not None:
            attrs[key] = value
    attrs["honor_constraints"] = honor
    attrs["schedule_from_start"] = r.flag(root, "ScheduleFromStart", default=True)
    attrs["multiple_critical_paths"] = r.flag(root, "MultipleCriticalPaths")
    if r.flag(root, "NewTasksAreManual"):
        attrs["new_tasks_are_manual"] = True
    current = r.local(root, "CurrentDate", "Project")
    if current is not None:
        attrs["current_date"] = current.isoformat()
    attrs.update(extra)
    if status is None and start_dt is not None:
        # No status date: like P6 with a blank data date, schedule from the start.
        status = local_datetime(start_dt, tz)
        attrs["data_date_from"] = "StartDate"
    if skipped:
        attrs["skipped_tasks"] = {str(k): v for k, v in sorted(skipped.items())}
    critical = r.real(root, "CriticalSlackLimit", "Project")
    options = ScheduleOptions(float_type="smallest", lag_calendar="successor",
                              ss_lag_from="actual_start", float_calendar="project",
                              critical_float=critical if critical is not None else 0.0)
    if start_dt is None:
        dates = [a.actual_start for a in activities
                 if isinstance(a.actual_start, pendulum.DateTime)]
        start_date: _dt.date | None
        if dates:
            start_date = min(dates).date()
        elif isinstance(status, _dt.datetime):
            start_date = status.date()
        else:
            start_date = status  # a plain date, or none at all
        if start_date is None:
            raise r.where(root, "Project/StartDate").error("the project has no StartDate")
    else:
        start_date = start_dt.date()
    must_finish = None
    if not attrs["schedule_from_start"]:
        must_finish = r.when(root, "FinishDate", "Project")
    try:
        project = Project(
            id=ident,
            name=title,
            start=pendulum.Date(start_date.year, start_date.month, start_date.day),
            timezone=tz,
            calendar=default_cal,
            activities=activities,
            links=links,
            calendars=calendars,
            options=options,
            data_date=status,
            must_finish_by=must_finish,
            attrs=attrs,
        )
    except ProjtrackError as exc:
        _relocate(exc, file, lines, link_lines)
    return _with_splits(r, project)


def _relocate(exc: ProjtrackError, file: str, lines: list[int | None], link_lines: list[int | None]
              ) -> NoReturn:
    """Re-raise a model error at the XML line of the activity or link it names."""
    m = re.match(r"(activities|links)\[(\d+)\]", exc.field or "")
    if m:
        index = int(m.group(2))
        table = lines if m.group(1) == "activities" else link_lines
        if index < len(table):
            raise Where(file, table[index], "Tasks/Task").relocate(exc) from None
    raise Where(file, 1, "Project").relocate(exc) from None


def _work_periods(r: _Reader
                  ) -> tuple[dict[int, list[tuple[_dt.datetime, _dt.datetime, float]]], set[int]]:
    """Remaining-work periods (``TimephasedData`` type 1) of each task's assignments.

    A period with a ``Value`` of zero is working time on which the resource
    does no work: inside a task, that is a split. Periods without a value
    are non-working time and carry no information. Also returns the tasks
    with an unreadable period: MS Project itself sometimes writes times such
    as ``17:-0:00`` there, and timephased data is only a view of the
    schedule, so such a task keeps no splits rather than failing the file.
    """
    out: dict[int, list[tuple[_dt.datetime, _dt.datetime, float]]] = {}
    unreadable: set[int] = set()
    block = r.doc.root.find("Assignments")
    for asg in (block.findall("Assignment") if block is not None else []):
        data = asg.findall("TimephasedData")
        if not data:
            continue
        task = r.integer(asg, "TaskUID", "Assignments/Assignment")
        if task is None:
            continue
        path = f"Assignments/Assignment[TaskUID={task}]/TimephasedData"
        for td in data:
            if _text(td, "Type") != "1":
                continue
            try:
                value = r.seconds(td, "Value", path)
                start, finish = r.local(td, "Start", path), r.local(td, "Finish", path)
            except ImportFormatError:
                unreadable.add(task)
                continue
            if value is None or start is None or finish is None or finish <= start:
                continue
            out.setdefault(task, []).append((start, finish, value))
    return out, unreadable


def _gaps(periods: list[tuple[_dt.datetime, _dt.datetime, float]]
          ) -> list[tuple[_dt.datetime, _dt.datetime]]:
    """Spans with no work on any assignment, strictly between work (wall clock)."""
    work: list[list[_dt.datetime]] = []  # union of the work periods, in order
    for a, b, _ in sorted(p for p in periods if p[2] > 0):
        if work and a <= work[-1][1]:
            work[-1][1] = max(work[-1][1], b)
        else:
            work.append([a, b])
    if not work:
        return []
    starts = [a for a, _ in work]
    gaps: list[tuple[_dt.datetime, _dt.datetime]] = []
    for a, b, _ in sorted(p for p in periods if p[2] == 0):
        k = bisect.bisect_right(starts, a) - 1  # the last work span starting at or before a
        if k < 0 or k + 1 >= len(work) or work[k][1] > a or starts[k + 1] < b:
            continue  # before the first work, after the last, or overlapping work
        if gaps and bisect.bisect_left(starts, gaps[-1][1]) > k:
            gaps[-1] = (gaps[-1][0], b)  # no work since the previous idle span: one pause
        else:
            gaps.append((a, b))
    return gaps


def _with_splits(r: _Reader, project: Project) -> Project:
    """Read split tasks from the assignments' timephased work (MS Project keeps splits there)."""
    periods, unreadable = _work_periods(r)
    if unreadable:
        project = project.replace(attrs={**project.attrs,
                                         "timephased_unreadable": sorted(unreadable)})
    if not periods:
        return project
    from projtrack.calendars import get_calendar

    changed: dict[Any, Activity] = {}
    tz = project.timezone
    for act in project.activities:
        rows = periods.get(act.id) if isinstance(act.id, int) else None
        if (not rows or act.id in unreadable or act.actual_finish is not None
                or act.duration_unit != "h"):
            continue
        gaps = _gaps(rows)
        if not gaps:
            continue
        cal = get_calendar(act.calendar, project)
        begin = local_datetime(min(a for a, _, v in rows if v > 0), tz)
        done = act.work_done()  # as the engine counts it
        splits: list[Split] = []
        paused = 0.0
        for a, b in gaps:
            ga, gb = local_datetime(a, tz), local_datetime(b, tz)
            pause = cal.working_between(ga, gb).total_seconds() / 3600
            after = done + cal.working_between(begin, ga).total_seconds() / 3600 - paused
            paused += pause
            if pause <= 0:
                continue
            if not (splits[-1].after if splits else 0) < after < act.duration:
                splits = []  # the periods do not add up to this task's work: ignore them
                break
            splits.append(Split(after=round(after, 6), pause=round(pause, 6)))
        if splits:
            changed[act.id] = attrs.evolve(act, splits=splits)
    if not changed:
        return project
    return project.replace(activities=[changed.get(a.id, a) for a in project.activities])


def _activity(r: _Reader, row: _TaskRow, raw: dict[str, str | None], wbs: tuple[str, ...],
              cal_names: dict[int, str], rescals: dict[int, set[int]], honor: bool, mpd: int
              ) -> tuple[Activity, float, bool]:
    elem, uid = row.elem, row.uid
    path = f"Tasks/Task[UID={uid}]"
    get = raw.get
    attrs: dict[str, Any] = {}
    fmt = r.integer_of(get("DurationFormat"), elem, "DurationFormat", path)
    elapsed = fmt in ELAPSED_FORMATS if fmt is not None else False
    seconds = r.seconds_of(get("Duration"), elem, "Duration", path) or 0.0
    if seconds < 0:
        raise r.where(elem, f"{path}/Duration").error("the duration is negative")
    duration, unit = _amount(seconds, elapsed, fmt in DAY_FORMATS if fmt else False)
    if fmt is not None and r.native:
        attrs["duration_format"] = fmt
    kind = "task"
    milestone = _flag(get("Milestone"))
    if milestone and seconds == 0:
        kind = "milestone"
    elif milestone:
        attrs["milestone_flag"] = True
    if _flag(get("Manual")):
        attrs["manual"] = True
    if _flag(get("Estimated")):
        attrs["estimated_duration"] = True
    calendar = None
    cal_uid = r.integer_of(get("CalendarUID"), elem, "CalendarUID", path, default=-1)
    if cal_uid is not None and cal_uid >= 0:
        calendar = cal_names.get(cal_uid)
        if calendar is None:
            raise r.where(elem, f"{path}/CalendarUID").error(
                f"calendar {cal_uid} is not defined under <Calendars>")
    elif not _flag(get("IgnoreResourceCalendar")):
        own = sorted({cal_names[c] for c in rescals.get(uid, ()) if c in cal_names})
        if len(own) == 1:
            calendar = own[0]
            attrs["calendar_from"] = "resource"
        elif len(own) > 1:
            # MS Project schedules a task with several resources on the union
            # of their calendars (work goes on while any of them works).
            calendar = " + ".join(own)
            attrs["calendar_from"] = "resources"
            attrs["resource_calendars"] = own
    constraints: list[Constraint] = []
    ctype = r.integer_of(get("ConstraintType"), elem, "ConstraintType", path, default=0)
    if ctype:
        if ctype not in CONSTRAINTS:
            raise r.where(elem, f"{path}/ConstraintType").error(f"{ctype} is not 0-7")
        model_type = CONSTRAINTS[ctype]
        if honor and model_type in ("start_on", "finish_on"):
            model_type = "mandatory_start" if model_type == "start_on" else "mandatory_finish"
        date = None
        if model_type != "as_late_as_possible":
            date = r.when_of(get("ConstraintDate"), elem, "ConstraintDate", path)
            if date is None:
                raise r.where(elem, f"{path}/ConstraintDate").error(
                    f"ConstraintType {ctype} needs a ConstraintDate")
        constraints.append(Constraint(model_type, date))
    text = get("Deadline")
    deadline = None if text is None else r.when_of(text, elem, "Deadline", path)
    if deadline is not None:
        if not constraints or constraints[0].type not in ("finish_no_later_than",
                                                          "as_late_as_possible",
                                                          "start_on", "finish_on",
                                                          "mandatory_start",
                                                          "mandatory_finish"):
            constraints.append(Constraint("finish_no_later_than", deadline))
            attrs["deadline"] = True
        else:
            attrs["deadline_date"] = deadline.isoformat()
    text = get("ActualStart")
    actual_start = None if text is None else r.when_of(text, elem, "ActualStart", path)
    text = get("ActualFinish")
    actual_finish = None if text is None else r.when_of(text, elem, "ActualFinish", path)
    if actual_finish is not None and actual_start is None:
        raise r.where(elem, f"{path}/ActualFinish").error("ActualFinish without ActualStart")
    text = get("PercentComplete")
    percent = None if text is None else r.real_of(text, elem, "PercentComplete", path)
    if percent is not None and not 0 <= percent <= 100:
        raise r.where(elem, f"{path}/PercentComplete").error(f"{percent} is not in 0..100")
    remaining = None
    rem_seconds = r.seconds_of(get("RemainingDuration"), elem, "RemainingDuration", path)
    if rem_seconds is not None and rem_seconds < 0:
        raise r.where(elem, f"{path}/RemainingDuration").error("the remaining duration is "
                                                              "negative")
    if rem_seconds == 0 and actual_finish is not None:
        rem_seconds = None  # finished: nothing remains, whatever the field says
    if rem_seconds is not None and (actual_start is not None or rem_seconds != seconds):
        remaining = _hours(rem_seconds)
        if unit == "ed":
            remaining = rem_seconds / 86400
            remaining = int(remaining) if remaining == int(remaining) else remaining
    resume = None
    if actual_start is not None and actual_finish is None:
        # In progress: the remaining work resumes at Resume (kept in the model
        # when it is not before the actual start).
        resume = r.when_of(get("Resume"), elem, "Resume", path)
        if resume is not None and resume < actual_start:
            resume = None
    for key in ("Resume", "Stop"):
        text = get(key)
        value = None if text is None else r.local_of(text, elem, key, path)
        if value is not None and not (key == "Resume" and resume is not None):
            attrs[key.lower()] = value.isoformat()
    wbs_code = _strip(get("WBS"))
    if wbs_code and r.native:
        attrs["wbs_code"] = wbs_code
    try:
        act = Activity(
            id=uid,
            name=_strip(get("Name")) or "",
            kind=kind,
            duration=duration,
            duration_unit=unit,
            calendar=calendar,
            stage=wbs[0] if wbs else None,
            wbs=wbs,
            constraints=constraints,
            actual_start=actual_start,
            actual_finish=actual_finish,
            resume=resume,
            remaining_duration=remaining,
            percent_complete=percent if percent is None or percent != int(percent)
            else int(percent),
            description=get("Notes") or "",
            attrs=attrs,
        )
    except ProjtrackError as exc:
        raise r.doc.where(elem, path).relocate(exc) from None
    return act, seconds, elapsed


def _links(r: _Reader, raw: list[tuple[Element, int, Element]],
           durations: dict[int, tuple[float, bool]], known: set[Any], summaries: set[int],
           children: dict[int, list[int]], mpd: int, skipped: dict[int, str]
           ) -> tuple[list[Link], list[int | None], dict[str, Any]]:
    links: list[Link] = []
    lines: list[int | None] = []
    percent: list[dict[str, Any]] = []
    external: list[dict[str, Any]] = []
    summary_links: list[dict[str, Any]] = []
    dangling: list[dict[str, Any]] = []
    integer_of = r.integer_of
    elem_lines = r.doc.lines
    amounts: dict[tuple[int, int], tuple[float, str]] = {}  # (LinkLag, LagFormat): lag
    path = ""
    last_succ = None
    for _task, succ, link in raw:
        if succ != last_succ:
            path = f"Tasks/Task[UID={succ}]/PredecessorLink"
            last_succ = succ
        get = link.findtext  # few children: a search each is cheaper than a dictionary
        pred = integer_of(get("PredecessorUID"), link, "PredecessorUID", path)
        code = integer_of(get("Type"), link, "Type", path, default=1)
        if code not in LINK_TYPES:
            raise r.where(link, f"{path}/Type").error(f"{code} is not a link type 0-3")
        ltype = LINK_TYPES[code]
        lag_raw = integer_of(get("LinkLag"), link, "LinkLag", path, default=0,
                             limit=MAX_HOURS * 600) or 0
        fmt = integer_of(get("LagFormat"), link, "LagFormat", path, default=7) or 7
        if _flag(get("CrossProject")):
            external.append({"pred": pred, "succ": succ, "type": ltype,
                             "project": _strip(get("CrossProjectName")) or "",
                             "lag_tenths_of_minutes": lag_raw, "lag_format": fmt})
            continue
        if pred is None:
            raise r.where(link, f"{path}/PredecessorUID").error("the link has no predecessor")
        if fmt in PERCENT_FORMATS:
            base_seconds, _ = durations.get(pred, (0.0, False))
            if pred in summaries:
                base_seconds = 0.0
            share = lag_raw / 100 * base_seconds  # LinkLag is the percentage itself
            elapsed = fmt in (20, 52)
            if elapsed:
                share = share / (mpd * 60) * 86400  # days of the duration, counted elapsed
            lag, unit = _amount(share, elapsed, False)
            percent.append({"pred": pred, "succ": succ, "percent": lag_raw,
                            "elapsed": elapsed, "lag": lag, "lag_unit": unit})
        else:
            amount = amounts.get((lag_raw, fmt))
            if amount is None:
                amount = amounts[lag_raw, fmt] = _amount(lag_raw * 6, fmt in ELAPSED_FORMATS,
                                                         fmt in DAY_FORMATS)
            lag, unit = amount
        line = elem_lines.get(id(link))
        preds: Iterable[int] = (pred,)
        succs: Iterable[int] = (succ,)
        if pred in summaries or succ in summaries:
            # A link to or from a summary task binds the tasks under it.
            preds = children.get(pred, []) if pred in summaries else preds
            succs = children.get(succ, []) if succ in summaries else succs
            summary_links.append({"pred": pred, "succ": succ, "type": ltype, "lag": lag,
                                  "lag_unit": unit})
        for p in preds:
            for s in succs:
                if p not in known or s not in known:
                    if s in known or p in known:
                        dangling.append({"pred": p, "succ": s, "type": ltype,
                                         "reason": skipped.get(p if p not in known else s,
                                                               "unknown task")})
                    continue
                if p == s:
                    continue
                try:
                    links.append(Link(pred=p, succ=s, type=ltype, lag=lag, lag_unit=unit))
                except ProjtrackError as exc:
                    raise r.doc.where(link, path).relocate(exc) from None
                lines.append(line)
    extra: dict[str, Any] = {}
    if percent:
        extra["percent_lags"] = percent
    if external:
        extra["external_links"] = external
    if summary_links:
        extra["summary_links"] = summary_links
    if dangling:
        extra["dangling_links"] = dangling
    return links, lines, extra


# =========================================================================== overlay


def _overlay_field(root: Element) -> str | None:
    """The FieldID aliased ``projtrack`` in the project's custom fields, if any."""
    block = root.find("ExtendedAttributes")
    for ea in (block.findall("ExtendedAttribute") if block is not None else []):
        if (_text(ea, "Alias") or "") == PROJTRACK_ALIAS:
            return _text(ea, "FieldID")
    return None


def _overlays(root: Element, field_id: str) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    block = root.find("Tasks")
    for task in (block.findall("Task") if block is not None else []):
        uid_text = _text(task, "UID")
        if uid_text is None or not uid_text.lstrip("-").isdigit() or len(uid_text) > 12:
            continue
        for ea in task.findall("ExtendedAttribute"):
            if _text(ea, "FieldID") != field_id:
                continue
            try:
                value = json.loads(ea.findtext("Value") or "")
            except (ValueError, RecursionError):
                continue  # damaged by an editor: the XML values stand
            if isinstance(value, dict) and value.get("v") == _OVERLAY_VERSION:
                out[int(uid_text)] = value
    return out


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=True, separators=(",", ":"),
                      default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


_MISSING = "\x00missing"


def _apply(target: dict[str, Any], overlay: dict[str, Any]) -> set[str]:
    """Replace the keys whose XML value is still what was written; return them."""
    done = set()
    for key, entry in (overlay.get("o") or {}).items():
        if not isinstance(entry, list) or len(entry) != 2:
            continue
        digest, original = entry
        current = target.get(key, _MISSING)
        if _digest(current) != digest:
            continue  # edited since: the XML value stands
        if original == _MISSING:
            target.pop(key, None)
        else:
            target[key] = original
        done.add(key)
    return done


_PROJECT_ONLY = frozenset({"name", "name_zh", "description", "start", "timezone", "calendar",
                           "data_date", "must_finish_by", "options", "attrs", "parties",
                           "calendars", "id"})


def _with_overlays(view: Project, overlays: dict[int, dict[str, Any]], file: str) -> Project:
    project_overlay = overlays.get(0)
    if set(overlays) == {0} and project_overlay is not None and \
            set(project_overlay.get("o") or {}) <= _PROJECT_ONLY:
        # Only project-level values: restore them without rebuilding every activity.
        top = to_dict(view.replace(activities=(), links=()))
        top.pop("activities", None)
        changed = _apply(top, project_overlay)
        if not changed:
            return view
        try:
            mini = from_dict(top, source=file)
            return view.replace(**{key: getattr(mini, key) for key in changed})
        except ProjtrackError:
            pass  # fall through to the general path, which reports the problem
    data = to_dict(view)
    project_overlay = overlays.get(0)
    if project_overlay is not None:
        _apply(data, project_overlay)
    final_id: dict[Any, Any] = {}
    plain_links: list[dict[str, Any]] = []
    for act in data.get("activities", []):
        uid = act["id"]
        overlay = overlays.get(uid)
        replaced = _apply(act, overlay) if overlay is not None else set()
        final_id[uid] = act["id"]
        if "links" not in replaced:
            plain_links.append(act)
    for act in plain_links:
        for link in act.get("links", []):
            link["pred"] = final_id.get(link["pred"], link["pred"])
    try:
        return from_dict(data, source=file)
    except ProjtrackError as exc:
        raise ImportFormatError(
            f"the projtrack data stored in the file does not fit the XML any more: "
            f"{exc.message}", file=file, field=exc.field) from None


# =========================================================================== public reader


def read_mspdi(path: str | os.PathLike[str] | bytes, *, timezone: str | None = None) -> Project:
    """Read a Microsoft Project XML (MSPDI) file.

    Parameters
    ----------
    path
        The ``.xml`` file (or its bytes).
    timezone
        IANA zone of the file's local date-times. ``None``: the zone stored by
        :func:`write_mspdi`, else ``Asia/Shanghai``.

    Returns
    -------
    Project
        Activity ids are task UIDs. ``project.attrs`` keeps MS Project
        settings the model has no field for (``minutes_per_day``,
        ``honor_constraints``, ...), ``percent_lags``, ``external_links``,
        ``summary_links`` and ``skipped_tasks``.

    Raises
    ------
    ImportFormatError
        Malformed or hostile XML (DTDs, entities, external references), or
        values that make no sense; the message names the line and element.

    Examples
    --------
    >>> xml = b'''<?xml version="1.0" encoding="UTF-8"?>
    ... <Project xmlns="http://schemas.microsoft.com/project">
    ...   <Name>demo.xml</Name><StartDate>2024-03-04T08:00:00</StartDate>
    ...   <MinutesPerDay>480</MinutesPerDay>
    ...   <Tasks>
    ...     <Task><UID>1</UID><Name>Dig</Name><Duration>PT16H0M0S</Duration>
    ...       <DurationFormat>7</DurationFormat></Task>
    ...     <Task><UID>2</UID><Name>Pour</Name><Duration>PT24H0M0S</Duration>
    ...       <DurationFormat>8</DurationFormat>
    ...       <PredecessorLink><PredecessorUID>1</PredecessorUID><Type>1</Type>
    ...         <LinkLag>4800</LinkLag><LagFormat>7</LagFormat></PredecessorLink></Task>
    ...   </Tasks>
    ... </Project>'''
    >>> p = pt.read_mspdi(xml)
    >>> [(a.id, a.duration, a.duration_unit) for a in p.activities]
    [(1, 16, 'h'), (2, 1, 'ed')]
    >>> p.links[0]
    Link(pred=1, succ=2, type='FS', lag=8, lag_unit='h')
    >>> pt.read_mspdi(b'<!DOCTYPE x [<!ENTITY a "aaaa">]><Project>&a;</Project>')
    Traceback (most recent call last):
    ...
    projtrack.exceptions.ImportFormatError: <mspdi>:1: refused: DTDForbidden (...); MS Project ...
    """
    data, file = read_input(path, "mspdi")
    with gc_paused():  # millions of elements and objects, no cycles among them
        return _read_data(data, file, timezone)


def _read_data(data: bytes, file: str, timezone: str | None) -> Project:
    # The parsed tree goes when this returns: before the collector resumes, which
    # would otherwise walk its millions of elements once more.
    doc = _parse_fast(data, file)
    if doc is None:
        return _read(_parse_xml(data, file), timezone)
    try:
        return _read(doc, timezone)
    except ImportFormatError as exc:
        if exc.line is not None:
            raise
    # Read again, noting element lines, to say where the problem is.
    del doc
    return _read(_parse_xml(data, file), timezone)


def _read(doc: _Doc, timezone: str | None) -> Project:
    file = doc.file
    field_id = _overlay_field(doc.root)
    overlays = _overlays(doc.root, field_id) if field_id else {}
    tz = timezone
    if tz is None:
        stored = (overlays.get(0) or {}).get("tz")
        tz = stored if isinstance(stored, str) else DEFAULT_TIMEZONE
    try:
        check_timezone(tz)
    except ValueError as exc:
        raise ImportFormatError(str(exc), file=file, field="timezone") from None
    view = _build_view(doc, tz, native=field_id is None)
    if not overlays:
        return view
    return _with_overlays(view, overlays, file)


def stored_results(path: str | os.PathLike[str] | bytes, *, timezone: str = DEFAULT_TIMEZONE
                   ) -> dict[int, dict[str, Any]]:
    """Dates and slack MS Project computed, per task UID (leaf tasks only).

    Each UID maps to ``early_start``, ``early_finish``, ``late_start``,
    ``late_finish``, ``start``, ``finish`` (aware DateTimes or ``None``),
    ``total_slack_minutes``, ``free_slack_minutes``, ``start_slack_minutes``,
    ``finish_slack_minutes`` (working minutes), ``critical``, ``manual``,
    ``duration_format``, ``created`` (``CreateDate``), ``line``.

    Examples
    --------
    >>> xml = (b'<Project xmlns="http://schemas.microsoft.com/project"><Tasks><Task><UID>3</UID>'
    ...        b'<EarlyStart>2024-03-04T08:00:00</EarlyStart><TotalSlack>4800</TotalSlack>'
    ...        b'</Task></Tasks></Project>')
    >>> r = stored_results(xml)[3]
    >>> str(r["early_start"]), r["total_slack_minutes"]
    ('2024-03-04 08:00:00+08:00', 480.0)
    """
    data, file = read_input(path, "mspdi")
    with gc_paused():
        return _stored_results(_parse_xml(data, file), timezone)


def _stored_results(doc: _Doc, timezone: str) -> dict[int, dict[str, Any]]:
    r = _Reader(doc, timezone)
    out: dict[int, dict[str, Any]] = {}
    block = doc.root.find("Tasks")
    for elem in (block.findall("Task") if block is not None else []):
        uid = r.integer(elem, "UID", "Tasks/Task")
        if uid is None or r.flag(elem, "Summary") or r.flag(elem, "IsNull") or uid == 0:
            continue
        path = f"Tasks/Task[UID={uid}]"

        def tenths(name: str, elem: Element = elem, path: str = path) -> float | None:
            value = r.integer(elem, name, path, limit=1e15)
            return None if value is None else value / 10

        out[uid] = {
            "early_start": r.when(elem, "EarlyStart", path),
            "early_finish": r.when(elem, "EarlyFinish", path),
            "late_start": r.when(elem, "LateStart", path),
            "late_finish": r.when(elem, "LateFinish", path),
            "start": r.when(elem, "Start", path),
            "finish": r.when(elem, "Finish", path),
            "created": r.when(elem, "CreateDate", path),
            "total_slack_minutes": tenths("TotalSlack"),
            "free_slack_minutes": tenths("FreeSlack"),
            "start_slack_minutes": tenths("StartSlack"),
            "finish_slack_minutes": tenths("FinishSlack"),
            "critical": r.flag(elem, "Critical"),
            "manual": r.flag(elem, "Manual"),
            "duration_format": r.integer(elem, "DurationFormat", path),
            "line": doc.lines.get(id(elem)),
        }
    return out


# =========================================================================== writer


def _clean(text: str) -> str:
    # Printable text has none of the characters XML refuses (the usual case: no regex).
    return text if text.isprintable() else _INVALID_XML.sub("\ufffd", text)


def _sub(parent: Element, tag: str, value: Any) -> Element:
    elem = SubElement(parent, tag)
    if value is not None:
        elem.text = str(value) if type(value) is int else _clean(str(value))
    return elem


def _pt(seconds: float) -> str:
    total = round(seconds)
    sign = "-" if total < 0 else ""
    total = abs(total)
    return f"{sign}PT{total // 3600}H{total % 3600 // 60}M{total % 60}S"


def _local_text(value: _dt.datetime, tz: str) -> str:
    """An instant as local ``YYYY-MM-DDTHH:MM:SS`` text (plain dates: :class:`_PlainDates`)."""
    local = pendulum.instance(value).in_timezone(tz)
    return local.strftime("%Y-%m-%dT%H:%M:%S")


def _ordinary_day(work: WorkCalendar | None) -> tuple[int, int]:
    """Start and end (minutes after midnight, end up to 1440) of an ordinary working day.

    The calendar's first of Monday-Friday with hours (then Saturday, Sunday),
    the day ``cn`` works a make-up day with; MS Project's 08:00-17:00 without one.
    """
    for periods in (work.work_week if work is not None else ()):
        if periods:
            return periods[0][0], periods[-1][1]
    return _MSP_DEFAULT_DAY[0][0], _MSP_DEFAULT_DAY[-1][1]


def _day_at(day: _dt.date, minutes: int) -> str:
    """Local text of ``minutes`` after the midnight of ``day`` (1440: the next midnight)."""
    when = _dt.datetime(day.year, day.month, day.day) + _dt.timedelta(minutes=minutes)
    return when.strftime("%Y-%m-%dT%H:%M:%S")


class _PlainDates:
    """Plain dates as the MSPDI date-times that mean the same, per calendar.

    To projtrack a plain date in a start-like field (actual start, resume, start
    constraints, the data date, the project start) is the start of that day, and
    in a finish-like field (actual finish, finish constraints, deadline) its end:
    on a calendar, the first working instant from the day's 00:00 on and the last
    working instant up to the next midnight (``to_minutes(..., end_of_day=...)``
    in the engine). MSPDI wants a date-time, so that instant is written: 08:00
    and 17:00 on ``standard``, 00:00 and the next midnight on ``7d``/``24h``;
    on a day off, the next start or the previous end of work, which is what the
    day means to a scheduler. Where the calendar cannot tell (no data for the
    year on ``cn``), the calendar's ordinary start or end of day is used.
    """

    def __init__(self, project: Project) -> None:
        self.project = project
        self.tz = project.timezone
        self._works: dict[str, WorkCalendar | None] = {}
        self._texts: dict[tuple[str, _dt.date, bool], str] = {}

    def work(self, name: str | None) -> WorkCalendar | None:
        """The working calendar ``name`` (the project's when ``None``), if it resolves."""
        from projtrack.calendars import get_calendar

        key = name or self.project.calendar
        if key not in self._works:
            try:
                self._works[key] = get_calendar(key, self.project)
            except ProjtrackError:
                self._works[key] = None
        return self._works[key]

    def text(self, value: _dt.date, calendar: str | None, *, finish: bool = False) -> str:
        """``value`` as local MSPDI date-time text; instants are kept as they are."""
        if isinstance(value, _dt.datetime):
            return _local_text(value, self.tz)
        name = calendar or self.project.calendar
        day = _dt.date(value.year, value.month, value.day)
        key = (name, day, finish)
        text = self._texts.get(key)
        if text is None:
            text = self._texts[key] = self._working_instant(name, day, finish)
        return text

    def _working_instant(self, name: str, day: _dt.date, finish: bool) -> str:
        work = self.work(name)
        if work is not None:
            try:
                if finish:
                    at = work.snap_finish(pendulum.Date.fromordinal(day.toordinal() + 1))
                else:
                    at = work.snap_start(pendulum.Date(day.year, day.month, day.day))
            except ProjtrackError:
                pass  # no calendar data there (cn outside its years): the ordinary day
            else:
                return _local_text(at, self.tz)
        first, last = _ordinary_day(work)
        return _day_at(day, last if finish else first)


def _hhmm(minutes: int) -> str:
    if minutes >= 1440:
        return "00:00:00"
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00"


def _working_times_elem(parent: Element, hours: Iterable[tuple[int, int]]) -> None:
    block = SubElement(parent, "WorkingTimes")
    for s, e in hours:
        wt = SubElement(block, "WorkingTime")
        _sub(wt, "FromTime", _hhmm(s))
        _sub(wt, "ToTime", _hhmm(e))


def _builtin_as_calendar(name: str, project: Project) -> Calendar:
    """A model calendar equivalent to a built-in one (holidays listed as exceptions)."""
    from projtrack.calendars import get_calendar

    work = get_calendar(name, project)
    week = work.work_week
    exceptions: list[CalendarException] = []
    span = work.defined_range
    if span is not None and work.holiday_source is not None:
        # Holidays on days off are listed too: a calendar based on this one may work them.
        every_day = get_calendar(Calendar(name=f"{name}-every-day", base=name,
                                          work_week=[((0, 1440),)] * 7), project)
        first, last = span
        day = first
        while day <= last:
            periods = work.working_periods(day)
            if periods != week[day.weekday()] or not every_day.working_periods(day):
                exceptions.append(CalendarException(start=day, hours=periods))
            day = day.add(days=1)
    return Calendar(name=name, work_week=week, exceptions=exceptions,
                    hours_per_day=work.minutes_per_day / 60,
                    description=work.description)


def _needed_builtins(project: Project) -> list[str]:
    from projtrack._calendar_names import BUILTIN_CALENDARS

    own = {c.name for c in project.calendars}
    wanted: list[str] = []
    refs = [project.calendar, *(a.calendar for a in project.activities),
            *(c.base for c in project.calendars)]
    for ref in refs:
        if ref is not None and ref not in own and ref in BUILTIN_CALENDARS and ref not in wanted:
            wanted.append(ref)
    return wanted


def _calendar_minutes_per_day(project: Project, name: str | None) -> int:
    from projtrack.calendars import get_calendar

    try:
        return int(get_calendar(name or project.calendar, project).minutes_per_day) or 480
    except ProjtrackError:
        return 480


_FORMAT_CODES = {"d": 7, "h": 5, "ed": 8, "eh": 6}


class _Dates:
    """A schedule's instants as MSPDI local-time texts (one conversion per distinct instant)."""

    def __init__(self, sched: Schedule) -> None:
        self.schedule = sched
        self.origin = sched.origin
        self.es = sched.early_start_minutes.tolist()
        self.ef = sched.early_finish_minutes.tolist()
        self.ls = sched.late_start_minutes.tolist()
        self.lf = sched.late_finish_minutes.tolist()
        self.tf = sched.total_float_minutes.tolist()
        self.ff = sched.free_float_minutes.tolist()
        self.critical = sched.critical.tolist()
        self.finish = _local_text(sched.finish, sched.timezone)
        self._texts: dict[int, str] = {}

    def text(self, minutes: int) -> str:
        found = self._texts.get(minutes)
        if found is None:
            found = self._texts[minutes] = _day_at(self.origin, minutes)
        return found


def _tenths(minutes: float) -> int:
    """Slack as MSPDI stores it: tenths of a minute."""
    return round(minutes * 10)


def _build_tree(project: Project, uids: dict[Any, int], dates: _Dates | None
                ) -> tuple[Element, dict[int, Element]]:
    root = Element("Project", {"xmlns": NS})
    mpd = _calendar_minutes_per_day(project, project.calendar)
    # Plain dates become the working instants they stand for on their calendar.
    plain = _PlainDates(project)
    start_text = plain.text(project.start, None)
    _sub(root, "SaveVersion", 12)
    _sub(root, "Name", f"{project.id}.xml")
    _sub(root, "Title", project.name or project.id)
    _sub(root, "ScheduleFromStart", 1)
    _sub(root, "StartDate", start_text)
    if dates is not None:
        _sub(root, "FinishDate", dates.finish)
    critical = project.options.critical_float
    _sub(root, "CriticalSlackLimit", int(critical) if critical == int(critical) else 0)
    _sub(root, "CurrencyCode", "CNY")  # required by the schema since Project 2007
    cal_models = [*(_builtin_as_calendar(n, project) for n in _needed_builtins(project)),
                  *project.calendars]
    cal_uid = {c.name: i for i, c in enumerate(cal_models, start=1)}
    _sub(root, "CalendarUID", cal_uid.get(project.calendar, 1))
    # How MS Project completes a date typed without a time: the project calendar's
    # ordinary working day (00:00-24:00, written 00:00:00 as in WorkingTimes, round
    # the clock).
    day_start, day_end = _ordinary_day(plain.work(None))
    _sub(root, "DefaultStartTime", _hhmm(day_start))
    _sub(root, "DefaultFinishTime", _hhmm(day_end))
    _sub(root, "MinutesPerDay", mpd)
    _sub(root, "MinutesPerWeek", mpd * 5)
    _sub(root, "DaysPerMonth", 20)
    _sub(root, "DurationFormat", 7)
    _sub(root, "HonorConstraints", 0)
    if project.data_date is not None:
        _sub(root, "StatusDate", plain.text(project.data_date, None))
    eas = SubElement(root, "ExtendedAttributes")
    ea = SubElement(eas, "ExtendedAttribute")
    _sub(ea, "FieldID", PROJTRACK_FIELD_ID)
    _sub(ea, "FieldName", "Text1")
    _sub(ea, "Alias", PROJTRACK_ALIAS)

    cals = SubElement(root, "Calendars")
    for cal in cal_models:
        ce = SubElement(cals, "Calendar")
        _sub(ce, "UID", cal_uid[cal.name])
        _sub(ce, "Name", cal.name)
        _sub(ce, "IsBaseCalendar", 1 if cal.base is None else 0)
        _sub(ce, "IsBaselineCalendar", 0)
        _sub(ce, "BaseCalendarUID", cal_uid.get(cal.base, -1) if cal.base else -1)
        wds = SubElement(ce, "WeekDays")
        for i, periods in enumerate(cal.work_week):
            if periods is None and cal.base is not None:
                continue
            wd = SubElement(wds, "WeekDay")
            _sub(wd, "DayType", (i + 1) % 7 + 1)
            _sub(wd, "DayWorking", 1 if periods else 0)
            if periods:
                _working_times_elem(wd, periods)
        if cal.exceptions:
            excs = SubElement(ce, "Exceptions")
            for ex in cal.exceptions:
                xe = SubElement(excs, "Exception")
                last = ex.end or ex.start
                _sub(xe, "EnteredByOccurrences", 0)
                tp = SubElement(xe, "TimePeriod")
                _sub(tp, "FromDate", f"{ex.start.isoformat()}T00:00:00")
                _sub(tp, "ToDate", f"{last.isoformat()}T23:59:00")
                _sub(xe, "Occurrences", (last - ex.start).days + 1)
                _sub(xe, "Name", ex.name or "Exception")
                _sub(xe, "Type", 1)
                _sub(xe, "DayWorking", 1 if ex.hours else 0)
                if ex.hours:
                    _working_times_elem(xe, ex.hours)

    tasks = SubElement(root, "Tasks")
    elems: dict[int, Element] = {}
    summary = SubElement(tasks, "Task")
    _sub(summary, "UID", 0)
    _sub(summary, "ID", 0)
    _sub(summary, "Name", project.name or project.id)
    _sub(summary, "Type", 1)
    _sub(summary, "IsNull", 0)
    _sub(summary, "OutlineNumber", 0)
    _sub(summary, "OutlineLevel", 0)
    if dates is not None:
        _sub(summary, "Start", start_text)
        _sub(summary, "Finish", dates.finish)
    _sub(summary, "Summary", 1)
    elems[0] = summary
    by_succ: dict[Any, list[Link]] = {}
    for link in project.links:
        by_succ.setdefault(link.succ, []).append(link)
    cal_mpds: dict[str | None, int] = {}  # calendar look-ups once per calendar, not per task
    for n, act in enumerate(project.activities, start=1):
        te = SubElement(tasks, "Task")
        uid = uids[act.id]
        elems[uid] = te
        cal_mpd = cal_mpds.get(act.calendar)
        if cal_mpd is None:
            cal_mpd = cal_mpds[act.calendar] = _calendar_minutes_per_day(project, act.calendar)
        seconds = _seconds(act.duration, act.duration_unit, cal_mpd)
        _sub(te, "UID", uid)
        _sub(te, "ID", n)
        _sub(te, "Name", act.name or act.name_zh or str(act.id))
        _sub(te, "Type", 1)
        _sub(te, "IsNull", 0)
        _sub(te, "WBS", n)
        _sub(te, "OutlineNumber", n)
        _sub(te, "OutlineLevel", 1)
        k = n - 1  # the activity's position in the schedule's arrays
        begin = (plain.text(act.actual_start, act.calendar) if act.actual_start is not None
                 else dates.text(dates.es[k]) if dates is not None else start_text)
        _sub(te, "Start", begin)
        # A plain finish date is the end of its day's work, and no finish comes before
        # its start.
        if act.actual_finish is not None:
            finish = max(plain.text(act.actual_finish, act.calendar, finish=True), begin)
        else:
            finish = dates.text(dates.ef[k]) if dates is not None else begin
        _sub(te, "Finish", finish)
        _sub(te, "Duration", _pt(seconds))
        _sub(te, "DurationFormat", _FORMAT_CODES[act.duration_unit])
        if act.resume is not None:  # the schema's place: after Stop, before Estimated
            _sub(te, "Resume", plain.text(act.resume, act.calendar))
        _sub(te, "Estimated", 0)
        _sub(te, "Milestone", 1 if act.kind == "milestone" else 0)
        _sub(te, "Summary", 0)
        if dates is not None:
            # MS Project's conventions: a started task's early and late start are its
            # actual start (the remaining work shows in the finishes and the slack);
            # a finished task's four dates are its actual dates, with no slack.
            finished = act.actual_finish is not None
            _sub(te, "Critical", 1 if dates.critical[k] and not finished else 0)
            started = act.actual_start is not None
            _sub(te, "EarlyStart", begin if started else dates.text(dates.es[k]))
            _sub(te, "EarlyFinish", finish if finished else dates.text(dates.ef[k]))
            _sub(te, "LateStart", begin if started else dates.text(dates.ls[k]))
            _sub(te, "LateFinish", finish if finished else dates.text(dates.lf[k]))
            if not finished:
                _sub(te, "FreeSlack", _tenths(dates.ff[k]))
                _sub(te, "TotalSlack", _tenths(dates.tf[k]))
        if act.percent_complete is not None:
            _sub(te, "PercentComplete", round(act.percent_complete))
        elif act.actual_finish is not None:
            _sub(te, "PercentComplete", 100)  # finished: 100 % complete, as MS Project has it
        if act.actual_start is not None:
            _sub(te, "ActualStart", begin)
        if act.actual_finish is not None:
            _sub(te, "ActualFinish", finish)
        if act.actual_start is not None:
            # Work done so far (MS Project always writes it for started tasks).
            done = (act.duration if act.actual_finish is not None
                    else max(0.0, act.work_done()))
            _sub(te, "ActualDuration", _pt(_seconds(done, act.duration_unit, cal_mpd)))
        if act.actual_finish is not None:
            _sub(te, "RemainingDuration", _pt(0))
        elif act.remaining_duration is not None:
            _sub(te, "RemainingDuration",
                 _pt(_seconds(act.remaining_duration, act.duration_unit, cal_mpd)))
        primary = act.constraints[0] if act.constraints else None
        deadline = None
        if len(act.constraints) == 2 and act.constraints[1].type == "finish_no_later_than":
            deadline = act.constraints[1]
        _sub(te, "ConstraintType", CONSTRAINT_CODES[primary.type] if primary else 0)
        _sub(te, "CalendarUID", cal_uid.get(act.calendar, -1) if act.calendar else -1)
        if primary is not None and primary.date is not None:
            finish_type = "finish" in primary.type
            _sub(te, "ConstraintDate", plain.text(primary.date, act.calendar,
                                                  finish=finish_type))
        if deadline is not None and deadline.date is not None:
            _sub(te, "Deadline", plain.text(deadline.date, act.calendar, finish=True))
        if act.description:
            _sub(te, "Notes", act.description)
        for link in by_succ.get(act.id, []):
            pl = SubElement(te, "PredecessorLink")
            _sub(pl, "PredecessorUID", uids[link.pred])
            _sub(pl, "Type", LINK_CODES[link.type])
            _sub(pl, "CrossProject", 0)
            lag_seconds = _seconds(link.lag, link.lag_unit, mpd)
            _sub(pl, "LinkLag", round(lag_seconds / 6))
            _sub(pl, "LagFormat", _FORMAT_CODES[link.lag_unit])
    if dates is not None:
        _split_assignments(root, project, uids, dates.schedule, plain)
    return root, elems


def _split_assignments(root: Element, project: Project, uids: dict[Any, int],
                       schedule: Schedule, plain: _PlainDates) -> None:
    """Split tasks as MS Project stores them: timephased remaining work with idle spans.

    Each split activity not yet finished gets an unassigned assignment
    (``ResourceUID`` -65535, as MS Project writes for a task without
    resources) whose ``TimephasedData`` (type 1, remaining work) lists the
    pieces of work with their hours and the pauses with none.
    """
    block: Element | None = None
    tz = project.timezone
    for act in project.activities:
        # Working-time activities only: MS Project keeps no splits on elapsed ones.
        if (not act.splits or act.actual_finish is not None
                or act.duration_unit not in ("d", "h")):
            continue
        cal = plain.work(act.calendar)
        try:
            pieces = schedule.work_pieces(act.id)
        except ProjtrackError:
            continue  # no calendar data there: the splits travel in the JSON field only
        if cal is None or len(pieces) < 2:
            continue  # every pause is behind: nothing to show
        rows: list[tuple[pendulum.DateTime, pendulum.DateTime, float]] = []
        for n, (a, b) in enumerate(pieces):
            if n:
                rows.append((rows[-1][1], a, 0.0))  # the pause before this piece
            rows.append((a, b, cal.working_between(a, b).total_seconds() / 60))
        if block is None:
            block = SubElement(root, "Assignments")
        uid = len(block) + 1
        asg = SubElement(block, "Assignment")
        _sub(asg, "UID", uid)
        _sub(asg, "TaskUID", uids[act.id])
        _sub(asg, "ResourceUID", -65535)
        _sub(asg, "Finish", _local_text(rows[-1][1], tz))
        _sub(asg, "Start", _local_text(rows[0][0], tz))
        _sub(asg, "Units", 1)
        _sub(asg, "Work", _pt(sum(work for _, _, work in rows) * 60))
        for a, b, work in rows:
            td = SubElement(asg, "TimephasedData")
            _sub(td, "Type", 1)
            _sub(td, "UID", uid)
            _sub(td, "Start", _local_text(a, tz))
            _sub(td, "Finish", _local_text(b, tz))
            _sub(td, "Unit", 2)
            _sub(td, "Value", _pt(work * 60))


def _seconds(value: float, unit: str, minutes_per_day: int) -> float:
    return value * unit_minutes(unit, minutes_per_day) * 60


_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTR_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                               "\r": "&#13;", "\n": "&#10;", "\t": "&#9;"})


_NEEDS_ESCAPE = re.compile("[&<>\r]")


def _serialize(root: Element) -> bytes:
    """The document as indented UTF-8 (elements with text or children only, as MSPDI is)."""
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n']
    append = out.append
    needs_escape = _NEEDS_ESCAPE.search

    def emit(parent: Element | list[Element], pad: str) -> None:
        # One call per parent, not per element: most elements are leaves with text.
        inner = pad + "  "
        for elem in parent:
            tag = elem.tag
            attrs = "".join(f' {k}="{str(v).translate(_ATTR_ESCAPES)}"'
                            for k, v in elem.items()) if elem.items() else ""
            if len(elem):
                append(f"{pad}<{tag}{attrs}>\n")
                emit(elem, inner)
                append(f"{pad}</{tag}>\n")
            else:
                text = elem.text
                if text is None:
                    append(f"{pad}<{tag}{attrs}/>\n")
                else:
                    if needs_escape(text):
                        text = text.translate(_TEXT_ESCAPES)
                    append(f"{pad}<{tag}{attrs}>{text}</{tag}>\n")

    emit([root], "")
    return "".join(out).encode("utf-8")


def _uids(project: Project) -> dict[Any, int]:
    ids = [a.id for a in project.activities]
    numbers = [i for i in ids if isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**31]
    if len(numbers) == len(ids):
        return {i: i for i in numbers}
    return {i: n for n, i in enumerate(ids, start=1)}


def _json_value(value: Any) -> Any:
    return json.loads(json.dumps(value, ensure_ascii=False, default=_refuse))


def _refuse(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} values cannot be stored")


def _diff(view: dict[str, Any], original: dict[str, Any], skip: tuple[str, ...] = ()
          ) -> dict[str, Any]:
    out = {}
    for key in sorted(set(view) | set(original)):
        if key in skip:
            continue
        current = view.get(key, _MISSING)
        wanted = original.get(key, _MISSING)
        if current != wanted:
            out[key] = [_digest(current), wanted]
    return out


def mspdi_bytes(project: Project, *, schedule: Schedule | Literal[False] | None = None
                ) -> bytes:
    """The MSPDI document :func:`write_mspdi` writes, as bytes.

    Examples
    --------
    >>> p = pt.Project(id="p", start=pendulum.Date(2024, 3, 4),
    ...                activities=[pt.Activity(id="dig", duration=2)])
    >>> data = mspdi_bytes(p)
    >>> b"<SaveVersion>12</SaveVersion>" in data, b"<FinishDate>2024-03-05T17:00:00<" in data
    (True, True)
    >>> b"<FinishDate>" in mspdi_bytes(p, schedule=False)
    False
    """
    with gc_paused():  # millions of acyclic objects (see gc_paused)
        return _document(project, schedule)[0]


def _computed_dates(project: Project, schedule: Schedule | Literal[False] | None
                    ) -> _Dates | None:
    if schedule is False:
        return None
    if schedule is None:
        from projtrack.algorithms.cpm import schedule as compute

        try:
            schedule = compute(project)
        except ProjtrackError as exc:
            exc.add_note("write_mspdi writes the computed schedule; to write the logic "
                         "without dates, pass schedule=False (projtrack export --logic-only)")
            raise
    elif not isinstance(schedule, Schedule) or (schedule.project is not project
                                                 and schedule.project != project):
        raise FileFormatError("schedule= must be a Schedule of this project "
                              "(pt.schedule(project)), None to compute it, or False",
                              field="schedule")
    return _Dates(schedule)


def _tree_and_view(project: Project, schedule: Schedule | Literal[False] | None
                   ) -> tuple[Element, dict[int, Element], dict[Any, int], Project]:
    """The document tree (without projtrack's field), its elements and UIDs, and the
    project the reader sees in it (:func:`mspdi_view`)."""
    if not isinstance(project, Project):
        raise FileFormatError(f"{project!r} is not a Project", field="project")
    uids = _uids(project)
    root, elems = _build_tree(project, uids, _computed_dates(project, schedule))
    try:
        # The reader's view of the tree is its view of the serialized file: the
        # tree holds the exact texts the file will hold (the root's namespace is
        # an attribute here, which the reader never looks at).
        view = _build_view(_Doc(root, {}, "<written>"), project.timezone, native=False)
    except ProjtrackError as exc:  # pragma: no cover - a writer bug, not a user error
        raise FileFormatError(f"the MSPDI writer produced a file it cannot read: {exc}") from exc
    return root, elems, uids, view


def _document(project: Project, schedule: Schedule | Literal[False] | None
              ) -> tuple[bytes, Project]:
    """The MSPDI bytes, with projtrack's field where the view differs, and the view."""
    root, elems, uids, view = _tree_and_view(project, schedule)
    try:
        original = _json_value(to_dict(project))
        written = to_dict(view)
        view_acts = written.pop("activities", [])
        written = _json_value(written)
        orig_acts = original.get("activities", [])
        # Only the activities whose view differs from the original need the JSON
        # round trip and a diff. The original is already JSON data (string keys),
        # so a view equal to it is equal after the round trip too.
        changed = [i for i, (got, orig) in enumerate(zip(view_acts, orig_acts, strict=True))
                   if got != orig]
        changed_acts = _json_value([view_acts[i] for i in changed])
    except (TypeError, ValueError) as exc:
        raise FileFormatError(f"the project's attrs cannot be stored: {exc}",
                              field="attrs") from None
    top = _diff(written, original, skip=("activities",))
    overlays: dict[int, dict[str, Any]] = {0: {"v": _OVERLAY_VERSION, "tz": project.timezone,
                                               "o": top}}
    for i, got in zip(changed, changed_acts, strict=True):
        diff = _diff(got, orig_acts[i])
        if diff:
            overlays[uids[project.activities[i].id]] = {"v": _OVERLAY_VERSION, "o": diff}
    for uid, overlay in overlays.items():
        te = elems[uid]
        ext = Element("ExtendedAttribute")
        _sub(ext, "FieldID", PROJTRACK_FIELD_ID)
        _sub(ext, "Value", json.dumps(overlay, ensure_ascii=True, separators=(",", ":")))
        te.append(ext)
    return _serialize(root), view


def mspdi_view(project: Project, *, schedule: Schedule | Literal[False] | None = None
               ) -> Project:
    """The project as MS Project and other tools see the file :func:`write_mspdi` writes.

    That is the MSPDI elements alone, without projtrack's own JSON field:
    what MS Project, ProjectLibre or MPXJ read, and so what they schedule.
    Values MSPDI cannot hold (a second constraint, P6-style scheduling
    options such as the lag calendar, Chinese names, parties...) are not in
    it. Scheduling the view shows where MS Project's dates would differ from
    projtrack's. Activities are in the same order; their ids are the task
    UIDs; durations are in hours; times are in the project's time zone
    (MSPDI holds local times only).

    Parameters
    ----------
    project
        The project.
    schedule
        As for :func:`write_mspdi` (split tasks need the schedule).

    Examples
    --------
    >>> p = pt.Project(id="p", start=pendulum.Date(2024, 3, 6),
    ...                activities=[pt.Activity(id="a", duration=3),
    ...                            pt.Activity(id="b", duration=1, calendar="7d")],
    ...                links=[pt.Link(pred="a", succ="b", lag=1)],
    ...                options=pt.ScheduleOptions(lag_calendar="predecessor"))
    >>> view = mspdi_view(p)
    >>> [a.id for a in view.activities], view.options.lag_calendar
    ([1, 2], 'successor')
    >>> # a ends Friday 17:00. projtrack counts the 1-day lag on a's calendar (to Monday
    >>> # 17:00); MS Project counts 8 hours on b's round-the-clock one (to Saturday 01:00).
    >>> str(pt.schedule(p)["b"]["early_start"]), str(pt.schedule(view)[2]["early_start"])
    ('2024-03-11 17:00:00+08:00', '2024-03-09 01:00:00+08:00')
    """
    with gc_paused():
        return _tree_and_view(project, schedule)[3]


def write_mspdi(project: Project, path: str | os.PathLike[str], *,
                schedule: Schedule | Literal[False] | None = None) -> None:
    """Write a project as a Microsoft Project XML (MSPDI) file.

    The file follows the Project 2007 schema (``SaveVersion`` 12), which MS
    Project 2007 and later and ProjectLibre open. Built-in calendars the
    project uses (``standard``, ``cn``...) are written out in full. Activity
    ids that are not positive integers get UIDs 1, 2, ... in order.

    The file carries the computed schedule as MS Project stores its own:
    each task's ``Start`` and ``Finish``, early and late dates,
    ``TotalSlack``, ``FreeSlack`` and ``Critical``, and the project's
    ``FinishDate``. Tools that show a file without rescheduling it (viewers,
    converters, MPXJ) then show projtrack's dates. MS Project and
    ProjectLibre reschedule it on opening, by MS Project's rules: they find
    the same dates where the project follows those rules, and
    :func:`mspdi_view` shows where it does not (P6's lag calendar, for one).

    :func:`read_mspdi` reads the file back to an equal project: values MSPDI
    cannot hold exactly are stored as JSON in the ``Text1`` custom field
    (aliased ``projtrack``) and restored unless the XML was edited since.
    The file is written atomically.

    Parameters
    ----------
    project
        The project to write.
    path
        Target file; written atomically (all or nothing).
    schedule
        The :func:`projtrack.schedule` of ``project`` whose dates to write.
        ``None`` (the default) computes it as ``pt.schedule(project)`` does,
        with the project's own data date and options (``schedule_computed``
        observers included). ``False`` writes the logic only, without dates (every
        task that has not started then starts at the project start), for a
        project whose schedule cannot be computed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pt.Project(id="demo", start=pendulum.Date(2024, 3, 4),
    ...                activities=[pt.Activity(id="dig", duration=2, name_zh="挖土"),
    ...                            pt.Activity(id="pour", duration=1)],
    ...                links=[pt.Link(pred="dig", succ="pour", lag=4, lag_unit="h")])
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "demo.xml"
    >>> pt.write_mspdi(p, target)
    >>> pt.read_mspdi(target) == p
    True
    >>> b"<Start>2024-03-06T13:00:00</Start>" in target.read_bytes()   # pour: 4 h lag, lunch
    True
    """
    _write(project, path, schedule)


def _write(project: Project, path: str | os.PathLike[str],
           schedule: Schedule | Literal[False] | None) -> Project:
    """:func:`write_mspdi`, returning what :func:`mspdi_view` would (built once)."""
    with gc_paused():  # millions of acyclic objects (see gc_paused)
        data, view = _document(project, schedule)
    write_atomic(path, data)
    return view
