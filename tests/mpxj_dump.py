"""Read MS Project XML files with MPXJ (Java) and print what it read as JSON.

MPXJ is the library ProjectLibre imports MS Project XML with; its MSPDI reader
unmarshals the file with JAXB classes generated from Microsoft's MSPDI schema.
This script runs in its own process (``tests/test_mspdi_mpxj.py`` starts it) so
that the JVM's start-up never meets pytest's ``filterwarnings = error`` and a
crashing JVM cannot take the test run with it.

Usage::

    python tests/mpxj_dump.py FILE.xml [FILE.xml ...]   # a JSON list on stdout
    python tests/mpxj_dump.py --serve                   # JSON requests on stdin

In ``--serve`` mode each stdin line is a request ``{"path": ..., "schedule":
null | "YYYY-MM-DDTHH:MM"}``; each answer is one stdout line starting with
``MPXJ-JSON`` (anything else on stdout is the JVM talking and is ignored).

For each file the answer holds:

* ``strict_error``: the error MPXJ raised with ``setIgnoreErrors(False)``
  (``None`` when the strict read worked); ``ignored_errors``: what the
  lenient read skipped;
* ``schema``: problems found by walking the XML against the JAXB classes'
  ``@XmlType(propOrder)``: unknown elements, elements out of the schema's
  order, missing required elements, values that are not integers where the
  schema wants an integer;
* ``project``: start date, status date, minutes per day/week, days per month,
  default calendar, default start and finish times;
* ``tasks``: per task UID: name, duration and remaining duration (value and
  MPXJ's unit), constraint type/date, deadline, actual start/finish, percent
  complete, calendar name, milestone/summary flags, predecessor links (UID,
  type, lag value and unit);
* ``calendars``: per calendar: parent, the weekly pattern (raw day types and
  hours, and MPXJ's resolved hours with inheritance), the exceptions, and
  MPXJ's resolved hours of every day that differs from its weekly pattern
  within ``span``: the earliest and latest exception date of any calendar
  (and the project's first two weeks);
* ``schedule`` (when asked): early and late start/finish per UID after MPXJ's
  ``MicrosoftScheduler`` ran from the given start (``schedule_filled_in``: the
  tasks without progress that got ActualDuration 0 and RemainingDuration =
  Duration first, and the finished ones that got ActualDuration = Duration and
  RemainingDuration 0, as the scheduler needs them and MS Project assumes them).
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import sys
import traceback
import xml.etree.ElementTree as ET
from typing import Any

_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_SCHEMA_PACKAGE = "org.mpxj.mspdi.schema."


def _start_jvm() -> None:
    import jpype
    import mpxj  # noqa: F401  (adds MPXJ's jars to the class path)

    if not jpype.isJVMStarted():
        jpype.startJVM("-Djava.awt.headless=true", "-Dfile.encoding=UTF-8",
                       convertStrings=True)


# --------------------------------------------------------------------------- schema walk


class _Schema:
    """Element order, required children and value types from MPXJ's JAXB classes."""

    def __init__(self) -> None:
        import jpype

        self.jpype = jpype
        self.XmlType = jpype.JClass("jakarta.xml.bind.annotation.XmlType")
        self.XmlElement = jpype.JClass("jakarta.xml.bind.annotation.XmlElement")
        self.ParameterizedType = jpype.JClass("java.lang.reflect.ParameterizedType")
        self.cache: dict[str, dict[str, tuple[int, str, bool]]] = {}
        self.required: dict[str, list[str]] = {}

    def children(self, class_name: str) -> dict[str, tuple[int, str, bool]]:
        """Element name -> (position in propOrder, Java type name, is a schema class)."""
        if class_name in self.cache:
            return self.cache[class_name]
        cls = self.jpype.JClass("java.lang.Class").forName(class_name)
        xml_type = cls.getAnnotation(self.XmlType)
        order = [str(n) for n in xml_type.propOrder()] if xml_type is not None else []
        out: dict[str, tuple[int, str, bool]] = {}
        required: list[str] = []
        fields = {str(f.getName()): f for f in cls.getDeclaredFields()}
        for pos, field_name in enumerate(order):
            f = fields.get(field_name)
            if f is None:
                continue
            ann = f.getAnnotation(self.XmlElement)
            name = str(ann.name()) if ann is not None else field_name
            if name == "##default":
                name = field_name
            generic = f.getGenericType()
            if isinstance(generic, self.ParameterizedType):  # List<X>
                type_name = str(generic.getActualTypeArguments()[0].getTypeName())
            else:
                type_name = str(f.getType().getName())
            is_class = type_name.startswith(_SCHEMA_PACKAGE)
            out[name] = (pos, type_name, is_class)
            if ann is not None and bool(ann.required()):
                required.append(name)
        self.cache[class_name] = out
        self.required[class_name] = required
        return out

    def check(self, root: ET.Element) -> list[str]:
        problems: list[str] = []
        self._walk(root, _SCHEMA_PACKAGE + "Project", "Project", problems)
        return problems

    def _walk(self, elem: ET.Element, class_name: str, path: str, problems: list[str]) -> None:
        known = self.children(class_name)
        last_pos, last_name = -1, None
        seen: set[str] = set()
        for child in elem:
            name = child.tag.rsplit("}", 1)[-1]
            where = f"{path}/{name}"
            info = known.get(name)
            if info is None:
                problems.append(f"unknown element {where}")
                continue
            pos, type_name, is_class = info
            if pos < last_pos:
                problems.append(f"{where} comes after {path}/{last_name}; the schema "
                                "wants it before")
            else:
                last_pos, last_name = pos, name
            seen.add(name)
            if is_class and len(child) + len(child.attrib) > 0:
                self._walk(child, type_name, where, problems)
                continue
            text = (child.text or "").strip()
            if type_name in ("java.math.BigInteger", "java.lang.Integer", "java.lang.Long",
                             "java.lang.Short", "java.lang.Byte", "int", "long"):
                if not _INTEGER.fullmatch(text):
                    problems.append(f"{where} = {text[:40]!r} is not an integer")
            elif type_name in ("java.math.BigDecimal", "java.lang.Double", "java.lang.Float",
                               "double", "float") and not _DECIMAL.fullmatch(text):
                problems.append(f"{where} = {text[:40]!r} is not a decimal")
        for name in self.required.get(class_name, []):
            if name not in seen:
                problems.append(f"required element {path}/{name} is missing")


# --------------------------------------------------------------------------- values


def _s(value: Any) -> str | None:
    return None if value is None else str(value)


def _duration(d: Any) -> dict[str, Any] | None:
    if d is None:
        return None
    return {"value": float(d.getDuration()), "units": str(d.getUnits().name())}


def _minutes(t: Any, *, end: bool) -> int:
    value = int(t.getHour()) * 60 + int(t.getMinute())
    return 1440 if end and value == 0 else value


def _ranges(hours: Any) -> list[list[int]] | None:
    if hours is None:
        return None
    return [[_minutes(r.getStart(), end=False), _minutes(r.getEnd(), end=True)] for r in hours]


def _calendar(cal: Any, span: tuple[_dt.date, _dt.date] | None) -> dict[str, Any]:
    import jpype

    DayOfWeek = jpype.JClass("java.time.DayOfWeek")
    LocalDate = jpype.JClass("java.time.LocalDate")
    days = [DayOfWeek.of(i) for i in range(1, 8)]  # Monday first
    week = [_ranges(cal.getHours(d)) or [] for d in days]
    parent = cal.getParent()
    out: dict[str, Any] = {
        "uid": int(cal.getUniqueID()),
        "name": _s(cal.getName()),
        "parent": None if parent is None else _s(parent.getName()),
        "day_types": [str(cal.getCalendarDayType(d).name()) for d in days],
        "raw_hours": [_ranges(cal.getCalendarHours(d)) for d in days],
        "week": week,
        "exceptions": [
            {"from": str(e.getFromDate()), "to": str(e.getToDate()), "name": _s(e.getName()),
             "working": bool(e.getWorking()), "hours": _ranges(e) or []}
            for e in cal.getCalendarExceptions()
        ],
        "days": {},
    }
    if span is not None:
        day = LocalDate.parse(span[0].isoformat())
        last = LocalDate.parse(span[1].isoformat())
        differing: dict[str, list[list[int]]] = {}
        while not day.isAfter(last):
            hours = _ranges(cal.getHours(day)) or []
            if hours != week[int(day.getDayOfWeek().getValue()) - 1]:
                differing[str(day)] = hours
            day = day.plusDays(1)
        out["days"] = differing
    return out


def _task(task: Any) -> dict[str, Any]:
    cal = task.getCalendar()
    preds = []
    for rel in task.getPredecessors():
        preds.append({
            "uid": int(rel.getPredecessorTask().getUniqueID()),
            "type": str(rel.getType().name()),
            "lag": _duration(rel.getLag()),
        })
    pct = task.getPercentageComplete()
    return {
        "uid": int(task.getUniqueID()),
        "name": _s(task.getName()),
        "summary": bool(task.getSummary()),
        "milestone": bool(task.getMilestone()),
        "duration": _duration(task.getDuration()),
        "remaining_duration": _duration(task.getRemainingDuration()),
        "constraint_type": None if task.getConstraintType() is None
        else str(task.getConstraintType().name()),
        "constraint_date": _s(task.getConstraintDate()),
        "deadline": _s(task.getDeadline()),
        "start": _s(task.getStart()),
        "finish": _s(task.getFinish()),
        # The dates and slack stored in the file (read before any rescheduling).
        "early_start": _s(task.getEarlyStart()),
        "early_finish": _s(task.getEarlyFinish()),
        "late_start": _s(task.getLateStart()),
        "late_finish": _s(task.getLateFinish()),
        "total_slack": _duration(task.getTotalSlack()),
        "free_slack": _duration(task.getFreeSlack()),
        "critical": bool(task.getCritical()),
        # Pieces of work MPXJ finds in the assignments' timephased data (split tasks).
        "work_splits": [[_s(r.getStart()), _s(r.getEnd())]
                        for r in (task.getWorkSplits() or [])],
        "actual_start": _s(task.getActualStart()),
        "actual_finish": _s(task.getActualFinish()),
        "resume": _s(task.getResume()),
        "percent_complete": None if pct is None else float(pct.doubleValue()),
        "calendar": None if cal is None else _s(cal.getName()),
        "notes": _s(task.getNotes()),
        "predecessors": preds,
    }


def _span(calendars: Any, project_start: Any) -> tuple[_dt.date, _dt.date] | None:
    """Earliest and latest exception day of any calendar (and two weeks from the start)."""
    dates: list[_dt.date] = []
    for cal in calendars:
        for e in cal.getCalendarExceptions():
            dates.append(_dt.date.fromisoformat(str(e.getFromDate())))
            dates.append(_dt.date.fromisoformat(str(e.getToDate())))
    if project_start is not None:
        first = _dt.date.fromisoformat(str(project_start.toLocalDate()))
        dates += [first, first + _dt.timedelta(days=14)]
    return (min(dates), max(dates)) if dates else None


def dump(path: str, schedule: str | None = None) -> dict[str, Any]:
    """What MPXJ reads from one MSPDI file (see the module docstring)."""
    _start_jvm()
    import jpype
    from java.io import File  # type: ignore[import-not-found]
    from org.mpxj.mspdi import MSPDIReader  # type: ignore[import-not-found]

    out: dict[str, Any] = {"path": path, "strict_error": None}
    try:
        strict = MSPDIReader()
        strict.setIgnoreErrors(False)
        strict.read(File(path))
    except jpype.JException as exc:
        cause = exc
        while cause.getCause() is not None:
            cause = cause.getCause()
        out["strict_error"] = f"{exc}; cause: {cause}"
    reader = MSPDIReader()
    pf = reader.read(File(path))
    out["ignored_errors"] = [str(e) for e in pf.getIgnoredErrors()]
    out["schema"] = _Schema().check(ET.parse(path).getroot())
    props = pf.getProjectProperties()
    default = props.getDefaultCalendar()
    out["project"] = {
        "start": _s(props.getStartDate()),
        "finish": _s(props.getFinishDate()),
        "status_date": _s(props.getStatusDate()),
        "minutes_per_day": int(props.getMinutesPerDay()),
        "minutes_per_week": int(props.getMinutesPerWeek()),
        "days_per_month": int(props.getDaysPerMonth()),
        "default_calendar": None if default is None else _s(default.getName()),
        "default_start_time": _s(props.getDefaultStartTime()),
        "default_finish_time": _s(props.getDefaultEndTime()),
    }
    span = _span(pf.getCalendars(), props.getStartDate())
    out["span"] = None if span is None else [span[0].isoformat(), span[1].isoformat()]
    out["calendars"] = [_calendar(c, span) for c in pf.getCalendars()]
    out["tasks"] = [_task(t) for t in pf.getTasks()]
    if schedule is not None:
        from java.time import LocalDateTime  # type: ignore[import-not-found]
        from org.mpxj import Duration, TimeUnit  # type: ignore[import-not-found]
        from org.mpxj.cpm import MicrosoftScheduler  # type: ignore[import-not-found]

        # MPXJ's scheduler wants ActualDuration and RemainingDuration on every task (MS
        # Project always writes them). A task without progress has done nothing and has
        # all of its duration left, a finished one has done all of it and has nothing
        # left: what MS Project assumes when they are absent.
        filled = []
        for t in pf.getTasks():
            if t.getActualDuration() is not None:
                continue
            if t.getActualStart() is None:
                t.setActualDuration(Duration.getInstance(0, TimeUnit.HOURS))
                if t.getRemainingDuration() is None:
                    t.setRemainingDuration(t.getDuration())
                filled.append(int(t.getUniqueID()))
            elif t.getActualFinish() is not None:
                t.setActualDuration(t.getDuration())
                if t.getRemainingDuration() is None:
                    t.setRemainingDuration(Duration.getInstance(0, TimeUnit.HOURS))
                filled.append(int(t.getUniqueID()))
        out["schedule_filled_in"] = filled
        try:
            MicrosoftScheduler().schedule(pf, LocalDateTime.parse(schedule))
            out["schedule"] = {
                str(int(t.getUniqueID())): {"early_start": _s(t.getEarlyStart()),
                                            "early_finish": _s(t.getEarlyFinish()),
                                            "late_start": _s(t.getLateStart()),
                                            "late_finish": _s(t.getLateFinish())}
                for t in pf.getTasks()
            }
        except jpype.JException as exc:
            out["schedule_error"] = str(exc)
    return out


def _answer(request: dict[str, Any]) -> dict[str, Any]:
    try:
        return dump(request["path"], request.get("schedule"))
    except Exception as exc:  # report it to the test instead of dying
        return {"path": request.get("path"), "fatal": f"{type(exc).__name__}: {exc}",
                "traceback": traceback.format_exc()}


def main(argv: list[str]) -> int:
    if argv == ["--serve"]:
        for line in sys.stdin:
            if not line.strip():
                continue
            answer = _answer(json.loads(line))
            sys.stdout.write("MPXJ-JSON " + json.dumps(answer, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        return 0
    if not argv or argv[0].startswith("-"):
        print(__doc__)
        return 2
    json.dump([_answer({"path": p}) for p in argv], sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
