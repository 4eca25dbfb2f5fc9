"""Repository-level pytest configuration: what not to collect, and the doctest namespace."""

from __future__ import annotations

import os

import pendulum
import pytest

# Import the installed package before pytest collects src/ doctests, so both
# see the same module objects (isinstance checks in doctests rely on it).
import projtrack  # noqa: F401

collect_ignore_glob = ["docs/*.py", "docs/_build/*", "benchmarks/*", "build/*", "plugins/*/src/*"]


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace: dict[str, object]) -> None:
    import projtrack

    doctest_namespace["pt"] = projtrack
    doctest_namespace["pendulum"] = pendulum


@pytest.fixture(autouse=True, scope="session")
def _run_from_repository_root() -> None:
    # Doctests and examples refer to files such as examples/renhe-road.yaml.
    os.chdir(os.path.dirname(os.path.abspath(__file__)))
