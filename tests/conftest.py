"""Test configuration: Hypothesis profiles, and the MPXJ (Java) fixture.

``CI=true`` selects Hypothesis's ``ci`` profile, which we extend with a
bound on examples so the whole suite fits CI's time budget. Locally the
``dev`` profile is used; ``HYPOTHESIS_PROFILE=thorough`` runs many more.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pendulum
import pytest
from hypothesis import HealthCheck, settings

import projtrack as pt

_TESTS = Path(__file__).resolve().parent

settings.register_profile(
    "ci",
    settings(settings.get_profile("ci"), max_examples=60, deadline=None),
)
settings.register_profile(
    "dev",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", max_examples=2000, deadline=None)

if os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])
elif os.environ.get("CI"):
    settings.load_profile("ci")
else:
    settings.load_profile("dev")


# --------------------------------------------------------------------------- MPXJ (Java)


class Mpxj:
    """One ``tests/mpxj_dump.py --serve`` process: the JVM starts once per test module.

    MPXJ reads MS Project XML the way ProjectLibre does; its ``MicrosoftScheduler``
    is an independent re-implementation of MS Project's CPM. The JVM runs in its
    own process so that its start-up never meets ``filterwarnings = error``.
    """

    def __init__(self) -> None:
        self.log = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115 (closed by close())
        self.proc = subprocess.Popen(
            [sys.executable, str(_TESTS / "mpxj_dump.py"), "--serve"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self.log, text=True, encoding="utf-8",
            cwd=str(_TESTS.parent),
        )

    def read(self, path: Path, schedule: str | None = None) -> dict[str, Any]:
        """What MPXJ reads from ``path`` (and schedules from ``schedule``, if given)."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        request = {"path": str(path), "schedule": schedule}
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        for line in self.proc.stdout:
            if line.startswith("MPXJ-JSON "):
                answer: dict[str, Any] = json.loads(line[len("MPXJ-JSON "):])
                assert "fatal" not in answer, answer.get("traceback")
                return answer
        self.log.seek(0)
        pytest.fail(f"the MPXJ process ended (exit {self.proc.wait()}):\n{self.log.read()}")

    def close(self) -> None:
        try:
            self.proc.communicate(timeout=60)  # closes stdin: the process ends
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()
        self.log.close()


def mpxj_missing() -> str | None:
    """Why MPXJ cannot run here, or ``None``."""
    if shutil.which("java") is None:
        return "no `java` on PATH (MPXJ needs a Java runtime: apt-get install default-jre-headless)"
    for module in ("mpxj", "jpype"):
        if importlib.util.find_spec(module) is None:
            return f"Python package {module!r} missing (pip install -e '.[test]')"
    return None


@pytest.fixture(scope="module")
def mpxj() -> Iterator[Mpxj]:
    """An MPXJ process; skips without Java, except under ``CI=true`` where it fails."""
    reason = mpxj_missing()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {reason}")
        pytest.skip(reason)
    process = Mpxj()
    try:
        yield process
    finally:
        process.close()


@pytest.fixture
def split_project() -> pt.Project:
    """Two split tasks after a 2-day task on ``standard`` (hand-worked in the tests using it)."""
    return pt.Project(
        id="s", start=pendulum.Date(2024, 3, 4),
        activities=[pt.Activity(id="a", duration=2),
                    pt.Activity(id="b", duration=10, splits=[pt.Split(2, 3), pt.Split(6, 1)]),
                    pt.Activity(id="c", duration=36, duration_unit="h",
                                splits=[pt.Split(12.5, 4)])],
        links=[pt.Link(pred="a", succ="b"), pt.Link(pred="a", succ="c")])
