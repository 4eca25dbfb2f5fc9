"""Project <-> networkx: documented attribute names, validation, round trips."""

from __future__ import annotations

import networkx as nx
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

import projtrack as pt
from projtrack.testing.strategies import networks, projects

START = pendulum.Date(2024, 1, 1)


@given(networks())
def test_from_networkx_keeps_nodes_edges_and_attributes(G: nx.MultiDiGraph) -> None:
    p = pt.Project.from_networkx(G, id="g", start=START, calendar="7d")
    assert {a.id for a in p.activities} == set(G.nodes)
    for node, data in G.nodes(data=True):
        assert p.activity(node).duration == data["duration"]
        assert p.activity(node).kind == "task"
    edges = sorted((u, v, d["type"], d["lag"]) for u, v, d in G.edges(data=True))
    assert sorted((k.pred, k.succ, k.type, k.lag) for k in p.links) == edges
    assert p.calendar == "7d"


@given(networks(integer_ids=False))
def test_networkx_round_trip(G: nx.MultiDiGraph) -> None:
    p = pt.from_networkx(G, id="g", start=START)
    H = p.to_networkx()
    assert pt.Project.from_networkx(H, id="g", start=START) == p
    assert sorted(H.edges(data="type")) == sorted(G.edges(data="type"))
    assert nx.is_directed_acyclic_graph(H)


@given(projects(max_activities=8))
def test_project_graph_round_trip(p: pt.Project) -> None:
    G = p.to_networkx()
    fields = {
        "id": p.id, "name": p.name, "name_zh": p.name_zh, "description": p.description,
        "start": p.start, "timezone": p.timezone, "calendar": p.calendar,
        "calendars": p.calendars, "parties": p.parties, "events": p.events,
        "options": p.options, "data_date": p.data_date, "must_finish_by": p.must_finish_by,
        "attrs": p.attrs,
    }
    assert pt.Project.from_networkx(G, **fields) == p


def test_plain_digraph_and_defaults() -> None:
    G = nx.DiGraph()
    G.add_node("a", duration=2, kind="approval", agency=None, name="Permit")
    G.add_node("b")
    G.add_edge("a", "b")
    p = pt.from_networkx(G, id="g", start=START)
    assert p.activity("b").duration == 0 and p.activity("b").name == "b"
    assert p.links[0] == pt.Link(pred="a", succ="b")


def test_unknown_node_attributes_become_metadata() -> None:
    G = nx.DiGraph()
    G.add_node("a", duration=1, colour="red")
    assert pt.from_networkx(G, id="g", start=START).activity("a").attrs == {"colour": "red"}


@pytest.mark.parametrize(
    ("build", "error", "text"),
    [
        (lambda G: G.add_edges_from([(1, 2), (2, 3), (3, 1)]), pt.DependencyCycleError,
         "1 -> 2 -> 3 -> 1"),
        (lambda G: G.add_node(1, duration=-2), pt.ValidationError, "negative"),
        (lambda G: G.add_node(1, kind="milestone", duration=3), pt.ValidationError,
         "milestones take no time"),
        (lambda G: G.add_node(1, calendar="lunar"), pt.UnknownReferenceError,
         "unknown calendar"),
        (lambda G: G.add_node(1, party="ghost"), pt.UnknownReferenceError, "unknown party"),
        (lambda G: G.add_node(1, kind="phase"), pt.ValidationError, "not one of"),
        (lambda G: G.add_edge(1, 2, type="XX"), pt.ValidationError, "'XX' is not one of"),
        (lambda G: G.add_edge(1, 2, lag="soon"), pt.ValidationError, "not a finite number"),
        (lambda G: G.add_node(1.5), pt.ValidationError, "not a valid id"),
    ],
)
def test_from_networkx_errors(build: object, error: type[Exception], text: str) -> None:
    G = nx.MultiDiGraph()
    build(G)  # type: ignore[operator]
    with pytest.raises(error, match=text) as info:
        pt.from_networkx(G, id="g", start=START)
    assert isinstance(info.value, pt.ProjtrackError)


def test_from_networkx_rejects_undirected() -> None:
    with pytest.raises(pt.ValidationError, match="directed"):
        pt.from_networkx(nx.Graph(), id="g", start=START)  # type: ignore[arg-type]


def test_from_networkx_bad_project_field() -> None:
    with pytest.raises(pt.ValidationError, match="project fields"):
        pt.from_networkx(nx.DiGraph(), id="g", start=START, colour="red")


@given(st.integers(2, 30), st.randoms(use_true_random=False))
def test_random_gnp_dags(n: int, rnd: object) -> None:
    G = nx.gnp_random_graph(n, 0.3, seed=rnd.randint(0, 10**6), directed=True)  # type: ignore[attr-defined]
    dag = nx.DiGraph([(u, v) for u, v in G.edges if u < v])
    dag.add_nodes_from(range(n))
    for node in dag.nodes:
        dag.nodes[node]["duration"] = node % 5
    p = pt.from_networkx(dag, id="g", start=START, calendar="7d")
    order = {a: i for i, a in enumerate(p.topological_order())}
    assert all(order[u] < order[v] for u, v in dag.edges)
