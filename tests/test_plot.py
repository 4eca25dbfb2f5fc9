"""Plots: reference images (with a tolerance), what is drawn where, and the optional extra.

Reference images live in ``tests/baseline_images/`` and are made by
``tests/make_baseline_images.py`` (run it after an intended change and look
at the images before committing them).
"""

from __future__ import annotations

import importlib.util
import itertools
import pathlib
import subprocess
import sys
from typing import Any

import matplotlib
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

import projtrack as pt
from projtrack import plot
from projtrack.calendars import get_calendar

matplotlib.use("Agg", force=True)

from matplotlib import colors as mcolors
from matplotlib import dates as mdates
from matplotlib.figure import Figure
from matplotlib.testing.compare import compare_images

HERE = pathlib.Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location(
    "make_baseline_images", HERE / "make_baseline_images.py"
)
assert _spec is not None and _spec.loader is not None
images = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(images)

#: RMS tolerance (0-255 levels) for image comparison. Measured on these images: a changed
#: title gives 3.4, missing baseline bars 18, one waterfall bar 12 -> 15 days 15; the same
#: matplotlib wheel redraws them at 0. Exact positions are checked by the tests below, so
#: the images only have to catch visible regressions (colours, layout, lost elements).
TOL = 2.0


def _cjk_available() -> bool:
    return plot._find_cjk_family() is not None


def _need_cjk() -> None:
    if not _cjk_available():
        import os

        message = "no CJK font installed (apt-get install fonts-noto-cjk)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)


# --------------------------------------------------------------------------- images


@pytest.mark.parametrize("name", sorted(images.FIGURES))
def test_matches_reference_image(name: str, tmp_path: pathlib.Path) -> None:
    if "cjk" in name:
        _need_cjk()
    expected = images.BASELINE_DIR / f"{name}.png"
    assert expected.exists(), f"missing {expected}; run python tests/make_baseline_images.py"
    actual = images.render(name, tmp_path / f"{name}.png")
    result = compare_images(str(expected), str(actual), tol=TOL)
    assert result is None, result


def test_image_comparison_detects_a_change(tmp_path: pathlib.Path) -> None:
    # The same Gantt without its baseline bars must not pass as the reference image.
    actual = tmp_path / "gantt.png"
    with images.fixed_style():
        fig = plot.gantt(pt.schedule(images.demo_project()), baseline=None, figsize=(9, 4.2))
        fig.savefig(actual, dpi=images.DPI)
    result = compare_images(str(images.BASELINE_DIR / "gantt.png"), str(actual), tol=TOL)
    assert result is not None


# --------------------------------------------------------------------------- helpers


def same_colour(a: Any, b: str) -> bool:
    return mcolors.to_hex(a) == mcolors.to_hex(b)


def day(text: str) -> float:
    return float(mdates.date2num(pendulum.parse(text).naive()))  # type: ignore[union-attr]


def bars(ax: Any) -> list[Any]:
    from matplotlib.patches import Rectangle

    return [p for p in ax.patches if isinstance(p, Rectangle)]


def row_of(ax: Any, label: str) -> float:
    for tick, text in zip(ax.get_yticks(), ax.get_yticklabels(), strict=True):
        if text.get_text() == label:
            return float(tick)
    raise AssertionError(f"no row {label!r}")


# --------------------------------------------------------------------------- gantt


@pytest.fixture(scope="module")
def demo() -> pt.Project:
    return images.demo_project()


def test_gantt_returns_figure_and_draws_into_given_axes(demo: pt.Project) -> None:
    fig = Figure()
    ax = fig.add_subplot()
    out = plot.gantt(pt.schedule(demo), ax=ax)
    assert out is fig
    assert fig.axes == [ax]
    assert isinstance(plot.gantt(demo), Figure)  # a project is scheduled first


def test_gantt_rows_grouped_by_stage_in_stage_order(demo: pt.Project) -> None:
    fig = plot.gantt(pt.schedule(demo), labels="id", baseline=None)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == [
        "Initiation", "kickoff", "survey",
        "Planning approval", "scheme", "metro-consent", "design",
        "Construction permit", "permit",
        "Construction", "fence", "piles", "structure",
        "Completion", "handover",
    ]
    flat = plot.gantt(pt.schedule(demo), labels="id", group_by=None)
    assert [t.get_text() for t in flat.axes[0].get_yticklabels()] == [a.id for a in demo]


def test_gantt_colours_critical_work_and_names_on_the_critical_path(demo: pt.Project) -> None:
    sched = pt.schedule(demo)
    ax = plot.gantt(sched, labels="id", baseline=None).axes[0]
    path = set(sched.critical_path())
    for text in ax.get_yticklabels():
        name = text.get_text()
        if name in {a.id for a in demo}:
            assert same_colour(text.get_color(), plot.COLORS["critical"]) == (name in path)
    red = [b for b in bars(ax) if same_colour(b.get_facecolor(), plot.COLORS["critical"])]
    critical_tasks = [
        r for r in sched.to_records()
        if r["critical"] and r["status"] != "finished" and r["kind"] != "milestone"
    ]
    assert len(red) == len(critical_tasks)
    for rec in critical_tasks:
        y = row_of(ax, rec["id"])
        match = [b for b in red if abs(b.get_y() + b.get_height() / 2 - y) < 0.3]
        assert len(match) == 1
        assert match[0].get_x() == pytest.approx(
            mdates.date2num(rec["early_start"].naive()), abs=1e-6
        )


def test_gantt_actuals_and_data_date(demo: pt.Project) -> None:
    sched = pt.schedule(demo)
    ax = plot.gantt(sched, labels="id", baseline=None).axes[0]
    grey = [b for b in bars(ax) if same_colour(b.get_facecolor(), plot.COLORS["actual"])]
    started = [a for a in demo if a.actual_start is not None and a.kind != "milestone"]
    assert len(grey) == len(started)
    survey = [b for b in grey if abs(b.get_y() + b.get_height() / 2 - row_of(ax, "survey")) < .3]
    assert survey[0].get_x() == pytest.approx(day("2024-03-04"))
    # The in-progress design bar runs from its actual start to the data date.
    design = [b for b in grey if abs(b.get_y() + b.get_height() / 2 - row_of(ax, "design")) < .3]
    assert design[0].get_x() + design[0].get_width() == pytest.approx(day("2024-05-15"))
    lines = [ln for ln in ax.lines if same_colour(ln.get_color(), plot.COLORS["data_date"])]
    assert [ln.get_xdata()[0] for ln in lines] == [pytest.approx(day("2024-05-15"))]


def test_gantt_milestones_are_diamonds(demo: pt.Project) -> None:
    ax = plot.gantt(pt.schedule(demo), baseline=None).axes[0]
    diamonds = [ln for ln in ax.lines if ln.get_marker() == "D"]
    assert len(diamonds) == sum(a.kind == "milestone" for a in demo)


def test_gantt_baseline_bars(demo: pt.Project) -> None:
    base = images.demo_baseline()
    ax = plot.gantt(pt.schedule(demo), baseline=base, labels="id").axes[0]
    pale = [b for b in bars(ax) if same_colour(b.get_facecolor(), plot.COLORS["baseline"])]
    tasks = [k for k in base if demo.activity(k).kind != "milestone"]
    assert len(pale) == len(tasks)
    structure = [b for b in pale if abs(b.get_y() - row_of(ax, "structure")) < 0.5]
    assert structure[0].get_x() == pytest.approx(day("2024-07-16"))
    assert "baseline" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_gantt_uses_a_schedule_as_baseline(demo: pt.Project) -> None:
    plan = pt.schedule(demo.replace(data_date=None))
    ax = plot.gantt(pt.schedule(demo), baseline=plan).axes[0]
    pale = [b for b in bars(ax) if same_colour(b.get_facecolor(), plot.COLORS["baseline"])]
    assert len(pale) == sum(a.kind != "milestone" for a in demo)


def test_gantt_rejects_bad_arguments(demo: pt.Project) -> None:
    with pytest.raises(pt.ValidationError, match="group_by"):
        plot.gantt(demo, group_by="colour")
    with pytest.raises(pt.ValidationError, match="labels"):
        plot.gantt(demo, labels="nickname")
    with pytest.raises(pt.ValidationError, match="baseline"):
        plot.gantt(demo, baseline="no such plan")
    with pytest.raises(pt.ValidationError, match="Schedule or a Project"):
        plot.gantt("examples/renhe-road.yaml")  # type: ignore[arg-type]


def test_gantt_cjk_uses_a_cjk_font_and_chinese_names(demo: pt.Project) -> None:
    _need_cjk()
    ax = plot.gantt(pt.schedule(demo), cjk=True).axes[0]
    labels = ax.get_yticklabels()
    assert "现场勘察" in [t.get_text() for t in labels]
    assert plot.cjk_font() in labels[1].get_fontfamily()
    assert ax.get_title(loc="left") == "演示道路改造项目"


def test_cjk_without_a_font_is_a_clear_error(
    demo: pt.Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(plot, "_find_cjk_family", lambda: None)
    with pytest.raises(pt.ProjtrackError, match="fonts-noto-cjk") as info:
        plot.gantt(demo, cjk=True)
    assert info.value.field == "cjk"
    with pytest.raises(pt.ProjtrackError, match="not installed"):
        plot.gantt(demo, cjk="No Such Font Family")


# --------------------------------------------------------------------------- swimlanes


def test_swimlanes_one_lane_per_agency_and_overrun_past_the_limit(demo: pt.Project) -> None:
    ax = plot.approval_swimlanes(demo).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Planning bureau", "Metro operator", "Housing bureau"
    ]
    # Round 1 of the scheme: submitted 2024-03-18, 20 working days on cn (the day itself not
    # counted), returned 2024-04-25: the time after the deadline day is red.
    due = get_calendar("cn").add_working_days(pendulum.Date(2024, 3, 18), 20)
    red = [b for b in bars(ax) if same_colour(b.get_facecolor(), plot.COLORS["overrun"])]
    assert len(red) == 1
    assert red[0].get_x() == pytest.approx(day(due.isoformat()) + 1)
    assert red[0].get_x() + red[0].get_width() == pytest.approx(day("2024-04-25"))
    amber = [b for b in bars(ax) if same_colour(b.get_facecolor(), plot.COLORS["applicant"])]
    assert len(amber) == 2  # one return each for the scheme and the metro consent


def test_swimlanes_planned_approval_is_outlined(demo: pt.Project) -> None:
    sched = pt.schedule(demo)
    ax = plot.approval_swimlanes(sched).axes[0]
    outlined = [b for b in bars(ax) if b.get_linestyle() == "--"]
    assert len(outlined) == 1
    assert outlined[0].get_x() == pytest.approx(
        mdates.date2num(sched["permit"]["early_start"].naive())
    )


# --------------------------------------------------------------------------- waterfall


def test_waterfall_bars_add_up() -> None:
    data = {"funding": 120.0, "epidemic": 12.0, "weather": -4.0}
    ax = plot.delay_waterfall(data).axes[0]
    rects = bars(ax)
    assert [r.get_width() for r in rects] == [120, 12, -4, 128]
    assert [r.get_x() for r in rects] == [0, 120, 132, 0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [*data, "Total"]


@given(
    st.dictionaries(
        st.text(alphabet="abcdefgh", min_size=1, max_size=6),
        st.floats(min_value=-500, max_value=500, allow_nan=False),
        max_size=6,
    )
)
def test_waterfall_each_bar_starts_where_the_previous_ended(data: dict[str, float]) -> None:
    rects = bars(plot.delay_waterfall(data).axes[0])
    running = 0.0
    for rect, value in zip(rects, data.values(), strict=False):
        assert rect.get_x() == pytest.approx(running, abs=1e-9)
        running += value
    assert rects[-1].get_width() == pytest.approx(sum(data.values()), abs=1e-6)


def test_waterfall_accepts_a_result_with_records() -> None:
    class Result:
        def to_records(self) -> list[dict[str, Any]]:
            return [
                {"cause": "funding", "days": 10}, {"cause": "funding", "days": 5},
                {"cause": None, "days": 2},
            ]

    ax = plot.delay_waterfall(Result()).axes[0]
    assert [r.get_width() for r in bars(ax)] == [15, 2, 17]
    with pytest.raises(pt.ValidationError, match="finite"):
        plot.delay_waterfall({"x": float("nan")})
    with pytest.raises(pt.ValidationError, match="mapping"):
        plot.delay_waterfall(42)


# --------------------------------------------------------------------------- portfolio


def test_portfolio_one_row_per_project_with_targets() -> None:
    projects = images.portfolio()
    ax = plot.portfolio_timeline(projects, slippage={"alpha": 25}).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [p.name for p in projects]
    late = [b for b in bars(ax) if same_colour(b.get_facecolor(), plot.COLORS["critical"])]
    assert len(late) == 1  # alpha's forecast is past its 2024-09-30 target
    assert abs(late[0].get_y() + late[0].get_height() / 2 - 0) < 0.01
    assert any("+25 d" in t.get_text() for t in ax.texts)


def test_portfolio_accepts_an_object_with_projects() -> None:
    class Portfolio:
        projects = images.portfolio()

    assert len(plot.portfolio_timeline(Portfolio()).axes[0].get_yticklabels()) == 3
    with pytest.raises(pt.ValidationError, match="portfolio member"):
        plot.portfolio_timeline([1, 2])


# --------------------------------------------------------------------------- packing


@given(
    st.lists(
        st.tuples(st.floats(0, 100), st.floats(0, 50)).map(lambda t: (t[0], t[0] + t[1])),
        max_size=25,
    ).map(sorted),
    st.floats(0, 5),
)
def test_pack_never_overlaps_within_a_row(spans: list[tuple[float, float]], gap: float) -> None:
    rows = plot._pack(spans, gap)
    assert len(rows) == len(spans)
    for k in set(rows):
        mine = [s for s, r in zip(spans, rows, strict=True) if r == k]
        for (_, a1), (b0, _) in itertools.pairwise(mine):
            assert b0 >= a1 + gap


# --------------------------------------------------------------------------- optional extra


def test_missing_matplotlib_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(sys.modules):
        if name == "matplotlib" or name.startswith("matplotlib."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r'pip install "projtrack\[plot\]"'):
        plot.delay_waterfall({"a": 1})


def test_importing_projtrack_does_not_import_matplotlib() -> None:
    code = (
        "import sys, projtrack, projtrack.plot, projtrack.report; "
        "print('matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_figures_show_themselves_in_notebooks_and_pickle() -> None:
    import pickle

    fig = plot.delay_waterfall({"a": 1.0})
    png = fig._repr_png_()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    again = pickle.loads(pickle.dumps(fig))
    assert isinstance(again, Figure)
    assert [r.get_width() for r in bars(again.axes[0])] == [1.0, 1.0]


def test_portfolio_takes_the_portfolio_delay_rows() -> None:
    class Rows:
        def to_records(self) -> list[dict[str, Any]]:
            return [
                {"id": "alpha", "slippage_days": 25.0,
                 "planned_finish": pendulum.datetime(2024, 8, 30, 17, tz="Asia/Shanghai")},
                {"id": "beta", "slippage_days": None, "planned_finish": None},
            ]

    ax = plot.portfolio_timeline(images.portfolio(), slippage=Rows()).axes[0]
    triangles = [ln for ln in ax.lines if ln.get_marker() == "v"]
    assert len(triangles) == 1
    assert triangles[0].get_xdata()[0] == pytest.approx(day("2024-08-30T17:00"))
    assert [t.get_text().strip() for t in ax.texts] == ["+25 d"]


def test_waterfall_reads_roll_up_groups() -> None:
    class RollUp:
        def to_records(self) -> list[dict[str, Any]]:
            return [{"group": "late_start", "days": 672.0}, {"group": "epidemic", "days": 59.0}]

    ax = plot.delay_waterfall(RollUp()).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["late_start", "epidemic", "Total"]
    assert bars(ax)[-1].get_width() == 731.0


def test_gantt_draws_split_tasks_as_pieces_of_work() -> None:
    p = pt.Project(id="s", start=pendulum.Date(2024, 3, 4), calendar="standard",
                   activities=[pt.Activity(id="pit", duration=10,
                                           splits=[pt.Split(4, 3), pt.Split(7, 1)])])
    fig = plot.gantt(pt.schedule(p), group_by=None)
    bars = sorted((round(b.get_x(), 3), round(b.get_width(), 3))
                  for b in fig.axes[0].patches if b.get_height() > 0.3)
    # Mon 4 - Thu 7 (4 days), pause Fri 8 - Tue 12, Wed 13 - Fri 15 (3 days), pause Mon 18,
    # Tue 19 - Thu 21 (3 days): three pieces, 14 working days end to end.
    days = [(mdates.num2date(x).date().day, w) for x, w in bars]
    assert [d for d, _ in days] == [4, 13, 19]
    s = pt.schedule(p)
    assert s["pit"]["early_finish"] == pendulum.datetime(2024, 3, 21, 17, tz="Asia/Shanghai")


def test_gantt_draws_the_pieces_still_ahead_of_a_split_task_in_progress() -> None:
    # 5 of 10 days done by Mon 11 Mar: the pause after 4 days is behind, the one after
    # 7 days ahead. Remaining: Mon 11 - Tue 12 (2 days), pause Wed 13, Thu 14 - Tue 19.
    p = pt.Project(id="s", start=pendulum.Date(2024, 3, 4), calendar="standard",
                   data_date=pendulum.Date(2024, 3, 11),
                   activities=[pt.Activity(id="pit", duration=10,
                                           splits=[pt.Split(4, 3), pt.Split(7, 1)],
                                           actual_start=pendulum.Date(2024, 3, 4),
                                           remaining_duration=5)])
    fig = plot.gantt(pt.schedule(p), group_by=None)
    starts = sorted(mdates.num2date(b.get_x()).date().day
                    for b in fig.axes[0].patches if b.get_height() > 0.3)
    assert starts == [4, 11, 14], starts  # the actual bar, then the two pieces ahead
