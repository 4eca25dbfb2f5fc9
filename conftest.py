"""Repository-level pytest configuration: what not to collect, and the doctest namespace."""

from __future__ import annotations

import doctest
import inspect
import os

import pendulum
import pytest

# Import the installed package before pytest collects src/ doctests, so both
# see the same module objects (isinstance checks in doctests rely on it).
import projtrack  # noqa: F401

_from_module = doctest.DocTestFinder._from_module


def _from_public_module(self: doctest.DocTestFinder, module: object, obj: object) -> bool:
    # Public classes say __module__ == "projtrack" although they are defined in
    # private modules; their methods' globals are the private module's. Count
    # such methods as part of the public module, which is where the finder
    # meets their class, so their examples run (once).
    if (
        getattr(module, "__name__", None) == "projtrack"
        and inspect.isfunction(obj)
        and "." in obj.__qualname__
        and obj.__globals__.get("__name__", "").startswith("projtrack._")
    ):
        return True
    return _from_module(self, module, obj)


doctest.DocTestFinder._from_module = _from_public_module  # type: ignore[method-assign]

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
