"""Tests of the CN checks, the recognition of approvals and the approval-chain template.

Working-day counts are taken from the State Council's published 2024 holiday
calendar (National Day 1-7 October off, Sunday 29 September and Saturday 12
October worked), not from projtrack's own calendar code. They count as statutory
time limits do (民法典 Art. 201; 行政许可法 Arts. 42, 82): the day the file
reaches the agency is not counted, the day of the decision is.
"""

from __future__ import annotations

import importlib.metadata
import pathlib

import attrs
import pendulum
import projtrack as pt
import pytest

import projtrack_cn_approvals as cn

D = pendulum.Date
EXAMPLES = pathlib.Path(__file__).resolve().parents[3] / "examples"


def check(project: pt.Project, select: str | list[str] = "CN", **kw: object) -> list[pt.Finding]:
    return list(pt.check(project, select=select, plugins=[cn], **kw))


def approval(id: str, name: str = "", **kw: object) -> pt.Activity:
    kw.setdefault("agency", "agency")
    return pt.Activity(id=id, kind="approval", name=name, duration=kw.pop("duration", 10), **kw)


def project(acts: list[pt.Activity], links: list[tuple[str, str]] = (), **kw: object) -> pt.Project:
    return pt.Project(
        id="p", start=D(2024, 1, 2), calendar="cn",
        parties=[pt.Party(id="agency", role="government_agency")],
        activities=acts, links=[pt.Link(pred=a, succ=b) for a, b in links], **kw,
    )


# =========================================================================== recognition


@pytest.mark.parametrize(
    ("activity", "expected"),
    [
        (approval("a", "Construction permit for zones B/C"), "construction_permit"),
        (approval("a", name_zh="B、C区建筑工程施工许可证"), "construction_permit"),
        (approval("a", "Construction permit application"), None),
        (pt.Activity(id="a", name="Construction permit"), None),  # a task is not the permit
        (approval("a", name_zh="施工图联合审查（含消防、人防）"), "construction_drawing_review"),
        (pt.Activity(id="a", name_zh="施工图设计"), None),
        (approval("a", "Planning scheme re-approval"), "design_scheme_review"),
        (approval("a", "Metro Group written opinion on the planning scheme"), None),
        (approval("a", "Completion filing", name_zh="竣工验收备案"), "completion_filing"),
        (pt.Activity(id="a", name_zh="竣工验收"), "completion_acceptance"),
        (pt.Activity(id="a", attrs={"approval": "construction_land_planning_permit"}),
         "construction_land_planning_permit"),
        (pt.Activity(id="a", name="Construction permit", attrs={"approval": "nonsense"}), None),
    ],
)
def test_identify(activity: pt.Activity, expected: str | None) -> None:
    assert cn.identify(activity) == expected


def test_every_known_approval_has_a_stage_or_none_and_keywords() -> None:
    for ident, item in cn.APPROVALS.items():
        assert item.stage in (None, 1, 2, 3, 4), ident
        assert item.keywords, ident


# =========================================================================== CN001 / CN002


def test_cn001_stage_order_by_links() -> None:
    acts = [approval("permit", "Construction permit"),
            approval("epp", "Engineering planning permit")]
    findings = check(project(acts, [("permit", "epp")]), "CN001")
    assert [(f.check, f.severity, f.activities) for f in findings] == [
        ("CN001", "error", ("permit", "epp"))]
    assert check(project(acts, [("epp", "permit")]), "CN001") == []


def test_cn001_stage_order_by_dates() -> None:
    acts = [
        approval("permit", "Construction permit", actual_start=D(2024, 1, 2),
                 actual_finish=D(2024, 1, 9)),
        approval("epp", "Engineering planning permit", actual_start=D(2024, 2, 1)),
    ]
    (f,) = check(project(acts), "CN001")
    assert "decided on 2024-01-09 before 'epp'" in f.message


def test_cn002_required_prerequisites() -> None:
    permit = approval("permit", "Construction permit")
    (missing_epp, missing_review) = check(project([permit]), "CN002")
    assert missing_epp.links == ("construction_engineering_planning_permit->permit",)
    assert missing_review.links == ("construction_drawing_review->permit",)
    assert "tag it attrs: {approval: construction_drawing_review}" in missing_review.hint

    acts = [permit, approval("epp", "Engineering planning permit"),
            approval("review", name_zh="施工图审查")]
    (unlinked,) = check(project(acts, [("epp", "permit")]), "CN002")
    assert unlinked.activities == ("review", "permit")
    assert unlinked.links == ("review->permit",)
    assert check(project(acts, [("epp", "review"), ("review", "permit")]), "CN002") == []


def test_cn002_decided_before_the_prerequisite() -> None:
    acts = [
        approval("epp", "Engineering planning permit", actual_start=D(2024, 1, 2),
                 actual_finish=D(2024, 3, 1)),
        approval("review", name_zh="施工图审查", actual_start=D(2024, 1, 2),
                 actual_finish=D(2024, 1, 20)),
        approval("permit", "Construction permit", actual_start=D(2024, 1, 22),
                 actual_finish=D(2024, 2, 1)),
    ]
    (f,) = check(project(acts, [("epp", "permit"), ("review", "permit")]), "CN002")
    assert "decided on 2024-02-01, before its prerequisite" in f.message


def test_cn002_ordered_prerequisites_only_when_present() -> None:
    acts = [approval("epp", "Engineering planning permit"),
            approval("land", "Land-use planning permit")]
    (f,) = check(project(acts), "CN002")
    assert f.links == ("land->epp",)
    assert check(project(acts[:1]), "CN002") == []


# =========================================================================== CN003


def test_cn003_time_limit_in_cn_working_days() -> None:
    # Submitted Mon 23 Sep 2024, approved Thu 10 Oct: the working days after the day the
    # file arrives, up to the day of the decision: 24, 25, 26, 27, 29 (Sunday, worked),
    # 30 Sep, 8, 9, 10 Oct = 9 working days.
    act = approval("permit", "Construction permit", time_limit=7)
    events = [pt.Event(at=D(2024, 9, 23), kind="submitted", activity="permit"),
              pt.Event(at=D(2024, 10, 10), kind="approved", activity="permit")]
    (f,) = check(project([act], events=events), "CN003")
    assert f.severity == "warning"
    assert (f.evidence["working_days"], f.evidence["limit"], f.evidence["over"]) == (9, 7, 2)
    assert f.evidence["round_days"] == "9"
    assert f.message == ("approval 'permit' by agency took 9 working days of government time "
                         "against a limit of 7 (2 over)")
    assert check(project([attrs.evolve(act, time_limit=9)], events=events), "CN003") == []


def returned_once(limit: float) -> pt.Project:
    """Submitted 23 Sep 2024, returned 25 Sep, resubmitted 8 Oct, approved Sat 12 Oct."""
    act = approval("permit", "Construction permit", time_limit=limit)
    events = [pt.Event(at=D(2024, 9, 23), kind="submitted", activity="permit"),
              pt.Event(at=D(2024, 9, 25), kind="returned_for_revision", activity="permit"),
              pt.Event(at=D(2024, 10, 8), kind="resubmitted", activity="permit"),
              pt.Event(at=D(2024, 10, 12), kind="approved", activity="permit")]
    return project([act], events=events)


def test_cn003_applicant_time_is_excluded_and_the_limit_restarts_each_round() -> None:
    # Round 1, after 23 Sep: 24, 25 Sep = 2 working days. With the applicant: 26, 27, 29,
    # 30 Sep (not counted). Round 2, after the resubmission on 8 Oct: 9, 10, 11, 12 Oct
    # (Saturday, worked) = 4. The statutory clock starts again when the complete file
    # comes back.
    (f,) = check(returned_once(3), "CN003")
    assert f.evidence["round_days"] == "2, 4"
    assert (f.evidence["working_days"], f.evidence["over"], f.evidence["rounds"]) == (6, 1, 2)
    assert f.evidence["returns"] == 1 and f.evidence["applicant_days"] == 4
    assert f.message == (
        "approval 'permit' by agency took 6 working days of government time in 2 rounds "
        "(2 and 4) against a limit of 3 per round (1 over); the limit restarts when the file "
        "is resubmitted, and the 4 working days with the applicant are not counted")
    # Each round within 4 days: on time, although the two rounds add up to 6.
    assert check(returned_once(4), "CN003") == []


def test_cn003_pending_approval_is_overdue_at_the_status_date() -> None:
    act = approval("permit", "Construction permit", time_limit=5)
    events = [pt.Event(at=D(2024, 9, 23), kind="submitted", activity="permit")]
    p = project([act], events=events)
    # 24-27, 29, 30 Sep, 8, 9 Oct: neither the day the file arrived nor the status date
    # itself (its 00:00) is counted.
    (f,) = check(p, "CN003", as_of=D(2024, 10, 10))
    assert "is overdue: 8 working days" in f.message and f.evidence["pending"] is True
    assert check(p, "CN003", as_of=D(2024, 9, 27)) == []  # 3 days so far
    assert check(p, "CN003") == []  # no status date: nothing to measure


def test_cn003_pending_after_a_resubmission_counts_the_current_round() -> None:
    act = approval("permit", "Construction permit", time_limit=5)
    events = [pt.Event(at=D(2024, 9, 23), kind="submitted", activity="permit"),
              pt.Event(at=D(2024, 9, 24), kind="returned_for_revision", activity="permit"),
              pt.Event(at=D(2024, 10, 8), kind="resubmitted", activity="permit")]
    p = project([act], events=events)
    # Round 1: 24 Sep = 1. Round 2 so far, after 8 Oct: 9, 10, 11, 12 Oct (Saturday,
    # worked), Mon 14 Oct by Tue 15 Oct = 5: on time.
    assert check(p, "CN003", as_of=D(2024, 10, 15)) == []
    (f,) = check(p, "CN003", as_of=D(2024, 10, 16))  # + 15 Oct = 6
    assert f.evidence["round_days"] == "1, 6" and f.evidence["over"] == 1
    assert f.message.startswith("approval 'permit' by agency is overdue: 6 working days of "
                                "government time in round 2 by 2024-10-16 against a limit of 5")


def test_cn003_actual_dates_without_events_and_statutory_default() -> None:
    act = approval("permit", "Construction permit", actual_start=D(2024, 9, 23),
                   actual_finish=D(2024, 10, 10))
    (f,) = check(project([act]), "CN003")  # no time_limit: the statute's 7 days
    assert f.evidence["limit"] == 7 and f.evidence["limit_source"].startswith("statutory")
    assert (f.evidence["working_days"], f.evidence["over"]) == (9, 2)  # as with events
    assert check(project([act]), "CN003", options={"cn.default_time_limits": False}) == []


def test_cn003_beyond_the_holiday_data_counts_weekdays_and_says_so() -> None:
    # No official 2099 holiday data: after Mon 5 Jan up to Fri 16 Jan 2099, 9 weekdays.
    act = approval("permit", "Construction permit", time_limit=7)
    events = [pt.Event(at=D(2099, 1, 5), kind="submitted", activity="permit"),
              pt.Event(at=D(2099, 1, 16), kind="approved", activity="permit")]
    p = pt.Project(id="p", start=D(2099, 1, 5), calendar="standard",
                   parties=[pt.Party(id="agency", role="government_agency")],
                   activities=[act], events=events)
    (f,) = check(p, "CN003")
    assert (f.evidence["working_days"], f.evidence["calendar_estimated"]) == (9, True)
    assert "counted as plain weekdays" in f.message


def test_cn003_agrees_with_approval_cycles_on_renhe_road() -> None:
    # One computation: CN003 reports exactly the approvals with an overrun in
    # pt.approval_cycles, with the same numbers.
    p = pt.load(EXAMPLES / "renhe-road.yaml")
    found = {f.activities[0]: f.evidence for f in check(p, "CN003")}
    cycles = {r["id"]: r for r in pt.approval_cycles(p).to_records()}
    assert set(found) == {k for k, r in cycles.items() if r["overrun_days"] > 0}
    for k, ev in found.items():
        assert (ev["working_days"], ev["over"]) == (cycles[k]["agency_days"],
                                                     cycles[k]["overrun_days"]), k
    # Metro Group, foundation-pit scheme, on the 2022 holiday calendar: round 1, after Mon
    # 29 Aug up to Fri 23 Sep, is 18 working days (Mid-Autumn Mon 12 Sep off); round 2,
    # after Fri 14 Oct up to Fri 18 Nov, is 25. Limit 20 per round: 0 + 5 over.
    pit = found["metro-pit-approval"]
    assert (pit["round_days"], pit["working_days"], pit["over"]) == ("18, 25", 43, 5)
    # The drawing review took 12 and 7 working days in its two rounds: each within 15.
    assert "drawing-review" not in found


# =========================================================================== CN004 / CN005


def permit_and_start(start: pendulum.Date | None, **permit_attrs: object) -> pt.Project:
    acts = [
        approval("permit", "Construction permit", actual_start=D(2024, 1, 2),
                 actual_finish=D(2024, 1, 10), attrs=permit_attrs),
        pt.Activity(id="start", kind="milestone", name="Construction start",
                    actual_start=start, actual_finish=start),
    ]
    return project(acts, [("permit", "start")])


def test_cn004_start_within_three_months() -> None:
    assert check(permit_and_start(D(2024, 4, 10)), "CN004") == []
    (f,) = check(permit_and_start(D(2024, 4, 11)), "CN004")
    assert f.severity == "error" and f.evidence["deadline"] == "2024-04-10"
    assert check(permit_and_start(D(2024, 7, 10), extensions=1), "CN004") == []
    (g,) = check(permit_and_start(D(2024, 10, 11), extensions=2), "CN004")
    assert g.evidence["deadline"] == "2024-10-10"


def test_cn004_at_most_two_extensions() -> None:
    (f,) = check(permit_and_start(D(2024, 5, 1), extensions=3), "CN004")
    assert "records 3 extensions; the law allows at most two" in f.message


def test_cn004_not_started_at_the_status_date() -> None:
    p = permit_and_start(None)
    assert check(p, "CN004", as_of=D(2024, 4, 10)) == []
    (f,) = check(p, "CN004", as_of=D(2024, 4, 11))
    assert f.message.startswith("no construction start recorded by 2024-04-11")


def land(start: pendulum.Date | None, **contract_attrs: object) -> pt.Project:
    acts = [
        pt.Activity(id="contract", name_zh="国有建设用地使用权出让合同签订",
                    actual_start=D(2020, 1, 6), actual_finish=D(2020, 1, 10),
                    attrs=contract_attrs),
        pt.Activity(id="start", kind="milestone", name_zh="开工", actual_start=start,
                    actual_finish=start),
    ]
    return project(acts, [("contract", "start")])


def test_cn005_idle_land() -> None:
    assert check(land(D(2021, 1, 9)), "CN005") == []  # deadline 2021-01-10 + under a year
    (f,) = check(land(D(2022, 1, 10)), "CN005")  # one year after the assumed deadline
    assert (f.severity, f.evidence["years"]) == ("warning", 1)
    assert "assumed: 12 months after the contract" in f.message
    (g,) = check(land(D(2023, 1, 10)), "CN005")
    assert (g.severity, g.evidence["years"]) == ("error", 2)
    assert "taken back" in g.message


def test_cn005_recorded_deadline_and_status_date() -> None:
    p = land(None, start_deadline="2020-06-30")
    assert check(p, "CN005", as_of=D(2021, 6, 29)) == []
    (f,) = check(p, "CN005", as_of=D(2021, 6, 30))
    assert "no start by 2021-06-30" in f.message
    assert f.evidence["deadline_basis"] == "contract attrs.start_deadline"
    shorter = check(land(D(2021, 7, 10)), "CN005", options={"cn.idle_land_start_months": 6})
    assert [x.evidence["years"] for x in shorter] == [1]


# =========================================================================== template


def test_approval_chain_template() -> None:
    base = pt.Project(id="p", start=D(2024, 1, 2), calendar="cn",
                      activities=[pt.Activity(id="design", duration=20),
                                  pt.Activity(id="works", duration=100)],
                      links=[pt.Link(pred="design", succ="works")])
    out = pt.apply_template(base, "cn.approval-chain", plugins=[cn],
                            after=["design"], before=["works"])
    added = [a for a in out.activities if a.kind == "approval"]
    assert [cn.identify(a) for a in added] == [
        "construction_land_planning_permit", "design_scheme_review",
        "construction_engineering_planning_permit", "construction_drawing_review",
        "construction_permit"]
    assert all(a.time_limit and a.calendar == "cn" for a in added)
    assert {p.id for p in out.parties} == {
        "planning-authority", "drawing-review-body", "housing-authority"}
    assert check(out, ["CN001", "CN002"]) == []
    schedule = pt.schedule(out, plugins=[])
    assert schedule["works"]["early_start"] > schedule["construction-permit"]["early_finish"]


# =========================================================================== packaging


def test_entry_point_is_declared() -> None:
    eps = importlib.metadata.entry_points(group="projtrack")
    assert any(ep.name == "cn_approvals" and ep.value == "projtrack_cn_approvals" for ep in eps)


def test_plugin_lists_its_checks() -> None:
    pm = pt.get_plugin_manager(load_entrypoints=False)
    pm.register(cn, name="cn_approvals")
    (info,) = [i for i in pt.list_plugins(pm) if i["name"] == "cn_approvals"]
    assert info["checks"] == ["CN001", "CN002", "CN003", "CN004", "CN005"]
    assert info["templates"] == ["cn.approval-chain"]
