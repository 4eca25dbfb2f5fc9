"""The plugin manager: factory, built-in plugins, entry points, typed hook helpers, tracing.

:func:`get_plugin_manager` builds a fresh :class:`pluggy.PluginManager` in
pluggy's eggsample order: the specs of :mod:`projtrack.hookspecs`, then the
built-in plugins of :data:`DEFAULT_PLUGINS` (imported by path, as pytest and
Datasette do), then the installed plugins of the ``projtrack`` entry-point
group, then ``check_pending()``. A lazily created default manager serves
notebooks and the command line; every public entry point takes ``plugins=``
to use another one.

Environment switches, read each time a manager is built:

``PROJTRACK_DISABLE_PLUGIN_AUTOLOAD=1``
    Do not load installed plugins (built-ins still load).
``PROJTRACK_LOAD_PLUGINS=a,b``
    Load only the named installed plugins (entry-point or distribution
    names); an empty value loads none.
``PROJTRACK_TRACE_PLUGINS=1``
    Print every hook call, its implementations and results to stderr.

Hook calls go through typed helpers (:func:`collect_checks`, ...) that call
each plugin separately, check what it returned and raise
:class:`~projtrack.PluginError` naming the plugin when it misbehaves.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import re
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import pluggy

from projtrack import hookspecs
from projtrack.exceptions import FileFormatError, PluginError, ProjtrackWarning

if TYPE_CHECKING:
    from projtrack._model import Calendar, Project
    from projtrack.checks import Rule
    from projtrack.templates import ActivityTemplate

__all__ = [
    "DEFAULT_PLUGINS",
    "ENTRYPOINT_GROUP",
    "FileFormat",
    "PluginsArg",
    "collect_calendars",
    "collect_checks",
    "collect_formats",
    "collect_templates",
    "default_plugin_manager",
    "get_plugin_manager",
    "list_plugins",
    "notify_schedule_computed",
    "plugin_name",
    "read_project",
    "reset_default_plugin_manager",
    "resolve_plugins",
    "write_project",
]

#: The entry-point group installed plugins declare (``[project.entry-points.projtrack]``).
ENTRYPOINT_GROUP = "projtrack"

#: Built-in plugins, registered by import path (``module`` or ``module:attribute``)
#: before any installed plugin.
DEFAULT_PLUGINS: tuple[str, ...] = (
    "projtrack._plugins:CORE_FORMATS",
    "projtrack.checks.integrity",
    "projtrack.checks.dcma",
)

_TRUE = {"1", "true", "yes", "on"}
T = TypeVar("T")

#: What ``plugins=`` accepts: ``None`` (the default manager), a manager, or an
#: iterable of plugin objects (a fresh manager with the built-ins plus those).
PluginsArg = pluggy.PluginManager | Iterable[object] | None


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in _TRUE


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# =========================================================================== formats


def _suffixes(value: Iterable[str] | str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else list(value)
    out = []
    for item in items:
        text = str(item).strip().lower()
        if not text:
            continue
        out.append(text if text.startswith(".") else "." + text)
    return tuple(out)


@attrs.frozen(kw_only=True)
class FileFormat:
    """A project file format contributed through the ``register_formats`` hook.

    Parameters
    ----------
    name
        Short unique name (``yaml``, ``xer``, ``mspdi``); used as ``format=``.
    suffixes
        File suffixes this format claims (``.xer``); normalised to lower case
        with a leading dot.
    read
        ``read(path) -> Project``, or ``None`` for a write-only format.
    write
        ``write(project, path) -> None``, or ``None`` for a read-only format.
    description
        One line shown by ``projtrack plugins``.

    Examples
    --------
    >>> fmt = FileFormat(name="csv", suffixes=["CSV"], read=lambda path: None)
    >>> fmt.suffixes, fmt.can_read, fmt.can_write
    (('.csv',), True, False)
    """

    name: str
    suffixes: tuple[str, ...] = attrs.field(default=(), converter=_suffixes)
    read: Callable[[Path], Project] | None = None
    write: Callable[[Project, Path], None] | None = None
    description: str = ""

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.name, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", self.name):
            raise PluginError(
                f"format name {self.name!r} is not valid; use lower-case letters, digits, "
                "'-', '_' or '.'",
                field="name",
            )
        if self.read is None and self.write is None:
            raise PluginError(
                f"format {self.name!r} has neither read nor write; give at least one",
                field="read",
            )

    @property
    def can_read(self) -> bool:
        """Whether the format has a reader."""
        return self.read is not None

    @property
    def can_write(self) -> bool:
        """Whether the format has a writer."""
        return self.write is not None


class _CoreFormats:
    """Built-in plugin: the native YAML and JSON files, P6 XER and MS Project XML."""

    @staticmethod
    def _reader(name: str) -> Callable[[Path], Project]:
        def read(path: Path) -> Project:
            from projtrack._io import load

            return load(path, format=name)

        return read

    @staticmethod
    def _writer(name: str) -> Callable[[Project, Path], None]:
        def write(project: Project, path: Path) -> None:
            from projtrack._io import save

            save(project, path, format=name)

        return write

    @staticmethod
    def _read_xer(path: Path) -> Project:
        from projtrack.interop import read_xer

        projects = read_xer(path)
        if len(projects) != 1:
            raise FileFormatError(
                f"the file holds {len(projects)} projects; read them all with "
                "projtrack.read_xer(path), which returns a list",
                file=str(path),
            )
        return projects[0]

    @staticmethod
    def _read_mspdi(path: Path) -> Project:
        from projtrack.interop import read_mspdi

        return read_mspdi(path)

    @staticmethod
    def _write_mspdi(project: Project, path: Path) -> None:
        from projtrack.interop import write_mspdi

        write_mspdi(project, path)

    @hookspecs.hookimpl
    def register_formats(self) -> list[FileFormat]:
        return [
            FileFormat(
                name="xer",
                suffixes=(".xer",),
                read=self._read_xer,
                description="Primavera P6 XER export (one project per file here; "
                "projtrack.read_xer reads several)",
            ),
            FileFormat(
                name="mspdi",
                suffixes=(".xml",),
                read=self._read_mspdi,
                write=self._write_mspdi,
                description="Microsoft Project XML (MSPDI)",
            ),
            FileFormat(
                name="yaml",
                suffixes=(".yaml", ".yml"),
                read=self._reader("yaml"),
                write=self._writer("yaml"),
                description="projtrack project file (YAML)",
            ),
            FileFormat(
                name="json",
                suffixes=(".json",),
                read=self._reader("json"),
                write=self._writer("json"),
                description="projtrack project file (JSON)",
            ),
        ]


CORE_FORMATS = _CoreFormats()


# =========================================================================== the manager


def _load_object(path: str) -> object:
    module_name, _, attribute = path.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attribute) if attribute else module


def _trace(pm: pluggy.PluginManager) -> None:
    def before(
        hook_name: str, hook_impls: Sequence[pluggy.HookImpl], kwargs: Mapping[str, Any]
    ) -> None:
        names = ", ".join(plugin_name(pm, impl.plugin) for impl in hook_impls)
        args = ", ".join(f"{k}={type(v).__name__}" for k, v in kwargs.items())
        print(f"projtrack: hook {hook_name}({args}) -> [{names}]", file=sys.stderr)

    def after(
        outcome: pluggy.Result[Any],
        hook_name: str,
        hook_impls: Sequence[pluggy.HookImpl],
        kwargs: Mapping[str, Any],
    ) -> None:
        if outcome.exception is not None:
            result = f"raised {type(outcome.exception).__name__}: {outcome.exception}"
        else:
            result = repr(outcome.get_result())
            if len(result) > 300:
                result = result[:297] + "..."
        print(f"projtrack: hook {hook_name} -> {result}", file=sys.stderr)

    pm.add_hookcall_monitoring(before, after)


def _allowed_plugins() -> set[str] | None:
    value = os.environ.get("PROJTRACK_LOAD_PLUGINS")
    if value is None:
        return None
    return {_normalise(part.strip()) for part in value.split(",") if part.strip()}


def _entry_points(group: str) -> Iterator[tuple[importlib.metadata.EntryPoint, str]]:
    seen: set[tuple[str, str]] = set()
    # Called through the module so tests can monkeypatch importlib.metadata.distributions.
    for dist in list(importlib.metadata.distributions()):
        dist_name = dist.metadata["name"] or ""
        for ep in dist.entry_points:
            if ep.group != group or (ep.name, dist_name) in seen:
                continue
            seen.add((ep.name, dist_name))
            yield ep, dist_name


def _load_entrypoint_plugins(pm: pluggy.PluginManager) -> None:
    allowed = _allowed_plugins()
    for ep, dist_name in _entry_points(ENTRYPOINT_GROUP):
        if allowed is not None and not (
            {_normalise(ep.name), _normalise(dist_name)} & allowed
        ):
            continue
        if pm.has_plugin(ep.name) or pm.is_blocked(ep.name):
            continue
        try:
            pm.load_setuptools_entrypoints(ENTRYPOINT_GROUP, name=ep.name)
        except Exception as exc:  # a broken plugin must not make projtrack unusable
            warnings.warn(
                f"plugin {ep.name!r} (distribution {dist_name!r}) failed to load and was "
                f"skipped: {type(exc).__name__}: {exc}; fix or uninstall it, or set "
                "PROJTRACK_LOAD_PLUGINS to the plugins you want",
                ProjtrackWarning,
                stacklevel=3,
            )


def _check_pending(pm: pluggy.PluginManager, *, unregister: bool) -> None:
    while True:
        try:
            pm.check_pending()
            return
        except pluggy.PluginValidationError as exc:
            name = plugin_name(pm, exc.plugin)
            if not unregister:
                raise PluginError(f"{exc}", plugin=name) from None
            pm.unregister(exc.plugin)
            warnings.warn(
                f"plugin {name!r} was skipped: {exc}", ProjtrackWarning, stacklevel=3
            )


def get_plugin_manager(*, load_entrypoints: bool = True) -> pluggy.PluginManager:
    """Build a new plugin manager with the specs, the built-ins and the installed plugins.

    Parameters
    ----------
    load_entrypoints
        Load plugins installed under the ``projtrack`` entry-point group
        (subject to ``PROJTRACK_DISABLE_PLUGIN_AUTOLOAD`` and
        ``PROJTRACK_LOAD_PLUGINS``). Tests pass ``False`` to get an isolated
        manager with only the built-ins.

    Returns
    -------
    pluggy.PluginManager
        Register more plugins with ``pm.register(obj)`` and pass the manager
        as ``plugins=`` to :func:`projtrack.check` and friends.

    Warns
    -----
    ProjtrackWarning
        When an installed plugin fails to import or to validate; it is
        skipped and the others load.

    Examples
    --------
    >>> pm = get_plugin_manager(load_entrypoints=False)
    >>> sorted(name for name, _ in pm.list_name_plugin())
    ['projtrack.checks.dcma', 'projtrack.checks.integrity', 'projtrack.formats']
    """
    pm = pluggy.PluginManager(ENTRYPOINT_GROUP)
    pm.add_hookspecs(hookspecs)
    # Historic: plugins registered from now on get add_hookspecs(pluginmanager=pm).
    pm.hook.add_hookspecs.call_historic(kwargs={"pluginmanager": pm})
    if _env_flag("PROJTRACK_TRACE_PLUGINS"):
        _trace(pm)
    for path in DEFAULT_PLUGINS:
        obj = _load_object(path)
        name = "projtrack.formats" if obj is CORE_FORMATS else path
        pm.register(obj, name=name)
    if load_entrypoints and not _env_flag("PROJTRACK_DISABLE_PLUGIN_AUTOLOAD"):
        _load_entrypoint_plugins(pm)
    _check_pending(pm, unregister=True)
    return pm


_default: pluggy.PluginManager | None = None


def default_plugin_manager() -> pluggy.PluginManager:
    """Return the shared manager, building it on first use.

    Examples
    --------
    >>> default_plugin_manager() is default_plugin_manager()
    True
    """
    global _default
    if _default is None:
        _default = get_plugin_manager()
    return _default


def reset_default_plugin_manager() -> None:
    """Forget the shared manager; the next use builds a new one (after installing a plugin).

    Examples
    --------
    >>> first = default_plugin_manager()
    >>> reset_default_plugin_manager()
    >>> default_plugin_manager() is first
    False
    """
    global _default
    _default = None


def resolve_plugins(plugins: PluginsArg = None) -> pluggy.PluginManager:
    """Turn a ``plugins=`` argument into a plugin manager.

    ``None`` gives the default manager; a :class:`pluggy.PluginManager` is
    used as is; an iterable of plugin objects (modules, classes or instances
    with ``@hookimpl`` functions) gives a new manager with the built-ins plus
    those plugins and no installed ones.

    Raises
    ------
    PluginError
        When one of the given plugins fails validation (for example a hook
        implementation asks for an argument the spec does not have).

    Examples
    --------
    >>> class Nothing:
    ...     pass
    >>> pm = resolve_plugins([Nothing()])
    >>> resolve_plugins(pm) is pm
    True
    """
    if plugins is None:
        return default_plugin_manager()
    if isinstance(plugins, pluggy.PluginManager):
        return plugins
    if isinstance(plugins, str | bytes):
        raise PluginError(
            "plugins= takes a plugin manager or an iterable of plugin objects, not a string",
            field="plugins",
        )
    pm = get_plugin_manager(load_entrypoints=False)
    for plugin in plugins:
        try:
            pm.register(plugin)
        except pluggy.PluginValidationError as exc:
            raise PluginError(str(exc), plugin=plugin_name(pm, plugin)) from None
        except ValueError as exc:  # registered twice
            raise PluginError(str(exc), plugin=plugin_name(pm, plugin)) from None
    _check_pending(pm, unregister=False)
    return pm


def plugin_name(pm: pluggy.PluginManager, plugin: object) -> str:
    """Return a readable name for a registered plugin (class name for anonymous instances).

    Examples
    --------
    >>> class Mine:
    ...     pass
    >>> pm = get_plugin_manager(load_entrypoints=False)
    >>> obj = Mine()
    >>> _ = pm.register(obj)
    >>> plugin_name(pm, obj)
    'Mine'
    """
    name = pm.get_name(plugin)
    if name is None or name == str(id(plugin)):
        return getattr(plugin, "__name__", None) or type(plugin).__name__
    return name


# =========================================================================== typed calls


def _call_each(
    pm: pluggy.PluginManager, hook_name: str, **kwargs: Any
) -> Iterator[tuple[str, Any, BaseException | None]]:
    """Call a hook plugin by plugin, in registration order; yield (plugin, result, error)."""
    caller = getattr(pm.hook, hook_name)
    impls = caller.get_hookimpls()
    plugins = [impl.plugin for impl in impls]
    for impl in impls:
        name = plugin_name(pm, impl.plugin)
        subset = pm.subset_hook_caller(
            hook_name, remove_plugins=[p for p in plugins if p is not impl.plugin]
        )
        try:
            results = subset(**kwargs)
        except Exception as exc:
            yield name, None, exc
            continue
        yield name, (results[0] if results else None), None


def _collect(
    pm: pluggy.PluginManager,
    hook_name: str,
    cls: type[T],
    what: str,
    key: Callable[[T], str],
    on_error: Callable[[str, PluginError], None] | None,
) -> list[tuple[str, T]]:
    out: list[tuple[str, T]] = []
    owners: dict[str, str] = {}

    def fail(error: PluginError) -> None:
        if on_error is None:
            raise error
        on_error(error.plugin or "?", error)

    for name, result, exc in _call_each(pm, hook_name):
        if exc is not None:
            error = PluginError(
                f"plugin {name!r} raised {type(exc).__name__} in {hook_name}: {exc}",
                plugin=name,
            )
            error.__cause__ = exc
            fail(error)
            continue
        if result is None:
            continue
        if isinstance(result, cls | str | bytes | Mapping):
            items: list[Any] = [result]
        else:
            try:
                items = list(result)
            except TypeError:
                items = [result]
        for item in items:
            if not isinstance(item, cls):
                fail(
                    PluginError(
                        f"plugin {name!r} returned {item!r} from {hook_name}; expected "
                        f"{what} objects",
                        plugin=name,
                    )
                )
                continue
            ident = key(item)
            if ident in owners:
                fail(
                    PluginError(
                        f"{what} {ident!r} from plugin {name!r} is already registered by "
                        f"plugin {owners[ident]!r}; rename one of them",
                        plugin=name,
                    )
                )
                continue
            owners[ident] = name
            out.append((name, item))
    return out


def collect_checks(
    pm: pluggy.PluginManager,
    *,
    on_error: Callable[[str, PluginError], None] | None = None,
) -> list[tuple[str, Rule]]:
    """Return ``(plugin name, rule)`` pairs from every ``register_checks`` implementation.

    Parameters
    ----------
    pm
        The plugin manager.
    on_error
        Called with ``(plugin name, PluginError)`` for a plugin that raises,
        returns something that is not a rule, or reuses a taken id; the
        other plugins are still collected. Without it the error is raised.

    Examples
    --------
    >>> pm = get_plugin_manager(load_entrypoints=False)
    >>> pairs = collect_checks(pm)
    >>> pairs[0][0], pairs[0][1].id
    ('projtrack.checks.integrity', 'PT000')
    """
    from projtrack.checks import Rule

    return _collect(pm, "register_checks", Rule, "check", lambda r: r.id, on_error)


def collect_calendars(pm: pluggy.PluginManager) -> dict[str, Calendar]:
    """Return the calendars plugins contribute, by name.

    Examples
    --------
    >>> collect_calendars(get_plugin_manager(load_entrypoints=False))
    {}
    """
    from projtrack._model import Calendar

    pairs = _collect(pm, "register_calendars", Calendar, "calendar", lambda c: c.name, None)
    return {cal.name: cal for _, cal in pairs}


def collect_templates(pm: pluggy.PluginManager) -> dict[str, ActivityTemplate]:
    """Return the activity templates plugins contribute, by name.

    Examples
    --------
    >>> collect_templates(get_plugin_manager(load_entrypoints=False))
    {}
    """
    from projtrack.templates import ActivityTemplate

    pairs = _collect(
        pm, "register_activity_templates", ActivityTemplate, "activity template",
        lambda t: t.name, None,
    )
    return {tpl.name: tpl for _, tpl in pairs}


def collect_formats(pm: pluggy.PluginManager) -> dict[str, FileFormat]:
    """Return the file formats plugins contribute, by name.

    The built-in formats are ``yaml``, ``json``, ``xer`` and ``mspdi``.

    Examples
    --------
    >>> sorted(collect_formats(get_plugin_manager(load_entrypoints=False)))
    ['json', 'mspdi', 'xer', 'yaml']
    """
    pairs = _collect(pm, "register_formats", FileFormat, "file format", lambda f: f.name, None)
    return {fmt.name: fmt for _, fmt in pairs}


def notify_schedule_computed(
    project: Project,
    schedule: Any,
    options: Mapping[str, Any] | None = None,
    *,
    plugins: PluginsArg = None,
) -> None:
    """Call the ``schedule_computed`` observers; :func:`projtrack.schedule` calls this.

    Examples
    --------
    >>> import pendulum
    >>> from projtrack import Project
    >>> notify_schedule_computed(Project(id="p", start=pendulum.Date(2024, 1, 2)), None,
    ...                          plugins=get_plugin_manager(load_entrypoints=False))
    """
    pm = resolve_plugins(plugins)
    pm.hook.schedule_computed(project=project, schedule=schedule, options=dict(options or {}))


def _pick_format(
    formats: Mapping[str, FileFormat], path: Path, format: str | None, action: str
) -> FileFormat:
    usable = {
        name: fmt
        for name, fmt in formats.items()
        if (fmt.can_read if action == "read" else fmt.can_write)
    }
    if format is not None:
        key = format.lower()
        if key == "yml":
            key = "yaml"
        if key not in usable:
            raise FileFormatError(
                f"no plugin can {action} format {format!r}; known: "
                f"{', '.join(sorted(usable)) or 'none'}",
                file=str(path),
            )
        return usable[key]
    suffix = path.suffix.lower()
    for fmt in usable.values():
        if suffix in fmt.suffixes:
            return fmt
    known = sorted({s for fmt in usable.values() for s in fmt.suffixes})
    raise FileFormatError(
        f"no plugin can {action} files ending in {suffix or '(no suffix)'!r}; known suffixes: "
        f"{', '.join(known)}; pass format= or install a plugin for it",
        file=str(path),
    )


def read_project(
    path: str | os.PathLike[str], *, format: str | None = None, plugins: PluginsArg = None
) -> Project:
    """Read a project with the reader a plugin registered for its format or suffix.

    Parameters
    ----------
    path
        The file.
    format
        Format name (``yaml``, ``json``, or one a plugin adds); by default
        chosen from the file suffix.
    plugins
        Plugin manager or plugin objects (see :func:`resolve_plugins`).

    Raises
    ------
    FileFormatError
        No reader for the format, or the file is malformed.

    Examples
    --------
    >>> read_project("examples/renhe-road.yaml").id
    'renhe-road'
    """
    pm = resolve_plugins(plugins)
    target = Path(os.fspath(path))
    fmt = _pick_format(collect_formats(pm), target, format, "read")
    assert fmt.read is not None
    return fmt.read(target)


def write_project(
    project: Project,
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    plugins: PluginsArg = None,
) -> None:
    """Write a project with the writer a plugin registered for the format or suffix.

    Examples
    --------
    >>> import pathlib, tempfile, pendulum
    >>> from projtrack import Project
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "p.yml"
    >>> write_project(Project(id="p", start=pendulum.Date(2024, 1, 2)), target)
    >>> read_project(target).id
    'p'
    """
    pm = resolve_plugins(plugins)
    target = Path(os.fspath(path))
    fmt = _pick_format(collect_formats(pm), target, format, "write")
    assert fmt.write is not None
    fmt.write(project, target)


# =========================================================================== introspection


def _versions(pm: pluggy.PluginManager) -> dict[int, tuple[str, str]]:
    out: dict[int, tuple[str, str]] = {}
    for plugin, dist in pm.list_plugin_distinfo():
        out[id(plugin)] = (dist.metadata["name"], dist.version)
    return out


def list_plugins(
    plugins: PluginsArg = None, *, builtin: bool = True
) -> list[dict[str, Any]]:
    """Describe the registered plugins: name, distribution, version, hooks and contributions.

    Parameters
    ----------
    plugins
        Plugin manager or plugin objects (see :func:`resolve_plugins`).
    builtin
        Include projtrack's own built-in plugins.

    Returns
    -------
    list of dict
        One dict per plugin in registration order, with keys ``name``,
        ``distribution``, ``version``, ``builtin``, ``hooks`` (sorted hook
        names), ``checks`` (check ids), ``templates``, ``formats`` and
        ``calendars`` (names).

    Examples
    --------
    >>> pm = get_plugin_manager(load_entrypoints=False)
    >>> info = list_plugins(pm)[1]
    >>> info["name"], info["hooks"], info["checks"][:3]
    ('projtrack.checks.integrity', ['register_checks'], ['PT000', 'PT001', 'PT002'])
    """
    pm = resolve_plugins(plugins)
    from projtrack._model import Calendar
    from projtrack.checks import Rule
    from projtrack.templates import ActivityTemplate

    dists = _versions(pm)
    try:
        own_version = importlib.metadata.version("projtrack")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - source checkout
        own_version = "unknown"
    builtin_names = {
        "projtrack.formats" if p.endswith(":CORE_FORMATS") else p for p in DEFAULT_PLUGINS
    }

    def items(pm_: pluggy.PluginManager, hook: str, plugin: object, cls: type) -> list[Any]:
        caller = getattr(pm_.hook, hook)
        result = []
        for impl in caller.get_hookimpls():
            if impl.plugin is not plugin:
                continue
            try:
                value = impl.function()
            except Exception:  # reported by check(); here we only describe
                return ["<error>"]
            for item in [] if value is None else (
                [value] if isinstance(value, cls) else list(value)
            ):
                if isinstance(item, cls):
                    result.append(item)
        return result

    out: list[dict[str, Any]] = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None:  # blocked
            continue
        is_builtin = name in builtin_names
        if is_builtin and not builtin:
            continue
        dist, version = dists.get(id(plugin), (None, None))
        if is_builtin:
            dist, version = "projtrack", own_version
        elif version is None:
            version = getattr(plugin, "__version__", None)
        hooks = sorted(h.name for h in (pm.get_hookcallers(plugin) or []))
        checks = items(pm, "register_checks", plugin, Rule)
        templates = items(pm, "register_activity_templates", plugin, ActivityTemplate)
        formats = items(pm, "register_formats", plugin, FileFormat)
        calendars = items(pm, "register_calendars", plugin, Calendar)
        out.append(
            {
                "name": plugin_name(pm, plugin),
                "distribution": dist,
                "version": version,
                "builtin": is_builtin,
                "hooks": hooks,
                "checks": sorted(getattr(r, "id", str(r)) for r in checks),
                "templates": sorted(getattr(t, "name", str(t)) for t in templates),
                "formats": sorted(getattr(f, "name", str(f)) for f in formats),
                "calendars": sorted(getattr(c, "name", str(c)) for c in calendars),
            }
        )
    return out
