"""The public namespace is curated: complete, sorted, and reported as projtrack.X."""

from __future__ import annotations

import importlib.metadata
import pathlib

import projtrack


def test_all_is_sorted_and_unique() -> None:
    assert projtrack.__all__ == sorted(set(projtrack.__all__))


def test_all_names_exist() -> None:
    missing = [name for name in projtrack.__all__ if not hasattr(projtrack, name)]
    assert missing == []


def test_all_is_complete() -> None:
    public = {
        name
        for name, value in vars(projtrack).items()
        if not name.startswith("_")
        and not isinstance(value, type(projtrack))
        and name != "annotations"  # from __future__ import annotations
    }
    assert public - set(projtrack.__all__) == set()


def test_public_classes_report_the_public_module() -> None:
    wrong = [
        name
        for name in projtrack.__all__
        if isinstance(getattr(projtrack, name), type)
        and getattr(projtrack, name).__module__.startswith("projtrack._")
    ]
    assert wrong == []


def test_single_exception_root() -> None:
    errors = [
        getattr(projtrack, name)
        for name in projtrack.__all__
        if isinstance(getattr(projtrack, name), type)
        and issubclass(getattr(projtrack, name), Exception)
        and not issubclass(getattr(projtrack, name), Warning)
    ]
    assert errors, "no exceptions exported"
    assert all(issubclass(e, projtrack.ProjtrackError) for e in errors)


def test_version_matches_metadata() -> None:
    assert projtrack.__version__ == importlib.metadata.version("projtrack")


def test_py_typed_is_shipped() -> None:
    assert (pathlib.Path(projtrack.__file__).parent / "py.typed").exists()


def test_public_functions_and_classes_have_doctested_examples() -> None:
    import inspect

    missing = []
    for name in projtrack.__all__:
        obj = getattr(projtrack, name)
        if isinstance(obj, type) and issubclass(obj, BaseException):
            continue  # documented together in projtrack.exceptions (which has an example)
        if not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue  # e.g. the hookimpl marker, documented in hookspecs
        doc = inspect.getdoc(obj) or ""
        if "Examples" not in doc or ">>>" not in doc:
            missing.append(name)
    assert missing == []
