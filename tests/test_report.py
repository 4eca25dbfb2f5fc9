"""The HTML report without a browser: content, self-containment, degradation, the CLI.

The browser checks (console errors, screenshot, DOM) are in ``test_report_browser.py``.
"""

from __future__ import annotations

import pathlib
import re
import sys
import types
from collections import Counter
from typing import Any

import pytest
from click.testing import CliRunner

import projtrack as pt
from projtrack import plot
from projtrack.cli import cli
from projtrack.report import Report, build_report

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "renhe-road.yaml"


@pytest.fixture(scope="module")
def project() -> pt.Project:
    return pt.load(EXAMPLE)


@pytest.fixture(scope="module")
def full(project: pt.Project) -> tuple[Report, str]:
    report = build_report(project)
    return report, report.to_html()


def data_keys(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-key="([^"]+)">([^<]*)<', html))


# --------------------------------------------------------------------------- content


def test_key_numbers_match_the_public_api(project: pt.Project, full: tuple[Report, str]) -> None:
    _, html = full
    sched = pt.schedule(project)
    keys = data_keys(html)
    assert keys["finish"] == sched.finish.format("YYYY-MM-DD")
    assert keys["activities"] == str(len(project.activities))
    assert keys["findings"] == str(len(pt.check(project)))
    assert keys["links"] == str(len(project.links))
    done = {r["id"] for r in sched.to_records() if r["status"] == "finished"}
    assert keys["critical"] == str(sum(a not in done for a in sched.critical_path()))


def test_sections_in_order(full: tuple[Report, str]) -> None:
    _, html = full
    ids = re.findall(r'<section id="([^"]+)">', html)
    assert ids == ["summary", "gantt", "critical-path", "approvals", "findings", "delays"]
    nav = re.findall(r'<a href="#([^"]+)">', html)
    assert nav == ids


def test_critical_path_table_lists_the_path_in_order(
    project: pt.Project, full: tuple[Report, str]
) -> None:
    _, html = full
    section = html.split('<section id="critical-path">')[1].split("</section>")[0]
    rows = re.findall(r"<tr[^>]*><td[^>]*>([^<]*)</td>", section)
    assert rows == [str(a) for a in pt.schedule(project).critical_path()]


def test_findings_table_has_every_finding_errors_first(
    project: pt.Project, full: tuple[Report, str]
) -> None:
    _, html = full
    section = html.split('<section id="findings">')[1].split("</section>")[0]
    severities = re.findall(r'<td class="pt-sev-(\w+)">', section)
    findings = pt.check(project)
    assert Counter(severities) == Counter(f.severity for f in findings)
    rank = {"error": 0, "warning": 1, "info": 2}
    assert severities == sorted(severities, key=rank.__getitem__)


def test_charts_are_inline_svg_with_unique_ids(full: tuple[Report, str]) -> None:
    _, html = full
    assert html.count("<svg") == 4  # Gantt, approvals, delays by cause and by party
    ids = re.findall(r'\sid="([^"]+)"', html)
    duplicates = [k for k, n in Counter(ids).items() if n > 1]
    assert duplicates == []
    for ref in re.findall(r'href="#([^"]+)"', html) + re.findall(r"url\(#([^)]+)\)", html):
        assert ref in ids, ref


def test_page_is_self_contained(full: tuple[Report, str]) -> None:
    _, html = full
    lowered = html.lower()
    assert "<script" not in lowered
    assert "<link" not in lowered
    assert "@import" not in lowered
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", lowered)
    assert "content-security-policy" in lowered and "default-src 'none'" in lowered
    assert '<meta charset="utf-8">' in lowered


def test_report_is_reproducible(project: pt.Project, full: tuple[Report, str]) -> None:
    # No clock and no random ids: the same project gives the same bytes.
    assert build_report(project).to_html() == full[1]


def test_summary_lines(project: pt.Project, full: tuple[Report, str]) -> None:
    report, _ = full
    lines = report.summary().splitlines()
    sched = pt.schedule(project)
    assert lines[0] == "Renhe Road old-city renovation (人和路旧城改造项目)"
    assert f"forecast finish {sched.finish.format('YYYY-MM-DD')}" in lines[1]
    assert f"{len(project.activities)} activities" in lines[1]
    # The critical path is the work still to do (finished activities are not on it).
    assert lines[2] == f"  critical path: {len(sched.critical_path())} activities still to do"
    assert lines[3].startswith(f"  checks: {len(pt.check(project))} findings")


# --------------------------------------------------------------------------- degrading


def test_without_charts_tables_remain(project: pt.Project) -> None:
    html = build_report(project, charts=False, checks=False, delays=False).to_html()
    assert "<svg" not in html
    keys = data_keys(html)
    assert keys["findings"] == "n/a" and keys["slippage"] == "n/a"
    assert "Checks were not run." in html


def test_without_matplotlib_the_report_says_how_to_get_charts(
    project: pt.Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(sys.modules):
        if name == "matplotlib" or name.startswith("matplotlib."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    report = build_report(project, checks=False, delays=False)
    html = report.to_html()
    assert "<svg" not in html
    assert "pip install &quot;projtrack[plot]&quot;" in html
    assert 'pip install "projtrack[plot]"' in report.summary()


def test_without_a_cjk_font_charts_use_english_names(
    project: pt.Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(plot, "_find_cjk_family", lambda: None)
    seen: list[Any] = []
    real = plot.gantt

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs.get("cjk"))
        return real(*args, **kwargs)

    monkeypatch.setattr(plot, "gantt", spy)
    html = build_report(project, checks=False, delays=False).to_html()
    assert html.count("<svg") == 2
    assert seen == [False]


def test_delay_section_matches_the_delay_analysis(
    project: pt.Project, full: tuple[Report, str]
) -> None:
    from projtrack.delays import analyze_delays

    analysis = analyze_delays(project)
    _, html = full
    keys = data_keys(html)
    assert float(keys["slippage"].replace(",", "")) == analysis.by_party.total_days
    section = html.split('<section id="delays">')[1].split("</section>")[0]
    assert section.count("<svg") == 2  # waterfalls by cause and by party
    assert analysis.baseline.name in section
    # every party with days appears, with its days
    for group, days in analysis.by_party.attributed.items():
        if days:
            name = project.party(group).name
            assert re.search(
                rf"<td>{re.escape(name)}</td><td class=\"pt-num\">{days:,.0f}</td>", section
            ), name
    assert len(re.findall(r"<tr", section.split("<h3>Stalls</h3>")[1].split("<h3>")[0])) == (
        1 + len(analysis.stalls.to_records())
    )


def test_waterfall_of_the_analysis_adds_up_to_the_slippage(project: pt.Project) -> None:
    from projtrack.delays import analyze_delays

    analysis = analyze_delays(project)
    for by in ("cause", "party"):
        rects = plot.delay_waterfall(analysis, by=by).axes[0].patches
        assert rects[-1].get_width() == pytest.approx(analysis.by_party.total_days)
        assert sum(r.get_width() for r in rects[:-1]) == pytest.approx(
            analysis.by_party.total_days
        )


def test_delay_module_absent_leaves_a_note(
    project: pt.Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "projtrack.delays", None)  # import now fails
    report = build_report(project, checks=False, charts=False)
    assert report.delays is None
    assert "no delay analysis" in report.summary()
    assert data_keys(report.to_html())["slippage"] == "n/a"


def test_a_broken_delay_module_is_not_hidden(
    project: pt.Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = types.ModuleType("projtrack.delays")

    def analyze_delays(p: Any) -> Any:
        raise RuntimeError("bug in the analysis")

    module.analyze_delays = analyze_delays  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "projtrack.delays", module)
    with pytest.raises(RuntimeError, match="bug in the analysis"):
        build_report(project, checks=False)


def test_a_project_the_analysis_refuses_gets_a_note(
    project: pt.Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = types.ModuleType("projtrack.delays")

    def analyze_delays(p: Any) -> Any:
        raise pt.ValidationError("no baseline to compare with", field="baselines")

    module.analyze_delays = analyze_delays  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "projtrack.delays", module)
    report = build_report(project, checks=False, charts=False)
    assert "delay analysis not possible: baselines: no baseline" in report.summary()


# --------------------------------------------------------------------------- CLI


def test_cli_report(tmp_path: pathlib.Path, project: pt.Project) -> None:
    out = tmp_path / "renhe.html"
    result = CliRunner().invoke(cli, ["report", str(EXAMPLE), "-o", str(out), "--no-charts"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("Renhe Road old-city renovation")
    assert lines[-1].startswith(f"Report written to {out}")
    assert pt.schedule(project).finish.format("YYYY-MM-DD") in lines[1]
    assert data_keys(out.read_text("utf-8"))["activities"] == str(len(project.activities))


def test_cli_report_on_a_broken_file(tmp_path: pathlib.Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nstart: 2024-03-01\nactivities:\n - {id: a, links: [ghost]}\n")
    out = tmp_path / "bad.html"
    result = CliRunner().invoke(cli, ["report", str(bad), "-o", str(out)])
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1
    assert "ghost" in result.output and "Traceback" not in result.output
    assert not out.exists()
