"""The plugin contract: every hook projtrack calls, with its arguments and results.

Plugins implement these hooks with functions of the same name marked by
:data:`projtrack.hookimpl`. An implementation may accept *any subset* of the
documented arguments (pluggy's opt-in arguments), so new arguments can be
added later without breaking existing plugins. Hooks are grouped by purpose:

* ``add_hookspecs`` - plugins that define hooks of their own;
* ``register_*`` - contribute objects: checks, calendars, activity
  templates, file formats, CLI commands. Each returns an iterable (or
  ``None``); the results of all plugins are combined;
* ``schedule_computed`` - an observer, told about every computed schedule.

The reference page ``docs/reference/hooks.md`` is generated from the
docstrings below (``python docs/reference/gen_hooks.py``); a test keeps it in
step with this module.

Examples
--------
>>> import projtrack as pt
>>> from projtrack import hookspecs
>>> sorted(name for name in dir(hookspecs) if getattr(getattr(hookspecs, name),
...        "projtrack_spec", None) is not None)  # doctest: +NORMALIZE_WHITESPACE
['add_hookspecs', 'register_activity_templates', 'register_calendars',
 'register_checks', 'register_commands', 'register_formats', 'schedule_computed']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click

    from projtrack._model import Calendar, Project
    from projtrack._plugins import FileFormat
    from projtrack.checks import Rule
    from projtrack.templates import ActivityTemplate

__all__ = [
    "add_hookspecs",
    "hookimpl",
    "hookspec",
    "register_activity_templates",
    "register_calendars",
    "register_checks",
    "register_commands",
    "register_formats",
    "schedule_computed",
]

#: Marks a function in this module as a hook specification (project name ``projtrack``).
hookspec = pluggy.HookspecMarker("projtrack")

#: Marks a plugin's function as a hook implementation; plugin authors import it
#: as ``from projtrack import hookimpl``.
hookimpl = pluggy.HookimplMarker("projtrack")


# --------------------------------------------------------------------------- set-up


@hookspec(historic=True)
def add_hookspecs(pluginmanager: pluggy.PluginManager) -> None:
    """Add hook specifications of a plugin's own, so other plugins can implement them.

    Call ``pluginmanager.add_hookspecs(module_or_class)`` here. The hook is
    historic: a plugin registered later is still called with the manager.

    :param pluginmanager: The :class:`pluggy.PluginManager` the plugin was registered with.
    :returns: Nothing.

    Fires once per plugin, when it is registered.

    .. versionadded:: 0.1

    Examples
    --------
    >>> class MySpecs:
    ...     @pt.hookspecs.hookspec
    ...     def approval_agencies(self):
    ...         "Return agency ids."
    >>> class DefinesHooks:
    ...     @pt.hookimpl
    ...     def add_hookspecs(self, pluginmanager):
    ...         pluginmanager.add_hookspecs(MySpecs)
    >>> pm = pt.get_plugin_manager(load_entrypoints=False)
    >>> _ = pm.register(DefinesHooks())
    >>> hasattr(pm.hook, "approval_agencies")
    True
    """


# --------------------------------------------------------------------------- contributions


@hookspec
def register_checks() -> Iterable[Rule] | None:
    """Contribute checks that :func:`projtrack.check` and ``projtrack check`` run.

    Return the functions decorated with :func:`projtrack.rule`. Check ids
    are a per-plugin letter prefix plus digits (``CN001``, ``MP012``) so users
    can select and ignore them by prefix; an id already taken by another
    plugin is refused.

    :returns: An iterable of :class:`projtrack.checks.Rule` objects, or ``None``.

    Fires every time checks are collected: at each :func:`projtrack.check`
    call and for ``projtrack plugins``. Nothing is cached, so a plugin
    registered in a notebook takes effect at once.

    .. versionadded:: 0.1

    Examples
    --------
    >>> @pt.rule(id="XX001", title="Every project needs a name")
    ... def needs_name(ctx):
    ...     if not ctx.project.name:
    ...         yield pt.Finding("the project has no name", hint="set name:")
    >>> class NamePlugin:
    ...     @pt.hookimpl
    ...     def register_checks(self):
    ...         return [needs_name]
    >>> pm = pt.get_plugin_manager(load_entrypoints=False)
    >>> _ = pm.register(NamePlugin())
    >>> project = pt.Project(id="p", start=pendulum.Date(2024, 1, 2))
    >>> [f.check for f in pt.check(project, select=["XX"], plugins=pm)]
    ['XX001']
    """


@hookspec
def register_calendars() -> Iterable[Calendar] | None:
    """Contribute named working calendars (for example a region's holidays).

    :returns: An iterable of :class:`projtrack.Calendar` objects, or ``None``.

    Fires whenever the calendar registry is read; the integrity check
    ``PT006`` accepts plugin calendar names as known.

    .. versionadded:: 0.1

    Examples
    --------
    >>> class SiteCalendar:
    ...     @pt.hookimpl
    ...     def register_calendars(self):
    ...         return [pt.Calendar(name="six-day", base="standard",
    ...                             work_week={"sat": [(480, 1020)]})]
    >>> pm = pt.get_plugin_manager(load_entrypoints=False)
    >>> _ = pm.register(SiteCalendar())
    >>> [c.name for batch in pm.hook.register_calendars() for c in batch]
    ['six-day']
    """


@hookspec
def register_activity_templates() -> Iterable[ActivityTemplate] | None:
    """Contribute reusable groups of activities, such as a standard approval chain.

    :returns: An iterable of :class:`projtrack.ActivityTemplate` objects, or ``None``.

    Fires whenever the template registry is read
    (:func:`projtrack.templates.get_template`, ``projtrack plugins``).

    .. versionadded:: 0.1

    Examples
    --------
    >>> survey = pt.ActivityTemplate(
    ...     name="survey", title="Site survey",
    ...     activities=[pt.Activity(id="survey", duration=5, name="Survey")])
    >>> class Surveys:
    ...     @pt.hookimpl
    ...     def register_activity_templates(self):
    ...         return [survey]
    >>> pm = pt.get_plugin_manager(load_entrypoints=False)
    >>> _ = pm.register(Surveys())
    >>> project = pt.Project(id="p", start=pendulum.Date(2024, 1, 2))
    >>> [a.id for a in pt.apply_template(project, "survey", plugins=pm).activities]
    ['survey']
    """


@hookspec
def register_formats() -> Iterable[FileFormat] | None:
    """Contribute file formats: readers (importers) and writers (exporters) of projects.

    A :class:`projtrack.FileFormat` names the format, the file suffixes it
    claims and a ``read(path) -> Project`` and/or ``write(project, path)``
    function. :func:`projtrack.read_project`, :func:`projtrack.load` and
    :func:`projtrack.save` (for suffixes other than ``.yaml``/``.yml``/``.json``)
    and ``projtrack check``/``validate``/``show`` pick the reader by ``format=``
    name or by suffix. Built in: ``yaml``, ``json``, ``xer`` and ``mspdi``.

    :returns: An iterable of :class:`projtrack.FileFormat` objects, or ``None``.

    Fires whenever the format registry is read.

    .. versionadded:: 0.1

    Examples
    --------
    >>> import json
    >>> def read_tiny(path):
    ...     data = json.loads(path.read_text(encoding="utf-8"))
    ...     return pt.Project(id=data["name"], start=pendulum.Date(2024, 1, 2))
    >>> class Tiny:
    ...     @pt.hookimpl
    ...     def register_formats(self):
    ...         return [pt.FileFormat(name="tiny", suffixes=(".tiny",), read=read_tiny)]
    >>> pm = pt.get_plugin_manager(load_entrypoints=False)
    >>> _ = pm.register(Tiny())
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.tiny"
    >>> _ = path.write_text('{"name": "tiny-project"}', encoding="utf-8")
    >>> pt.read_project(path, plugins=pm).id
    'tiny-project'
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add subcommands to the ``projtrack`` command line.

    :param cli: The :class:`click.Group` behind ``projtrack``; decorate
        functions with ``@cli.command()``.
    :returns: Nothing.

    Fires once when the command line starts (with the default plugin manager).

    .. versionadded:: 0.1

    Examples
    --------
    >>> import click
    >>> class Hello:
    ...     @pt.hookimpl
    ...     def register_commands(self, cli):
    ...         @cli.command()
    ...         def hello():
    ...             click.echo("hello")
    >>> group = click.Group()
    >>> pm = pt.get_plugin_manager(load_entrypoints=False)
    >>> _ = pm.register(Hello())
    >>> pm.hook.register_commands(cli=group)
    []
    >>> sorted(group.commands)
    ['hello']
    """


# --------------------------------------------------------------------------- observers


@hookspec
def schedule_computed(
    project: Project, schedule: Any, options: Mapping[str, Any]
) -> None:
    """Observe a computed schedule (export it, log it, notify someone).

    :param project: The :class:`projtrack.Project` that was scheduled.
    :param schedule: The result of :func:`projtrack.schedule`.
    :param options: The keyword options the schedule was computed with.
    :returns: Nothing; return values are ignored.

    Fires after every successful :func:`projtrack.schedule` call, including
    the one a check context makes for schedule-based checks. Keep it cheap
    and do not modify the objects.

    .. versionadded:: 0.1

    Examples
    --------
    >>> seen = []
    >>> class Recorder:
    ...     @pt.hookimpl
    ...     def schedule_computed(self, project):
    ...         seen.append(project.id)
    >>> pm = pt.get_plugin_manager(load_entrypoints=False)
    >>> _ = pm.register(Recorder())
    >>> project = pt.Project(id="p", start=pendulum.Date(2024, 1, 2))
    >>> pm.hook.schedule_computed(project=project, schedule=None, options={})
    []
    >>> seen
    ['p']
    """
