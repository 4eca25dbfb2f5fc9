"""The two plugins in ``plugins/`` found through their real entry points, and the Renhe Road check.

CI installs ``plugins/projtrack-cn-approvals`` and ``plugins/projtrack-metro-protection``
(``pip install ./plugins/...``). There these tests must run: with ``CI`` set, a
missing plugin is a failure, not a skip. Outside CI they are skipped when the
plugins are not installed.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
from pathlib import Path

import pluggy
import pytest
from click.testing import CliRunner

import projtrack as pt
from projtrack import _plugins
from projtrack.cli import cli

ROOT = Path(__file__).resolve().parents[1]
CHECKS_MD = ROOT / "docs" / "checks.md"
PLUGINS = {
    "cn_approvals": "projtrack-cn-approvals",
    "metro_protection": "projtrack-metro-protection",
}


def _installed() -> dict[str, importlib.metadata.EntryPoint]:
    return {ep.name: ep for ep in importlib.metadata.entry_points(group="projtrack")
            if ep.name in PLUGINS}


@pytest.fixture
def real_plugins(monkeypatch: pytest.MonkeyPatch) -> pluggy.PluginManager:
    """The default manager with autoload on, after checking both plugins are installed."""
    missing = sorted(set(PLUGINS) - set(_installed()))
    if missing:
        message = (f"plugins not installed: {', '.join(PLUGINS[m] for m in missing)}; "
                   "pip install ./plugins/projtrack-cn-approvals "
                   "./plugins/projtrack-metro-protection")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    for name in ("PROJTRACK_DISABLE_PLUGIN_AUTOLOAD", "PROJTRACK_LOAD_PLUGINS",
                 "PROJTRACK_TRACE_PLUGINS"):
        monkeypatch.delenv(name, raising=False)
    _plugins.reset_default_plugin_manager()
    yield _plugins.default_plugin_manager()
    _plugins.reset_default_plugin_manager()


def test_plugins_are_found_through_their_entry_points(real_plugins: pluggy.PluginManager) -> None:
    eps = _installed()
    assert eps["cn_approvals"].value == "projtrack_cn_approvals"
    assert eps["metro_protection"].value == "projtrack_metro_protection"
    info = {i["name"]: i for i in pt.list_plugins(real_plugins)}
    for name, dist in PLUGINS.items():
        assert info[name]["distribution"] == dist
        assert info[name]["version"] == importlib.metadata.version(dist)
        assert info[name]["builtin"] is False
        assert info[name]["hooks"] == ["register_activity_templates", "register_checks"]
    assert info["cn_approvals"]["checks"] == ["CN001", "CN002", "CN003", "CN004", "CN005"]
    assert info["metro_protection"]["checks"] == [f"MP00{i}" for i in range(1, 10)]
    assert pt.templates.list_templates() == ["cn.approval-chain", "metro.protection"]


def test_plugins_command_lists_them(real_plugins: pluggy.PluginManager) -> None:
    out = CliRunner().invoke(cli, ["plugins", "--no-builtin"]).output
    for name, dist in PLUGINS.items():
        assert f"{name} {importlib.metadata.version(dist)} ({dist})" in out


def test_load_plugins_switch_with_real_plugins(
    real_plugins: pluggy.PluginManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROJTRACK_LOAD_PLUGINS", "projtrack-metro-protection")
    pm = pt.get_plugin_manager()
    assert pm.has_plugin("metro_protection") and not pm.has_plugin("cn_approvals")
    monkeypatch.setenv("PROJTRACK_LOAD_PLUGINS", "")
    assert not pt.get_plugin_manager().has_plugin("metro_protection")


def _documented_output() -> str:
    text = CHECKS_MD.read_text(encoding="utf-8")
    match = re.search(r"```console\n\$ projtrack check examples/renhe-road.yaml\n(.*?)```",
                      text, flags=re.S)
    assert match, "docs/checks.md must show the output of projtrack check examples/renhe-road.yaml"
    return match.group(1)


def test_renhe_road_output_is_documented(real_plugins: pluggy.PluginManager) -> None:
    result = CliRunner().invoke(cli, ["check", "examples/renhe-road.yaml"])
    assert result.output == _documented_output(), (
        "docs/checks.md is out of date; the output now is:\n" + result.output)
    assert result.exit_code == (1 if " error: " in result.output else 0)


def test_renhe_road_findings(real_plugins: pluggy.PluginManager) -> None:
    """What a reviewer expects on the Renhe Road file, and nothing spurious."""
    report = pt.check("examples/renhe-road.yaml")
    assert report.valid
    by: dict[str, list[pt.Finding]] = {}
    for f in report:
        by.setdefault(f.check, []).append(f)
    # No structural problems, no approval out of order or without its prerequisites,
    # no permit lapse, no idle land.
    for clean in ("PT", "CN001", "CN002", "CN004", "CN005", "MP002", "MP003", "MP004", "MP005",
                  "MP007", "MP009"):
        assert not [c for c in by if c.startswith(clean)], clean
    # The site is in the Qingdao control zone of metro lines 1 and 2.
    (zone,) = by["MP001"]
    assert zone.evidence["distance_m"] == 12 and zone.evidence["width_m"] == 50
    # The approvals the page says were slow are over their statutory limits.
    slow = {f.activities[0] for f in by["CN003"]}
    assert {"metro-pit-approval", "planning-scheme-approval"} <= slow
    assert "construction-permit" not in slow and "engineering-planning-permit" not in slow
    # Against the stored (2008) baseline the project is years late: counted here from the file.
    project = pt.load("examples/renhe-road.yaml")
    base = project.baselines[-1]
    status = project.data_date
    due = [a for a in project.activities if a.kind != "milestone" and a.id in base
           and str(base.activity(a.id).finish)[:10] <= str(status)]
    done = [a for a in project.activities if a.kind != "milestone" and a.id in base
            and a.actual_finish is not None and str(a.actual_finish)[:10] <= str(status)]
    (bei,) = by["DCMA14"]
    assert (bei.evidence["due"], bei.evidence["finished"]) == (len(due), len(done))
    (cpli,) = by["DCMA13"]
    assert str(base.finish)[:10] < str(status) and "already past" in cpli.message
    assert [f.message for f in by["DCMA10"]] == [
        "not applicable: the schedule is not resource-loaded (projtrack models no resources)"]
