"""Event history: replay, as_of, contradictions, monotonicity."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

import projtrack as pt
from projtrack._history import replay

D = pendulum.Date


@st.composite
def histories(draw: st.DrawFn) -> tuple[pt.Project, dict[str, tuple[Any, Any]]]:
    """A project with a consistent history, plus the start/finish each activity must get."""
    n = draw(st.integers(1, 5))
    acts, queues, expected = [], [], {}
    base = D(2020, 1, 1)
    day = 0
    steps: list[tuple[int, str, dict[str, Any]]] = []  # the current activity's history

    def step(gap: int, kind_: str, **kw: Any) -> None:
        nonlocal day
        day += gap
        steps.append((day, kind_, kw))

    for i in range(n):
        kind = draw(st.sampled_from(["task", "approval", "milestone"]))
        aid = f"a{i}"
        acts.append(pt.Activity(id=aid, kind=kind, duration=0 if kind == "milestone" else 10))
        day = draw(st.integers(0, 30))
        steps.clear()
        start = finish = None
        if kind == "milestone":
            if draw(st.booleans()):
                step(0, draw(st.sampled_from(["started", "finished"])))
                start = finish = day
        elif kind == "task":
            if draw(st.booleans()):
                step(0, "started")
                start = day
                for _ in range(draw(st.integers(0, 3))):
                    what = draw(st.sampled_from(["progress", "suspend"]))
                    if what == "progress":
                        step(draw(st.integers(0, 9)), "progress",
                             percent=draw(st.integers(0, 99)))
                    else:
                        step(draw(st.integers(0, 9)), "suspended")
                        step(draw(st.integers(0, 9)), "resumed")
                if draw(st.booleans()):
                    step(draw(st.integers(0, 9)), "finished")
                    finish = day
        else:
            if draw(st.booleans()):
                step(0, "submitted")
                start = day
                for _ in range(draw(st.integers(0, 2))):
                    step(draw(st.integers(1, 9)),
                         draw(st.sampled_from(["returned_for_revision", "rejected"])))
                    step(draw(st.integers(1, 9)), "resubmitted")
                end = draw(st.sampled_from(["open", "approved", "rejected_closed"]))
                if end == "approved":
                    step(draw(st.integers(1, 9)), "approved")
                    finish = day
                elif end == "rejected_closed":
                    step(draw(st.integers(1, 9)), "rejected")
                    step(draw(st.integers(0, 9)), "finished")
                    finish = day
        queues.append([pt.Event(at=base.add(days=offset), kind=kind_, activity=aid, **kw)
                       for offset, kind_, kw in steps])
        expected[aid] = (
            None if start is None else base.add(days=start),
            None if finish is None else base.add(days=finish),
        )
    # File order is not time order: interleave the activities' histories at random,
    # keeping each activity's own order (it breaks ties between same-day events).
    events: list[pt.Event] = []
    while any(queues):
        queue = draw(st.sampled_from([q for q in queues if q]))
        events.append(queue.pop(0))
    project = pt.Project(id="h", start=base, activities=acts, events=events)
    return project, expected


@given(histories())
def test_replay_recovers_actual_dates(case: tuple[pt.Project, dict[str, Any]]) -> None:
    project, expected = case
    current = project.as_of(D(2030, 1, 1))
    for aid, (start, finish) in expected.items():
        act = current.activity(aid)
        assert (act.actual_start, act.actual_finish) == (start, finish)


@given(histories(), st.integers(0, 120), st.integers(0, 120))
def test_as_of_is_monotone(case: tuple[pt.Project, dict[str, Any]], d1: int, d2: int) -> None:
    project, _ = case
    early, late = sorted((d1, d2))
    a = project.as_of(D(2020, 1, 1).add(days=early))
    b = project.as_of(D(2020, 1, 1).add(days=late))
    for x, y in zip(a.activities, b.activities, strict=True):
        if x.actual_finish is not None:
            assert y.actual_finish == x.actual_finish
        if x.actual_start is not None:
            assert y.actual_start == x.actual_start
    assert len(a.events) <= len(b.events)
    assert a.data_date == D(2020, 1, 1).add(days=early)


@given(histories(), st.integers(0, 120))
def test_as_of_counts_no_later_event(case: tuple[pt.Project, dict[str, Any]], d: int) -> None:
    project, _ = case
    cut = D(2020, 1, 1).add(days=d)
    past = project.as_of(cut)
    assert all(ev.at <= cut for ev in past.events)
    for act in past.activities:
        for when in (act.actual_start, act.actual_finish):
            assert when is None or when <= cut


def make(events: list[dict[str, Any]], kind: str = "approval") -> pt.Project:
    return pt.Project(
        id="p", start=D(2024, 1, 1),
        activities=[pt.Activity(id="a", kind=kind, duration=5)],
        events=[pt.Event(activity="a", **e) for e in events],
    )


@pytest.mark.parametrize(
    ("events", "kind", "text"),
    [
        ([{"at": D(2024, 1, 5), "kind": "finished"}], "task", "finishes before it started"),
        (
            [{"at": D(2024, 1, 5), "kind": "started"}, {"at": D(2024, 1, 3), "kind": "finished"}],
            "task",
            "finishes before it started",  # replayed in time order
        ),
        (
            [
                {"at": D(2024, 1, 5), "kind": "submitted"},
                {"at": D(2024, 1, 8), "kind": "rejected"},
                {"at": D(2024, 1, 9), "kind": "approved"},
            ],
            "approval",
            "approved after a rejection without resubmission",
        ),
        ([{"at": D(2024, 1, 5), "kind": "resubmitted"}], "approval", "without a prior return"),
        (
            [{"at": D(2024, 1, 5), "kind": "started"}, {"at": D(2024, 1, 6), "kind": "started"}],
            "task",
            "already started",
        ),
        (
            [
                {"at": D(2024, 1, 5), "kind": "started"},
                {"at": D(2024, 1, 6), "kind": "finished"},
                {"at": D(2024, 1, 7), "kind": "progress", "percent": 50},
            ],
            "task",
            "already finished",
        ),
        ([{"at": D(2024, 1, 5), "kind": "resumed"}], "task", "not suspended"),
        ([{"at": D(2024, 1, 5), "kind": "progress", "percent": 5}], "task", "before it started"),
        (
            [
                {"at": D(2024, 1, 5), "kind": "started"},
                {"at": D(2024, 1, 6), "kind": "suspended"},
                {"at": D(2024, 1, 7), "kind": "finished"},
            ],
            "task",
            "while suspended",
        ),
    ],
)
def test_contradictions_are_refused(events: list[dict[str, Any]], kind: str, text: str) -> None:
    project = make(events, kind)
    with pytest.raises(pt.EventHistoryError, match=text) as info:
        project.as_of(D(2024, 12, 31))
    assert info.value.field is not None and info.value.field.startswith("events[")
    assert info.value.ids == ("a",)
    with pytest.raises(pt.EventHistoryError):
        pt.Project(id="p", start=D(2024, 1, 1),
                   activities=[pt.Activity(id="a", kind=kind, duration=5)]).record(
            *(pt.Event(activity="a", **e) for e in events))


def test_events_after_as_of_are_not_counted() -> None:
    project = make([
        {"at": D(2024, 1, 5), "kind": "started"},
        {"at": D(2024, 1, 3), "kind": "finished"},  # contradiction, but only after Jan 5
    ], "task")
    assert project.as_of(D(2024, 1, 2)).activity("a").status == "not_started"
    with pytest.raises(pt.EventHistoryError):
        project.as_of(D(2024, 1, 4))


def test_review_rounds_and_spells() -> None:
    project = make([
        {"at": D(2024, 1, 2), "kind": "submitted"},
        {"at": D(2024, 1, 10), "kind": "returned_for_revision"},
        {"at": D(2024, 1, 20), "kind": "resubmitted"},
        {"at": D(2024, 2, 1), "kind": "approved", "outcome": "conditionally_approved"},
    ])
    hist = replay(project)["a"]
    assert hist.rounds == 2
    assert hist.spells == [
        ("agency", D(2024, 1, 2), D(2024, 1, 10)),
        ("applicant", D(2024, 1, 10), D(2024, 1, 20)),
        ("agency", D(2024, 1, 20), D(2024, 2, 1)),
    ]
    assert project.as_of(D(2024, 3, 1)).activity("a").outcome == "conditionally_approved"
    assert project.as_of(D(2024, 1, 15)).activity("a").outcome == "pending"


def test_attempts() -> None:
    project = make([
        {"at": D(2024, 1, 2), "kind": "attempt", "outcome": "failure"},
        {"at": D(2024, 2, 2), "kind": "attempt", "outcome": "failure"},
        {"at": D(2024, 3, 2), "kind": "attempt", "outcome": "success"},
    ], "task")
    hist = replay(project)["a"]
    assert [o for _, o in hist.attempts] == ["failure", "failure", "success"]
    assert (hist.actual_start, hist.actual_finish) == (D(2024, 1, 2), D(2024, 3, 2))
    assert project.as_of(D(2024, 2, 10)).activity("a").status == "in_progress"


def test_activities_without_events_lose_future_actuals() -> None:
    project = pt.Project(
        id="p", start=D(2024, 1, 1),
        activities=[pt.Activity(id="a", duration=5, actual_start=D(2024, 2, 1),
                                actual_finish=D(2024, 3, 1))],
    )
    assert project.as_of(D(2024, 1, 15)).activity("a").status == "not_started"
    assert project.as_of(D(2024, 2, 15)).activity("a").status == "in_progress"
    assert project.as_of(D(2024, 3, 15)).activity("a").status == "finished"


def test_datetime_events_and_timezones() -> None:
    at = pendulum.datetime(2024, 1, 5, 23, 30, tz="UTC")  # 07:30 on Jan 6 in Shanghai
    project = make([{"at": at, "kind": "started"}], "task")
    assert project.as_of(D(2024, 1, 5)).activity("a").actual_start is None
    assert project.as_of(D(2024, 1, 6)).activity("a").actual_start == at
    assert project.as_of(dt.datetime(2024, 1, 6, 7, 0, tzinfo=dt.UTC)) \
        .activity("a").actual_start == at


def test_a_date_only_finish_on_the_day_of_a_timed_start_is_not_before_it() -> None:
    # A date-only start is the start of its day, a date-only finish the end of its day
    # (_model._before): finishing on 5 Jan, started at 09:00 on 5 Jan, is consistent.
    start = pendulum.datetime(2024, 1, 5, 9, tz="Asia/Shanghai")
    for events in ([{"at": start, "kind": "started"}, {"at": D(2024, 1, 5), "kind": "finished"}],
                   # file order does not matter: the plain-date finish is at the day's end
                   [{"at": D(2024, 1, 5), "kind": "finished"}, {"at": start, "kind": "started"}]):
        hist = replay(make(events, "task"))["a"]
        assert (hist.actual_start, hist.actual_finish) == (start, D(2024, 1, 5))
    approval = make([{"at": start, "kind": "submitted"}, {"at": D(2024, 1, 5), "kind": "approved"}])
    assert replay(approval)["a"].outcome == "approved"
    # The day before the timed start is still before it; days are the project's (Shanghai):
    # 23:30 UTC on 5 Jan is 07:30 on 6 Jan there, so a finish on 5 Jan precedes it and a
    # finish on 6 Jan does not.
    with pytest.raises(pt.EventHistoryError, match="finishes before"):
        replay(make([{"at": start, "kind": "started"},
                     {"at": D(2024, 1, 4), "kind": "finished"}], "task"))
    utc = pendulum.datetime(2024, 1, 5, 23, 30, tz="UTC")
    with pytest.raises(pt.EventHistoryError, match="finishes before"):
        replay(make([{"at": utc, "kind": "started"},
                     {"at": D(2024, 1, 5), "kind": "finished"}], "task"))
    hist = replay(make([{"at": utc, "kind": "started"},
                        {"at": D(2024, 1, 6), "kind": "finished"}], "task"))["a"]
    assert hist.actual_finish == D(2024, 1, 6)
    # A date-only start and a timed finish in another zone on the same Shanghai day.
    hist = replay(make([{"at": D(2024, 1, 6), "kind": "started"},
                        {"at": utc, "kind": "finished"}], "task"))["a"]
    assert (hist.actual_start, hist.actual_finish) == (D(2024, 1, 6), utc)
