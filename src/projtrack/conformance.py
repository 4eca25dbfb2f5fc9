"""Conformance with Primavera P6 and MS Project: rebuild their schedules and compare.

The conformance data (``../shared/conformance`` next to the repository, or
the folder named by ``PROJTRACK_CONFORMANCE_DIR``) holds real files saved by
P6 (XER) and MS Project (MSPDI), with the dates those tools computed. Its
``SOURCES.md`` marks the files whose dates are complete ("Computed: yes").
For each of them this module

1. reads the file with :func:`projtrack.read_xer` / :func:`projtrack.read_mspdi`
   (logic, durations, calendars, constraints, progress and options only: the
   stored dates are never fed to the engine),
2. runs ``projtrack.schedule(project)`` with no arguments (the data date and
   options come from the file),
3. compares every open activity's early/late start/finish and total float
   with the values stored in the file, and explains each mismatch.

Two dates are equal when they are the same instant or the same working-time
instant on the activity's calendar (P6 writes a finish as 17:00, MS Project
2019 sometimes as 08:00 the next working day). Floats are compared in hours
(XER) or minutes (MSPDI), exactly. Completed activities are checked for
their actual dates only; manually scheduled MS Project tasks, level-of-effort
and WBS-summary activities are skipped.

Run ``python -m projtrack.conformance [DIR]`` for the report.

Examples
--------
>>> from projtrack.conformance import oracle_files
>>> sources = '''| `xer/a.xer` | x | MIT | P6. Computed: yes. |
... | `xer/b.xer` | x | MIT | Parse fixture only. |'''
>>> [o.name for o in oracle_files(None, sources_text=sources)]
['xer/a.xer']
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import math
import os
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from projtrack.calendars import WorkCalendar

__all__ = [
    "FIELDS",
    "FileResult",
    "Mismatch",
    "OracleFile",
    "compare_file",
    "find_data_dir",
    "format_report",
    "main",
    "oracle_files",
    "run",
]

#: The fields compared for every open activity.
FIELDS = ("early_start", "early_finish", "late_start", "late_finish", "total_float")
ENV_VAR = "PROJTRACK_CONFORMANCE_DIR"
_ROW = re.compile(r"^\|\s*`((?:xer|mspdi)/[^`]+)`\s*\|(.*)$")
_SHA = re.compile(r"^((?:xer|mspdi)/\S+)\s+([0-9a-f]{64})\s*$")


@attrs.frozen
class OracleFile:
    """A file SOURCES.md marks as computed."""

    name: str
    path: Path
    sha256: str | None = None


@attrs.frozen
class Mismatch:
    """One field of one activity that differs from the stored value."""

    project: str
    activity: Any
    field: str
    expected: Any
    got: Any
    reason: str
    #: ``engine`` (a scheduling rule projtrack applies differently), ``model``
    #: (the file holds something the model cannot express), ``oracle`` (the
    #: stored value is not what a CPM pass gives) or ``unexplained``.
    category: str = "unexplained"


@attrs.define
class FileResult:
    """Comparison of one file (all its projects)."""

    name: str
    compared: int = 0
    exact: dict[str, int] = attrs.field(factory=lambda: dict.fromkeys(FIELDS, 0))
    total: dict[str, int] = attrs.field(factory=lambda: dict.fromkeys(FIELDS, 0))
    mismatches: list[Mismatch] = attrs.field(factory=list)
    completed_checked: int = 0
    skipped: dict[str, int] = attrs.field(factory=dict)
    error: str | None = None
    integrity: str | None = None

    def percent(self, field: str) -> float:
        """Share of compared values that are exact, in percent (100 when none)."""
        n = self.total[field]
        return 100.0 if n == 0 else 100.0 * self.exact[field] / n

    @property
    def all_exact(self) -> bool:
        return self.error is None and not self.mismatches


# =========================================================================== data


def find_data_dir(path: str | os.PathLike[str] | None = None) -> Path | None:
    """The conformance data folder, or ``None`` if there is none.

    Looked up in order: ``path``; else ``$PROJTRACK_CONFORMANCE_DIR`` when it
    is set (and then only there); else ``../shared/conformance`` relative to
    the repository root (where CI puts it) and to the current directory.

    Examples
    --------
    >>> find_data_dir("/nonexistent/folder") is None
    True
    """
    candidates: list[Path] = []
    env = os.environ.get(ENV_VAR)
    if path is not None:
        candidates.append(Path(path))
    elif env:
        candidates.append(Path(env))  # set explicitly: nothing else is looked at
    else:
        repo_root = Path(__file__).resolve().parents[2]
        candidates += [repo_root.parent / "shared" / "conformance",
                       Path.cwd().parent / "shared" / "conformance"]
    for candidate in candidates:
        if (candidate / "SOURCES.md").is_file():
            return candidate
    return None


def oracle_files(data_dir: Path | None, *, sources_text: str | None = None) -> list[OracleFile]:
    """The files ``SOURCES.md`` marks "Computed: yes", with their expected SHA-256."""
    if sources_text is None:
        if data_dir is None:
            return []
        sources_text = (data_dir / "SOURCES.md").read_text(encoding="utf-8")
    base = data_dir if data_dir is not None else Path(".")
    hashes = {}
    for line in sources_text.splitlines():
        m = _SHA.match(line.strip())
        if m:
            hashes[m.group(1)] = m.group(2)
    out = []
    for line in sources_text.splitlines():
        m = _ROW.match(line.strip())
        if m and re.search(r"Computed:\s*yes", m.group(2), re.IGNORECASE):
            name = m.group(1)
            out.append(OracleFile(name, base / name, hashes.get(name)))
    return out


# =========================================================================== comparing


def _same_instant(a: Any, b: Any, cal: WorkCalendar | None) -> bool:
    if a is None or b is None:
        return a is b
    if a == b:
        return True
    if cal is None:
        return False
    try:
        return cal.working_between(a, b).total_seconds() == 0
    except Exception:
        return False


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return f"{value:g}"
    if hasattr(value, "strftime"):
        text: str = value.strftime("%Y-%m-%d %H:%M" + (":%S" if value.second else ""))
        return text
    return str(value)


class _Comparison:
    """Compare one scheduled project with the values its file stored."""

    def __init__(self, project: Any, schedule: Any, result: FileResult, unit: str) -> None:
        from projtrack.calendars import get_calendar

        self.project = project
        self.schedule = schedule
        self.result = result
        self.unit = unit  # "h" (XER) or "min" (MSPDI)
        self.records = {r["id"]: r for r in schedule.to_records()}
        self.tf_minutes = dict(zip(schedule.ids, schedule.total_float_minutes.tolist(),
                                   strict=True))
        self._cals: dict[str, WorkCalendar] = {}
        self._get = get_calendar
        self.succs: dict[Any, int] = {}
        for link in project.links:
            self.succs[link.pred] = self.succs.get(link.pred, 0) + 1

    def calendar(self, activity: Any) -> WorkCalendar | None:
        if activity.duration_unit in ("ed", "eh"):
            return None
        name = activity.calendar or self.project.calendar
        if name not in self._cals:
            self._cals[name] = self._get(name, self.project)
        return self._cals[name]

    def project_calendar(self) -> WorkCalendar:
        return self._get(self.project.calendar, self.project)

    def skip(self, why: str) -> None:
        self.result.skipped[why] = self.result.skipped.get(why, 0) + 1

    def check_actuals(self, act: Any, stored_start: Any, stored_finish: Any) -> None:
        rec = self.records[act.id]
        self.result.completed_checked += 1
        for field, got, want in (("actual_start", rec["actual_start"], stored_start),
                                 ("actual_finish", rec["actual_finish"], stored_finish)):
            if want is not None and not _same_instant(got, want, self.calendar(act)):
                self.result.mismatches.append(Mismatch(
                    self.project.id, act.id, field, _fmt(want), _fmt(got),
                    "the actual date was not kept", "engine"))

    def compare(self, act: Any, stored: dict[str, Any], float_value: float | None,
                explain: Any) -> None:
        rec = self.records[act.id]
        cal = self.calendar(act)
        self.result.compared += 1
        for field in FIELDS:
            if field == "total_float":
                if float_value is None:
                    continue
                minutes = self.tf_minutes[act.id]
                got = minutes / 60 if self.unit == "h" else float(minutes)
                ok = abs(got - float_value) < 1e-6
                want: Any = float_value
            else:
                want = stored.get(field)
                if want is None:
                    continue
                got = rec[field]
                ok = _same_instant(got, want, cal)
            self.result.total[field] += 1
            if ok:
                self.result.exact[field] += 1
            else:
                category, reason = explain(act, field, want, got)
                self.result.mismatches.append(Mismatch(
                    self.project.id, act.id, field, _fmt(want), _fmt(got), reason, category))


def _compare_xer(path: Path, result: FileResult) -> None:
    import projtrack as pt
    from projtrack.interop.xer import parse_xer, stored_results

    doc = parse_xer(path)
    stored_all = stored_results(doc)
    for project in pt.read_xer(path):
        stored = stored_all.get(project.id, {})
        schedule = pt.schedule(project)
        cmp = _Comparison(project, schedule, result, "h")

        def explain(act: Any, field: str, want: Any, got: Any, cmp: _Comparison = cmp
                    ) -> tuple[str, str]:
            return _explain_generic(cmp, act, field, want, got)

        for act in project.activities:
            row = stored.get(str(act.id))
            if row is None:
                continue
            ttype = row["task_type"]
            if ttype in ("TT_LOE", "TT_WBS"):
                cmp.skip("level of effort / WBS summary")
                continue
            if row["status"] == "TK_Complete":
                cmp.check_actuals(act, act.actual_start, act.actual_finish)
                continue
            cmp.compare(act, row, row["total_float_hours"], explain)


def _compare_mspdi(path: Path, result: FileResult) -> None:
    import projtrack as pt
    from projtrack.interop.mspdi import stored_results

    project = pt.read_mspdi(path)
    stored = stored_results(path, timezone=project.timezone)
    schedule = pt.schedule(project)
    cmp = _Comparison(project, schedule, result, "min")
    finish = max((r["early_finish"] for r in stored.values()
                  if r["early_finish"] is not None and not r["manual"]), default=None)

    def explain(act: Any, field: str, want: Any, got: Any) -> tuple[str, str]:
        row = stored[act.id]
        return _explain_mspdi(cmp, act, row, field, want, got, finish)

    for act in project.activities:
        # MS Project stores its results per task UID, the id read_mspdi gives.
        row = stored.get(act.id) if isinstance(act.id, int) else None
        if row is None:
            continue
        if act.attrs.get("manual"):
            cmp.skip("manually scheduled")
            continue
        if act.actual_finish is not None:
            cmp.check_actuals(act, act.actual_start, act.actual_finish)
            continue
        view = dict(row)
        if act.actual_start is not None:
            # MS Project's EarlyStart and LateStart of a started task are its
            # actual start (every in-progress task in the samples); the
            # remaining work's dates show in EarlyFinish, LateFinish and slack.
            rec = cmp.records[act.id]
            for key in ("early_start", "late_start"):
                view[key] = None
                if row[key] is not None and not _same_instant(rec["actual_start"], row[key],
                                                              cmp.calendar(act)):
                    result.mismatches.append(Mismatch(
                        project.id, act.id, "actual_start", _fmt(row[key]),
                        _fmt(rec["actual_start"]),
                        f"the actual start was not kept (file {key})", "engine"))
        cmp.compare(act, view, row["total_slack_minutes"], explain)


def _working_hours(cal: WorkCalendar | None, a: _dt.datetime | None, b: _dt.datetime | None
                   ) -> float | None:
    if a is None or b is None:
        return None
    if cal is None:
        return (b - a).total_seconds() / 3600
    return cal.working_between(a, b).total_seconds() / 3600


def _explain_generic(cmp: _Comparison, act: Any, field: str, want: Any, got: Any
                     ) -> tuple[str, str]:
    if field == "total_float":
        return "unexplained", f"total float differs by {_fmt(got - want)} {cmp.unit}"
    diff = _working_hours(cmp.calendar(act), want, got)
    return "unexplained", f"differs by {_fmt(diff)} working hours on the activity's calendar"


def _explain_mspdi(cmp: _Comparison, act: Any, row: dict[str, Any], field: str, want: Any,
                   got: Any, finish: Any) -> tuple[str, str]:
    cal = cmp.calendar(act)
    seconds = act.duration * 3600 if act.duration_unit == "h" else None
    close = want is not None and got is not None and (
        abs(got - want) < 1 if field == "total_float" else abs((want - got).total_seconds()) < 60)
    if seconds is not None and seconds % 60 and close:
        return "model", (f"the duration has seconds ({act.duration:g} h); projtrack "
                         "schedules in whole minutes")
    span = _working_hours(cal, row["early_start"], row["early_finish"])
    pauses = act.pauses_ahead()
    if span is not None and act.duration_unit == "h" and span - act.duration - pauses > 1e-6 \
            and act.actual_start is None:
        text = (f"split task: MS Project's early dates span {span:g} working hours for "
                f"{act.duration:g} h of work and {pauses:g} h of pauses read from the "
                "timephased data")
        if act.id in cmp.project.attrs.get("timephased_unreadable", ()):
            return "model", text + " (MS Project wrote unreadable times there, so the "\
                "splits of this task are not known)"
        return "unexplained", text
    if field in ("late_start", "late_finish", "total_float") and cmp.succs.get(act.id, 0) == 0 \
            and finish is not None and row["late_finish"] is not None:
        pcal = cal or cmp.project_calendar()
        if not _same_instant(row["late_finish"], finish, pcal):
            return "oracle", (
                f"no successors, yet MS Project stored LateFinish {_fmt(row['late_finish'])}, "
                f"not the project finish {_fmt(finish)} (the latest EarlyFinish); a CPM "
                "backward pass late-finishes open ends at the project finish"
                + (f" (task created {_fmt(row['created'])}: a value left from an earlier "
                   "state of the file)" if row.get("created") is not None else ""))
    if field == "total_float" and row["early_finish"] is not None and \
            row["late_finish"] is not None:
        pcal = cmp.project_calendar()
        on_project = pcal.working_between(row["early_finish"], row["late_finish"])
        if abs(on_project.total_seconds() / 60 - want) < 1e-6 and cal is not pcal:
            return "engine", ("MS Project measures this slack on the project calendar "
                              f"({cmp.project.calendar!r}: {want:g} min from EarlyFinish to "
                              f"LateFinish), projtrack on the task's calendar "
                              f"({act.calendar!r}: {got:g} min)")
    return _explain_generic(cmp, act, field, want, got)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def compare_file(oracle: OracleFile) -> FileResult:
    """Schedule one oracle file and compare it with its stored values."""
    from projtrack.exceptions import ProjtrackError

    result = FileResult(oracle.name)
    if not oracle.path.is_file():
        result.error = "file not found"
        return result
    if oracle.sha256 is not None and _sha256(oracle.path) != oracle.sha256:
        result.integrity = "SHA-256 differs from SOURCES.md"
    try:
        if oracle.name.lower().endswith(".xer"):
            _compare_xer(oracle.path, result)
        else:
            _compare_mspdi(oracle.path, result)
    except ProjtrackError as exc:
        result.error = f"{type(exc).__name__}: {exc}"
    except Exception as exc:
        result.error = f"unexpected {type(exc).__name__}: {exc}"
    return result


def run(data_dir: Path) -> list[FileResult]:
    """Compare every oracle file in ``data_dir``."""
    return [compare_file(o) for o in oracle_files(data_dir)]


# =========================================================================== report


#: Causes of a mismatch, as the report counts them.
CATEGORIES = ("engine", "model", "oracle")


def _categories(result: FileResult) -> dict[str, int]:
    """Mismatches by cause; one without an explanation counts against the engine."""
    kinds = dict.fromkeys(CATEGORIES, 0)
    for m in result.mismatches:
        kinds[m.category if m.category in kinds else "engine"] += 1
    return kinds


def format_report(results: Sequence[FileResult], *, data_dir: Path | None = None) -> str:
    """The text report: a table per file, then every mismatch with its reason."""
    lines = []
    if data_dir is not None:
        lines.append(f"projtrack conformance against {data_dir}")
    head = (f"{'file':<48} {'acts':>5} " + " ".join(f"{f.replace('_', ' '):>12}"
                                                      for f in FIELDS)
            + "  done  engine model oracle")
    lines.append(head)
    lines.append("-" * len(head))
    total_exact = dict.fromkeys(FIELDS, 0)
    total_n = dict.fromkeys(FIELDS, 0)
    total_kinds = dict.fromkeys(CATEGORIES, 0)
    for r in results:
        if r.error:
            lines.append(f"{r.name:<48} ERROR {r.error}")
            continue
        cells = " ".join(f"{r.percent(f):>11.1f}%" for f in FIELDS)
        kinds = _categories(r)
        counts = " ".join(f"{kinds[k]:>6}" for k in CATEGORIES)
        lines.append(f"{r.name:<48} {r.compared:>5} {cells}  {r.completed_checked:>4}  "
                     f"{counts}")
        for f in FIELDS:
            total_exact[f] += r.exact[f]
            total_n[f] += r.total[f]
        for k in CATEGORIES:
            total_kinds[k] += kinds[k]
    overall = " ".join(
        f"{(100.0 * total_exact[f] / total_n[f] if total_n[f] else 100.0):>11.1f}%"
        for f in FIELDS)
    lines.append("-" * len(head))
    done = sum(r.completed_checked for r in results)
    counts = " ".join(f"{total_kinds[k]:>6}" for k in CATEGORIES)
    lines.append(f"{'all files':<48} {sum(r.compared for r in results):>5} {overall}  "
                 f"{done:>4}  {counts}")
    lines.append("")
    lines.append("acts: open activities compared; done: completed activities whose actual "
                 "dates were checked; engine, model, oracle: mismatched values by cause "
                 "(engine includes any mismatch left unexplained).")
    lines.append("Mismatch categories: engine = a scheduling rule applied differently; model = "
                 "the file holds what the model cannot express; oracle = the stored value is "
                 "not what a CPM pass gives.")
    for r in results:
        notes = []
        if r.integrity:
            notes.append(f"  integrity: {r.integrity}")
        if r.skipped:
            notes.append("  skipped: " + ", ".join(f"{n} {why}" for why, n in
                                                   sorted(r.skipped.items())))
        if r.mismatches:
            kinds = _categories(r)
            notes.append(f"  {len(r.mismatches)} mismatches ("
                         + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()) if n)
                         + "):")
            for m in r.mismatches:
                where = f"{m.project}/{m.activity}" if m.project else str(m.activity)
                notes.append(f"    {where} {m.field}: file {m.expected}, projtrack {m.got}"
                             f" [{m.category}] {m.reason}")
        if notes:
            lines.append("")
            lines.append(r.name)
            lines.extend(notes)
    return "\n".join(lines)


def main(argv: Iterable[str] | None = None) -> int:
    """Print the conformance report; the exit status is 0, or 2 without data.

    Examples
    --------
    >>> main(["/nonexistent/folder"])
    no conformance data at /nonexistent/folder; pass the folder that holds SOURCES.md ...
    2
    """
    args = list(sys.argv[1:] if argv is None else argv)
    path = args[0] if args else None
    data_dir = find_data_dir(path)
    if data_dir is None:
        where = path or f"${ENV_VAR} or ../shared/conformance"
        print(f"no conformance data at {where}; pass the folder that holds SOURCES.md "
              f"or set {ENV_VAR}")
        return 2
    results = run(data_dir)
    print(format_report(results, data_dir=data_dir))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
