"""The model validates at construction and stays immutable."""

from __future__ import annotations

import attrs
import pendulum
import pytest

import projtrack as pt

D = pendulum.Date


def project(**kw: object) -> pt.Project:
    kw.setdefault("id", "p")
    kw.setdefault("start", D(2024, 1, 2))
    return pt.Project(**kw)  # type: ignore[arg-type]


def test_objects_are_frozen() -> None:
    act = pt.Activity(id="a", duration=3)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        act.duration = 4  # type: ignore[misc]


def test_evolve_validates_again() -> None:
    act = pt.Activity(id="a", duration=3)
    with pytest.raises(pt.ValidationError, match="negative"):
        attrs.evolve(act, duration=-1)


@pytest.mark.parametrize(
    ("kwargs", "field", "text"),
    [
        ({"id": "a", "duration": -1}, "duration", "negative"),
        ({"id": "a", "duration": float("nan")}, "duration", "finite"),
        ({"id": "a", "kind": "work"}, "kind", "not one of task, approval, milestone"),
        ({"id": "a", "kind": "milestone", "duration": 1}, "duration", "milestones take no time"),
        ({"id": "a", "duration_unit": "weeks"}, "duration_unit", "not one of"),
        ({"id": "a", "agency": "x"}, "agency", "only for approvals"),
        ({"id": "a", "milestone_type": "start"}, "milestone_type", "only for milestones"),
        ({"id": True}, "id", "not a valid id"),
        ({"id": ""}, "id", "must not be empty"),
        ({"id": "a", "percent_complete": 120}, "percent_complete", "above 100"),
        (
            {"id": "a", "actual_finish": D(2024, 1, 3)},
            "actual_finish",
            "without actual_start",
        ),
        (
            {"id": "a", "actual_start": D(2024, 1, 3), "actual_finish": D(2024, 1, 2)},
            "actual_finish",
            "before actual_start",
        ),
        (
            {"id": "a", "actual_start": pendulum.naive(2024, 1, 3)},
            "actual_start",
            "time-zone-aware",
        ),
        (
            {
                "id": "a",
                "constraints": [
                    pt.Constraint("start_on", D(2024, 1, 3)),
                    pt.Constraint("finish_on", D(2024, 1, 3)),
                    pt.Constraint("start_no_earlier_than", D(2024, 1, 3)),
                ],
            },
            "constraints",
            "at most two",
        ),
    ],
)
def test_activity_validation(kwargs: dict[str, object], field: str, text: str) -> None:
    with pytest.raises(pt.ValidationError, match=text) as info:
        pt.Activity(**kwargs)  # type: ignore[arg-type]
    assert info.value.field == field
    assert isinstance(info.value, ValueError)


# A date-only actual start is the start of that day and a date-only actual finish the
# end of it (as the scheduler reads them), so a date and a time on the same day never
# conflict; two times are compared as instants. Times are in China (+08:00), where
# midnight UTC is 08:00 local, the case where comparing dates as UTC midnight went wrong.
CN = "Asia/Shanghai"


@pytest.mark.parametrize(
    ("start", "finish"),
    [
        (D(2024, 1, 2), pendulum.datetime(2024, 1, 2, 8, tz=CN)),
        (D(2024, 1, 2), pendulum.datetime(2024, 1, 2, 7, tz=CN)),
        (D(2024, 1, 2), pendulum.datetime(2024, 1, 2, 0, 30, tz=CN)),
        (pendulum.datetime(2024, 1, 2, 10, tz=CN), D(2024, 1, 2)),
        (pendulum.datetime(2024, 1, 2, 23, tz="America/New_York"), D(2024, 1, 2)),
        (D(2024, 1, 2), D(2024, 1, 2)),
        (pendulum.datetime(2024, 1, 2, 9, tz=CN), pendulum.datetime(2024, 1, 2, 9, tz=CN)),
    ],
)
def test_actual_finish_on_the_start_day_is_accepted(start: object, finish: object) -> None:
    act = pt.Activity(id="a", duration=1, actual_start=start, actual_finish=finish)
    assert act.status == "finished"


@pytest.mark.parametrize(
    ("start", "finish"),
    [
        (pendulum.datetime(2024, 1, 2, 10, tz=CN), pendulum.datetime(2024, 1, 2, 9, tz=CN)),
        (pendulum.datetime(2024, 1, 2, 10, tz=CN), pendulum.datetime(2024, 1, 2, 1, tz="UTC")),
        (D(2024, 1, 3), pendulum.datetime(2024, 1, 2, 23, tz=CN)),
        (pendulum.datetime(2024, 1, 3, 1, tz=CN), D(2024, 1, 2)),
    ],
)
def test_actual_finish_before_actual_start_is_refused(start: object, finish: object) -> None:
    with pytest.raises(pt.ValidationError, match="is before actual_start") as info:
        pt.Activity(id="a", duration=1, actual_start=start, actual_finish=finish)
    assert info.value.field == "actual_finish"


def test_same_day_actuals_schedule_in_order() -> None:
    # The scheduler reads the date-only start as 00:00 and the timed finish as given, so
    # the activity accepted above also comes out with its finish after its start.
    act = pt.Activity(id="a", duration=1, actual_start=D(2024, 1, 2),
                      actual_finish=pendulum.datetime(2024, 1, 2, 7, tz=CN))
    p = project(activities=[act], timezone=CN, calendar="24h", data_date=D(2024, 1, 3))
    row = pt.schedule(p)["a"]
    assert row["actual_start"] == pendulum.datetime(2024, 1, 2, tz=CN)
    assert row["actual_finish"] == pendulum.datetime(2024, 1, 2, 7, tz=CN)


def test_milestone_defaults_to_finish_type() -> None:
    assert pt.Activity(id="m", kind="milestone").milestone_type == "finish"


def test_approval_fields() -> None:
    a = pt.Activity(id="p", kind="approval", duration=20, agency="bureau", time_limit=20,
                    outcome="approved")
    assert (a.agency, a.time_limit, a.outcome) == ("bureau", 20, "approved")
    with pytest.raises(pt.ValidationError, match="not one of pending"):
        pt.Activity(id="p", kind="approval", outcome="maybe")


def test_constraints() -> None:
    with pytest.raises(pt.ValidationError, match="takes no date"):
        pt.Constraint("as_late_as_possible", D(2024, 1, 1))
    with pytest.raises(pt.ValidationError, match="needs a date"):
        pt.Constraint("finish_no_later_than")
    with pytest.raises(pt.ValidationError, match="not one of"):
        pt.Constraint("sometime", D(2024, 1, 1))


def test_link_validation() -> None:
    with pytest.raises(pt.ValidationError, match="'FX' is not one of FS, SS, FF, SF"):
        pt.Link(pred="a", succ="b", type="FX")
    with pytest.raises(pt.ValidationError, match="finite"):
        pt.Link(pred="a", succ="b", lag=float("inf"))
    assert pt.Link(pred="a", succ="b", lag=-3).lag == -3


def test_duplicate_activity_ids() -> None:
    with pytest.raises(pt.DuplicateIdError) as info:
        project(activities=[pt.Activity(id="a"), pt.Activity(id="a")])
    assert info.value.field == "activities[1].id"
    assert info.value.ids == ("a",)


def test_dangling_link() -> None:
    with pytest.raises(pt.DanglingLinkError) as info:
        project(activities=[pt.Activity(id="a")], links=[pt.Link(pred="a", succ="zz")])
    assert info.value.field == "links[0].succ"
    assert "zz" in str(info.value)


def test_cycle_names_the_whole_cycle() -> None:
    acts = [pt.Activity(id=x) for x in "abcd"]
    links = [
        pt.Link(pred="a", succ="b"),
        pt.Link(pred="b", succ="c"),
        pt.Link(pred="c", succ="d"),
        pt.Link(pred="d", succ="b", type="SS"),
    ]
    with pytest.raises(pt.DependencyCycleError) as info:
        project(activities=acts, links=links)
    assert info.value.cycle == ("b", "c", "d", "b")
    assert "b -> c -> d -> b" in str(info.value)


def test_self_loop_is_a_cycle() -> None:
    with pytest.raises(pt.DependencyCycleError):
        project(activities=[pt.Activity(id="a")], links=[pt.Link(pred="a", succ="a")])


def test_unknown_calendar_and_party() -> None:
    with pytest.raises(pt.UnknownReferenceError, match="unknown calendar 'moon'"):
        project(activities=[pt.Activity(id="a", calendar="moon")])
    with pytest.raises(pt.UnknownReferenceError, match="unknown party 'nobody'"):
        project(activities=[pt.Activity(id="a", party="nobody")])
    with pytest.raises(pt.UnknownReferenceError, match="unknown calendar"):
        project(calendar="moon")


def test_project_calendar_and_base_are_known() -> None:
    cal = pt.Calendar(name="site", base="cn")
    p = project(calendars=[cal], calendar="site", activities=[pt.Activity(id="a")])
    assert p.calendar == "site"
    with pytest.raises(pt.ValidationError, match="loop"):
        project(calendars=[pt.Calendar(name="x", base="y"), pt.Calendar(name="y", base="x")])


def test_calendar_validation() -> None:
    with pytest.raises(pt.ValidationError, match="working period"):
        pt.Calendar(name="c", work_week={"mon": [(600, 500)]})
    with pytest.raises(pt.ValidationError, match="must not overlap"):
        pt.Calendar(name="c", work_week={"mon": [(480, 720), (700, 900)]})
    with pytest.raises(pt.ValidationError, match="unknown weekday"):
        pt.Calendar(name="c", work_week={"monday": []})
    with pytest.raises(pt.ValidationError, match="not one of weekdays"):
        pt.Calendar(name="c", fallback="guess")


def test_events_refer_to_known_things() -> None:
    ev = pt.Event(at=D(2024, 1, 5), kind="started", activity="x")
    with pytest.raises(pt.UnknownReferenceError, match="unknown activity 'x'"):
        project(activities=[pt.Activity(id="a")], events=[ev])
    with pytest.raises(pt.ValidationError, match="not one of submitted"):
        pt.Event(at=D(2024, 1, 5), kind="exploded")


def test_projects_are_hashable_and_comparable() -> None:
    p = project(activities=[pt.Activity(id="a", attrs={"x": [1, 2]})])
    q = project(activities=[pt.Activity(id="a", attrs={"x": [1, 2]})])
    assert p == q
    assert hash(p) == hash(q)


def test_link_order_does_not_matter_for_equality() -> None:
    acts = [pt.Activity(id=x) for x in "abc"]
    l1, l2 = pt.Link(pred="a", succ="b"), pt.Link(pred="a", succ="c")
    assert project(activities=acts, links=[l1, l2]) == project(activities=acts, links=[l2, l1])
    assert project(activities=acts, links=[l1, l1]) != project(activities=acts, links=[l1])


def test_parallel_links_between_a_pair_are_kept() -> None:
    acts = [pt.Activity(id="a", duration=5), pt.Activity(id="b", duration=5)]
    links = [pt.Link(pred="a", succ="b", type="SS", lag=2),
             pt.Link(pred="a", succ="b", type="FF", lag=1)]
    p = project(activities=acts, links=links)
    G = p.to_networkx()
    assert G.number_of_edges("a", "b") == 2


def test_accessors() -> None:
    acts = [pt.Activity(id=x) for x in "abc"]
    links = [pt.Link(pred="a", succ="b"), pt.Link(pred="a", succ="c"),
             pt.Link(pred="b", succ="c")]
    p = project(activities=acts, links=links)
    assert p.successors("a") == ["b", "c"]
    assert p.predecessors("c") == ["a", "b"]
    assert p.topological_order() == ["a", "b", "c"]
    assert "a" in p and "z" not in p
    with pytest.raises(pt.UnknownReferenceError):
        p.activity("z")
    q = p.with_activity(pt.Activity(id="b", duration=7))
    assert q.activity("b").duration == 7 and len(q) == 3


def test_timezone_is_checked() -> None:
    with pytest.raises(pt.ValidationError, match="unknown time zone"):
        project(timezone="Mars/Olympus")


def test_errors_pickle() -> None:
    import pickle

    err = pt.DependencyCycleError(["a", "b", "a"], file="f.yaml", line=3)
    again = pickle.loads(pickle.dumps(err))
    assert str(again) == str(err) and again.cycle == err.cycle
