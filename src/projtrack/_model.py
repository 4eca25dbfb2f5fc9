"""The project model: frozen, typed attrs classes validated at construction.

A :class:`Project` holds activities (tasks, approvals, milestones), links
between them, calendars, parties and an event history. Objects are immutable:
change them with :func:`attrs.evolve` (or :meth:`Project.replace`), which
validates again.
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias

import attrs
import pendulum
from attrs import field, frozen

from projtrack._baseline import Baseline
from projtrack._time import DEFAULT_TIMEZONE, check_timezone, finite_number, is_aware
from projtrack.exceptions import (
    DanglingLinkError,
    DependencyCycleError,
    DuplicateIdError,
    ProjtrackError,
    UnknownReferenceError,
    ValidationError,
)

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "ACTIVITY_KINDS",
    "APPROVAL_OUTCOMES",
    "CONSTRAINT_TYPES",
    "EVENT_KINDS",
    "LINK_TYPES",
    "PARTY_ROLES",
    "Activity",
    "ActivityId",
    "Baseline",
    "Calendar",
    "CalendarException",
    "Constraint",
    "Estimate",
    "Event",
    "Link",
    "Party",
    "Project",
    "ScheduleOptions",
    "Split",
]

ActivityId: TypeAlias = "str | int"
When: TypeAlias = "pendulum.Date | pendulum.DateTime"
Interval: TypeAlias = "tuple[int, int]"

ACTIVITY_KINDS = ("task", "approval", "milestone")
LINK_TYPES = ("FS", "SS", "FF", "SF")
#: Units for durations and lags: working days / hours on the activity's (or
#: lag's) calendar, or elapsed days / hours (24 h x 7, calendars ignored).
TIME_UNITS = ("d", "h", "ed", "eh")
MILESTONE_TYPES = ("start", "finish")
APPROVAL_OUTCOMES = ("pending", "approved", "conditionally_approved", "rejected", "withdrawn")
CONSTRAINT_TYPES = (
    "start_no_earlier_than",
    "start_no_later_than",
    "finish_no_earlier_than",
    "finish_no_later_than",
    "start_on",
    "finish_on",
    "mandatory_start",
    "mandatory_finish",
    "as_late_as_possible",
)
PARTY_ROLES = (
    "owner",
    "developer",
    "contractor",
    "designer",
    "supervisor",
    "government_agency",
    "metro_operator",
    "utility_operator",
    "court",
    "liquidator",
    "financier",
    "expert_panel",
    "residents",
    "other",
)
EVENT_KINDS = (
    "submitted",
    "returned_for_revision",
    "resubmitted",
    "approved",
    "rejected",
    "started",
    "progress",
    "finished",
    "suspended",
    "resumed",
    "attempt",
)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _one_of(value: Any, allowed: Sequence[str], what: str) -> None:
    if value not in allowed:
        raise ValidationError(
            f"{value!r} is not one of {', '.join(allowed)}", field=what
        )


def _check_id(value: Any, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValidationError(
            f"{value!r} is not a valid id; ids are strings or integers", field=what
        )
    if isinstance(value, str) and not value.strip():
        raise ValidationError("ids must not be empty", field=what)


def _check_when(value: Any, what: str, *, allow_none: bool = True) -> None:
    if value is None and allow_none:
        return
    if not isinstance(value, _dt.date) or not is_aware(value):
        raise ValidationError(
            f"{value!r} is not a date or a time-zone-aware date-time", field=what
        )


def _check_number(value: Any, what: str, *, minimum: float | None = 0.0) -> None:
    if not finite_number(value):
        raise ValidationError(f"{value!r} is not a finite number", field=what)
    if minimum is not None and value < minimum:
        raise ValidationError(
            f"{value!r} is negative; durations must be >= {minimum:g}"
            if minimum == 0
            else f"{value!r} is below the minimum {minimum:g}",
            field=what,
        )


def _as_instant(value: When | _dt.date, tz: str) -> pendulum.DateTime:
    if isinstance(value, _dt.datetime):
        return pendulum.instance(value)
    return pendulum.datetime(value.year, value.month, value.day, tz=tz)


def _before(a: When, b: When) -> bool:
    """Whether ``a`` is before ``b``: instants if both have a time, else calendar days.

    A date-only value stands for its whole day (the scheduler reads a date-only start
    as the start of the day and a date-only finish as its end), so a date and an
    instant on the same day (the instant's own local day) are never in conflict.
    """
    if isinstance(a, _dt.datetime) and isinstance(b, _dt.datetime):
        return pendulum.instance(a) < pendulum.instance(b)
    day_a = a.date() if isinstance(a, _dt.datetime) else a
    day_b = b.date() if isinstance(b, _dt.datetime) else b
    return day_a < day_b


def _freeze_meta(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError(f"{value!r} is not a mapping", field="attrs")
    return dict(value)


# Typed tuple converters: with ``converter=tuple`` mypy's attrs plugin gives the
# ``__init__`` argument the unsolved type ``Iterable[_T_co]``, which accepts nothing.
def _strings(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _constraints(value: Iterable[Constraint]) -> tuple[Constraint, ...]:
    return tuple(value)


def _splits(value: Iterable[Split]) -> tuple[Split, ...]:
    return tuple(value)


def _calendar_exceptions(value: Iterable[CalendarException]) -> tuple[CalendarException, ...]:
    return tuple(value)


def _activities(value: Iterable[Activity]) -> tuple[Activity, ...]:
    return tuple(value)


def _links(value: Iterable[Link]) -> tuple[Link, ...]:
    return tuple(value)


def _calendars(value: Iterable[Calendar]) -> tuple[Calendar, ...]:
    return tuple(value)


def _parties(value: Iterable[Party]) -> tuple[Party, ...]:
    return tuple(value)


def _events(value: Iterable[Event]) -> tuple[Event, ...]:
    return tuple(value)


def _baselines(value: Iterable[Baseline]) -> tuple[Baseline, ...]:
    return tuple(value)


# --------------------------------------------------------------------------- parts


@frozen
class Constraint:
    """A date constraint on an activity.

    Parameters
    ----------
    type
        One of :data:`CONSTRAINT_TYPES` (``start_no_earlier_than``, ...,
        ``mandatory_finish``, ``as_late_as_possible``).
    date
        The constraint date (a day or an aware instant); ``None`` only for
        ``as_late_as_possible``.

    Examples
    --------
    >>> Constraint("start_no_earlier_than", pendulum.Date(2022, 12, 1)).type
    'start_no_earlier_than'
    >>> Constraint("start_on")
    Traceback (most recent call last):
    ...
    projtrack.exceptions.ValidationError: date: constraint 'start_on' needs a date
    """

    type: str
    date: When | None = None

    def __attrs_post_init__(self) -> None:
        _one_of(self.type, CONSTRAINT_TYPES, "type")
        if self.type == "as_late_as_possible":
            if self.date is not None:
                raise ValidationError(
                    "as_late_as_possible takes no date; remove the date", field="date"
                )
        elif self.date is None:
            raise ValidationError(f"constraint {self.type!r} needs a date", field="date")
        else:
            _check_when(self.date, "date", allow_none=False)


@frozen
class Estimate:
    """A three-point duration estimate (same unit as the activity's duration).

    Examples
    --------
    >>> Estimate(3, 5, 9).most_likely
    5
    >>> Estimate(5, 3, 9)
    Traceback (most recent call last):
    ...
    projtrack.exceptions.ValidationError: estimate: needs optimistic <= most_likely <= pessimistic,
    got 5, 3, 9
    """

    optimistic: float
    most_likely: float
    pessimistic: float

    def __attrs_post_init__(self) -> None:
        for name in ("optimistic", "most_likely", "pessimistic"):
            _check_number(getattr(self, name), name)
        if not self.optimistic <= self.most_likely <= self.pessimistic:
            raise ValidationError(
                "needs optimistic <= most_likely <= pessimistic, got "
                f"{self.optimistic:g}, {self.most_likely:g}, {self.pessimistic:g}",
                field="estimate",
            )


@frozen
class Split:
    """A pause in an activity's work (MS Project's split task).

    After ``after`` of work the activity stops for ``pause`` of working time
    on its own calendar, then goes on. Both are in the activity's duration
    unit. A split lengthens the activity's span, not its work: the CPM passes
    schedule ``duration`` plus the pauses still ahead of the remaining work.

    Examples
    --------
    >>> Split(after=4, pause=3)
    Split(after=4, pause=3)
    >>> Split(after=0, pause=3)
    Traceback (most recent call last):
    ...
    projtrack.exceptions.ValidationError: after: must be above 0 (a pause before any work is a
    later start: use a constraint), got 0
    """

    after: float
    pause: float

    def __attrs_post_init__(self) -> None:
        _check_number(self.after, "after")
        _check_number(self.pause, "pause")
        if self.after <= 0:
            raise ValidationError(
                "must be above 0 (a pause before any work is a later start: use a "
                f"constraint), got {self.after:g}",
                field="after",
            )
        if self.pause <= 0:
            raise ValidationError(f"must be above 0, got {self.pause:g}", field="pause")


@frozen(kw_only=True)
class Activity:
    """One node of the project graph: a task, an approval or a milestone.

    Parameters
    ----------
    id
        Unique id within the project (string or integer).
    name, name_zh
        English and Chinese names.
    kind
        ``task`` (work with a duration), ``approval`` (a decision by an agency,
        with a statutory time limit) or ``milestone`` (zero duration).
    duration
        Planned (original) duration, >= 0, in ``duration_unit``.
    duration_unit
        ``d`` working days (default), ``h`` working hours, ``ed``/``eh``
        elapsed days/hours.
    calendar
        Calendar name; ``None`` uses the project's default calendar.
    stage, wbs
        Approval/construction stage and WBS path.
    party
        Id of the responsible party.
    constraints
        Up to two :class:`Constraint` objects (P6's primary and secondary).
    estimate
        Optional three-point :class:`Estimate` for risk analysis.
    agency, time_limit, outcome
        Approvals only: the issuing agency (a party id), the statutory time
        limit in working days, and the decision.
    milestone_type
        Milestones only: ``start`` or ``finish`` (default).
    actual_start, actual_finish, remaining_duration, percent_complete
        Progress. ``remaining_duration`` is in ``duration_unit``.
    resume
        In-progress activities only: when the remaining work resumes (MS
        Project's ``Resume``). The remaining work is scheduled from the later of
        the data date and this instant. Not before ``actual_start``.
    splits
        Pauses inside the work (:class:`Split`), in order, each strictly
        inside the duration. Not for milestones.
    estimated
        ``True`` when the dates recorded on this activity are estimates.
    description, attrs
        Free text and free metadata.

    Examples
    --------
    >>> a = Activity(id="permit", kind="approval", duration=20, agency="housing",
    ...              time_limit=20, name="Construction permit")
    >>> a.kind, a.duration, a.time_limit
    ('approval', 20, 20)
    >>> Activity(id="m", kind="milestone", duration=2)
    Traceback (most recent call last):
    ...
    projtrack.exceptions.ValidationError: duration: milestone 'm' has duration 2; milestones take
    no time, set duration: 0 or make it a task
    """

    id: ActivityId
    name: str = ""
    name_zh: str = ""
    kind: str = "task"
    duration: float = 0.0
    duration_unit: str = "d"
    calendar: str | None = None
    stage: str | None = None
    wbs: tuple[str, ...] = field(default=(), converter=_strings)
    party: str | None = None
    constraints: tuple[Constraint, ...] = field(default=(), converter=_constraints)
    estimate: Estimate | None = None
    agency: str | None = None
    time_limit: float | None = None
    outcome: str | None = None
    milestone_type: str | None = None
    actual_start: When | None = None
    actual_finish: When | None = None
    remaining_duration: float | None = None
    percent_complete: float | None = None
    resume: When | None = None
    splits: tuple[Split, ...] = field(default=(), converter=_splits)
    estimated: bool = False
    description: str = ""
    attrs: dict[str, Any] = field(factory=dict, converter=_freeze_meta, hash=False)

    def __attrs_post_init__(self) -> None:
        _check_id(self.id, "id")
        _one_of(self.kind, ACTIVITY_KINDS, "kind")
        _check_number(self.duration, "duration")
        _one_of(self.duration_unit, TIME_UNITS, "duration_unit")
        for name in ("name", "name_zh", "description"):
            if not isinstance(getattr(self, name), str):
                raise ValidationError(f"{getattr(self, name)!r} is not text", field=name)
        for name in ("calendar", "stage", "party", "agency"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise ValidationError(f"{value!r} is not text", field=name)
        if any(not isinstance(part, str) for part in self.wbs):
            raise ValidationError("WBS path elements must be text", field="wbs")
        if self.kind == "milestone":
            if self.duration != 0:
                raise ValidationError(
                    f"milestone {self.id!r} has duration {self.duration:g}; milestones take "
                    "no time, set duration: 0 or make it a task",
                    field="duration",
                )
            if self.milestone_type is None:
                object.__setattr__(self, "milestone_type", "finish")
            _one_of(self.milestone_type, MILESTONE_TYPES, "milestone_type")
        elif self.milestone_type is not None:
            raise ValidationError(
                f"milestone_type is only for milestones, not a {self.kind}",
                field="milestone_type",
            )
        if self.kind != "approval":
            for name in ("agency", "time_limit", "outcome"):
                if getattr(self, name) is not None:
                    raise ValidationError(
                        f"{name} is only for approvals; set kind: approval or remove it",
                        field=name,
                    )
        if self.time_limit is not None:
            _check_number(self.time_limit, "time_limit")
        if self.outcome is not None:
            _one_of(self.outcome, APPROVAL_OUTCOMES, "outcome")
        if len(self.constraints) > 2:
            raise ValidationError(
                f"{len(self.constraints)} constraints; an activity takes at most two "
                "(primary and secondary)",
                field="constraints",
            )
        for i, c in enumerate(self.constraints):
            if not isinstance(c, Constraint):
                raise ValidationError(f"{c!r} is not a Constraint", field=f"constraints[{i}]")
        if len(self.constraints) == 2:
            kinds = {c.type for c in self.constraints}
            if len(kinds) == 1:
                raise ValidationError(
                    "the two constraints have the same type; keep one", field="constraints[1]"
                )
            if kinds & {"mandatory_start", "mandatory_finish", "start_on", "finish_on"} and (
                "as_late_as_possible" in kinds
            ):
                raise ValidationError(
                    "as_late_as_possible cannot be combined with an 'on' or mandatory "
                    "constraint",
                    field="constraints[1]",
                )
        if self.estimate is not None and not isinstance(self.estimate, Estimate):
            raise ValidationError(f"{self.estimate!r} is not an Estimate", field="estimate")
        _check_when(self.actual_start, "actual_start")
        _check_when(self.actual_finish, "actual_finish")
        if self.actual_finish is not None and self.actual_start is None:
            raise ValidationError(
                "actual_finish without actual_start; record when the activity started",
                field="actual_finish",
            )
        if (
            self.actual_start is not None
            and self.actual_finish is not None
            and _before(self.actual_finish, self.actual_start)
        ):
            raise ValidationError(
                f"actual_finish {self.actual_finish} is before actual_start {self.actual_start}",
                field="actual_finish",
            )
        if self.resume is not None:
            _check_when(self.resume, "resume")
            if self.actual_start is None or self.actual_finish is not None:
                raise ValidationError(
                    "resume is only for activities in progress (with actual_start and no "
                    "actual_finish); remove it",
                    field="resume",
                )
            if _before(self.resume, self.actual_start):
                raise ValidationError(
                    f"resume {self.resume} is before actual_start {self.actual_start}; "
                    "the work cannot resume before it started",
                    field="resume",
                )
        if self.remaining_duration is not None:
            _check_number(self.remaining_duration, "remaining_duration")
        if self.splits:
            self._check_splits()
        if self.percent_complete is not None:
            _check_number(self.percent_complete, "percent_complete")
            if self.percent_complete > 100:
                raise ValidationError(
                    f"{self.percent_complete:g} is above 100", field="percent_complete"
                )
        if not isinstance(self.estimated, bool):
            raise ValidationError(f"{self.estimated!r} is not true/false", field="estimated")

    def _check_splits(self) -> None:
        if self.kind == "milestone":
            raise ValidationError("a milestone has no work to split; remove splits",
                                  field="splits")
        previous = 0.0
        for i, split in enumerate(self.splits):
            if not isinstance(split, Split):
                raise ValidationError(f"{split!r} is not a Split", field=f"splits[{i}]")
            if split.after <= previous:
                raise ValidationError(
                    f"after {split.after:g} is not after the previous split's "
                    f"{previous:g}; list splits in order of work done",
                    field=f"splits[{i}].after",
                )
            if split.after >= self.duration:
                raise ValidationError(
                    f"after {split.after:g} is not inside the duration {self.duration:g}; a "
                    "split pauses the work between its start and its finish",
                    field=f"splits[{i}].after",
                )
            previous = split.after

    def work_done(self) -> float:
        """Work done so far, in the duration unit, as the scheduler counts it.

        None before the actual start; then ``duration - remaining_duration``,
        else ``percent_complete`` of the duration, else none yet. (A finished
        activity's remaining work is nil whatever these say: the scheduler does
        not ask.)

        Examples
        --------
        >>> started = pendulum.Date(2024, 1, 2)
        >>> Activity(id=1, duration=10, remaining_duration=6).work_done()  # not started
        0.0
        >>> Activity(id=1, duration=10, actual_start=started, remaining_duration=6).work_done()
        4.0
        >>> Activity(id=1, duration=10, actual_start=started, percent_complete=25).work_done()
        2.5
        """
        if self.actual_start is None:
            return 0.0
        if self.remaining_duration is not None:
            return float(self.duration) - float(self.remaining_duration)
        if self.percent_complete is not None:
            return float(self.duration) * self.percent_complete / 100.0
        return 0.0

    def pauses_ahead(self, done: float = 0.0) -> float:
        """Total pause still ahead once ``done`` of the work is done.

        In the activity's duration unit; a pause exactly at ``done`` is ahead.

        Examples
        --------
        >>> a = Activity(id=1, duration=10, splits=[Split(2, 3), Split(6, 1)])
        >>> a.pauses_ahead(), a.pauses_ahead(2), a.pauses_ahead(5), a.pauses_ahead(7)
        (4, 4, 1, 0)
        """
        return sum(s.pause for s in self.splits if s.after >= done)

    @property
    def is_milestone(self) -> bool:
        """Whether this activity is a milestone."""
        return self.kind == "milestone"

    @property
    def status(self) -> str:
        """``not_started``, ``in_progress`` or ``finished``, from the actual dates.

        Examples
        --------
        >>> Activity(id=1, actual_start=pendulum.Date(2024, 1, 2)).status
        'in_progress'
        """
        if self.actual_finish is not None:
            return "finished"
        if self.actual_start is not None:
            return "in_progress"
        return "not_started"


@frozen(kw_only=True)
class Link:
    """A dependency between two activities.

    Parameters
    ----------
    pred, succ
        Predecessor and successor activity ids.
    type
        ``FS`` (finish-to-start, default), ``SS``, ``FF`` or ``SF``.
    lag
        Lag (negative for a lead) in ``lag_unit``.
    lag_unit
        ``d`` working days (default), ``h`` working hours, ``ed``/``eh``
        elapsed days/hours.

    Examples
    --------
    >>> Link(pred="a", succ="b", type="SS", lag=-2)
    Link(pred='a', succ='b', type='SS', lag=-2, lag_unit='d')
    >>> Link(pred="a", succ="b", type="FX")
    Traceback (most recent call last):
    ...
    projtrack.exceptions.ValidationError: type: 'FX' is not one of FS, SS, FF, SF
    """

    pred: ActivityId
    succ: ActivityId
    type: str = "FS"
    lag: float = 0.0
    lag_unit: str = "d"

    def __attrs_post_init__(self) -> None:
        _check_id(self.pred, "pred")
        _check_id(self.succ, "succ")
        _one_of(self.type, LINK_TYPES, "type")
        _check_number(self.lag, "lag", minimum=None)
        _one_of(self.lag_unit, TIME_UNITS, "lag_unit")


def _intervals(value: Any, what: str) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    for i, item in enumerate(value):
        try:
            start, end = item
        except (TypeError, ValueError):
            raise ValidationError(
                f"{item!r} is not a (start, end) pair of minutes", field=f"{what}[{i}]"
            ) from None
        if not (
            isinstance(start, int)
            and isinstance(end, int)
            and not isinstance(start, bool)
            and not isinstance(end, bool)
            and 0 <= start < end <= 1440
        ):
            raise ValidationError(
                f"{item!r} is not a working period; need 0 <= start < end <= 24:00",
                field=f"{what}[{i}]",
            )
        if out and start < out[-1][1]:
            raise ValidationError(
                "working periods must be in order and must not overlap",
                field=f"{what}[{i}]",
            )
        out.append((start, end))
    return tuple(out)


@frozen(kw_only=True)
class CalendarException:
    """A change to a calendar on one day or a range of days.

    Parameters
    ----------
    start
        First day.
    end
        Last day (inclusive); ``None`` means just ``start``.
    hours
        Working periods on those days as ``(start_minute, end_minute)`` pairs;
        empty means the days are not worked (a holiday).
    name
        What the exception is (e.g. ``"Spring Festival"``).

    Examples
    --------
    >>> e = CalendarException(start=pendulum.Date(2025, 1, 28), end=pendulum.Date(2025, 2, 4))
    >>> e.working, len(list(e.days()))
    (False, 8)
    """

    start: pendulum.Date
    end: pendulum.Date | None = None
    hours: tuple[tuple[int, int], ...] = ()
    name: str = ""

    def __attrs_post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is None and name == "end":
                continue
            if not isinstance(value, _dt.date) or isinstance(value, _dt.datetime):
                raise ValidationError(f"{value!r} is not a date", field=name)
        if self.end is not None and self.end < self.start:
            raise ValidationError(f"end {self.end} is before start {self.start}", field="end")
        object.__setattr__(self, "hours", _intervals(self.hours, "hours"))

    @property
    def working(self) -> bool:
        """Whether the exception days have working time."""
        return bool(self.hours)

    def days(self) -> Iterator[pendulum.Date]:
        """Yield each day the exception covers.

        Examples
        --------
        >>> e = CalendarException(start=pendulum.Date(2024, 10, 1), end=pendulum.Date(2024, 10, 3))
        >>> [str(d) for d in e.days()]
        ['2024-10-01', '2024-10-02', '2024-10-03']
        """
        day = self.start
        last = self.end or self.start
        while day <= last:
            yield pendulum.Date(day.year, day.month, day.day)
            day = day + _dt.timedelta(days=1)


def _work_week(value: Any) -> tuple[tuple[tuple[int, int], ...] | None, ...]:
    if value is None:
        return (None,) * 7
    if isinstance(value, Mapping):
        unknown = set(value) - set(WEEKDAYS)
        if unknown:
            raise ValidationError(
                f"unknown weekday {sorted(unknown)[0]!r}; use {', '.join(WEEKDAYS)}",
                field="work_week",
            )
        value = [value.get(day) for day in WEEKDAYS]
    value = tuple(value)
    if len(value) != 7:
        raise ValidationError("a work week has 7 days, Monday first", field="work_week")
    return tuple(
        None if day is None else _intervals(day, f"work_week.{WEEKDAYS[i]}")
        for i, day in enumerate(value)
    )


@frozen(kw_only=True)
class Calendar:
    """A working-time calendar (validated here; the arithmetic is in :mod:`projtrack.calendars`).

    Parameters
    ----------
    name
        Unique name. Built-in names (``standard``, ``7d``, ``24h``, ``cn``)
        can be used without defining them.
    base
        Name of a calendar this one inherits from; days missing from
        ``work_week`` and all the base's exceptions are inherited.
    work_week
        Seven entries, Monday first (or a mapping ``mon`` to ``sun``); each is a
        tuple of ``(start_minute, end_minute)`` working periods, ``()`` for a
        day off, or ``None`` to inherit from ``base`` (a day off without base).
    exceptions
        :class:`CalendarException` objects (holidays, extra working days,
        partial days); later entries win over earlier ones and over the base.
    hours_per_day
        Hours in a working day when durations are given in days; ``None``
        derives it from the work week (the longest weekday).
    fallback
        What to do for a year the holiday data (of ``cn``) does not cover:
        ``None`` raises :class:`~projtrack.CalendarError`; ``"weekdays"``
        treats such years as plain Monday-Friday weeks (a stated assumption).
    description
        Free text.

    Examples
    --------
    >>> cal = Calendar(name="site", base="cn",
    ...                work_week={"sat": [(480, 720)]})
    >>> cal.work_week[5]
    ((480, 720),)
    >>> cal.work_week[0] is None
    True
    """

    name: str
    base: str | None = None
    work_week: tuple[tuple[tuple[int, int], ...] | None, ...] = field(
        default=None, converter=_work_week
    )
    exceptions: tuple[CalendarException, ...] = field(
        default=(), converter=_calendar_exceptions
    )
    hours_per_day: float | None = None
    fallback: str | None = None
    description: str = ""

    FALLBACKS: ClassVar[tuple[str, ...]] = ("weekdays",)

    def __attrs_post_init__(self) -> None:
        if self.fallback is not None:
            _one_of(self.fallback, self.FALLBACKS, "fallback")
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValidationError("a calendar needs a non-empty name", field="name")
        if self.base is not None and not isinstance(self.base, str):
            raise ValidationError(f"{self.base!r} is not a calendar name", field="base")
        if self.base == self.name:
            raise ValidationError(
                f"calendar {self.name!r} names itself as its base", field="base"
            )
        for i, exc in enumerate(self.exceptions):
            if not isinstance(exc, CalendarException):
                raise ValidationError(
                    f"{exc!r} is not a CalendarException", field=f"exceptions[{i}]"
                )
        if self.hours_per_day is not None:
            _check_number(self.hours_per_day, "hours_per_day")
            if not 0 < self.hours_per_day <= 24:
                raise ValidationError(
                    f"{self.hours_per_day:g} is not in (0, 24]", field="hours_per_day"
                )


@frozen(kw_only=True)
class Party:
    """Someone a project waits on: owner, developer, agency, metro operator, court...

    Examples
    --------
    >>> Party(id="metro", name="Qingdao Metro Group", role="metro_operator").role
    'metro_operator'
    """

    id: str
    name: str = ""
    name_zh: str = ""
    role: str = "other"
    attrs: dict[str, Any] = field(factory=dict, converter=_freeze_meta, hash=False)

    def __attrs_post_init__(self) -> None:
        _check_id(self.id, "id")
        if not isinstance(self.id, str):
            raise ValidationError(f"{self.id!r} is not text; party ids are strings", field="id")
        _one_of(self.role, PARTY_ROLES, "role")


@frozen(kw_only=True)
class Event:
    """One entry of a project's append-only history.

    Parameters
    ----------
    at
        When it happened (a day or an aware instant).
    kind
        One of :data:`EVENT_KINDS`.
    activity
        The activity it is about; ``None`` for project-wide events.
    party
        Who acted or caused it (a party id).
    cause
        Cause code (``funding``, ``land_transfer``, ``planning_change``,
        ``third_party_review``, ``policy_change``, ``epidemic``, ``weather``, ...;
        plugins may add their own).
    outcome
        For attempts and decisions: ``success``, ``failure``, ``approved``...
    percent, remaining
        For ``progress`` events.
    note, estimated, attrs
        Free text; whether ``at`` is an estimate; free metadata.

    Examples
    --------
    >>> Event(at=pendulum.Date(2021, 4, 9), kind="attempt", activity="listing4",
    ...       outcome="success").kind
    'attempt'
    """

    at: When
    kind: str
    activity: ActivityId | None = None
    party: str | None = None
    cause: str | None = None
    outcome: str | None = None
    percent: float | None = None
    remaining: float | None = None
    note: str = ""
    estimated: bool = False
    attrs: dict[str, Any] = field(factory=dict, converter=_freeze_meta, hash=False)

    def __attrs_post_init__(self) -> None:
        _check_when(self.at, "at", allow_none=False)
        _one_of(self.kind, EVENT_KINDS, "kind")
        if self.activity is not None:
            _check_id(self.activity, "activity")
        for name in ("party", "cause", "outcome"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value):
                raise ValidationError(f"{value!r} is not a non-empty text", field=name)
        if self.percent is not None:
            _check_number(self.percent, "percent")
            if self.percent > 100:
                raise ValidationError(f"{self.percent:g} is above 100", field="percent")
        if self.remaining is not None:
            _check_number(self.remaining, "remaining")


@frozen(kw_only=True)
class ScheduleOptions:
    """Scheduling options, shaped after P6's (stored in the project file).

    Parameters
    ----------
    lag_calendar
        Calendar lags are counted on: ``predecessor`` (P6 default),
        ``successor``, ``24h`` or ``project``.
    progress
        Out-of-sequence progress: ``retained_logic`` (default) or
        ``progress_override``.
    float_type
        Total float as ``finish`` float (LF - EF, P6 default), ``start`` float
        (LS - ES) or the ``smallest`` of the two (MS Project).
    critical_float
        Activities with total float <= this many working days are critical.
    critical_path
        ``float`` (threshold above) or ``longest_path``.
    open_ends_critical
        Treat activities without successors as critical (P6 option).
    ss_lag_from
        Where the lag of a start-to-start (and start-to-finish) link from a
        started activity counts from (P6 "Calculate start-to-start lag from"):
        ``early_start`` (default: the remaining early start, less the working
        time already spent since the actual start) or ``actual_start``.
    float_calendar
        Calendar total and free float are measured on: ``activity`` (the
        activity's own calendar, P6) or ``project`` (the project's default
        calendar, MS Project; activities with elapsed durations keep
        elapsed time). Float in days then uses that calendar's day.

    Examples
    --------
    >>> ScheduleOptions().lag_calendar
    'predecessor'
    """

    LAG_CALENDARS: ClassVar[tuple[str, ...]] = ("predecessor", "successor", "24h", "project")
    PROGRESS_MODES: ClassVar[tuple[str, ...]] = ("retained_logic", "progress_override")
    FLOAT_TYPES: ClassVar[tuple[str, ...]] = ("finish", "start", "smallest")
    CRITICAL_PATHS: ClassVar[tuple[str, ...]] = ("float", "longest_path")
    SS_LAG_FROM: ClassVar[tuple[str, ...]] = ("early_start", "actual_start")
    FLOAT_CALENDARS: ClassVar[tuple[str, ...]] = ("activity", "project")

    lag_calendar: str = "predecessor"
    progress: str = "retained_logic"
    float_type: str = "finish"
    critical_float: float = 0.0
    critical_path: str = "float"
    open_ends_critical: bool = False
    ss_lag_from: str = "early_start"
    float_calendar: str = "activity"

    def __attrs_post_init__(self) -> None:
        _one_of(self.lag_calendar, self.LAG_CALENDARS, "lag_calendar")
        _one_of(self.float_calendar, self.FLOAT_CALENDARS, "float_calendar")
        _one_of(self.ss_lag_from, self.SS_LAG_FROM, "ss_lag_from")
        _one_of(self.progress, self.PROGRESS_MODES, "progress")
        _one_of(self.float_type, self.FLOAT_TYPES, "float_type")
        _check_number(self.critical_float, "critical_float", minimum=None)
        _one_of(self.critical_path, self.CRITICAL_PATHS, "critical_path")
        if not isinstance(self.open_ends_critical, bool):
            raise ValidationError(
                f"{self.open_ends_critical!r} is not true/false", field="open_ends_critical"
            )


# --------------------------------------------------------------------------- project


def _builtin_calendar_names() -> frozenset[str]:
    from projtrack._calendar_names import builtin_calendar_names

    return builtin_calendar_names()


@frozen(kw_only=True, slots=False)
class Project:
    """A project: activities linked into a dependency graph, with calendars and parties.

    Construction validates the whole project: unique ids, links whose ends
    exist, no cycles, known calendars and parties. Errors are
    :class:`~projtrack.ValidationError` subclasses whose ``field`` names the
    offending item (e.g. ``links[3].pred``).

    Parameters
    ----------
    id, name, name_zh, description
        Identity and free text.
    start
        Planned start date.
    timezone
        IANA time zone for dates without one (default ``Asia/Shanghai``).
    calendar
        Default calendar name (default ``standard``).
    activities, links, calendars, parties, events
        The graph, working calendars, who is involved, and the history.
    baselines
        Named :class:`Baseline` snapshots of earlier schedules (see
        :func:`projtrack.baseline`); names are unique.
    options
        :class:`ScheduleOptions` used by :func:`projtrack.schedule` by default.
    data_date
        Progress is reported up to this date (P6's data date).
    must_finish_by
        Project-level finish constraint for the backward pass.
    attrs
        Free metadata (district, industry chain, investment_cny, site facts
        such as ``foundation_pit_depth_m``, ``metro_distance_m``).

    Examples
    --------
    >>> p = Project(id="demo", name="Demo", start=pendulum.Date(2024, 3, 1),
    ...             activities=[Activity(id="a", duration=3), Activity(id="b", duration=2)],
    ...             links=[Link(pred="a", succ="b")])
    >>> [a.id for a in p.activities], p.timezone
    (['a', 'b'], 'Asia/Shanghai')
    >>> p.successors("a")
    ['b']
    >>> p.replace(links=[Link(pred="a", succ="b"), Link(pred="b", succ="a")])
    Traceback (most recent call last):
    ...
    projtrack.exceptions.DependencyCycleError: links[0]: links form a cycle a -> b -> a; remove or
    reverse one of these links
    """

    id: str
    name: str = ""
    name_zh: str = ""
    description: str = ""
    start: pendulum.Date
    timezone: str = DEFAULT_TIMEZONE
    calendar: str = "standard"
    activities: tuple[Activity, ...] = field(default=(), converter=_activities)
    # Link order carries no meaning (files group links under their successor),
    # so equality compares links as a multiset.
    links: tuple[Link, ...] = field(default=(), converter=_links, eq=Counter, hash=False)
    calendars: tuple[Calendar, ...] = field(default=(), converter=_calendars)
    parties: tuple[Party, ...] = field(default=(), converter=_parties)
    events: tuple[Event, ...] = field(default=(), converter=_events)
    baselines: tuple[Baseline, ...] = field(default=(), converter=_baselines)
    options: ScheduleOptions = field(factory=ScheduleOptions)
    data_date: When | None = None
    must_finish_by: When | None = None
    attrs: dict[str, Any] = field(factory=dict, converter=_freeze_meta, hash=False)

    def __attrs_post_init__(self) -> None:
        self._validate()

    # ------------------------------------------------------------------ validation
    def _validate(self) -> None:
        if not isinstance(self.id, str) or not self.id.strip():
            raise ValidationError("a project needs a non-empty text id", field="id")
        for name in ("name", "name_zh", "description"):
            if not isinstance(getattr(self, name), str):
                raise ValidationError(f"{getattr(self, name)!r} is not text", field=name)
        if not isinstance(self.start, _dt.date) or isinstance(self.start, _dt.datetime):
            raise ValidationError(
                f"{self.start!r} is not a date; give the planned start as YYYY-MM-DD",
                field="start",
            )
        if not isinstance(self.start, pendulum.Date):
            object.__setattr__(
                self, "start", pendulum.Date(self.start.year, self.start.month, self.start.day)
            )
        try:
            check_timezone(self.timezone)
        except ValueError as exc:
            raise ValidationError(str(exc), field="timezone") from None
        if not isinstance(self.options, ScheduleOptions):
            raise ValidationError(f"{self.options!r} is not ScheduleOptions", field="options")
        _check_when(self.data_date, "data_date")
        _check_when(self.must_finish_by, "must_finish_by")
        self._check_types()

        # Every reference problem at once (the cycle check needs them all fixed).
        problems: list[ProjtrackError] = []

        # Unique ids.
        index: dict[ActivityId, int] = {}
        for i, act in enumerate(self.activities):
            if act.id in index:
                problems.append(DuplicateIdError(
                    f"activity id {act.id!r} is used twice (activities[{index[act.id]}] and "
                    f"activities[{i}]); give each activity its own id",
                    field=f"activities[{i}].id",
                    ids=(act.id,),
                ))
            index[act.id] = i
        calendar_names: dict[str, int] = {}
        for i, cal in enumerate(self.calendars):
            if cal.name in calendar_names:
                problems.append(DuplicateIdError(
                    f"calendar {cal.name!r} is defined twice", field=f"calendars[{i}].name"
                ))
            calendar_names[cal.name] = i
        party_ids: dict[str, int] = {}
        for i, party in enumerate(self.parties):
            if party.id in party_ids:
                problems.append(DuplicateIdError(
                    f"party id {party.id!r} is used twice", field=f"parties[{i}].id"
                ))
            party_ids[party.id] = i
        baseline_names: dict[str, int] = {}
        for i, base in enumerate(self.baselines):
            if base.name in baseline_names:
                first = baseline_names[base.name]
                problems.append(DuplicateIdError(
                    f"baseline {base.name!r} is stored twice (baselines[{first}] and "
                    f"baselines[{i}]); give each baseline its own name",
                    field=f"baselines[{i}].name",
                ))
            baseline_names[base.name] = i

        # References.
        known_calendars = _builtin_calendar_names() | set(calendar_names)
        hint = ", ".join(sorted(known_calendars))

        def need_calendar(name: str | None, where: str) -> None:
            if name is not None and name not in known_calendars:
                from projtrack.calendars import plugin_calendars

                if name in plugin_calendars():  # contributed by an installed plugin
                    return
                problems.append(UnknownReferenceError(
                    f"unknown calendar {name!r}; define it under calendars: or use one of {hint}",
                    field=where,
                ))

        need_calendar(self.calendar, "calendar")
        for i, cal in enumerate(self.calendars):
            need_calendar(cal.base, f"calendars[{i}].base")
        self._check_calendar_bases(calendar_names)

        def need_party(pid: str | None, where: str) -> None:
            if pid is not None and pid not in party_ids:
                problems.append(UnknownReferenceError(
                    f"unknown party {pid!r}; add it under parties: or fix the id",
                    field=where,
                ))

        for i, act in enumerate(self.activities):
            if act.calendar is not None:
                need_calendar(act.calendar, f"activities[{i}].calendar")
            if act.party is not None:
                need_party(act.party, f"activities[{i}].party")
            if act.agency is not None:
                need_party(act.agency, f"activities[{i}].agency")
        for i, ev in enumerate(self.events):
            if ev.party is not None:
                need_party(ev.party, f"events[{i}].party")
            if ev.activity is not None and ev.activity not in index:
                problems.append(UnknownReferenceError(
                    f"event refers to unknown activity {ev.activity!r}",
                    field=f"events[{i}].activity",
                    ids=(ev.activity,),
                ))

        for i, link in enumerate(self.links):
            for end in ("pred", "succ"):
                ref = getattr(link, end)
                if ref not in index:
                    problems.append(DanglingLinkError(
                        f"link {link.pred!r} -> {link.succ!r} names unknown activity {ref!r}; "
                        "add the activity or remove the link",
                        field=f"links[{i}].{end}",
                        ids=(ref,),
                    ))
            if link.pred == link.succ:
                problems.append(DependencyCycleError(
                    [link.pred, link.succ], field=f"links[{i}]"
                ))
        if problems:
            raise problems[0].with_problems(problems[1:])
        object.__setattr__(self, "_index", index)
        self._check_acyclic(index)

    def _check_types(self) -> None:
        for name, cls in (
            ("activities", Activity),
            ("links", Link),
            ("calendars", Calendar),
            ("parties", Party),
            ("events", Event),
            ("baselines", Baseline),
        ):
            for i, item in enumerate(getattr(self, name)):
                if type(item) is not cls and not isinstance(item, cls):
                    raise ValidationError(
                        f"{item!r} is not a {cls.__name__}", field=f"{name}[{i}]"
                    )

    def _check_calendar_bases(self, names: Mapping[str, int]) -> None:
        by_name = {c.name: c for c in self.calendars}
        for cal in self.calendars:
            seen = [cal.name]
            base = cal.base
            while base is not None and base in by_name:
                if base in seen:
                    raise ValidationError(
                        "calendar bases form a loop: " + " -> ".join([*seen, base]),
                        field=f"calendars[{names[cal.name]}].base",
                    )
                seen.append(base)
                base = by_name[base].base

    def _check_acyclic(self, index: Mapping[ActivityId, int]) -> None:
        from projtrack._topology import topological_order

        order = topological_order(self)
        if order is None:
            from projtrack._topology import find_cycle

            cycle = find_cycle(self)
            link_at = next(
                (
                    i
                    for i, link in enumerate(self.links)
                    if link.pred == cycle[0] and link.succ == cycle[1]
                ),
                None,
            )
            raise DependencyCycleError(
                cycle, field=None if link_at is None else f"links[{link_at}]"
            )
        object.__setattr__(self, "_topo", order)

    # ------------------------------------------------------------------ access
    def activity(self, activity_id: ActivityId) -> Activity:
        """Return the activity with this id.

        Raises
        ------
        UnknownReferenceError
            If there is no such activity.

        Examples
        --------
        >>> p = Project(id="p", start=pendulum.Date(2024, 1, 2), activities=[Activity(id="a")])
        >>> p.activity("a").id
        'a'
        """
        try:
            return self.activities[self._index[activity_id]]  # type: ignore[attr-defined]
        except KeyError:
            raise UnknownReferenceError(
                f"no activity {activity_id!r} in project {self.id!r}", ids=(activity_id,)
            ) from None

    def __contains__(self, activity_id: object) -> bool:
        return activity_id in self._index  # type: ignore[attr-defined]

    def __len__(self) -> int:
        return len(self.activities)

    def __iter__(self) -> Iterator[Activity]:
        return iter(self.activities)

    def successors(self, activity_id: ActivityId) -> list[ActivityId]:
        """Ids of the direct successors of an activity, in link order (no repeats).

        Examples
        --------
        >>> p = pt.Project(id="p", start=pendulum.Date(2024, 1, 2),
        ...                activities=[pt.Activity(id="a"), pt.Activity(id="b")],
        ...                links=[pt.Link(pred="a", succ="b")])
        >>> p.successors("a"), p.successors("b")
        (['b'], [])
        """
        self.activity(activity_id)
        return list(dict.fromkeys(k.succ for k in self.links if k.pred == activity_id))

    def predecessors(self, activity_id: ActivityId) -> list[ActivityId]:
        """Ids of the direct predecessors of an activity, in link order (no repeats).

        Examples
        --------
        >>> p = pt.Project(id="p", start=pendulum.Date(2024, 1, 2),
        ...                activities=[pt.Activity(id="a"), pt.Activity(id="b")],
        ...                links=[pt.Link(pred="a", succ="b")])
        >>> p.predecessors("b")
        ['a']
        """
        self.activity(activity_id)
        return list(dict.fromkeys(k.pred for k in self.links if k.succ == activity_id))

    def party(self, party_id: str) -> Party:
        """Return the party with this id (raises :class:`UnknownReferenceError`).

        Examples
        --------
        >>> p = pt.load("examples/renhe-road.yaml")
        >>> p.party("qingdao-metro").role
        'metro_operator'
        """
        for p in self.parties:
            if p.id == party_id:
                return p
        raise UnknownReferenceError(f"no party {party_id!r} in project {self.id!r}")

    def topological_order(self) -> list[ActivityId]:
        """Activity ids in a dependency-respecting order (deterministic for a given project).

        Examples
        --------
        >>> p = Project(id="p", start=pendulum.Date(2024, 1, 2),
        ...             activities=[Activity(id="b"), Activity(id="a")],
        ...             links=[Link(pred="a", succ="b")])
        >>> p.topological_order()
        ['a', 'b']
        """
        return [self.activities[i].id for i in self._topo]  # type: ignore[attr-defined]

    def replace(self, **changes: Any) -> Project:
        """Return a copy with some fields changed (validated again).

        Examples
        --------
        >>> p = Project(id="p", start=pendulum.Date(2024, 1, 2))
        >>> p.replace(name="New name").name
        'New name'
        """
        return attrs.evolve(self, **changes)

    def with_activity(self, activity: Activity) -> Project:
        """Return a copy with ``activity`` added, or replacing the one with the same id.

        Examples
        --------
        >>> p = pt.Project(id="p", start=pendulum.Date(2024, 1, 2),
        ...                activities=[pt.Activity(id="a")])
        >>> q = p.with_activity(pt.Activity(id="a", duration=4))
        >>> q.activity("a").duration, len(q.with_activity(pt.Activity(id="b")))
        (4, 2)
        """
        acts = list(self.activities)
        index = self._index  # type: ignore[attr-defined]
        if activity.id in index:
            acts[index[activity.id]] = activity
        else:
            acts.append(activity)
        return self.replace(activities=acts)

    def extend(
        self,
        *,
        activities: Iterable[Activity] = (),
        links: Iterable[Link] = (),
        parties: Iterable[Party] = (),
        calendars: Iterable[Calendar] = (),
        events: Iterable[Event] = (),
    ) -> Project:
        """Return a copy with items appended (validated again).

        Examples
        --------
        >>> p = Project(id="p", start=pendulum.Date(2024, 1, 2), activities=[Activity(id="a")])
        >>> q = p.extend(activities=[Activity(id="b")], links=[Link(pred="a", succ="b")])
        >>> len(q.activities), len(q.links)
        (2, 1)
        """
        return self.replace(
            activities=(*self.activities, *activities),
            links=(*self.links, *links),
            parties=(*self.parties, *parties),
            calendars=(*self.calendars, *calendars),
            events=(*self.events, *events),
        )

    # ------------------------------------------------------------------ history
    def as_of(self, date: When) -> Project:
        """Return the project as it stood on ``date``, derived from its event history.

        Events after ``date`` are not counted (a plain date includes that whole
        day). Each activity's actual dates, progress and approval outcome come
        from its events; activities without events keep their stored actual
        dates unless those lie after ``date``. The result's ``data_date`` is
        ``date``, so :func:`projtrack.schedule` schedules remaining work from
        there.

        Raises
        ------
        EventHistoryError
            The events contradict each other (see :func:`projtrack.replay`).

        Examples
        --------
        >>> p = pt.loads('''
        ... id: p
        ... start: 2024-01-02
        ... activities: [{id: dig, duration: 10}]
        ... events:
        ...   - {at: 2024-01-03, kind: started, activity: dig}
        ...   - {at: 2024-01-10, kind: progress, activity: dig, percent: 40}
        ...   - {at: 2024-01-19, kind: finished, activity: dig}
        ... ''')
        >>> dig = p.as_of(pendulum.Date(2024, 1, 12)).activity("dig")
        >>> str(dig.actual_start), dig.actual_finish, dig.percent_complete
        ('2024-01-03', None, 40.0)
        >>> p.as_of(pendulum.Date(2024, 1, 31)).activity("dig").status
        'finished'
        """
        from projtrack._history import project_as_of

        return project_as_of(self, date)

    def with_baseline(self, baseline: Baseline, *, replace: bool = False) -> Project:
        """Return a copy with ``baseline`` stored (see :func:`projtrack.baseline`).

        Raises
        ------
        DuplicateIdError
            A baseline with the same name is stored already and ``replace`` is
            false.

        Examples
        --------
        >>> p = pt.Project(id="p", start=pendulum.Date(2024, 1, 2), calendar="7d",
        ...                activities=[pt.Activity(id="a", duration=3)])
        >>> p = p.with_baseline(pt.baseline(p, name="plan"))
        >>> [b.name for b in p.baselines], p.baselines[0].activity("a").duration
        (['plan'], 3.0)
        >>> p.with_baseline(pt.baseline(p, name="plan"))
        Traceback (most recent call last):
        ...
        projtrack.exceptions.DuplicateIdError: baselines[1].name: baseline 'plan' is stored
        twice ...
        """
        if not isinstance(baseline, Baseline):
            raise ValidationError(f"{baseline!r} is not a Baseline", field="baseline")
        kept = [b for b in self.baselines if not (replace and b.name == baseline.name)]
        return self.replace(baselines=(*kept, baseline))

    def record(self, *events: Event) -> Project:
        """Return a copy with ``events`` appended to the history (append-only).

        Refuses events that contradict the history with an
        :class:`~projtrack.EventHistoryError`.

        Examples
        --------
        >>> p = pt.Project(id="p", start=pendulum.Date(2024, 1, 2),
        ...                activities=[pt.Activity(id="a", duration=3)])
        >>> p = p.record(pt.Event(at=pendulum.Date(2024, 1, 2), kind="started", activity="a"))
        >>> p.record(pt.Event(at=pendulum.Date(2024, 1, 1), kind="finished", activity="a"))
        Traceback (most recent call last):
        ...
        projtrack.exceptions.EventHistoryError: events[1]: activity 'a' finishes before it
        started (event finished on 2024-01-01); fix or remove the event
        """
        from projtrack._history import record

        return record(self, events)

    # ------------------------------------------------------------------ graph
    def to_networkx(self) -> nx.MultiDiGraph:
        """Return the project as a new :class:`networkx.MultiDiGraph`.

        Nodes are activity ids with the attributes ``kind``, ``name``,
        ``name_zh``, ``duration`` (working days when ``duration_unit`` is
        ``d``), ``duration_unit``, ``calendar`` (resolved: the project default
        when the activity has none), ``stage``, ``party`` and ``activity`` (the
        :class:`Activity` itself). Edges carry ``type`` (FS/SS/FF/SF), ``lag``
        and ``lag_unit``; the edge key is the link's position. Graph attributes
        hold the project's other fields.

        Examples
        --------
        >>> p = Project(id="p", start=pendulum.Date(2024, 1, 2),
        ...             activities=[Activity(id="a", duration=2), Activity(id="b")],
        ...             links=[Link(pred="a", succ="b", type="SS", lag=1)])
        >>> G = p.to_networkx()
        >>> G.nodes["a"]["duration"], G.nodes["a"]["calendar"]
        (2, 'standard')
        >>> list(G.edges(data="type"))
        [('a', 'b', 'SS')]
        """
        from projtrack._graph import project_to_networkx

        return project_to_networkx(self)

    @classmethod
    def from_networkx(cls, graph: nx.DiGraph | nx.MultiDiGraph, **project_fields: Any) -> Project:
        """Build and validate a project from a networkx graph.

        See :func:`projtrack.from_networkx` for the attribute names.

        Examples
        --------
        >>> import networkx as nx
        >>> G = nx.MultiDiGraph()
        >>> G.add_node(1, duration=3)
        >>> G.add_node(2, duration=4)
        >>> _ = G.add_edge(1, 2, type="FS", lag=1)
        >>> p = Project.from_networkx(G, id="g", start=pendulum.Date(2024, 1, 2), calendar="7d")
        >>> p.activity(2).duration, p.links[0].lag
        (4, 1)
        """
        from projtrack._graph import project_from_networkx

        return project_from_networkx(graph, **project_fields)

    # ------------------------------------------------------------------ display
    def _repr_html_(self) -> str:
        """Rich notebook display: a summary card and a truncated activity table."""
        from projtrack._display import project_html

        return project_html(self)


def instant(value: When | _dt.date, tz: str) -> pendulum.DateTime:
    """Return an aware instant; a plain date becomes its midnight in ``tz``.

    Standard-library dates and datetimes are accepted as well as pendulum ones.
    """
    return _as_instant(value, tz)

