"""Hypothesis properties of the CPM engine."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import attrs
import networkx as nx
import numpy as np
import pendulum
from hypothesis import assume, given
from hypothesis import strategies as st

import projtrack as pt
from projtrack.testing.strategies import projects

START = pendulum.Date(2024, 1, 3)
LINK_TYPES = ("FS", "SS", "FF", "SF")


@st.composite
def networks(
    draw: st.DrawFn,
    *,
    max_size: int = 14,
    types: tuple[str, ...] = LINK_TYPES,
    calendars: tuple[str, ...] = ("7d",),
    units: bool = False,
) -> nx.MultiDiGraph:
    """Random DAGs: nodes 0..n-1 in a shuffled id order, links only forward."""
    n = draw(st.integers(1, max_size))
    names = draw(st.permutations(range(n)))
    G = nx.MultiDiGraph()
    for v in names:
        attrs: dict[str, Any] = {"duration": draw(st.integers(0, 8))}
        if len(calendars) > 1:
            attrs["calendar"] = draw(st.sampled_from(calendars))
        if units and draw(st.integers(0, 5)) == 0:
            attrs["duration_unit"] = draw(st.sampled_from(["h", "ed", "eh"]))
            attrs["duration"] = draw(st.integers(0, 30))
        G.add_node(v, **attrs)
    if n > 1:
        pairs = st.tuples(st.integers(0, n - 2), st.integers(1, n - 1)).filter(
            lambda ab: ab[0] < ab[1]
        )
        links = draw(
            st.lists(
                st.tuples(pairs, st.sampled_from(types), st.integers(-4, 6),
                          st.sampled_from(["d", "h", "ed", "eh"] if units else ["d"])),
                max_size=3 * n,
            )
        )
        for (a, b), t, lag, unit in links:
            G.add_edge(names[a], names[b], type=t, lag=lag, lag_unit=unit)
    return G


def build(G: nx.MultiDiGraph, calendar: str = "7d", **fields: Any) -> pt.Project:
    return pt.Project.from_networkx(G, id="h", start=START, calendar=calendar, **fields)


LAG_CALENDARS = st.sampled_from(pt.ScheduleOptions.LAG_CALENDARS)


@given(networks(calendars=("standard", "7d", "cn", "24h"), units=True), LAG_CALENDARS)
def test_early_dates_never_after_late_dates_and_float_is_not_negative(
    G: nx.MultiDiGraph, lag_calendar: str
) -> None:
    # Without constraints or progress: ES <= LS, EF <= LF, TF >= 0, FF >= 0,
    # on any mix of calendars, lag calendars and units.
    s = pt.schedule(build(G, calendar="standard"), lag_calendar=lag_calendar)
    assert (s.early_start_minutes <= s.late_start_minutes).all()
    assert (s.early_finish_minutes <= s.late_finish_minutes).all()
    assert (s.total_float_minutes >= 0).all()
    assert (s.free_float_minutes >= 0).all()
    assert (s.free_float_minutes <= s.total_float_minutes).all()
    # Someone is critical, and the longest path ends at the project finish.
    assert s.critical.any()
    path = s.critical_path()
    assert s[path[-1]]["early_finish"] == s.finish or s[path[-1]]["early_start"] == s.finish


@given(networks())
def test_longest_path_length_equals_project_duration(G: nx.MultiDiGraph) -> None:
    s = pt.schedule(build(G))
    path = s.critical_path()
    d = {v: G.nodes[v]["duration"] for v in G}

    def gap(u: Any, v: Any) -> int:
        # The driving link between consecutive activities: the largest requirement.
        best = None
        for data in G.get_edge_data(u, v).values():
            t, lag = data["type"], data["lag"]
            w = {"FS": d[u] + lag, "SS": lag, "FF": d[u] + lag - d[v], "SF": lag - d[v]}[t]
            best = w if best is None else max(best, w)
        assert best is not None
        return best

    length = sum(gap(u, v) for u, v in pairwise(path)) + d[path[-1]]
    assert s[path[0]]["early_start"] == pendulum.datetime(2024, 1, 3, tz="Asia/Shanghai")
    assert pendulum.datetime(2024, 1, 3, tz="Asia/Shanghai").add(days=length) == s.finish
    assert all(s[a]["total_float"] == 0 for a in path)


@given(networks(types=("FS", "SS")), st.data())
def test_lengthening_an_activity_never_brings_the_finish_earlier(
    G: nx.MultiDiGraph, data: st.DataObject
) -> None:
    # FS/SS networks: with FF/SF links into an activity, lengthening it can
    # move its start earlier (the "reverse critical" anomaly, tested in test_cpm).
    s = pt.schedule(build(G, calendar="standard"))
    v = data.draw(st.sampled_from(sorted(G.nodes)))
    more = data.draw(st.integers(1, 10))
    longer = s.with_durations({v: G.nodes[v]["duration"] + more})
    assert longer.finish >= s.finish
    assert (longer.early_start_minutes >= s.early_start_minutes).all()


@given(networks(), st.data())
def test_lengthening_without_finish_side_predecessors_never_brings_the_finish_earlier(
    G: nx.MultiDiGraph, data: st.DataObject
) -> None:
    free = sorted(v for v in G if all(e["type"] in ("FS", "SS")
                                      for _, _, e in G.in_edges(v, data=True)))
    assume(free)
    s = pt.schedule(build(G))
    v = data.draw(st.sampled_from(free))
    longer = s.with_durations({v: G.nodes[v]["duration"] + data.draw(st.integers(1, 10))})
    assert longer.finish >= s.finish


@given(networks(), st.data())
def test_a_lag_inside_the_float_never_moves_the_finish(
    G: nx.MultiDiGraph, data: st.DataObject
) -> None:
    assume(G.number_of_edges() > 0)
    p = build(G)
    s = pt.schedule(p)
    k = data.draw(st.integers(0, len(p.links) - 1))
    link = p.links[k]
    # Relationship float: how far the link's requirement can grow before it
    # pushes the successor past its late start.
    rec_p, rec_s = s[link.pred], s[link.succ]
    src = rec_p["early_start"] if link.type in ("SS", "SF") else rec_p["early_finish"]
    d_succ = G.nodes[link.succ]["duration"]
    need = src.add(days=link.lag)
    if link.type in ("FF", "SF"):
        need = need.subtract(days=d_succ)
    room = (rec_s["late_start"] - need).in_days()
    assume(room > 0)
    extra = data.draw(st.integers(1, room))
    links = list(p.links)
    links[k] = pt.Link(pred=link.pred, succ=link.succ, type=link.type, lag=link.lag + extra)
    assert pt.schedule(p.replace(links=links)).finish == s.finish
    # One day more than the room does move it.
    links[k] = pt.Link(pred=link.pred, succ=link.succ, type=link.type,
                       lag=link.lag + room + 1)
    assert pt.schedule(p.replace(links=links)).finish > s.finish


@given(networks(calendars=("standard", "7d")), st.data())
def test_recompute_equals_a_fresh_schedule(G: nx.MultiDiGraph, data: st.DataObject) -> None:
    p = build(G, calendar="standard")
    v = data.draw(st.sampled_from(sorted(G.nodes)))
    new = data.draw(st.integers(0, 12))
    incremental = pt.schedule(p).with_durations({v: new})
    G.nodes[v]["duration"] = new
    fresh = pt.schedule(build(G, calendar="standard"))
    for name in ("early_start_minutes", "early_finish_minutes", "late_start_minutes",
                 "late_finish_minutes", "total_float", "free_float", "critical"):
        np.testing.assert_array_equal(getattr(incremental, name), getattr(fresh, name))


@given(networks(calendars=("standard", "7d", "24h")), st.sampled_from(["finish", "start",
                                                                         "smallest"]))
def test_critical_flags_follow_the_float_threshold(G: nx.MultiDiGraph, float_type: str) -> None:
    s = pt.schedule(build(G), float_type=float_type, critical_float=1.5)
    np.testing.assert_array_equal(s.critical, s.total_float <= 1.5)
    assert s.on_longest_path[[s.ids.index(a) for a in s.critical_path()]].all()


@given(networks(calendars=("standard", "7d", "24h")), st.sampled_from(["standard", "7d"]))
def test_float_on_the_project_calendar_counts_its_working_time(
    G: nx.MultiDiGraph, calendar: str
) -> None:
    # float_calendar="project" (MS Project) changes no date; the finish float of an
    # activity with a duration is the project calendar's working time from its early
    # to its late finish, counted here by the Calendar API, not by the engine.
    from projtrack.calendars import get_calendar

    p = build(G, calendar=calendar)
    own = pt.schedule(p)
    s = pt.schedule(p, float_calendar="project")
    for name in ("early_start_minutes", "early_finish_minutes", "late_start_minutes",
                 "late_finish_minutes"):
        np.testing.assert_array_equal(getattr(s, name), getattr(own, name))
    cal = get_calendar(calendar, p)
    day = cal.minutes_per_day
    for aid, tf, ff in zip(s.ids, s.total_float_minutes.tolist(),
                           s.free_float_minutes.tolist(), strict=True):
        assert 0 <= ff <= tf
        if G.nodes[aid]["duration"] == 0:
            continue
        rec = s[aid]
        span = cal.working_between(rec["early_finish"], rec["late_finish"])
        assert tf == span.total_seconds() / 60, aid
        assert rec["total_float"] == tf / day
    if all(G.nodes[v].get("calendar", calendar) == calendar for v in G):
        np.testing.assert_array_equal(s.total_float_minutes, own.total_float_minutes)
        np.testing.assert_array_equal(s.free_float_minutes, own.free_float_minutes)


@given(networks(calendars=("standard", "7d", "cn")), st.data())
def test_splits_schedule_like_a_duration_plus_pauses(G: nx.MultiDiGraph, data: Any) -> None:
    # Not started, a split activity spans its work plus its pauses.
    p = build(G, calendar="standard")
    acts = []
    longer = []
    for act in p.activities:
        if act.duration >= 2 and data.draw(st.booleans()):
            after = data.draw(st.integers(1, int(act.duration) - 1))
            pause = data.draw(st.integers(1, 5))
            acts.append(attrs.evolve(act, splits=[pt.Split(after, pause)]))
            longer.append(attrs.evolve(act, duration=act.duration + pause))
        else:
            acts.append(act)
            longer.append(act)
    split_s = pt.schedule(p.replace(activities=acts))
    plain_s = pt.schedule(p.replace(activities=longer))
    for field in ("early_start", "early_finish", "late_start", "late_finish"):
        assert np.array_equal(getattr(split_s, f"{field}_minutes"),
                              getattr(plain_s, f"{field}_minutes")), field


@given(projects(max_activities=8))
def test_work_pieces_hold_the_remaining_work_and_the_pauses_ahead(project: pt.Project) -> None:
    """The pieces run from the early start to the early finish, in order; their working
    time is the work left, and the gaps between them are the pauses still ahead."""
    from projtrack.calendars import get_calendar

    try:
        s = pt.schedule(project)
    except pt.CalendarError:
        return
    for act in project.activities:
        pieces = s.work_pieces(act.id)
        row = s[act.id]
        if row["status"] == "finished":
            assert pieces == []
            continue
        assert pieces[0][0] >= row["early_start"] and pieces[-1][1] == row["early_finish"]
        assert all(a <= b for a, b in pieces)
        assert all(b <= c for (_, b), (c, _) in pairwise(pieces))
        if act.duration_unit not in ("d", "h") or not act.splits:
            assert len(pieces) == 1 or act.splits
            continue
        cal = get_calendar(act.calendar, project)
        unit = 60.0 if act.duration_unit == "h" else cal.minutes_per_day

        def minutes(a: Any, b: Any, cal: Any = cal) -> float:
            return float(cal.working_between(a, b).total_seconds() / 60)

        done = 0.0
        if row["status"] == "in_progress":
            if act.remaining_duration is not None:
                done = act.duration - act.remaining_duration
            elif act.percent_complete is not None:
                done = act.duration * act.percent_complete / 100
        ahead = [sp for sp in act.splits if done <= sp.after < act.duration]
        work = sum(minutes(a, b) for a, b in pieces)
        assert abs(work - (act.duration - done) * unit) <= len(pieces), act.id
        # A pause right where the work stands comes before the first piece.
        leading = [sp for sp in ahead if sp.after == done]
        gaps = [minutes(b, c) for (_, b), (c, _) in pairwise(pieces)]
        inner = [sp.pause * unit for sp in ahead if sp.after > done]
        assert len(gaps) == len(inner), act.id
        assert all(abs(g - p) <= 1 for g, p in zip(gaps, inner, strict=True)), act.id
        if leading:
            assert abs(minutes(row["early_start"], pieces[0][0])
                       - leading[0].pause * unit) <= 1, act.id
