"""Hypothesis strategies for projtrack objects (needs the ``test`` extra).

Public so that plugin authors can property-test their checks too. Projects
are acyclic by construction (links only point forward in the drawn order), so
they shrink well: deleting activities or links gives smaller valid projects.

Examples
--------
>>> from hypothesis import given, settings
>>> from projtrack.testing.strategies import projects
>>> @settings(max_examples=5)
... @given(projects(max_activities=5))
... def test_round_trip(project):
...     assert pt.loads(pt.dumps(project)) == project
>>> test_round_trip()
"""

from __future__ import annotations

import datetime as _dt
import functools
from typing import Any

import pendulum
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from projtrack._calendar_names import BUILTIN_CALENDARS
from projtrack._model import (
    APPROVAL_OUTCOMES,
    CONSTRAINT_TYPES,
    EVENT_KINDS,
    LINK_TYPES,
    PARTY_ROLES,
    TIME_UNITS,
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

__all__ = [
    "activities",
    "calendars",
    "durations",
    "networks",
    "projects",
    "whens",
]

_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12
)
_ZONES = ("Asia/Shanghai", "UTC", "Europe/Berlin", "America/New_York")


def _check_sizes(min_size: int, max_size: int | None, what: str) -> None:
    if min_size < 0:
        raise InvalidArgument(f"min_{what}={min_size} must be >= 0")
    if max_size is not None and max_size < min_size:
        raise InvalidArgument(f"max_{what}={max_size} < min_{what}={min_size}")


def durations(*, min_value: float = 0, max_value: float = 60, integers: bool = False
              ) -> st.SearchStrategy[float]:
    """Non-negative durations in working days (integers or floats with few decimals).

    Examples
    --------
    >>> from projtrack.testing.strategies import durations
    >>> durations(min_value=-1)
    Traceback (most recent call last):
    ...
    hypothesis.errors.InvalidArgument: min_value=-1 must be >= 0
    """
    if min_value < 0:
        raise InvalidArgument(f"min_value={min_value} must be >= 0")
    if max_value < min_value:
        raise InvalidArgument(f"max_value={max_value} < min_value={min_value}")
    ints = st.integers(int(min_value + 0.999999), int(max_value))
    if integers:
        return ints
    halves = st.integers(int(min_value * 2 + 0.999999), int(max_value * 2)).map(lambda x: x / 2)
    return st.one_of(ints, halves)


def whens(*, min_year: int = 2008, max_year: int = 2026,
          dates_only: bool = False) -> st.SearchStrategy[Any]:
    """A plain date or an aware pendulum DateTime (whole minutes).

    Examples
    --------
    >>> from projtrack.testing.strategies import whens
    >>> whens(min_year=2030, max_year=2020)
    Traceback (most recent call last):
    ...
    hypothesis.errors.InvalidArgument: max_year=2020 < min_year=2030
    """
    if max_year < min_year:
        raise InvalidArgument(f"max_year={max_year} < min_year={min_year}")
    return _whens(min_year, max_year, dates_only)


@st.composite
def _whens(draw: st.DrawFn, min_year: int, max_year: int, dates_only: bool) -> Any:
    day = draw(st.dates(_dt.date(min_year, 1, 1), _dt.date(max_year, 12, 31)))
    if dates_only or draw(st.booleans()):
        return pendulum.Date(day.year, day.month, day.day)
    minute = draw(st.integers(0, 24 * 60 - 1))
    zone = draw(st.sampled_from(_ZONES))
    return pendulum.datetime(day.year, day.month, day.day, minute // 60, minute % 60, tz=zone)


_PERIODS = st.lists(st.integers(0, 48), min_size=0, max_size=6, unique=True).map(
    lambda xs: sorted(xs)
)


def _days_after(start: _dt.date, days: int) -> _dt.date:
    return start + _dt.timedelta(days=days)


def _periods_from(points: list[int]) -> tuple[tuple[int, int], ...]:
    pts = points[: len(points) // 2 * 2]
    return tuple((pts[i] * 30, pts[i + 1] * 30) for i in range(0, len(pts), 2))


@st.composite
def calendars(draw: st.DrawFn, *, name: str | None = None,
              bases: tuple[str, ...] = ("standard", "7d", "24h")) -> Calendar:
    """Valid :class:`~projtrack.Calendar` objects (bases among ``bases`` or none).

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> from projtrack.testing.strategies import calendars
    >>> @settings(max_examples=5)
    ... @given(calendars(name="site"))
    ... def test(cal):
    ...     assert cal.name == "site"
    >>> test()
    """
    cal_name = name if name is not None else draw(
        st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True).filter(
            lambda s: s not in BUILTIN_CALENDARS
        )
    )
    base = draw(st.none() | st.sampled_from(bases)) if bases else None
    week = tuple(
        draw(st.none() | _PERIODS.map(_periods_from)) if base is not None
        else draw(_PERIODS.map(_periods_from))
        for _ in range(7)
    )
    exceptions = []
    for _ in range(draw(st.integers(0, 3))):
        start = draw(whens(dates_only=True))
        end = draw(st.none() | st.integers(0, 10).map(functools.partial(_days_after, start)))
        exceptions.append(
            CalendarException(
                start=start,
                end=None if end is None else pendulum.Date(end.year, end.month, end.day),
                hours=draw(_PERIODS.map(_periods_from)),
                name=draw(_TEXT),
            )
        )
    return Calendar(
        name=cal_name,
        base=base,
        work_week=week,
        exceptions=exceptions,
        hours_per_day=draw(st.none() | st.sampled_from([7.5, 8, 10, 24])),
        description=draw(_TEXT),
    )


def activities(*, id: Any = None, kinds: tuple[str, ...] = ("task", "approval", "milestone"),
               calendars: tuple[str | None, ...] = (None,), parties: tuple[str, ...] = (),
               progress: bool = True) -> st.SearchStrategy[Activity]:
    """Valid :class:`~projtrack.Activity` objects of the given kinds.

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> from projtrack.testing.strategies import activities
    >>> @settings(max_examples=10)
    ... @given(activities(kinds=("milestone",)))
    ... def test(act):
    ...     assert act.duration == 0
    >>> test()
    """
    bad = set(kinds) - {"task", "approval", "milestone"}
    if bad or not kinds:
        raise InvalidArgument(f"kinds must be a non-empty subset of task/approval/milestone, "
                              f"got {kinds!r}")
    if not calendars:
        raise InvalidArgument("calendars must not be empty; use (None,) for the default")
    return _activities(id, kinds, calendars, parties, progress)


@st.composite
def _activities(draw: st.DrawFn, id: Any, kinds: tuple[str, ...],
                calendars: tuple[str | None, ...], parties: tuple[str, ...],
                progress: bool) -> Activity:
    act_id = id if id is not None else draw(
        st.from_regex(r"[A-Za-z][A-Za-z0-9_.-]{0,6}", fullmatch=True) | st.integers(0, 10**6)
    )
    kind = draw(st.sampled_from(kinds))
    values: dict[str, Any] = {"id": act_id, "kind": kind}
    values["name"] = draw(_TEXT)
    values["name_zh"] = draw(st.sampled_from(["", "施工许可", "地铁安全评估", "土方"]))
    if kind != "milestone":
        values["duration"] = draw(durations())
        values["duration_unit"] = draw(st.sampled_from(TIME_UNITS))
    else:
        values["milestone_type"] = draw(st.sampled_from(["start", "finish"]))
    values["calendar"] = draw(st.sampled_from(calendars))
    values["stage"] = draw(st.none() | st.sampled_from(["land", "planning", "permit", "works"]))
    values["wbs"] = draw(st.lists(st.sampled_from(["B/C", "Zone A", "Piles"]), max_size=2))
    if parties:
        values["party"] = draw(st.none() | st.sampled_from(parties))
        if kind == "approval":
            values["agency"] = draw(st.none() | st.sampled_from(parties))
    if kind == "approval":
        values["time_limit"] = draw(st.none() | st.integers(0, 60))
        values["outcome"] = draw(st.none() | st.sampled_from(APPROVAL_OUTCOMES))
    n_constraints = draw(st.integers(0, 2))
    types = draw(st.lists(st.sampled_from(CONSTRAINT_TYPES[:8]), min_size=n_constraints,
                          max_size=n_constraints, unique=True))
    values["constraints"] = [Constraint(t, draw(whens())) for t in types]
    if not types and draw(st.booleans()):
        values["constraints"] = [Constraint("as_late_as_possible")]
    if kind != "milestone" and draw(st.booleans()):
        points = sorted(draw(st.lists(durations(), min_size=3, max_size=3)))
        values["estimate"] = Estimate(*points)
    if kind != "milestone" and values["duration"] > 0 and draw(st.integers(0, 3)) == 0:
        # Pauses after a quarter, a half or three quarters of the work.
        quarters = sorted(draw(st.sets(st.integers(1, 3), min_size=1, max_size=3)))
        values["splits"] = [Split(values["duration"] * q / 4, draw(durations(min_value=0.5)))
                            for q in quarters]
    if progress and draw(st.booleans()):
        start = draw(whens())
        values["actual_start"] = start
        if draw(st.booleans()):
            gap = draw(st.integers(0, 400))
            if isinstance(start, pendulum.DateTime):
                values["actual_finish"] = start.add(hours=gap)
            else:
                values["actual_finish"] = start.add(days=gap)
        else:
            values["percent_complete"] = draw(st.none() | st.integers(0, 100))
            values["remaining_duration"] = draw(st.none() | durations())
            if draw(st.booleans()):
                gap = draw(st.integers(0, 400))
                values["resume"] = (start.add(hours=gap) if isinstance(start, pendulum.DateTime)
                                    else start.add(days=gap))
    values["estimated"] = draw(st.booleans())
    values["description"] = draw(_TEXT)
    values["attrs"] = draw(st.dictionaries(
        st.sampled_from(["source", "role", "floors", "note"]),
        st.one_of(st.integers(-5, 5), _TEXT, st.booleans(), st.none()), max_size=2))
    return Activity(**values)


def projects(*, min_activities: int = 0, max_activities: int = 12,
             link_types: tuple[str, ...] = LINK_TYPES, calendar: str | None = None,
             with_calendars: bool = True, with_events: bool = True,
             progress: bool = True) -> st.SearchStrategy[Project]:
    """Valid, acyclic :class:`~projtrack.Project` objects.

    Parameters
    ----------
    min_activities, max_activities
        Size bounds.
    link_types
        Link types to draw from.
    calendar
        Fix the project calendar (and use it for every activity); ``None``
        draws built-in and project calendars.
    with_calendars, with_events, progress
        Whether to draw project calendars, events and actual progress.

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> from projtrack.testing.strategies import projects
    >>> @settings(max_examples=10)
    ... @given(projects(max_activities=6))
    ... def test(p):
    ...     order = {a: i for i, a in enumerate(p.topological_order())}
    ...     assert all(order[k.pred] < order[k.succ] for k in p.links)
    >>> test()
    >>> projects(min_activities=3, max_activities=1)
    Traceback (most recent call last):
    ...
    hypothesis.errors.InvalidArgument: max_activities=1 < min_activities=3
    """
    _check_sizes(min_activities, max_activities, "activities")
    bad = set(link_types) - set(LINK_TYPES)
    if bad or not link_types:
        raise InvalidArgument(f"link_types must be a non-empty subset of {LINK_TYPES}")
    return _projects(min_activities, max_activities, link_types, calendar, with_calendars,
                     with_events, progress)


@st.composite
def _projects(draw: st.DrawFn, min_activities: int, max_activities: int,
              link_types: tuple[str, ...], calendar: str | None, with_calendars: bool,
              with_events: bool, progress: bool) -> Project:
    cals: list[Calendar] = []
    if with_calendars and calendar is None:
        names = draw(st.lists(st.sampled_from(["site", "night", "office"]), max_size=2,
                              unique=True))
        cals = [draw(calendars(name=n)) for n in names]
    if calendar is not None:
        cal_choices: tuple[str | None, ...] = (None,)
    else:
        cal_choices = (None, *BUILTIN_CALENDARS[:3], *(c.name for c in cals))
    party_ids = tuple(draw(st.lists(st.sampled_from(["owner", "metro", "bureau", "court"]),
                                    max_size=3, unique=True)))
    parties = [Party(id=p, name=p.title(), role=draw(st.sampled_from(PARTY_ROLES)))
               for p in party_ids]
    n = draw(st.integers(min_activities, max_activities))
    acts: list[Activity] = []
    used: set[Any] = set()
    for i in range(n):
        act_id = draw(st.sampled_from([f"A{i}", i, f"活动{i}"]))
        if act_id in used:
            act_id = f"A{i}"
        used.add(act_id)
        acts.append(draw(activities(id=act_id, calendars=cal_choices, parties=party_ids,
                                    progress=progress)))
    links: list[Link] = []
    if n >= 2:
        pairs = draw(st.lists(st.tuples(st.integers(0, n - 2), st.integers(1, n - 1)),
                              max_size=2 * n))
        for a, b in pairs:
            if a >= b:
                continue
            lag = draw(st.integers(-5, 10))
            links.append(Link(pred=acts[a].id, succ=acts[b].id,
                              type=draw(st.sampled_from(link_types)), lag=lag,
                              lag_unit=draw(st.sampled_from(TIME_UNITS))))
    events: list[Event] = []
    if with_events and acts:
        for _ in range(draw(st.integers(0, 4))):
            act = draw(st.sampled_from(acts))
            events.append(Event(
                at=draw(whens()),
                kind=draw(st.sampled_from(EVENT_KINDS)),
                activity=act.id,
                party=draw(st.none() | st.sampled_from(party_ids)) if party_ids else None,
                cause=draw(st.none() | st.sampled_from(["funding", "land_transfer",
                                                         "third_party_review"])),
                note=draw(_TEXT),
                estimated=draw(st.booleans()),
            ))
    options = ScheduleOptions(
        lag_calendar=draw(st.sampled_from(ScheduleOptions.LAG_CALENDARS)),
        float_type=draw(st.sampled_from(ScheduleOptions.FLOAT_TYPES)),
        float_calendar=draw(st.sampled_from(ScheduleOptions.FLOAT_CALENDARS)),
    )
    return Project(
        id=draw(st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)),
        name=draw(_TEXT),
        name_zh=draw(st.sampled_from(["", "人和路旧城改造项目"])),
        start=draw(whens(dates_only=True)),
        timezone=draw(st.sampled_from(_ZONES)),
        calendar=calendar or draw(st.sampled_from(BUILTIN_CALENDARS[:3])),
        activities=acts,
        links=links,
        calendars=cals,
        parties=parties,
        events=events,
        options=options,
        data_date=draw(st.none() | whens()),
        must_finish_by=draw(st.none() | whens()),
        attrs=draw(st.dictionaries(st.sampled_from(["district", "investment_cny"]),
                                   st.one_of(st.integers(0, 10**9), _TEXT), max_size=2)),
    )


def networks(*, min_nodes: int = 1, max_nodes: int = 12,
             link_types: tuple[str, ...] = LINK_TYPES, max_lag: int = 5,
             integer_ids: bool = True) -> st.SearchStrategy[Any]:
    """Random acyclic :class:`networkx.MultiDiGraph` with ``duration``, ``type`` and ``lag``.

    The attribute names are those :meth:`projtrack.Project.from_networkx` reads.

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> from projtrack.testing.strategies import networks
    >>> @settings(max_examples=10)
    ... @given(networks(max_nodes=5))
    ... def test(G):
    ...     p = pt.Project.from_networkx(G, id="g", start=pendulum.Date(2024, 1, 1), calendar="7d")
    ...     assert len(p) == G.number_of_nodes()
    >>> test()
    """
    _check_sizes(min_nodes, max_nodes, "nodes")
    if set(link_types) - set(LINK_TYPES) or not link_types:
        raise InvalidArgument(f"link_types must be a non-empty subset of {LINK_TYPES}")
    if max_lag < 0:
        raise InvalidArgument(f"max_lag={max_lag} must be >= 0")
    return _networks(min_nodes, max_nodes, link_types, max_lag, integer_ids)


@st.composite
def _networks(draw: st.DrawFn, min_nodes: int, max_nodes: int, link_types: tuple[str, ...],
              max_lag: int, integer_ids: bool) -> Any:
    import networkx as nx

    n = draw(st.integers(min_nodes, max_nodes))
    graph = nx.MultiDiGraph()
    for i in range(n):
        node = i if integer_ids else f"n{i}"
        graph.add_node(node, duration=draw(st.integers(0, 10)))
    if n >= 2:
        for a, b in draw(st.lists(st.tuples(st.integers(0, n - 2), st.integers(1, n - 1)),
                                  max_size=2 * n)):
            if a < b:
                u, v = (a, b) if integer_ids else (f"n{a}", f"n{b}")
                graph.add_edge(u, v, type=draw(st.sampled_from(link_types)),
                               lag=draw(st.integers(-max_lag, max_lag)))
    return graph
