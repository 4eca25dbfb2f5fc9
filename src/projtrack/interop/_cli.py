"""``projtrack import`` and ``projtrack export``: P6, MS Project and CSV files in the shell."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from projtrack._model import Project
from projtrack.exceptions import ProjtrackError

__all__ = ["export_command", "import_command", "ms_project_differences", "read_foreign"]

_SUFFIXES = {".xer": "xer", ".xml": "mspdi", ".csv": "csv"}


def _format_of(path: str, fmt: str | None) -> str:
    if fmt is not None:
        return fmt
    suffix = Path(path).suffix.lower()
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    if suffix in (".yaml", ".yml", ".json"):
        return "projtrack"
    raise click.UsageError(
        f"cannot tell the format of {path!r} from its suffix; use .xer, .xml, .csv, or pass "
        "--format"
    )


def read_foreign(path: str, *, fmt: str | None = None, project_id: str | None = None,
                 links: str | None = None, start: str | None = None,
                 encoding: str | None = None, timezone: str | None = None) -> Project:
    """Read one project from an XER, MSPDI, CSV or projtrack file.

    Examples
    --------
    >>> read_foreign("examples/renhe-road.yaml").id
    'renhe-road'
    """
    from projtrack._io import load
    from projtrack._time import DEFAULT_TIMEZONE
    from projtrack.exceptions import ImportFormatError
    from projtrack.interop import read_csv, read_mspdi, read_xer

    kind = _format_of(path, fmt)
    tz = timezone or DEFAULT_TIMEZONE
    if kind == "projtrack":
        return load(path)
    if kind == "mspdi":
        return read_mspdi(path, timezone=timezone)
    if kind == "csv":
        return read_csv(path, links, start=start, encoding=encoding, timezone=tz,
                        id=Path(path).stem or "csv")
    projects = read_xer(path, encoding=encoding, timezone=tz)
    if project_id is not None:
        for project in projects:
            if project.id == project_id:
                return project
        raise ImportFormatError(
            f"no project {project_id!r} in the file; it holds "
            + ", ".join(repr(p.id) for p in projects), file=os.fspath(path), field="--project")
    if len(projects) != 1:
        raise ImportFormatError(
            f"the file holds {len(projects)} projects ("
            + ", ".join(repr(p.id) for p in projects) + "); choose one with --project",
            file=os.fspath(path), field="--project")
    return projects[0]


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Project file to write (.yaml, .yml or .json).")
@click.option("--format", "fmt", type=click.Choice(["xer", "mspdi", "csv"]), default=None,
              help="Input format (default: from the suffix .xer, .xml, .csv).")
@click.option("--project", "project_id", default=None,
              help="XER with several projects: the project id (proj_short_name) to import.")
@click.option("--links", type=click.Path(dir_okay=False), default=None,
              help="CSV: the links table.")
@click.option("--start", default=None, help="CSV: planned start, YYYY-MM-DD.")
@click.option("--encoding", default=None, help="XER/CSV code page (default: detected).")
@click.option("--timezone", default=None,
              help="Time zone of the file's local times (default Asia/Shanghai).")
def import_command(file: str, output: str, fmt: str | None, project_id: str | None,
                   links: str | None, start: str | None, encoding: str | None,
                   timezone: str | None) -> None:
    """Import a P6 XER, MS Project XML or CSV FILE into a projtrack project file.

    Exit status 0 on success, 1 when the input cannot be read (one line, no
    traceback), 2 on usage errors.
    """
    from projtrack._io import save

    try:
        project = read_foreign(file, fmt=fmt, project_id=project_id, links=links, start=start,
                               encoding=encoding, timezone=timezone)
        save(project, output)
    except ProjtrackError as exc:
        click.echo(str(exc))
        raise SystemExit(1) from None
    extra = project.attrs.get("external_links")
    note = f", {len(extra)} links to other projects kept in attrs" if extra else ""
    click.echo(f"{output}: {project.id} ({len(project.activities)} activities, "
               f"{len(project.links)} links{note})")


@click.command("export")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--to", "target", type=click.Choice(["mspdi"]), required=True,
              help="Output format: mspdi (MS Project XML).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="File to write.")
@click.option("--project", "project_id", default=None,
              help="XER input with several projects: the project id.")
@click.option("--logic-only", is_flag=True, default=False,
              help="Write the logic without the computed schedule (for a project whose "
                   "schedule cannot be computed).")
def export_command(file: str, target: str, output: str, project_id: str | None,
                   logic_only: bool) -> None:
    """Export project FILE (projtrack, XER, MSPDI or CSV) to MS Project XML.

    The file carries projtrack's computed schedule (task dates, slack,
    critical flags) unless --logic-only is given.
    """
    from projtrack.algorithms.cpm import schedule
    from projtrack.interop.mspdi import _write

    try:
        project = read_foreign(file, project_id=project_id)
        sched = None if logic_only else schedule(project)
        view = _write(project, output, False if sched is None else sched)
    except ProjtrackError as exc:
        click.echo(str(exc))
        for note in getattr(exc, "__notes__", ()):
            click.echo(note)
        if not logic_only:
            click.echo("to write the logic without computed dates, add --logic-only")
        raise SystemExit(1) from None
    click.echo(f"{output}: {project.id} as {target} ({len(project.activities)} activities)")
    if sched is not None:
        note = ms_project_differences(project, sched, view=view)
        if note:
            click.echo(note)


def ms_project_differences(project: Project, sched: Any, *, view: Project | None = None
                           ) -> str | None:
    """A note when MS Project would schedule the written file differently, else ``None``.

    Schedules :func:`~projtrack.interop.mspdi_view` (what MS Project reads;
    ``view`` when the writer already made it) and compares the early dates of
    the unfinished activities.

    Examples
    --------
    >>> import pendulum, projtrack as pt
    >>> p = pt.Project(id="p", start=pendulum.Date(2024, 3, 6),
    ...                activities=[pt.Activity(id="a", duration=3),
    ...                            pt.Activity(id="b", duration=1, calendar="7d")],
    ...                links=[pt.Link(pred="a", succ="b", lag=1)])
    >>> print(ms_project_differences(p, pt.schedule(p)))  # doctest: +NORMALIZE_WHITESPACE
    note: MS Project would schedule 1 of 2 activities differently (b); options MS Project
    does not have: lag_calendar='predecessor', ss_lag_from='early_start';
    projtrack.interop.mspdi_view shows what the file holds
    >>> same = p.replace(activities=[pt.Activity(id="a", duration=3),
    ...                              pt.Activity(id="b", duration=1)])
    >>> ms_project_differences(same, pt.schedule(same)) is None
    True
    """
    from projtrack.algorithms.cpm import schedule
    from projtrack.interop.mspdi import mspdi_view

    try:
        if view is None:
            view = mspdi_view(project, schedule=sched)
        theirs = schedule(view)
    except ProjtrackError:
        return None  # the view does not schedule: nothing to compare
    differ = [
        act.id for act, mine, other in zip(project.activities, sched, theirs, strict=True)
        if mine["status"] != "finished"
        and (mine["early_start"], mine["early_finish"]) != (other["early_start"],
                                                             other["early_finish"])
    ]
    if not differ:
        return None
    shown = ", ".join(str(i) for i in differ[:5]) + (", ..." if len(differ) > 5 else "")
    # The options that move early dates, where MS Project has its own rule.
    options = [f"{name}={getattr(project.options, name)!r}"
               for name in ("lag_calendar", "progress", "ss_lag_from")
               if getattr(project.options, name) != getattr(view.options, name)]
    why = (f"; options MS Project does not have: {', '.join(options)}" if options else "")
    return (f"note: MS Project would schedule {len(differ)} of {len(project.activities)} "
            f"activities differently ({shown}){why}; projtrack.interop.mspdi_view shows "
            "what the file holds")
