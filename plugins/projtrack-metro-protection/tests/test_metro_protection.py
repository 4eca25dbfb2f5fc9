"""Tests of the MP checks: zones, works before and during excavation, deep pits, the template."""

from __future__ import annotations

import importlib.metadata
from typing import Any

import attrs
import pendulum
import projtrack as pt
import pytest

import projtrack_metro_protection as mp

D = pendulum.Date


def check(project: pt.Project, select: Any = "MP", **kw: Any) -> list[pt.Finding]:
    return list(pt.check(project, select=select, plugins=[mp], **kw))


def ids(project: pt.Project, **kw: Any) -> list[str]:
    return [f.check for f in check(project, **kw)]


SITE = {"metro_distance_m": 20, "metro_structure": "tunnel", "foundation_pit_depth_m": 4}


def site_project(acts: list[pt.Activity], links: list[pt.Link] = (), site: Any = None,
                 **kw: Any) -> pt.Project:
    return pt.Project(
        id="site", start=D(2024, 3, 4), calendar="7d",
        attrs=SITE if site is None else site,
        parties=[pt.Party(id="metro", role="metro_operator"),
                 pt.Party(id="experts", role="expert_panel")],
        activities=acts, links=list(links), **kw,
    )


def dig(**kw: Any) -> pt.Activity:
    kw.setdefault("duration", 30)
    return pt.Activity(id="dig", name="Foundation-pit excavation", **kw)


def compliant(depth: float = 4, **dig_kw: Any) -> pt.Project:
    """Everything the checks want, linked as they want it."""
    acts = [
        pt.Activity(id="assess", name="Rail safety impact assessment", duration=10),
        pt.Activity(id="review", kind="approval", agency="experts", name="Expert review",
                    duration=3, attrs={"experts": 7}),
        pt.Activity(id="consent", kind="approval", agency="metro", name="Metro approval of the pit",
                    duration=10),
        pt.Activity(id="plan", name="Special construction plan", duration=5),
        dig(**dig_kw),
        pt.Activity(id="monitor", name="Monitoring of the tunnel", duration=40),
    ]
    links = [pt.Link(pred="assess", succ="review"), pt.Link(pred="plan", succ="review"),
             pt.Link(pred="review", succ="consent"), pt.Link(pred="consent", succ="dig"),
             pt.Link(pred="dig", succ="monitor", type="SS"),
             pt.Link(pred="dig", succ="monitor", type="FF")]
    return site_project(acts, links, site=dict(SITE, foundation_pit_depth_m=depth))


# =========================================================================== site facts


def test_site_reads_single_and_listed_structures() -> None:
    p = site_project([], site={"metro": [{"structure": "elevated", "distance_m": 25, "line": 3},
                                         {"structure": "风亭", "distance_m": 8}],
                               "metro_city": "Qingdao"})
    s = mp.site(p)
    assert s.city == "qingdao"
    assert [(c, d) for _, c, _, d, _ in s.structures] == [("surface", 25.0), ("ancillary", 8.0)]
    assert mp.site(p, {"metro.city": "Jinan"}).city == "jinan"


@pytest.mark.parametrize(
    ("structure", "distance", "inside"),
    [
        ("tunnel", 50, True), ("tunnel", 50.5, False),
        ("underground station", 49, True),
        ("elevated", 30, True), ("elevated", 31, False),
        ("ground", 12, True),
        ("entrance", 10, True), ("ventilation kiosk", 11, False),
        ("undersea tunnel", 99, True),
        ("something odd", 40, True),  # unknown: treated as underground (50 m)
    ],
)
def test_control_zone_widths(structure: str, distance: float, inside: bool) -> None:
    p = site_project([], site={"metro_distance_m": distance, "metro_structure": structure})
    assert ids(p, select="MP001") == (["MP001"] if inside else [])


def test_zone_widths_are_configurable() -> None:
    p = site_project([], site={"metro_distance_m": 55, "metro_structure": "tunnel"})
    assert ids(p, select="MP001") == []
    (f,) = check(p, select="MP001", options={"metro.zones": {"underground": 60}})
    assert f.evidence["width_m"] == 60
    assert "60 m control protection zone" in f.message


def test_special_zone() -> None:
    p = site_project([], site={"metro_distance_m": 4, "metro_structure": "tunnel"})
    (f,) = check(p, select="MP002")
    assert f.severity == "error" and "5 m special protection zone" in f.message
    far = site_project([], site={"metro_distance_m": 6, "metro_structure": "tunnel"})
    assert ids(far, select="MP002") == []


# =========================================================================== zone works


def test_nothing_reported_without_site_facts() -> None:
    p = site_project([dig()], site={})
    assert ids(p) == []


def test_outside_the_zone_and_shallow_nothing_is_needed() -> None:
    p = site_project([dig()], site={"metro_distance_m": 80, "metro_structure": "tunnel",
                                    "foundation_pit_depth_m": 2.5})
    assert ids(p) == []


def test_everything_missing_in_the_zone() -> None:
    findings = check(site_project([dig()]))
    assert [f.check for f in findings] == ["MP001", "MP003", "MP004", "MP005", "MP006", "MP007"]
    by = {f.check: f for f in findings}
    assert by["MP003"].links == ("rail-safety-assessment->dig",)
    assert by["MP005"].links == ("metro-consent->dig",)
    assert by["MP006"].links == ("dig->monitoring:SS", "dig->monitoring:FF")
    assert all(by[c].severity == "error" for c in ("MP003", "MP004", "MP005", "MP006"))
    assert "apply_template(project, 'metro.protection')" in by["MP005"].hint


def test_compliant_project_is_clean() -> None:
    assert ids(compliant()) == ["MP001"]
    assert ids(compliant(depth=16)) == ["MP001"]  # 7 experts recorded


def test_prerequisites_must_be_linked_finish_to_start() -> None:
    p = compliant()
    ss = [attrs.evolve(k, type="SS") if (k.pred, k.succ) == ("consent", "dig") else k
          for k in p.links]
    (f,) = check(p.replace(links=ss), select="MP005")
    assert f.message == "metro operator's written consent 'consent' is not linked FS before " \
        "excavation 'dig'"
    assert f.links == ("consent->dig",) and f.hint == "add the link consent -> dig (FS)"


def test_excavation_started_before_the_consent() -> None:
    p = compliant()
    p = p.with_activity(attrs.evolve(p.activity("consent"), actual_start=D(2024, 3, 4),
                                     actual_finish=D(2024, 3, 20)))
    p = p.with_activity(attrs.evolve(p.activity("dig"), actual_start=D(2024, 3, 10)))
    (f,) = check(p, select="MP005")
    assert "started on 2024-03-10 before the metro operator's consent (first given " \
        "2024-03-20)" in f.message


def test_monitoring_links_and_dates() -> None:
    p = compliant()
    only_ss = [k for k in p.links if k.type != "FF"]
    (f,) = check(p.replace(links=only_ss), select="MP006")
    assert f.links == ("dig->monitor:FF",)
    # Linked both ways, but an FF lag from a later activity pushes the monitoring's start
    # after the excavation's (its duration is kept): the dates show the gap.
    later = pt.Activity(id="basement", name="Basement", duration=20)
    links = [k for k in p.links if k.type != "FF"] + [
        pt.Link(pred="dig", succ="basement"),
        pt.Link(pred="basement", succ="monitor", type="FF", lag=10)]
    q = p.extend(activities=[later]).replace(links=links)
    (g,) = check(q, select="MP006")
    assert "by the schedule it starts" in g.message
    assert g.evidence["monitoring_start"] > g.evidence["excavation_start"]
    longer = q.with_activity(attrs.evolve(q.activity("monitor"), duration=70))
    assert ids(longer, select="MP006") == []


# =========================================================================== deep pits


def test_special_plan_from_three_metres() -> None:
    far = {"metro_distance_m": 500, "metro_structure": "tunnel"}
    assert ids(site_project([dig()], site=dict(far, foundation_pit_depth_m=2.9))) == []
    (f,) = check(site_project([dig()], site=dict(far, foundation_pit_depth_m=3)))
    assert (f.check, f.evidence["threshold_m"]) == ("MP007", 3)
    plan = pt.Activity(id="plan", name_zh="基坑专项施工方案")
    ok = site_project([plan, dig()], [pt.Link(pred="plan", succ="dig")],
                      site=dict(far, foundation_pit_depth_m=3))
    assert ids(ok) == []


def deep(*reviews: pt.Activity, links: list[tuple[str, str]] = ()) -> pt.Project:
    acts = [pt.Activity(id="plan", name="Special construction plan"), *reviews, dig()]
    return site_project(
        acts, [pt.Link(pred=a, succ=b) for a, b in links],
        site={"metro_distance_m": 500, "metro_structure": "tunnel", "foundation_pit_depth_m": 5})


def test_expert_review_from_five_metres() -> None:
    (f,) = [x for x in check(deep(links=[("plan", "dig")])) if x.check == "MP008"]
    assert f.links == ("pit-expert-review->dig",)
    review = pt.Activity(id="r1", name_zh="深基坑专项方案专家论证", attrs={"experts": 5})
    assert ids(deep(review, links=[("plan", "r1"), ("r1", "dig")])) == []


def test_a_failed_review_needs_a_new_one() -> None:
    failed = pt.Activity(id="r1", kind="approval", outcome="rejected", agency="experts",
                         name="Expert review 1")
    (f,) = [x for x in check(deep(failed, links=[("plan", "r1"), ("r1", "dig")]))
            if x.check == "MP008"]
    assert f.message == "expert review 'r1' failed and no new review follows it before " \
        "excavation 'dig'"
    second = pt.Activity(id="r2", name="Expert review 2", attrs={"experts": 6})
    ok = deep(failed, second, links=[("plan", "r1"), ("r1", "r2"), ("r2", "dig")])
    assert ids(ok) == []


def test_expert_count() -> None:
    few = pt.Activity(id="r1", name="Expert review", attrs={"experts": 4})
    (f,) = [x for x in check(deep(few, links=[("plan", "r1"), ("r1", "dig")]))
            if x.check == "MP008"]
    assert f.severity == "error" and f.evidence["experts"] == 4
    unknown = pt.Activity(id="r1", name="Expert review")
    (g,) = [x for x in check(deep(unknown, links=[("plan", "r1"), ("r1", "dig")]))
            if x.check == "MP008"]
    assert g.severity == "info" and "not recorded" in g.message
    fewer_ok = check(deep(few, links=[("plan", "r1"), ("r1", "dig")]),
                     options={"pit.min_experts": 3})
    assert [x.check for x in fewer_ok] == []


def test_excavation_must_be_modelled() -> None:
    p = site_project([pt.Activity(id="works", name="Main works")])
    (f,) = [x for x in check(p) if x.check == "MP009"]
    assert "no excavation activity is recognised" in f.message
    assert f.severity == "warning"


# =========================================================================== recognition


def test_roles_by_tag_and_keywords() -> None:
    acts = [
        pt.Activity(id="a", name="Dig", attrs={"role": "excavation"}),
        pt.Activity(id="b", name_zh="基坑分层开挖及内支撑"),
        pt.Activity(id="c", name_zh="基坑支护方案设计"),  # a design, not works
        pt.Activity(id="d", name="Excavation permit", kind="approval", agency="metro"),
        pt.Activity(id="e", name="Excavation", attrs={"role": "monitoring"}),  # tag wins
        pt.Activity(id="f", name_zh="保护区作业完工后安全影响评估"),  # post-work, not before
        pt.Activity(id="g", name_zh="基坑施工对地铁安全影响评估"),
        pt.Activity(id="h", name="Monitoring plan"),
    ]
    p = site_project(acts)
    assert [a.id for a in mp.excavations(p)] == ["a", "b"]
    assert [a.id for a in mp.role_activities(p, "rail_safety_assessment")] == ["g"]
    assert [a.id for a in mp.role_activities(p, "monitoring")] == ["e"]
    assert [a.id for a in mp.role_activities(p, "metro_consent")] == ["d"]


# =========================================================================== template


def test_template_adds_what_is_missing() -> None:
    p = site_project([dig()], site=dict(SITE, foundation_pit_depth_m=16))
    out = pt.apply_template(p, "metro.protection", plugins=[mp])
    added = {a.id for a in out.activities} - {"dig"}
    assert added == {"rail-safety-assessment", "rail-expert-review", "metro-consent",
                     "special-construction-plan", "pit-expert-review", "metro-monitoring"}
    assert ids(out) == ["MP001"]


def test_template_reuses_existing_activities_and_parties() -> None:
    consent = pt.Activity(id="ok", kind="approval", agency="metro", name="Metro approval")
    p = site_project([consent, dig()], site=dict(SITE, foundation_pit_depth_m=4))
    out = pt.apply_template(p, "metro.protection", plugins=[mp], prefix="mp-")
    assert "mp-metro-consent" not in {a.id for a in out.activities}
    assert ("ok", "dig", "FS") in {(k.pred, k.succ, k.type) for k in out.links}
    assert [party.id for party in out.parties] == ["metro", "experts"]
    assert ids(out) == ["MP001"]


def test_template_needs_one_excavation() -> None:
    p = site_project([dig(), pt.Activity(id="dig2", name="Excavation 2")])
    with pytest.raises(pt.ValidationError, match="found 2 excavation activities"):
        pt.apply_template(p, "metro.protection", plugins=[mp])
    out = pt.apply_template(p, "metro.protection", plugins=[mp], excavation="dig2")
    assert ("metro-consent", "dig2") in {(k.pred, k.succ) for k in out.links}


# =========================================================================== packaging


def test_entry_point_is_declared() -> None:
    eps = importlib.metadata.entry_points(group="projtrack")
    assert any(ep.name == "metro_protection" and ep.value == "projtrack_metro_protection"
               for ep in eps)
