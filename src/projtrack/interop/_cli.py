"""``projtrack import`` and ``projtrack export``: P6, MS Project and CSV files in the shell."""

from __future__ import annotations

import os
from pathlib import Path

import click

from projtrack._model import Project
from projtrack.exceptions import ProjtrackError

__all__ = ["export_command", "import_command", "read_foreign"]

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
    from projtrack.interop import write_mspdi

    try:
        project = read_foreign(file, project_id=project_id)
        write_mspdi(project, output, schedule=False if logic_only else None)
    except ProjtrackError as exc:
        click.echo(str(exc))
        for note in getattr(exc, "__notes__", ()):
            click.echo(note)
        raise SystemExit(1) from None
    click.echo(f"{output}: {project.id} as {target} ({len(project.activities)} activities)")
