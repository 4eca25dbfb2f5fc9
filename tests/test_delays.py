"""Delay analysis on small hand-computed cases and on the Renhe Road story."""

from __future__ import annotations

from typing import Any

import pendulum
import pytest

import projtrack as pt
from projtrack.delays import ApportionPolicy, SCLPolicy, get_policy

D = pendulum.Date
MON = D(2024, 3, 4)  # a Monday; the standard calendar works Monday to Friday
CN = pt.get_calendar("cn")


END = D(2024, 6, 28)


def project(acts: list[pt.Activity], links: list[tuple[str, str]], events: list[pt.Event],
            *, data_date: Any = END) -> pt.Project:
    parties = {a.party for a in acts} | {a.agency for a in acts} | {e.party for e in events}
    p = pt.Project(id="t", start=MON, activities=acts,
                   links=[pt.Link(pred=a, succ=b) for a, b in links],
                   parties=[pt.Party(id=x) for x in sorted(parties - {None})], events=events)
    return p.as_of(data_date)


def ev(day: int, kind: str, activity: str | None = None, month: int = 3, **kw: Any) -> pt.Event:
    return pt.Event(at=D(2024, month, day), kind=kind, activity=activity, **kw)


def plan_of(p: pt.Project) -> pt.Baseline:
    return pt.baseline(p, name="plan", planned=True)


# --------------------------------------------------------------------------- segments


def test_suspension_and_overrun_on_the_critical_path() -> None:
    p = project(
        [pt.Activity(id="permit", kind="approval", duration=5, party="owner", agency="bureau",
                     time_limit=5),
         pt.Activity(id="build", duration=10, party="builder")],
        [("permit", "build")],
        [ev(4, "submitted", "permit"), ev(15, "approved", "permit"),     # 10 days, limit 5
         ev(18, "started", "build"), ev(20, "suspended", "build", cause="weather"),
         ev(22, "resumed", "build"), ev(2, "finished", "build", month=4)],
    )
    # The limit does not count the day of submission (Mon 4 Mar): its 5 working days are
    # 5-8 and 11 Mar, so the bureau overran by 12-15 Mar = 4 days. The permit's 10 days
    # against 5 planned leave 1 day (the submission day, which the plan counted) to the
    # applicant's performance.
    segs = pt.delay_segments(p, plan_of(p), limit_calendar="standard")
    assert [(s.activity, s.kind, s.party, s.cause, s.days) for s in segs.segments] == [
        ("permit", "performance", "owner", "performance", 1),   # placed last before 12 Mar
        ("permit", "approval_overrun", "bureau", "approval_overrun", 4),
        ("build", "suspension", "builder", "weather", 2),
    ]
    over = segs.segments[1]
    assert (over.start, over.end) == (pendulum.datetime(2024, 3, 12, 8, tz="Asia/Shanghai"),
                                      pendulum.datetime(2024, 3, 15, 17, tz="Asia/Shanghai"))
    a = pt.collapsed_as_built(p, plan_of(p), limit_calendar="standard")
    assert a.total_days == 7
    assert a.attributed == {"bureau": 4, "builder": 2, "owner": 1}
    assert (a.concurrency_days, a.gains_days, a.unattributed_days) == (0, 0, 0)
    by_cause = pt.collapsed_as_built(p, plan_of(p), by="cause", limit_calendar="standard")
    assert by_cause.attributed == {"approval_overrun": 4, "performance": 1, "weather": 2}


def test_start_gap_goes_to_a_project_wide_spell_then_to_the_late_party() -> None:
    p = project(
        [pt.Activity(id="a", duration=2, party="x"), pt.Activity(id="b", duration=3, party="y")],
        [("a", "b")],
        [ev(4, "started", "a"), ev(5, "finished", "a"),
         ev(6, "suspended", party="owner", cause="funding"), ev(11, "resumed"),
         ev(13, "started", "b"), ev(15, "finished", "b")],
    )
    segs = [(s.kind, s.party, s.cause, s.days, s.gap) for s in pt.delay_segments(p).segments]
    assert segs == [("start_gap", "owner", "funding", 3, True),
                    ("start_gap", "y", "late_start", 2, True)]
    a = pt.collapsed_as_built(p)
    assert (a.total_days, a.attributed) == (5, {"owner": 3, "y": 2})


def test_added_work_takes_its_cause_from_its_first_event() -> None:
    plan = project([pt.Activity(id="a", duration=2, party="x"),
                    pt.Activity(id="b", duration=3, party="y")], [("a", "b")], [])
    base = plan_of(plan)
    p = project(
        [pt.Activity(id="a", duration=2, party="x"), pt.Activity(id="fix", duration=4, party="z"),
         pt.Activity(id="b", duration=3, party="y")],
        [("a", "fix"), ("fix", "b")],
        [ev(4, "started", "a"), ev(5, "finished", "a"),
         ev(6, "started", "fix", cause="design_change"), ev(11, "finished", "fix"),
         ev(12, "started", "b"), ev(14, "finished", "b")],
    )
    segs = pt.delay_segments(p, base).segments
    assert [(s.activity, s.kind, s.party, s.cause, s.days) for s in segs] == [
        ("fix", "added_work", "z", "design_change", 4)]
    a = pt.collapsed_as_built(p, base, by="cause")
    assert (a.total_days, a.attributed) == (4, {"design_change": 4})


def test_gains_are_reported_apart_and_keep_the_sum() -> None:
    p = project(
        [pt.Activity(id="a", duration=5, party="x"), pt.Activity(id="b", duration=3, party="y")],
        [("a", "b")],
        [ev(4, "started", "a"), ev(6, "finished", "a"),                  # 3 days instead of 5
         ev(7, "started", "b"), ev(8, "suspended", "b", party="owner"),
         ev(12, "resumed", "b"), ev(13, "finished", "b")],               # 2 days suspended
    )
    a = pt.collapsed_as_built(p)
    assert a.total_days == 0
    assert a.attributed == {"owner": 2}
    assert (a.gains_days, a.concurrency_days, a.unattributed_days) == (-2, 0, 0)
    gains = [s for s in pt.delay_segments(p).segments if s.days < 0]
    assert [(s.activity, s.days, s.start) for s in gains] == [("a", -2, None)]


def test_failed_attempts_are_delays_of_the_attempting_party() -> None:
    p = project(
        [pt.Activity(id="listing", duration=5, party="owner")], [],
        [ev(4, "started", "listing"),
         ev(6, "attempt", "listing", outcome="failure", party="liq", cause="land_transfer"),
         ev(8, "attempt", "listing", outcome="failure", party="liq", cause="land_transfer"),
         ev(15, "attempt", "listing", outcome="success")],
    )
    segs = pt.delay_segments(p).segments
    assert [(s.kind, s.party, s.cause, s.days) for s in segs] == [
        ("failed_attempt", "liq", "land_transfer", 3),
        ("failed_attempt", "liq", "land_transfer", 2)]
    a = pt.collapsed_as_built(p, by="activity")
    assert (a.total_days, a.attributed) == (5, {"listing": 5})


def test_applicant_time_belongs_to_the_applicant_and_limits_restart_each_round() -> None:
    p = pt.Project(
        id="cn", start=D(2024, 9, 2), calendar="cn",
        activities=[pt.Activity(id="permit", kind="approval", duration=10, party="dev",
                                agency="bureau", time_limit=5)],
        parties=[pt.Party(id="dev"), pt.Party(id="bureau")],
        events=[pt.Event(at=D(2024, 9, 23), kind="submitted", activity="permit"),
                pt.Event(at=D(2024, 9, 27), kind="returned_for_revision", activity="permit",
                         party="bureau", cause="third_party_review"),
                pt.Event(at=D(2024, 10, 9), kind="resubmitted", activity="permit"),
                pt.Event(at=D(2024, 10, 18), kind="approved", activity="permit")],
    ).as_of(D(2024, 12, 31))
    # Round 1, after Mon 23 Sep: 24-27 Sep = 4. With the applicant from the return to the
    # resubmission: Sun 29 Sep (worked), 30 Sep, 8 Oct = 3. Round 2, after Wed 9 Oct:
    # 10, 11, Sat 12 Oct (worked), 14-18 Oct = 8, 3 over the limit of 5.
    round1, applicant, round2 = 4, 3, 8
    cyc = pt.approval_cycles(p).to_records()[0]
    assert (cyc["rounds"], cyc["round_days"], cyc["applicant_days"]) == (
        2, [round1, round2], applicant)
    assert cyc["agency_days"] == round1 + round2
    assert cyc["overrun_days"] == 3
    assert cyc["returns"] == ["third_party_review"] and cyc["outcome"] == "approved"
    segs = {s.kind: s for s in pt.delay_segments(p, plan_of(p)).segments}
    assert (segs["applicant"].party, segs["applicant"].cause, segs["applicant"].days) == (
        "dev", "third_party_review", applicant)
    assert segs["approval_overrun"].party == "bureau"
    assert segs["approval_overrun"].days == cyc["overrun_days"]


def _open_permit(**changes: Any) -> pt.Project:
    """A permit returned once and resubmitted on 8 Oct 2024, not decided yet."""
    act = pt.Activity(id="permit", kind="approval", duration=10, party="dev", agency="bureau",
                      **changes)
    return pt.Project(
        id="cn", start=D(2024, 9, 2), calendar="cn", activities=[act],
        parties=[pt.Party(id="dev"), pt.Party(id="bureau")],
        events=[pt.Event(at=D(2024, 9, 23), kind="submitted", activity="permit"),
                pt.Event(at=D(2024, 9, 25), kind="returned_for_revision", activity="permit"),
                pt.Event(at=D(2024, 10, 8), kind="resubmitted", activity="permit")])


def test_approval_cycles_cut_off_rounds_and_default_limits() -> None:
    p = _open_permit()
    # Round 1 after Mon 23 Sep: 24, 25 Sep = 2. The open round counts up to the cut-off
    # day's 00:00, so not that day itself: after Tue 8 Oct up to Mon 14 Oct, 9, 10, 11,
    # Sat 12 Oct (worked), 14 Oct = 5.
    round1, round2 = 2, 5
    (r,) = pt.approval_cycles(p, as_of=D(2024, 10, 15), time_limits={"permit": 5}).to_records()
    assert (r["round_days"], r["holder"], r["time_limit"]) == ([round1, round2], "agency", 5)
    assert r["overrun_days"] == 0
    assert r["agency_days"] == round1 + round2
    # The activity's own time_limit wins over the mapping; without a limit, no overrun.
    (r,) = pt.approval_cycles(_open_permit(time_limit=3), as_of=D(2024, 10, 15),
                              time_limits={"permit": 5}).to_records()
    assert r["time_limit"] == 3 and r["overrun_days"] == 2
    (r,) = pt.approval_cycles(p, as_of=D(2024, 10, 15)).to_records()
    assert (r["time_limit"], r["overrun_days"]) == (None, 0)
    # Back with the applicant at the cut-off: the applicant's time runs, not the agency's.
    (r,) = pt.approval_cycles(p.as_of(D(2024, 10, 1)), as_of=D(2024, 10, 1)).to_records()
    assert (r["holder"], r["round_days"]) == ("applicant", [round1])


def test_approval_cycles_needs_no_schedule_for_dated_approvals() -> None:
    # The works are planned in a year without cn holiday data, so the project cannot be
    # scheduled on cn; the approval's own dates are all approval_cycles needs.
    late = pt.Activity(id="works", duration=5, constraints=[
        pt.Constraint("start_no_earlier_than", D(2099, 1, 5))])
    p = _open_permit(time_limit=5).extend(activities=[late])
    with pytest.raises(pt.CalendarError):
        pt.schedule(p)
    (r,) = pt.approval_cycles(p, as_of=D(2024, 10, 15)).to_records()
    assert r["rounds"] == 2 and r["holder"] == "agency"


def _national_day(*events: tuple[Any, str], time_limit: float | None = 2) -> pt.Project:
    """A permit on the cn calendar around National Day 2024.

    cn in 2024: 1-7 Oct off; Sun 29 Sep and Sat 12 Oct worked (make-up days); Sat
    28 Sep, Sat 5 and Sun 6 Oct off.
    """
    act = pt.Activity(id="permit", kind="approval", duration=3, party="dev", agency="bureau",
                      time_limit=time_limit)
    return pt.Project(
        id="cn", start=D(2024, 9, 2), calendar="cn", activities=[act],
        parties=[pt.Party(id="dev"), pt.Party(id="bureau")],
        events=[pt.Event(at=at, kind=kind, activity="permit") for at, kind in events])


def _t(day: int, month: int, hour: int) -> pendulum.DateTime:
    return pendulum.datetime(2024, month, day, hour, tz="Asia/Shanghai")


@pytest.mark.parametrize(("submitted", "decided", "days"), [
    # Fri 27 Sep -> Tue 8 Oct: the day of acceptance is not counted; Sun 29 Sep (worked),
    # Mon 30 Sep, Tue 8 Oct = 3 (counting 27 Sep too would give 4).
    (D(2024, 9, 27), D(2024, 10, 8), 3),
    # The same with times: accepted at 15:00, decided at 10:00. Whole days count, not
    # hours: 27 Sep is not counted, 8 Oct is.
    (_t(27, 9, 15), _t(8, 10, 10), 3),
    (D(2024, 9, 27), _t(8, 10, 10), 3),
    (_t(27, 9, 15), D(2024, 10, 8), 3),
    # Accepted on a make-up working day (Sun 29 Sep): not counted either; 30 Sep, 8 Oct.
    (D(2024, 9, 29), D(2024, 10, 8), 2),
    # Decided on a make-up working day (Sat 12 Oct), accepted the day before: 1.
    (D(2024, 10, 11), D(2024, 10, 12), 1),
    # Accepted on a holiday (Sat 5 Oct): the next working day (8 Oct) is day 1.
    (D(2024, 10, 5), D(2024, 10, 8), 1),
    # Decided on the day of acceptance: 0 days, dates or times.
    (D(2024, 9, 27), D(2024, 9, 27), 0),
    (_t(27, 9, 9), _t(27, 9, 16), 0),
    (_t(27, 9, 9), D(2024, 9, 27), 0),
])
def test_approval_rounds_count_working_days_as_statutory_limits_do(
    submitted: Any, decided: Any, days: int
) -> None:
    p = _national_day((submitted, "submitted"), (decided, "approved"))
    (r,) = pt.approval_cycles(p).to_records()
    assert (r["round_days"], r["agency_days"]) == ([days], days)
    assert r["overrun_days"] == max(0, days - 2)  # limit: 2 working days after acceptance


def test_statutory_count_agrees_with_the_calendar_helpers() -> None:
    # The documented rule (docs/calendars.md): a round decided on the n-th working day
    # after acceptance took n days, so a decision on add_working_days(day, limit) is on
    # time and one working day later is 1 day over.
    day = D(2024, 9, 27)
    due = CN.add_working_days(day, 2)
    assert due == D(2024, 9, 30)
    for decided, over in ((due, 0), (CN.add_working_days(day, 3), 1)):
        p = _national_day((day, "submitted"), (decided, "approved"))
        (r,) = pt.approval_cycles(p).to_records()
        assert r["overrun_days"] == over


def test_the_delay_analysis_uses_the_same_deadline_around_national_day() -> None:
    # Submitted Fri 27 Sep, returned Sun 29 Sep (worked), resubmitted Tue 8 Oct, approved
    # Mon 14 Oct; limit 2. Round 1: 29 Sep = 1. Round 2, after 8 Oct: 9, 10 Oct are the
    # limit (deadline: the end of 10 Oct), 11 Oct, Sat 12 Oct (worked) and Mon 14 Oct are
    # 3 days over.
    p = _national_day((D(2024, 9, 27), "submitted"), (D(2024, 9, 29), "returned_for_revision"),
                      (D(2024, 10, 8), "resubmitted"), (D(2024, 10, 14), "approved"))
    p = p.as_of(D(2024, 12, 31))
    (r,) = pt.approval_cycles(p).to_records()
    assert (r["round_days"], r["overrun_days"]) == ([1, 5], 3)
    over = [s for s in pt.delay_segments(p, plan_of(p)).segments if s.kind == "approval_overrun"]
    assert [(s.party, s.days) for s in over] == [("bureau", 3)]
    assert over[0].start == _t(11, 10, 8) and over[0].end == _t(14, 10, 17)
    # A timed acceptance moves nothing: the day it falls on is not counted, whatever the hour.
    timed = _national_day((D(2024, 9, 27), "submitted"),
                          (D(2024, 9, 29), "returned_for_revision"),
                          (_t(8, 10, 16), "resubmitted"), (_t(14, 10, 9), "approved"))
    timed = timed.as_of(D(2024, 12, 31))
    (r,) = pt.approval_cycles(timed).to_records()
    assert (r["round_days"], r["overrun_days"]) == ([1, 5], 3)
    over = [s for s in pt.delay_segments(timed, plan_of(timed)).segments
            if s.kind == "approval_overrun"]
    assert over[0].start == _t(11, 10, 8) and over[0].end == _t(14, 10, 9)
    # Limit 0: only a decision on the day of acceptance is on time.
    same_day = _national_day((D(2024, 10, 8), "submitted"), (D(2024, 10, 8), "approved"),
                             time_limit=0).as_of(D(2024, 12, 31))
    assert pt.approval_cycles(same_day).to_records()[0]["overrun_days"] == 0
    assert not [s for s in pt.delay_segments(same_day, plan_of(same_day)).segments
                if s.kind == "approval_overrun"]


def test_an_open_round_counts_up_to_the_cut_off() -> None:
    p = _national_day((D(2024, 9, 27), "submitted"))
    # A cut-off day means its 00:00: by Tue 8 Oct, 29 and 30 Sep have passed = 2.
    (r,) = pt.approval_cycles(p, as_of=D(2024, 10, 8)).to_records()
    assert (r["round_days"], r["holder"], r["overrun_days"]) == ([2], "agency", 0)
    # A cut-off instant counts the day it falls in, like a decision at that time would.
    (r,) = pt.approval_cycles(p, as_of=_t(8, 10, 10)).to_records()
    assert (r["round_days"], r["overrun_days"]) == ([3], 1)
    assert pt.approval_cycles(p, as_of=_t(8, 10, 0)).to_records()[0]["round_days"] == [2]


# --------------------------------------------------------------------------- policies


def test_policies_by_name_and_custom_policy_objects() -> None:
    assert isinstance(get_policy(), SCLPolicy) and isinstance(get_policy("apportion"),
                                                              ApportionPolicy)
    with pytest.raises(pt.ValidationError, match="unknown concurrency policy"):
        get_policy("dominant")
    with pytest.raises(pt.ValidationError, match="not a concurrency policy"):
        get_policy(42)  # type: ignore[arg-type]

    class Greedy:
        """Give every concurrent day to the first group (a 'dominant cause' rule)."""

        name = "first"
        description = "all concurrent days to the first party"
        needs_solo = False

        def allocate(self, attributed: Any, concurrency: int, solo: Any) -> Any:
            out = dict(attributed)
            out[next(iter(out))] += concurrency
            return out, 0

    class Leaky(Greedy):
        def allocate(self, attributed: Any, concurrency: int, solo: Any) -> Any:
            return dict(attributed), 0

    p = project(
        [pt.Activity(id="x", duration=5, party="a"), pt.Activity(id="y", duration=5, party="b"),
         pt.Activity(id="end", duration=1, party="a")],
        [("x", "end"), ("y", "end")],
        [ev(4, "started", "x"), ev(12, "finished", "x"),                  # 2 days late (a)
         ev(4, "started", "y"), ev(12, "finished", "y"),                  # 2 days late (b)
         ev(13, "started", "end"), ev(13, "finished", "end")],
    )
    scl = pt.collapsed_as_built(p)
    assert (scl.attributed, scl.concurrency_days) == ({"a": 0, "b": 0}, 2)
    greedy = pt.collapsed_as_built(p, policy=Greedy())
    assert sum(greedy.attributed.values()) == 2 and greedy.concurrency_days == 0
    assert "policy first: all concurrent days to the first party" in greedy.summary()
    with pytest.raises(pt.ValidationError, match="does not preserve the total"):
        pt.collapsed_as_built(p, policy=Leaky())


# --------------------------------------------------------------------------- windows


def test_windows_over_the_history_and_over_given_updates() -> None:
    p = project(
        [pt.Activity(id="a", duration=5, party="x"), pt.Activity(id="b", duration=5, party="y")],
        [("a", "b")],
        [ev(4, "started", "a"), ev(6, "suspended", "a", cause="weather"), ev(8, "resumed", "a"),
         ev(12, "finished", "a"), ev(13, "started", "b"), ev(25, "finished", "b")],
    )
    total = pt.collapsed_as_built(p)
    assert total.total_days == 6  # 2 suspended days on a, then b takes 9 days instead of 5
    w = pt.windows_analysis(p, [D(2024, 3, 12), D(2024, 3, 29)])
    assert [r["slippage_days"] for r in w.to_records()] == [2, 4]
    assert w.windows[0].attributed == {"x": 2} and w.windows[1].attributed == {"y": 4}
    assert w.total_days == total.total_days
    assert [r["driving"] for r in w.to_records()] == [["a"], ["b"]]
    assert {(r["window"], r["group"]) for r in w.detail() if r["kind"] == "attributed"} == {
        (1, "x"), (2, "y")}
    ups = [p.as_of(D(2024, 3, 12)), pt.schedule(p.as_of(D(2024, 3, 29)))]
    w2 = pt.windows_analysis(ups)
    assert len(w2.windows) == 1 and w2.to_records()[0]["slippage_days"] == 4
    assert w2.windows[0].attributed == {"y": 4}
    with pytest.raises(pt.ValidationError, match="dates"):
        pt.windows_analysis(p)
    with pytest.raises(pt.ValidationError, match="carries its own data dates"):
        pt.windows_analysis(ups, [D(2024, 3, 12)])


# --------------------------------------------------------------------------- stalls


def test_stalls_are_spells_with_nothing_moving() -> None:
    p = project(
        [pt.Activity(id="a", duration=2, party="x"), pt.Activity(id="b", duration=3, party="y")],
        [("a", "b")],
        [ev(4, "started", "a"), ev(5, "finished", "a"), ev(1, "started", "b", month=4),
         ev(3, "finished", "b", month=4)],
        data_date=D(2024, 4, 30),
    )
    s = pt.stalls(p, min_days=10)
    rows = s.to_records()
    assert [(str(r["start"].date()), str(r["end"].date()), r["working_days"], r["open"])
            for r in rows] == [("2024-03-06", "2024-04-01", 18, False),
                               ("2024-04-04", "2024-04-30", 18, True)]
    assert pt.stalls(p, min_days=18).to_records() == []
    # An event on any activity is a sign of life.
    q = project([*p.activities, pt.Activity(id="c", kind="approval", duration=1, party="x")],
                [("a", "b")], [*p.events, ev(18, "submitted", "c"), ev(18, "approved", "c")],
                data_date=D(2024, 4, 3))
    assert [r["working_days"] for r in pt.stalls(q, min_days=5).to_records()] == [8, 9]


def test_suspended_activities_do_not_count_as_moving() -> None:
    p = project(
        [pt.Activity(id="a", duration=30, party="x")], [],
        [ev(4, "started", "a"), ev(6, "suspended", "a", party="owner", cause="funding"),
         ev(3, "resumed", "a", month=6)],
        data_date=D(2024, 6, 10),
    )
    (row,) = pt.stalls(p, min_days=20).to_records()
    assert (row["start"].date(), row["end"].date()) == (D(2024, 3, 7), D(2024, 6, 3))
    assert (row["suspended"], row["causes"], row["parties"]) == (["a"], ["funding"], ["owner"])
    assert "funding" in pt.stalls(p, min_days=20).summary()


# --------------------------------------------------------------------------- errors


def test_argument_errors_name_the_argument() -> None:
    p = pt.load("examples/renhe-road.yaml")
    with pytest.raises(pt.UnknownReferenceError, match="not in baseline") as err:
        pt.collapsed_as_built(p, to="listing-1")
    assert err.value.field == "to"
    with pytest.raises(pt.ValidationError, match="cannot group by 'colour'"):
        pt.collapsed_as_built(p, to="bc-start", by="colour")
    with pytest.raises(pt.UnknownReferenceError, match="no baseline 'x'"):
        pt.delay_segments(p, "x")


# --------------------------------------------------------------------------- Renhe Road


@pytest.fixture(scope="module")
def renhe() -> Any:
    p = pt.load("examples/renhe-road.yaml")
    return p, pt.analyze_delays(p, to="bc-start")


def test_renhe_road_slippage_adds_up(renhe: Any) -> None:
    p, a = renhe
    planned = p.baselines[0].activity("bc-start").start.date()
    expected = CN.working_days_between(planned, D(2022, 12, 1))
    for att in (a.by_party, a.by_cause, a.by("activity"),
                pt.collapsed_as_built(p, to="bc-start", policy="apportion")):
        assert att.total_days == expected
        parts = sum(att.attributed.values()) + att.concurrency_days + att.gains_days
        assert parts + att.unattributed_days == pytest.approx(expected, abs=1e-9)
        assert att.mismatches == []
    assert a.by_party.unattributed_days == 0
    assert max(a.by_party.attributed, key=a.by_party.attributed.get) == "original-developer"
    assert max(a.by_cause.attributed, key=a.by_cause.attributed.get) == "funding"


def test_renhe_road_shows_the_stall_listings_reviews_and_metro(renhe: Any) -> None:
    p, a = renhe
    stall = max(a.stalls.to_records(), key=lambda r: r["working_days"])
    assert stall["start"].year == 2014 and stall["end"].date() == D(2015, 4, 1)
    assert stall["causes"] == ["funding"]
    segs = a.segments.segments
    failed = [s for s in segs if s.kind == "failed_attempt"]
    assert [s.activity for s in failed] == ["listing-1", "listing-2", "listing-3"]
    assert {(s.party, s.cause) for s in failed} == {("liquidator", "land_transfer")}
    review2 = [s for s in segs if s.activity in ("pit-scheme-revision", "expert-review-2")]
    assert {(s.kind, s.cause) for s in review2} == {("added_work", "third_party_review")}
    approvals = {r["id"]: r for r in a.approvals.to_records()}
    assert approvals["expert-review-1"]["outcome"] == "rejected"
    metro = approvals["metro-pit-approval"]
    assert (metro["rounds"], metro["returns"]) == (2, ["third_party_review"])
    assert metro["overrun_days"] > 0 and metro["applicant_days"] > 0
    assert a.by_party.attributed["liquidator"] > 0
    # The approvals and the earthwork held the B/C start together: concurrency, stated.
    assert a.by_party.concurrency_days > 0
    shared = pt.collapsed_as_built(p, to="bc-start", policy="apportion")
    assert shared.concurrency_days == 0 and shared.attributed["qingdao-metro"] > 0


def test_renhe_road_windows_add_up(renhe: Any) -> None:
    p, a = renhe
    dates = [D(2013, 12, 31), D(2016, 12, 30), D(2021, 4, 9), D(2022, 12, 15)]
    w = pt.windows_analysis(p, dates, to="bc-start")
    assert w.total_days == a.by_party.total_days
    assert all(att.balanced for att in w.windows)
    assert w.windows[-1].attributed["baihesheng"] > 0
    assert w.windows[2].attributed["liquidator"] > 0


# --------------------------------------------------------------------------- display


def test_every_result_has_records_pandas_html_and_a_summary(renhe: Any) -> None:
    p, a = renhe
    w = pt.windows_analysis(p, [D(2016, 12, 30), D(2022, 12, 15)], to="bc-start")
    for result in (a, a.by_party, a.segments, a.stalls, a.approvals, a.planned_vs_built, w):
        records = result.to_records()
        df = result.to_pandas()
        assert len(df) == len(records) > 0
        assert list(df.columns) == list(type(result).columns)
        for col in type(result).datetime_columns:
            assert "Asia/Shanghai" in str(df[col].dtype), col
        html = result._repr_html_()
        assert '<table class="pt-table">' in html and "</table>" in html
        text = result.summary()
        assert text and str(result) == text
    rows = a.planned_vs_built.to_records()
    zone_a = next(r for r in rows if r["id"] == "zone-a-construction")
    assert zone_a["delay_days"] > 0 and "funding" in zone_a["causes"]
    assert next(r for r in rows if r["id"] == "listing-1")["change"] == "added"


def test_the_delays_command() -> None:
    from click.testing import CliRunner

    from projtrack.cli import cli

    runner = CliRunner()
    result = runner.invoke(cli, ["delays", "examples/renhe-road.yaml", "--to", "bc-start",
                                 "--by", "cause", "--policy", "apportion"])
    assert result.exit_code == 0, result.output
    assert "But-for attribution by cause to 'bc-start'" in result.output
    assert "policy apportion" in result.output and "stalls longer than" in result.output
    bad = runner.invoke(cli, ["delays", "examples/renhe-road.yaml", "--to", "listing-1"])
    assert bad.exit_code == 1 and "not in baseline" in bad.output
    assert "Traceback" not in bad.output


def test_a_planned_pause_is_not_a_delay() -> None:
    # 10 days of work with 3 + 1 days of planned pauses, finished on the 14th working day.
    tz = "Asia/Shanghai"

    def done(splits: list[pt.Split]) -> pt.Project:
        return pt.Project(
            id="s", start=pendulum.Date(2024, 3, 4), calendar="standard",
            data_date=pendulum.datetime(2024, 3, 25, 8, tz=tz),
            activities=[pt.Activity(id="pit", duration=10, splits=splits,
                                    actual_start=pendulum.datetime(2024, 3, 4, 8, tz=tz),
                                    actual_finish=pendulum.datetime(2024, 3, 21, 17, tz=tz))])

    assert pt.delay_segments(done([pt.Split(4, 3), pt.Split(7, 1)])).segments == []
    unplanned = pt.delay_segments(done([])).segments
    assert [(s.kind, s.days) for s in unplanned] == [("performance", 4.0)]
