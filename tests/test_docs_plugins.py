"""The snippets shown in docs/plugins/testing.md, and the plugin built in docs/plugins/writing.md.

The code between ``-- start NAME --`` and ``-- end NAME --`` comments is
included verbatim in ``docs/plugins/testing.md`` (``literalinclude``), so the
published snippets are tests that run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pendulum
import pluggy
import pytest
from click.testing import CliRunner
from tests.plugin_fixtures import (  # noqa: F401 - fixtures
    fake_distributions,
    isolated_default,
    load_plugin_module,
    module_on_path,
)

import projtrack as pt
from projtrack.cli import cli

ROOT = Path(__file__).resolve().parents[1]
WRITING = ROOT / "docs" / "plugins" / "writing.md"
TESTING = ROOT / "docs" / "plugins" / "testing.md"


# -- start isolated_manager --
@pytest.fixture
def plugin_manager() -> pluggy.PluginManager:
    # Built-in plugins only: installed plugins cannot change what the test sees.
    return pt.get_plugin_manager(load_entrypoints=False)


@pt.rule(id="SR001", title="Approvals name their agency", severity="error")
def approvals_have_agency(ctx):
    for act in ctx.project.activities:
        if act.kind == "approval" and act.agency is None:
            yield pt.Finding(f"approval {act.id!r} names no agency", activities=[act.id])


def test_rule_reports_approval_without_agency(plugin_manager):
    plugin_manager.register(pt.checks.RulePack(approvals_have_agency, name="site_rules"))
    project = pt.Project(
        id="p",
        start=pendulum.Date(2024, 3, 1),
        activities=[pt.Activity(id="permit", kind="approval", duration=20)],
    )
    report = pt.check(project, select=["SR"], plugins=plugin_manager)
    assert [(f.check, f.severity, f.activities, f.plugin) for f in report] == [
        ("SR001", "error", ("permit",), "site_rules")
    ]
# -- end isolated_manager --


# -- start temporary_registration --
class SiteRules:
    """A class-based plugin, registered only for the tests that ask for it."""

    @pt.hookimpl
    def register_checks(self):
        return [approvals_have_agency]


@pytest.fixture
def site_rules_registered() -> Iterator[pluggy.PluginManager]:
    pm = pt.get_plugin_manager(load_entrypoints=False)
    plugin = SiteRules()
    pm.register(plugin, name="site_rules")
    yield pm  # the test runs here ...
    pm.unregister(plugin)  # ... and only then is the plugin removed


def test_plugin_is_listed(site_rules_registered):
    names = [info["name"] for info in pt.list_plugins(site_rules_registered)]
    assert "site_rules" in names
# -- end temporary_registration --


# -- start cli --
def test_cli_exit_code(tmp_path, monkeypatch):
    monkeypatch.setenv("PROJTRACK_DISABLE_PLUGIN_AUTOLOAD", "1")  # built-ins only
    pt._plugins.reset_default_plugin_manager()
    path = tmp_path / "p.yaml"
    path.write_text(
        "id: p\nstart: 2024-03-01\n"
        "activities:\n  - {id: a, links: [b]}\n  - {id: b, links: [a]}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["check", "--select", "PT", str(path)])
    assert result.exit_code == 1  # an error-level finding
    assert "PT001 error: links form a cycle a -> b -> a" in result.output
    pt._plugins.reset_default_plugin_manager()
# -- end cli --


def test_plugin_is_not_listed_without_the_fixture() -> None:
    pm = pt.get_plugin_manager(load_entrypoints=False)
    assert "site_rules" not in [info["name"] for info in pt.list_plugins(pm)]


def test_testing_page_includes_every_snippet() -> None:
    text = TESTING.read_text(encoding="utf-8")
    source = Path(__file__).read_text(encoding="utf-8")
    names = re.findall(r"# -- start (\w+) --", source)
    assert names == ["isolated_manager", "temporary_registration", "cli"]
    for name in names:
        assert f"-- start {name} --" in text, name
        assert f"# -- end {name} --" in source
    assert "tests/test_docs_plugins.py" in text


# --------------------------------------------------------------------------- writing.md


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def _writing_plugin() -> tuple[str, str]:
    text = WRITING.read_text(encoding="utf-8")
    module = next(b for b in _blocks(text, "python")
                  if b.startswith("# src/projtrack_site_rules/__init__.py"))
    toml = next(b for b in _blocks(text, "toml") if b.startswith("# pyproject.toml"))
    return module, toml


def test_writing_plugin_fits_in_30_lines() -> None:
    module, toml = _writing_plugin()
    code = [line for line in module.splitlines()[1:]]  # without the file-name comment
    assert len(code) <= 30, len(code)
    assert '[project.entry-points.projtrack]' in toml
    assert 'site_rules = "projtrack_site_rules"' in toml


def test_writing_plugin_works_as_documented(fake_distributions, module_on_path) -> None:  # noqa: F811
    """Install the documented plugin (as a distribution with its entry point) and use it."""
    import tomllib

    module, toml = _writing_plugin()
    meta = tomllib.loads(toml)
    module_on_path("projtrack_site_rules", module)
    import importlib

    plugin = importlib.import_module("projtrack_site_rules")
    ((ep_name, target),) = meta["project"]["entry-points"]["projtrack"].items()
    assert target == "projtrack_site_rules"
    fake_distributions((meta["project"]["name"], meta["project"]["version"], {ep_name: plugin}))

    runner = CliRunner()
    listed = runner.invoke(cli, ["plugins", "--no-builtin"])
    assert listed.exit_code == 0, listed.output
    doc = WRITING.read_text(encoding="utf-8")
    console = _blocks(doc, "console")[0]
    shown = console.split("$ projtrack plugins --no-builtin\n")[1].split("$ ")[0]
    assert shown in listed.output

    checked = runner.invoke(cli, ["check", "--select", "SR", "examples/renhe-road.yaml"])
    first = console.split("$ projtrack check --select SR examples/renhe-road.yaml\n")[1]
    assert checked.output.startswith(first.splitlines()[0] + "\n"), checked.output
    assert checked.exit_code == 0  # warnings only: below the default --fail-on error


def test_documented_plugin_survives_a_raising_neighbour(
    fake_distributions, module_on_path  # noqa: F811
) -> None:
    module, _ = _writing_plugin()
    module_on_path("projtrack_site_rules", module)
    import importlib

    good = importlib.import_module("projtrack_site_rules")
    bad = load_plugin_module("raising")
    fake_distributions(
        ("projtrack-site-rules", "0.1.0", {"site_rules": good}),
        ("projtrack-raising", "9.9", {"raising": bad}),
    )
    result = CliRunner().invoke(
        cli, ["check", "--select", "SR,TX", "--format", "json", "examples/renhe-road.yaml"]
    )
    import json

    (report,) = json.loads(result.output)
    by_check = {}
    for f in report["findings"]:
        by_check.setdefault(f["check"], []).append(f)
    assert by_check["TX001"][0]["severity"] == "error"
    assert "plugin 'raising'" in by_check["TX001"][0]["message"]
    assert "ZeroDivisionError" in by_check["TX001"][0]["message"]
    assert "SR002" in by_check and "TX003" in by_check
    assert result.exit_code == 1
