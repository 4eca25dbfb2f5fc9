"""Portfolios: reading a folder, one delay row per project, roll-ups."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pendulum
import pytest

import projtrack as pt
from projtrack._history import replay

FOLDER = Path("examples/shibei-portfolio")


@pytest.fixture(scope="module")
def portfolio() -> pt.Portfolio:
    return pt.Portfolio.from_folder(FOLDER)


@pytest.fixture(scope="module")
def delays(portfolio: pt.Portfolio) -> Any:
    return portfolio.delays()


def test_from_folder_reads_every_project_file(tmp_path: Path) -> None:
    for f in FOLDER.glob("*.yaml"):
        shutil.copy(f, tmp_path / f.name)
    p = pt.load(FOLDER / "visionox.yaml")
    (tmp_path / "visionox.yaml").unlink()
    pt.save(p, tmp_path / "visionox.json")
    shutil.copy(FOLDER / "qflp-fund.yaml", tmp_path / "qflp-fund-copy.yml")
    (tmp_path / "notes.txt").write_text("not a project", encoding="utf-8")
    with pytest.raises(pt.ValidationError, match=r"qflp-fund.*used twice") as err:
        pt.Portfolio.from_folder(tmp_path)
    assert err.value.file is not None and err.value.file.endswith("qflp-fund.yaml")
    (tmp_path / "qflp-fund-copy.yml").unlink()
    pf = pt.Portfolio.from_folder(tmp_path)
    assert sorted(q.id for q in pf) == sorted(pt.load(f).id for f in FOLDER.glob("*.yaml"))
    assert pf["visionox"] == p
    with pytest.raises(pt.UnknownReferenceError, match="no project 'x'"):
        pf["x"]


def test_errors_name_the_file(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("id: a\nstart: 2024-01-02\n", encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("id: b\nstart: 2024-01-02\nactivities: [{id: x, "
                                          "duration: -1}]\n", encoding="utf-8")
    with pytest.raises(pt.ProjtrackError) as err:
        pt.Portfolio.from_folder(tmp_path)
    assert "broken.yaml" in str(err.value)
    with pytest.raises(FileNotFoundError, match="no such folder"):
        pt.Portfolio.from_folder(tmp_path / "missing")
    # A project whose history contradicts itself: the analysis names its file.
    (tmp_path / "broken.yaml").write_text(
        "id: b\nstart: 2024-01-02\nactivities: [{id: x, duration: 2}]\nevents:\n"
        "  - {at: 2024-01-05, kind: finished, activity: x}\n", encoding="utf-8")
    pf = pt.Portfolio.from_folder(tmp_path)
    with pytest.raises(pt.EventHistoryError) as err2:
        pf.delays()
    assert err2.value.file is not None and err2.value.file.endswith("broken.yaml")


def test_example_histories_replay(portfolio: pt.Portfolio) -> None:
    for p in portfolio:
        replay(p)  # no EventHistoryError
        current = p.as_of(p.data_date)
        for a, b in zip(p.activities, current.activities, strict=True):
            if a.actual_start is not None:
                assert b.actual_start == a.actual_start, (p.id, a.id)


def test_one_row_per_project(portfolio: pt.Portfolio, delays: Any) -> None:
    rows = delays.to_records()
    assert [r["id"] for r in rows] == [p.id for p in portfolio]
    for r, a in zip(rows, delays.analyses, strict=True):
        assert r["slippage_days"] == a.by_party.total_days
        assert a.by_party.balanced and a.by_cause.balanced
        if r["top_cause"] is not None:
            assert r["top_cause_days"] == max(a.by_cause.attributed.values())
        assert r["industry_chain"] == a.project.attrs.get("industry_chain")
        assert r["stalled_days"] == a.stalls.total_days
    assert any(r["slippage_days"] > 0 for r in rows)
    assert {r["stage"] for r in rows} <= {a.stage for p in portfolio for a in p} | {
        "completed", "(none)"}


def test_roll_ups_add_up(delays: Any) -> None:
    analyses = delays.analyses
    by_cause = delays.by_cause().to_records()
    assert sum(r["days"] for r in by_cause) == pytest.approx(
        sum(sum(a.by_cause.attributed.values()) for a in analyses))
    assert by_cause == sorted(by_cause, key=lambda r: -r["days"])
    by_chain = delays.by_industry_chain().to_records()
    assert sum(r["days"] for r in by_chain) == pytest.approx(
        sum(r["slippage_days"] for r in delays.to_records()))
    by_stage = delays.by_stage().to_records()
    assert sum(r["days"] for r in by_stage) == pytest.approx(
        sum(sum(a.by("activity").attributed.values()) for a in analyses))
    by_party = delays.by_party().to_records()
    assert sum(r["days"] for r in by_party) == pytest.approx(
        sum(sum(a.by_party.attributed.values()) for a in analyses))
    agencies = delays.by_agency().to_records()
    n_approvals = sum(len(a.approvals.to_records()) for a in analyses)
    assert sum(r["approvals"] for r in agencies) == n_approvals
    assert sum(r["days"] for r in agencies) == pytest.approx(
        sum(r["overrun_days"] for a in analyses for r in a.approvals.to_records()))


def test_displays(delays: Any) -> None:
    for result in (delays, delays.by_cause(), delays.by_agency(), delays.by_stage()):
        df = result.to_pandas()
        assert len(df) == len(result.to_records()) and list(df.columns) == list(result.columns)
        assert '<table class="pt-table">' in result._repr_html_()
        assert result.summary() == str(result)
    assert delays.summary().startswith("7 projects:")


def test_a_portfolio_of_one_with_a_stored_baseline() -> None:
    p = pt.load("examples/renhe-road.yaml")
    row = pt.Portfolio([p]).delays().to_records()[0]
    assert row["baseline"] == "2008 plan (estimated)"
    assert row["planned_finish"].date() == pendulum.Date(2014, 7, 16)
    assert row["top_party"] == "original-developer" and row["top_cause"] == "funding"
