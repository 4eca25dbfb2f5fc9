"""Baselines: snapshots, storage in the project and its file, comparison with later schedules."""

from __future__ import annotations

import json
import math

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

import projtrack as pt
from projtrack.tracking import get_baseline, without_progress

D = pendulum.Date
TZ = "Asia/Shanghai"


def at(y: int, m: int, d: int, h: int = 0) -> pendulum.DateTime:
    return pendulum.datetime(y, m, d, h, tz=TZ)


@pytest.fixture
def chain() -> pt.Project:
    # Mon 2024-03-04, standard calendar: a (3 d) -> b (2 d), and c (1 d) in parallel.
    return pt.Project(
        id="chain", start=D(2024, 3, 4),
        activities=[pt.Activity(id="a", duration=3), pt.Activity(id="b", duration=2),
                    pt.Activity(id="c", duration=1), pt.Activity(id="m", kind="milestone")],
        links=[pt.Link(pred="a", succ="b"), pt.Link(pred="b", succ="m"),
               pt.Link(pred="c", succ="m")],
    )


def test_baseline_records_planned_dates_durations_floats(chain: pt.Project) -> None:
    b = pt.baseline(chain, name="plan", description="first plan")
    assert (b.name, b.description, b.data_date) == ("plan", "first plan", None)
    a, bb, c, m = (b.activity(x) for x in "abcm")
    assert (a.start, a.finish) == (at(2024, 3, 4, 8), at(2024, 3, 6, 17))
    assert (bb.start, bb.finish) == (at(2024, 3, 7, 8), at(2024, 3, 8, 17))
    assert (a.duration, bb.duration, c.duration, m.duration) == (3, 2, 1, 0)
    assert (a.total_float, c.total_float) == (0, 4)
    assert m.start == m.finish == at(2024, 3, 8, 17)
    assert b.finish == at(2024, 3, 8, 17)


def test_baseline_of_a_progressed_project_keeps_actuals(chain: pt.Project) -> None:
    p = chain.record(
        pt.Event(at=D(2024, 3, 5), kind="started", activity="a"),
        pt.Event(at=D(2024, 3, 8), kind="finished", activity="a"),
    ).as_of(D(2024, 3, 11))
    b = pt.baseline(p, name="update 1")
    a = b.activity("a")
    assert (a.start, a.finish, a.duration, a.total_float) == (
        at(2024, 3, 5, 8), at(2024, 3, 8, 17), 4, None)
    # b starts at the data date (Mon 11 March) and runs 2 days.
    assert (b.activity("b").start, b.activity("b").finish) == (at(2024, 3, 11, 8),
                                                                at(2024, 3, 12, 17))
    assert b.data_date == at(2024, 3, 11)
    # planned=True ignores progress.
    assert pt.baseline(p, name="plan", planned=True).activity("a").start == at(2024, 3, 4, 8)


def test_baseline_from_a_schedule_and_argument_errors(chain: pt.Project) -> None:
    s = pt.schedule(chain)
    assert pt.baseline(s, name="s").finish == pt.baseline(chain, name="p").finish
    with pytest.raises(pt.ValidationError, match="data_date"):
        pt.baseline(s, name="s", data_date=D(2024, 3, 5))
    with pytest.raises(pt.ValidationError, match="non-empty name"):
        pt.baseline(chain, name=" ")


def test_with_baseline_stores_several_and_refuses_duplicates(chain: pt.Project) -> None:
    p = chain.with_baseline(pt.baseline(chain, name="plan"))
    longer = chain.with_activity(pt.Activity(id="a", duration=5))
    p = p.with_baseline(pt.baseline(longer, name="revised"))
    assert [b.name for b in p.baselines] == ["plan", "revised"]
    assert get_baseline(p).name == "plan"
    assert get_baseline(p, "revised").activity("a").duration == 5
    with pytest.raises(pt.DuplicateIdError, match=r"baselines\[2\].name"):
        p.with_baseline(pt.baseline(chain, name="plan"))
    replaced = p.with_baseline(pt.baseline(longer, name="plan"), replace=True)
    assert [b.name for b in replaced.baselines] == ["revised", "plan"]
    assert get_baseline(replaced, "plan").activity("a").duration == 5
    with pytest.raises(pt.UnknownReferenceError, match=r"no baseline 'x'.*'plan'"):
        get_baseline(p, "x")
    with pytest.raises(pt.UnknownReferenceError, match="has no baselines"):
        get_baseline(chain)


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_baselines_round_trip_through_the_file(chain: pt.Project, fmt: str) -> None:
    p = chain.with_baseline(pt.baseline(chain, name="plan", description="d")).with_baseline(
        pt.Baseline(name="by hand", finish=D(2024, 4, 1), data_date=D(2024, 3, 1),
                    activities=[pt.BaselineActivity(
                        id="a", start=D(2024, 3, 4), finish=D(2024, 3, 6), duration=3.5,
                        total_float=-1)]))
    text = pt.dumps(p, format=fmt)
    back = pt.loads(text, format=fmt)
    assert back == p
    assert back.baselines[0].activity("b").start == at(2024, 3, 7, 8)
    if fmt == "json":
        assert json.loads(text)["baselines"][1]["activities"][0]["total_float"] == -1


def test_baseline_file_errors_name_the_field() -> None:
    text = """
id: p
start: 2024-03-04
activities: [{id: a, duration: 1}]
baselines:
  - name: plan
    activities:
      - {id: a, start: 2024-03-04, finish: 2024-03-01}
"""
    with pytest.raises(pt.ValidationError) as err:
        pt.loads(text)
    assert err.value.field == "baselines[0].activities[0].finish"
    assert err.value.line == 8
    with pytest.raises(pt.FileFormatError, match="unknown field 'colour'"):
        pt.loads(text.replace("- name: plan", "- name: plan\n    colour: red"))
    with pytest.raises(pt.DuplicateIdError, match=r"baselines\[1\]"):
        pt.loads(text.replace("2024-03-01}", "2024-03-06}") + "  - {name: plan}\n")


def test_compare_gives_variances_in_working_and_calendar_days(chain: pt.Project) -> None:
    plan = pt.baseline(chain, name="plan")
    late = chain.record(
        pt.Event(at=D(2024, 3, 6), kind="started", activity="a"),   # 2 days late
        pt.Event(at=D(2024, 3, 12), kind="finished", activity="a"),  # 5 days long
    ).as_of(D(2024, 3, 12))
    cmp = pt.compare(plan, late)
    rows = {r["id"]: r for r in cmp.to_records()}
    a, b = rows["a"], rows["b"]
    assert (a["start_variance"], a["start_variance_days"]) == (2, 2)
    assert (a["finish_variance"], a["finish_variance_days"]) == (4, 6)  # Wed 6 -> Tue 12
    assert (a["duration"], a["duration_variance"]) == (5, 2)
    assert (b["start_variance"], b["finish_variance"]) == (4, 4)
    assert b["status"] == "not_started" and a["status"] == "finished"
    # c has not started by the data date (Tue 12): it can only run then, 6 days late.
    assert (rows["c"]["start_variance"], rows["c"]["finish_variance"]) == (6, 6)
    assert cmp.finish_variance == 4 and cmp.finish_variance_days == 6
    assert "+4 working days (+6 calendar days)" in cmp.summary()
    assert "baseline 'plan'" in str(cmp)


def test_compare_lists_added_and_deleted_activities(chain: pt.Project) -> None:
    plan = pt.baseline(chain, name="plan")
    changed = chain.replace(
        activities=[a for a in chain.activities if a.id != "c"] + [pt.Activity(id="d")],
        links=[k for k in chain.links if "c" not in (k.pred, k.succ)],
    )
    rows = {r["id"]: r for r in pt.compare(plan, pt.schedule(changed)).to_records()}
    assert rows["d"]["change"] == "added" and rows["d"]["start_variance"] is None
    assert rows["c"]["change"] == "deleted" and rows["c"]["finish"] is None
    assert rows["a"]["change"] == ""


def test_comparison_displays(chain: pt.Project) -> None:
    cmp = pt.compare(pt.baseline(chain, name="plan"), chain)
    df = cmp.to_pandas()
    assert list(df.columns) == list(type(cmp).columns)
    assert str(df["start"].dtype) == "datetime64[ns, Asia/Shanghai]" or "Asia/Shanghai" in str(
        df["start"].dtype)
    assert df.loc[0, "start"].hour == 8
    html = cmp._repr_html_()
    assert '<table class="pt-table">' in html and "baseline &#x27;plan&#x27;" in html
    assert math.isclose(df["finish_variance"].sum(), 0)


def test_renhe_road_carries_an_estimated_2008_plan() -> None:
    p = pt.load("examples/renhe-road.yaml")
    b = get_baseline(p)
    assert "estimated" in b.name and "estimate" in b.description
    assert b.activity("bc-start").start.year == 2012
    assert "listing-1" not in b and "expert-review-2" not in b  # revival and review 2: added
    # The recipe in the tutorial gives it back: the plan without the added activities.
    added = [a.id for a in p.activities if a.id not in b]
    links = list(p.links)
    for rid in added:
        ins = [k for k in links if k.succ == rid]
        outs = [k for k in links if k.pred == rid]
        links = [k for k in links if rid not in (k.pred, k.succ)]
        links += [pt.Link(pred=i.pred, succ=o.succ) for i in ins for o in outs]
    plan = without_progress(p).replace(
        activities=[a for a in without_progress(p).activities if a.id not in added],
        links=list(dict.fromkeys(links)), baselines=())
    again = pt.baseline(plan, name=b.name, description=b.description)
    assert [(x.id, x.start, x.finish, x.duration, x.total_float) for x in again] == [
        (x.id, x.start, x.finish, x.duration, x.total_float) for x in b]


@given(st.integers(0, 30), st.integers(1, 20))
def test_compare_against_itself_is_zero_and_delay_shows(shift: int, dur: int) -> None:
    p = pt.Project(id="p", start=D(2024, 1, 2), calendar="cn",
                   activities=[pt.Activity(id="a", duration=dur), pt.Activity(id="b", duration=3)],
                   links=[pt.Link(pred="a", succ="b", lag=shift)])
    plan = pt.baseline(p, name="plan")
    assert all(r["finish_variance"] == 0 for r in pt.compare(plan, p).to_records())
    slower = p.with_activity(pt.Activity(id="a", duration=dur + 4))
    cmp = pt.compare(plan, slower)
    assert cmp.finish_variance == 4
    assert {r["id"]: r["duration_variance"] for r in cmp.to_records()} == {"a": 4, "b": 0}
