"""Plots for notebooks and reports: Gantt, approval swimlanes, delay waterfall, portfolio.

Every function returns a :class:`matplotlib.figure.Figure` and accepts
``ax=`` to draw into an existing :class:`~matplotlib.axes.Axes` (then the
figure returned is that axes' figure). Without ``ax`` the figure is *not*
registered with pyplot (no global state, nothing left open): in a notebook
it shows as the cell's result, once; elsewhere save it with
``fig.savefig("gantt.png")`` or ``fig.savefig("gantt.svg")``.

matplotlib is imported only when a function is called; it comes with
``pip install "projtrack[plot]"``.

Chinese names need a font with CJK glyphs. Pass ``cjk=True`` to find an
installed one (Noto Sans CJK, Source Han Sans, WenQuanYi, ...; on Debian or
Ubuntu ``apt install fonts-noto-cjk``), or ``cjk="Font Family"`` /
``cjk="/path/to/font.otf"`` to choose it; labels then use ``name_zh``.

Examples
--------
>>> import projtrack as pt
>>> from projtrack import plot
>>> project = pt.load("examples/renhe-road.yaml")
>>> fig = plot.gantt(pt.schedule(project))
>>> fig.axes[0].get_title(loc="left")
'Renhe Road old-city renovation'
>>> fig = plot.delay_waterfall({"funding": 1200, "land transfer": 300, "epidemic": 45})
>>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
['funding', 'land transfer', 'epidemic', 'Total']
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from projtrack.exceptions import ProjtrackError, ValidationError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from projtrack._model import Activity, Project
    from projtrack._schedule import Schedule

__all__ = [
    "approval_swimlanes",
    "cjk_font",
    "delay_waterfall",
    "gantt",
    "portfolio_timeline",
]

#: Colours (colour-blind-safe enough, and legible in print).
COLORS = {
    "actual": "#52606d",
    "planned": "#4c8bd6",
    "critical": "#d1495b",
    "baseline": "#bcccdc",
    "data_date": "#2a9d8f",
    "agency": "#4c8bd6",
    "applicant": "#f0b429",
    "suspended": "#9aa5b1",
    "overrun": "#d1495b",
    "limit": "#1f2933",
    "gain": "#2a9d8f",
    "loss": "#d1495b",
    "total": "#334e68",
    "band": "#f5f7fa",
    "group": "#1f2933",
}

_INSTALL = 'pip install "projtrack[plot]"'

# Font families with CJK glyphs, most preferred first (Simplified Chinese faces first).
_CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Sans CJK TC",
    "Noto Sans CJK JP",
    "Noto Sans CJK KR",
    "Noto Sans CJK HK",
    "Source Han Sans",
    "Noto Serif CJK SC",
    "Source Han Serif SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "Hiragino Sans GB",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "AR PL UKai CN",
)
# File-name fragments of CJK fonts, to add fonts installed after matplotlib built its cache.
_CJK_FILES = (
    "notosanscjk", "notoserifcjk", "notosanssc", "sourcehansans", "sourcehanserif", "wqy",
    "droidsansfallback", "msyh", "simhei", "pingfang", "uming", "ukai",
)


def _mpl() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise ImportError(
            f"projtrack.plot needs matplotlib; install it with: {_INSTALL}"
        ) from None
    return matplotlib


# --------------------------------------------------------------------------- fonts


def cjk_font() -> str:
    """Return the family name of an installed font with Chinese glyphs.

    Looks at matplotlib's font list, then at system fonts installed after
    matplotlib built its font cache (and adds them).

    Raises
    ------
    ProjtrackError
        When no CJK font is installed; the message says how to install one.

    Examples
    --------
    >>> from projtrack.plot import cjk_font
    >>> cjk_font()  # doctest: +SKIP
    'Noto Sans CJK SC'
    """
    _mpl()
    found = _find_cjk_family()
    if found is None:
        raise ProjtrackError(
            "no font with Chinese (CJK) glyphs is installed; install one (Debian/Ubuntu: "
            "apt install fonts-noto-cjk; others: Noto Sans CJK or Source Han Sans), pass "
            "cjk='/path/to/font.otf', or draw with cjk=False",
            field="cjk",
        )
    return found


@functools.lru_cache(maxsize=1)
def _find_cjk_family_cached() -> str | None:
    from matplotlib import font_manager as fm

    def known() -> str | None:
        names = {f.name for f in fm.fontManager.ttflist}
        for family in _CJK_FAMILIES:
            if family in names:
                return family
        return None

    family = known()
    if family is not None:
        return family
    for path in fm.findSystemFonts():
        base = os.path.basename(path).lower().replace("-", "").replace("_", "")
        if any(fragment in base for fragment in _CJK_FILES):
            try:
                fm.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):  # pragma: no cover - broken font file
                continue
    return known()


def _find_cjk_family() -> str | None:
    family = _find_cjk_family_cached()
    if family is None:
        _find_cjk_family_cached.cache_clear()  # fonts may be installed later
    return family


def _font_family(cjk: bool | str) -> list[str] | None:
    """Font family list for text that may contain Chinese, or None for the default."""
    if cjk is False or cjk is None:
        return None
    if cjk is True:
        return [cjk_font(), "DejaVu Sans"]
    if not isinstance(cjk, str) or not cjk:
        raise ValidationError(
            f"cjk={cjk!r}; use True, False, a font family name or a font file path",
            field="cjk",
        )
    _mpl()
    from matplotlib import font_manager as fm

    if os.path.exists(cjk):
        fm.fontManager.addfont(cjk)
        return [fm.FontProperties(fname=cjk).get_name(), "DejaVu Sans"]
    if cjk not in {f.name for f in fm.fontManager.ttflist}:
        raise ProjtrackError(
            f"font family {cjk!r} is not installed; pass cjk=True to find a CJK font, or "
            "give the path of a font file",
            field="cjk",
        )
    return [cjk, "DejaVu Sans"]


def _text_kw(family: list[str] | None) -> dict[str, Any]:
    return {} if family is None else {"fontfamily": family}


# --------------------------------------------------------------------------- helpers


@functools.lru_cache(maxsize=1)
def _figure_class() -> type:
    """A :class:`~matplotlib.figure.Figure` that shows itself in notebooks.

    Figures made here are not registered with pyplot, so matplotlib's inline
    backend does not display them; ``_repr_png_`` lets IPython show the
    figure once when it is a cell's result (no IPython import needed).
    """
    from matplotlib.figure import Figure as _Figure

    class _NotebookFigure(_Figure):
        def _repr_png_(self) -> bytes:
            import io

            buf = io.BytesIO()
            self.savefig(buf, format="png")
            return buf.getvalue()

    # Found again by name through the module's __getattr__ (so figures pickle).
    _NotebookFigure.__module__ = __name__
    _NotebookFigure.__qualname__ = "_NotebookFigure"
    return _NotebookFigure


def __getattr__(name: str) -> Any:
    if name == "_NotebookFigure":
        _mpl()
        return _figure_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _new_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    _mpl()
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    fig = _figure_class()(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def _naive(value: Any, tz: str) -> _dt.datetime:
    """Wall-clock time in ``tz`` (naive), so axes show local dates."""
    import pendulum

    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            return value
        return pendulum.instance(value).in_timezone(tz).naive()
    if isinstance(value, _dt.date):
        return _dt.datetime(value.year, value.month, value.day)
    raise ValidationError(f"{value!r} is not a date", field="date")


def _num(value: Any, tz: str) -> float:
    from matplotlib import dates as mdates

    return float(mdates.date2num(_naive(value, tz)))  # type: ignore[no-untyped-call]


def _date_axis(ax: Axes) -> None:
    from matplotlib import dates as mdates

    locator = mdates.AutoDateLocator(minticks=4, maxticks=12)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    formatter = mdates.ConciseDateFormatter(locator)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_formatter(formatter)
    ax.xaxis_date()


def _shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    if width and len(text) > width:
        return text[: max(width - 1, 1)].rstrip() + "…"
    return text


#: Usual order of approval stages (China's 工程建设项目审批制度改革 stages, then works).
_STAGE_ORDER = (
    "initiation", "land", "planning_approval", "construction_permit", "construction",
    "completion",
)


def _group_order(keys: Sequence[str], project: Project, group_by: str) -> list[str]:
    """Groups in a sensible order: the project's own ``attrs["stages"]`` order, the usual
    stage order, then first appearance; the unnamed group last."""
    named = [k for k in keys if k != ""]
    if group_by == "stage":
        declared = project.attrs.get("stages")
        preferred = list(declared) if isinstance(declared, Mapping | list | tuple) else []
        preferred += [k for k in _STAGE_ORDER if k not in preferred]
        rank = {k: i for i, k in enumerate(preferred)}
        first = {k: i for i, k in enumerate(named)}
        named.sort(key=lambda k: (rank.get(k, len(rank)), first[k]))
    return named + ([""] if "" in keys else [])


def _text_width(text: str) -> int:
    """Width in Latin-character units (CJK characters count twice)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pretty(key: str) -> str:
    text = key.replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:]


def _labeller(
    labels: str | Callable[[Any], str] | None, family: list[str] | None
) -> Callable[[Any], str]:
    if callable(labels):
        return labels
    if labels is None:
        labels = "name_zh" if family is not None else "name"
    if labels not in ("name", "name_zh", "id", "both"):
        raise ValidationError(
            f"labels={labels!r}; use 'name', 'name_zh', 'id', 'both' or a function",
            field="labels",
        )

    def label(obj: Any) -> str:
        name, zh = getattr(obj, "name", "") or "", getattr(obj, "name_zh", "") or ""
        if labels == "id":
            return str(obj.id)
        if labels == "name_zh":
            return zh or name or str(obj.id)
        if labels == "both":
            return f"{name} {zh}".strip() or str(obj.id)
        return name or str(obj.id)

    return label


def _as_schedule(obj: Any) -> Schedule:
    from projtrack._model import Project
    from projtrack._schedule import Schedule

    if isinstance(obj, Schedule):
        return obj
    if isinstance(obj, Project):
        from projtrack.algorithms.cpm import schedule

        return schedule(obj)
    raise ValidationError(
        f"expected a Schedule or a Project, got {type(obj).__name__}", field="schedule"
    )


def _title(
    ax: Axes, title: str | bool | None, default: str, family: list[str] | None,
    *, legend: bool = True,
) -> None:
    if title is False or title == "":
        return
    text = default if title is None or title is True else str(title)
    # The legend sits just above the axes (see _legend); the title goes above it.
    ax.set_title(text, loc="left", fontweight="bold", pad=22 if legend else 8,
                 **_text_kw(family))


def _legend(ax: Axes, handles: list[Any], family: list[str] | None) -> None:
    if not handles:
        return
    ax.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncols=len(handles),
        frameon=False,
        fontsize="small",
        handlelength=1.4,
        columnspacing=1.0,
        borderaxespad=0.2,
        prop=None if family is None else {"family": family, "size": "small"},
    )


# --------------------------------------------------------------------------- Gantt


def _resolve_baseline(baseline: Any, project: Project) -> Any:
    """``"auto"``: the project's last stored baseline (or none); a name: that stored one."""
    stored = tuple(getattr(project, "baselines", ()) or ())
    if isinstance(baseline, str):
        if baseline == "auto":
            return stored[-1] if stored else None
        for base in stored:
            if base.name == baseline:
                return base
        names = ", ".join(repr(b.name) for b in stored) or "none"
        raise ValidationError(
            f"project {project.id!r} has no baseline {baseline!r} (stored: {names})",
            field="baseline",
        )
    if baseline is False:
        return None
    return baseline


def _baseline_spans(baseline: Any, tz: str) -> dict[Any, tuple[float, float]]:
    """``{activity id: (start, finish)}`` as axis numbers from a baseline of any supported kind."""
    from projtrack._schedule import Schedule

    out: dict[Any, tuple[float, float]] = {}
    if baseline is None:
        return out
    if isinstance(baseline, Schedule):
        for rec in baseline.to_records():
            start = rec["actual_start"] or rec["early_start"]
            finish = rec["actual_finish"] or rec["early_finish"]
            if start is not None and finish is not None:
                out[rec["id"]] = (_num(start, tz), _num(finish, tz))
        return out
    if isinstance(baseline, Mapping):
        for key, span in baseline.items():
            start, finish = span
            out[key] = (_num(start, tz), _num(finish, tz))
        return out
    members = getattr(baseline, "activities", None)
    if isinstance(members, tuple | list):  # a stored Baseline of BaselineActivity records
        for item in members:
            if item.start is not None and item.finish is not None:
                out[item.id] = (_num(item.start, tz), _num(item.finish, tz))
        return out
    raise ValidationError(
        f"baseline={type(baseline).__name__}; give a stored baseline (or its name), a "
        "Schedule, or a mapping {activity id: (start, finish)}",
        field="baseline",
    )


def gantt(
    schedule: Schedule | Project,
    *,
    baseline: Any = "auto",
    ax: Axes | None = None,
    group_by: str | None = "stage",
    labels: str | Callable[[Activity], str] | None = None,
    cjk: bool | str = False,
    critical: bool = True,
    data_date: bool = True,
    title: str | bool | None = None,
    max_label: int = 44,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Draw a Gantt chart of a schedule: actuals, remaining work, baseline, critical path.

    Each activity gets one row, grouped under a header per stage (or WBS
    top level, or party). Finished work is a grey bar from the actual start
    to the actual finish; remaining work runs from the early start to the
    early finish, red when critical (total float at or below the
    threshold) and blue otherwise. Milestones are diamonds. Names of the
    activities on :meth:`~projtrack.Schedule.critical_path` are red. With a
    ``baseline``, a thin pale bar under each activity shows the baseline
    dates. A vertical line marks the data date.

    Parameters
    ----------
    schedule
        A :class:`~projtrack.Schedule`, or a :class:`~projtrack.Project`
        (scheduled with default options).
    baseline
        Baseline dates to compare with: ``"auto"`` (default) the project's
        last stored baseline, if it has one; the name of a stored baseline;
        a baseline object (``Project.baselines`` items); a
        :class:`~projtrack.Schedule` (its actual or early dates); a mapping
        ``{activity id: (start, finish)}``; or ``None`` for none.
    ax
        Axes to draw into; default a new figure sized to the number of rows.
    group_by
        ``"stage"`` (default), ``"wbs"`` (first WBS level), ``"party"`` or
        ``None`` (no grouping, project order).
    labels
        ``"name"``, ``"name_zh"``, ``"id"``, ``"both"`` or a function of the
        :class:`~projtrack.Activity`; default ``name_zh`` with ``cjk``,
        else ``name`` (the id when empty).
    cjk
        ``True`` to find an installed CJK font, or a family name or font
        file; see the module notes.
    critical, data_date
        Whether to colour critical work and draw the data-date line.
    title
        Title; default the project name; ``False`` for none.
    max_label
        Longer labels are cut with an ellipsis (0: never).
    figsize
        Size in inches of a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ImportError
        Without matplotlib (``pip install "projtrack[plot]"``).
    ProjtrackError
        ``cjk=True`` and no CJK font is installed.

    Examples
    --------
    >>> import projtrack as pt
    >>> from projtrack.plot import gantt
    >>> p = pt.loads('''
    ... id: demo
    ... start: 2024-03-04
    ... activities:
    ...   - {id: design, duration: 5, stage: planning}
    ...   - {id: permit, kind: approval, duration: 10, stage: planning, links: [design]}
    ...   - {id: build, duration: 20, stage: works, links: [permit]}
    ...   - {id: done, kind: milestone, stage: works, links: [build]}
    ... ''')
    >>> fig = gantt(pt.schedule(p), figsize=(8, 3))
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['Planning', 'design', 'permit', 'Works', 'build', 'done']
    """
    _mpl()
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    sched = _as_schedule(schedule)
    project = sched.project
    tz = project.timezone
    family = _font_family(cjk)
    label_of = _labeller(labels, family)
    if group_by not in (None, "stage", "wbs", "party"):
        raise ValidationError(
            f"group_by={group_by!r}; use 'stage', 'wbs', 'party' or None", field="group_by"
        )
    base = _baseline_spans(_resolve_baseline(baseline, project), tz)
    records = sched.to_records()
    on_path = set(sched.critical_path()) if critical else set()
    dd = sched.data_date
    dd_num = _num(dd, tz) if dd is not None else None

    # Rows: (kind, payload) top to bottom.
    order: list[tuple[str, Any]] = []
    if group_by is None:
        order = [("act", i) for i in range(len(records))]
    else:
        groups: dict[str, list[int]] = {}
        for i, act in enumerate(project.activities):
            if group_by == "stage":
                key = act.stage
            elif group_by == "wbs":
                key = act.wbs[0] if act.wbs else None
            else:
                key = act.party
            groups.setdefault(key if key is not None else "", []).append(i)
        for key in _group_order(list(groups), project, group_by):
            header = _pretty(key) if key else f"(no {group_by})"
            if group_by == "party" and key:
                try:
                    party = project.party(key)
                    header = label_of(party) if family is not None else (party.name or key)
                except ProjtrackError:
                    pass
            order.append(("group", header))
            order.extend(("act", i) for i in groups[key])

    n = len(order)
    fig, ax = _new_axes(ax, figsize or (11.0, 1.4 + 0.24 * max(n, 3)))
    kw = _text_kw(family)
    has_base = bool(base)
    bar_h, bar_y = (0.42, -0.12) if has_base else (0.62, 0.0)
    xs: list[float] = []
    band = False
    ticks: list[float] = []
    tick_labels: list[str] = []
    tick_styles: list[tuple[str, str]] = []
    milestone_drawn = planned_drawn = critical_drawn = actual_drawn = False
    for y, (kind, payload) in enumerate(order):
        ticks.append(y)
        if kind == "group":
            band = not band
            tick_labels.append(payload)
            tick_styles.append(("bold", COLORS["group"]))
            ax.axhspan(y - 0.5, y + 0.5, color="#e4e7eb", lw=0, zorder=0)
            continue
        i = payload
        rec = records[i]
        act = project.activities[i]
        text = _shorten(label_of(act), max_label)
        tick_labels.append(text)
        tick_styles.append(
            ("bold", COLORS["critical"]) if act.id in on_path else ("normal", COLORS["group"])
        )
        if act.id in base:
            b0, b1 = base[act.id]
            xs += [b0, b1]
            if act.kind == "milestone":
                ax.plot([b0], [y + 0.22], marker="D", ms=5, color=COLORS["baseline"],
                        mec="#829ab1", mew=0.6, zorder=2, ls="none")
            else:
                ax.barh(y + 0.22, max(b1 - b0, 0.5), left=b0, height=0.22,
                        color=COLORS["baseline"], edgecolor="#829ab1", lw=0.4, zorder=2)
        status = rec["status"]
        is_crit = critical and rec["critical"] and status != "finished"
        colour = COLORS["critical"] if is_crit else COLORS["planned"]
        if act.kind == "milestone":
            if status != "not_started":
                when = rec["actual_start"] or rec["actual_finish"]
                mcol = COLORS["actual"]
                actual_drawn = True
            else:
                when = rec["early_start"] if act.milestone_type == "start" else rec["early_finish"]
                mcol = colour
                critical_drawn |= is_crit
                planned_drawn |= not is_crit
            x = _num(when, tz)
            xs.append(x)
            ax.plot([x], [y + bar_y], marker="D", ms=8, color=mcol, mec="white", mew=0.8,
                    zorder=4, ls="none")
            milestone_drawn = True
            continue
        if rec["actual_start"] is not None:
            a0 = _num(rec["actual_start"], tz)
            if rec["actual_finish"] is not None:
                a1 = _num(rec["actual_finish"], tz)
            else:
                a1 = dd_num if dd_num is not None else _num(rec["early_start"], tz)
            xs += [a0, a1]
            ax.barh(y + bar_y, max(a1 - a0, 0.5), left=a0, height=bar_h,
                    color=COLORS["actual"], lw=0, zorder=3)
            actual_drawn = True
        if status != "finished":
            e0, e1 = _num(rec["early_start"], tz), _num(rec["early_finish"], tz)
            xs += [e0, e1]
            segments = sched.work_pieces(act.id) if act.splits else []
            if len(segments) > 1:
                # A split task: its pieces of work, joined by a thin line across the pauses.
                ax.plot([e0, e1], [y + bar_y] * 2, color=colour, lw=0.8, ls=":", zorder=2)
                for w0, w1 in segments:
                    x0, x1 = _num(w0, tz), _num(w1, tz)
                    ax.barh(y + bar_y, max(x1 - x0, 0.5), left=x0, height=bar_h,
                            color=colour, lw=0, zorder=3)
            else:
                ax.barh(y + bar_y, max(e1 - e0, 0.5), left=e0, height=bar_h, color=colour,
                        lw=0, zorder=3)
            critical_drawn |= is_crit
            planned_drawn |= not is_crit

    ax.set_yticks(ticks, tick_labels, **kw)
    for label, (weight, colour) in zip(ax.get_yticklabels(), tick_styles, strict=True):
        label.set_fontweight(weight)
        label.set_color(colour)
    ax.tick_params(axis="y", length=0, labelsize="small")
    ax.set_ylim(n - 0.5, -0.5)
    if xs:
        lo, hi = min(xs), max(xs)
        pad = max((hi - lo) * 0.02, 2.0)
        ax.set_xlim(lo - pad, hi + pad)
    _date_axis(ax)
    ax.grid(axis="x", color="#d9e2ec", lw=0.6, zorder=0)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)

    handles: list[Any] = []
    if actual_drawn:
        handles.append(Patch(color=COLORS["actual"], label="actual"))
    if planned_drawn:
        handles.append(Patch(color=COLORS["planned"], label="planned"))
    if critical_drawn:
        handles.append(Patch(color=COLORS["critical"], label="critical"))
    if has_base:
        handles.append(Patch(facecolor=COLORS["baseline"], edgecolor="#829ab1", lw=0.4,
                             label="baseline"))
    if milestone_drawn:
        handles.append(Line2D([], [], marker="D", ls="none", color="#7b8794", ms=6,
                              label="milestone"))
    if data_date and dd_num is not None:
        ax.axvline(dd_num, color=COLORS["data_date"], lw=1.2, ls="--", zorder=5)
        handles.append(Line2D([], [], color=COLORS["data_date"], lw=1.2, ls="--",
                              label=f"data date {dd.format('YYYY-MM-DD')}"))  # type: ignore[union-attr]
    _legend(ax, handles, family)
    default = (project.name_zh or project.name) if family is not None else project.name
    _title(ax, title, default or project.id, family)
    return fig


# --------------------------------------------------------------------------- swimlanes


def _pack(spans: Sequence[tuple[float, float]], gap: float) -> list[int]:
    """Greedy interval packing: the sub-row of each span (spans sorted by start)."""
    ends: list[float] = []
    rows = []
    for start, end in spans:
        for k, last in enumerate(ends):
            if start >= last + gap:
                ends[k] = end
                rows.append(k)
                break
        else:
            ends.append(end)
            rows.append(len(ends) - 1)
    return rows


def approval_swimlanes(
    project: Project | Schedule,
    *,
    ax: Axes | None = None,
    as_of: Any = None,
    calendar: str = "cn",
    labels: str | Callable[[Activity], str] | None = None,
    cjk: bool | str = False,
    title: str | bool | None = None,
    max_label: int = 40,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Draw approvals in one swimlane per agency, with the statutory time limit marked.

    For each approval the event history gives who held the file when: blue
    while the agency had it, amber while it was back with the applicant
    (returned for revision), grey while suspended. Each spell with the
    agency gets a black tick at its statutory deadline (``time_limit``
    working days on ``calendar`` after the submission, not counting the
    submission day), and the part of the spell past the deadline is red.
    Approvals without events use their actual dates, or, when not started,
    their scheduled dates (outlined) with the deadline counted from the
    scheduled start.

    Parameters
    ----------
    project
        A :class:`~projtrack.Project` or a :class:`~projtrack.Schedule` of one.
    ax
        Axes to draw into; default a new figure.
    as_of
        Count only events up to this date; default all (open spells run to
        the data date).
    calendar
        Calendar the statutory limits count on (default ``cn``: Chinese
        working days with statutory holidays and make-up days).
    labels, cjk, title, max_label, figsize
        As for :func:`gantt`; lanes are labelled with the agency's name.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import projtrack as pt
    >>> from projtrack.plot import approval_swimlanes
    >>> p = pt.loads('''
    ... id: demo
    ... start: 2024-03-04
    ... calendar: cn
    ... parties: [{id: planning, name: Planning bureau, role: government_agency}]
    ... activities:
    ...   - {id: scheme, kind: approval, agency: planning, duration: 20, time_limit: 20}
    ... events:
    ...   - {at: 2024-03-04, kind: submitted, activity: scheme}
    ...   - {at: 2024-03-20, kind: returned_for_revision, activity: scheme}
    ...   - {at: 2024-04-01, kind: resubmitted, activity: scheme}
    ...   - {at: 2024-05-10, kind: approved, activity: scheme}
    ... ''')
    >>> fig = approval_swimlanes(p, figsize=(8, 2))
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['Planning bureau']
    """
    _mpl()
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from projtrack._history import replay
    from projtrack.calendars import get_calendar
    from projtrack.exceptions import CalendarError

    sched = _as_schedule(project)
    proj = sched.project
    tz = proj.timezone
    family = _font_family(cjk)
    label_of = _labeller(labels, family)
    kw = _text_kw(family)
    history = replay(proj, as_of=as_of)
    cal = get_calendar(calendar, project=proj)
    dd = sched.data_date
    end_default = _num(dd, tz) if dd is not None else None
    records = {rec["id"]: rec for rec in sched.to_records()}

    def deadline(start: Any, limit: float) -> float | None:
        day = _naive(start, tz).date()
        try:
            due = cal.add_working_days(day, math.ceil(limit))
        except CalendarError:
            return None  # outside the calendar's holiday data: no mark rather than a guess
        return _num(due, tz) + 1.0  # the end of the last allowed day

    # One item per approval: its spells (holder, start, x0, x1) and the deadlines
    # (x0, due, x1) of the spells with the agency.
    items: list[dict[str, Any]] = []
    for act in proj.activities:
        if act.kind != "approval":
            continue
        hist = history.get(act.id)
        segs: list[tuple[str, Any, float, float]] = []
        planned = False
        if hist is not None and hist.spells:
            closed = hist.actual_finish
            if closed is None and as_of is None:
                closed = act.actual_finish  # a failed review closed by its last return
            for holder, start, end in hist.spells:
                x0 = _num(start, tz)
                if end is None and closed is not None:
                    end = closed
                x1 = _num(end, tz) if end is not None else (end_default or x0)
                if x1 <= x0 and holder == "applicant":
                    continue
                segs.append((holder, start, x0, x1))
        elif act.actual_start is not None:
            x0 = _num(act.actual_start, tz)
            if act.actual_finish is not None:
                x1 = _num(act.actual_finish, tz)
            else:
                x1 = end_default if end_default is not None else x0
            segs.append(("agency", act.actual_start, x0, x1))
        else:
            rec = records[act.id]
            segs.append(("agency", rec["early_start"], _num(rec["early_start"], tz),
                         _num(rec["early_finish"], tz)))
            planned = True
        limits = []
        if act.time_limit is not None:
            rounds_at = [x0 for holder, _, x0, _ in segs if holder == "agency"]
            for holder, start, x0, x1 in segs:
                if holder != "agency":
                    continue
                due = deadline(start, act.time_limit)
                later = [x for x in rounds_at if x > x0]
                # A deadline that falls inside a later round would mislead: leave it out.
                if due is not None and (not later or due <= min(later)):
                    limits.append((x0, due, x1))
        rounds = sum(1 for h, *_ in segs if h == "agency")
        text = _shorten(label_of(act), max_label) + (f" ({rounds} rounds)" if rounds > 1 else "")
        items.append(
            {"act": act, "agency": act.agency or "", "segs": [(h, a, b) for h, _, a, b in segs],
             "limits": limits, "planned": planned, "text": text}
        )

    lanes: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        lanes.setdefault(item["agency"], []).append(item)
    lane_keys = [k for k in lanes if k] + ([""] if "" in lanes else [])

    all_x = [x for it in items for _, a, b in it["segs"] for x in (a, b)]
    all_x += [due for it in items for _, due, _ in it["limits"]]
    lo, hi = (min(all_x), max(all_x)) if all_x else (0.0, 1.0)
    span_days = max(hi - lo, 1.0)
    width_in = (
        (figsize or (11.0, 0.0))[0]
        if ax is None
        else float(getattr(ax.figure, "get_figwidth", lambda: 11.0)())
    )
    days_per_char = span_days / max(width_in * 0.72 * 72 / 4.3, 1.0)  # ~4.3 pt per char at 7 pt

    rows_total = 0
    layout: list[tuple[str, int, int]] = []  # (lane key, first row, number of sub-rows)
    for key in lane_keys:
        its = sorted(lanes[key], key=lambda it: min(a for _, a, _ in it["segs"]))
        lanes[key] = its
        spans = []
        for it in its:
            a = min(a for _, a, _ in it["segs"])
            b = max([b for _, _, b in it["segs"]] + [d for _, d, _ in it["limits"]])
            text_end = a + _text_width(it["text"]) * days_per_char
            spans.append((a, max(b, text_end)))
        sub = _pack(spans, gap=span_days * 0.01)
        for it, k in zip(its, sub, strict=True):
            it["row"] = rows_total + k
        count = max(sub) + 1 if sub else 1
        layout.append((key, rows_total, count))
        rows_total += count

    fig, ax = _new_axes(ax, figsize or (11.0, 1.3 + 0.5 * max(rows_total, 2)))
    drawn = set()
    for it in items:
        y = it["row"]
        for holder, x0, x1 in it["segs"]:
            width = max(x1 - x0, 0.6)
            if it["planned"]:
                ax.barh(y + 0.12, width, left=x0, height=0.4, facecolor="white",
                        edgecolor=COLORS["agency"], lw=1.0, ls="--", zorder=3)
                drawn.add("planned")
                continue
            colour = COLORS.get(holder, COLORS["suspended"])
            ax.barh(y + 0.12, width, left=x0, height=0.4, color=colour, lw=0, zorder=3)
            drawn.add(holder if holder in ("agency", "applicant") else "suspended")
        for _, due, x1 in it["limits"]:
            if x1 > due and not it["planned"]:
                ax.barh(y + 0.12, x1 - due, left=due, height=0.4, color=COLORS["overrun"],
                        lw=0, zorder=4)
                drawn.add("overrun")
            ax.plot([due, due], [y - 0.14, y + 0.38], color=COLORS["limit"], lw=1.6,
                    zorder=5, solid_capstyle="butt")
            drawn.add("limit")
        start = min(a for _, a, _ in it["segs"])
        ax.text(start, y - 0.2, it["text"], fontsize=7, va="bottom", ha="left",
                color=COLORS["group"], zorder=6, clip_on=False, **kw)

    ticks, names = [], []
    for index, (key, first, count) in enumerate(layout):
        if index % 2 == 0:
            ax.axhspan(first - 0.5, first + count - 0.5, color=COLORS["band"], lw=0, zorder=0)
        if index:
            ax.axhline(first - 0.5, color="#cbd2d9", lw=0.8, zorder=1)
        ticks.append(first + (count - 1) / 2)
        if key:
            try:
                party = proj.party(key)
                names.append(_shorten(label_of(party), 34))
            except ProjtrackError:
                names.append(key)
        else:
            names.append("(no agency)")
    ax.set_yticks(ticks, names, **kw)
    ax.tick_params(axis="y", length=0, labelsize="small")
    ax.set_ylim(rows_total - 0.5, -0.6)
    pad = max(span_days * 0.02, 2.0)
    ax.set_xlim(lo - pad, hi + pad)
    _date_axis(ax)
    ax.grid(axis="x", color="#d9e2ec", lw=0.6, zorder=0)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    if end_default is not None and lo <= end_default <= hi:
        ax.axvline(end_default, color=COLORS["data_date"], lw=1.2, ls="--", zorder=2)
        drawn.add("data_date")

    names_of = {
        "agency": Patch(color=COLORS["agency"], label="with agency"),
        "applicant": Patch(color=COLORS["applicant"], label="with applicant"),
        "suspended": Patch(color=COLORS["suspended"], label="suspended"),
        "overrun": Patch(color=COLORS["overrun"], label="past statutory limit"),
        "limit": Line2D([], [], color=COLORS["limit"], lw=1.6, label="statutory limit"),
        "planned": Patch(facecolor="white", edgecolor=COLORS["agency"], ls="--",
                         label="planned"),
        "data_date": Line2D([], [], color=COLORS["data_date"], lw=1.2, ls="--",
                            label="data date"),
    }
    _legend(ax, [names_of[k] for k in names_of if k in drawn], family)
    default = "Approvals by agency"
    if family is not None:
        default = "审批泳道（按审批机构）"  # noqa: RUF001 - Chinese punctuation
    _title(ax, title, default, family)
    return fig


# --------------------------------------------------------------------------- waterfall


def _attribution_items(att: Any) -> list[tuple[str, float]]:
    """Groups, then the concurrency / gains / unattributed buckets (zeros left out)."""
    items = [("(none)" if g is None else str(g), float(d)) for g, d in att.attributed.items()]
    for label, name in (("concurrency", "concurrency_days"), ("gains", "gains_days"),
                        ("unattributed", "unattributed_days")):
        value = getattr(att, name, None)
        if value is not None:
            items.append((label, float(value)))
    return [(label, days) for label, days in items if days != 0]


def _delay_items(delays: Any, by: str) -> list[tuple[str, float]]:
    if isinstance(delays, Mapping):
        items = list(delays.items())
    else:
        part = getattr(delays, f"by_{by}", None)
        if part is not None and hasattr(part, "attributed"):  # a DelayAnalysis
            delays = part
        if hasattr(delays, "attributed"):  # an Attribution
            items = list(_attribution_items(delays))
        elif callable(getattr(delays, "to_records", None)):
            totals: dict[str, float] = {}
            for rec in delays.to_records():
                key = rec.get(by, rec.get("group"))  # analysis rows, or roll-up groups
                days = rec.get("days")
                if days is None:
                    continue
                label = "(unattributed)" if key in (None, "") else str(key)
                totals[label] = totals.get(label, 0.0) + float(days)
            items = list(totals.items())
        else:
            raise ValidationError(
                f"delays={type(delays).__name__}; give a mapping {{label: days}}, a delay "
                "analysis (projtrack.analyze_delays) or one of its attributions",
                field="delays",
            )
    out = []
    for label, days in items:
        value = float(days)
        if not math.isfinite(value):
            raise ValidationError(f"{days!r} is not a finite number of days", field=str(label))
        out.append((str(label), value))
    return out


def delay_waterfall(
    delays: Mapping[str, float] | Any,
    *,
    by: str = "cause",
    ax: Axes | None = None,
    total_label: str = "Total",
    unit: str = "days",
    labels: Mapping[str, str] | None = None,
    cjk: bool | str = False,
    title: str | bool | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Draw a waterfall of delay days by cause or party, ending in the total.

    Each row is one cause (or party): a bar from the running total to the
    running total plus its days (red for delay, green for days gained),
    then a dark bar for the total.

    Parameters
    ----------
    delays
        ``{label: days}`` in display order; a delay analysis
        (:func:`projtrack.analyze_delays`: its attribution ``by`` cause or
        party, then the concurrency, gains and unattributed days, so the
        bars add up to the total slippage); one of its attributions; or a
        result whose ``to_records()`` has ``days`` and a ``cause`` /
        ``party`` (or ``group``: a portfolio roll-up) column.
    by
        ``"cause"`` or ``"party"`` (for delay analyses).
    ax
        Axes to draw into; default a new figure.
    total_label, unit
        Label of the total row and of the x axis.
    labels
        Display names for keys (``{"third_party_review": "reviews"}``).
    cjk, title, figsize
        As for :func:`gantt`.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from projtrack.plot import delay_waterfall
    >>> fig = delay_waterfall({"funding": 120, "weather": -5}, title="Why late")
    >>> [round(p.get_width()) for p in fig.axes[0].patches]
    [120, -5, 115]
    """
    _mpl()
    items = _delay_items(delays, by)
    family = _font_family(cjk)
    kw = _text_kw(family)
    names = dict(labels or {})
    n = len(items) + 1
    fig, ax = _new_axes(ax, figsize or (8.0, 1.2 + 0.38 * max(n, 3)))
    running = 0.0
    ends = [0.0]
    for y, (_, days) in enumerate(items):
        colour = COLORS["loss"] if days >= 0 else COLORS["gain"]
        ax.barh(y, days, left=running, height=0.6, color=colour, lw=0, zorder=3)
        if y:
            ax.plot([running, running], [y - 1 + 0.3, y - 0.3], color="#9aa5b1", lw=0.8,
                    zorder=2)
        running += days
        ends.append(running)
    total = running
    ax.barh(n - 1, total, left=0, height=0.6, color=COLORS["total"], lw=0, zorder=3)
    if items:
        ax.plot([total, total], [n - 2 + 0.3, n - 1 - 0.3], color="#9aa5b1", lw=0.8, zorder=2)
    lo, hi = min([*ends, 0.0]), max([*ends, 0.0])
    span = max(hi - lo, 1.0)
    for y, (_, days) in enumerate([*items, (total_label, total)]):
        right = ends[y + 1] if y < len(items) else total
        left = ends[y] if y < len(items) else 0.0
        x = max(left, right)
        text = f"{days:+,.0f}" if y < len(items) else f"{days:,.0f}"
        ax.text(x + span * 0.01, y, text, va="center", ha="left", fontsize="small",
                color=COLORS["group"], zorder=4)
    ax.set_yticks(range(n), [names.get(k, k) for k, _ in items] + [total_label], **kw)
    ax.get_yticklabels()[-1].set_fontweight("bold")
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xlim(lo - span * 0.03, hi + span * 0.14)
    ax.axvline(0, color="#7b8794", lw=0.8, zorder=1)
    ax.set_xlabel(unit, **kw)
    ax.grid(axis="x", color="#d9e2ec", lw=0.6, zorder=0)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    default = f"Delay by {by}"
    if family is not None:
        titles = {"cause": "延误天数（按原因）", "party": "延误天数（按责任方）"}  # noqa: RUF001
        default = titles.get(by, default)
    _title(ax, title, default, family, legend=False)
    return fig


# --------------------------------------------------------------------------- portfolio


def _projects_of(portfolio: Any) -> list[Any]:
    from projtrack._model import Project
    from projtrack._schedule import Schedule

    if isinstance(portfolio, Project | Schedule):
        return [portfolio]
    members = getattr(portfolio, "projects", None)
    if members is not None and not callable(members):
        portfolio = members.values() if isinstance(members, Mapping) else members
    elif isinstance(portfolio, Mapping):
        portfolio = portfolio.values()
    out = list(portfolio)
    for item in out:
        if not isinstance(item, Project | Schedule):
            raise ValidationError(
                f"portfolio member {item!r} is not a Project or a Schedule", field="portfolio"
            )
    return out


def _target(project: Project) -> Any:
    """The date the project is committed to finish by, if it says: must_finish_by or an FNLT."""
    if project.must_finish_by is not None:
        return project.must_finish_by
    dates = [
        c.date
        for a in project.activities
        for c in a.constraints
        if c.type in ("finish_no_later_than", "finish_on", "mandatory_finish")
        and c.date is not None
    ]
    return max(dates, key=lambda d: _naive(d, project.timezone)) if dates else None


def portfolio_timeline(
    portfolio: Iterable[Project | Schedule] | Any,
    *,
    ax: Axes | None = None,
    slippage: Mapping[str, float] | Any = None,
    labels: str | Callable[[Project], str] | None = None,
    cjk: bool | str = False,
    title: str | bool | None = None,
    max_label: int = 40,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Draw one row per project: done so far, forecast to finish, and the committed date.

    Each project's row runs from its start to its forecast finish: grey up
    to its data date, then blue (red when the forecast is past the target).
    Milestones are diamonds (grey when reached). The target (the project's
    ``must_finish_by``, else its latest finish constraint) is a black bar;
    a red line joins it to a later forecast. Data dates are dashed ticks
    (one line when all projects share one).

    Parameters
    ----------
    portfolio
        A portfolio (an object with ``projects``), or projects or schedules.
    ax
        Axes to draw into; default a new figure.
    slippage
        ``{project id: days}`` written at the end of each row, or the
        portfolio's delay analysis (:meth:`projtrack.Portfolio.delays`):
        then each project's slippage is written and its baseline's planned
        finish is marked with a small triangle above the row.
    labels, cjk, title, max_label, figsize
        As for :func:`gantt` (labels apply to projects).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import projtrack as pt
    >>> from pathlib import Path
    >>> from projtrack.plot import portfolio_timeline
    >>> projects = [pt.load(f) for f in sorted(Path("examples/shibei-portfolio").glob("*.yaml"))]
    >>> fig = portfolio_timeline(projects, labels="id")
    >>> len(fig.axes[0].get_yticklabels())
    7
    """
    _mpl()
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    scheds = [_as_schedule(p) for p in _projects_of(portfolio)]
    planned_finish: dict[str, Any] = {}
    if slippage is not None and not isinstance(slippage, Mapping):
        records = slippage.to_records()
        planned_finish = {r["id"]: r["planned_finish"] for r in records if r.get("planned_finish")}
        slippage = {r["id"]: r["slippage_days"] for r in records
                    if r.get("slippage_days") is not None}
    family = _font_family(cjk)
    label_of = _labeller(labels, family)
    kw = _text_kw(family)
    n = len(scheds)
    fig, ax = _new_axes(ax, figsize or (11.0, 1.3 + 0.42 * max(n, 2)))
    xs: list[float] = []
    dds: set[float] = set()
    drawn: set[str] = set()
    for y, sched in enumerate(scheds):
        proj = sched.project
        tz = proj.timezone
        starts = [_num(proj.start, tz)]
        starts += [_num(a.actual_start, tz) for a in proj.activities if a.actual_start]
        x0 = min(starts)
        finish = _num(sched.finish, tz)
        target = _target(proj)
        t = _num(target, tz) + 1.0 if target is not None else None
        late = t is not None and finish > t + 1e-9
        dd = sched.data_date
        d = _num(dd, tz) if dd is not None else None
        xs += [x0, finish] + ([t] if t is not None else [])
        if d is not None and d > x0:
            ax.barh(y, min(d, finish) - x0, left=x0, height=0.5, color=COLORS["actual"], lw=0,
                    zorder=3)
            drawn.add("actual")
            dds.add(d)
        rest0 = max(x0, d) if d is not None else x0
        if finish > rest0:
            colour = COLORS["critical"] if late else COLORS["planned"]
            ax.barh(y, finish - rest0, left=rest0, height=0.5, color=colour, lw=0, zorder=3)
            drawn.add("late" if late else "planned")
        for act in proj.activities:
            if act.kind != "milestone":
                continue
            rec = sched[act.id]
            when = rec["actual_start"] or rec["early_finish"]
            if when is None:
                continue
            reached = rec["status"] != "not_started"
            ax.plot([_num(when, tz)], [y], marker="D", ms=4.5, ls="none", zorder=4,
                    color="white" if reached else "#1f2933", mec="#1f2933", mew=0.6)
            drawn.add("milestone")
        if proj.id in planned_finish:
            pf = _num(planned_finish[proj.id], tz)
            xs.append(pf)
            ax.plot([pf], [y - 0.36], marker="v", ms=7, ls="none", zorder=6,
                    color="#486581", mec="white", mew=0.6)
            drawn.add("planned_finish")
        if t is not None:
            ax.plot([t, t], [y - 0.38, y + 0.38], color=COLORS["limit"], lw=2.2, zorder=5,
                    solid_capstyle="butt")
            drawn.add("target")
            if late:
                ax.plot([t, finish], [y - 0.34, y - 0.34], color=COLORS["critical"], lw=1.2,
                        zorder=5)
        note = None
        if slippage is not None and proj.id in slippage:
            note = f"{float(slippage[proj.id]):+,.0f} d"
        if note:
            ax.text(max(finish, t or finish), y, "  " + note, va="center", ha="left",
                    fontsize="small",
                    color=COLORS["critical"] if float(slippage[proj.id]) > 0  # type: ignore[index]
                    else COLORS["group"], zorder=6)
    ax.set_yticks(range(n), [_shorten(label_of(s.project), max_label) for s in scheds], **kw)
    ax.tick_params(axis="y", length=0, labelsize="small")
    ax.set_ylim(n - 0.5, -0.6)
    if xs:
        lo, hi = min(xs), max(xs)
        pad = max((hi - lo) * 0.03, 5.0)
        ax.set_xlim(lo - pad, hi + pad * (3 if slippage else 1))
    _date_axis(ax)
    if len(dds) == 1:
        ax.axvline(next(iter(dds)), color=COLORS["data_date"], lw=1.2, ls="--", zorder=2)
        drawn.add("data_date")
    ax.grid(axis="x", color="#d9e2ec", lw=0.6, zorder=0)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    names_of = {
        "actual": Patch(color=COLORS["actual"], label="to data date"),
        "planned": Patch(color=COLORS["planned"], label="forecast"),
        "late": Patch(color=COLORS["critical"], label="forecast past target"),
        "milestone": Line2D([], [], marker="D", ls="none", color="#1f2933", ms=4.5,
                            label="milestone"),
        "target": Line2D([], [], color=COLORS["limit"], lw=2.2, label="target"),
        "planned_finish": Line2D([], [], marker="v", ls="none", ms=7, color="#486581",
                                 label="baseline finish"),
        "data_date": Line2D([], [], color=COLORS["data_date"], lw=1.2, ls="--",
                            label="data date"),
    }
    _legend(ax, [names_of[k] for k in names_of if k in drawn], family)
    _title(ax, title, "项目组合时间线" if family is not None else "Portfolio", family)
    return fig
