"""MS Project XML written by projtrack, read back by MPXJ (what ProjectLibre imports with).

Neither MS Project nor ProjectLibre runs here; ProjectLibre reads MS Project XML
through MPXJ, whose MSPDI reader unmarshals the file with JAXB classes generated
from Microsoft's MSPDI schema. Each written file is read by MPXJ in a separate
process (``tests/mpxj_dump.py``, so the JVM never meets ``filterwarnings =
error``) and what MPXJ read is compared with the projtrack project, value by
value, converted independently of the writer:

* the file passes MPXJ's strict read (``setIgnoreErrors(False)``), MPXJ ignored
  nothing, and the elements follow the schema: known names, the schema's order
  (``@XmlType(propOrder)`` of MPXJ's JAXB classes), required elements present,
  integers where the schema wants integers;
* every activity is a task with the UID ``write_mspdi`` documents, its name,
  its duration in working (or elapsed) hours, milestone flag, constraint and
  deadline, actual dates, percent complete and calendar;
* every link is a predecessor link of the same type with the same lag in hours;
* every calendar has the same working hours on every day from its first to its
  last exception (MPXJ resolves base calendars, work weeks and exceptions).

A plain date in projtrack means the start of that day (its 00:00) in start-like
fields and its end (the next midnight) in finish-like ones, counted on the
activity's calendar as working time. So a plain date is compared with the working
instant it stands for: the first one from the day's 00:00 on for start-like fields
(actual start, resume, start constraints, the status date, the project start) and
the last one up to the next midnight for finish-like ones (actual finish, finish
constraints, deadline). That is the start and the end of the day's working time
(08:00 and 17:00 on ``standard``, 00:00 and the next midnight on ``7d``/``24h``);
on a day off, the next start or the previous end of work. ``DefaultStartTime``
and ``DefaultFinishTime`` are the project calendar's ordinary start and end of
day (its first of Monday-Friday with hours, the rule ``cn`` uses for make-up
days). The times are worked out with the calendars' own ``snap_start`` and
``snap_finish``; ``test_mpxj_cpm_agrees_*`` checks the meaning end to end: MPXJ's
MS Project-style scheduler on the file gives projtrack's dates.

Without ``java`` on PATH the tests skip, except under ``CI=true`` where they fail.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pendulum
import pytest
from hypothesis import HealthCheck, given, settings

import projtrack as pt
from projtrack.calendars import get_calendar
from projtrack.conformance import find_data_dir
from projtrack.exceptions import CalendarError
from projtrack.testing.strategies import projects

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
EXAMPLES = [ROOT / "examples" / "renhe-road.yaml",
            *sorted((ROOT / "examples" / "shibei-portfolio").glob("*.yaml"))]
_CONFORMANCE = find_data_dir()
MSPDI_FILES = sorted((_CONFORMANCE / "mspdi").glob("*.xml")) if _CONFORMANCE else []

#: MPXJ duration units -> (hours per unit, elapsed?); None: needs the project's day/week/month.
_UNITS: dict[str, tuple[float | None, bool]] = {
    "MINUTES": (1 / 60, False), "HOURS": (1, False), "DAYS": (None, False),
    "WEEKS": (None, False), "MONTHS": (None, False), "YEARS": (None, False),
    "ELAPSED_MINUTES": (1 / 60, True), "ELAPSED_HOURS": (1, True),
    "ELAPSED_DAYS": (24, True), "ELAPSED_WEEKS": (168, True),
    "ELAPSED_MONTHS": (720, True), "ELAPSED_YEARS": (8760, True),
}
_LINKS = {"FS": "FINISH_START", "SS": "START_START", "FF": "FINISH_FINISH", "SF": "START_FINISH"}
#: projtrack constraint -> MPXJ ConstraintType (MSPDI has one constraint and a deadline).
_CONSTRAINTS = {
    "as_late_as_possible": "AS_LATE_AS_POSSIBLE",
    "start_on": "MUST_START_ON", "mandatory_start": "MUST_START_ON",
    "finish_on": "MUST_FINISH_ON", "mandatory_finish": "MUST_FINISH_ON",
    "start_no_earlier_than": "START_NO_EARLIER_THAN",
    "start_no_later_than": "START_NO_LATER_THAN",
    "finish_no_earlier_than": "FINISH_NO_EARLIER_THAN",
    "finish_no_later_than": "FINISH_NO_LATER_THAN",
}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# --------------------------------------------------------------------------- MPXJ process


# The MPXJ process and the ``mpxj`` fixture live in tests/conftest.py.


# --------------------------------------------------------------------------- conversions


def _hours(amount: dict[str, Any] | None, project: dict[str, Any]) -> tuple[float, bool]:
    """(hours, elapsed) of an MPXJ duration, with the file's minutes per day/week."""
    assert amount is not None
    per, elapsed = _UNITS[amount["units"]]
    if per is None:
        per = {"DAYS": project["minutes_per_day"] / 60,
               "WEEKS": project["minutes_per_week"] / 60,
               "MONTHS": project["minutes_per_day"] * project["days_per_month"] / 60,
               "YEARS": project["minutes_per_day"] * project["days_per_month"] * 12 / 60,
               }[amount["units"]]
    return amount["value"] * per, elapsed


def _model_hours(value: float, unit: str, minutes_per_day: float) -> tuple[float, bool]:
    """(hours, elapsed) of a projtrack amount (``d`` counts days of ``minutes_per_day``)."""
    return {"h": (value, False), "d": (value * minutes_per_day / 60, False),
            "eh": (value, True), "ed": (value * 24, True)}[unit]


def _ordinary_day(cal: Any) -> tuple[int, int]:
    """Start and end (minutes after midnight) of a calendar's ordinary working day.

    Its first of Monday-Friday with hours (then Saturday, Sunday), as ``cn``
    works a make-up day; 08:00-17:00 for a calendar without working hours.
    """
    for periods in cal.work_week:
        if periods:
            return periods[0][0], periods[-1][1]
    return 480, 1020


def _clock(minutes: int) -> str:
    """``HH:MM`` as MPXJ shows a time of day (24:00 is 00:00)."""
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"


def _at(day: dt.date, minutes: int) -> str:
    return (dt.datetime(day.year, day.month, day.day)
            + dt.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M")


def _local(value: Any, tz: str, cal: Any, *, finish: bool) -> str:
    """A projtrack date or instant as the local ``YYYY-MM-DDTHH:MM`` it means on ``cal``.

    A plain date is its 00:00 (``finish``: the next midnight) as a working instant:
    the first one from then on (the last one up to then), as the engine counts it.
    Where the calendar has no data (``cn`` outside its years), the calendar's
    ordinary start (end) of day.
    """
    if isinstance(value, dt.datetime):
        return pendulum.instance(value).in_timezone(tz).strftime("%Y-%m-%dT%H:%M")
    day = pendulum.datetime(value.year, value.month, value.day, tz=tz)
    try:
        at = cal.snap_finish(day.add(days=1)) if finish else cal.snap_start(day)
    except CalendarError:
        first, last = _ordinary_day(cal)
        return _at(value, last if finish else first)
    return at.in_timezone(tz).strftime("%Y-%m-%dT%H:%M")


def _project_start(project: pt.Project) -> str:
    """The first working instant of the project calendar on or after the project start."""
    return _local(project.start, project.timezone, get_calendar(project.calendar, project),
                  finish=False)


def _minute(text: str | None) -> str | None:
    return None if text is None else text[:16]


def _text(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


def _uids(project: pt.Project) -> dict[Any, int]:
    """UIDs as ``write_mspdi`` documents them: the ids if all are positive integers, else 1..n."""
    ids = [a.id for a in project.activities]
    if all(isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**31 for i in ids):
        return {i: i for i in ids}
    return {i: n for n, i in enumerate(ids, start=1)}


# --------------------------------------------------------------------------- the comparison


def check(project: pt.Project, got: dict[str, Any]) -> None:
    """Assert that what MPXJ read from the written file says what ``project`` says."""
    where = got["path"]
    assert got["strict_error"] is None, f"{where}: MPXJ strict read failed: {got['strict_error']}"
    assert got["ignored_errors"] == [], f"{where}: MPXJ ignored: {got['ignored_errors']}"
    assert got["schema"] == [], f"{where}: not MSPDI schema order/types: {got['schema'][:10]}"
    head = got["project"]
    tz = project.timezone
    project_cal = get_calendar(project.calendar, project)
    first, last = _ordinary_day(project_cal)
    assert (head["default_start_time"], head["default_finish_time"]) == (
        _clock(first), _clock(last)), head
    assert head["minutes_per_day"] == project_cal.minutes_per_day, head
    assert head["default_calendar"] == project.calendar
    assert _minute(head["start"]) == _project_start(project), head
    if project.data_date is not None:
        assert _minute(head["status_date"]) == _local(project.data_date, tz, project_cal,
                                                      finish=False)

    tasks = {t["uid"]: t for t in got["tasks"] if t["uid"] != 0 and not t["summary"]}
    uids = _uids(project)
    assert sorted(tasks) == sorted(uids.values()), f"{where}: tasks {sorted(tasks)}"
    for act in project.activities:
        task = tasks[uids[act.id]]
        what = f"{where}: activity {act.id!r} (UID {uids[act.id]})"
        _check_task(project, act, task, head, what)

    expected_links: dict[int, list[tuple[Any, ...]]] = {}
    for link in project.links:
        hours, elapsed = _model_hours(link.lag, link.lag_unit, project_cal.minutes_per_day)
        expected_links.setdefault(uids[link.succ], []).append(
            (uids[link.pred], _LINKS[link.type], round(hours, 3), elapsed))
    for uid, task in tasks.items():
        links = []
        for pl in task["predecessors"]:
            hours, elapsed = _hours(pl["lag"], head)
            links.append((pl["uid"], pl["type"], round(hours, 3), elapsed))
        assert sorted(links) == sorted(expected_links.get(uid, [])), f"{where}: links into {uid}"

    _check_calendars(project, got, where)
    _check_dates(project, tasks, head, where)


def _check_dates(project: pt.Project, tasks: dict[int, dict[str, Any]], head: dict[str, Any],
                 where: str) -> None:
    """The file carries projtrack's schedule the way MS Project stores its own."""
    ours = pt.schedule(project)
    tz = project.timezone

    def text(value: Any) -> str:
        return value.in_timezone(tz).strftime("%Y-%m-%dT%H:%M")

    assert _minute(head["finish"]) == text(ours.finish), f"{where}: project finish"
    uids = _uids(project)
    for act in project.activities:
        task, row = tasks[uids[act.id]], ours[act.id]
        what = f"{where}: activity {act.id!r}"
        if row["status"] == "finished":
            # A finished task's four dates are its actual dates (as Start and Finish).
            assert {_minute(task[k]) for k in ("early_start", "late_start")} == {
                _minute(task["start"])}, what
            assert {_minute(task[k]) for k in ("early_finish", "late_finish")} == {
                _minute(task["finish"])}, what
            assert task["critical"] is False, what
            continue
        if row["status"] == "not_started":
            assert _minute(task["start"]) == text(row["early_start"]), f"{what}: start"
            assert _minute(task["early_start"]) == text(row["early_start"]), what
            assert _minute(task["late_start"]) == text(row["late_start"]), what
        else:  # started: MS Project's early and late start are the actual start
            assert _minute(task["early_start"]) == _minute(task["actual_start"]), what
            assert _minute(task["late_start"]) == _minute(task["actual_start"]), what
        assert _minute(task["finish"]) == text(row["early_finish"]), f"{what}: finish"
        assert _minute(task["early_finish"]) == text(row["early_finish"]), what
        assert _minute(task["late_finish"]) == text(row["late_finish"]), what
        assert task["critical"] == bool(row["critical"]), f"{what}: critical"
        k = ours.ids.index(act.id)
        for key, minutes in (("total_slack", ours.total_float_minutes[k]),
                             ("free_slack", ours.free_float_minutes[k])):
            hours, _ = _hours(task[key], head)
            assert hours == pytest.approx(minutes / 60, abs=0.01), f"{what}: {key}"


def _check_task(project: pt.Project, act: pt.Activity, task: dict[str, Any],
                head: dict[str, Any], what: str) -> None:
    tz = project.timezone
    assert task["name"] == _text(act.name or act.name_zh or str(act.id)), what
    cal = get_calendar(act.calendar, project)
    hours, elapsed = _hours(task["duration"], head)
    want, want_elapsed = ((0, False) if act.kind == "milestone" else
                          _model_hours(act.duration, act.duration_unit, cal.minutes_per_day))
    assert (hours, elapsed) == (pytest.approx(want, abs=1e-3), want_elapsed), f"{what}: duration"
    assert task["milestone"] == (act.kind == "milestone"), what
    if act.remaining_duration is not None:
        hours, _ = _hours(task["remaining_duration"], head)
        want, _ = _model_hours(act.remaining_duration, act.duration_unit, cal.minutes_per_day)
        assert hours == pytest.approx(want, abs=1e-3), f"{what}: remaining duration"
    assert task["calendar"] == act.calendar, what

    primary = act.constraints[0] if act.constraints else None
    assert task["constraint_type"] == (
        _CONSTRAINTS[primary.type] if primary else "AS_SOON_AS_POSSIBLE"), what
    if primary is not None and primary.date is not None:
        finish = "finish" in primary.type
        assert _minute(task["constraint_date"]) == _local(primary.date, tz, cal,
                                                          finish=finish), what
    deadline = [c for c in act.constraints[1:] if c.type == "finish_no_later_than"]
    if deadline and deadline[0].date is not None:
        assert _minute(task["deadline"]) == _local(deadline[0].date, tz, cal,
                                                   finish=True), what
    else:
        assert task["deadline"] is None, what

    began = None
    if act.actual_start is not None:
        began = _local(act.actual_start, tz, cal, finish=False)
        assert _minute(task["actual_start"]) == began, f"{what}: actual start"
    else:
        assert task["actual_start"] is None, what
    if act.actual_finish is not None:
        # A plain date is the end of that day, and a finish never comes before its start.
        want_finish = max(_local(act.actual_finish, tz, cal, finish=True), began or "")
        assert _minute(task["actual_finish"]) == want_finish, f"{what}: actual finish"
    else:
        assert task["actual_finish"] is None, what
    if act.resume is not None:
        assert _minute(task["resume"]) == _local(act.resume, tz, cal, finish=False), \
            f"{what}: resume"
    if act.percent_complete is not None:
        assert task["percent_complete"] == round(act.percent_complete), what
    elif act.actual_finish is not None:
        assert task["percent_complete"] == 100, f"{what}: finished but not 100 % complete"
    else:
        assert not task["percent_complete"], what
    if act.description:
        assert task["notes"] == _text(act.description), what


def _check_calendars(project: pt.Project, got: dict[str, Any], where: str) -> None:
    by_name = {c["name"]: c for c in got["calendars"]}
    # Calendars in use and their bases, and every base calendar. A derived calendar no
    # task uses is a resource calendar without its resource in MSPDI, which MPXJ prunes.
    own = {c.name: c for c in project.calendars}
    names = {c.name for c in project.calendars if c.base is None}
    todo = [project.calendar, *(a.calendar for a in project.activities)]
    while todo:
        name = todo.pop()
        if name is not None and name not in names:
            names.add(name)
            todo.append(own[name].base if name in own else None)
    assert names <= set(by_name), f"{where}: calendars {sorted(by_name)}"
    lo, hi = (dt.date.fromisoformat(d) for d in got["span"])
    for name in sorted(names):
        mine, theirs = get_calendar(name, project), by_name[name]
        week = [tuple(tuple(p) for p in day) for day in theirs["week"]]
        assert tuple(week) == mine.work_week, f"{where}: calendar {name!r} work week"
        days = {d: tuple(tuple(p) for p in periods) for d, periods in theirs["days"].items()}
        first, last = lo, hi
        if mine.defined_range is not None:  # cn: no answer outside the holiday data
            first = max(first, mine.defined_range[0])
            last = min(last, mine.defined_range[1])
        day = first
        while day <= last:
            try:
                want = mine.working_periods(pendulum.Date(day.year, day.month, day.day))
            except CalendarError:
                want = None
            if want is not None:
                seen = days.get(day.isoformat(), week[day.weekday()])
                assert seen == want, f"{where}: calendar {name!r} on {day}: {seen} != {want}"
            day += dt.timedelta(days=1)


def write_and_read(mpxj: Any, project: pt.Project, folder: Path, name: str,
                   schedule: str | None = None) -> dict[str, Any]:
    target = folder / f"{name}.xml"
    pt.write_mspdi(project, target)
    return mpxj.read(target, schedule)


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_as_mpxj_reads_them(mpxj: Any, path: Path, tmp_path: Path) -> None:
    project = pt.load(path)
    check(project, write_and_read(mpxj, project, tmp_path, path.stem))


def test_finished_on_a_plain_date_after_a_timed_start(mpxj: Any, tmp_path: Path) -> None:
    """A plain finish date is the end of that day: the task is 100 % done and took time."""
    project = pt.Project(
        id="done", start=pendulum.Date(2024, 3, 4), calendar="standard",
        activities=[
            pt.Activity(id="same-day", duration=1, actual_start=pendulum.Date(2024, 3, 4),
                        actual_finish=pendulum.Date(2024, 3, 4)),
            pt.Activity(id="late-start", duration=1,
                        actual_start=pendulum.datetime(2024, 3, 5, 10, tz="Asia/Shanghai"),
                        actual_finish=pendulum.Date(2024, 3, 5)),
            pt.Activity(id="evening", duration=1,
                        actual_start=pendulum.datetime(2024, 3, 6, 19, tz="Asia/Shanghai"),
                        actual_finish=pendulum.Date(2024, 3, 6)),
        ],
    )
    got = write_and_read(mpxj, project, tmp_path, "done")
    check(project, got)
    same_day = next(t for t in got["tasks"] if t["name"] == "same-day")
    assert same_day["actual_finish"] > same_day["actual_start"]


@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(projects(max_activities=6))
def test_generated_projects_as_mpxj_reads_them(mpxj: Any, project: pt.Project) -> None:
    with tempfile.TemporaryDirectory() as folder:
        check(project, write_and_read(mpxj, project, Path(folder), "generated"))


@pytest.mark.parametrize("path", MSPDI_FILES or [None],
                         ids=lambda p: p.stem if p is not None else "no-data")
def test_conformance_files_written_back(mpxj: Any, path: Path | None, tmp_path: Path) -> None:
    """MS Project files read by projtrack and written again: MPXJ reads what projtrack read."""
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("conformance data (../shared/conformance/mspdi) missing under CI")
        pytest.skip("conformance data (../shared/conformance/mspdi) not available")
    project = pt.read_mspdi(path)
    check(project, write_and_read(mpxj, project, tmp_path, path.stem))


def test_split_tasks_as_mpxj_reads_them(mpxj: Any, tmp_path: Path,
                                        split_project: pt.Project) -> None:
    """MPXJ finds the pieces of work of a split task in the timephased data written.

    Worked out by hand on ``standard`` (08-12, 13-17, Mon-Fri): after 2 days of
    ``a``, ``b`` works 2 days, pauses 3 working days, works 4, pauses 1, works 4;
    ``c`` works 12.5 h (to 13:30 on day two), pauses 4 h (to 08:30 on day three)
    and works the remaining 23.5 h.
    """
    project = split_project
    got = write_and_read(mpxj, project, tmp_path, "splits")
    check(project, got)
    pieces = {t["name"]: t["work_splits"] for t in got["tasks"]}
    assert pieces["a"] == []
    assert pieces["b"] == [["2024-03-06T08:00", "2024-03-07T17:00"],
                           ["2024-03-13T08:00", "2024-03-18T17:00"],
                           ["2024-03-20T08:00", "2024-03-25T17:00"]]
    assert pieces["c"] == [["2024-03-06T08:00", "2024-03-07T13:30"],
                           ["2024-03-08T08:30", "2024-03-12T17:00"]]


#: Round-the-clock calendars too: there a plain date is a midnight, not 08:00.
CPM_CALENDARS = ["standard", "cn", "7d", "24h"]
FIELDS = ("early_start", "early_finish", "late_start", "late_finish")


def _agrees_with_schedule(mpxj: Any, project: pt.Project, folder: Path) -> dict[str, Any]:
    """MPXJ's MicrosoftScheduler on the written file, from the file's own start, gives
    projtrack's early and late dates to the minute."""
    got = write_and_read(mpxj, project, folder, project.id, schedule=_project_start(project))
    check(project, got)
    assert "schedule_error" not in got, got.get("schedule_error")
    ours = pt.schedule(project)
    uids = _uids(project)
    for act in project.activities:
        theirs = got["schedule"][str(uids[act.id])]
        row = ours[act.id]
        mine = {field: row[field] for field in FIELDS}
        if row["status"] == "finished":
            # MS Project keeps a finished task's dates at its actual dates; projtrack's
            # early/late dates of a finished activity are where its (nil) remaining work
            # would go. So compare the actual dates as the working instants they are:
            # the first working instant from the start, the last one up to the finish.
            cal = get_calendar(act.calendar, project)
            began = cal.snap_start(row["actual_start"])
            ended = cal.snap_finish(row["actual_finish"])
            mine = {"early_start": began, "early_finish": ended,
                    "late_start": began, "late_finish": ended}
        for field in FIELDS:
            want = mine[field].in_timezone(project.timezone).strftime("%Y-%m-%dT%H:%M")
            assert _minute(theirs[field]) == want, f"{project.calendar}: {act.id} {field}"
    return got


@pytest.mark.parametrize("calendar", CPM_CALENDARS)
def test_mpxj_cpm_agrees_with_schedule(mpxj: Any, calendar: str, tmp_path: Path) -> None:
    """MPXJ's MS Project-style CPM on the written file gives projtrack's dates.

    The project runs over China's National Day week (1-7 October 2024, make-up
    working days on Sunday 29 September and Saturday 12 October), so on ``cn``
    the holidays written as calendar exceptions must be honoured too. On
    ``7d``/``24h`` the project starts at midnight, not at 08:00.
    """
    project = pt.Project(
        id="cpm", start=pendulum.Date(2024, 9, 26), calendar=calendar,
        activities=[pt.Activity(id="dig", duration=3), pt.Activity(id="pour", duration=2),
                    pt.Activity(id="frame", duration=4), pt.Activity(id="roof", duration=2),
                    pt.Activity(id="inspect", duration=4, duration_unit="h"),
                    pt.Activity(id="survey", duration=1, constraints=[
                        pt.Constraint("start_no_earlier_than", pendulum.Date(2024, 10, 9))]),
                    pt.Activity(id="done", kind="milestone")],
        links=[pt.Link(pred="dig", succ="pour"),
               pt.Link(pred="pour", succ="frame", type="SS", lag=1),
               pt.Link(pred="pour", succ="roof", type="FF", lag=2),
               pt.Link(pred="frame", succ="inspect", lag=4, lag_unit="h"),
               pt.Link(pred="dig", succ="survey"),
               pt.Link(pred="roof", succ="done"), pt.Link(pred="inspect", succ="done"),
               pt.Link(pred="survey", succ="done")],
    )
    got = _agrees_with_schedule(mpxj, project, tmp_path)
    # The first task starts when the calendar's first working day does.
    assert _minute(got["schedule"]["1"]["early_start"]) == (
        "2024-09-26T00:00" if calendar in ("7d", "24h") else "2024-09-26T08:00")


@pytest.mark.parametrize("calendar", CPM_CALENDARS)
def test_mpxj_cpm_agrees_on_plain_dates(mpxj: Any, calendar: str, tmp_path: Path) -> None:
    """Plain-date constraints, deadlines and actual dates mean in the file what they
    mean to projtrack: the start or the end of the day's working time.

    Every kind of dated constraint MSPDI has, on plain dates, one of them on a
    Saturday (a day off on ``standard``: it means the next start of work), a
    deadline, and tasks finished on plain dates (one started on a Saturday) whose
    successors start when the finish day's work is over. The constraints are met
    by the logic or bind it without conflict, where MS Project and projtrack agree
    on their meaning. An elapsed lag from a finished task counts from the end of
    its finish day's work.
    """
    d = pendulum.Date
    project = pt.Project(
        id="dates", start=d(2024, 3, 4), calendar=calendar,
        activities=[
            pt.Activity(id="prep", duration=2, actual_start=d(2024, 3, 4),
                        actual_finish=d(2024, 3, 5)),
            pt.Activity(id="dig", duration=3),
            pt.Activity(id="pour", duration=2, constraints=[
                pt.Constraint("start_no_earlier_than", d(2024, 3, 16))]),  # a Saturday
            pt.Activity(id="frame", duration=3, constraints=[
                pt.Constraint("finish_no_earlier_than", d(2024, 3, 22))]),
            pt.Activity(id="roof", duration=2, constraints=[
                pt.Constraint("start_no_later_than", d(2024, 3, 27))]),
            pt.Activity(id="wire", duration=1, constraints=[
                pt.Constraint("finish_no_later_than", d(2024, 4, 3))]),
            pt.Activity(id="paint", duration=1, constraints=[
                pt.Constraint("start_no_earlier_than", d(2024, 3, 12)),
                pt.Constraint("finish_no_later_than", d(2024, 4, 2))]),  # a deadline
            pt.Activity(id="permit", duration=1, constraints=[
                pt.Constraint("start_on", d(2024, 3, 7))]),
            pt.Activity(id="survey", duration=2, constraints=[
                pt.Constraint("finish_on", d(2024, 3, 13))]),
            pt.Activity(id="clean", duration=1),
            pt.Activity(id="fence", duration=1, actual_start=d(2024, 3, 9),  # a Saturday
                        actual_finish=d(2024, 3, 11)),
            pt.Activity(id="done", kind="milestone"),
        ],
        links=[pt.Link(pred="prep", succ="dig"), pt.Link(pred="dig", succ="pour"),
               # elapsed: counted from the end of the finish day's work, not midnight
               pt.Link(pred="prep", succ="clean", lag=20, lag_unit="eh"),
               pt.Link(pred="fence", succ="done"), pt.Link(pred="clean", succ="done"),
               pt.Link(pred="pour", succ="frame"), pt.Link(pred="frame", succ="roof"),
               pt.Link(pred="roof", succ="wire"), pt.Link(pred="prep", succ="paint"),
               pt.Link(pred="permit", succ="survey"),
               pt.Link(pred="wire", succ="done"), pt.Link(pred="paint", succ="done"),
               pt.Link(pred="survey", succ="done")],
    )
    got = _agrees_with_schedule(mpxj, project, tmp_path)
    # The finished task's successors start once the finish day's work is over (and
    # 20 elapsed hours later).
    round_the_clock = calendar in ("7d", "24h")
    assert _minute(got["schedule"]["2"]["early_start"]) == (
        "2024-03-06T00:00" if round_the_clock else "2024-03-06T08:00")
    assert _minute(got["schedule"]["10"]["early_start"]) == (
        "2024-03-06T20:00" if round_the_clock else "2024-03-06T13:00")


def test_mpxj_schedules_the_written_file_as_mspdi_view_predicts(mpxj: Any,
                                                                tmp_path: Path) -> None:
    """Where projtrack's options have no MSPDI form, MPXJ's MS Project scheduler gives
    the dates of ``mspdi_view``, not projtrack's: the export's note is right."""
    from projtrack.interop import mspdi_view

    project = pt.Project(
        id="lags", start=pendulum.Date(2024, 3, 6),
        activities=[pt.Activity(id="a", duration=3),
                    pt.Activity(id="b", duration=1, calendar="7d")],
        links=[pt.Link(pred="a", succ="b", lag=1)])  # lag_calendar: predecessor (P6's)
    got = write_and_read(mpxj, project, tmp_path, "lags", schedule=_project_start(project))
    assert "schedule_error" not in got, got.get("schedule_error")
    theirs = got["schedule"]["2"]["early_start"]
    view = pt.schedule(mspdi_view(project))[2]["early_start"]
    ours = pt.schedule(project)["b"]["early_start"]
    assert _minute(theirs) == view.strftime("%Y-%m-%dT%H:%M") != ours.strftime(
        "%Y-%m-%dT%H:%M")
