"""Baselines and variance: freeze a schedule, then measure later schedules against it.

:func:`baseline` snapshots a schedule into a :class:`~projtrack.Baseline`
(per activity the planned start and finish, the duration in working days and
the total float; the project finish; the data date; a name).
:meth:`Project.with_baseline <projtrack.Project.with_baseline>` stores it on
the project, and the project file keeps it (``baselines:``). :func:`compare`
gives the start, finish and duration variance of every activity, and of the
project finish, between a baseline and a current schedule.

Conventions
-----------
* The dates of an activity in a schedule are its actual dates where it has
  them and its early dates otherwise (an activity in progress: the actual
  start and the forecast finish). A plain actual date means the start of that
  day for a start and the end of that day for a finish; dates are shown
  snapped to working time (a finish on a working day shows as 17:00 on the
  ``standard`` hours).
* Variances are *current minus baseline*: positive means later or longer.
  They are given in working days on the activity's calendar (elapsed days
  for elapsed durations) and in calendar days; the project finish variance
  uses the project's calendar.

Examples
--------
>>> p = pt.Project(id="p", start=pendulum.Date(2024, 3, 4), calendar="standard",
...                activities=[pt.Activity(id="dig", duration=5),
...                            pt.Activity(id="pour", duration=3)],
...                links=[pt.Link(pred="dig", succ="pour")])
>>> plan = pt.baseline(p, name="plan")
>>> later = p.record(pt.Event(at=pendulum.Date(2024, 3, 4), kind="started", activity="dig"),
...                  pt.Event(at=pendulum.Date(2024, 3, 12), kind="finished", activity="dig"))
>>> cmp = pt.compare(plan, later.as_of(pendulum.Date(2024, 3, 12)))
>>> print(cmp.summary())  # doctest: +ELLIPSIS
Comparison with baseline 'plan': finish 2024-03-15 17:00 against 2024-03-13 17:00 planned, ...
  2 activities: 2 later, 0 earlier, 0 added, 0 deleted
"""

from __future__ import annotations

import bisect
import datetime as _dt
from typing import TYPE_CHECKING, Any, ClassVar

import attrs
import pendulum

from projtrack._baseline import Baseline, BaselineActivity
from projtrack._tables import ResultTable, fmt_days, fmt_when
from projtrack._time import unit_minutes
from projtrack.exceptions import UnknownReferenceError, ValidationError

if TYPE_CHECKING:
    from projtrack._model import Activity, ActivityId, Project
    from projtrack._schedule import Schedule
    from projtrack.calendars import WorkCalendar

__all__ = ["Comparison", "baseline", "compare", "get_baseline", "without_progress"]


# --------------------------------------------------------------------------- time helpers


class _Clock:
    """Working time of a project's calendars, in whole minutes since the project start.

    ``w(cal, t)`` is the working time on calendar ``cal`` between the project
    start (00:00 local) and the instant ``t`` -- the coordinate the scheduling
    engine works in -- so differences of ``w`` are exact working times.
    """

    def __init__(self, project: Project) -> None:
        self.project = project
        self.tz = project.timezone
        start = project.start
        self.origin = pendulum.datetime(start.year, start.month, start.day, tz=self.tz)
        self._cals: dict[str, WorkCalendar] = {}
        self._w: dict[tuple[str, Any], int] = {}
        self._anchors: dict[str, list[tuple[int, pendulum.DateTime]]] = {}

    # calendars
    def calendar_name(self, act: Activity) -> str:
        """The calendar an activity is scheduled on (``24h`` for elapsed durations)."""
        if act.duration_unit in ("ed", "eh"):
            return "24h"
        return act.calendar or self.project.calendar

    def calendar(self, name: str) -> WorkCalendar:
        cal = self._cals.get(name)
        if cal is None:
            from projtrack.calendars import get_calendar

            cal = get_calendar(name, self.project)
            self._cals[name] = cal
        return cal

    def mpd(self, name: str) -> int:
        """Working minutes in a day of calendar ``name``."""
        return int(self.calendar(name).minutes_per_day)

    # instants
    def inst(self, value: Any, *, end: bool = False) -> pendulum.DateTime:
        """An aware instant: a plain date is its 00:00, or the next midnight when ``end``."""
        if isinstance(value, _dt.datetime):
            return pendulum.instance(value).in_timezone(self.tz)
        day = pendulum.datetime(value.year, value.month, value.day, tz=self.tz)
        return day.add(days=1) if end else day

    def w(self, cal: str, t: _dt.datetime) -> int:
        key = (cal, t)
        value = self._w.get(key)
        if value is None:
            dur = self.calendar(cal).working_between(self.origin, t)
            value = round(dur.total_seconds() / 60)
            self._w[key] = value
            bisect.insort(self._anchors.setdefault(cal, []), (value, pendulum.instance(t)))
        return value

    def at(self, cal: str, w: int, *, finish: bool = False) -> pendulum.DateTime:
        """The instant where working minute ``w`` starts (or, with ``finish``, ends).

        Moves from the nearest instant already measured on ``cal``, not from
        the project start, so that long projects stay fast.
        """
        anchors = self._anchors.get(cal, [])
        i = bisect.bisect_right(anchors, (w, pendulum.DateTime.max)) - 1
        base_w, base_t = anchors[i] if i >= 0 else (0, self.origin)
        return self.calendar(cal).add_working(
            base_t, pendulum.duration(minutes=w - base_w),
            convention="finish" if finish else "start",
        )

    def days(self, cal: str, a: _dt.datetime, b: _dt.datetime) -> float:
        """Working days on ``cal`` from ``a`` to ``b`` (negative when ``b`` is earlier)."""
        return (self.w(cal, b) - self.w(cal, a)) / self.mpd(cal)

    def planned_minutes(self, act: Activity) -> int:
        """An activity's planned span in working minutes on its scheduling calendar.

        The span is the work plus any planned pauses (splits): a pause that was
        planned is not a delay.
        """
        mpd = self.mpd(self.calendar_name(act)) if act.duration_unit == "d" else 0
        return round((act.duration + act.pauses_ahead()) * unit_minutes(act.duration_unit, mpd))


def _dates(
    project: Project, sched: Schedule, clock: _Clock
) -> dict[ActivityId, tuple[pendulum.DateTime, pendulum.DateTime]]:
    """Each activity's start and finish instant: actual where known, else early (forecast).

    The instants are the ones the scheduling engine works with (a plain actual
    finish date is the end of that day); see :func:`_shown` for display.
    """
    out: dict[ActivityId, tuple[pendulum.DateTime, pendulum.DateTime]] = {}
    for act, rec in zip(project.activities, sched.to_records(), strict=True):
        early_s, early_f = rec["early_start"], rec["early_finish"]
        if act.kind == "milestone" and (act.actual_start or act.actual_finish) is not None:
            if act.milestone_type == "start":
                t = clock.inst(act.actual_start or act.actual_finish)
            else:
                t = clock.inst(act.actual_finish or act.actual_start, end=True)
            out[act.id] = (t, t)
        elif act.actual_start is not None:
            s = clock.inst(act.actual_start)
            f = clock.inst(act.actual_finish, end=True) if act.actual_finish else early_f
            out[act.id] = (s, max(s, f))
        else:
            out[act.id] = (early_s, early_f)
    return out


def _shown(
    clock: _Clock, cal: str, act: Activity | None, s: pendulum.DateTime, f: pendulum.DateTime
) -> tuple[pendulum.DateTime, pendulum.DateTime]:
    """Start and finish snapped to working time (same working time before each)."""
    wc = clock.calendar(cal)
    if clock.w(cal, f) <= clock.w(cal, s):
        t = wc.snap_start(s) if act is not None and act.milestone_type == "start" else (
            wc.snap_finish(f)
        )
        return t, t
    return wc.snap_start(s), wc.snap_finish(f)


def without_progress(project: Project) -> Project:
    """The project as planned: no actual dates, no progress, no events, no data date.

    Examples
    --------
    >>> from projtrack.tracking import without_progress
    >>> p = pt.load("examples/renhe-road.yaml")
    >>> plan = without_progress(p)
    >>> plan.activity("bc-start").actual_start, plan.events, plan.data_date
    (None, (), None)
    """
    cleared: dict[str, Any] = {"actual_start": None, "actual_finish": None,
                               "remaining_duration": None, "percent_complete": None}
    if project.activities and "resume" in attrs.fields_dict(type(project.activities[0])):
        cleared["resume"] = None  # only for activities in progress
    acts = [
        attrs.evolve(
            a, **cleared,
            outcome="pending" if a.kind == "approval" and a.outcome is not None else None,
        )
        for a in project.activities
    ]
    return project.replace(activities=acts, events=(), data_date=None)


# --------------------------------------------------------------------------- baselines


def baseline(
    source: Project | Schedule,
    *,
    name: str,
    data_date: Any = None,
    planned: bool = False,
    description: str = "",
) -> Baseline:
    """Snapshot a schedule into a :class:`~projtrack.Baseline`.

    Parameters
    ----------
    source
        A project (scheduled with :func:`projtrack.schedule`) or a schedule.
    name
        The baseline's name (unique on a project).
    data_date
        Data date to schedule the project at (default: the project's own).
        Only with a project.
    planned
        ``True`` snapshots the plan: actual dates, progress and events are
        ignored and the project is scheduled from its start
        (:func:`without_progress`).
    description
        Free text stored with the baseline (where it comes from, what is
        estimated).

    Returns
    -------
    Baseline
        Per activity: start and finish (actual dates where the schedule has
        them, else early dates, snapped to working time), the duration in
        working days on the activity's calendar and the total float
        (``None`` for finished activities); the project finish (the latest
        finish); the schedule's data date.

    Examples
    --------
    >>> p = pt.Project(id="p", start=pendulum.Date(2024, 3, 4),
    ...                activities=[pt.Activity(id="a", duration=2),
    ...                            pt.Activity(id="b", duration=3)],
    ...                links=[pt.Link(pred="a", succ="b")])
    >>> b = pt.baseline(p, name="plan")
    >>> b.finish
    DateTime(2024, 3, 8, 17, 0, 0, tzinfo=Timezone('Asia/Shanghai'))
    >>> rec = b.activity("b")
    >>> rec.start.isoformat(), rec.duration, rec.total_float
    ('2024-03-06T08:00:00+08:00', 3.0, 0.0)
    """
    from projtrack._schedule import Schedule
    from projtrack.algorithms.cpm import schedule

    if not isinstance(name, str) or not name.strip():
        raise ValidationError("a baseline needs a non-empty name", field="name")
    if isinstance(source, Schedule):
        if data_date is not None or planned:
            raise ValidationError(
                "data_date and planned apply to a project; schedule the project yourself "
                "or pass the project",
                field="data_date" if data_date is not None else "planned",
            )
        sched = source
        project = sched.project
    else:
        project = without_progress(source) if planned else source
        sched = schedule(project, data_date=data_date)
    clock = _Clock(project)
    dates = _dates(project, sched, clock)
    acts = []
    finish = None
    for act, tf in zip(project.activities, sched.total_float.tolist(), strict=True):
        cal = clock.calendar_name(act)
        s, f = _shown(clock, cal, act, *dates[act.id])
        dur = (clock.w(cal, f) - clock.w(cal, s)) / clock.mpd(cal)
        acts.append(BaselineActivity(
            id=act.id, start=s, finish=f, duration=round(dur, 6),
            total_float=None if tf != tf else round(float(tf), 6),
        ))
        finish = f if finish is None or f > finish else finish
    return Baseline(name=name, finish=clock.origin if finish is None else finish,
                    data_date=sched.data_date, description=description, activities=acts)


def get_baseline(project: Project, name: str | None = None) -> Baseline:
    """A baseline stored on the project: by ``name``, or the first one.

    Raises
    ------
    UnknownReferenceError
        No baseline of that name (or none at all).

    Examples
    --------
    >>> from projtrack.tracking import get_baseline
    >>> get_baseline(pt.load("examples/renhe-road.yaml")).name
    '2008 plan (estimated)'
    """
    if not project.baselines:
        raise UnknownReferenceError(
            f"project {project.id!r} has no baselines; make one with projtrack.baseline() and "
            "store it with project.with_baseline()",
            field="baselines",
        )
    if name is None:
        return project.baselines[0]
    for b in project.baselines:
        if b.name == name:
            return b
    known = ", ".join(repr(b.name) for b in project.baselines)
    raise UnknownReferenceError(f"no baseline {name!r} in project {project.id!r}; it has {known}",
                                field="baselines")


# --------------------------------------------------------------------------- compare


class Comparison(ResultTable):
    """Variance of a schedule against a baseline (returned by :func:`compare`).

    One record per activity (added and deleted ones included), with keys
    ``id``, ``name``, ``change`` (``""``, ``"added"`` or ``"deleted"``),
    ``status``, ``baseline_start``, ``baseline_finish``, ``start``,
    ``finish``, ``start_variance``, ``finish_variance`` (working days on the
    activity's calendar), ``start_variance_days``, ``finish_variance_days``
    (calendar days), ``baseline_duration``, ``duration``,
    ``duration_variance`` (working days), ``baseline_total_float`` and
    ``total_float``.

    Attributes
    ----------
    baseline
        The :class:`~projtrack.Baseline`.
    schedule
        The current :class:`~projtrack.Schedule`.
    finish, baseline_finish
        The current and planned project finish.
    finish_variance, finish_variance_days
        At the finish: working days on the project calendar, calendar days.

    Examples
    --------
    >>> p = pt.load("examples/renhe-road.yaml")
    >>> cmp = pt.compare(pt.tracking.get_baseline(p), p)
    >>> row = next(r for r in cmp.to_records() if r["id"] == "bc-start")
    >>> row["start"].date(), row["baseline_start"].date() < row["start"].date()
    (Date(2022, 12, 1), True)
    """

    columns: ClassVar[tuple[str, ...]] = (
        "id", "name", "change", "status", "baseline_start", "baseline_finish", "start",
        "finish", "start_variance", "finish_variance", "start_variance_days",
        "finish_variance_days", "baseline_duration", "duration", "duration_variance",
        "baseline_total_float", "total_float",
    )
    datetime_columns: ClassVar[tuple[str, ...]] = (
        "baseline_start", "baseline_finish", "start", "finish",
    )
    html_columns: ClassVar[tuple[str, ...] | None] = (
        "id", "change", "baseline_start", "start", "start_variance", "baseline_finish",
        "finish", "finish_variance", "duration_variance",
    )

    def __init__(self, baseline: Baseline, sched: Schedule) -> None:
        self.baseline = baseline
        self.schedule = sched
        project = sched.project
        self.timezone = project.timezone
        clock = _Clock(project)
        dates = _dates(project, sched, clock)
        rows: list[dict[str, Any]] = []
        finish = None
        for act, rec in zip(project.activities, sched.to_records(), strict=True):
            cal = clock.calendar_name(act)
            mpd = clock.mpd(cal)
            s, f = _shown(clock, cal, act, *dates[act.id])
            finish = f if finish is None or f > finish else finish
            tf = rec["total_float"]
            row: dict[str, Any] = {
                "id": act.id, "name": act.name, "change": "", "status": rec["status"],
                "baseline_start": None, "baseline_finish": None, "start": s, "finish": f,
                "start_variance": None, "finish_variance": None,
                "start_variance_days": None, "finish_variance_days": None,
                "baseline_duration": None,
                "duration": (clock.w(cal, f) - clock.w(cal, s)) / mpd,
                "duration_variance": None, "baseline_total_float": None,
                "total_float": None if tf != tf else tf,
            }
            if act.id in baseline:
                b = baseline.activity(act.id)
                bs = clock.inst(b.start)
                bf = clock.inst(b.finish, end=act.milestone_type != "start")
                row.update(
                    baseline_start=b.start,
                    baseline_finish=b.finish,
                    start_variance=(clock.w(cal, s) - clock.w(cal, bs)) / mpd,
                    finish_variance=(clock.w(cal, f) - clock.w(cal, bf)) / mpd,
                    start_variance_days=_calendar_days(b.start, s, clock),
                    finish_variance_days=_calendar_days(b.finish, f, clock),
                    baseline_duration=b.duration,
                    duration_variance=None if b.duration is None else row["duration"] - b.duration,
                    baseline_total_float=b.total_float,
                )
            else:
                row["change"] = "added"
            rows.append(row)
        for b in baseline.activities:
            if b.id not in project:
                rows.append({
                    "id": b.id, "name": "", "change": "deleted", "status": None,
                    "baseline_start": b.start, "baseline_finish": b.finish, "start": None,
                    "finish": None, "start_variance": None, "finish_variance": None,
                    "start_variance_days": None, "finish_variance_days": None,
                    "baseline_duration": b.duration, "duration": None,
                    "duration_variance": None, "baseline_total_float": b.total_float,
                    "total_float": None,
                })
        self._rows = rows
        self.finish = finish
        self.baseline_finish = baseline.finish
        self.finish_variance: float | None = None
        self.finish_variance_days: int | None = None
        if finish is not None and baseline.finish is not None:
            base = clock.inst(baseline.finish, end=True)
            self.finish_variance = clock.days(project.calendar, base, finish)
            self.finish_variance_days = _calendar_days(baseline.finish, finish, clock)

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per activity (see the class description)."""
        return [dict(r) for r in self._rows]

    def summary(self) -> str:
        """Two lines: the finish variance, and counts of later, earlier, added, deleted."""
        rows = self._rows
        later = sum(1 for r in rows if (r["finish_variance"] or 0) > 0)
        earlier = sum(1 for r in rows if (r["finish_variance"] or 0) < 0)
        added = sum(1 for r in rows if r["change"] == "added")
        deleted = sum(1 for r in rows if r["change"] == "deleted")
        head = f"Comparison with baseline {self.baseline.name!r}: "
        if self.finish_variance is None:
            head += f"finish {fmt_when(self.finish)} (the baseline has no finish)"
        else:
            head += (
                f"finish {fmt_when(self.finish)} against {fmt_when(self.baseline_finish)} "
                f"planned, {fmt_days(self.finish_variance, sign=True)} working days "
                f"({self.finish_variance_days:+,d} calendar days)"
            )
        return (
            f"{head}\n  {len(rows)} activities: {later} later, {earlier} earlier, "
            f"{added} added, {deleted} deleted"
        )

    def __repr__(self) -> str:
        return f"<Comparison with baseline {self.baseline.name!r}: {len(self._rows)} activities>"


def _calendar_days(a: Any, b: Any, clock: _Clock) -> int:
    da = clock.inst(a).date() if isinstance(a, _dt.datetime) else a
    db = clock.inst(b).date() if isinstance(b, _dt.datetime) else b
    return (_dt.date(db.year, db.month, db.day) - _dt.date(da.year, da.month, da.day)).days


def compare(baseline: Baseline, current: Project | Schedule) -> Comparison:
    """Start, finish and duration variance of a schedule against a baseline.

    Parameters
    ----------
    baseline
        A :class:`~projtrack.Baseline` (e.g. ``project.baselines[0]``).
    current
        A schedule, or a project (then scheduled with :func:`projtrack.schedule`).

    Returns
    -------
    Comparison
        One row per activity, the variance at the finish, ``to_records()``,
        ``to_pandas()``, ``summary()``.

    Examples
    --------
    >>> p = pt.Project(id="p", start=pendulum.Date(2024, 3, 4),
    ...                activities=[pt.Activity(id="a", duration=2)])
    >>> plan = pt.baseline(p, name="plan")
    >>> slower = p.with_activity(pt.Activity(id="a", duration=5))
    >>> cmp = pt.compare(plan, slower)
    >>> cmp.finish_variance, cmp.to_records()[0]["duration_variance"]
    (3.0, 3.0)
    """
    from projtrack._schedule import Schedule
    from projtrack.algorithms.cpm import schedule

    if not isinstance(baseline, Baseline):
        raise ValidationError(f"{baseline!r} is not a Baseline", field="baseline")
    sched = current if isinstance(current, Schedule) else schedule(current)
    return Comparison(baseline, sched)

