"""The plugin distributions under plugins/ pass their own test suites.

Each plugin is a separate distribution with its own pytest configuration, so
its suite runs in a subprocess from its own folder, against the installed
distribution, as a third party would run it. The README's test command
installs them; without them installed these tests fail rather than skip.
"""

from __future__ import annotations

import importlib.metadata
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PLUGINS = sorted(p for p in (ROOT / "plugins").iterdir() if (p / "pyproject.toml").exists())


def test_there_are_bundled_plugins() -> None:
    assert {p.name for p in PLUGINS} >= {"projtrack-cn-approvals", "projtrack-metro-protection"}


@pytest.mark.parametrize("folder", PLUGINS, ids=[p.name for p in PLUGINS])
def test_plugin_suite_passes(folder: pathlib.Path) -> None:
    try:
        importlib.metadata.distribution(folder.name)
    except importlib.metadata.PackageNotFoundError:
        pytest.fail(f"{folder.name} is not installed; run: pip install ./plugins/{folder.name}")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=folder, capture_output=True, text=True, check=False, timeout=900,
    )
    tail = "\n".join(proc.stdout.splitlines()[-30:])
    assert proc.returncode == 0, f"{folder.name} tests failed:\n{tail}\n{proc.stderr[-2000:]}"
    assert " passed" in proc.stdout and " skipped" not in proc.stdout.splitlines()[-1], tail
