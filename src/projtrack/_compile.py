"""Compile a :class:`~projtrack.Project` once into the arrays the CPM engine runs on.

The compiled form does not depend on scheduling options or the data date:
activities renumbered in topological order (so the kernels loop ``0..n-1``),
durations with their units, the calendar name of each activity, the links
sorted by successor (a CSR index ``in_ptr``) plus a second CSR index by
predecessor (``out_ptr``/``out_lk``), and the sparse inputs (constraints,
progress) as short lists. It is cached on the project, which is immutable.
Option-dependent work (minutes per calendar, lag calendars, bounds) happens in
:mod:`projtrack.algorithms.cpm` and is cached there per option set.
"""

from __future__ import annotations

import datetime as _dt
from itertools import repeat
from operator import attrgetter, ne
from typing import TYPE_CHECKING, Any

import numpy as np

from projtrack._topology import link_arrays
from projtrack._worktime import CalendarTable, WorkCalendarLike, get_work_calendar

if TYPE_CHECKING:
    from projtrack._model import Activity, Project

__all__ = ["LINK_CODES", "UNIT_CODES", "Compiled", "compile_project"]

LINK_CODES = {"FS": 0, "SS": 1, "FF": 2, "SF": 3}
UNIT_CODES = {"d": 0, "h": 1, "ed": 2, "eh": 3}
_CACHE_ATTR = "_cpm_compiled"

_id = attrgetter("id")
_calendar = attrgetter("calendar")
_duration = attrgetter("duration")
_duration_unit = attrgetter("duration_unit")
_special = attrgetter(
    "constraints", "actual_start", "remaining_duration", "percent_complete", "milestone_type",
    "splits",
)
_PLAIN = ((), None, None, None, None, ())
_type = attrgetter("type")
_lag = attrgetter("lag")
_lag_unit = attrgetter("lag_unit")


class Compiled:
    """A project as arrays (all activity arrays are in topological order).

    Attributes
    ----------
    n, m
        Numbers of activities and links.
    order, rank
        ``order[p]`` is the position in ``project.activities`` of the
        ``p``-th activity in topological order; ``rank`` is its inverse.
    cal_names, act_cal
        Distinct calendar names, and each activity's index into them.
    dur_value, dur_unit
        Planned duration and its unit code (:data:`UNIT_CODES`).
    start_milestone
        1 for start milestones (they sit at the start of working time).
    sparse
        Topological positions of activities with constraints or progress.
    lk_pred, lk_succ, lk_type, lk_lag_value, lk_lag_unit, lk_orig
        Links sorted by successor: ends (topological positions), type code
        (:data:`LINK_CODES`), lag and its unit code, position in
        ``project.links``.
    in_ptr, out_ptr, out_lk
        CSR indexes: the links into ``j`` are ``in_ptr[j]:in_ptr[j+1]``; the
        links out of ``i`` are ``out_lk[out_ptr[i]:out_ptr[i+1]]``.

    Examples
    --------
    >>> import projtrack as pt
    >>> p = pt.Project(id="p", start=pendulum.Date(2024, 1, 1), calendar="7d",
    ...                activities=[pt.Activity(id="b", duration=1),
    ...                            pt.Activity(id="a", duration=2)],
    ...                links=[pt.Link(pred="a", succ="b", type="SS", lag=1)])
    >>> c = compile_project(p)
    >>> c.order.tolist(), c.lk_pred.tolist(), c.lk_succ.tolist(), c.lk_type.tolist()
    ([1, 0], [0], [1], [1])
    >>> compile_project(p) is c
    True
    """

    def __init__(self, project: Project) -> None:
        self.project_id = project.id
        self.origin = _dt.date(project.start.year, project.start.month, project.start.day)
        self.timezone = project.timezone
        self.default_calendar = project.calendar
        acts = project.activities
        n = len(acts)
        self.n = n
        topo = project._topo  # type: ignore[attr-defined]
        self.order = np.asarray(topo, dtype=np.int64)
        self.rank = np.empty(n, dtype=np.int64)
        self.rank[self.order] = np.arange(n, dtype=np.int64)
        self._acts = acts
        # Read the activities in file order (sequential in memory), then
        # reorder the arrays topologically.
        order = self.order

        # Calendars by name.
        default = project.calendar
        cal_of = list(map(_calendar, acts))
        names: dict[str | None, int] = {default: 0}
        for name in set(cal_of):
            if name is not None and name not in names:
                names[name] = len(names)
        names[None] = 0
        self.cal_names: list[str] = [k for k in names if k is not None]
        self.act_cal = np.fromiter(map(names.__getitem__, cal_of), dtype=np.int64, count=n)[order]

        self.dur_value = np.fromiter(map(_duration, acts), dtype=np.float64, count=n)[order]
        units = list(map(_duration_unit, acts))
        if set(units) <= {"d"}:
            self.dur_unit = np.zeros(n, dtype=np.int8)
        else:
            self.dur_unit = np.fromiter(map(UNIT_CODES.__getitem__, units), dtype=np.int8,
                                        count=n)[order]
        # Activities with anything beyond a plain duration (constraints,
        # progress, a milestone type, splits) are handled one by one.
        special = np.fromiter(map(ne, map(_special, acts), repeat(_PLAIN)), dtype=np.bool_,
                              count=n)
        self.sparse = np.sort(self.rank[np.nonzero(special)[0]])
        self.sparse_acts: list[Activity] = [acts[i] for i in order[self.sparse].tolist()]
        self.start_milestone = np.zeros(n, dtype=np.bool_)
        for p, act in zip(self.sparse.tolist(), self.sparse_acts, strict=True):
            self.start_milestone[p] = act.milestone_type == "start"

        # Links, sorted by successor (stable: file order within a successor).
        links = project.links
        m = len(links)
        self.m = m
        rank = self.rank
        pred_pos, succ_pos = link_arrays(project)  # computed when the project was validated
        pred = rank[np.asarray(pred_pos, dtype=np.int64).reshape(m)]
        succ = rank[np.asarray(succ_pos, dtype=np.int64).reshape(m)]
        ltype = np.fromiter(map(LINK_CODES.__getitem__, map(_type, links)), dtype=np.int64,
                            count=m)
        lag = np.fromiter(map(_lag, links), dtype=np.float64, count=m)
        lunits = list(map(_lag_unit, links))
        if set(lunits) <= {"d"}:
            lunit = np.zeros(m, dtype=np.int8)
        else:
            lunit = np.fromiter(map(UNIT_CODES.__getitem__, lunits), dtype=np.int8, count=m)
        by_succ = np.argsort(succ, kind="stable")
        self.lk_orig = by_succ.astype(np.int64)
        self.lk_pred = np.ascontiguousarray(pred[by_succ])
        self.lk_succ = np.ascontiguousarray(succ[by_succ])
        self.lk_type = np.ascontiguousarray(ltype[by_succ])
        self.lk_lag_value = lag[by_succ]
        self.lk_lag_unit = lunit[by_succ]
        self.in_ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.lk_succ, minlength=n), out=self.in_ptr[1:])
        self.out_lk = np.argsort(self.lk_pred, kind="stable").astype(np.int64)
        # The links again, in predecessor order, for the backward passes.
        self.o_pred = self.lk_pred[self.out_lk]
        self.o_succ = self.lk_succ[self.out_lk]
        self.o_type = self.lk_type[self.out_lk]
        self.o_lag_value = self.lk_lag_value[self.out_lk]
        self.o_lag_unit = self.lk_lag_unit[self.out_lk]
        self.out_ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.lk_pred, minlength=n), out=self.out_ptr[1:])

        # Caches filled on demand.
        self._calendars: dict[str, WorkCalendarLike] = {}
        self._tables: dict[tuple[Any, ...], CalendarTable] = {}
        self.prepared: dict[Any, Any] = {}

    @property
    def ids(self) -> list[Any]:
        """Activity ids in project order."""
        ids = self.__dict__.get("_ids")
        if ids is None:
            ids = list(map(_id, self._acts))
            self._ids = ids
        return ids

    # ------------------------------------------------------------------ calendars
    def calendar(self, name: str, project: Project) -> WorkCalendarLike:
        """The working calendar called ``name`` (cached)."""
        cal = self._calendars.get(name)
        if cal is None:
            cal = get_work_calendar(name, project)
            self._calendars[name] = cal
        return cal

    def table(self, calendars: list[WorkCalendarLike]) -> CalendarTable:
        """The (growing) calendar table for these calendars, shared by schedules."""
        key = tuple(c.key for c in calendars)
        table = self._tables.get(key)
        if table is None:
            table = _shared_table(key, calendars, self.origin)
            self._tables[key] = table
        return table


#: Calendar tables shared by projects with the same calendars and start day
#: (a table only grows, and growing never changes what it already holds).
_TABLES: dict[tuple[Any, ...], CalendarTable] = {}


def _shared_table(
    keys: tuple[Any, ...], calendars: list[WorkCalendarLike], origin: _dt.date
) -> CalendarTable:
    key = (keys, origin)
    table = _TABLES.get(key)
    if table is None:
        if len(_TABLES) >= 64:
            _TABLES.pop(next(iter(_TABLES)))
        table = CalendarTable(calendars, origin)
        _TABLES[key] = table
    return table


def compile_project(project: Project) -> Compiled:
    """Return the compiled form of ``project``, building it on first use.

    The result is cached on the project object (projects are immutable).
    """
    comp = project.__dict__.get(_CACHE_ATTR)
    if comp is None:
        comp = Compiled(project)
        object.__setattr__(project, _CACHE_ATTR, comp)
    return comp
