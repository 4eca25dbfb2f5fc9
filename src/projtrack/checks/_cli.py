"""The ``projtrack check`` and ``projtrack plugins`` commands (added to ``projtrack.cli.cli``)."""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from typing import Any

import click
import yaml

from projtrack.exceptions import ProjtrackError, ValidationError

__all__ = ["check_command", "plugins_command", "register_plugin_commands"]


def _options(values: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in values:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(
                f"{item!r} is not KEY=VALUE (e.g. dcma.profile=strict)", param_hint="--option"
            )
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            value = raw
        out[key.strip()] = value
    return out


@click.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--select", multiple=True, metavar="CODES",
              help="Check ids or prefixes to run, comma-separated (e.g. DCMA,CN002).")
@click.option("--ignore", multiple=True, metavar="CODES",
              help="Check ids or prefixes to skip, comma-separated.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@click.option("--fail-on", type=click.Choice(["info", "warning", "error"]), default="error",
              show_default=True, help="Exit with 1 when a finding is at least this serious.")
@click.option("--as-of", metavar="DATE", default=None,
              help="Status date (YYYY-MM-DD); default: each project's data_date.")
@click.option("--option", "opts", multiple=True, metavar="KEY=VALUE",
              help="Check option, repeatable (e.g. metro.city=qingdao, dcma.profile=strict).")
@click.option("--strict", is_flag=True, help="Let an exception in a check stop the run.")
def check_command(
    files: Sequence[str],
    select: Sequence[str],
    ignore: Sequence[str],
    fmt: str,
    fail_on: str,
    as_of: str | None,
    opts: Sequence[str],
    strict: bool,
) -> None:
    """Run checks on project FILES and print the findings.

    Exit status: 0 when no finding is at or above --fail-on, 1 when one is,
    2 for a usage error (an unknown option or check id).
    """
    from projtrack.checks import check

    options = _options(opts)
    reports = []
    for name in files:
        try:
            report = check(
                name,
                select=list(select) or None,
                ignore=list(ignore) or None,
                options=options,
                as_of=as_of,
                strict=strict,
            )
        except ValidationError as exc:
            if exc.field in ("select", "ignore", "as_of") or exc.field in options:
                raise click.UsageError(str(exc)) from None
            raise
        reports.append(report)
    if fmt == "json":
        click.echo(json.dumps([r.to_dict() for r in reports], ensure_ascii=False, indent=2))
    else:
        for report in reports:
            click.echo(report.to_text())
        if len(reports) > 1:
            total = sum(len(r) for r in reports)
            failed = sum(r.failed(fail_on) for r in reports)
            click.echo(f"Total: {total} finding{'s' if total != 1 else ''} in {len(reports)} "
                       f"files; {failed} at or above {fail_on}.")
    if any(r.failed(fail_on) for r in reports):
        raise SystemExit(1)


@click.command("plugins")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@click.option("--builtin/--no-builtin", default=True, show_default=True,
              help="Include projtrack's own built-in plugins.")
@click.option("-v", "--verbose", is_flag=True, help="Show each check's severity and title.")
def plugins_command(fmt: str, builtin: bool, verbose: bool) -> None:
    """List the plugins: name, version, hooks, and the checks, templates and formats they add.

    Installed plugins are found through the ``projtrack`` entry-point group;
    PROJTRACK_DISABLE_PLUGIN_AUTOLOAD=1 and PROJTRACK_LOAD_PLUGINS=a,b
    restrict which load.
    """
    from projtrack._plugins import collect_checks, default_plugin_manager, list_plugins

    pm = default_plugin_manager()
    infos = list_plugins(pm, builtin=builtin)
    rules = {}
    if verbose or fmt == "json":
        rules = {r.id: r for _, r in collect_checks(pm, on_error=lambda *_: None)}
    if fmt == "json":
        for info in infos:
            info["check_details"] = [
                {"id": cid, "severity": rules[cid].severity, "title": rules[cid].title}
                for cid in info["checks"] if cid in rules
            ]
        click.echo(json.dumps(infos, ensure_ascii=False, indent=2))
        return
    if not infos:
        click.echo("No plugins.")
        return
    for info in infos:
        origin = "built-in" if info["builtin"] else (info["distribution"] or "not installed")
        version = info["version"] or "?"
        click.echo(f"{info['name']} {version} ({origin})")
        click.echo(f"    hooks: {', '.join(info['hooks']) or '-'}")
        for key in ("checks", "templates", "formats", "calendars"):
            if info[key] and not (key == "checks" and verbose):
                click.echo(f"    {key}: {' '.join(info[key])}")
        if verbose:
            for cid in info["checks"]:
                r = rules.get(cid)
                if r is not None:
                    click.echo(f"    {cid:<7} {r.severity:<8} {r.title}")


def register_plugin_commands(group: click.Group) -> None:
    """Let plugins add commands (the ``register_commands`` hook); a failing plugin is skipped.

    Examples
    --------
    >>> group = click.Group()
    >>> register_plugin_commands(group)
    >>> sorted(group.commands)
    []
    """
    from projtrack._plugins import _call_each, default_plugin_manager

    try:
        pm = default_plugin_manager()
    except ProjtrackError as exc:  # pragma: no cover - a broken environment
        warnings.warn(f"plugins not loaded: {exc}", stacklevel=2)
        return
    for name, _, error in _call_each(pm, "register_commands", cli=group):
        if error is not None:
            click.echo(f"projtrack: plugin {name!r} failed to add commands: {error}", err=True)
