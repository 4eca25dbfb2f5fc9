"""Draw the reference images that ``tests/test_plot.py`` compares the plots with.

Run it once after an intended change to a plot, look at every image in
``tests/baseline_images/`` (they are what users will see), and commit them::

    python tests/make_baseline_images.py            # all images
    python tests/make_baseline_images.py gantt      # only names containing "gantt"

The figures are drawn from the small projects below (not from ``examples/``,
so editing an example does not break the image tests), with matplotlib's
default style, the Agg renderer, DejaVu Sans, a fixed size and 100 dpi. The
CJK image needs an installed Noto Sans CJK font (Debian: ``fonts-noto-cjk``).
"""

from __future__ import annotations

import contextlib
import pathlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pendulum

import projtrack as pt

HERE = pathlib.Path(__file__).resolve().parent
BASELINE_DIR = HERE / "baseline_images"
DPI = 100
#: rcParams for every reference image: fixed fonts and sizes, nothing from the user's matplotlibrc.
RC = {
    "font.family": ["DejaVu Sans"],
    "font.size": 10.0,
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "savefig.bbox": None,
    "axes.unicode_minus": True,
    "text.antialiased": True,
    "lines.antialiased": True,
    "patch.antialiased": True,
}

DEMO = """
id: demo-road
name: Demo road renovation
name_zh: 演示道路改造项目
start: 2024-03-04
calendar: standard
data_date: 2024-05-15
parties:
  - {id: planning, name: Planning bureau, name_zh: 规划局, role: government_agency}
  - {id: metro, name: Metro operator, name_zh: 地铁集团, role: metro_operator}
  - {id: housing, name: Housing bureau, name_zh: 住建局, role: government_agency}
  - {id: dev, name: Developer, name_zh: 开发商, role: developer}
activities:
  - {id: kickoff, name: Kick-off, name_zh: 项目启动, kind: milestone, milestone_type: start,
     stage: initiation, actual_start: 2024-03-04}
  - {id: survey, name: Site survey, name_zh: 现场勘察, duration: 10, stage: initiation,
     party: dev, actual_start: 2024-03-04, actual_finish: 2024-03-15, links: [kickoff]}
  - {id: scheme, name: Planning scheme approval, name_zh: 规划方案审批, kind: approval,
     agency: planning, duration: 20, time_limit: 20, stage: planning_approval,
     actual_start: 2024-03-18, actual_finish: 2024-05-06, links: [survey]}
  - {id: metro-consent, name: Metro operator consent, name_zh: 地铁集团书面意见,
     kind: approval, agency: metro, duration: 20, time_limit: 20, stage: planning_approval,
     actual_start: 2024-03-18, actual_finish: 2024-04-19, links: [survey]}
  - {id: design, name: Detailed design, name_zh: 施工图设计, duration: 30,
     stage: planning_approval, party: dev, actual_start: 2024-05-07, percent_complete: 20,
     remaining_duration: 24, links: [scheme]}
  - {id: permit, name: Construction permit, name_zh: 施工许可, kind: approval, agency: housing,
     duration: 10, time_limit: 7, stage: construction_permit, links: [design, metro-consent]}
  - {id: fence, name: Hoarding, name_zh: 围挡, duration: 5, stage: construction, links: [permit]}
  - {id: piles, name: Piles, name_zh: 桩基, duration: 25, stage: construction, links: [permit]}
  - {id: structure, name: Structure, name_zh: 主体结构, duration: 40, stage: construction,
     links: [piles]}
  - {id: handover, name: Handover, name_zh: 交付, kind: milestone, stage: completion,
     links: [structure, fence]}
events:
  - {at: 2024-03-18, kind: submitted, activity: scheme, party: dev}
  - {at: 2024-03-18, kind: submitted, activity: metro-consent, party: dev}
  - {at: 2024-04-03, kind: returned_for_revision, activity: metro-consent, party: metro}
  - {at: 2024-04-10, kind: resubmitted, activity: metro-consent, party: dev}
  - {at: 2024-04-19, kind: approved, activity: metro-consent, party: metro}
  - {at: 2024-04-25, kind: returned_for_revision, activity: scheme, party: planning}
  - {at: 2024-04-29, kind: resubmitted, activity: scheme, party: dev}
  - {at: 2024-05-06, kind: approved, activity: scheme, party: planning}
"""

#: The plan the demo project was meant to follow (for the baseline bars).
DEMO_BASELINE = {
    "kickoff": ("2024-03-04", "2024-03-04"),
    "survey": ("2024-03-04", "2024-03-15"),
    "scheme": ("2024-03-18", "2024-04-15"),
    "metro-consent": ("2024-03-18", "2024-04-15"),
    "design": ("2024-04-16", "2024-05-27"),
    "permit": ("2024-05-28", "2024-06-07"),
    "fence": ("2024-06-11", "2024-06-17"),
    "piles": ("2024-06-11", "2024-07-15"),
    "structure": ("2024-07-16", "2024-09-09"),
    "handover": ("2024-09-09", "2024-09-09"),
}

PORTFOLIO = [
    """
id: alpha
name: Alpha industrial park
start: 2023-01-02
data_date: 2024-05-15
activities:
  - {id: land, duration: 60, actual_start: 2023-01-02, actual_finish: 2023-03-31}
  - {id: build, duration: 250, links: [land], actual_start: 2023-04-03, percent_complete: 60,
     remaining_duration: 125}
  - {id: open, kind: milestone, links: [build],
     constraints: [{type: finish_no_later_than, date: 2024-09-30}]}
""",
    """
id: beta
name: Beta courtyard renewal
start: 2024-02-01
data_date: 2024-05-15
activities:
  - {id: consult, duration: 30, actual_start: 2024-02-01, actual_finish: 2024-03-20}
  - {id: works, duration: 120, links: [consult]}
  - {id: done, kind: milestone, links: [works],
     constraints: [{type: finish_no_later_than, date: 2024-12-31}]}
""",
    """
id: gamma
name: Gamma fund set-up
start: 2024-04-01
data_date: 2024-05-15
activities:
  - {id: register, duration: 20, actual_start: 2024-04-01, actual_finish: 2024-04-26}
  - {id: raise, duration: 90, links: [register]}
""",
]

WATERFALL = {"funding": 120, "land transfer": 45, "third-party review": 30, "epidemic": 12,
             "weather": -4}


def demo_project() -> pt.Project:
    return pt.loads(DEMO)


def demo_baseline() -> dict[str, tuple[pendulum.Date, pendulum.Date]]:
    return {
        key: (pendulum.parse(a).date(), pendulum.parse(b).date())  # type: ignore[union-attr]
        for key, (a, b) in DEMO_BASELINE.items()
    }


def portfolio() -> list[pt.Project]:
    return [pt.loads(text) for text in PORTFOLIO]


def _gantt() -> Any:
    from projtrack.plot import gantt

    return gantt(pt.schedule(demo_project()), baseline=demo_baseline(), figsize=(9, 4.2))


def _gantt_cjk() -> Any:
    from projtrack.plot import gantt

    return gantt(pt.schedule(demo_project()), cjk=True, figsize=(9, 4.2))


def _swimlanes() -> Any:
    from projtrack.plot import approval_swimlanes

    return approval_swimlanes(demo_project(), figsize=(9, 3.4))


def _waterfall() -> Any:
    from projtrack.plot import delay_waterfall

    return delay_waterfall(WATERFALL, figsize=(7, 3.2))


def _portfolio() -> Any:
    from projtrack.plot import portfolio_timeline

    return portfolio_timeline(portfolio(), slippage={"alpha": 25, "beta": -3},
                              figsize=(9, 2.8))


#: name -> function drawing the figure (the file is ``baseline_images/<name>.png``).
FIGURES: dict[str, Callable[[], Any]] = {
    "gantt": _gantt,
    "gantt_cjk": _gantt_cjk,
    "approval_swimlanes": _swimlanes,
    "delay_waterfall": _waterfall,
    "portfolio_timeline": _portfolio,
}


@contextlib.contextmanager
def fixed_style() -> Iterator[None]:
    """matplotlib's default style plus :data:`RC`, Agg for PNG."""
    import matplotlib
    import matplotlib.style

    with matplotlib.style.context("default"), matplotlib.rc_context(RC):
        yield


def render(name: str, path: pathlib.Path) -> pathlib.Path:
    """Draw figure ``name`` into ``path`` (PNG) with the fixed style."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    with fixed_style():
        fig = FIGURES[name]()
        FigureCanvasAgg(fig)
        fig.savefig(path, format="png", dpi=DPI, metadata={"Software": None})
    return path


def main(argv: list[str]) -> None:
    BASELINE_DIR.mkdir(exist_ok=True)
    for name in FIGURES:
        if argv and not any(part in name for part in argv):
            continue
        out = render(name, BASELINE_DIR / f"{name}.png")
        print(f"wrote {out.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main(sys.argv[1:])
