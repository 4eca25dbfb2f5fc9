"""Meta-tests: the package type-checks (mypy, strict) and the code lints clean (ruff).

Both tools run as ``python -m <tool>`` with the interpreter running the tests, in
the repository root, so they read the configuration in ``pyproject.toml``
(``[tool.mypy]``, ``[tool.ruff]``) exactly as a developer's command line does.
They come with the ``test`` extra; a missing tool is a failure, not a skip.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINTED = ("src", "tests", "benchmarks", "plugins")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def _report(proc: subprocess.CompletedProcess[str]) -> str:
    command = " ".join(proc.args[2:])
    return f"`{command}` exited with {proc.returncode}:\n{proc.stdout}{proc.stderr}"


def test_mypy_strict_finds_no_errors() -> None:
    proc = _run("mypy", "src/projtrack")
    assert proc.returncode == 0, _report(proc)
    # Guard against a run that checked nothing (a wrong path or `files` setting).
    checked = re.search(r"no issues found in (\d+) source files", proc.stdout)
    assert checked is not None and int(checked.group(1)) > 0, _report(proc)


def test_ruff_finds_no_errors() -> None:
    for folder in LINTED:
        assert (ROOT / folder).is_dir(), f"{folder}/ is gone: update LINTED in this test"
    proc = _run("ruff", "check", "--no-cache", *LINTED)
    assert proc.returncode == 0, _report(proc)
    assert "All checks passed" in proc.stdout, _report(proc)
