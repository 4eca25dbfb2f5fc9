"""Rebuild P6's and MS Project's schedules from their files and compare the dates.

Every file SOURCES.md marks "Computed: yes" is scheduled with
``projtrack.schedule(project)`` (data date and options from the file, stored
dates never used) and compared field by field. P6 files must match exactly.
For MS Project files the remaining differences are listed below, each with
the category the report gives it; the test fails on any new difference and
on any listed one that disappears (update the list when the engine improves).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest

from projtrack.conformance import (
    FIELDS,
    compare_file,
    find_data_dir,
    format_report,
    main,
    oracle_files,
)

XER = ["xer/exupery-MDL4RA.xer", "xer/exupery-MDL4D.xer",
       "xer/aspose-MultiprojectWithExternal.xer"]

# file: (open activities compared, completed activities checked,
#        {category: {field: activity ids that differ}})
#  model  - durations with seconds (projtrack schedules in whole minutes);
#  oracle - open ends whose stored LateFinish is not the project finish (stale values:
#           see the report's reasons).
KNOWN = {
    "mspdi/mpxj-legacy-sample.xml": (16, 0, {}),
    "mspdi/mpxj-mspdirelations.xml": (5, 0, {}),
    "mspdi/mpxj-task-links-project2010-mspdi.xml": (16, 0, {}),
    "mspdi/mpxj-legacy-caltest.xml": (3, 0, {}),
    "mspdi/mpxj-mspditimephased.xml": (30, 10, {
        "model": {"early_finish": [34], "late_start": [34], "total_float": [34]},
        "oracle": {"late_finish": [1, 2, 3, 4, 5, 6, 9, 12, 13, 14, 17, 18, 19, 20, 21, 22],
                   "late_start": [1, 2, 3, 5, 9, 13, 17, 18, 19, 21],
                   "total_float": [1, 2, 3, 4, 5, 6, 9, 12, 13, 14, 17, 18, 19, 20, 21, 22]}}),
    "mspdi/mpxj-mspditimephasedsegments.xml": (20, 0, {
        "model": {"early_finish": [16]},
        "oracle": {"late_start": [2, 3, *range(6, 20)],
                   **{f: list(range(2, 20)) for f in ("late_finish", "total_float")}}}),
    # Split tasks, read from the assignments' timephased work: exact.
    "mspdi/mpxj-mspdisplittask.xml": (2, 0, {}),
    "mspdi/mpxj-mspdiduration.xml": (10, 0, {
        "oracle": {f: [1, 2, 3, 4] for f in ("late_finish", "late_start", "total_float")}}),
    "mspdi/mpxj-mspdiresource.xml": (2, 1, {"model": {"early_finish": [3],
                                                      "late_finish": [3]}}),
}


def _oracle(conformance_dir, name):
    [oracle] = [o for o in oracle_files(conformance_dir) if o.name == name]
    return oracle


def test_sources_lists_the_oracle_files(conformance_dir):
    names = [o.name for o in oracle_files(conformance_dir)]
    assert sorted(names) == sorted([*XER, *KNOWN])
    for oracle in oracle_files(conformance_dir):
        assert oracle.path.is_file(), oracle.name
        assert hashlib.sha256(oracle.path.read_bytes()).hexdigest() == oracle.sha256


@pytest.mark.parametrize("name", XER)
def test_p6_files_match_exactly(conformance_dir, name):
    result = compare_file(_oracle(conformance_dir, name))
    assert result.error is None, result.error
    assert result.compared > 0
    assert result.mismatches == [], format_report([result])
    for field in FIELDS:
        assert result.exact[field] == result.total[field] > 0, field


def test_p6_activity_counts(conformance_dir):
    counts = {name: compare_file(_oracle(conformance_dir, name)).compared for name in XER}
    assert counts == {"xer/exupery-MDL4RA.xer": 62, "xer/exupery-MDL4D.xer": 62,
                      "xer/aspose-MultiprojectWithExternal.xer": 3}


@pytest.mark.parametrize("name", sorted(KNOWN))
def test_ms_project_files(conformance_dir, name):
    compared, done, known = KNOWN[name]
    result = compare_file(_oracle(conformance_dir, name))
    assert result.error is None, result.error
    assert (result.compared, result.completed_checked) == (compared, done)
    found: dict[str, dict[str, set]] = {}
    for m in result.mismatches:
        assert m.category != "unexplained", m
        found.setdefault(m.category, {}).setdefault(m.field, set()).add(m.activity)
    expected = {c: {f: set(ids) for f, ids in fs.items()} for c, fs in known.items()}
    assert found == expected, format_report([result])


def test_unprogressed_ms_project_networks_match_exactly(conformance_dir):
    """The four-link-type, lag, lead, constraint and calendar fixtures: no difference."""
    for name in ("mspdi/mpxj-legacy-sample.xml", "mspdi/mpxj-mspdirelations.xml",
                 "mspdi/mpxj-task-links-project2010-mspdi.xml",
                 "mspdi/mpxj-legacy-caltest.xml"):
        result = compare_file(_oracle(conformance_dir, name))
        assert result.all_exact, format_report([result])


def test_in_progress_tasks_resume_at_ms_projects_resume_date(conformance_dir, tmp_path):
    """Without a StatusDate MS Project continues the remaining work at Resume: Resume plus
    the remaining hours on the task's calendar is the stored EarlyFinish, and the engine
    (which the reader hands ``Activity.resume``) computes the same finish."""
    import pendulum

    import projtrack as pt
    from projtrack.calendars import get_calendar
    from projtrack.interop.mspdi import stored_results

    checked = 0
    for name in ("mspdi/mpxj-mspditimephased.xml", "mspdi/mpxj-mspditimephasedsegments.xml"):
        path = _oracle(conformance_dir, name).path
        project = pt.read_mspdi(path)
        stored = stored_results(path, timezone=project.timezone)
        schedule = pt.schedule(project)
        pt.write_mspdi(project, tmp_path / "out.xml")
        back = pt.read_mspdi(tmp_path / "out.xml")
        for act in project.activities:
            if act.status != "in_progress" or stored[act.id]["early_finish"] is None:
                continue
            assert act.resume is not None and act.resume > act.actual_start, act.id
            assert "resume" not in act.attrs
            assert back.activity(act.id).resume == act.resume
            cal = get_calendar(act.calendar or project.calendar, project)
            finish = cal.add_working(act.resume,
                                     pendulum.duration(hours=act.remaining_duration))
            assert finish == stored[act.id]["early_finish"], act.id
            assert schedule[act.id]["early_finish"] == finish, act.id
            checked += 1
    assert checked == 12  # timephased 4, 6, 12, 14, 20, 22, 28, 30, 36, 38; segments 4, 5


def test_report_command(conformance_dir):
    out = subprocess.run([sys.executable, "-m", "projtrack.conformance", str(conformance_dir)],
                         capture_output=True, text=True, timeout=600, check=False)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[1].split()[:2] == ["file", "acts"]
    for name in [*XER, *KNOWN]:
        assert any(line.startswith(name) for line in lines), name
    row = next(line for line in lines if line.startswith("xer/exupery-MDL4D.xer"))
    assert row.split()[1:] == ["62", "100.0%", "100.0%", "100.0%", "100.0%", "100.0%",
                               "0", "0", "0", "0"]
    assert lines[1].split()[-3:] == ["engine", "model", "oracle"]
    # No unexplained difference anywhere: no mismatch is put down to the engine.
    total = next(line for line in lines if line.startswith("all files")).split()
    assert total[-3] == "0", total
    assert "[oracle]" in out.stdout and "the duration has seconds" in out.stdout


@pytest.mark.parametrize(("ci", "outcome"), [("true", "1 error"), ("", "1 skipped")])
def test_missing_data_fails_under_ci_and_skips_elsewhere(tmp_path, ci, outcome):
    """Run this folder's fixture in a child pytest that cannot find the data."""
    import os
    from pathlib import Path

    probe = tmp_path / "test_probe.py"
    probe.write_text("def test_needs_data(conformance_dir):\n    assert conformance_dir\n")
    conftest = Path(__file__).with_name("conftest.py")
    (tmp_path / "conftest.py").write_text(conftest.read_text(encoding="utf-8"),
                                          encoding="utf-8")
    env = {**os.environ, "CI": ci, "PROJTRACK_CONFORMANCE_DIR": str(tmp_path / "missing")}
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "-o", "addopts=", "--rootdir", str(tmp_path), str(probe)],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300,
                         check=False)
    assert outcome in out.stdout, out.stdout + out.stderr
    if ci:
        assert "required under CI" in out.stdout
        assert out.returncode != 0
    else:
        assert out.returncode == 0
    assert main([str(tmp_path / "missing")]) == 2


def test_environment_variable_points_to_the_data(conformance_dir, monkeypatch):
    monkeypatch.setenv("PROJTRACK_CONFORMANCE_DIR", str(conformance_dir))
    assert find_data_dir() == conformance_dir
