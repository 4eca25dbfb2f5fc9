"""CPM engine: an independent Bellman-Ford oracle, hand-computed cases, calendars,
constraints, progress and the Schedule API."""

from __future__ import annotations

import math
import random
from typing import Any

import networkx as nx
import numpy as np
import pendulum
import pytest

import projtrack as pt
from projtrack._kernel import force_engine

TZ = "Asia/Shanghai"
START = pendulum.Date(2024, 1, 1)  # a Monday
DAY = 1440


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> pendulum.DateTime:
    return pendulum.datetime(y, m, d, hh, mm, tz=TZ)


def span(s: pt.Schedule, aid: Any) -> tuple[pendulum.DateTime, pendulum.DateTime]:
    """Early start and early finish of an activity."""
    return s[aid]["early_start"], s[aid]["early_finish"]


# =========================================================================== the oracle
#
# Calendar-free CPM as difference constraints between early starts, in days:
#
#   FS  ES_j >= ES_i + d_i + lag        SS  ES_j >= ES_i + lag
#   FF  ES_j >= ES_i + d_i + lag - d_j  SF  ES_j >= ES_i + lag - d_j
#   and ES_j >= 0 (the project start) for every j.
#
# Early starts are longest paths from a source node; networkx's Bellman-Ford
# computes them as shortest paths on negated weights. Late starts are
# shortest paths from a sink, LS_i <= LS_j - w_ij and LS_i <= F - d_i. Free
# float is the smallest slack of the links leaving an activity (and of the
# project finish).


def random_graph(rng: random.Random, n: int, *, types: str = "FS SS FF SF") -> nx.MultiDiGraph:
    kinds = types.split()
    ids = list(range(n))
    rng.shuffle(ids)  # node ids are not in topological order
    G = nx.MultiDiGraph()
    for v in ids:
        G.add_node(v, duration=rng.choice([0, 1, 1, 2, 3, 4, 5, 7, 10]))
    for b in range(1, n):
        for a in range(b):
            if rng.random() < min(0.6, 2.5 / b):
                lag = rng.choice([0, 0, 0, 1, 2, 5, -1, -2, -4])
                G.add_edge(ids[a], ids[b], type=rng.choice(kinds), lag=lag)
                if rng.random() < 0.05:  # a second link between the same pair (P6 allows it)
                    G.add_edge(ids[a], ids[b], type=rng.choice(kinds), lag=rng.randint(-3, 3))
    return G


def weight(G: nx.MultiDiGraph, data: dict[str, Any], u: Any, v: Any) -> int:
    du, dv = G.nodes[u]["duration"], G.nodes[v]["duration"]
    t, lag = data.get("type", "FS"), data.get("lag", 0)
    return {"FS": du + lag, "SS": lag, "FF": du + lag - dv, "SF": lag - dv}[t]


def oracle(G: nx.MultiDiGraph) -> dict[Any, dict[str, float]]:
    d = {v: G.nodes[v]["duration"] for v in G}
    fwd = nx.MultiDiGraph()
    src, sink = ("src",), ("sink",)
    fwd.add_node(src)
    for v in G:
        fwd.add_edge(src, v, w=0)
    for u, v, data in G.edges(data=True):
        fwd.add_edge(u, v, w=-weight(G, data, u, v))
    dist = nx.single_source_bellman_ford_path_length(fwd, src, weight="w")
    es = {v: -dist[v] for v in G}
    finish = max([es[v] + d[v] for v in G], default=0)
    bwd = nx.MultiDiGraph()
    for v in G:
        bwd.add_edge(sink, v, w=finish - d[v])
    for u, v, data in G.edges(data=True):
        bwd.add_edge(v, u, w=-weight(G, data, u, v))
    ls = nx.single_source_bellman_ford_path_length(bwd, sink, weight="w")
    out = {}
    for v in G:
        ef = es[v] + d[v]
        slack = [finish - ef]
        for _, s, data in G.out_edges(v, data=True):
            t, lag = data.get("type", "FS"), data.get("lag", 0)
            src_v = es[v] if t in ("SS", "SF") else ef
            tgt = es[s] if t in ("FS", "SS") else es[s] + d[s]
            slack.append(tgt - (src_v + lag))
        tf = ls[v] - es[v]
        out[v] = {"es": es[v], "ef": ef, "ls": ls[v], "lf": ls[v] + d[v], "tf": tf,
                  "ff": max(0, min(min(slack), tf)), "finish": finish}
    return out


def project_of(G: nx.MultiDiGraph, **fields: Any) -> pt.Project:
    fields.setdefault("id", "g")
    fields.setdefault("start", START)
    fields.setdefault("calendar", "7d")
    return pt.Project.from_networkx(G, **fields)


def assert_matches_oracle(G: nx.MultiDiGraph, s: pt.Schedule) -> None:
    want = oracle(G)
    ids = s.ids
    es = np.array([want[v]["es"] for v in ids]) * DAY
    ef = np.array([want[v]["ef"] for v in ids]) * DAY
    ls = np.array([want[v]["ls"] for v in ids]) * DAY
    lf = np.array([want[v]["lf"] for v in ids]) * DAY
    tf = np.array([want[v]["tf"] for v in ids], dtype=float)
    ff = np.array([want[v]["ff"] for v in ids], dtype=float)
    np.testing.assert_array_equal(s.early_start_minutes, es)
    np.testing.assert_array_equal(s.early_finish_minutes, ef)
    np.testing.assert_array_equal(s.late_start_minutes, ls)
    np.testing.assert_array_equal(s.late_finish_minutes, lf)
    np.testing.assert_array_equal(s.total_float, tf)
    np.testing.assert_array_equal(s.free_float, ff)
    np.testing.assert_array_equal(s.critical, tf <= 0)
    if len(G):
        finish = max(w["finish"] for w in want.values())
        assert s.finish == at(2024, 1, 1).add(days=finish)


def test_oracle_agrees_on_thousands_of_random_networks() -> None:
    rng = random.Random(20240301)
    for _ in range(2000):
        G = random_graph(rng, rng.randint(1, 18))
        assert_matches_oracle(G, pt.schedule(project_of(G)))


def test_oracle_agrees_on_larger_networks_with_the_numba_engine() -> None:
    pytest.importorskip("numba")
    rng = random.Random(7)
    with force_engine("numba"):
        for _ in range(40):
            G = random_graph(rng, rng.randint(20, 120))
            assert_matches_oracle(G, pt.schedule(project_of(G)))


def test_oracle_with_records_dates_on_7d() -> None:
    """The acceptance convention: on 7d, ES is start 00:00 + ES days, EF exclusive midnight."""
    rng = random.Random(11)
    G = random_graph(rng, 30)
    want = oracle(G)
    for rec in pt.schedule(project_of(G)).to_records():
        w = want[rec["id"]]
        assert rec["early_start"] == at(2024, 1, 1).add(days=w["es"])
        assert rec["early_finish"] == at(2024, 1, 1).add(days=w["ef"])
        assert rec["late_start"] == at(2024, 1, 1).add(days=w["ls"])
        assert rec["late_finish"] == at(2024, 1, 1).add(days=w["lf"])
        assert rec["total_float"] == w["tf"] and rec["free_float"] == w["ff"]


# =========================================================================== engines agree


def _arrays(s: pt.Schedule) -> list[np.ndarray]:
    return [s.early_start_minutes, s.early_finish_minutes, s.late_start_minutes,
            s.late_finish_minutes, s.total_float_minutes, s.free_float_minutes,
            s.critical, s.on_longest_path]


def rich_project(rng: random.Random, n: int) -> pt.Project:
    """Random network with calendars, unit mixes, constraints and progress."""
    G = random_graph(rng, n)
    cals = ["standard", "7d", "cn", "24h"]
    for v in G:
        G.nodes[v]["calendar"] = rng.choice(cals)
        if rng.random() < 0.15:
            G.nodes[v]["duration_unit"] = rng.choice(["h", "ed", "eh"])
    for _, _, data in G.edges(data=True):
        if rng.random() < 0.2:
            data["lag_unit"] = rng.choice(["h", "ed", "eh"])
    p = project_of(G, calendar="standard", data_date=pendulum.Date(2024, 1, 10))
    acts = []
    for a in p.activities:
        r = rng.random()
        if r < 0.1:
            a = pt.Activity(id=a.id, duration=a.duration, calendar=a.calendar,
                            actual_start=pendulum.Date(2024, 1, rng.randint(1, 5)),
                            percent_complete=rng.choice([0, 30, 80]))
        elif r < 0.15:
            a = pt.Activity(id=a.id, duration=a.duration, calendar=a.calendar,
                            actual_start=pendulum.Date(2024, 1, 2),
                            actual_finish=pendulum.Date(2024, 1, rng.randint(3, 9)))
        elif r < 0.3:
            ctype = rng.choice(pt._model.CONSTRAINT_TYPES)
            date = None if ctype == "as_late_as_possible" else pendulum.Date(
                2024, 1, rng.randint(2, 28))
            a = pt.Activity(id=a.id, duration=a.duration, calendar=a.calendar,
                            duration_unit=a.duration_unit, constraints=[pt.Constraint(ctype, date)])
        acts.append(a)
    return p.replace(activities=acts, must_finish_by=rng.choice([None, pendulum.Date(2024, 2, 1)]))


@pytest.mark.parametrize("options", [
    {},
    {"lag_calendar": "successor", "float_type": "start"},
    {"lag_calendar": "24h", "progress": "progress_override", "ss_lag_from": "actual_start"},
    {"lag_calendar": "project", "float_type": "smallest", "critical_path": "longest_path"},
])
def test_python_and_numba_engines_agree(options: dict[str, Any]) -> None:
    pytest.importorskip("numba")
    rng = random.Random(hash(tuple(sorted(options))) % 1000)
    for _ in range(25):
        p = rich_project(rng, rng.randint(1, 40))
        with force_engine("python"):
            a = pt.schedule(p, **options)
        p = p.replace()  # a fresh project: nothing cached
        with force_engine("numba"):
            b = pt.schedule(p, **options)
        assert a.finish == b.finish
        for x, y in zip(_arrays(a), _arrays(b), strict=True):
            np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("engine", ["python", "numba"])
def test_incremental_recompute_equals_a_fresh_schedule(engine: str) -> None:
    if engine == "numba":
        pytest.importorskip("numba")
    rng = random.Random(21)
    with force_engine(engine):
        for _ in range(15):
            p = rich_project(rng, rng.randint(5, 60))
            s = pt.schedule(p)
            for _ in range(3):
                a = rng.choice(p.activities)
                if a.kind == "milestone":
                    continue
                new = rng.choice([0, 1, 3, 9, 20])
                s = s.with_durations({a.id: new})
                p = p.with_activity(attrs_evolve(a, duration=new))
                fresh = pt.schedule(p)
                assert s.finish == fresh.finish
                for x, y in zip(_arrays(s), _arrays(fresh), strict=True):
                    np.testing.assert_array_equal(x, y)


def attrs_evolve(a: pt.Activity, **changes: Any) -> pt.Activity:
    import attrs

    return attrs.evolve(a, **changes)


# =========================================================================== textbook


def test_hand_computed_network_with_all_link_types() -> None:
    r"""A classic activity-on-node example, computed by hand (days, 7d calendar).

    Activities (duration): A 4, B 6, C 3, D 5, E 2, F 4. Links:
    A-B FS, A-C SS+2, B-D FF+1, C-D FS-1, C-E SF+8, D-F FS, E-F SS+1.

    Forward pass:
      A: ES 0, EF 4
      B: FS from A      ES >= 4             -> ES 4,  EF 10
      C: SS+2 from A    ES >= 0+2 = 2       -> ES 2,  EF 5
      D: FF+1 from B    EF >= 10+1 = 11 -> ES >= 6;  FS-1 from C  ES >= 5-1 = 4
                                            -> ES 6,  EF 11
      E: SF+8 from C    EF >= 2+8 = 10  -> ES >= 8  -> ES 8,  EF 10
      F: FS from D      ES >= 11;  SS+1 from E  ES >= 8+1 = 9
                                            -> ES 11, EF 15     project finish 15
    Backward pass (LF <= 15 for all):
      F: LF 15, LS 11
      E: SS+1 to F      LS <= 11-1 = 10     -> LS 10, LF 12
      D: FS to F        LF <= 11            -> LS 6,  LF 11
      C: FS-1 to D      LF <= 6+1 = 7 -> LS <= 4;  SF+8 to E  LS <= 12-8 = 4
                                            -> LS 4,  LF 7
      B: FF+1 to D      LF <= 11-1 = 10     -> LS 4,  LF 10
      A: FS to B        LF <= 4 -> LS <= 0;  SS+2 to C  LS <= 4-2 = 2
                                            -> LS 0,  LF 4
    Total float (LS - ES): A 0, B 0, C 2, D 0, E 2, F 0.
    Free float: A min(4-4, 2-(0+2)) = 0; B 11-(10+1) = 0; C min(6-(5-1), 10-(2+8)) = 0;
      D 11-11 = 0; E min(11-(8+1), 15-10) = 2; F 15-15 = 0.
    Critical path A-B-D-F (D is driven by B's FF, F by D's FS).
    """
    acts = [pt.Activity(id=x, duration=d)
            for x, d in [("A", 4), ("B", 6), ("C", 3), ("D", 5), ("E", 2), ("F", 4)]]
    links = [pt.Link(pred="A", succ="B"), pt.Link(pred="A", succ="C", type="SS", lag=2),
             pt.Link(pred="B", succ="D", type="FF", lag=1),
             pt.Link(pred="C", succ="D", type="FS", lag=-1),
             pt.Link(pred="C", succ="E", type="SF", lag=8), pt.Link(pred="D", succ="F"),
             pt.Link(pred="E", succ="F", type="SS", lag=1)]
    p = pt.Project(id="aon", start=START, calendar="7d", activities=acts, links=links)
    s = pt.schedule(p)
    expect = {  # id: (ES, EF, LS, LF, TF, FF)
        "A": (0, 4, 0, 4, 0, 0), "B": (4, 10, 4, 10, 0, 0), "C": (2, 5, 4, 7, 2, 0),
        "D": (6, 11, 6, 11, 0, 0), "E": (8, 10, 10, 12, 2, 2), "F": (11, 15, 11, 15, 0, 0),
    }
    for aid, (es, ef, ls, lf, tf, ff) in expect.items():
        r = s[aid]
        got = tuple((r[k] - at(2024, 1, 1)).in_days() for k in
                    ("early_start", "early_finish", "late_start", "late_finish"))
        assert got == (es, ef, ls, lf), aid
        assert (r["total_float"], r["free_float"]) == (tf, ff), aid
    assert s.finish == at(2024, 1, 16)
    assert s.critical_path() == ["A", "B", "D", "F"]
    assert [a for a in "ABCDEF" if s[a]["critical"]] == ["A", "B", "D", "F"]
    assert s.driving_predecessors("D") == ["B"] and s.driving_predecessors("F") == ["D"]
    assert s.driving_path(to="E") == ["A", "C", "E"]


def test_reverse_critical_anomaly_is_reproduced() -> None:
    """Lengthening an activity driven through FF and driving through SS shortens the
    project (a known CPM anomaly; P6 and MS Project behave the same way):
    A 10; A-B FF; B-C SS; C 20. B of 2 days: ES_B = 10-2 = 8, C 8..28.
    B of 5 days: ES_B = 10-5 = 5, C 5..25."""
    acts = [pt.Activity(id="A", duration=10), pt.Activity(id="B", duration=2),
            pt.Activity(id="C", duration=20)]
    links = [pt.Link(pred="A", succ="B", type="FF"), pt.Link(pred="B", succ="C", type="SS")]
    s = pt.schedule(pt.Project(id="r", start=START, calendar="7d", activities=acts, links=links))
    assert s.finish == at(2024, 1, 29)
    assert s.with_durations({"B": 5}).finish == at(2024, 1, 26)


def test_negative_lag_cannot_start_before_the_project() -> None:
    acts = [pt.Activity(id="A", duration=2), pt.Activity(id="B", duration=3)]
    p = pt.Project(id="n", start=START, calendar="7d", activities=acts,
                   links=[pt.Link(pred="A", succ="B", lag=-5)])
    s = pt.schedule(p)
    assert s["B"]["early_start"] == at(2024, 1, 1)
    assert s.finish == at(2024, 1, 4)


# =========================================================================== calendars


def test_one_day_task_on_standard_finishes_at_17_and_successor_starts_next_morning() -> None:
    acts = [pt.Activity(id="a", duration=1), pt.Activity(id="b", duration=1)]
    p = pt.Project(id="c", start=START, activities=acts, links=[pt.Link(pred="a", succ="b")])
    s = pt.schedule(p)
    assert span(s, "a") == (at(2024, 1, 1, 8), at(2024, 1, 1, 17))
    assert span(s, "b") == (at(2024, 1, 2, 8), at(2024, 1, 2, 17))


def test_weekend_and_lunch_are_skipped() -> None:
    # Project starts on a Thursday: 3 days = Thu, Fri, Mon.
    acts = [pt.Activity(id="a", duration=3), pt.Activity(id="h", duration=5, duration_unit="h")]
    p = pt.Project(id="w", start=pendulum.Date(2024, 1, 4), activities=acts,
                   links=[pt.Link(pred="a", succ="h")])
    s = pt.schedule(p)
    assert s["a"]["early_finish"] == at(2024, 1, 8, 17)
    # 5 hours from Tue 08:00: 08-12 and 13-14 (the lunch hour is not worked).
    assert span(s, "h") == (at(2024, 1, 9, 8), at(2024, 1, 9, 14))


def test_project_starting_on_a_weekend_starts_at_the_first_working_minute() -> None:
    p = pt.Project(id="w", start=pendulum.Date(2024, 1, 6),
                   activities=[pt.Activity(id="a", duration=1)])
    s = pt.schedule(p)
    assert span(s, "a") == (at(2024, 1, 8, 8), at(2024, 1, 8, 17))


def test_standard_schedule_equals_the_7d_schedule_read_through_the_calendar() -> None:
    """Same network on one calendar: the working-time offsets are the calendar-free
    solution, converted with the calendar module's own arithmetic."""
    cal = pt.get_calendar("standard")
    origin = at(2024, 1, 3)  # a Wednesday
    rng = random.Random(5)
    for _ in range(30):
        G = random_graph(rng, rng.randint(2, 15))
        want = oracle(G)
        s = pt.schedule(project_of(G, calendar="standard", start=pendulum.Date(2024, 1, 3)))
        for rec in s.to_records():
            w = want[rec["id"]]
            if w["ef"] == w["es"] and w["es"] > 0:
                # A zero-duration activity sits at the end of the working time before it.
                assert rec["early_start"] == cal.add_working(origin, w["es"])
            else:
                assert rec["early_start"] == cal.snap_start(cal.add_working(origin, w["es"]))
            if w["ef"] > w["es"]:
                assert rec["early_finish"] == cal.add_working(origin, w["ef"])
                assert rec["late_finish"] == cal.add_working(origin, w["lf"])
            assert rec["total_float"] == w["tf"]
            assert rec["free_float"] == w["ff"]


def test_lag_calendar_option() -> None:
    # A on 7d finishes Saturday 00:00 (5 days from Monday); B on standard, FS + 1 day.
    acts = [pt.Activity(id="A", duration=5, calendar="7d"), pt.Activity(id="B", duration=1)]
    p = pt.Project(id="l", start=START, activities=acts,
                   links=[pt.Link(pred="A", succ="B", lag=1)])
    # Lag on A's calendar: Sat 00:00 + 1 day = Sun 00:00 -> B starts Mon 08:00.
    assert pt.schedule(p)["B"]["early_start"] == at(2024, 1, 8, 8)
    assert pt.schedule(p, lag_calendar="24h")["B"]["early_start"] == at(2024, 1, 8, 8)
    # Lag on B's calendar: 1 working day after Friday's end = Mon 17:00 -> B starts Tue 08:00.
    assert pt.schedule(p, lag_calendar="successor")["B"]["early_start"] == at(2024, 1, 9, 8)
    assert pt.schedule(p, lag_calendar="project")["B"]["early_start"] == at(2024, 1, 9, 8)


def test_elapsed_lag_and_duration() -> None:
    # A (standard) ends Fri 17:00; FS + 2 elapsed days = Sun 17:00 -> B Mon 08:00.
    acts = [pt.Activity(id="A", duration=5), pt.Activity(id="B", duration=1),
            pt.Activity(id="C", duration=36, duration_unit="eh")]
    links = [pt.Link(pred="A", succ="B", lag=2, lag_unit="ed"), pt.Link(pred="A", succ="C")]
    s = pt.schedule(pt.Project(id="e", start=START, activities=acts, links=links))
    assert s["B"]["early_start"] == at(2024, 1, 8, 8)
    # An elapsed duration runs round the clock from the predecessor's finish.
    assert span(s, "C") == (at(2024, 1, 5, 17), at(2024, 1, 7, 5))
    # Its float is elapsed time too: Sun 05:00 to the project finish, Mon 17:00.
    assert s["C"]["total_float"] == 1.5


def test_cn_calendar_skips_national_day_and_works_make_up_days() -> None:
    acts = [pt.Activity(id="A", duration=2), pt.Activity(id="B", duration=1)]
    p = pt.Project(id="cn", start=pendulum.Date(2024, 9, 30), calendar="cn", activities=acts,
                   links=[pt.Link(pred="A", succ="B")])
    s = pt.schedule(p)
    assert s["A"]["early_finish"] == at(2024, 10, 8, 17)
    assert s["B"]["early_start"] == at(2024, 10, 9, 8)
    # 2024-09-29 is a Sunday worked to make up for the holiday.
    q = p.replace(start=pendulum.Date(2024, 9, 29))
    assert pt.schedule(q)["A"]["early_start"] == at(2024, 9, 29, 8)


def test_cn_beyond_its_data_raises_calendar_error() -> None:
    acts = [pt.Activity(id="A", duration=1)]
    p = pt.Project(id="cn", start=pendulum.Date(2099, 3, 2), calendar="cn", activities=acts)
    with pytest.raises(pt.CalendarError):
        pt.schedule(p)


def test_float_across_calendars_in_working_days() -> None:
    # B (standard, 2 days) runs in parallel with A (standard, 7 days, Mon..Tue next week).
    acts = [pt.Activity(id="A", duration=7), pt.Activity(id="B", duration=2),
            pt.Activity(id="Z", kind="milestone")]
    links = [pt.Link(pred="A", succ="Z"), pt.Link(pred="B", succ="Z")]
    s = pt.schedule(pt.Project(id="f", start=START, activities=acts, links=links))
    assert s["B"]["total_float"] == 5.0 and s["B"]["free_float"] == 5.0
    assert s["Z"]["early_start"] == at(2024, 1, 9, 17)  # a finish milestone sits at 17:00


def test_long_schedule_grows_the_calendar_horizon() -> None:
    acts = [pt.Activity(id=i, duration=200) for i in range(12)]
    links = [pt.Link(pred=i, succ=i + 1) for i in range(11)]
    s = pt.schedule(pt.Project(id="long", start=START, activities=acts, links=links))
    cal = pt.get_calendar("standard")
    assert s.finish == cal.add_working(at(2024, 1, 1), 2400)


# =========================================================================== constraints


def chain(*durations: float, calendar: str = "7d", **fields: Any) -> pt.Project:
    acts = [pt.Activity(id=chr(65 + i), duration=d) for i, d in enumerate(durations)]
    links = [pt.Link(pred=chr(65 + i), succ=chr(66 + i)) for i in range(len(durations) - 1)]
    return pt.Project(id="c", start=START, calendar=calendar, activities=acts, links=links,
                      **fields)


def constrain(p: pt.Project, aid: str, ctype: str, date: Any = None) -> pt.Project:
    a = p.activity(aid)
    return p.with_activity(pt.Activity(id=a.id, duration=a.duration,
                                       constraints=[pt.Constraint(ctype, date)]))


def days(s: pt.Schedule, aid: str, key: str) -> float:
    return (s[aid][key] - at(2024, 1, 1)).in_hours() / 24


def test_start_and_finish_no_earlier_than() -> None:
    p = chain(2, 3)
    s = pt.schedule(constrain(p, "B", "start_no_earlier_than", pendulum.Date(2024, 1, 6)))
    assert days(s, "B", "early_start") == 5 and s["A"]["total_float"] == 3
    s = pt.schedule(constrain(p, "B", "finish_no_earlier_than", pendulum.Date(2024, 1, 10)))
    # A plain date as a finish constraint means the end of that day.
    assert days(s, "B", "early_finish") == 10


def test_no_later_than_gives_negative_float() -> None:
    p = chain(4, 3)
    s = pt.schedule(constrain(p, "B", "start_no_later_than", pendulum.Date(2024, 1, 3)))
    assert days(s, "B", "early_start") == 4  # logic wins over the soft constraint
    assert s["B"]["total_float"] == -2 and s["A"]["total_float"] == -2
    assert s["A"]["critical"] and s["B"]["critical"]
    s = pt.schedule(constrain(p, "B", "finish_no_later_than", pendulum.Date(2024, 1, 5)))
    assert s["B"]["total_float"] == -2  # must end by Jan 6 00:00, early finish Jan 8 00:00


def test_start_on_and_finish_on() -> None:
    p = chain(2, 3)
    s = pt.schedule(constrain(p, "B", "start_on", pendulum.Date(2024, 1, 5)))
    assert days(s, "B", "early_start") == 4 and days(s, "B", "late_start") == 4
    s = pt.schedule(constrain(p, "B", "finish_on", pendulum.Date(2024, 1, 9)))
    assert days(s, "B", "early_finish") == 9 and s["B"]["total_float"] == 0


def test_mandatory_start_overrides_logic() -> None:
    p = chain(4, 3, 2)
    s = pt.schedule(constrain(p, "B", "mandatory_start", pendulum.Date(2024, 1, 3)))
    # B starts on day 2 although A finishes on day 4; A gets the negative float.
    assert days(s, "B", "early_start") == 2 and days(s, "C", "early_start") == 5
    assert s["A"]["total_float"] == -2 and s["B"]["total_float"] == 0
    s = pt.schedule(constrain(p, "B", "mandatory_finish", pendulum.Date(2024, 1, 12)))
    assert days(s, "B", "early_finish") == 12 and days(s, "C", "early_start") == 12


def test_as_late_as_possible_uses_free_float() -> None:
    acts = [pt.Activity(id="A", duration=10), pt.Activity(id="B", duration=2),
            pt.Activity(id="C", duration=1, constraints=[pt.Constraint("as_late_as_possible")]),
            pt.Activity(id="Z", duration=1)]
    links = [pt.Link(pred="A", succ="Z"), pt.Link(pred="B", succ="C"), pt.Link(pred="C", succ="Z")]
    s = pt.schedule(pt.Project(id="alap", start=START, calendar="7d", activities=acts, links=links))
    # C could start on day 2; it is moved to finish just in time for Z (day 10).
    assert days(s, "C", "early_start") == 9 and s["C"]["free_float"] == 0
    assert s["B"]["free_float"] == 7 and days(s, "Z", "early_start") == 10


def test_must_finish_by_gives_negative_float() -> None:
    p = chain(5, 5, calendar="7d", must_finish_by=pendulum.Date(2024, 1, 7))
    s = pt.schedule(p)
    assert s.finish == at(2024, 1, 11)
    # Must finish by the end of Jan 7 = Jan 8 00:00: three days late.
    assert s["A"]["total_float"] == -3 and s["B"]["total_float"] == -3
    assert all(s.critical)
    later = pt.schedule(p.replace(must_finish_by=pendulum.Date(2024, 1, 20)))
    assert later["A"]["total_float"] == 10 and not any(later.critical)


def test_conflicting_constraints_do_not_raise() -> None:
    p = chain(5, 5)
    p = p.with_activity(pt.Activity(id="B", duration=5, constraints=[
        pt.Constraint("start_no_earlier_than", pendulum.Date(2024, 1, 20)),
        pt.Constraint("finish_no_later_than", pendulum.Date(2024, 1, 10))]))
    s = pt.schedule(p)
    assert s["B"]["total_float"] < 0


# =========================================================================== progress


def progressed(**changes: Any) -> pt.Project:
    """A 5d -> B 5d -> C 3d on 7d; data date Jan 4 (day 3); A 60 % done, B out of sequence."""
    acts = [
        pt.Activity(id="A", duration=5, actual_start=pendulum.Date(2024, 1, 1),
                    percent_complete=60),
        pt.Activity(id="B", duration=5, actual_start=pendulum.Date(2024, 1, 3),
                    remaining_duration=3),
        pt.Activity(id="C", duration=3),
    ]
    links = [pt.Link(pred="A", succ="B"), pt.Link(pred="B", succ="C")]
    return pt.Project(id="prog", start=START, calendar="7d", activities=acts, links=links,
                      data_date=pendulum.Date(2024, 1, 4), **changes)


def test_retained_logic_waits_for_the_predecessor() -> None:
    s = pt.schedule(progressed())
    # A: remaining 5 * 40 % = 2 days from the data date (day 3) -> day 5.
    assert days(s, "A", "early_start") == 3 and days(s, "A", "early_finish") == 5
    # B's remaining 3 days wait for A: day 5 -> 8; C: 8 -> 11.
    assert days(s, "B", "early_start") == 5 and days(s, "C", "early_finish") == 11
    assert s["A"]["critical"] and s["B"]["actual_start"] == at(2024, 1, 3)
    assert s["B"]["status"] == "in_progress" and s["C"]["status"] == "not_started"


def test_progress_override_ignores_logic_into_started_activities() -> None:
    s = pt.schedule(progressed(), progress="progress_override")
    assert days(s, "B", "early_start") == 3 and days(s, "C", "early_finish") == 9
    assert s["A"]["total_float"] == 4 and not s["A"]["critical"]


def test_finished_out_of_sequence_activity_passes_on_its_predecessor_under_retained_logic() -> None:
    p = progressed()
    p = p.with_activity(pt.Activity(id="B", duration=5, actual_start=pendulum.Date(2024, 1, 2),
                                    actual_finish=pendulum.Date(2024, 1, 3)))
    s = pt.schedule(p)
    assert days(s, "C", "early_start") == 5  # waits for A through the finished B
    assert math.isnan(s["B"]["total_float"]) and not s["B"]["critical"]
    assert s["B"]["actual_finish"] == at(2024, 1, 4)  # a finish date means the end of that day
    s = pt.schedule(p, progress="progress_override")
    assert days(s, "C", "early_start") == 3


def test_data_date_argument_and_unstarted_work() -> None:
    s = pt.schedule(chain(2, 2), data_date=pendulum.Date(2024, 1, 5))
    assert days(s, "A", "early_start") == 4 and days(s, "B", "early_finish") == 8
    assert s.data_date == at(2024, 1, 5)


def with_b(**changes: Any) -> pt.Project:
    """``progressed()`` with B (started Jan 3, 3 days left) changed."""
    b = pt.Activity(id="B", duration=5, actual_start=pendulum.Date(2024, 1, 3),
                    remaining_duration=3, **changes)
    return progressed().with_activity(b)


def test_remaining_work_starts_at_the_resume_date_when_later_than_the_data_date() -> None:
    # Progress override: B's remainder would start at the data date (day 3).
    s = pt.schedule(with_b(resume=at(2024, 1, 8)), progress="progress_override")
    assert days(s, "B", "early_start") == 7 and days(s, "B", "early_finish") == 10
    assert days(s, "C", "early_finish") == 13
    assert s["B"]["actual_start"] == at(2024, 1, 3) and s["B"]["status"] == "in_progress"
    # Retained logic: the later of A's finish (day 5) and the resume date (day 7).
    assert days(pt.schedule(with_b(resume=pendulum.Date(2024, 1, 8))), "B", "early_start") == 7
    assert days(pt.schedule(with_b(resume=at(2024, 1, 6))), "B", "early_start") == 5


def test_resume_before_the_data_date_changes_nothing() -> None:
    for progress in ("retained_logic", "progress_override"):
        plain = pt.schedule(progressed(), progress=progress)
        early = pt.schedule(with_b(resume=at(2024, 1, 3, 12)), progress=progress)
        for aid in ("A", "B", "C"):
            for field in ("early_start", "early_finish", "late_start", "late_finish"):
                assert early[aid][field] == plain[aid][field], (progress, aid, field)


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"actual_start": None}, "only for activities in progress"),
        ({"actual_finish": pendulum.Date(2024, 1, 9)}, "only for activities in progress"),
        ({"actual_start": at(2024, 1, 3, 10)}, "before actual_start"),
    ],
)
def test_resume_is_only_for_activities_in_progress(changes: dict[str, Any], words: str) -> None:
    values: dict[str, Any] = {"id": "B", "duration": 5, "actual_start": pendulum.Date(2024, 1, 3),
                              "resume": at(2024, 1, 3, 9), **changes}
    with pytest.raises(pt.ValidationError, match=words) as info:
        pt.Activity(**values)
    assert info.value.field == "resume"


def test_resume_on_the_start_day_and_its_round_trip() -> None:
    # A resume date on the day of a timed actual start is not "before" it.
    act = pt.Activity(id="B", duration=5, actual_start=at(2024, 1, 3, 10),
                      resume=pendulum.Date(2024, 1, 3))
    assert act.resume == pendulum.Date(2024, 1, 3)
    p = with_b(resume=at(2024, 1, 8, 9, 30))
    for fmt in ("yaml", "json"):
        back = pt.loads(pt.dumps(p, format=fmt), format=fmt)
        assert back.activity("B").resume == at(2024, 1, 8, 9, 30), fmt


# ------------------------------------------------------------------------- remaining critical path
#
# A finished activity has no float and is never critical (P6 and MS Project flag only
# incomplete work), so critical_path() is the driving chain of the work still to do,
# from the data date to the project finish, like the critical flags and on_longest_path.


def finished_then_remaining(data_date: pendulum.Date) -> pt.Project:
    """A (finished) -> B (in progress) -> C; X (finished) -> C; on 7d."""
    acts = [
        pt.Activity(id="A", duration=2, actual_start=pendulum.Date(2024, 1, 1),
                    actual_finish=pendulum.Date(2024, 1, 2)),
        pt.Activity(id="B", duration=3, actual_start=pendulum.Date(2024, 1, 3)),
        pt.Activity(id="C", duration=2),
        pt.Activity(id="X", duration=1, actual_start=pendulum.Date(2024, 1, 1),
                    actual_finish=pendulum.Date(2024, 1, 1)),
    ]
    links = [pt.Link(pred="A", succ="B"), pt.Link(pred="B", succ="C"),
             pt.Link(pred="X", succ="C")]
    return pt.Project(id="fr", start=START, calendar="7d", activities=acts, links=links,
                      data_date=data_date)


@pytest.mark.parametrize("data_date", [pendulum.Date(2024, 1, 3), pendulum.Date(2024, 1, 4)])
def test_critical_path_leaves_out_finished_work(data_date: pendulum.Date) -> None:
    s = pt.schedule(finished_then_remaining(data_date))
    # B's remaining work starts at the data date, C follows it; A and X are done.
    assert s.critical_path() == ["B", "C"]
    assert s["B"]["early_start"] == s.data_date and s["C"]["early_finish"] == s.finish
    assert [a for a in s.ids if s[a]["critical"]] == ["B", "C"]
    assert s.on_longest_path.tolist() == [False, True, True, False]
    # The driving chain itself still reaches back through the finished A.
    assert s.driving_path(to="C") == ["A", "B", "C"]


def test_critical_path_follows_logic_through_finished_out_of_sequence_work() -> None:
    # Retained logic: the finished B passes A's remaining work on to C, so A drives C
    # and both are on the remaining critical path; B is not.
    p = progressed().with_activity(pt.Activity(id="B", duration=5,
                                               actual_start=pendulum.Date(2024, 1, 2),
                                               actual_finish=pendulum.Date(2024, 1, 3)))
    s = pt.schedule(p)
    assert s.critical_path() == ["A", "C"]
    assert [a for a in "ABC" if s[a]["critical"]] == ["A", "C"]
    # Progress override: C no longer waits for A; it starts at the data date.
    s = pt.schedule(p, progress="progress_override")
    assert s.critical_path() == ["C"]
    assert s["C"]["early_start"] == s.data_date


def test_critical_path_of_finished_work_is_empty() -> None:
    acts = [pt.Activity(id="A", duration=2, actual_start=pendulum.Date(2024, 1, 1),
                        actual_finish=pendulum.Date(2024, 1, 2)),
            pt.Activity(id="B", duration=1, actual_start=pendulum.Date(2024, 1, 3),
                        actual_finish=pendulum.Date(2024, 1, 3))]
    p = pt.Project(id="done", start=START, calendar="7d", activities=acts,
                   links=[pt.Link(pred="A", succ="B")], data_date=pendulum.Date(2024, 1, 5))
    s = pt.schedule(p)
    assert not s.critical.any()
    assert s.critical_path() == []


def test_renhe_road_critical_path_is_the_work_still_to_do() -> None:
    # At the 2022-12-15 data date the land, permits and the start of the contract are
    # done and the Weihai Road piles are under way; the path runs from them to handover.
    s = pt.schedule(pt.load("examples/renhe-road.yaml"))
    path = s.critical_path()
    assert path[0] == "piles-weihai-road" and path[-1] == "project-complete"
    assert all(s[a]["status"] != "finished" for a in path)
    assert set(path) == {a for a in s.ids if s[a]["critical"]}
    assert s[path[0]]["early_start"].date() == s.data_date.date()
    assert s[path[-1]]["early_finish"] == s.finish


def test_float_measured_on_the_project_calendar() -> None:
    """``a`` (2 days on 7d) finishes Wed Jan 3 00:00; the project (standard, Mon-Fri 8-17,
    8 h a day) finishes Fri Jan 12 17:00 with ``b``; ``e`` is 2 elapsed days."""
    acts = [pt.Activity(id="a", duration=2, calendar="7d"), pt.Activity(id="b", duration=10),
            pt.Activity(id="e", duration=2, duration_unit="ed")]
    p = pt.Project(id="f", start=START, activities=acts)
    own = pt.schedule(p)
    s = pt.schedule(p, float_calendar="project")
    # On 7d: Jan 3 00:00 to Jan 12 17:00 is 9 days 17 h; on standard: 8 days of 8 h.
    assert own["a"]["total_float"] == pytest.approx(9 + 17 / 24)
    assert s["a"]["total_float"] == 8 and s["a"]["free_float"] == 8
    assert s.total_float_minutes[s.ids.index("a")] == 8 * 480
    # Elapsed durations keep elapsed float (MS Project); dates never change.
    assert s["e"]["total_float"] == own["e"]["total_float"]
    for aid in ("a", "b", "e"):
        for key in ("early_start", "early_finish", "late_start", "late_finish"):
            assert s[aid][key] == own[aid][key]
    # Start float (LS - ES) and the critical threshold use the project calendar too.
    start = pt.schedule(p, float_calendar="project", float_type="start")
    assert start["a"]["total_float"] == 8
    assert not pt.schedule(p, float_calendar="project", critical_float=7.9)["a"]["critical"]
    assert pt.schedule(p, float_calendar="project", critical_float=8)["a"]["critical"]
    with pytest.raises(pt.ValidationError, match="float_calendar"):
        pt.schedule(p, float_calendar="successor")


def test_ss_lag_from_actual_or_early_start() -> None:
    """P starts on day 0 (in progress, 6 days left) -> A FS; A started day 0, data date day 3,
    A has 4 days left; A -SS+5-> B. Retained logic holds A's remainder until P finishes (day 9).
    Actual start: B >= 0 + 5 and >= data date -> day 5. Early start: expired lag is 3 days,
    so B >= A's remaining start 9 + (5 - 3) = 11."""
    acts = [pt.Activity(id="P", duration=9, actual_start=START, remaining_duration=6),
            pt.Activity(id="A", duration=7, actual_start=START, remaining_duration=4),
            pt.Activity(id="B", duration=1)]
    links = [pt.Link(pred="P", succ="A"), pt.Link(pred="A", succ="B", type="SS", lag=5)]
    p = pt.Project(id="ss", start=START, calendar="7d", activities=acts, links=links,
                   data_date=pendulum.Date(2024, 1, 4))
    assert days(pt.schedule(p, ss_lag_from="actual_start"), "B", "early_start") == 5
    assert days(pt.schedule(p), "B", "early_start") == 11


# =========================================================================== options and API


def test_float_type_and_critical_threshold() -> None:
    p = pt.Project(id="t", start=START, calendar="7d",
                   activities=[pt.Activity(id="A", duration=5), pt.Activity(id="B", duration=4)])
    s = pt.schedule(p, critical_float=1)
    assert s["B"]["total_float"] == 1 and s["B"]["critical"]
    assert not pt.schedule(p)["B"]["critical"]
    # A mandatory finish makes start and finish float differ.
    q = p.with_activity(pt.Activity(id="B", duration=4, constraints=[
        pt.Constraint("mandatory_start", pendulum.Date(2024, 1, 2))]))
    for ft in ("finish", "start", "smallest"):
        assert pt.schedule(q, float_type=ft)["B"]["total_float"] == 0


def test_longest_path_definition_and_open_ends() -> None:
    p = chain(3, 3)
    p = p.extend(activities=[pt.Activity(id="X", duration=1)])
    s = pt.schedule(p, critical_path="longest_path")
    assert s.critical.tolist() == [True, True, False]
    assert pt.schedule(p, open_ends_critical=True).critical.tolist() == [True, True, True]


def test_unknown_option_and_bad_values() -> None:
    p = chain(1)
    with pytest.raises(pt.ValidationError, match="lag_calender"):
        pt.schedule(p, lag_calender="successor")
    with pytest.raises(pt.ValidationError, match="float_type"):
        pt.schedule(p, float_type="total")
    with pytest.raises(pt.UnknownReferenceError):
        pt.schedule(p)["nope"]
    with pytest.raises(pt.ValidationError):
        pt.schedule(p).with_durations({"A": -1})


def test_cycle_is_refused_naming_it() -> None:
    G = nx.MultiDiGraph()
    G.add_edge("a", "b")
    G.add_edge("b", "c")
    G.add_edge("c", "a")
    with pytest.raises(pt.DependencyCycleError) as info:
        project_of(G)
    assert info.value.cycle == ("a", "b", "c", "a")


def test_records_pandas_and_html() -> None:
    pd = pytest.importorskip("pandas")
    rng = random.Random(3)
    p = rich_project(rng, 30)
    s = pt.schedule(p)
    recs = s.to_records()
    df = s.to_pandas()
    assert list(df.columns)[:5] == ["id", "name", "kind", "calendar", "status"]
    assert len(df) == len(recs) == len(p.activities)
    for col in ("early_start", "early_finish", "late_start", "late_finish"):
        assert str(df[col].dt.tz) == TZ
        got = [None if v is pd.NaT else pendulum.instance(v.to_pydatetime()) for v in df[col]]
        assert got == [r[col] for r in recs]
    np.testing.assert_array_equal(df["total_float"].to_numpy(),
                                  np.array([r["total_float"] for r in recs]))
    html = s._repr_html_(max_rows=5)
    assert html.count("<tr") == 1 + 5 + 1 and "more activities" in html
    assert s[p.activities[0].id] == recs[0]


def test_daylight_saving_wall_times_agree_between_records_and_pandas() -> None:
    pytest.importorskip("pandas")
    # 49.5 h from 2024-11-01 00:00 in New York ends at 01:30 on the fall-back night,
    # a wall time that happens twice; the engine counts wall-clock minutes.
    acts = [pt.Activity(id="a", duration=49.5, duration_unit="h"),
            pt.Activity(id="b", duration=1)]
    p = pt.Project(id="ny", start=pendulum.Date(2024, 11, 1), timezone="America/New_York",
                   calendar="24h", activities=acts, links=[pt.Link(pred="a", succ="b")])
    s = pt.schedule(p)
    df = s.to_pandas()
    assert s["a"]["early_finish"].hour == 1 and s["a"]["early_finish"].minute == 30
    for rec, (_, row) in zip(s.to_records(), df.iterrows(), strict=True):
        for key in ("early_start", "early_finish", "late_start", "late_finish"):
            assert pendulum.instance(row[key].to_pydatetime()) == rec[key]


def test_with_durations_reuses_the_compiled_project() -> None:
    rng = random.Random(9)
    G = random_graph(rng, 40)
    p = project_of(G)
    s = pt.schedule(p)
    compiled = p.__dict__["_cpm_compiled"]
    target = next(iter(G.nodes))
    G.nodes[target]["duration"] += 4
    s2 = s.with_durations({target: G.nodes[target]["duration"]})
    assert p.__dict__["_cpm_compiled"] is compiled
    assert_matches_oracle(G, s2)
    assert s2[target]["duration"] == G.nodes[target]["duration"]
    with pytest.raises(pt.UnknownReferenceError):
        s.with_durations({"missing": 1})


def test_empty_project() -> None:
    s = pt.schedule(pt.Project(id="e", start=START))
    assert len(s) == 0 and s.to_records() == [] and s.critical_path() == []
    assert s.finish == at(2024, 1, 1)


# =========================================================================== split tasks


def _split_project(splits: list[pt.Split], **progress: Any) -> pt.Project:
    return pt.Project(id="s", start=START, calendar="standard", data_date=at(2024, 1, 8),
                      activities=[pt.Activity(id="a", duration=10, splits=splits, **progress),
                                  pt.Activity(id="b", duration=1)],
                      links=[pt.Link(pred="a", succ="b")])


def test_splits_lengthen_the_span_by_their_pauses():
    s = pt.schedule(_split_project([pt.Split(2, 3), pt.Split(6, 1)]))
    plain = pt.schedule(_split_project([]).replace(activities=[
        pt.Activity(id="a", duration=14), pt.Activity(id="b", duration=1)]))
    for field in ("early_start", "early_finish", "late_start", "late_finish", "total_float"):
        assert s["a"][field] == plain["a"][field], field
        assert s["b"][field] == plain["b"][field], field
    assert s["a"]["duration"] == 10  # the work is unchanged


def test_in_progress_splits_count_only_pauses_ahead():
    # 4 of 10 days done: the pause after 2 days is behind, the one after 7 ahead.
    started = {"actual_start": at(2024, 1, 2, 8), "remaining_duration": 6}
    s = pt.schedule(_split_project([pt.Split(2, 3), pt.Split(7, 2)], **started))
    plain = pt.schedule(_split_project([], **{**started, "remaining_duration": 8}))
    assert s["a"]["early_finish"] == plain["a"]["early_finish"]
    by_percent = pt.schedule(_split_project([pt.Split(2, 3), pt.Split(7, 2)],
                                            actual_start=at(2024, 1, 2, 8),
                                            percent_complete=40))
    assert by_percent["a"]["early_finish"] == plain["a"]["early_finish"]


@pytest.mark.parametrize("float_type", ["start", "finish", "smallest"])
@pytest.mark.parametrize("deadline", [pendulum.Date(2008, 1, 1), pendulum.Date(1990, 6, 1)])
def test_project_calendar_floats_far_before_the_start(float_type: str,
                                                      deadline: pendulum.Date) -> None:
    """A must-finish-by long past puts late dates far before the horizon the passes
    needed; re-measuring float on the project calendar must grow it, not fail
    (found by the MSPDI writer's property test)."""
    project = pt.Project(
        id="p", start=pendulum.Date(2009, 1, 1),
        activities=[pt.Activity(id="a", duration=59), pt.Activity(id="b", duration=3)],
        links=[pt.Link(pred="a", succ="b")], must_finish_by=deadline,
        options=pt.ScheduleOptions(float_calendar="project", float_type=float_type))
    on_project = pt.schedule(project)
    on_activity = pt.schedule(project.replace(
        options=pt.ScheduleOptions(float_calendar="activity", float_type=float_type)))
    # One calendar for everything: the same float either way, and hugely negative.
    assert on_project.total_float.tolist() == on_activity.total_float.tolist()
    assert on_project["b"]["late_finish"] < pendulum.datetime(deadline.year, deadline.month,
                                                              deadline.day + 1, tz=TZ)
    assert (on_project.total_float < -250).all()


def test_work_pieces_of_a_split_activity_in_progress():
    # Worked out by hand on `standard` (Mon-Fri, 8 h): 4 of 10 days done on the data
    # date Mon 8 Jan 2024. The pause after 2 days is behind; the remaining 6 days
    # run 3 days (to Wed 10 Jan 17:00), pause 2 days (Thu 11, Fri 12), then 3 days
    # from Mon 15 Jan 08:00 to Wed 17 Jan 17:00.
    s = pt.schedule(_split_project([pt.Split(2, 3), pt.Split(7, 2)],
                                   actual_start=at(2024, 1, 2, 8), remaining_duration=6))
    assert s.work_pieces("a") == [(at(2024, 1, 8, 8), at(2024, 1, 10, 17)),
                                  (at(2024, 1, 15, 8), at(2024, 1, 17, 17))]
    assert s.work_pieces("b") == [(s["b"]["early_start"], s["b"]["early_finish"])]
    # Finished work has no pieces; a pause right where the work stands comes first.
    done = pt.schedule(_split_project([pt.Split(2, 3)], actual_start=at(2024, 1, 2, 8),
                                      actual_finish=at(2024, 1, 5, 17)))
    assert done.work_pieces("a") == []
    paused = pt.schedule(_split_project([pt.Split(4, 2)], actual_start=at(2024, 1, 2, 8),
                                        remaining_duration=6))
    assert paused.work_pieces("a") == [(at(2024, 1, 10, 8), at(2024, 1, 17, 17))]
