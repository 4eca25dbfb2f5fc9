"""The notebooks in ``docs/notebooks``: committed clean, and they run from a fresh kernel.

Each notebook is executed by nbclient in a new Python kernel (the interpreter
running the tests), with ``docs/notebooks`` as the working directory, as a
reader who opens it there would. A cell that raises fails the test; the
outputs are then checked for the rich displays and charts the text promises.
The committed files must carry no outputs.
"""

from __future__ import annotations

import pathlib
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "docs" / "notebooks"
NAMES = ["renhe-road.ipynb", "portfolio.ipynb"]


def read(name: str) -> Any:
    return nbformat.read(NOTEBOOKS / name, as_version=4)


@pytest.mark.parametrize("name", NAMES)
def test_committed_without_outputs(name: str) -> None:
    book = read(name)
    nbformat.validate(book)
    code = [c for c in book.cells if c.cell_type == "code"]
    assert code, "a notebook without code"
    for cell in code:
        assert cell.outputs == [], f"{name}: cell {cell.get('id')} has outputs"
        assert cell.execution_count is None, f"{name}: cell {cell.get('id')} has a count"
    assert book.metadata.get("kernelspec", {}).get("name") == "python3"


def execute(name: str) -> Any:
    book = read(name)
    client = nbclient.NotebookClient(
        book,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()  # starts a new kernel and shuts it down afterwards
    return book


def outputs(cell: Any) -> tuple[set[str], str]:
    kinds: set[str] = set()
    text = []
    for out in cell.outputs:
        assert out.output_type != "error", out
        if out.output_type == "stream":
            kinds.add(f"stream:{out.name}")
            text.append(out.text)
        else:
            kinds.update(out.get("data", {}))
            text.append(str(out.get("data", {}).get("text/html", "")))
            text.append(str(out.get("data", {}).get("text/plain", "")))
    return kinds, "".join(text)


def cell_with(book: Any, source: str) -> Any:
    found = [c for c in book.cells if c.cell_type == "code" and source in c.source]
    assert len(found) == 1, f"{len(found)} cells with {source!r}"
    return found[0]


@pytest.fixture(scope="module")
def renhe() -> Any:
    return execute("renhe-road.ipynb")


@pytest.fixture(scope="module")
def portfolio() -> Any:
    return execute("portfolio.ipynb")


def test_renhe_road_runs_and_shows_rich_displays_and_charts(renhe: Any) -> None:
    kinds, text = outputs(cell_with(renhe, 'project = pt.load(EXAMPLES / "renhe-road.yaml")'))
    assert "text/html" in kinds and "人和路旧城改造项目" in text
    kinds, text = outputs(cell_with(renhe, "schedule = pt.schedule(project)"))
    assert "text/html" in kinds and "Schedule of renhe-road" in text
    for source in ("plot.gantt(schedule)\n", "plot.approval_swimlanes(project)",
                   'plot.delay_waterfall(delays, by="cause")'):
        kinds, _ = outputs(cell_with(renhe, source.strip()))
        assert "image/png" in kinds, source
    kinds, text = outputs(cell_with(renhe, "findings = pt.check(project)"))
    assert "text/html" in kinds and "finding" in text
    kinds, text = outputs(cell_with(renhe, "report = pt.build_report(project)"))
    assert "written to" in text and "forecast finish" in text


def test_no_cell_writes_to_stderr(renhe: Any, portfolio: Any) -> None:
    for book in (renhe, portfolio):
        for cell in book.cells:
            if cell.cell_type == "code":
                kinds, text = outputs(cell)
                assert "stream:stderr" not in kinds, text


def test_portfolio_runs_and_shows_the_timeline(portfolio: Any) -> None:
    import projtrack as pt

    kinds, text = outputs(cell_with(portfolio, "portfolio = pt.Portfolio.from_folder("))
    assert "visionox" in text
    kinds, _ = outputs(cell_with(portfolio, "plot.portfolio_timeline(portfolio)"))
    assert "image/png" in kinds
    kinds, text = outputs(cell_with(portfolio, "delays = portfolio.delays()"))
    assert "text/html" in kinds
    projects = pt.Portfolio.from_folder(ROOT / "examples" / "shibei-portfolio")
    assert all(p.id in text for p in projects)
    for source in ("plot.portfolio_timeline(portfolio, slippage=delays)",
                   "plot.delay_waterfall(ordered"):
        kinds, _ = outputs(cell_with(portfolio, source))
        assert "image/png" in kinds, source
