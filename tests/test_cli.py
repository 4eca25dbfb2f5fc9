"""The command line: validate and show, exit codes, no tracebacks, nothing written."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest
from click.testing import CliRunner

from projtrack.cli import cli

BROKEN = {
    "cycle.yaml": "id: x\nstart: 2024-03-01\nactivities:\n - {id: a, links: [b]}\n"
    " - {id: b, links: [a]}\n",
    "dangling.yaml": "id: x\nstart: 2024-03-01\nactivities:\n - {id: a, links: [ghost]}\n",
    "enum.yaml": ("id: x\nstart: 2024-03-01\nactivities:\n - id: a\n"
                  "   links: [{pred: a, type: FX}]\n"),
    "malformed.yaml": "id: x\nstart: 2024-03-01\nactivities: [\n",
    "python.yaml": "id: x\nstart: 2024-03-01\nattrs: !!python/object/apply:os.system ['true']\n",
    "type.yaml": "id: x\nstart: 2024-03-01\nactivities:\n - {id: a, duration: {days: 3}}\n",
}


@pytest.fixture
def broken(tmp_path: pathlib.Path) -> dict[str, pathlib.Path]:
    files = {}
    for name, text in BROKEN.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        files[name] = path
    return files


def snapshot(folder: pathlib.Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_validate_broken_file(name: str, broken: dict[str, pathlib.Path]) -> None:
    folder = broken[name].parent
    before = snapshot(folder)
    result = CliRunner().invoke(cli, ["validate", str(broken[name])])
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"{broken[name]}:")
    line_no = lines[0][len(str(broken[name])) + 1 :].split(":")[0]
    assert line_no.isdigit(), lines[0]
    assert "Traceback" not in result.output
    assert snapshot(folder) == before


def test_validate_reports_each_file(broken: dict[str, pathlib.Path]) -> None:
    result = CliRunner().invoke(
        cli, ["validate", "examples/renhe-road.yaml", str(broken["cycle.yaml"])]
    )
    assert result.exit_code == 1
    out = result.output.splitlines()
    assert out[0].startswith("examples/renhe-road.yaml: ok")
    assert "cycle" in out[1]


def test_validate_good_file() -> None:
    result = CliRunner().invoke(cli, ["validate", "examples/renhe-road.yaml"])
    assert result.exit_code == 0
    assert "ok" in result.output


def test_usage_errors_exit_2() -> None:
    assert CliRunner().invoke(cli, ["validate"]).exit_code == 2
    assert CliRunner().invoke(cli, ["frobnicate"]).exit_code == 2


def test_show() -> None:
    result = CliRunner().invoke(cli, ["show", "examples/renhe-road.yaml"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "人和路旧城改造项目" in out
    for heading in ("Activities:", "Parties:", "Links:", "Dates recorded:"):
        assert heading in out
    assert "approvals" in out and "milestones" in out


def test_show_broken_file(broken: dict[str, pathlib.Path]) -> None:
    result = CliRunner().invoke(cli, ["show", str(broken["enum.yaml"])])
    assert result.exit_code == 1
    assert "'FX' is not one of FS, SS, FF, SF" in result.output


def test_python_m_projtrack(broken: dict[str, pathlib.Path]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "projtrack", "validate", str(broken["python.yaml"])],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 1
    assert "not allowed" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


def test_validate_prints_every_problem_of_a_file(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "many.yaml"
    path.write_text("id: x\nstart: 2024-03-01\nactivities:\n - {id: a, duration: -1}\n"
                    " - {id: b, kind: work}\n - {id: c, links: [{pred: a, type: FX}]}\n",
                    encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert [line.split(":")[1] for line in lines] == ["4", "5", "6"], lines
    assert all(line.startswith(f"{path}:") for line in lines)
