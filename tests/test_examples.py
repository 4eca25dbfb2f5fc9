"""The example projects in ``examples/``: they load, round-trip, tell a consistent story and
carry the facts of the source page (Qingdao Daily, "Happy Shibei" page, December 2022).

The page facts asserted here are read from the page itself (see ``examples/README.md``), not
from the implementation. A small forward pass on the ``cn`` working-day calendar (5-day weeks,
the slowest calendar the examples use) checks that planned work fits in the years with
official holiday data and honours the targets printed on the page.
"""

from __future__ import annotations

import datetime as dt
import doctest
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import chinese_calendar
import networkx as nx
import pendulum
import pytest

import projtrack as pt
from projtrack.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
RENHE = EXAMPLES / "renhe-road.yaml"
PORTFOLIO = sorted((EXAMPLES / "shibei-portfolio").glob("*.yaml"))
ALL_FILES = [RENHE, *PORTFOLIO]
README = EXAMPLES / "README.md"

DATA_DATE = pendulum.Date(2022, 12, 15)
#: The only two days the page prints: the fourth listing won, zones B/C started.
PAGE_DAYS = {pendulum.Date(2021, 4, 9), pendulum.Date(2022, 12, 1)}
#: Last day with official Chinese holiday data in the ``cn`` calendar.
LAST_CALENDAR_DAY = dt.date(2026, 12, 31)

START_KINDS = {"started", "submitted"}
END_KINDS = {"finished", "approved", "rejected", "attempt"}
DELAY_KINDS = {"suspended", "returned_for_revision", "rejected"}
CAUSES = {
    "funding",
    "land_transfer",
    "policy_change",
    "planning_change",
    "third_party_review",
    "design_change",
    "epidemic",
    "weather",
    "utility_relocation",
    "utility_connection",
    "residents_consultation",
    "legal",
    "resettlement",
}
STAGES = {
    "initiation",
    "land",
    "planning_approval",
    "construction_permit",
    "construction",
    "completion",
    "registration",
    "fundraising",
    "investment",
}


def _ids(paths: list[Path]) -> list[str]:
    return [p.relative_to(EXAMPLES).as_posix() for p in paths]


@pytest.fixture(scope="module")
def renhe() -> pt.Project:
    return pt.load(RENHE)


def _day(value: Any) -> pendulum.Date:
    return pendulum.Date(value.year, value.month, value.day)


def _events(project: pt.Project, activity: str, *kinds: str) -> list[pt.Event]:
    return [e for e in project.events if e.activity == activity and (not kinds or e.kind in kinds)]


def _graph(project: pt.Project) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(a.id for a in project.activities)
    graph.add_edges_from((k.pred, k.succ) for k in project.links)
    return graph


# --------------------------------------------------------------------------- a forward pass


def _working_days_after(day: pendulum.Date) -> list[dt.date]:
    out = []
    current = dt.date(day.year, day.month, day.day)
    while current < LAST_CALENDAR_DAY:
        current += dt.timedelta(days=1)
        if chinese_calendar.is_workday(current):
            out.append(current)
    return out


def _in_days(value: float, unit: str) -> float:
    # Elapsed days are counted as working days: never shorter, so the pass stays conservative.
    return {"d": value, "ed": value, "h": math.ceil(value / 8), "eh": math.ceil(value / 24)}[unit]


def _forward_pass(project: pt.Project) -> dict[Any, tuple[float, float]]:
    """Early start/finish, in working days after the data date, of every unfinished activity.

    Every activity is counted on the 5-day ``cn`` calendar (the site calendar works more days).
    Activities in progress run from the data date for their remaining duration.
    """
    assert project.data_date is not None
    days = _working_days_after(_day(project.data_date))
    early: dict[Any, tuple[float, float]] = {}
    for aid in project.topological_order():
        act = project.activity(aid)
        if act.actual_finish is not None:
            continue
        remaining = act.remaining_duration if act.remaining_duration is not None else act.duration
        remaining = _in_days(remaining, act.duration_unit)
        if act.actual_start is not None:
            early[aid] = (0, remaining)
            continue
        start: float = 0
        for c in act.constraints:
            if c.type == "start_no_earlier_than":
                limit = dt.date(c.date.year, c.date.month, c.date.day)
                start = max(start, sum(1 for d in days if d < limit))
        for link in project.links:
            if link.succ != aid or link.pred not in early:
                continue
            pred_start, pred_finish = early[link.pred]
            lag = _in_days(link.lag, link.lag_unit)
            start = max(
                start,
                {
                    "FS": pred_finish + lag,
                    "SS": pred_start + lag,
                    "FF": pred_finish + lag - remaining,
                    "SF": pred_start + lag - remaining,
                }[link.type],
            )
        early[aid] = (start, start + remaining)
    return early


def _date_of(days: list[dt.date], count: float) -> dt.date | None:
    index = math.ceil(count)
    if index > len(days):
        return None  # beyond the calendar's data
    return days[max(index, 1) - 1]


# --------------------------------------------------------------------------- every example


def test_portfolio_has_the_page_projects() -> None:
    ids = {pt.load(p).id for p in PORTFOLIO}
    assert len(PORTFOLIO) >= 6
    assert {
        "visionox",
        "huadian-gas-turbines",
        "erfeng-industrial-park",
        "crrc-zhihui-port",
        "yizhong-tobacco-centre",
        "sifang-courtyards",
    } <= ids


def test_project_ids_are_unique_and_match_file_names() -> None:
    projects = [pt.load(p) for p in ALL_FILES]
    assert [p.id for p in projects] == [f.stem for f in ALL_FILES]
    assert len({p.id for p in projects}) == len(projects)


@pytest.mark.parametrize("path", ALL_FILES, ids=_ids(ALL_FILES))
@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_round_trip(path: Path, fmt: str) -> None:
    project = pt.load(path)
    text = pt.dumps(project, format=fmt)
    again = pt.loads(text, format=fmt)
    assert again == project
    assert pt.to_dict(again) == pt.to_dict(project)
    assert pt.dumps(again, format=fmt) == text


@pytest.mark.parametrize("path", ALL_FILES, ids=_ids(ALL_FILES))
def test_file_names_its_source(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("#")
    header = text.split("format:", 1)[0]
    assert "Qingdao Daily" in header and "青岛日报" in header


def test_cli_validates_every_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", *map(str, ALL_FILES)])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.count(": ok (") == len(ALL_FILES)


def test_cli_validates_renhe_road_relative_path(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    with pytest.raises(SystemExit) as exit_info:
        main(["validate", "examples/renhe-road.yaml"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith("examples/renhe-road.yaml: ok (")


def test_cli_show_renhe_road(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["show", str(RENHE)])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "renhe-road: Renhe Road old-city renovation (人和路旧城改造项目)"


@pytest.mark.parametrize("path", ALL_FILES, ids=_ids(ALL_FILES))
def test_history_is_in_date_order_and_before_the_data_date(path: Path) -> None:
    project = pt.load(path)
    assert project.data_date is not None
    data_date = _day(project.data_date)
    days = [_day(e.at) for e in project.events]
    assert days == sorted(days)
    assert days[-1] <= data_date
    for act in project.activities:
        for value in (act.actual_start, act.actual_finish):
            assert value is None or _day(value) <= data_date, act.id
    # Events without an activity are project-wide spells: suspended/resumed pairs with a cause.
    wide = [e for e in project.events if e.activity is None]
    assert [e.kind for e in wide] == ["suspended", "resumed"] * (len(wide) // 2)
    assert all(e.cause and e.party for e in wide if e.kind == "suspended")


@pytest.mark.parametrize("path", ALL_FILES, ids=_ids(ALL_FILES))
def test_actual_dates_agree_with_events(path: Path) -> None:
    project = pt.load(path)
    for act in project.activities:
        starts = {_day(e.at) for e in _events(project, act.id, *START_KINDS)}
        ends = {_day(e.at) for e in _events(project, act.id, *END_KINDS)}
        if act.kind == "milestone":
            at = {_day(e.at) for e in _events(project, act.id, "started", "finished")}
            if act.actual_start is None:
                assert not at, act.id
            else:
                assert at == {_day(act.actual_start)} == {_day(act.actual_finish)}, act.id
            continue
        if act.actual_start is None:
            assert not starts and not ends, act.id
            continue
        assert starts == {_day(act.actual_start)}, act.id
        if act.actual_finish is None:
            assert not ends, act.id
            continue
        closing = ends | {
            _day(e.at)
            for e in _events(project, act.id, "returned_for_revision")
            if act.outcome == "rejected"
        }
        assert _day(act.actual_finish) in closing, act.id
        assert ends <= {_day(act.actual_finish)}, act.id


@pytest.mark.parametrize("path", ALL_FILES, ids=_ids(ALL_FILES))
def test_progress_agrees_with_events(path: Path) -> None:
    project = pt.load(path)
    for act in project.activities:
        progress = _events(project, act.id, "progress")
        in_progress = act.actual_start is not None and act.actual_finish is None
        if not in_progress:
            assert not progress, act.id
            continue
        assert act.remaining_duration is not None, f"{act.id} is in progress without a remaining"
        if progress:
            last = progress[-1]
            assert last.remaining == act.remaining_duration, act.id
            assert last.percent == act.percent_complete, act.id


@pytest.mark.parametrize("path", ALL_FILES, ids=_ids(ALL_FILES))
def test_stops_happen_inside_the_activity(path: Path) -> None:
    project = pt.load(path)
    for act in project.activities:
        stops = _events(project, act.id, "suspended", "resumed")
        if not stops:
            continue
        assert act.actual_start is not None, act.id
        kinds = [e.kind for e in stops]
        assert kinds[::2] == ["suspended"] * len(kinds[::2]), act.id
        assert kinds[1::2] == ["resumed"] * len(kinds[1::2]), act.id
        for e in stops:
            assert _day(act.actual_start) <= _day(e.at), act.id
            if act.actual_finish is not None:
                assert _day(e.at) <= _day(act.actual_finish), act.id
        assert all(e.cause in CAUSES for e in stops), act.id


@pytest.mark.parametrize("path", ALL_FILES, ids=_ids(ALL_FILES))
def test_actual_dates_respect_the_logic(path: Path) -> None:
    project = pt.load(path)
    for link in project.links:
        pred, succ = project.activity(link.pred), project.activity(link.succ)
        where = f"{link.pred} -{link.type}-> {link.succ}"
        if link.type == "FS" and succ.actual_start is not None:
            assert pred.actual_finish is not None, where
            assert _day(pred.actual_finish) <= _day(succ.actual_start), where
        if link.type == "SS" and succ.actual_start is not None:
            assert pred.actual_start is not None, where
            assert _day(pred.actual_start) <= _day(succ.actual_start), where
        if link.type == "FF" and succ.actual_finish is not None:
            assert pred.actual_finish is not None, where
            assert _day(pred.actual_finish) <= _day(succ.actual_finish), where


@pytest.mark.parametrize("path", ALL_FILES, ids=_ids(ALL_FILES))
def test_approvals_have_agency_outcome_and_time_limit_basis(path: Path) -> None:
    project = pt.load(path)
    approvals = [a for a in project.activities if a.kind == "approval"]
    assert approvals
    for act in approvals:
        assert act.agency is not None and act.agency != act.party, act.id
        assert isinstance(act.attrs.get("time_limit_basis"), str), act.id
        if act.actual_finish is not None:
            assert act.outcome in {"approved", "conditionally_approved", "rejected"}, act.id
        else:
            assert act.outcome == "pending", act.id


@pytest.mark.parametrize("path", ALL_FILES, ids=_ids(ALL_FILES))
def test_vocabularies_are_consistent(path: Path) -> None:
    project = pt.load(path)
    assert {a.stage for a in project.activities} <= STAGES
    assert {e.cause for e in project.events if e.cause is not None} <= CAUSES
    for act in project.activities:
        assert act.name and act.name_zh, act.id
    for party in project.parties:
        assert party.name and party.name_zh, party.id


@pytest.mark.parametrize("path", ALL_FILES, ids=_ids(ALL_FILES))
def test_delays_are_attributed(path: Path) -> None:
    project = pt.load(path)
    delays = [
        e
        for e in project.events
        if e.kind in DELAY_KINDS or (e.kind == "attempt" and e.outcome == "failure")
    ]
    assert delays
    assert all(e.cause is not None for e in delays)
    assert any(e.party is not None for e in delays)


@pytest.mark.parametrize("path", ALL_FILES, ids=_ids(ALL_FILES))
def test_planned_work_fits_the_calendar_and_page_targets(path: Path) -> None:
    project = pt.load(path)
    assert project.data_date is not None
    days = _working_days_after(_day(project.data_date))
    early = _forward_pass(project)
    assert early, "no planned work"
    for aid, (start, finish) in early.items():
        assert _date_of(days, finish) is not None, f"{aid} runs past {LAST_CALENDAR_DAY}"
        act = project.activity(aid)
        for c in act.constraints:
            limit = dt.date(c.date.year, c.date.month, c.date.day)
            if c.type == "finish_no_later_than":
                finished = _date_of(days, finish)
                assert finished is not None and finished <= limit, aid
            if c.type == "start_no_later_than":
                assert days[math.ceil(start)] <= limit, aid


def test_readme_covers_every_file_stage_and_cause() -> None:
    text = README.read_text(encoding="utf-8")
    for path in ALL_FILES:
        assert f"`{path.relative_to(EXAMPLES).as_posix()}`" in text
    used_stages = set()
    used_causes = set()
    for path in ALL_FILES:
        project = pt.load(path)
        used_stages |= {a.stage for a in project.activities}
        used_causes |= {e.cause for e in project.events if e.cause}
    for word in used_stages | used_causes:
        assert f"`{word}`" in text, word


def test_readme_examples_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = doctest.testfile(
        str(README),
        module_relative=False,
        globs={"pt": pt, "pendulum": pendulum},
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        verbose=False,
        report=False,
    )
    assert result.attempted >= 4
    assert result.failed == 0


# --------------------------------------------------------------------------- Renhe Road


def test_renhe_identity(renhe: pt.Project) -> None:
    assert renhe.id == "renhe-road"
    assert renhe.name == "Renhe Road old-city renovation"
    assert renhe.name_zh == "人和路旧城改造项目"
    assert renhe.calendar == "cn"
    assert renhe.data_date == DATA_DATE
    assert renhe.start.year == 2008


def test_renhe_site_facts(renhe: pt.Project) -> None:
    attrs = renhe.attrs
    assert attrs["district"] == "Shibei"
    assert attrs["area_m2"] == 18000
    assert attrs["households"] >= 800
    assert attrs["households_waiting"] >= 200
    assert attrs["metro_lines"] == [1, 2]
    assert attrs["metro_structure"] in {"underground_station", "tunnel", "elevated", "entrance"}
    # A pit this close to the Metro is in the 50 m control zone and deeper than 5 m ("super").
    assert 0 < attrs["metro_distance_m"] < 50
    assert attrs["foundation_pit_depth_m"] >= 5
    assert attrs["site_facts_estimated"] is True
    assert attrs["investment_estimated"] is True


def test_renhe_zone_bc_start_is_the_exact_page_date(renhe: pt.Project) -> None:
    start = renhe.activity("bc-start")
    assert start.kind == "milestone" and start.milestone_type == "start"
    assert start.actual_start == pendulum.Date(2022, 12, 1)
    assert start.estimated is False
    (event,) = _events(renhe, "bc-start", "started")
    assert _day(event.at) == pendulum.Date(2022, 12, 1) and event.estimated is False
    # Piles on the Weihai Road side are under way at the data date, after the start.
    piles = renhe.activity("piles-weihai-road")
    assert piles.status == "in_progress"
    assert _day(piles.actual_start) >= pendulum.Date(2022, 12, 1)
    assert "bc-start" in nx.ancestors(_graph(renhe), "piles-weihai-road")


def test_renhe_four_listings_fourth_won(renhe: pt.Project) -> None:
    attempts = [e for e in renhe.events if e.kind == "attempt"]
    assert [e.outcome for e in attempts] == ["failure", "failure", "failure", "success"]
    assert all(e.cause == "land_transfer" for e in attempts)
    assert len({e.activity for e in attempts}) == 4
    won = attempts[-1]
    assert _day(won.at) == pendulum.Date(2021, 4, 9) and won.estimated is False
    assert all(_day(e.at) < pendulum.Date(2021, 4, 9) for e in attempts[:3])
    assert _day(renhe.activity(won.activity).actual_finish) == pendulum.Date(2021, 4, 9)
    milestone = renhe.activity("land-won")
    assert milestone.actual_finish == pendulum.Date(2021, 4, 9)
    assert milestone.estimated is False
    winner = renhe.party(milestone.party)
    assert winner.role == "developer"
    assert winner.name_zh == "青岛百和晟置业有限公司"
    assert "Baihesheng" in winner.name and winner.attrs["parent_zh"] == "华融实业"
    # The listings follow the liquidation and the judicial auction.
    graph = _graph(renhe)
    first = attempts[0].activity
    assert {"bankruptcy-liquidation", "judicial-auction", "investment-talks"} <= nx.ancestors(
        graph, first
    )


def test_renhe_stall_and_zone_a(renhe: pt.Project) -> None:
    (stop,) = [e for e in renhe.events if e.kind == "suspended" and e.cause == "funding"
               and e.activity == "zone-a-construction"]
    assert stop.at.year == 2013 and stop.at.month == 12 and stop.estimated is True
    assert renhe.party(stop.party).role == "developer"
    zone_a = renhe.activity("zone-a-complete")
    assert zone_a.actual_finish.year == 2016 and zone_a.estimated is True
    (resumed,) = [e for e in renhe.events if e.kind == "resumed" and e.cause == "funding"]
    assert renhe.party(resumed.party).role == "government_agency"
    assert _day(stop.at) < _day(resumed.at) < _day(zone_a.actual_finish)


def test_renhe_two_rail_safety_expert_reviews(renhe: pt.Project) -> None:
    reviews = sorted(
        (
            a
            for a in renhe.activities
            if a.kind == "approval" and renhe.party(a.agency).role == "expert_panel"
        ),
        key=lambda a: _day(a.actual_start),
    )
    assert len(reviews) == 2
    first, second = reviews
    assert first.outcome == "rejected" and second.outcome == "approved"
    # Review 1 failed (rejected, then closed); a second review followed.
    assert [e.kind for e in _events(renhe, first.id)] == ["submitted", "rejected", "finished"]
    returned = _events(renhe, first.id, "rejected")[0]
    assert returned.cause == "third_party_review" and returned.party == first.agency
    # The second review is of the revised scheme: a revision task sits between them.
    graph = _graph(renhe)
    between = nx.descendants(graph, first.id) & nx.ancestors(graph, second.id)
    assert any(renhe.activity(a).kind == "task" for a in between)


def test_renhe_metro_approval_before_excavation(renhe: pt.Project) -> None:
    metro = renhe.activity("metro-pit-approval")
    assert metro.kind == "approval" and metro.outcome == "approved"
    assert renhe.party(metro.agency).role == "metro_operator"
    assert any(
        k.pred == metro.id and k.succ == "pit-excavation" and k.type == "FS" for k in renhe.links
    )
    ancestors = nx.ancestors(_graph(renhe), "pit-excavation")
    reviews = {a.id for a in renhe.activities if a.agency == "rail-expert-panel"}
    assert len(reviews) == 2 and reviews <= ancestors
    # Every pit activity next to the Metro waits for the consent: piles included.
    assert _day(metro.actual_finish) <= _day(renhe.activity("piles-weihai-road").actual_start)
    kinds = [e.kind for e in _events(renhe, metro.id)]
    assert kinds == ["submitted", "returned_for_revision", "resubmitted", "approved"]
    # The construction permit also waits for the operator's consent (Qingdao regulation Art. 35).
    assert metro.id in nx.ancestors(_graph(renhe), "construction-permit")


def test_renhe_early_earthwork_and_planning(renhe: pt.Project) -> None:
    earthwork = renhe.activity("earthwork-approval")
    assert renhe.party(earthwork.agency).name_zh == "青岛市建筑工程质量监督站"
    permit = renhe.activity("construction-permit")
    assert _day(earthwork.actual_finish) < _day(permit.actual_start)
    planning = renhe.activity("planning-scheme-approval")
    assert planning.attrs["floor_area_ratio_unchanged"] is True
    assert planning.attrs["commercial_residential_ratio_unchanged"] is True
    assert planning.attrs["industry_positioning_checked"] is True
    assert _day(planning.actual_finish) < _day(renhe.activity("bc-start").actual_start)


def test_renhe_exact_page_days_only_are_unmarked(renhe: pt.Project) -> None:
    for act in renhe.activities:
        dates = {_day(d) for d in (act.actual_start, act.actual_finish) if d is not None}
        dates |= {_day(c.date) for c in act.constraints if c.date is not None}
        if dates and dates <= PAGE_DAYS:
            assert act.estimated is False, act.id
        else:
            assert act.estimated is True, act.id
    for event in renhe.events:
        assert event.estimated is (_day(event.at) not in PAGE_DAYS), (event.at, event.kind)


def test_renhe_parties(renhe: pt.Project) -> None:
    roles = {p.role for p in renhe.parties}
    assert {
        "developer",
        "government_agency",
        "court",
        "liquidator",
        "metro_operator",
        "expert_panel",
        "residents",
    } <= roles
    lead = [p for p in renhe.parties if p.attrs.get("lead_unit")]
    assert [p.name_zh for p in lead] == ["市北区城建局"]
    assert renhe.party("qingdao-metro").name_zh == "青岛地铁集团有限公司"


def test_renhe_plan_after_the_data_date(renhe: pt.Project) -> None:
    planned = [a for a in renhe.activities if a.actual_start is None]
    assert planned
    graph = _graph(renhe)
    after_start = nx.descendants(graph, "bc-start")
    assert {a.id for a in planned} <= after_start
    for needed in ("topping-out", "completion-acceptance", "handover-resettlement"):
        assert needed in {a.id for a in planned}
    handover = renhe.activity("handover-resettlement")
    assert handover.attrs["households"] >= 200
    # Monitoring runs with the excavation: started by it (SS) and ended with the basement (FF).
    types = {(k.pred, k.type) for k in renhe.links if k.succ == "pit-monitoring"}
    assert ("pit-excavation", "SS") in types and ("basement-structure", "FF") in types
    days = _working_days_after(DATA_DATE)
    _, finish = _forward_pass(renhe)["project-complete"]
    done = _date_of(days, finish)
    assert done is not None and dt.date(2025, 1, 1) <= done <= LAST_CALENDAR_DAY


def test_renhe_epidemic_2022_is_an_estimate(renhe: pt.Project) -> None:
    epidemic = [e for e in renhe.events if e.cause == "epidemic" and e.at.year == 2022]
    assert epidemic and all(e.estimated for e in epidemic)


# --------------------------------------------------------------------------- portfolio


@pytest.mark.parametrize("path", PORTFOLIO, ids=_ids(PORTFOLIO))
def test_portfolio_project_attrs(path: Path) -> None:
    project = pt.load(path)
    assert project.data_date == DATA_DATE
    assert project.attrs["district"] == "Shibei"
    assert isinstance(project.attrs["industry_chain"], str) and project.attrs["industry_chain"]
    investment = project.attrs["investment_cny"]
    assert isinstance(investment, int | float) and investment > 0
    assert project.attrs["investment_estimated"] is True
    kinds = {a.kind for a in project.activities}
    assert kinds == {"task", "approval", "milestone"}


@pytest.mark.parametrize("path", PORTFOLIO, ids=_ids(PORTFOLIO))
def test_portfolio_dates_are_estimates(path: Path) -> None:
    # The page prints no day for any of these projects: every recorded day is ours.
    project = pt.load(path)
    assert all(e.estimated for e in project.events)
    for act in project.activities:
        if act.actual_start is not None:
            assert act.estimated, act.id


def _constraint(project: pt.Project, activity: str) -> tuple[str, pendulum.Date]:
    (c,) = project.activity(activity).constraints
    return c.type, _day(c.date)


def test_portfolio_page_targets() -> None:
    by_id = {p.id: p for p in map(pt.load, PORTFOLIO)}
    visionox = by_id["visionox"]
    assert _constraint(visionox, "building-complete") == (
        "finish_no_later_than",
        pendulum.Date(2022, 12, 31),
    )
    assert _constraint(visionox, "production-start") == (
        "finish_no_later_than",
        pendulum.Date(2023, 12, 31),
    )
    huadian = by_id["huadian-gas-turbines"]
    assert _constraint(huadian, "completion-acceptance") == (
        "finish_no_later_than",
        pendulum.Date(2023, 12, 31),
    )
    erfeng = by_id["erfeng-industrial-park"]
    kind, day = _constraint(erfeng, "construction-start")
    assert kind == "start_no_later_than" and (day.year, day.quarter) == (2023, 1)
    assert erfeng.activity("construction-start").actual_start is None
    for pid in ("crrc-zhihui-port", "yizhong-tobacco-centre"):
        works = [
            a
            for a in by_id[pid].activities
            if a.stage == "construction" and a.status == "in_progress"
        ]
        assert works, f"{pid} is under construction on the page"
    sifang = by_id["sifang-courtyards"]
    assert sifang.attrs["courtyards"] == 156
    resident_ids = {p.id for p in sifang.parties if p.role == "residents"}
    assert any(e.party in resident_ids for e in sifang.events if e.kind in DELAY_KINDS)


def test_portfolio_delay_rollup_has_content() -> None:
    causes: dict[str, int] = {}
    for path in PORTFOLIO:
        for e in pt.load(path).events:
            if e.kind in DELAY_KINDS:
                causes[e.cause] = causes.get(e.cause, 0) + 1
    for needed in ("epidemic", "utility_relocation", "third_party_review", "planning_change"):
        assert causes.get(needed, 0) >= 1, needed


def _all_words(text: str) -> Iterator[str]:
    yield from re.findall(r"`([a-z_]+)`", text)


def test_readme_lists_only_known_causes() -> None:
    text = README.read_text(encoding="utf-8")
    table = text.split("### Cause codes", 1)[1].split("Party roles", 1)[0]
    assert set(_all_words(table)) == CAUSES
