"""Project <-> networkx conversion.

Node attributes (all optional except as noted):

==================  ==========================================================
``kind``            ``task`` (default), ``approval`` or ``milestone``
``name``            display name (default: ``str(node)``)
``duration``        duration in ``duration_unit`` (default 0; working days)
``duration_unit``   ``d`` (default), ``h``, ``ed``, ``eh``
``calendar``        calendar name (default: the project's)
``activity``        a whole :class:`~projtrack.Activity`; other keys override it
any other           an :class:`~projtrack.Activity` field of the same name
                    (``name_zh``, ``stage``, ``party``, ``constraints``,
                    ``agency``, ``time_limit``...), else free metadata
==================  ==========================================================

Edge attributes: ``type`` (``FS`` default, ``SS``, ``FF``, ``SF``), ``lag``
(working days by default), ``lag_unit``. Both :class:`networkx.DiGraph` and
:class:`networkx.MultiDiGraph` are accepted.
"""

from __future__ import annotations

from typing import Any

import attrs
import networkx as nx

from projtrack._model import Activity, Link, Project
from projtrack.exceptions import ValidationError

__all__ = ["project_from_networkx", "project_to_networkx"]

_ACTIVITY_FIELDS = frozenset(a.name for a in attrs.fields(Activity))
_LINK_KEYS = frozenset({"type", "lag", "lag_unit"})


def project_to_networkx(project: Project) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    graph.graph.update(
        {
            "id": project.id,
            "name": project.name,
            "start": project.start,
            "timezone": project.timezone,
            "calendar": project.calendar,
        }
    )
    for act in project.activities:
        graph.add_node(
            act.id,
            kind=act.kind,
            name=act.name,
            name_zh=act.name_zh,
            duration=act.duration,
            duration_unit=act.duration_unit,
            calendar=act.calendar or project.calendar,
            stage=act.stage,
            party=act.party,
            activity=act,
        )
    for key, link in enumerate(project.links):
        graph.add_edge(
            link.pred, link.succ, key=key, type=link.type, lag=link.lag, lag_unit=link.lag_unit
        )
    return graph


def project_from_networkx(graph: nx.DiGraph | nx.MultiDiGraph, **project_fields: Any) -> Project:
    """Build and validate a :class:`~projtrack.Project` from a networkx graph.

    Parameters
    ----------
    graph
        A :class:`networkx.DiGraph` or :class:`networkx.MultiDiGraph` whose
        nodes are activity ids and whose edges are links (attribute names in
        the module documentation: ``kind``, ``name``, ``duration`` in working
        days, ``calendar``; edges ``type`` and ``lag``).
    **project_fields
        :class:`~projtrack.Project` fields: ``id`` and ``start`` are required,
        ``calendar``, ``name``, ``timezone``... are optional.

    Returns
    -------
    Project

    Raises
    ------
    DependencyCycleError
        The graph has a cycle (the whole cycle is named).
    ValidationError
        A bad attribute value; ``field`` names the node or edge.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("dig", duration=10)
    >>> G.add_node("pour", duration=3)
    >>> _ = G.add_edge("dig", "pour", type="SS", lag=2)
    >>> p = pt.from_networkx(G, id="site", start=pendulum.Date(2024, 3, 1), calendar="7d")
    >>> [(k.pred, k.succ, k.type, k.lag) for k in p.links]
    [('dig', 'pour', 'SS', 2)]
    >>> G.add_edge("pour", "dig")
    0
    >>> pt.from_networkx(G, id="site", start=pendulum.Date(2024, 3, 1))
    Traceback (most recent call last):
    ...
    projtrack.exceptions.DependencyCycleError: links[0]: links form a cycle dig -> pour -> dig;
    remove or reverse one of these links
    """
    if not isinstance(graph, nx.DiGraph):
        raise ValidationError(
            f"expected a networkx DiGraph or MultiDiGraph, got {type(graph).__name__}; "
            "dependencies are directed",
            field="graph",
        )
    default_calendar = project_fields.get("calendar", "standard")
    activities = []
    for node, data in graph.nodes(data=True):
        base = data.get("activity")
        values: dict[str, Any] = attrs.asdict(base, recurse=False) if base is not None else {}
        meta = dict(values.get("attrs", {}))
        for key, value in data.items():
            if key == "activity":
                continue
            if key in _ACTIVITY_FIELDS and key != "attrs":
                values[key] = value
            elif key == "attrs":
                meta.update(value)
            else:
                meta[key] = value
        values["id"] = node
        values.setdefault("name", str(node))
        if base is not None and data.get("calendar") == (base.calendar or default_calendar):
            values["calendar"] = base.calendar  # unchanged since to_networkx resolved it
        elif base is None and values.get("calendar") == default_calendar:
            # The node states the default explicitly; keep the project default implicit.
            values["calendar"] = None
        values["attrs"] = meta
        try:
            activities.append(Activity(**values))
        except ValidationError as exc:
            raise exc.located(field=f"nodes[{node!r}].{exc.field}", replace=True) from None
        except TypeError as exc:
            raise ValidationError(str(exc), field=f"nodes[{node!r}]") from None
    links = []
    edges = (graph.edges(keys=False, data=True) if graph.is_multigraph()
             else graph.edges(data=True))
    for u, v, data in edges:
        kwargs = {k: data[k] for k in _LINK_KEYS if k in data and data[k] is not None}
        try:
            links.append(Link(pred=u, succ=v, **kwargs))
        except ValidationError as exc:
            raise exc.located(field=f"edges[{u!r}, {v!r}].{exc.field}", replace=True) from None
    try:
        return Project(activities=activities, links=links, **project_fields)
    except TypeError as exc:
        raise ValidationError(
            f"{exc}; Project.from_networkx takes project fields such as id=, name=, start=, "
            "calendar=",
            field="project_fields",
        ) from None
