"""The plugin hooks (one ``test_hook_<name>`` each), the manager, discovery and the meta-tests."""

from __future__ import annotations

import importlib.util
import inspect
import json
import re
import sys
from pathlib import Path

import pendulum
import pluggy
import pytest
from click.testing import CliRunner
from tests.plugin_fixtures import (  # noqa: F401 - fixtures
    fake_distributions,
    isolated_default,
    load_plugin_module,
    pm,
)

import projtrack as pt
from projtrack import _plugins, hookspecs
from projtrack.exceptions import PluginError, ProjtrackWarning

ROOT = Path(__file__).resolve().parents[1]
HOOKS_MD = ROOT / "docs" / "reference" / "hooks.md"


def _spec_names() -> list[str]:
    return [
        name for name, obj in vars(hookspecs).items()
        if callable(obj) and getattr(obj, "projtrack_spec", None) is not None
    ]


def _project(**kw: object) -> pt.Project:
    return pt.Project(id="p", start=pendulum.Date(2024, 3, 4), calendar="7d", **kw)


# =========================================================================== one test per hook


def test_hook_add_hookspecs(pm: pluggy.PluginManager) -> None:  # noqa: F811 - fixture
    own = load_plugin_module("own_hooks")
    implementer = own.Implementer()
    pm.register(implementer)  # implements a hook nobody has declared yet
    pm.register(own)  # declares it (historic: called at registration)
    pm.check_pending()
    project = _project(
        parties=[pt.Party(id="city", role="government_agency")],
        activities=[pt.Activity(id="permit", kind="approval", agency="city")],
    )
    assert pm.hook.approval_agencies(project=project) == [["city"]]


def test_hook_add_hookspecs_late_definer_in_a_fresh_manager() -> None:
    own = load_plugin_module("own_hooks")
    first = _plugins.resolve_plugins([own, own.Implementer()])
    assert hasattr(first.hook, "approval_agencies")
    with pytest.raises(PluginError, match="approval_agencies"):
        _plugins.resolve_plugins([own.Implementer()])  # nobody declares the hook


def test_hook_register_checks(pm: pluggy.PluginManager) -> None:  # noqa: F811 - fixture
    raising = load_plugin_module("raising")
    pm.register(raising, name="raising")
    pairs = _plugins.collect_checks(pm)
    ids = [r.id for _, r in pairs]
    assert ids[:1] == ["PT000"] and {"TX001", "TX002", "TX003"} <= set(ids)
    assert {r.id: plugin for plugin, r in pairs}["TX003"] == "raising"
    report = pt.check(_project(activities=[pt.Activity(id="a")]), select="TX", plugins=pm)
    assert [(f.check, f.severity) for f in report] == [
        ("TX001", "error"), ("TX002", "error"), ("TX003", "info")
    ]


def test_hook_register_checks_rejects_bad_returns(pm: pluggy.PluginManager) -> None:  # noqa: F811 - fixture
    class Bad:
        @pt.hookimpl
        def register_checks(self):
            return ["not a rule"]

    pm.register(Bad(), name="bad")
    with pytest.raises(PluginError, match="plugin 'bad' returned 'not a rule'") as info:
        _plugins.collect_checks(pm)
    assert info.value.plugin == "bad"
    report = pt.check(_project(), plugins=pm, select="PT")
    (f,) = [f for f in report if f.check == "PT100"]
    assert f.severity == "error" and f.plugin == "bad"


def test_hook_register_checks_refuses_a_taken_id(pm: pluggy.PluginManager) -> None:  # noqa: F811 - fixture
    @pt.rule(id="PT001", title="An impostor")
    def impostor(ctx):
        return []

    pm.register(pt.checks.RulePack(impostor, name="impostor"))
    with pytest.raises(PluginError, match=r"'PT001' from plugin 'impostor' is already registered"
                       " by plugin 'projtrack.checks.integrity'"):
        _plugins.collect_checks(pm)


def test_hook_register_checks_plugin_that_raises(pm: pluggy.PluginManager) -> None:  # noqa: F811 - fixture
    class Broken:
        @pt.hookimpl
        def register_checks(self):
            raise RuntimeError("boom")

    pm.register(Broken())
    report = pt.check(_project(), select="PT", plugins=pm)
    assert [f.message for f in report if f.check == "PT100"] == [
        "plugin 'Broken' raised RuntimeError in register_checks: boom"
    ]
    with pytest.raises(PluginError):
        pt.check(_project(), select="PT", plugins=pm, strict=True)


def test_hook_register_calendars(pm: pluggy.PluginManager) -> None:  # noqa: F811 - fixture
    assert _plugins.collect_calendars(pm) == {}
    pm.register(load_plugin_module("contributions"))
    cals = _plugins.collect_calendars(pm)
    assert list(cals) == ["six-day"] and cals["six-day"].base == "standard"
    # PT006 accepts a plugin calendar name in a raw document.
    doc = {"id": "p", "start": "2024-03-04", "activities": [
        {"id": "a", "calendar": "six-day"}, {"id": "b", "calendar": "nowhere"}]}
    findings = [f for f in pt.check(doc, select="PT006", plugins=pm)]
    assert [f.activities for f in findings] == [("b",)]


def test_hook_register_activity_templates(pm: pluggy.PluginManager) -> None:  # noqa: F811 - fixture
    assert pt.templates.list_templates(plugins=pm) == []
    pm.register(load_plugin_module("contributions"))
    assert pt.templates.list_templates(plugins=pm) == ["test.survey"]
    project = _project(activities=[pt.Activity(id="design", duration=3),
                                   pt.Activity(id="build", duration=9)],
                       links=[pt.Link(pred="design", succ="build")])
    out = pt.apply_template(project, "test.survey", plugins=pm, prefix="s-",
                            after=["design"], before=["build"])
    assert [a.id for a in out.activities] == ["design", "build", "s-survey", "s-report"]
    assert sorted((k.pred, k.succ) for k in out.links) == [
        ("design", "build"), ("design", "s-survey"), ("s-report", "build"),
        ("s-survey", "s-report")]
    with pytest.raises(pt.UnknownReferenceError, match=r"known: test\.survey"):
        pt.apply_template(project, "nope", plugins=pm)


def test_hook_register_formats(pm: pluggy.PluginManager, tmp_path: Path) -> None:  # noqa: F811 - fixture
    assert sorted(_plugins.collect_formats(pm)) == ["json", "mspdi", "xer", "yaml"]
    with pytest.raises(pt.FileFormatError, match=r"no plugin can read files ending in '\.tiny'"):
        pt.read_project(tmp_path / "x.tiny", plugins=pm)
    pm.register(load_plugin_module("contributions"))
    project = _project(activities=[pt.Activity(id="a"), pt.Activity(id="b")])
    target = tmp_path / "out.tiny"
    pt.write_project(project, target, plugins=pm)
    assert json.loads(target.read_text(encoding="utf-8")) == {"id": "p", "activities": ["a", "b"]}
    assert [a.id for a in pt.read_project(target, plugins=pm).activities] == ["a", "b"]
    # check() reads files through the registered formats too.
    report = pt.check(target, select="PT", plugins=pm)
    assert report.valid and report.project == "p"
    with pytest.raises(pt.FileFormatError, match="no plugin can write format 'xer'"):
        pt.write_project(project, tmp_path / "a.xer", format="xer", plugins=pm)


def test_hook_register_commands(isolated_default: pluggy.PluginManager) -> None:  # noqa: F811
    isolated_default.register(load_plugin_module("commands"), name="commands")
    import click

    group = click.Group("projtrack")
    from projtrack.checks._cli import register_plugin_commands

    register_plugin_commands(group)
    assert "hello" in group.commands
    result = CliRunner().invoke(group, ["hello", "world"])
    assert result.output == "hello world\n"


def test_hook_schedule_computed(pm: pluggy.PluginManager) -> None:  # noqa: F811 - fixture
    seen: list[tuple[str, float, dict[str, object]]] = []

    class Recorder:
        @pt.hookimpl
        def schedule_computed(self, project, schedule, options):
            seen.append((project.id, schedule["b"]["total_float"], dict(options)))

    pm.register(Recorder())
    project = _project(activities=[pt.Activity(id="a", duration=2),
                                   pt.Activity(id="b", duration=1)],
                       links=[pt.Link(pred="a", succ="b")])
    pt.schedule(project, plugins=pm, float_type="start")
    assert seen == [("p", 0.0, {"float_type": "start"})]
    # A schedule-based check computes the schedule once, through the same manager.
    pt.check(project, select=["DCMA06", "DCMA07"], plugins=pm)
    assert len(seen) == 2 and seen[1][2] == {}


# =========================================================================== the manager


def test_default_manager_is_lazy_and_shared(isolated_default: pluggy.PluginManager) -> None:  # noqa: F811
    assert _plugins.default_plugin_manager() is isolated_default
    assert _plugins.resolve_plugins(None) is isolated_default


def test_builtins_are_plugins(pm: pluggy.PluginManager) -> None:  # noqa: F811 - fixture
    names = [n for n, _ in pm.list_name_plugin()]
    assert names == ["projtrack.formats", "projtrack.checks.integrity", "projtrack.checks.dcma"]
    info = {i["name"]: i for i in pt.list_plugins(pm)}
    assert info["projtrack.checks.dcma"]["checks"] == [f"DCMA{i:02d}" for i in range(1, 15)]
    assert info["projtrack.checks.integrity"]["builtin"] is True


def test_resolve_plugins_from_a_list() -> None:
    raising = load_plugin_module("raising")
    manager = _plugins.resolve_plugins([raising])
    assert any(p is raising for p in manager.get_plugins())
    assert not any(n == "cn_approvals" for n, _ in manager.list_name_plugin())
    with pytest.raises(PluginError, match="not a string"):
        _plugins.resolve_plugins("raising")


def test_misspelled_hook_in_a_list_is_an_error() -> None:
    with pytest.raises(PluginError, match="register_check") as info:
        _plugins.resolve_plugins([load_plugin_module("misspelled")])
    assert info.value.plugin is not None


# =========================================================================== discovery


def test_entry_points_are_discovered(fake_distributions) -> None:  # noqa: F811
    raising = load_plugin_module("raising")
    fake_distributions(("projtrack-raising", "1.2.3", {"raising": raising}))
    manager = pt.get_plugin_manager()
    assert manager.get_plugin("raising") is raising
    info = {i["name"]: i for i in pt.list_plugins(manager)}["raising"]
    assert (info["distribution"], info["version"], info["builtin"]) == (
        "projtrack-raising", "1.2.3", False)
    assert info["checks"] == ["TX001", "TX002", "TX003"]
    assert info["hooks"] == ["register_checks"]


def test_entry_point_that_fails_to_import_is_skipped(fake_distributions) -> None:  # noqa: F811
    good = load_plugin_module("raising")
    fake_distributions(
        ("projtrack-broken", "0.1", {"broken": ImportError("no module named nothing")}),
        ("projtrack-good", "0.2", {"good": good}),
    )
    with pytest.warns(ProjtrackWarning, match="plugin 'broken' .*projtrack-broken.* failed to "
                      "load and was skipped: ImportError"):
        manager = pt.get_plugin_manager()
    assert manager.get_plugin("good") is good and manager.get_plugin("broken") is None


def test_misspelled_entry_point_plugin_is_skipped(fake_distributions) -> None:  # noqa: F811
    fake_distributions(("projtrack-typo", "0.1", {"typo": load_plugin_module("misspelled")}))
    with pytest.warns(ProjtrackWarning, match="plugin 'typo' was skipped: .*register_check"):
        manager = pt.get_plugin_manager()
    assert manager.get_plugin("typo") is None


@pytest.mark.parametrize(
    ("setting", "loaded"),
    [
        (None, ["a", "b"]),
        ("", []),
        ("a", ["a"]),
        ("projtrack-b", ["b"]),  # distribution names work too
        (" A , projtrack_b ", ["a", "b"]),  # normalised like package names
    ],
)
def test_load_plugins_switch(
    fake_distributions, monkeypatch: pytest.MonkeyPatch, setting: str | None,  # noqa: F811
    loaded: list[str],
) -> None:
    fake_distributions(
        ("projtrack-a", "1", {"a": load_plugin_module("commands")}),
        ("projtrack-b", "1", {"b": load_plugin_module("contributions")}),
    )
    if setting is not None:
        monkeypatch.setenv("PROJTRACK_LOAD_PLUGINS", setting)
    manager = pt.get_plugin_manager()
    assert sorted(n for n in ("a", "b") if manager.has_plugin(n)) == loaded


def test_disable_autoload_switch(fake_distributions, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    fake_distributions(("projtrack-a", "1", {"a": load_plugin_module("commands")}))
    monkeypatch.setenv("PROJTRACK_DISABLE_PLUGIN_AUTOLOAD", "1")
    assert not pt.get_plugin_manager().has_plugin("a")
    assert not pt.get_plugin_manager(load_entrypoints=True).has_plugin("a")
    monkeypatch.setenv("PROJTRACK_DISABLE_PLUGIN_AUTOLOAD", "0")
    assert pt.get_plugin_manager().has_plugin("a")
    assert not pt.get_plugin_manager(load_entrypoints=False).has_plugin("a")


def test_trace_switch(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PROJTRACK_TRACE_PLUGINS", "1")
    manager = pt.get_plugin_manager(load_entrypoints=False)
    pt.check(_project(activities=[pt.Activity(id="a")]), select="PT003", plugins=manager)
    err = capsys.readouterr().err
    assert "projtrack: hook register_checks() -> [" in err
    assert "projtrack.checks.integrity" in err
    monkeypatch.delenv("PROJTRACK_TRACE_PLUGINS")
    manager = pt.get_plugin_manager(load_entrypoints=False)
    pt.check(_project(), select="PT003", plugins=manager)
    assert capsys.readouterr().err == ""


def test_plugins_command(fake_distributions) -> None:  # noqa: F811
    fake_distributions(("projtrack-raising", "1.2.3", {"raising": load_plugin_module("raising")}))
    from projtrack.cli import cli

    result = CliRunner().invoke(cli, ["plugins"])
    assert result.exit_code == 0
    assert "raising 1.2.3 (projtrack-raising)\n    hooks: register_checks\n" \
        "    checks: TX001 TX002 TX003\n" in result.output
    assert "projtrack.checks.dcma" in result.output
    hidden = CliRunner().invoke(cli, ["plugins", "--no-builtin", "-v"])
    assert "projtrack.checks" not in hidden.output
    assert "    TX001   warning  Always raises" in hidden.output
    data = json.loads(CliRunner().invoke(cli, ["plugins", "--format", "json"]).output)
    mine = next(d for d in data if d["name"] == "raising")
    assert mine["check_details"][0] == {"id": "TX001", "severity": "warning",
                                        "title": "Always raises"}


# =========================================================================== meta-tests


def test_every_hook_has_a_test() -> None:
    module = sys.modules[__name__]
    tests = [name for name, obj in vars(module).items()
             if name.startswith("test_hook_") and callable(obj)]
    for name in _spec_names():
        assert any(t == f"test_hook_{name}" for t in tests), f"no test_hook_{name}"


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "gen_hooks", ROOT / "docs" / "reference" / "gen_hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_hook_is_documented_with_its_signature() -> None:
    text = HOOKS_MD.read_text(encoding="utf-8")
    gen = _generator()
    for name in _spec_names():
        func = getattr(hookspecs, name)
        args = ", ".join(inspect.signature(func).parameters)
        assert f"## `{name}({args})`" in text, name
        assert gen.typed_signature(name, func) in text, name
        assert func.__doc__ and ":returns:" in func.__doc__, name
        assert "Examples\n    --------" in func.__doc__, name


def test_hook_reference_is_generated_from_hookspecs() -> None:
    assert HOOKS_MD.read_text(encoding="utf-8") == _generator().render(), (
        "docs/reference/hooks.md is out of date: run python docs/reference/gen_hooks.py"
    )


def test_hookspecs_are_typed() -> None:
    for name in _spec_names():
        sig = inspect.signature(getattr(hookspecs, name))
        assert sig.return_annotation is not inspect.Signature.empty, name
        for param in sig.parameters.values():
            assert param.annotation is not inspect.Parameter.empty, (name, param.name)


def test_hookimpl_is_the_public_marker() -> None:
    assert pt.hookimpl is hookspecs.hookimpl
    assert re.fullmatch(r"projtrack", hookspecs.hookspec.project_name)


def test_hook_register_calendars_usable_in_projects_and_schedules() -> None:
    """A calendar contributed by a plugin can be named by a project and scheduled on."""
    import pendulum

    from projtrack._plugins import default_plugin_manager

    class NightShift:
        @pt.hookimpl
        def register_calendars(self) -> list[pt.Calendar]:
            night = [(1200, 1440)]  # 20:00-24:00, every day
            return [pt.Calendar(name="night-shift", work_week=[night] * 7)]

    manager = default_plugin_manager()
    plugin = NightShift()
    manager.register(plugin, name="test-night-shift")
    try:
        project = pt.Project(
            id="p", start=pendulum.Date(2024, 1, 1), calendar="night-shift",
            activities=[pt.Activity(id="a", duration=3)],
        )
        record = pt.schedule(project).to_records()[0]
        assert record["early_start"] == pendulum.datetime(2024, 1, 1, 20, tz="Asia/Shanghai")
        # 3 days of 4 hours: Jan 1, 2 and 3, each 20:00-24:00.
        assert record["early_finish"] == pendulum.datetime(2024, 1, 4, 0, tz="Asia/Shanghai")
    finally:
        manager.unregister(plugin)
    with pytest.raises(pt.UnknownReferenceError, match="night-shift"):
        pt.Project(id="p", start=pendulum.Date(2024, 1, 1), calendar="night-shift")
