"""Critical path method: early and late dates, floats, critical and longest paths.

:func:`schedule` computes a P6-style schedule of a :class:`~projtrack.Project`.
The conventions (start and finish instants, lag calendars, constraints,
progress, float types) are described in ``docs/scheduling.md``; the short
version:

* time is counted in working minutes on each activity's own calendar; an
  activity starts at the beginning of a working minute and finishes at the end
  of its last working minute (a 1-day task on ``standard`` that starts Monday
  08:00 finishes Monday 17:00 and its finish-to-start successor starts Tuesday
  08:00);
* a link's lag is working time on the lag calendar chosen by
  ``ScheduleOptions.lag_calendar`` (elapsed for ``ed``/``eh`` lags);
* conflicting constraints give negative float, never an error.

The project is compiled once into arrays (:mod:`projtrack._compile`); the
passes run in :mod:`projtrack._kernel` (numba-compiled for large projects
when the ``fast`` extra is installed).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np

from projtrack._compile import UNIT_CODES, Compiled, compile_project
from projtrack._kernel import INF, NONE, kernels
from projtrack._model import ScheduleOptions
from projtrack._time import parse_when
from projtrack._worktime import DAY, CalendarTable, HorizonOverflow, to_minutes
from projtrack.exceptions import ValidationError

if TYPE_CHECKING:
    from projtrack._model import Activity, Project
    from projtrack._schedule import Schedule

__all__ = ["schedule"]

_OPTION_NAMES = tuple(a.name for a in attrs.fields(ScheduleOptions))

# Status codes.
NOT_STARTED, IN_PROGRESS, FINISHED = 0, 1, 2


def schedule(
    project: Project, *, data_date: Any = None, plugins: Any = None, **options: Any
) -> Schedule:
    """Compute the CPM schedule of a project.

    Parameters
    ----------
    project
        The project. It is compiled to arrays on first use and the compiled
        form is cached on it, so scheduling it again (other options, another
        data date, :meth:`Schedule.with_durations`) is cheap.
    data_date
        Progress date (P6's data date): remaining work is scheduled from it.
        A day or an aware date-time (a day means its 00:00); default
        ``project.data_date``, else the project start.
    plugins
        Plugin manager (or plugin objects) whose ``schedule_computed``
        observers are told about the result; default: the default manager.
    **options
        :class:`~projtrack.ScheduleOptions` fields that override
        ``project.options`` for this run: ``lag_calendar``, ``progress``,
        ``float_type``, ``critical_float``, ``critical_path``,
        ``open_ends_critical``, ``ss_lag_from``.

    Returns
    -------
    Schedule
        Dates, floats and critical flags as arrays, with ``to_records()``,
        ``to_pandas()``, ``critical_path()``, ``driving_path()``, ``finish``.

    Raises
    ------
    ValidationError
        For an unknown option or an invalid value.
    CalendarError
        When a calendar cannot cover the dates the schedule needs (``cn``
        beyond its holiday data).

    Examples
    --------
    >>> import projtrack as pt
    >>> p = pt.Project(
    ...     id="demo", start=pendulum.Date(2024, 3, 4), calendar="7d",
    ...     activities=[pt.Activity(id="design", duration=3),
    ...                 pt.Activity(id="permit", duration=5),
    ...                 pt.Activity(id="build", duration=4)],
    ...     links=[pt.Link(pred="design", succ="build"),
    ...            pt.Link(pred="permit", succ="build", type="FS", lag=1)])
    >>> s = pt.schedule(p)
    >>> s.finish
    DateTime(2024, 3, 14, 0, 0, 0, tzinfo=Timezone('Asia/Shanghai'))
    >>> s["design"]["total_float"], s["permit"]["critical"]
    (3.0, True)
    >>> s.critical_path()
    ['permit', 'build']
    """
    opts = _options(project.options, options)
    comp = compile_project(project)
    dd = project.data_date if data_date is None else _when(data_date, project.timezone)
    run = _prepared(comp, project, opts, dd)
    from projtrack._schedule import Schedule

    result = Schedule._from_run(project, run, run.durations())
    # Observers (the schedule_computed hook); plugins= picks the plugin manager.
    from projtrack._plugins import notify_schedule_computed

    notify_schedule_computed(project, result, options, plugins=plugins)
    return result


def _when(value: Any, tz: str) -> Any:
    if isinstance(value, _dt.date):
        if isinstance(value, _dt.datetime) and (
            value.tzinfo is None or value.tzinfo.utcoffset(value) is None
        ):
            raise ValidationError(
                f"{value!r} has no time zone; give an aware date-time or a date",
                field="data_date",
            )
        return value
    try:
        return parse_when(value, tz)
    except ValueError as exc:
        raise ValidationError(str(exc), field="data_date") from None


def _options(base: ScheduleOptions, options: Mapping[str, Any]) -> ScheduleOptions:
    unknown = sorted(set(options) - set(_OPTION_NAMES))
    if unknown:
        raise ValidationError(
            f"unknown schedule option {unknown[0]!r}; use one of {', '.join(_OPTION_NAMES)}",
            field=unknown[0],
        )
    if not options:
        return base
    return attrs.evolve(base, **options)


def _prepared(comp: Compiled, project: Project, opts: ScheduleOptions, dd: Any) -> _Run:
    key = (opts, None if dd is None else (type(dd).__name__, str(dd)))
    run = comp.prepared.get(key)
    if run is None:
        run = _Run(comp, project, opts, dd)
        if len(comp.prepared) >= 4:
            comp.prepared.pop(next(iter(comp.prepared)))
        comp.prepared[key] = run
    return run


class _Run:
    """Everything about one (project, options, data date) that does not depend on durations."""

    def __init__(self, comp: Compiled, project: Project, opts: ScheduleOptions, dd: Any) -> None:
        self.comp = comp
        self.project = project
        self.opts = opts
        n, m = comp.n, comp.m
        tz = comp.timezone
        origin = comp.origin

        # ---- calendars: named ones, plus 24h (elapsed units) and the lag calendar
        names = list(comp.cal_names)
        elapsed = comp.dur_unit >= UNIT_CODES["ed"]
        need_24h = bool(elapsed.any()) or opts.lag_calendar == "24h"
        if need_24h and "24h" not in names:
            names.append("24h")
        if (opts.lag_calendar == "project" or opts.float_calendar == "project") and (
                project.calendar not in names):
            names.append(project.calendar)
        cal_objs = [comp.calendar(name, project) for name in names]
        keys: dict[Any, int] = {}
        tidx_of_name = np.asarray([keys.setdefault(c.key, len(keys)) for c in cal_objs],
                                  dtype=np.int64)
        distinct: list[Any] = [None] * len(keys)
        for c, t in zip(cal_objs, tidx_of_name.tolist(), strict=True):
            distinct[t] = c
        self.table: CalendarTable = comp.table(distinct)
        self.cal_names = names
        mpd_name = np.asarray([float(c.minutes_per_day) for c in cal_objs], dtype=np.float64)
        named = tidx_of_name[comp.act_cal]
        self.named_cal = named
        t24 = int(tidx_of_name[names.index("24h")]) if need_24h else -1
        self.cal = np.where(elapsed, t24, named).astype(np.int64) if elapsed.any() else named
        self.mpd_named = mpd_name[comp.act_cal]
        #: Minutes in a "day" of float for each activity (its own calendar's day).
        self.mpd = np.where(elapsed, float(DAY), self.mpd_named)
        self.groups = _groups(self.cal, len(distinct))
        #: Float calendar (table index; -1: each activity's own) and its day.
        self.float_cal = -1
        self.float_mpd = self.mpd
        if opts.float_calendar == "project":
            pos = names.index(project.calendar)
            self.float_cal = int(tidx_of_name[pos])
            self.float_mpd = np.where(elapsed, float(DAY), mpd_name[pos])
        self.elapsed = elapsed

        # ---- links: lag in minutes on the lag calendar, fast-path flags (in
        # successor order for the forward pass, predecessor order for the others)
        if opts.lag_calendar in ("predecessor", "successor"):
            self._lag_by = None
        else:
            which = names.index("24h" if opts.lag_calendar == "24h" else project.calendar)
            self._lag_by = int(tidx_of_name[which])
        self._tidx_of_name = tidx_of_name
        self._mpd_name = mpd_name
        self._mpd_t = np.zeros(len(distinct))
        self._mpd_t[tidx_of_name] = mpd_name
        self.lk_lag, self.lk_lcal, self.lk_fast = self._links(
            comp.lk_pred, comp.lk_succ, comp.lk_lag_value, comp.lk_lag_unit)
        self.o_lag, self.o_lcal, self.o_fast = self._links(
            comp.o_pred, comp.o_succ, comp.o_lag_value, comp.o_lag_unit)

        # ---- sparse inputs: progress and constraints
        self.dd_minutes = None if dd is None else to_minutes(dd, tz, origin)
        dd_min = 0 if self.dd_minutes is None else self.dd_minutes
        self.status = np.zeros(n, dtype=np.int8)
        progress = any(
            a.actual_start is not None for a in comp.sparse_acts
        )
        # Minutes; shared constant arrays (never written) when nothing started.
        self.actual_start = np.full(n, NONE, dtype=np.int64) if progress else _const(n, NONE)
        self.actual_finish = np.full(n, NONE, dtype=np.int64) if progress else _const(n, NONE)
        self.remaining_value: dict[int, tuple[float | None, float | None]] = {}
        #: Activities with splits (pauses lengthen the span, not the work).
        self.split_acts: dict[int, Activity] = {}
        cons: list[tuple[int, str, int]] = []
        #: In-progress activities whose remaining work resumes later: minutes.
        resume: dict[int, int] = {}
        for p, act in zip(comp.sparse.tolist(), comp.sparse_acts, strict=True):
            if act.actual_start is not None:
                self.actual_start[p] = to_minutes(act.actual_start, tz, origin)
                if act.actual_finish is not None:
                    self.status[p] = FINISHED
                    self.actual_finish[p] = to_minutes(
                        act.actual_finish, tz, origin, end_of_day=True
                    )
                else:
                    self.status[p] = IN_PROGRESS
                    if act.resume is not None:
                        resume[p] = to_minutes(act.resume, tz, origin)
            self.remaining_value[p] = (act.remaining_duration, act.percent_complete)
            if act.splits:
                self.split_acts[p] = act
            for con in act.constraints:
                if con.type == "as_late_as_possible":
                    cons.append((p, con.type, 0))
                    continue
                finish = con.type.startswith(("finish", "mandatory_finish"))
                assert con.date is not None  # only as_late_as_possible has none
                cons.append((p, con.type, to_minutes(con.date, tz, origin, end_of_day=finish)))
        self.constraints = cons
        started = self.status > 0
        self.started = started
        # Links into started activities are ignored under progress override.
        pred, succ = comp.lk_pred, comp.lk_succ
        if opts.progress == "progress_override" and started.any():
            self.lk_on = (~started[succ]).astype(np.uint8)
            self.o_on = (~started[comp.o_succ]).astype(np.uint8)
        else:
            self.lk_on = self.o_on = np.ones(m, dtype=np.uint8)
        # Start-side links from started predecessors.
        self.fix_s_minutes = _const(n, NONE)
        self.ss_adjust = None
        if started.any():
            if opts.ss_lag_from == "actual_start":
                self.fix_s_minutes = np.where(started, self.actual_start, NONE)
            else:
                # P6 "early start": lag counted from the remaining early start,
                # less the working time already spent since the actual start.
                self.ss_adjust = np.nonzero(started[pred] & ((comp.lk_type & 1) == 1))[0]
        # Effective "floor" instant of each activity: project start / data date.
        floor = np.full(n, max(0, dd_min), dtype=np.int64)
        if started.any():
            restart = np.where(self.status == FINISHED, self.actual_finish, self.actual_start)
            if resume:
                # The remaining work starts at the later of the data date and
                # the resume instant (never before the actual start).
                rows = np.fromiter(resume.keys(), dtype=np.int64, count=len(resume))
                restart[rows] = np.maximum(
                    restart[rows], np.fromiter(resume.values(), dtype=np.int64, count=len(resume)))
            self.floor_minutes = np.where(started, np.maximum(floor, restart), floor)
        else:
            self.floor_minutes = floor
        self.mfb_minutes = (
            None
            if project.must_finish_by is None
            else to_minutes(project.must_finish_by, tz, origin, end_of_day=True)
        )
        # Make sure the horizon covers every fixed date.
        fixed = [0, int(self.floor_minutes.max()) if n else 0]
        fixed += [t for _, _, t in cons]
        if started.any():
            fixed += self.actual_start[started].tolist()
        if self.mfb_minutes is not None:
            fixed.append(self.mfb_minutes)
        lo, hi = min(fixed), max(fixed)
        for ci in range(len(distinct)):
            self.table.cover(ci, lo, hi)
        self.kern = kernels(n)

    def _links(
        self, pred: np.ndarray, succ: np.ndarray, value: np.ndarray, unit: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Lags in minutes, lag calendars (-1: elapsed) and fast-path flags of links."""
        m = len(pred)
        cal = self.cal
        if self._lag_by is None:
            ends = pred if self.opts.lag_calendar == "predecessor" else succ
            lcal = self.named_cal[ends]
        else:
            lcal = np.full(m, self._lag_by, dtype=np.int64)
        lag = np.zeros(m, dtype=np.int64)
        nz = np.nonzero(value)[0]
        if nz.size:
            u = unit[nz]
            factor = _unit_factor(u, self._mpd_t[lcal[nz]])
            lag[nz] = np.rint(value[nz] * factor)
            el = u >= UNIT_CODES["ed"]
            if el.any():
                lcal[nz[el]] = -1
        cp = cal[pred]
        fast = (cp == cal[succ]) & ((lag == 0) | (lcal == cp))
        return lag, lcal, fast.view(np.uint8)

    @property
    def has_succ(self) -> np.ndarray:
        """Whether each activity has an active link to a successor."""
        comp = self.comp
        if comp.m == 0:
            return np.zeros(comp.n, dtype=bool)
        return np.bincount(comp.lk_pred[self.lk_on.astype(bool)], minlength=comp.n) > 0

    # ------------------------------------------------------------------ durations
    def durations(self, overrides: Mapping[int, float] | None = None) -> np.ndarray:
        """Remaining durations in minutes (topological order), with planned-duration overrides."""
        comp = self.comp
        value = comp.dur_value
        if overrides:
            value = value.copy()
            for p, v in overrides.items():
                value[p] = v
        factor = _unit_factor(comp.dur_unit, self.mpd_named)
        planned = value * factor
        if self.remaining_value:
            planned = planned.copy()
            for p, (rem, pct) in self.remaining_value.items():
                if self.status[p] == FINISHED:
                    planned[p] = 0.0
                elif rem is not None:
                    planned[p] = rem * factor[p]
                elif pct is not None and self.status[p] == IN_PROGRESS:
                    planned[p] = planned[p] * (1.0 - pct / 100.0)
        for p, act in self.split_acts.items():
            if self.status[p] == FINISHED:
                continue
            # The pauses still ahead of the work done (within a duration overridden
            # by with_durations too).
            done, total = act.work_done(), float(value[p])
            ahead = sum(s.pause for s in act.splits if done <= s.after < total)
            planned[p] = planned[p] + ahead * factor[p]
        out: np.ndarray = np.rint(planned).astype(np.int64)
        return out

    # ------------------------------------------------------------------ passes
    def compute(
        self, dur: np.ndarray, prev: dict[str, Any] | None = None,
        prev_dur: np.ndarray | None = None,
    ) -> dict[str, Any]:
        """Run the passes, growing calendar horizons until no look-up leaves them.

        With ``prev`` (the result for durations ``prev_dur``), only what the
        changed durations can affect is recomputed.
        """
        for _ in range(64):
            try:
                return self._compute(dur, prev, prev_dur)
            except HorizonOverflow as exc:
                self._bounds_cache = None
                prev = None
                self.table.grow(exc.need)
        raise AssertionError("calendar horizon did not converge")  # pragma: no cover

    def project_floats(self, res: dict[str, Any], tf: np.ndarray, ff: np.ndarray,
                       done: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Total and free float re-measured on the float calendar (see :meth:`_project_floats`).

        Late dates far before the start (a ``must_finish_by`` long past) lie
        outside the horizon the passes needed: grow it as they do.
        """
        for _ in range(64):
            try:
                return self._project_floats(res, tf, ff, done)
            except HorizonOverflow as exc:
                self.table.grow(exc.need)
        raise AssertionError("calendar horizon did not converge")  # pragma: no cover

    def _project_floats(self, res: dict[str, Any], tf: np.ndarray, ff: np.ndarray,
                        done: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Total and free float (activity-calendar minutes) re-measured on the float calendar.

        The instants the floats span (early to late finish and/or start, early
        finish to the end of the free float) are counted in working minutes
        of the project calendar; elapsed-duration and finished activities keep
        their values.
        """
        idx = np.nonzero(~self.elapsed & ~done)[0]
        if not idx.size:
            return tf, ff
        c = self.float_cal
        table = self.table
        es, ef, ls, lf = res["es"][idx], res["ef"][idx], res["ls"][idx], res["lf"][idx]
        e_fin = self._per_cal("inst_end", ef, idx)
        pairs = []
        if self.opts.float_type in ("finish", "smallest"):
            pairs.append((e_fin, self._per_cal("inst_end", lf, idx)))
        if self.opts.float_type in ("start", "smallest"):
            pairs.append((self._per_cal("inst_start", es, idx),
                          self._per_cal("inst_start", ls, idx)))
        f_end = self._per_cal("inst_end", np.minimum(ef + ff[idx], np.maximum(lf, ef)), idx)
        inst = np.concatenate([*(x for pair in pairs for x in pair), f_end])
        table.cover(c, int(inst.min()), int(inst.max()))
        tf, ff = tf.copy(), ff.copy()
        tf[idx] = np.min([table.w_of(c, b) - table.w_of(c, a) for a, b in pairs], axis=0)
        ff[idx] = np.maximum(np.minimum(table.w_of(c, f_end) - table.w_of(c, e_fin), tf[idx]),
                             0)
        return tf, ff

    def _per_cal(self, fn: str, values: np.ndarray, idx: np.ndarray | None = None) -> np.ndarray:
        """Apply a table look-up per calendar group (``idx`` restricts to some activities)."""
        table = self.table
        if idx is None:
            if len(self.groups) == 1:
                single: np.ndarray = getattr(table, fn)(next(iter(self.groups)), values)
                return single
            out = np.empty(values.shape, dtype=np.int64)
            for c, ix in self.groups.items():
                out[ix] = getattr(table, fn)(c, values[ix])
            return out
        out = np.empty(values.shape, dtype=np.int64)
        cal = self.cal[idx]
        for c in np.unique(cal).tolist():
            mask = cal == c
            out[mask] = getattr(table, fn)(c, values[mask])
        return out

    def _per_cal_scalar(self, fn: str, value: int) -> np.ndarray:
        """``fn(c, value)`` for every calendar of the table (an array indexed by calendar)."""
        k = len(self.table.calendars)
        return np.array([int(getattr(self.table, fn)(c, np.array([value]))[0]) for c in range(k)],
                        dtype=np.int64)

    def _check(self, ovf: np.ndarray) -> None:
        if ovf.any():
            k = len(ovf) // 2
            raise HorizonOverflow(
                {c: (int(ovf[2 * c]), int(ovf[2 * c + 1])) for c in range(k)
                 if ovf[2 * c] or ovf[2 * c + 1]}
            )

    _bounds_cache: dict[str, Any] | None = None

    def _bounds(self) -> dict[str, Any]:
        """Bounds from the project start, data date and constraints (cached)."""
        if self._bounds_cache is not None:
            return self._bounds_cache
        comp, table = self.comp, self.table
        n = comp.n
        cal = self.cal
        if self.started.any():
            es_lo = self._per_cal("w_of", self.floor_minutes)
        else:  # one floor instant for every activity: one look-up per calendar
            es_lo = self._per_cal_scalar("w_of", int(self.floor_minutes[0]) if n else 0)[cal]
        floor_w = es_lo
        kinds = {kind for _, kind, _ in self.constraints}
        if kinds & {"start_no_earlier_than", "start_on"}:
            es_lo = es_lo.copy()
        # Arrays no constraint writes to are shared constants (never written).
        ef_lo = np.full(n, NONE, dtype=np.int64) if kinds & {
            "finish_no_earlier_than", "finish_on"} else _const(n, NONE)
        ls_hi = np.full(n, INF, dtype=np.int64) if kinds & {
            "start_no_later_than", "start_on"} else _const(n, INF)
        lf_cap: np.ndarray | None = None
        mand_s = np.full(n, NONE, dtype=np.int64) if "mandatory_start" in kinds else _const(
            n, NONE)
        mand_f = np.full(n, NONE, dtype=np.int64) if "mandatory_finish" in kinds else _const(
            n, NONE)
        alap = np.zeros(n, dtype=np.uint8) if "as_late_as_possible" in kinds else _const(
            n, 0, np.uint8)
        started = self.started
        for p, kind, t in self.constraints:
            if self.status[p] == FINISHED:
                continue
            if kind == "as_late_as_possible":
                alap[p] = 1
                continue
            if started[p] and kind in (
                "start_no_earlier_than", "start_no_later_than", "start_on", "mandatory_start"
            ):
                continue
            v = int(table.w_of(int(cal[p]), np.array([t]))[0])
            if kind in ("start_no_earlier_than", "start_on"):
                es_lo[p] = max(es_lo[p], v)
            if kind in ("start_no_later_than", "start_on"):
                ls_hi[p] = min(ls_hi[p], v)
            if kind in ("finish_no_earlier_than", "finish_on"):
                ef_lo[p] = max(ef_lo[p], v)
            if kind in ("finish_no_later_than", "finish_on"):
                if lf_cap is None:
                    lf_cap = np.full(n, INF, dtype=np.int64)
                lf_cap[p] = min(lf_cap[p], v)
            if kind == "mandatory_start":
                mand_s[p] = v
            if kind == "mandatory_finish":
                mand_f[p] = v
        fix_s = _const(n, NONE)
        st = np.nonzero(self.fix_s_minutes != NONE)[0]
        if st.size:
            fix_s = fix_s.copy()
            fix_s[st] = self._per_cal("w_of", self.fix_s_minutes[st], st)
        lag = self.lk_lag
        lk_fast = self.lk_fast
        if self.ss_adjust is not None and self.ss_adjust.size:
            # Remaining lag = max(0, lag - working time since the actual start).
            lag = lag.copy()
            for k in self.ss_adjust.tolist():
                i = int(comp.lk_pred[k])
                lc = int(self.lk_lcal[k])
                a, b = int(self.actual_start[i]), int(self.floor_minutes[i])
                if lc < 0:
                    spent = max(0, b - a)
                else:
                    w = table.w_of(lc, np.array([a, b]))
                    spent = max(0, int(w[1] - w[0]))
                lag[k] = max(0, int(lag[k]) - spent)
            pred, succ = comp.lk_pred, comp.lk_succ
            lk_fast = ((cal[pred] == cal[succ])
                       & ((lag == 0) | (self.lk_lcal == cal[pred]))).astype(np.uint8)
        if lag is self.lk_lag:
            o_lag, o_fast = self.o_lag, self.o_fast
        else:
            o_lag, o_fast = lag[comp.out_lk], lk_fast[comp.out_lk]
        slow = np.nonzero((lk_fast == 0) & (self.lk_on != 0))[0]
        need_f = np.zeros(n, dtype=np.uint8)
        need_b = np.zeros(n, dtype=np.uint8)
        if slow.size:
            # Forward: the predecessor's start (SS, SF) or finish (FS, FF);
            # backward: the successor's start (FS, SS) or finish (FF, SF).
            typ = comp.lk_type[slow]
            pred, succ = comp.lk_pred[slow], comp.lk_succ[slow]
            bit = np.zeros(n, dtype=np.uint8)
            need_f[pred[(typ & 1) == 1]] = 1
            bit[pred[(typ & 1) == 0]] = 2
            need_f |= bit
            bit[:] = 0
            need_b[succ[typ < 2]] = 1
            bit[succ[typ >= 2]] = 2
            need_b |= bit
        self._bounds_cache = {
            "es_lo": es_lo, "floor_w": floor_w, "ef_lo": ef_lo, "ls_hi": ls_hi,
            "lf_cap": lf_cap, "mand_s": mand_s, "mand_f": mand_f, "alap": alap,
            "fix_s": fix_s, "lag": lag, "lk_fast": lk_fast, "need_f": need_f,
            "need_b": need_b, "o_lag": o_lag, "o_lcal": self.o_lcal,
            "o_fast": o_fast, "o_on": self.o_on,
        }
        return self._bounds_cache

    def _compute(
        self, dur: np.ndarray, prev: dict[str, Any] | None, prev_dur: np.ndarray | None
    ) -> dict[str, Any]:
        comp, kern = self.comp, self.kern
        n, m = comp.n, comp.m
        b = self._bounds()
        cal = self.cal
        lag, lk_fast, fix_s, alap = b["lag"], b["lk_fast"], b["fix_s"], b["alap"]
        mand_s, mand_f = b["mand_s"], b["mand_f"]
        T = self.table.packed
        ovf = np.zeros(2 * len(self.table.calendars), dtype=np.int64)
        incremental = prev is not None and prev_dur is not None and not alap.any()
        if incremental:
            assert prev is not None and prev_dur is not None
            dirty = (dur != prev_dur).astype(np.uint8)
            es, ef, bound = prev["es"].copy(), prev["ef"].copy(), prev["bound"].copy()
            st, ft = prev["st"].copy(), prev["ft"].copy()
        else:
            dirty = np.zeros(0, dtype=np.uint8)
            es, ef = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
            bound = np.empty(m, dtype=np.int64)
            st, ft = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
        chg = np.zeros(n if incremental else 0, dtype=np.uint8)
        kern("forward", n, comp.in_ptr, comp.lk_pred, comp.lk_type, lag, self.lk_lcal, lk_fast,
             self.lk_on, cal, dur, b["es_lo"], b["ef_lo"], mand_s, mand_f, fix_s, b["need_f"],
             T, ovf, es, ef, bound, st, ft, 0 if incremental else 1, dirty, chg)
        self._check(ovf)

        # Project finish: the latest early finish instant (inst_end is monotone,
        # so one look-up per calendar and convention is enough).
        zero = dur == 0
        finish = self._latest(ef, self._start_like(es, zero, b["floor_w"])) if n else 0
        anchor = finish if self.mfb_minutes is None else self.mfb_minutes
        fin_w = self._per_cal_scalar("w_of", finish)
        fin_early = fin_w[cal]
        lf_hi = self._per_cal_scalar("w_of", anchor)[cal] if anchor != finish else fin_early
        if b["lf_cap"] is not None:
            lf_hi = np.minimum(lf_hi, b["lf_cap"])
        out_args = (comp.out_ptr, comp.o_succ, comp.o_type, b["o_lag"], b["o_lcal"],
                    b["o_fast"], b["o_on"], cal, dur)
        # Late dates and free float depend on the project finish: when it moved,
        # everything is recomputed.
        same_end = incremental and prev is not None and prev["finish"] == finish
        if same_end:
            assert prev is not None
            ls, lf = prev["ls"].copy(), prev["lf"].copy()
            bu, bv = prev["bu"].copy(), prev["bv"].copy()
            ff = prev["ff"].copy()
            fu, fv = prev["fu"].copy(), prev["fv"].copy()
            chg_b = np.zeros(n, dtype=np.uint8)
            dirty_f = chg | dirty
        else:
            ls, lf = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
            bu, bv = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
            ff = np.empty(n, dtype=np.int64)
            fu, fv = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
            chg_b = dirty_f = np.zeros(0, dtype=np.uint8)
        full = 0 if same_end else 1
        kern("backward", n, *out_args, b["ls_hi"], lf_hi, mand_s, mand_f, fix_s, b["need_b"],
             T, ovf, ls, lf, bu, bv, full, dirty, chg_b)
        self._check(ovf)
        kern("free_float", n, *out_args, fin_early, fix_s, alap, ls, b["need_b"],
             T, ovf, es, ef, ff, fu, fv, full, dirty_f)
        self._check(ovf)

        # Longest path: driving links back from the activities that finish the project.
        lp = np.zeros(n, dtype=np.uint8)
        end = np.zeros(n, dtype=np.bool_)
        if n:
            cand = np.nonzero(ef == fin_early)[0]
            if cand.size:
                start_like = self._start_like(es[cand], zero[cand], b["floor_w"][cand], cand)
                at = np.where(start_like, self._per_cal("inst_start", ef[cand], cand),
                              self._per_cal("inst_end", ef[cand], cand))
                end[cand[at == finish]] = True
                lp[end] = 1
        kern("longest_path", n, comp.in_ptr, comp.lk_pred, self.lk_on, bound, es, lp)
        return {
            "es": es, "ef": ef, "ls": ls, "lf": lf, "ff": ff, "bound": bound,
            "finish": finish, "lp": lp.view(np.bool_), "zero": zero,
            "floor_w": b["floor_w"], "end": end,
            "st": st, "ft": ft, "bu": bu, "bv": bv, "fu": fu, "fv": fv,
        }

    def _start_like(
        self, s: np.ndarray, zero: np.ndarray, floor_w: np.ndarray,
        idx: np.ndarray | None = None,
    ) -> np.ndarray:
        """Zero-duration activities shown at the start of a working minute.

        A finish milestone (or a zero-duration task) sits at the end of the
        working time it follows, except at the project start or the data date
        (its floor), where it sits at the first working minute, like a start
        milestone.
        """
        sm = self.comp.start_milestone if idx is None else self.comp.start_milestone[idx]
        return zero & (sm | (s <= floor_w))

    def _latest(self, f: np.ndarray, start_like: np.ndarray) -> int:
        best = None
        groups = self.groups.items() if len(self.groups) > 1 else [
            (next(iter(self.groups)), None)]
        for c, ix in groups:
            fc = f if ix is None else f[ix]
            sl = start_like if ix is None else start_like[ix]
            if sl.any():
                for fn, mask in (("inst_start", sl), ("inst_end", ~sl)):
                    if mask.any():
                        v = int(getattr(self.table, fn)(c, np.array([fc[mask].max()]))[0])
                        best = v if best is None else max(best, v)
            else:
                v = int(self.table.inst_end(c, np.array([fc.max()]))[0])
                best = v if best is None else max(best, v)
        assert best is not None
        return best

    def instants(self, res: dict[str, Any], which: str) -> np.ndarray:
        """Instants (minutes) of ``early``/``late`` starts and finishes, topological order."""
        for _ in range(64):
            try:
                return self._instants(res, which)
            except HorizonOverflow as exc:
                self.table.grow(exc.need)
        raise AssertionError("calendar horizon did not converge")  # pragma: no cover

    def _instants(self, res: dict[str, Any], which: str) -> np.ndarray:
        s = res["es"] if which.startswith("early") else res["ls"]
        zero = res["zero"]
        if which.endswith("start") or not (~zero).any():
            t = self._per_cal("inst_start", s)
        else:
            f = res["ef"] if which.startswith("early") else res["lf"]
            t = self._per_cal("inst_end", f)
        z = np.nonzero(zero)[0]
        if z.size:
            fin_like = ~self._start_like(s[z], zero[z], res["floor_w"][z], z)
            at = self._per_cal("inst_start", s[z], z)
            if fin_like.any():
                idx = z[fin_like]
                at[fin_like] = self._per_cal("inst_end", s[idx], idx)
            t[z] = at
        return t


_CONSTS: dict[tuple[int, int, str], np.ndarray] = {}


def _const(n: int, value: int, dtype: Any = np.int64) -> np.ndarray:
    """A shared array of ``n`` times ``value``: callers must never write to it."""
    key = (n, value, np.dtype(dtype).str)
    arr = _CONSTS.get(key)
    if arr is None:
        if len(_CONSTS) >= 8:
            _CONSTS.pop(next(iter(_CONSTS)))
        arr = np.full(n, value, dtype=dtype)
        _CONSTS[key] = arr
    return arr


def _unit_factor(unit: np.ndarray, day_minutes: np.ndarray) -> np.ndarray:
    """Minutes per unit (``d`` uses ``day_minutes``; ``h``/``eh`` 60; ``ed`` 1440)."""
    if not unit.any():
        return day_minutes
    return np.where(unit == 0, day_minutes, np.where(unit == 2, float(DAY), 60.0))


def _groups(cal: np.ndarray, k: int) -> dict[int, np.ndarray]:
    """Activity positions per calendar index."""
    if cal.size == 0:
        return {0: cal}
    present = np.unique(cal)
    if present.size == 1:
        return {int(present[0]): np.arange(cal.size)}
    return {int(c): np.nonzero(cal == c)[0] for c in present.tolist()}
