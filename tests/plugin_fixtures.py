"""Fixtures for plugin tests: isolated managers, temporary registration, fake distributions.

Import the fixtures you need into a test module (``from tests.plugin_fixtures
import pm``); pytest finds fixtures imported into a module. Nothing here loads
the plugins installed in the environment unless a test asks for it, so
installed plugins cannot leak into unrelated tests.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pluggy
import pytest

from projtrack._plugins import (
    default_plugin_manager,
    get_plugin_manager,
    reset_default_plugin_manager,
)

PLUGIN_DIR = Path(__file__).with_name("plugins")


@pytest.fixture
def pm() -> pluggy.PluginManager:
    """A fresh plugin manager with the built-ins only (no installed plugins)."""
    return get_plugin_manager(load_entrypoints=False)


@pytest.fixture
def isolated_default(monkeypatch: pytest.MonkeyPatch) -> Iterator[pluggy.PluginManager]:
    """The default manager, rebuilt without installed plugins for one test, forgotten after."""
    monkeypatch.setenv("PROJTRACK_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("PROJTRACK_LOAD_PLUGINS", raising=False)
    monkeypatch.delenv("PROJTRACK_TRACE_PLUGINS", raising=False)
    reset_default_plugin_manager()
    yield default_plugin_manager()
    reset_default_plugin_manager()


def load_plugin_module(name: str) -> types.ModuleType:
    """Import a one-off plugin module from ``tests/plugins/<name>.py`` (fresh each time)."""
    path = PLUGIN_DIR / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"projtrack_test_plugin_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FakeEntryPoint:
    """An entry point whose ``load()`` returns an in-memory object (pluggy's test style)."""

    def __init__(self, name: str, obj: Any, group: str = "projtrack") -> None:
        self.name = name
        self.group = group
        self.value = f"fake:{name}"
        self._obj = obj

    def load(self) -> Any:
        if isinstance(self._obj, BaseException):
            raise self._obj
        return self._obj


class FakeDistribution:
    """A distribution with a name, a version and entry points."""

    def __init__(self, name: str, version: str, entry_points: list[FakeEntryPoint]) -> None:
        self.metadata = {"name": name}
        self.version = version
        self.entry_points = entry_points
        self._name = name


@pytest.fixture
def fake_distributions(
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[..., list[FakeDistribution]]:
    """Replace ``importlib.metadata.distributions`` with the given fake distributions.

    Call it with ``(dist_name, version, {entry_point_name: plugin_object})``
    tuples. Also clears the autoload switches, so the fakes do load.
    """
    monkeypatch.delenv("PROJTRACK_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    monkeypatch.delenv("PROJTRACK_LOAD_PLUGINS", raising=False)

    def install(*specs: tuple[str, str, dict[str, Any]]) -> list[FakeDistribution]:
        dists = [
            FakeDistribution(name, version, [FakeEntryPoint(n, o) for n, o in eps.items()])
            for name, version, eps in specs
        ]
        monkeypatch.setattr(importlib.metadata, "distributions", lambda: iter(dists))
        reset_default_plugin_manager()
        return dists

    yield install  # type: ignore[misc]
    reset_default_plugin_manager()


@pytest.fixture
def module_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str], Path]:
    """Write a module into a temporary folder on ``sys.path`` (forgotten after the test)."""

    def write(name: str, source: str) -> Path:
        path = tmp_path / f"{name}.py"
        path.write_text(source, encoding="utf-8")
        monkeypatch.syspath_prepend(str(tmp_path))
        monkeypatch.delitem(sys.modules, name, raising=False)
        return path

    return write
