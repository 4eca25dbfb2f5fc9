"""Checks: the rule decorator, findings, selection, the report, the PT and DCMA packs, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import attrs
import pendulum
import pluggy
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from tests.plugin_fixtures import isolated_default, load_plugin_module, pm  # noqa: F401

import projtrack as pt
from projtrack._baseline import BaselineActivity
from projtrack.checks import CheckContext, CheckReport, Finding, NotApplicable, RulePack, rule
from projtrack.checks.dcma import PROFILES, profile
from projtrack.cli import cli

D = pendulum.Date


def project(acts: list[pt.Activity], links: list[pt.Link] = (), **kw: object) -> pt.Project:
    kw.setdefault("calendar", "7d")
    return pt.Project(id="p", start=D(2024, 3, 4), activities=acts, links=list(links), **kw)


def chain(n: int, duration: float = 5, **kw: object) -> pt.Project:
    acts = [pt.Activity(id=f"a{i}", duration=duration) for i in range(n)]
    links = [pt.Link(pred=f"a{i}", succ=f"a{i + 1}") for i in range(n - 1)]
    return project(acts, links, **kw)


def ids(report: CheckReport) -> list[str]:
    return [f.check for f in report]


# =========================================================================== rules and findings


@pytest.mark.parametrize("bad", ["xx001", "XX", "TOOLONGPREFIX1", "XX12345", "X-1", ""])
def test_rule_id_is_validated(bad: str) -> None:
    with pytest.raises(pt.ValidationError, match="check id"):
        rule(id=bad, title="t")(lambda ctx: [])


def test_rule_severity_and_title_are_validated() -> None:
    with pytest.raises(pt.ValidationError, match="not a severity"):
        rule(id="XX001", title="t", severity="fatal")(lambda ctx: [])
    with pytest.raises(pt.ValidationError, match="needs a title"):
        rule(id="XX001", title="")(lambda ctx: [])


def test_rule_keeps_docstring_and_is_callable() -> None:
    @rule(id="XX001", title="t")
    def r(ctx):
        """Explains the rule."""
        return [Finding("x")]

    assert r.description == "Explains the rule." and r.prefix == "XX"
    assert r(None) == [Finding("x")]


def test_finding_normalises_fields() -> None:
    f = Finding("m", activities="a", links=[pt.Link(pred="a", succ="b", type="FF"), "c->d"],
                evidence={"when": D(2024, 1, 2), "n": 3, "gap": pendulum.duration(days=2)})
    assert f.activities == ("a",)
    assert f.links == ("a->b:FF", "c->d")
    assert f.evidence == {"when": "2024-01-02", "n": 3, "gap": 2.0}
    with pytest.raises(pt.ValidationError, match="evidence 'x' is list"):
        Finding("m", evidence={"x": [1]})
    with pytest.raises(pt.ValidationError, match="needs a message"):
        Finding("")
    with pytest.raises(pt.ValidationError, match="not a severity"):
        Finding("m", severity="bad")


# =========================================================================== running checks


def _pack(*rules: pt.checks.Rule) -> list[RulePack]:
    return [RulePack(*rules, name="mine")]


@rule(id="XA001", title="one finding", severity="warning")
def xa1(ctx):
    yield Finding("a", activities=["a0"])


@rule(id="XA002", title="one error", severity="error")
def xa2(ctx):
    yield Finding("b", severity="info")


@rule(id="XB001", title="raises")
def xb1(ctx):
    return 1 / 0


def test_findings_get_check_severity_and_plugin() -> None:
    report = pt.check(chain(2), select="XA", plugins=_pack(xa1, xa2))
    assert [(f.check, f.severity, f.plugin) for f in report] == [
        ("XA001", "warning", "mine"), ("XA002", "info", "mine")]
    assert report.checks == ("XA001", "XA002")


@pytest.mark.parametrize(
    ("select", "ignore", "expected"),
    [
        (None, None, ["XA001", "XA002", "XB001"]),
        ("XA", None, ["XA001", "XA002"]),
        (["XA001", "XB"], None, ["XA001", "XB001"]),
        ("xa,xb001", "XA002", ["XA001", "XB001"]),
        ("ALL", ["XA"], ["XB001"]),
    ],
)
def test_selection_by_prefix(select, ignore, expected) -> None:
    report = pt.check(chain(2), select=select, ignore=ignore, plugins=_pack(xa1, xa2, xb1))
    ran = [c for c in report.checks if c.startswith("X")]
    assert ran == expected


def test_unknown_selector_is_an_error() -> None:
    with pytest.raises(pt.ValidationError, match="'ZZ' matches no registered check"):
        pt.check(chain(2), select="ZZ", plugins=_pack(xa1))
    with pytest.raises(pt.ValidationError, match="not a check id or prefix"):
        pt.check(chain(2), ignore="X-1", plugins=_pack(xa1))


def test_a_raising_check_becomes_an_error_finding_and_others_run() -> None:
    report = pt.check(chain(2), select="X", plugins=_pack(xa1, xb1))
    by = {f.check: f for f in report}
    assert by["XB001"].severity == "error"
    assert by["XB001"].message == "check XB001 of plugin 'mine' raised ZeroDivisionError: " \
        "division by zero"
    assert "test_checks.py" in by["XB001"].hint
    assert by["XA001"].message == "a"
    with pytest.raises(ZeroDivisionError):
        pt.check(chain(2), select="X", plugins=_pack(xa1, xb1), strict=True)


def test_not_applicable_and_garbage() -> None:
    @rule(id="XC001", title="n/a")
    def na(ctx):
        raise NotApplicable("no baseline")

    @rule(id="XC002", title="garbage")
    def garbage(ctx):
        yield 42

    report = pt.check(chain(2), select="XC", plugins=_pack(na, garbage))
    assert [(f.check, f.severity, f.message) for f in report] == [
        ("XC001", "info", "not applicable: no baseline"),
        ("XC002", "error", "check XC002 of plugin 'mine' yielded 42, not a Finding"),
    ]
    with pytest.raises(pt.PluginError):
        pt.check(chain(2), select="XC002", plugins=_pack(na, garbage), strict=True)


def test_a_rejected_option_is_raised_not_reported() -> None:
    with pytest.raises(pt.ValidationError, match="unknown DCMA profile 'x'"):
        pt.check(chain(3), select="DCMA01", options={"dcma.profile": "x"})


def test_context_schedule_is_computed_once(pm: pluggy.PluginManager) -> None:  # noqa: F811
    calls = []

    class Count:
        @pt.hookimpl
        def schedule_computed(self, project):
            calls.append(project.id)

    @rule(id="XD001", title="uses the schedule")
    def one(ctx):
        assert ctx.schedule is ctx.schedule
        return []

    @rule(id="XD002", title="uses it too")
    def two(ctx):
        assert ctx.schedule.finish is not None
        return []

    pm.register(Count())
    pm.register(RulePack(one, two))
    pt.check(chain(3), select="XD", plugins=pm)
    assert calls == ["p"]


def test_schedule_failure_is_reported_once() -> None:
    # cn has no holiday data after 2026: the schedule cannot be computed.
    p = pt.Project(id="late", start=D(2030, 1, 7), calendar="cn",
                   activities=[pt.Activity(id="a", duration=5), pt.Activity(id="b")],
                   links=[pt.Link(pred="a", succ="b")])
    report = pt.check(p, select=["DCMA06", "DCMA07", "DCMA01"])
    (f,) = [f for f in report if f.check == "PT101"]
    assert f.severity == "error" and "the schedule could not be computed" in f.message
    assert "(2 checks not evaluated: DCMA06, DCMA07)" in f.message
    assert dict(report.skipped) == {"DCMA06": "no schedule", "DCMA07": "no schedule"}
    assert "DCMA01" in report.checks
    with pytest.raises(pt.CalendarError):
        pt.check(p, select=["DCMA06"], strict=True)


def test_as_of_defaults_to_the_data_date() -> None:
    p = chain(2, data_date=D(2024, 3, 5))
    assert CheckContext(p).as_of == D(2024, 3, 5)
    assert CheckContext(p, as_of=D(2024, 1, 1)).as_of == D(2024, 1, 1)
    assert CheckContext(chain(2)).as_of is None


# =========================================================================== the report


def _report() -> CheckReport:
    return CheckReport(
        "p",
        [Finding("<b>bad</b>", check="XA001", severity="error", activities=["a"],
                 hint="fix & go", evidence={"n": 1}, plugin="mine"),
         Finding("note", check="XB001", severity="info")],
        checks=["XA001", "XB001"],
        titles={"XA001": "first", "XB001": "second"},
    )


def test_report_views() -> None:
    r = _report()
    records = r.to_records()
    assert list(records[0]) == list(CheckReport.COLUMNS)
    assert records[0] == {"project": "p", "check": "XA001", "severity": "error",
                          "title": "first", "message": "<b>bad</b>", "activities": ["a"],
                          "links": [], "hint": "fix & go", "evidence": {"n": 1},
                          "plugin": "mine"}
    data = json.loads(r.to_json())
    assert data["summary"] == {"error": 1, "warning": 0, "info": 1}
    assert data["findings"] == records
    html = r._repr_html_()
    assert "&lt;b&gt;bad&lt;/b&gt;" in html and "<b>bad</b>" not in html
    assert "fix &amp; go" in html
    assert r.to_text().splitlines() == [
        "p: XA001 error: <b>bad</b> [a]",
        "    hint: fix & go",
        "p: XB001 info: note",
        "Found 2 findings (1 error, 1 info) in p; 2 checks run.",
    ]
    assert (r.max_severity, r.failed("error"), r.failed("warning")) == ("error", True, True)
    assert CheckReport("p", []).max_severity is None and not CheckReport("p", []).failed("info")
    assert [f.check for f in r.select("XB")] == ["XB001"]


def test_report_html_is_truncated() -> None:
    many = CheckReport("p", [Finding(f"m{i}", check="XA001", severity="info")
                             for i in range(60)])
    html = many._repr_html_()
    # the header, 50 rows and a "more" row
    assert html.count("<tr") == 52 and "10 more findings (60 in all)" in html


def test_report_to_pandas() -> None:
    pd = pytest.importorskip("pandas")
    df = _report().to_pandas()
    assert list(df.columns) == list(CheckReport.COLUMNS)
    assert df["severity"].dtype == pd.CategoricalDtype(["info", "warning", "error"],
                                                       ordered=True)
    assert df["severity"].max() == "error"


@given(
    st.lists(st.sampled_from(["XA001", "XA002", "XB001"]), unique=True),
    st.lists(st.sampled_from(["XA", "XB", "XA001", "XA002", "XB001"]), max_size=2),
)
def test_selection_property(select: list[str], ignore: list[str]) -> None:
    report = pt.check(chain(2), select=select or None, ignore=ignore,
                      plugins=_pack(xa1, xa2, xb1))
    wanted = {"XA001", "XA002", "XB001"} if not select else set(select)
    wanted = {c for c in wanted if not any(c.startswith(i) for i in ignore)}
    assert {c for c in report.checks if c[0] == "X"} == wanted
    assert {f.check for f in report if f.check[0] == "X"} <= wanted


@given(st.lists(st.tuples(st.sampled_from(["info", "warning", "error"]),
                          st.text(min_size=1, max_size=20)), max_size=8))
def test_report_json_round_trip(items: list[tuple[str, str]]) -> None:
    r = CheckReport("p", [Finding(m, check="XA001", severity=s) for s, m in items])
    data = json.loads(r.to_json())
    assert [(f["severity"], f["message"]) for f in data["findings"]] == items
    assert sum(data["summary"].values()) == len(items)
    worst = max((["info", "warning", "error"].index(s) for s, _ in items), default=None)
    assert r.failed("warning") == (worst is not None and worst >= 1)


# =========================================================================== PT pack


def test_pt_clean_on_a_clean_chain() -> None:
    assert ids(pt.check(chain(4), select="PT")) == []


def test_pt003_open_ends() -> None:
    p = project([pt.Activity(id=x) for x in "abcd"],
                [pt.Link(pred="a", succ="c"), pt.Link(pred="b", succ="c")])
    findings = list(pt.check(p, select="PT003"))
    assert [f.message for f in findings] == [
        "3 unfinished activities have no predecessor: 'a', 'b', 'd'",
        "2 unfinished activities have no successor: 'c', 'd'",
    ]
    assert findings[1].activities == ("c", "d")
    done = attrs.evolve(p.activities[3], actual_start=D(2024, 3, 4),
                        actual_finish=D(2024, 3, 4))
    assert [f.activities for f in pt.check(p.with_activity(done), select="PT003")] == [
        ("a", "b")]
    one_start = project([pt.Activity(id=x) for x in "abc"],
                        [pt.Link(pred="a", succ="b"), pt.Link(pred="a", succ="c")])
    assert [f.activities for f in pt.check(one_start, select="PT003")] == [("b", "c")]


def test_pt004_duplicate_links() -> None:
    p = project([pt.Activity(id="a"), pt.Activity(id="b")],
                [pt.Link(pred="a", succ="b"), pt.Link(pred="a", succ="b", lag=2),
                 pt.Link(pred="a", succ="b", type="SS")])
    (f,) = pt.check(p, select="PT004")
    assert f.message == "2 FS links from 'a' to 'b' (lags 0, 2)"
    assert f.links == ("a->b",) and f.severity == "warning"
    ladder = project([pt.Activity(id="a"), pt.Activity(id="b")],
                     [pt.Link(pred="a", succ="b", type="SS"),
                      pt.Link(pred="a", succ="b", type="FF")])
    assert ids(pt.check(ladder, select="PT004")) == []


def test_pt007_dates_after_the_data_date() -> None:
    acts = [pt.Activity(id="a", actual_start=D(2024, 3, 4), actual_finish=D(2024, 3, 12)),
            pt.Activity(id="b", actual_start=D(2024, 3, 10))]
    events = [pt.Event(at=D(2024, 3, 20), kind="progress", activity="b", percent=10)]
    p = project(acts, [pt.Link(pred="a", succ="b")], events=events, data_date=D(2024, 3, 10))
    findings = list(pt.check(p, select="PT007"))
    assert [(f.severity, f.activities, f.evidence.get("days_after")) for f in findings] == [
        ("error", ("a",), 2), ("warning", ("b",), None)]
    assert ids(pt.check(p, select="PT007", as_of="2024-03-31")) == []
    assert ids(pt.check(attrs.evolve(p, data_date=None), select="PT007")) == []


def test_pt_rules_on_a_raw_document() -> None:
    doc = {
        "id": "raw", "start": "2024-03-04", "data_date": "2024-03-10",
        "activities": [
            {"id": "a", "links": ["c"]},
            {"id": "b", "links": ["a", "ghost", {"pred": "a"}]},
            {"id": "c", "links": [{"pred": "b", "type": "SS"}], "calendar": "mars"},
            {"id": "m", "kind": "milestone", "duration": "3d", "actual_start": "2024-04-01"},
            {"id": "a"},
            "not an activity",
        ],
    }
    report = pt.check(doc, select="PT")
    assert not report.valid and report.project == "raw"
    got = [(f.check, f.activities) for f in report]
    assert got == [
        ("PT001", ("a", "b", "c")),
        ("PT002", ("b",)),
        ("PT004", ("a", "b")),
        ("PT005", ("m",)),
        ("PT006", ("c",)),
        ("PT007", ("m",)),
        ("PT008", ("a",)),
    ]
    # Only the PT checks ran; the rest are listed as skipped.
    assert all(c.startswith("PT") for c in report.checks)


def test_pt000_when_nothing_else_explains_the_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nstart: 2024-03-01\nactivities: [{id: a, duration: {days: 3}}]\n",
                   encoding="utf-8")
    (f,) = pt.check(bad, select="PT")
    assert f.check == "PT000" and f.severity == "error"
    assert f.message.startswith(f"the project does not load: {bad}:3:")
    (g,) = pt.check(tmp_path / "missing.yaml", select="PT")
    assert g.check == "PT000" and "cannot read the file" in g.message
    syntax = tmp_path / "syntax.yaml"
    syntax.write_text("id: x\nstart: [\n", encoding="utf-8")
    assert "invalid YAML" in next(iter(pt.check(syntax))).message


def test_renhe_road_has_no_integrity_findings() -> None:
    report = pt.check("examples/renhe-road.yaml", select="PT", plugins=[])
    assert report.valid and ids(report) == []


# =========================================================================== DCMA pack


def test_dcma_profiles() -> None:
    assert profile({}).high_float_days == 44 and profile({}).name == "standard"
    assert profile({"dcma.profile": "strict"}) is PROFILES["strict"]
    with pytest.raises(pt.ValidationError, match=r"unknown DCMA option 'dcma\.nope'"):
        profile({"dcma.nope": 1})


def test_dcma01_logic_threshold() -> None:
    # start milestone -> a0 .. a19 -> finish milestone: 22 incomplete activities.
    base = chain(20).extend(
        activities=[pt.Activity(id="s", kind="milestone", milestone_type="start"),
                    pt.Activity(id="f", kind="milestone")],
        links=[pt.Link(pred="s", succ="a0"), pt.Link(pred="a19", succ="f")])
    assert ids(pt.check(base, select="DCMA01")) == []  # the two milestones are not gaps
    one = base.extend(activities=[pt.Activity(id="x")], links=[pt.Link(pred="a3", succ="x")])
    assert ids(pt.check(one, select="DCMA01")) == []  # 1 of 23: 4.3 % <= 5 %
    two = one.extend(activities=[pt.Activity(id="y")], links=[pt.Link(pred="y", succ="a5")])
    (f,) = pt.check(two, select="DCMA01")  # 2 of 24: 8.3 %
    assert (f.evidence["count"], f.evidence["total"]) == (2, 24)
    assert f.activities == ("x", "y")
    assert ids(pt.check(one, select="DCMA01", options={"dcma.profile": "strict"})) == [
        "DCMA01"]  # strict: <= 1 %


def test_dcma02_to_05_link_and_constraint_metrics() -> None:
    acts = [pt.Activity(id=f"a{i}", duration=3) for i in range(6)]
    acts[4] = attrs.evolve(acts[4], constraints=[pt.Constraint("mandatory_start",
                                                               D(2024, 3, 20))])
    links = [pt.Link(pred="a0", succ="a1", lag=-1), pt.Link(pred="a1", succ="a2", lag=2),
             pt.Link(pred="a2", succ="a3", type="SS"), pt.Link(pred="a3", succ="a4"),
             pt.Link(pred="a4", succ="a5")]
    p = project(acts, links)
    report = pt.check(p, select=["DCMA02", "DCMA03", "DCMA04", "DCMA05"])
    by = {f.check: f for f in report}
    assert by["DCMA02"].links == ("a0->a1",)
    assert by["DCMA03"].evidence["ratio"] == 0.2 and by["DCMA03"].links == ("a1->a2",)
    assert by["DCMA04"].evidence["ratio"] == 0.8
    assert by["DCMA05"].activities == ("a4",)
    relaxed = pt.check(p, select="DCMA05", options={"dcma.hard_constraints_max": 0.2})
    assert ids(relaxed) == []
    soft = attrs.evolve(acts[4], constraints=[pt.Constraint("start_no_earlier_than",
                                                            D(2024, 3, 20))])
    assert ids(pt.check(p.with_activity(soft), select="DCMA05")) == []


def test_dcma06_07_float() -> None:
    acts = [pt.Activity(id="a", duration=100), pt.Activity(id="b", duration=1),
            pt.Activity(id="z", kind="milestone")]
    links = [pt.Link(pred="a", succ="z"), pt.Link(pred="b", succ="z")]
    p = project(acts, links)
    (f,) = pt.check(p, select="DCMA06")
    assert f.activities == ("b",)  # 99 days of float
    assert ids(pt.check(p, select="DCMA06", options={"dcma.high_float_days": 120})) == []
    late = p.with_activity(attrs.evolve(
        acts[2], constraints=[pt.Constraint("finish_no_later_than", D(2024, 4, 1))]))
    (g,) = pt.check(late, select="DCMA07")
    assert g.evidence["worst_days"] < 0 and "a" in g.activities


def test_dcma08_duration() -> None:
    p = project([pt.Activity(id="long", duration=45), pt.Activity(id="h", duration=400,
                                                                  duration_unit="h")],
                [pt.Link(pred="long", succ="h")])
    (f,) = pt.check(p, select="DCMA08")
    assert f.activities == ("long", "h")  # 45 d and 50 d (400 h / 8)
    assert ids(pt.check(p, select="DCMA08", options={"dcma.high_duration_days": 60})) == []


def test_dcma09_invalid_dates() -> None:
    p = chain(3)
    assert [f.message for f in pt.check(p, select="DCMA09")] == [
        "not applicable: no status date: set the project's data_date or pass as_of"]
    done = attrs.evolve(p.activities[0], actual_start=D(2024, 3, 4),
                        actual_finish=D(2024, 3, 20))
    q = p.with_activity(done)
    (f,) = pt.check(q, select="DCMA09", as_of=D(2024, 3, 10))
    assert f.severity == "error" and f.evidence["actual"] == 1 and "a0" in f.activities
    assert ids(pt.check(q, select="DCMA09", as_of=D(2024, 3, 25))) == []


def test_dcma_baseline_metrics_are_not_applicable_without_a_baseline() -> None:
    report = pt.check(chain(3), select=["DCMA10", "DCMA11", "DCMA13", "DCMA14"])
    assert [(f.check, f.severity) for f in report] == [
        ("DCMA10", "info"), ("DCMA11", "info"), ("DCMA13", "info"), ("DCMA14", "info")]
    assert report.findings[1].message == "not applicable: no baseline"


def _baselined(finishes: dict[str, pendulum.Date], actual: dict[str, pendulum.Date],
               data_date: pendulum.Date) -> pt.Project:
    """Ten one-day tasks with the given baseline finishes and actual finishes."""
    acts = []
    for i in range(10):
        aid = f"t{i}"
        done = actual.get(aid)
        acts.append(pt.Activity(id=aid, duration=1,
                                actual_start=done, actual_finish=done))
    base = pt.Baseline(
        name="plan", finish=max(finishes.values()),
        activities=[BaselineActivity(id=a, start=f, finish=f) for a, f in finishes.items()])
    return project(acts, data_date=data_date, baselines=[base])


def test_dcma11_and_14_against_a_baseline() -> None:
    # All ten were due by 1 April; nine finished by then, one of them late.
    finishes = {f"t{i}": D(2024, 3, 4 + i) for i in range(10)}
    actual = {f"t{i}": D(2024, 3, 4 + i) for i in range(9)}
    actual["t8"] = D(2024, 3, 20)  # due on the 12th
    p = _baselined(finishes, actual, D(2024, 4, 1))
    by = {f.check: f for f in pt.check(p, select=["DCMA11", "DCMA14"])}
    assert by["DCMA11"].activities == ("t8", "t9")  # 2 of 10 missed: 20 % > 5 %
    assert by["DCMA14"].evidence["bei"] == 0.9 and by["DCMA14"].activities == ("t9",)
    on_time = dict(actual, t8=D(2024, 3, 12), t9=D(2024, 3, 13))
    assert ids(pt.check(_baselined(finishes, on_time, D(2024, 4, 1)),
                        select=["DCMA11", "DCMA14"])) == []
    # Before anything was due: not applicable, not a pass.
    early = _baselined(finishes, {}, D(2024, 3, 1))
    assert [f.message for f in pt.check(early, select="DCMA14")] == [
        "not applicable: no task was due by 2024-03-01 in baseline 'plan'"]
    with pytest.raises(pt.ValidationError, match="no baseline 'other'"):
        pt.check(p, select="DCMA14", options={"dcma.baseline": "other"})


def test_dcma13_cpli() -> None:
    # 20 days of work left from the status date; the baseline completion allows 20 or 10.
    acts = [pt.Activity(id="a", duration=20)]
    def with_finish(finish: pendulum.Date) -> pt.Project:
        base = pt.Baseline(name="plan", finish=finish, activities=[
            BaselineActivity(id="a", start=D(2024, 2, 1), finish=finish)])
        return project(acts, data_date=D(2024, 3, 4), baselines=[base])

    assert ids(pt.check(with_finish(D(2024, 3, 24)), select="DCMA13")) == []
    (f,) = pt.check(with_finish(D(2024, 3, 14)), select="DCMA13")
    assert f.evidence["length_days"] == 10 and f.evidence["float_days"] == -10
    assert f.evidence["cpli"] == 0.0
    (g,) = pt.check(with_finish(D(2024, 3, 1)), select="DCMA13")
    assert "already past at the status date" in g.message


def test_dcma12_critical_path_test() -> None:
    p = chain(4, duration=10)
    assert ids(pt.check(p, select="DCMA12")) == []
    # A mandatory finish on the last activity absorbs any delay: the test fails.
    pinned = p.with_activity(attrs.evolve(
        p.activities[3], constraints=[pt.Constraint("mandatory_finish", D(2024, 4, 10))]))
    (f,) = pt.check(pinned, select="DCMA12")
    assert f.activities == ("a0", "a3") and f.evidence["delay_days"] == 600
    assert f.evidence["ratio"] < 0.9 and f.evidence["finish_slip_days"] == 0


def test_dcma12_retries_a_smaller_delay_when_calendars_run_out() -> None:
    p = pt.Project(id="cn", start=D(2025, 3, 3), calendar="cn",
                   activities=[pt.Activity(id="a", duration=10), pt.Activity(id="b", duration=10)],
                   links=[pt.Link(pred="a", succ="b")],
                   attrs={})
    pinned = p.with_activity(attrs.evolve(
        p.activities[1], constraints=[pt.Constraint("mandatory_finish", D(2025, 3, 24))]))
    (f,) = pt.check(pinned, select="DCMA12")
    assert f.evidence["delay_days"] == 200  # 600 cn working days would run past 2026


# =========================================================================== CLI


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, text in {
        "clean.yaml": "id: c\nstart: 2024-03-04\ncalendar: 7d\nactivities:\n"
        "  - {id: a, duration: 2}\n  - {id: b, duration: 2, links: [a]}\n",
        "warn.yaml": "id: w\nstart: 2024-03-04\ncalendar: 7d\nactivities:\n"
        "  - {id: a, duration: 2}\n  - {id: b, duration: 2, links: [a, a]}\n",
        "cycle.yaml": "id: x\nstart: 2024-03-04\nactivities:\n"
        "  - {id: a, links: [b]}\n  - {id: b, links: [a]}\n",
    }.items():
        out[name] = tmp_path / name
        out[name].write_text(text, encoding="utf-8")
    return out


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_cli_exit_codes(files: dict[str, Path], isolated_default) -> None:  # noqa: F811
    assert run("check", "--select", "PT", str(files["clean.yaml"])) == (
        0, f"Found 0 findings in {files['clean.yaml']}; 9 checks run.\n")
    code, out = run("check", "--select", "PT", str(files["warn.yaml"]))
    assert code == 0 and "PT004 warning" in out
    assert run("check", "--select", "PT", "--fail-on", "warning", str(files["warn.yaml"]))[0] == 1
    assert run("check", str(files["cycle.yaml"]))[0] == 1
    assert run("check", "--select", "NOPE1", str(files["clean.yaml"]))[0] == 2
    assert run("check", "--fail-on", "fatal", str(files["clean.yaml"]))[0] == 2
    assert run("check", "--option", "novalue", str(files["clean.yaml"]))[0] == 2
    assert run("check", "--option", "dcma.profile=bogus", str(files["clean.yaml"]))[0] == 2
    assert run("check")[0] == 2


def test_cli_json_and_many_files(files: dict[str, Path], isolated_default) -> None:  # noqa: F811
    code, out = run("check", "--select", "PT", "--format", "json",
                    str(files["clean.yaml"]), str(files["cycle.yaml"]))
    data = json.loads(out)
    assert code == 1
    assert [d["project"] for d in data] == ["c", str(files["cycle.yaml"])]
    assert [d["valid"] for d in data] == [True, False]
    assert data[1]["findings"][0]["check"] == "PT001"
    code, out = run("check", "--select", "PT", str(files["clean.yaml"]), str(files["warn.yaml"]))
    assert out.splitlines()[-1] == "Total: 1 finding in 2 files; 0 at or above error."


def test_cli_options_and_as_of(files: dict[str, Path], isolated_default) -> None:  # noqa: F811
    p = files["clean.yaml"]
    p.write_text(p.read_text(encoding="utf-8").replace(
        "  - {id: a, duration: 2}", "  - {id: a, duration: 50}"), encoding="utf-8")
    code, out = run("check", "--select", "DCMA08", str(p))
    assert code == 0 and "DCMA08 warning" in out
    code, out = run("check", "--select", "DCMA08", "--option", "dcma.high_duration_days=60",
                    str(p))
    assert code == 0 and out.startswith("Found 0 findings")
    _, out = run("check", "--select", "DCMA09", "--as-of", "2024-03-10", str(p))
    assert "not applicable" not in out
    _, out = run("check", "--select", "DCMA09", str(p))
    assert "DCMA09 info: not applicable: no status date" in out


def test_cli_strict(files: dict[str, Path], isolated_default) -> None:  # noqa: F811
    isolated_default.register(load_plugin_module("raising"), name="raising")
    code, out = run("check", "--select", "TX001", str(files["clean.yaml"]))
    assert code == 1 and "plugin 'raising' raised ZeroDivisionError" in out
    result = CliRunner().invoke(cli, ["check", "--strict", "--select", "TX001",
                                      str(files["clean.yaml"])])
    assert isinstance(result.exception, ZeroDivisionError)
