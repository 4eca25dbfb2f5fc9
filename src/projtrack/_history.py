"""The event history: replaying events into activity status at a chosen date.

Events are append-only facts (``Project.events``). :func:`replay` walks them
in time order and derives, per activity, the actual start and finish, the
progress, the approval outcome and the review rounds; it refuses histories
that contradict themselves. :meth:`Project.as_of` uses it to give the project
as it stood on a date, ready for :func:`projtrack.schedule` (its data date is
that date).

How each event kind moves an activity:

=======================  ==================================================
``started``              actual start (refused if already started)
``submitted``            approval handed to the agency; starts the activity
``returned_for_revision`` the agency hands it back; the clock is the applicant's
``resubmitted``          back with the agency; needs a prior return or rejection
``approved``             finishes an approval (outcome ``approved`` unless the
                         event's outcome says ``conditionally_approved``)
``rejected``             outcome ``rejected``; the file is back with the
                         applicant: ``resubmitted`` starts a new round,
                         ``finished`` closes it as rejected
``progress``             percent complete and/or remaining duration
``suspended``/``resumed`` work stops / restarts (refused out of order)
``finished``             actual finish (refused before the start)
``attempt``              a try with an ``outcome`` (a land listing, an expert
                         review): ``success`` finishes the activity;
                         ``failure`` starts it and is counted; a further
                         attempt or ``finished`` follows
=======================  ==================================================

A finished activity stays finished: any later event on it is refused, so a
later ``as_of`` date never un-finishes anything (model a new try as a new
activity). Events without an activity are project-wide (a project-wide
suspension) and change no activity.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from typing import Any

import attrs
import pendulum

from projtrack._model import Activity, ActivityId, Event, Project, _before, instant
from projtrack.exceptions import EventHistoryError, ValidationError

__all__ = ["ActivityHistory", "replay"]


@attrs.define
class ActivityHistory:
    """What the events say about one activity up to a date.

    Attributes
    ----------
    actual_start, actual_finish
        From the events (``None`` when they say nothing).
    percent_complete, remaining_duration
        From the last ``progress`` event.
    outcome
        Approval outcome (``approved``, ``conditionally_approved``, ``rejected``).
    rounds
        Submissions to the agency (1 + resubmissions).
    suspended
        Whether the activity is suspended at the end of the replay.
    spells
        ``(holder, start, end)`` spans: who held an approval file
        (``agency`` or ``applicant``), or ``suspended`` spans of any activity;
        ``end`` is ``None`` while open.
    attempts
        ``(at, outcome)`` of every ``attempt`` event.
    events
        Indices into ``Project.events`` that concern this activity.
    """

    actual_start: Any = None
    actual_finish: Any = None
    percent_complete: float | None = None
    remaining_duration: float | None = None
    outcome: str | None = None
    rounds: int = 0
    suspended: bool = False
    spells: list[tuple[str, Any, Any]] = attrs.field(factory=list)
    attempts: list[tuple[Any, str | None]] = attrs.field(factory=list)
    events: list[int] = attrs.field(factory=list)
    _holder: str | None = None


def cutoff(as_of: Any, tz: str) -> pendulum.DateTime:
    """The last instant counted for ``as_of``: a plain date includes that whole day."""
    if isinstance(as_of, _dt.datetime):
        return instant(as_of, tz)
    if isinstance(as_of, _dt.date):
        day = pendulum.datetime(as_of.year, as_of.month, as_of.day, tz=tz)
        return day.add(days=1).subtract(microseconds=1)
    raise ValidationError(
        f"as_of={as_of!r} is not a date or an aware date-time", field="as_of"
    )


#: Event kinds that finish an activity when they happen (``attempt`` only on success).
_FINISH_KINDS = frozenset({"finished", "approved"})


def _order_key(ev: Event, tz: str) -> pendulum.DateTime:
    """When an event happens, for ordering: a date-only finish is the end of its day.

    A date-only value stands for its whole day (``_model._before``); an event
    that finishes an activity on a plain date happens at the end of that day,
    after a timed start (or any timed event) earlier on the same day.
    """
    at = instant(ev.at, tz)
    finishes = ev.kind in _FINISH_KINDS or (ev.kind == "attempt" and ev.outcome == "success")
    if finishes and not isinstance(ev.at, _dt.datetime):
        return at.add(days=1).subtract(microseconds=1)
    return at


def ordered_events(project: Project, as_of: Any = None) -> list[tuple[int, Event]]:
    """Events in time order (stable for equal times), optionally up to ``as_of``.

    A date-only event is at the start of its day, except one that finishes an
    activity (``finished``, ``approved``, a successful ``attempt``): that is at
    the end of its day, so it follows the timed events of that day.
    """
    tz = project.timezone
    limit = None if as_of is None else cutoff(as_of, tz)
    items = [
        (i, ev)
        for i, ev in enumerate(project.events)
        if limit is None or instant(ev.at, tz) <= limit
    ]
    items.sort(key=lambda pair: _order_key(pair[1], tz))
    return items


def replay(project: Project, *, as_of: Any = None) -> dict[ActivityId, ActivityHistory]:
    """Replay the event history into per-activity facts.

    Parameters
    ----------
    project
        The project whose ``events`` are replayed.
    as_of
        Only events up to this date (a whole day for a plain date) count;
        ``None`` replays everything.

    Returns
    -------
    dict
        Activity id to :class:`ActivityHistory`, for activities that have events.

    Raises
    ------
    EventHistoryError
        Contradictory events: finishing before starting, approving after a
        rejection without a resubmission, starting twice, resuming what is
        not suspended...

    Examples
    --------
    >>> from projtrack._history import replay
    >>> p = pt.loads('''
    ... id: p
    ... start: 2024-01-02
    ... activities: [{id: permit, kind: approval, duration: 20}]
    ... events:
    ...   - {at: 2024-01-05, kind: submitted, activity: permit}
    ...   - {at: 2024-01-20, kind: returned_for_revision, activity: permit}
    ...   - {at: 2024-02-01, kind: resubmitted, activity: permit}
    ...   - {at: 2024-02-20, kind: approved, activity: permit}
    ... ''')
    >>> h = replay(p)["permit"]
    >>> h.rounds, h.outcome, str(h.actual_finish)
    (2, 'approved', '2024-02-20')
    >>> [holder for holder, _, _ in h.spells]
    ['agency', 'applicant', 'agency']
    >>> replay(p, as_of=pendulum.Date(2024, 1, 31))["permit"].actual_finish is None
    True
    """
    tz = project.timezone
    out: dict[ActivityId, ActivityHistory] = {}
    for index, ev in ordered_events(project, as_of):
        if ev.activity is None:
            continue
        act = project.activity(ev.activity)
        hist = out.setdefault(ev.activity, ActivityHistory())
        hist.events.append(index)
        _apply(hist, act, ev, index, tz)
    return out


def _fail(message: str, index: int, ev: Event) -> EventHistoryError:
    return EventHistoryError(
        f"{message} (event {ev.kind} on {ev.at}); fix or remove the event",
        field=f"events[{index}]",
        ids=(ev.activity,),
    )


def _close_spell(hist: ActivityHistory, at: Any) -> None:
    if hist.spells and hist.spells[-1][2] is None:
        holder, start, _ = hist.spells[-1]
        hist.spells[-1] = (holder, start, at)


def _open_spell(hist: ActivityHistory, holder: str, at: Any) -> None:
    _close_spell(hist, at)
    hist.spells.append((holder, at, None))


def _start(hist: ActivityHistory, ev: Event) -> None:
    if hist.actual_start is None:
        hist.actual_start = ev.at


def _local(value: Any, tz: str) -> Any:
    """A date as it is; an instant in the project's time zone (so ``.date()`` is its day)."""
    return pendulum.instance(value).in_timezone(tz) if isinstance(value, _dt.datetime) else value


def _finish(hist: ActivityHistory, ev: Event, index: int, tz: str) -> None:
    if hist.actual_start is None:
        raise _fail(f"activity {ev.activity!r} finishes before it started", index, ev)
    # A date-only start is the start of its day and a date-only finish its end: a
    # finish on the day of a timed start is not before it (_model._before, on days
    # of the project's time zone, the zone of its plain dates).
    if _before(_local(ev.at, tz), _local(hist.actual_start, tz)):
        raise _fail(
            f"activity {ev.activity!r} finishes before its start {hist.actual_start}", index, ev
        )
    if hist.suspended:
        raise _fail(f"activity {ev.activity!r} finishes while suspended; resume it first",
                    index, ev)
    hist.actual_finish = ev.at
    hist.percent_complete = 100.0
    hist.remaining_duration = 0.0
    _close_spell(hist, ev.at)


def _apply(hist: ActivityHistory, act: Activity, ev: Event, index: int, tz: str) -> None:
    kind = ev.kind
    if hist.actual_finish is not None:
        # Finished is final: later dates never un-finish an activity.
        raise _fail(f"activity {ev.activity!r} already finished on {hist.actual_finish}; "
                    "model a new try as a new activity", index, ev)
    if kind == "started":
        if hist.actual_start is not None:
            raise _fail(f"activity {ev.activity!r} already started on {hist.actual_start}",
                        index, ev)
        hist.actual_start = ev.at
        if act.kind == "milestone":
            _finish(hist, ev, index, tz)  # a milestone happens at an instant
    elif kind == "submitted":
        if hist.rounds:
            raise _fail(f"{ev.activity!r} was submitted before; a later round is resubmitted",
                        index, ev)
        _start(hist, ev)
        hist.rounds = 1
        hist._holder = "agency"
        _open_spell(hist, "agency", ev.at)
    elif kind == "returned_for_revision":
        if hist._holder != "agency":
            raise _fail(f"{ev.activity!r} is returned but it is not with the agency", index, ev)
        hist._holder = "applicant"
        _open_spell(hist, "applicant", ev.at)
    elif kind == "resubmitted":
        if hist._holder != "applicant":
            raise _fail(
                f"{ev.activity!r} is resubmitted without a prior return or rejection", index, ev
            )
        hist.outcome = None
        hist.rounds += 1
        hist._holder = "agency"
        _open_spell(hist, "agency", ev.at)
    elif kind == "approved":
        if hist.outcome == "rejected":
            raise _fail(f"{ev.activity!r} is approved after a rejection without resubmission",
                        index, ev)
        if hist._holder == "applicant":
            raise _fail(f"{ev.activity!r} is approved while it is back with the applicant; "
                        "record the resubmission first", index, ev)
        _start(hist, ev)
        _finish(hist, ev, index, tz)
        hist.outcome = (
            "conditionally_approved" if ev.outcome == "conditionally_approved" else "approved"
        )
        hist._holder = None
    elif kind == "rejected":
        if hist._holder == "applicant":
            raise _fail(f"{ev.activity!r} is rejected while it is back with the applicant",
                        index, ev)
        _start(hist, ev)
        hist.outcome = "rejected"
        hist._holder = "applicant"
        _open_spell(hist, "applicant", ev.at)
    elif kind == "progress":
        if hist.actual_start is None:
            raise _fail(f"progress on {ev.activity!r} before it started", index, ev)
        if ev.percent is None and ev.remaining is None:
            raise _fail("a progress event needs percent or remaining", index, ev)
        if ev.percent is not None:
            hist.percent_complete = float(ev.percent)
        if ev.remaining is not None:
            hist.remaining_duration = float(ev.remaining)
    elif kind == "suspended":
        if hist.actual_start is None:
            raise _fail(f"{ev.activity!r} is suspended before it started", index, ev)
        if hist.suspended:
            raise _fail(f"{ev.activity!r} is already suspended", index, ev)
        hist.suspended = True
        hist.spells.append(("suspended", ev.at, None))
    elif kind == "resumed":
        if not hist.suspended:
            raise _fail(f"{ev.activity!r} is resumed but it is not suspended", index, ev)
        hist.suspended = False
        for k in range(len(hist.spells) - 1, -1, -1):
            if hist.spells[k][0] == "suspended" and hist.spells[k][2] is None:
                hist.spells[k] = ("suspended", hist.spells[k][1], ev.at)
                break
    elif kind == "finished":
        if act.kind == "milestone":
            _start(hist, ev)  # a milestone happens at an instant
        _finish(hist, ev, index, tz)
        hist._holder = None
    elif kind == "attempt":
        _start(hist, ev)
        hist.attempts.append((ev.at, ev.outcome))
        if ev.outcome == "success":
            _finish(hist, ev, index, tz)
    else:  # pragma: no cover - the model refuses unknown kinds
        raise _fail(f"unknown event kind {kind!r}", index, ev)


def project_as_of(project: Project, as_of: Any) -> Project:
    """Return ``project`` as it stood at ``as_of`` (see :meth:`Project.as_of`)."""
    tz = project.timezone
    limit = cutoff(as_of, tz)
    histories = replay(project, as_of=as_of)
    activities = []
    for act in project.activities:
        hist = histories.get(act.id)
        if hist is None:
            activities.append(_truncate_stored(act, limit, tz))
            continue
        changes: dict[str, Any] = {
            "actual_start": hist.actual_start,
            "actual_finish": hist.actual_finish,
        }
        if hist.actual_finish is not None:
            changes["percent_complete"] = 100.0 if act.kind != "milestone" else None
            changes["remaining_duration"] = 0.0 if act.kind != "milestone" else None
        elif hist.actual_start is not None:
            changes["percent_complete"] = hist.percent_complete
            changes["remaining_duration"] = hist.remaining_duration
        else:
            changes["percent_complete"] = None
            changes["remaining_duration"] = None
        if act.kind == "approval":
            changes["outcome"] = hist.outcome or (
                "pending" if hist.actual_start is not None else None
            )
        if act.kind == "milestone":
            changes["percent_complete"] = None
            changes["remaining_duration"] = None
            if hist.actual_finish is not None and hist.actual_start is None:
                changes["actual_start"] = hist.actual_finish
        activities.append(attrs.evolve(act, **changes))
    return project.replace(
        activities=activities,
        events=[ev for ev in project.events if instant(ev.at, tz) <= limit],  # file order
        data_date=as_of,
    )


def _truncate_stored(act: Activity, limit: pendulum.DateTime, tz: str) -> Activity:
    """Without events, stored actual dates after ``limit`` had not happened yet."""
    start, finish = act.actual_start, act.actual_finish
    if start is not None and instant(start, tz) > limit:
        return attrs.evolve(act, actual_start=None, actual_finish=None, percent_complete=None,
                            remaining_duration=None)
    if finish is not None and instant(finish, tz) > limit:
        return attrs.evolve(act, actual_finish=None, percent_complete=None,
                            remaining_duration=None)
    return act


def record(project: Project, events: Iterable[Event]) -> Project:
    """Append events to the history, refusing any that contradict it."""
    new = project.extend(events=events)
    replay(new)
    return new
