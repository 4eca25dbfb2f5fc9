"""Topological order and cycle finding on a project's links, fast enough for 1e6 activities."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from projtrack._model import Project

__all__ = ["find_cycle", "link_arrays", "topological_order"]


def link_arrays(project: Project) -> tuple[list[int], list[int]]:
    """Return predecessor and successor positions of every link (activity positions).

    Computed once per project (projects are immutable) and kept on it, since
    both the acyclicity check and the CPM compiler need them.
    """
    cached = project.__dict__.get("_link_positions")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    index = project._index  # type: ignore[attr-defined]
    preds = [index[k.pred] for k in project.links]
    succs = [index[k.succ] for k in project.links]
    object.__setattr__(project, "_link_positions", (preds, succs))
    return preds, succs


def topological_order(project: Project) -> list[int] | None:
    """Kahn's algorithm over activity positions; ``None`` when the links have a cycle.

    Examples
    --------
    >>> import pendulum, projtrack as pt
    >>> p = pt.Project(id="p", start=pendulum.Date(2024, 1, 2),
    ...                activities=[pt.Activity(id="b"), pt.Activity(id="a")],
    ...                links=[pt.Link(pred="a", succ="b")])
    >>> topological_order(p)
    [1, 0]
    """
    n = len(project.activities)
    preds, succs = link_arrays(project)
    indegree = [0] * n
    adjacency: list[list[int]] = [[] for _ in range(n)]
    for p, s in zip(preds, succs, strict=True):
        adjacency[p].append(s)
        indegree[s] += 1
    ready = deque(i for i in range(n) if indegree[i] == 0)
    order: list[int] = []
    append = order.append
    while ready:
        node = ready.popleft()
        append(node)
        for s in adjacency[node]:
            indegree[s] -= 1
            if indegree[s] == 0:
                ready.append(s)
    return order if len(order) == n else None


def find_cycle(project: Project) -> list[Any]:
    """Return one cycle as activity ids, first id repeated at the end.

    Examples
    --------
    >>> import pendulum, projtrack as pt
    >>> acts = [pt.Activity(id=x) for x in "abc"]
    >>> links = [pt.Link(pred="a", succ="b"), pt.Link(pred="b", succ="c"),
    ...          pt.Link(pred="c", succ="a")]
    >>> try:
    ...     pt.Project(id="p", start=pendulum.Date(2024, 1, 2), activities=acts, links=links)
    ... except pt.DependencyCycleError as e:
    ...     print(e.cycle)
    ('a', 'b', 'c', 'a')
    """
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_edges_from((k.pred, k.succ) for k in project.links)
    edges = nx.find_cycle(graph)
    cycle = [u for u, _ in edges]
    # Start at the first id in file order so the message is stable.
    order = {a.id: i for i, a in enumerate(project.activities)}
    start = min(range(len(cycle)), key=lambda i: order[cycle[i]])
    cycle = cycle[start:] + cycle[:start]
    return [*cycle, cycle[0]]
