"""Activity templates: reusable groups of activities and links added to a project in one call.

A template is either *static* (fixed activities, links and parties) or
*built* from the project by a function, which lets it adapt: the metro
protection template, for example, finds the excavation activity and links
the consent before it. Plugins contribute templates through the
``register_activity_templates`` hook; :func:`apply_template` looks one up by
name and applies it.

Examples
--------
>>> import projtrack as pt
>>> chain = pt.ActivityTemplate(
...     name="two-step", title="Submit, then decide",
...     activities=[pt.Activity(id="submit", duration=1),
...                 pt.Activity(id="decide", kind="approval", duration=20, time_limit=20)],
...     links=[pt.Link(pred="submit", succ="decide")])
>>> p = pt.Project(id="p", start=pendulum.Date(2024, 1, 2),
...                activities=[pt.Activity(id="design", duration=10),
...                            pt.Activity(id="build", duration=50)],
...                links=[pt.Link(pred="design", succ="build")])
>>> q = chain.apply(p, prefix="permit-", after=["design"], before=["build"])
>>> [a.id for a in q.activities]
['design', 'build', 'permit-submit', 'permit-decide']
>>> sorted((k.pred, k.succ) for k in q.links)  # doctest: +NORMALIZE_WHITESPACE
[('design', 'build'), ('design', 'permit-submit'), ('permit-decide', 'build'),
 ('permit-submit', 'permit-decide')]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from projtrack._model import Activity, Link, Party, Project
from projtrack.exceptions import ValidationError

if TYPE_CHECKING:
    from projtrack._plugins import PluginsArg

__all__ = ["ActivityTemplate", "TemplateParts", "apply_template", "get_template",
           "list_templates"]


def _activities(value: Iterable[Activity]) -> tuple[Activity, ...]:
    return tuple(value)


def _links(value: Iterable[Link]) -> tuple[Link, ...]:
    return tuple(value)


def _parties(value: Iterable[Party]) -> tuple[Party, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class TemplateParts:
    """What a template adds: activities, links (may join existing activities) and parties.

    Examples
    --------
    >>> TemplateParts(activities=[pt.Activity(id="a")]).activities[0].id
    'a'
    """

    activities: tuple[Activity, ...] = attrs.field(default=(), converter=_activities)
    links: tuple[Link, ...] = attrs.field(default=(), converter=_links)
    parties: tuple[Party, ...] = attrs.field(default=(), converter=_parties)


@attrs.frozen(kw_only=True)
class ActivityTemplate:
    """A named, reusable group of activities.

    Parameters
    ----------
    name
        Unique name (``cn.approval-chain``); lower-case letters, digits,
        ``.``, ``-`` and ``_``.
    title, description
        What the template adds, for listings and docs.
    activities, links, parties
        The content of a static template. Links may only join the
        template's own activities; ``after=``/``before=`` connect it.
    build
        For a built template: ``build(project, **params) -> TemplateParts``.
        Its links may name the project's existing activities.

    Examples
    --------
    >>> t = ActivityTemplate(name="one", activities=[pt.Activity(id="x", duration=2)])
    >>> t.entry_ids(t.parts(None)), t.exit_ids(t.parts(None))
    (['x'], ['x'])
    """

    name: str
    title: str = ""
    description: str = ""
    activities: tuple[Activity, ...] = attrs.field(default=(), converter=_activities)
    links: tuple[Link, ...] = attrs.field(default=(), converter=_links)
    parties: tuple[Party, ...] = attrs.field(default=(), converter=_parties)
    build: Callable[..., TemplateParts] | None = attrs.field(default=None, repr=False)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.name, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", self.name):
            raise ValidationError(
                f"template name {self.name!r} is not valid; use lower-case letters, digits, "
                "'.', '-' or '_'",
                field="name",
            )
        if self.build is not None and (self.activities or self.links or self.parties):
            raise ValidationError(
                "a template is either static (activities, links, parties) or built "
                "(build=); not both",
                field="build",
            )
        if self.build is None:
            own = {a.id for a in self.activities}
            for i, link in enumerate(self.links):
                for end in (link.pred, link.succ):
                    if end not in own:
                        raise ValidationError(
                            f"link {link.pred!r} -> {link.succ!r} names {end!r}, which is not "
                            "an activity of the template; connect the template with "
                            "after=/before= instead",
                            field=f"links[{i}]",
                        )

    def parts(self, project: Project | None, **params: Any) -> TemplateParts:
        """Return what the template would add to ``project`` (nothing is changed)."""
        if self.build is not None:
            parts = self.build(project, **params)
            if not isinstance(parts, TemplateParts):
                raise ValidationError(
                    f"template {self.name!r} built {parts!r}, not TemplateParts", field="build"
                )
            return parts
        if params:
            raise ValidationError(
                f"template {self.name!r} takes no parameters, got {', '.join(sorted(params))}",
                field=next(iter(sorted(params))),
            )
        return TemplateParts(activities=self.activities, links=self.links, parties=self.parties)

    @staticmethod
    def entry_ids(parts: TemplateParts) -> list[Any]:
        """Template activities without a predecessor inside the template."""
        own = [a.id for a in parts.activities]
        has_pred = {k.succ for k in parts.links if k.pred in own}
        return [i for i in own if i not in has_pred]

    @staticmethod
    def exit_ids(parts: TemplateParts) -> list[Any]:
        """Template activities without a successor inside the template."""
        own = [a.id for a in parts.activities]
        has_succ = {k.pred for k in parts.links if k.succ in own}
        return [i for i in own if i not in has_succ]

    def apply(
        self,
        project: Project,
        *,
        prefix: str = "",
        after: Iterable[Any] = (),
        before: Iterable[Any] = (),
        **params: Any,
    ) -> Project:
        """Return a copy of ``project`` with the template added (validated again).

        Parameters
        ----------
        project
            The project to extend.
        prefix
            Put in front of the ids of the template's activities (to add a
            template twice).
        after, before
            Existing activity ids: an FS link goes from each ``after`` id to
            each entry activity of the template, and from each exit activity
            to each ``before`` id.
        **params
            Passed to a built template's ``build`` function.

        Raises
        ------
        ValidationError
            The result is not a valid project (an id already used, a cycle...).
        """
        parts = self.parts(project, **params)
        own = {a.id for a in parts.activities}

        def rename(ident: Any) -> Any:
            return f"{prefix}{ident}" if prefix and ident in own else ident

        activities = [attrs.evolve(a, id=rename(a.id)) for a in parts.activities]
        links = [
            attrs.evolve(k, pred=rename(k.pred), succ=rename(k.succ)) for k in parts.links
        ]
        entries = [rename(i) for i in self.entry_ids(parts)]
        exits = [rename(i) for i in self.exit_ids(parts)]
        links += [Link(pred=a, succ=e) for a in after for e in entries]
        links += [Link(pred=x, succ=b) for x in exits for b in before]
        known_parties = {p.id for p in project.parties}
        parties = [p for p in parts.parties if p.id not in known_parties]
        return project.extend(activities=activities, links=links, parties=parties)


def _registry(plugins: PluginsArg) -> Mapping[str, ActivityTemplate]:
    from projtrack._plugins import collect_templates, resolve_plugins

    return collect_templates(resolve_plugins(plugins))


def list_templates(*, plugins: PluginsArg = None) -> list[str]:
    """Names of the templates the plugins register, sorted.

    Examples
    --------
    >>> from projtrack._plugins import get_plugin_manager
    >>> list_templates(plugins=get_plugin_manager(load_entrypoints=False))
    []
    """
    return sorted(_registry(plugins))


def get_template(name: str, *, plugins: PluginsArg = None) -> ActivityTemplate:
    """Return the registered template called ``name``.

    Raises
    ------
    UnknownReferenceError
        No plugin registers that name; the message lists the known ones.

    Examples
    --------
    >>> from projtrack._plugins import get_plugin_manager
    >>> get_template("nope", plugins=get_plugin_manager(load_entrypoints=False))
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    projtrack.exceptions.UnknownReferenceError: template: no template 'nope'; known: none...
    """
    from projtrack.exceptions import UnknownReferenceError

    registry = _registry(plugins)
    if name not in registry:
        raise UnknownReferenceError(
            f"no template {name!r}; known: {', '.join(sorted(registry)) or 'none'} "
            "(install a plugin that provides it)",
            field="template",
        )
    return registry[name]


def apply_template(
    project: Project,
    name: str,
    *,
    plugins: PluginsArg = None,
    prefix: str = "",
    after: Iterable[Any] = (),
    before: Iterable[Any] = (),
    **params: Any,
) -> Project:
    """Apply the registered template ``name`` to ``project`` (see :meth:`ActivityTemplate.apply`).

    Examples
    --------
    >>> t = ActivityTemplate(name="x", activities=[pt.Activity(id="x")])
    >>> class P:
    ...     @pt.hookimpl
    ...     def register_activity_templates(self):
    ...         return [t]
    >>> p = pt.Project(id="p", start=pendulum.Date(2024, 1, 2))
    >>> [a.id for a in apply_template(p, "x", plugins=[P()], prefix="new-").activities]
    ['new-x']
    """
    template = get_template(name, plugins=plugins)
    return template.apply(project, prefix=prefix, after=after, before=before, **params)
