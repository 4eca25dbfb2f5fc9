"""The ``projtrack`` command line (also ``python -m projtrack``).

Exit codes follow linters: 0 success, 1 the input has problems (one
readable line per error, no traceback), 2 usage error.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Sequence
from typing import Any

import click

from projtrack._io import load
from projtrack._model import Project
from projtrack.exceptions import ProjtrackError

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="projtrack", prog_name="projtrack")
def cli() -> None:
    """Track investment and renovation projects: approvals, milestones, works."""


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate(files: Sequence[str]) -> None:
    """Check that project FILES are valid; print one line per problem.

    Every broken item of a file is reported in one run. Exit status 0 when
    every file is valid, 1 otherwise.
    """
    failed = 0
    for name in files:
        try:
            project = load(name)
        except ProjtrackError as exc:
            failed += 1
            for problem in exc.problems:
                click.echo(f"{problem}", err=False)
            continue
        click.echo(
            f"{name}: ok ({len(project.activities)} activities, {len(project.links)} links)"
        )
    if failed:
        raise SystemExit(1)


def _fmt_date(value: Any) -> str:
    return "-" if value is None else str(value)[:10]


def describe(project: Project) -> str:
    """Return the text ``projtrack show`` prints for a project.

    Examples
    --------
    >>> import projtrack as pt
    >>> from projtrack.cli import describe
    >>> print(describe(pt.load("examples/renhe-road.yaml")).splitlines()[0])
    renhe-road: Renhe Road old-city renovation (人和路旧城改造项目)
    """
    lines = []
    title = project.name or project.id
    if project.name_zh:
        title += f" ({project.name_zh})"
    lines.append(f"{project.id}: {title}")
    lines.append(
        f"  start {project.start}  calendar {project.calendar}  timezone {project.timezone}"
        + (f"  data date {_fmt_date(project.data_date)}" if project.data_date else "")
    )
    for key, value in project.attrs.items():
        if isinstance(value, str | int | float):
            lines.append(f"  {key}: {value}")
    kinds = Counter(a.kind for a in project.activities)
    lines.append(
        f"Activities: {len(project.activities)} "
        f"({', '.join(f'{n} {k}s' for k, n in sorted(kinds.items()))})"
    )
    stages: dict[str, list[Any]] = {}
    for act in project.activities:
        stages.setdefault(act.stage or "(no stage)", []).append(act)
    for stage, acts in stages.items():
        lines.append(f"  {stage}")
        for act in acts:
            mark = {"task": "-", "approval": "A", "milestone": "M"}[act.kind]
            name = act.name or str(act.id)
            if act.name_zh:
                name += f" / {act.name_zh}"
            extra = []
            if act.kind != "milestone":
                unit = "" if act.duration_unit == "d" else act.duration_unit
                extra.append(f"{act.duration:g}{unit or 'd'}")
            if act.agency:
                extra.append(f"agency {act.agency}")
            if act.time_limit is not None:
                extra.append(f"limit {act.time_limit:g} wd")
            if act.actual_start is not None:
                extra.append(f"started {_fmt_date(act.actual_start)}")
            if act.actual_finish is not None:
                extra.append(f"finished {_fmt_date(act.actual_finish)}")
            if act.estimated:
                extra.append("dates estimated")
            lines.append(f"    {mark} {act.id}: {name}" + (f"  [{', '.join(extra)}]" if extra
                                                           else ""))
    lines.append(f"Parties: {len(project.parties)}")
    for party in project.parties:
        name = party.name + (f" / {party.name_zh}" if party.name_zh else "")
        lines.append(f"  {party.id}: {name} ({party.role})")
    types = Counter(k.type for k in project.links)
    lines.append(
        f"Links: {len(project.links)}"
        + (f" ({', '.join(f'{n} {t}' for t, n in sorted(types.items()))})" if types else "")
    )
    dates = [
        d
        for a in project.activities
        for d in (a.actual_start, a.actual_finish)
        if d is not None
    ]
    dates += [c.date for a in project.activities for c in a.constraints if c.date is not None]
    dates += [e.at for e in project.events]
    if dates:
        keys = sorted(str(d)[:10] for d in dates)
        lines.append(f"Dates recorded: {keys[0]} .. {keys[-1]}")
    if project.events:
        lines.append(f"Events: {len(project.events)}")
    return "\n".join(lines)


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
def show(file: str) -> None:
    """Summarise a project FILE: activities by kind and stage, parties, links, dates."""
    try:
        project = load(file)
    except ProjtrackError as exc:
        click.echo(str(exc))
        raise SystemExit(1) from None
    click.echo(describe(project))


@cli.command("report")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "-o", "--output", default="report.html", show_default=True,
    type=click.Path(dir_okay=False, writable=True), help="HTML file to write.",
)
@click.option("--checks/--no-checks", default=True, help="Include check findings.")
@click.option("--delays/--no-delays", default=True, help="Include the delay analysis.")
@click.option("--charts/--no-charts", default=True, help="Draw charts (needs matplotlib).")
@click.option(
    "--cjk/--no-cjk", default=None,
    help="Chinese names in charts (default: when a CJK font is installed).",
)
def report_command(
    file: str, output: str, checks: bool, delays: bool, charts: bool, cjk: bool | None
) -> None:
    """Write a self-contained HTML report of project FILE and print a short summary.

    The page has the summary, a Gantt chart, the critical path, approvals by
    agency, check findings and delays; it needs no network or JavaScript.
    """
    from projtrack.report import build_report

    try:
        rep = build_report(file, checks=checks, delays=delays, charts=charts, cjk=cjk)
        path = rep.save(output)
    except ProjtrackError as exc:
        click.echo(str(exc))
        raise SystemExit(1) from None
    click.echo(rep.summary())
    click.echo(f"Report written to {path} ({path.stat().st_size / 1024:,.0f} KB)")


@cli.command("delays")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--to", "to", default=None, help="Activity whose date is measured (default: finish).")
@click.option("--by", "by", default="party", show_default=True,
              type=click.Choice(["party", "cause", "activity", "kind"]),
              help="How the days are grouped.")
@click.option("--policy", default="scl", show_default=True,
              type=click.Choice(["scl", "apportion"]), help="Concurrency policy.")
@click.option("--baseline", default=None, help="Name of a stored baseline (default: the first).")
@click.option("--stall-days", default=20.0, show_default=True,
              help="Report stalls longer than this many working days.")
def delays_command(file: str, to: str | None, by: str, policy: str, baseline: str | None,
                   stall_days: float) -> None:
    """Explain why project FILE is late: but-for attribution, stalls, approval cycles."""
    from projtrack.delays import analyze_delays

    try:
        project = load(file)
        analysis = analyze_delays(project, baseline, to=to, policy=policy,
                                  stall_days=stall_days)
        lines = [
            f"Delay analysis of {project.id!r} against {analysis.baseline.name!r}",
            analysis.by(by).summary(),
            analysis.stalls.summary(),
            analysis.approvals.summary(),
        ]
    except ProjtrackError as exc:
        click.echo(str(exc))
        raise SystemExit(1) from None
    click.echo("\n".join(lines))


# Checks and plugins (issue 5): the commands live with the checks package.
from projtrack.checks._cli import (  # noqa: E402
    check_command,
    plugins_command,
    register_plugin_commands,
)

cli.add_command(check_command)
cli.add_command(plugins_command)

# Import and export of P6, MS Project and CSV files (issue 4).
from projtrack.interop._cli import export_command, import_command  # noqa: E402

cli.add_command(import_command)
cli.add_command(export_command)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line; ``argv`` defaults to ``sys.argv[1:]``.

    Examples
    --------
    >>> from projtrack.cli import main
    >>> try:
    ...     main(["validate", "examples/renhe-road.yaml"])
    ... except SystemExit as exit:
    ...     print("exit", exit.code)
    examples/renhe-road.yaml: ok (...)
    exit 0
    """
    register_plugin_commands(cli)
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="projtrack")
    except ProjtrackError as exc:  # a command let one through: still no traceback
        click.echo(str(exc), err=True)
        sys.exit(1)
