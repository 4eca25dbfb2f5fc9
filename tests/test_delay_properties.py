"""Delay analysis properties: injected delays are recovered, sums hold, removal never delays.

The projects here are built in two steps: a plan (random network, planned
durations), then an "as built" history made by injecting delays of known
lengths by known parties and scheduling the lengthened network; the events
(started, suspended/resumed, returned/resubmitted, failed attempts,
finished/approved) are written from those dates. The analysis must then give
back what was injected.
"""

from __future__ import annotations

from typing import Any

import pendulum
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import projtrack as pt

D = pendulum.Date
START = D(2024, 1, 1)  # a Monday
END = D(2026, 12, 31)
CAL = pt.get_calendar("standard")
PARTIES = ("p1", "p2", "p3")
AGENCIES = ("a1", "a2")
TASK_DELAYS = ("suspension", "performance", "failed_attempt")
APPROVAL_DELAYS = ("applicant", "approval_overrun")


def wd(day: Any, n: int) -> pendulum.Date:
    return CAL.add_working_days(day, n)


def build(specs: list[dict[str, Any]], links: list[tuple[str, str, str, float]],
          injected: dict[str, tuple[str, int, str, int]]) -> tuple[pt.Project, pt.Baseline]:
    """The plan, and the project with the injected delays written as its history.

    An approval's planned ``P`` working days start on the day it is submitted,
    which a statutory limit does not count (docs/calendars.md): the limit that
    the plan uses up exactly is ``P - 1`` working days after submission.
    """
    acts = [
        pt.Activity(id=a["id"], kind=a["kind"], duration=a["P"], party=a["party"],
                    agency=a.get("agency"),
                    time_limit=a["P"] - 1 if a["kind"] == "approval" else None)
        for a in specs
    ]
    plan = pt.Project(
        id="inj", start=START, calendar="standard", activities=acts,
        links=[pt.Link(pred=p, succ=s, type=t, lag=lag) for p, s, t, lag in links],
        parties=[pt.Party(id=x) for x in (*PARTIES, *AGENCIES)],
    )
    baseline = pt.baseline(plan, name="plan")
    true = plan.replace(activities=[
        pt.Activity(id=a.id, kind=a.kind, duration=a.duration + injected[a.id][1],
                    party=a.party, agency=a.agency, time_limit=a.time_limit)
        if a.id in injected else a
        for a in plan.activities
    ])
    sched = pt.schedule(true)
    events: list[pt.Event] = []
    for a, rec in zip(plan.activities, sched.to_records(), strict=True):
        s, f = rec["early_start"].date(), rec["early_finish"].date()
        approval = a.kind == "approval"
        events.append(pt.Event(at=s, kind="submitted" if approval else "started",
                               activity=a.id))
        if a.id in injected:
            how, length, party, k = injected[a.id]
            if how == "suspension":
                stop = wd(s, k)
                events.append(pt.Event(at=stop, kind="suspended", activity=a.id, party=party,
                                       cause="weather"))
                events.append(pt.Event(at=wd(stop, length), kind="resumed", activity=a.id))
            elif how == "failed_attempt":
                events.append(pt.Event(at=wd(s, length - 1), kind="attempt", activity=a.id,
                                       outcome="failure", party=party, cause="land_transfer"))
            elif how == "applicant":
                back = wd(s, k - 1)
                events.append(pt.Event(at=back, kind="returned_for_revision", activity=a.id,
                                       party=a.agency, cause="third_party_review"))
                events.append(pt.Event(at=wd(back, length + 1), kind="resubmitted",
                                       activity=a.id))
        events.append(pt.Event(at=f, kind="approved" if approval else "finished",
                               activity=a.id))
    events.sort(key=lambda e: e.at)
    return plan.replace(events=events).as_of(END), baseline


@st.composite
def injected_projects(draw: st.DrawFn) -> tuple[pt.Project, pt.Baseline, dict[str, int], int]:
    """A critical backbone with injected delays, and side activities with ample float.

    Returns the project, its plan, the expected working days per party (only
    delays on the backbone count: side activities have at least 12 days of
    float, more than their delays) and the expected total.
    """
    n = draw(st.integers(2, 5))
    specs: list[dict[str, Any]] = []
    links: list[tuple[str, str, str, float]] = []
    for i in range(n):
        kind = draw(st.sampled_from(["task", "approval"]))
        specs.append({"id": f"c{i}", "kind": kind, "P": draw(st.integers(20, 30)),
                      "party": draw(st.sampled_from(PARTIES)),
                      "agency": draw(st.sampled_from(AGENCIES)) if kind == "approval" else None,
                      "side": False})
        if i:
            links.append((f"c{i - 1}", f"c{i}", "FS", 0))
    for i in range(n - 2):
        if draw(st.booleans()):
            specs.append({"id": f"s{i}", "kind": "task", "P": draw(st.integers(2, 3)),
                          "party": draw(st.sampled_from(PARTIES)), "side": True})
            links += [(f"c{i}", f"s{i}", "FS", 0), (f"s{i}", f"c{i + 2}", "FS", 0)]
    injected: dict[str, tuple[str, int, str, int]] = {}
    expected: dict[str, int] = {}
    for a in specs:
        if not draw(st.booleans()):
            continue
        length = draw(st.integers(1, 5 if a["side"] else 10))
        how = draw(st.sampled_from(APPROVAL_DELAYS if a["kind"] == "approval" else TASK_DELAYS))
        party = {
            "suspension": draw(st.sampled_from(PARTIES)),
            "failed_attempt": draw(st.sampled_from(PARTIES)),
            "performance": a["party"],
            "applicant": a["party"],
            "approval_overrun": a.get("agency"),
        }[how]
        k = draw(st.integers(1, a["P"] - 1))
        injected[a["id"]] = (how, length, party, k)
        if not a["side"]:
            expected[party] = expected.get(party, 0) + length
    project, plan = build(specs, links, injected)
    return project, plan, expected, sum(expected.values())


@given(injected_projects())
def test_injected_delays_are_recovered_exactly(case: Any) -> None:
    project, plan, expected, total = case
    a = pt.collapsed_as_built(project, plan, limit_calendar="standard")
    assert a.mismatches == []
    assert a.total_days == total
    got = {g: d for g, d in a.attributed.items() if d}
    assert got == {p: float(d) for p, d in expected.items() if d}
    assert (a.concurrency_days, a.gains_days, a.unattributed_days) == (0, 0, 0)


@given(injected_projects())
def test_injected_delays_by_kind_are_recovered(case: Any) -> None:
    project, plan, _, total = case
    segs = pt.delay_segments(project, plan, limit_calendar="standard")
    assert all(s.days > 0 for s in segs.segments)  # nothing but the injected delays
    by_kind = pt.collapsed_as_built(project, plan, by="kind", limit_calendar="standard")
    assert sum(by_kind.attributed.values()) == total
    assert by_kind.concurrency_days == 0


@given(
    a=st.integers(0, 10), b=st.integers(0, 10),
    pa=st.sampled_from(PARTIES), pb=st.sampled_from(PARTIES),
)
def test_parallel_delays_are_stated_as_concurrency(a: int, b: int, pa: str, pb: str) -> None:
    assume(pa != pb)
    specs = [
        {"id": "x", "kind": "task", "P": 20, "party": pa},
        {"id": "y", "kind": "task", "P": 20, "party": pb},
        {"id": "end", "kind": "task", "P": 1, "party": pa},
    ]
    links = [("x", "end", "FS", 0), ("y", "end", "FS", 0)]
    injected = {}
    if a:
        injected["x"] = ("performance", a, pa, 1)
    if b:
        injected["y"] = ("suspension", b, pb, 3)
    project, plan = build(specs, links, injected)
    scl = pt.collapsed_as_built(project, plan, limit_calendar="standard")
    assert scl.total_days == max(a, b)
    assert scl.attributed.get(pa, 0) == max(0, a - b)
    assert scl.attributed.get(pb, 0) == max(0, b - a)
    assert scl.concurrency_days == min(a, b)
    assert scl.policy.name == "scl" and "scl" in scl.summary()
    share = pt.collapsed_as_built(project, plan, policy="apportion", limit_calendar="standard")
    assert share.concurrency_days == 0
    assert share.attributed.get(pa, 0) == max(0, a - b) + min(a, b) / 2
    assert share.attributed.get(pb, 0) == max(0, b - a) + min(a, b) / 2
    assert "apportion" in share.summary()


@st.composite
def random_networks(draw: st.DrawFn) -> tuple[pt.Project, pt.Baseline]:
    """Any acyclic network (all link types, lags, leads), delays injected anywhere."""
    n = draw(st.integers(1, 7))
    specs = []
    for i in range(n):
        kind = draw(st.sampled_from(["task", "approval"]))
        specs.append({"id": f"n{i}", "kind": kind, "P": draw(st.integers(2, 12)),
                      "party": draw(st.sampled_from(PARTIES)),
                      "agency": draw(st.sampled_from(AGENCIES)) if kind == "approval" else None})
    links = []
    for _ in range(draw(st.integers(0, 2 * n))):
        if n < 2:
            break
        i = draw(st.integers(0, n - 2))
        j = draw(st.integers(i + 1, n - 1))
        links.append((f"n{i}", f"n{j}", draw(st.sampled_from(["FS", "SS", "FF", "SF"])),
                      draw(st.integers(-2, 5))))
    injected = {}
    for a in specs:
        if draw(st.booleans()):
            how = draw(st.sampled_from(APPROVAL_DELAYS if a["kind"] == "approval"
                                       else TASK_DELAYS))
            party = {"performance": a["party"], "applicant": a["party"],
                     "approval_overrun": a.get("agency")}.get(how) or draw(
                st.sampled_from(PARTIES))
            injected[a["id"]] = (how, draw(st.integers(1, 8)), party,
                                 draw(st.integers(1, a["P"] - 1)))
    return build(specs, links, injected)


@given(random_networks(), st.sampled_from(["party", "cause", "activity", "kind"]),
       st.sampled_from(["scl", "apportion"]))
def test_attribution_always_adds_up_and_removal_never_delays(
    case: tuple[pt.Project, pt.Baseline], by: str, policy: str
) -> None:
    project, plan = case
    a = pt.collapsed_as_built(project, plan, by=by, policy=policy, limit_calendar="standard")
    assert a.mismatches == []  # the as-built network reproduces the actual dates
    parts = sum(a.attributed.values()) + a.concurrency_days + a.gains_days
    assert parts + a.unattributed_days == pytest.approx(a.total_days, abs=1e-9)
    assert sum(r["days"] for r in a.to_records()) == pytest.approx(a.total_days, abs=1e-9)
    assert a.balanced
    for finish in a.but_for_finishes.values():
        assert finish <= a.as_built_finish  # removing one group's delays never makes it later
    assert a.but_for_finish <= min(a.but_for_finishes.values(), default=a.as_built_finish)
    if policy == "scl":
        assert all(d >= 0 for d in a.attributed.values())
    elif a.attributed:
        # apportion leaves nothing stated, and never makes an attribution negative
        assert a.concurrency_days == 0
        assert all(d >= 0 for d in a.attributed.values())


def test_serial_delays_that_share_float_are_counted_once_by_apportion() -> None:
    # x (10 d) -> z (2 d), parallel y (13 d). The applicant (p1) on x and the agency (a1) on
    # z each add 1 day: each alone is absorbed by y's float of 1 day, together they are 1
    # day late. Removing either gives the day back: both are but-for causes of it.
    specs = [
        {"id": "x", "kind": "approval", "P": 10, "party": "p1", "agency": "a1"},
        {"id": "z", "kind": "approval", "P": 2, "party": "p2", "agency": "a1"},
        {"id": "y", "kind": "task", "P": 13, "party": "p3"},
    ]
    injected = {"x": ("applicant", 1, "p1", 1), "z": ("approval_overrun", 1, "a1", 1)}
    project, plan = build(specs, [("x", "z", "FS", 0)], injected)
    scl = pt.collapsed_as_built(project, plan, limit_calendar="standard")
    assert scl.total_days == 1
    assert scl.attributed == {"a1": 1, "p1": 1}
    assert scl.concurrency_days == -1  # stated: the same day counted for both
    share = pt.collapsed_as_built(project, plan, policy="apportion", limit_calendar="standard")
    assert share.attributed == {"a1": 0.5, "p1": 0.5} and share.concurrency_days == 0


@given(injected_projects(), st.lists(st.integers(0, 300), min_size=1, max_size=4))
def test_windows_add_up_to_the_total(case: Any, offsets: list[int]) -> None:
    project, plan, _, total = case
    dates = sorted({START.add(days=o) for o in offsets} | {END})
    w = pt.windows_analysis(project, dates, baseline=plan, limit_calendar="standard")
    assert w.total_days == pytest.approx(total, abs=1e-9)
    assert all(att.balanced for att in w.windows)
    assert [r["slippage_days"] for r in w.to_records()] == [att.total_days for att in w.windows]
    attributed = sum(sum(att.attributed.values()) for att in w.windows)
    # Delays on the backbone are serial: nothing is concurrent, in any window.
    assert all(att.concurrency_days == 0 for att in w.windows)
    assert attributed + sum(att.gains_days + att.unattributed_days for att in w.windows) == (
        pytest.approx(total, abs=1e-9))
