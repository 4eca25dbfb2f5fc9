"""The result of :func:`projtrack.schedule`: arrays inside, records and DataFrames on demand."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator, Mapping
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import numpy as np
import pendulum

from projtrack._kernel import NONE
from projtrack._time import unit_minutes
from projtrack._worktime import from_minutes
from projtrack.exceptions import UnknownReferenceError, ValidationError

if TYPE_CHECKING:
    import pandas as pd

    from projtrack._model import ActivityId, Project, ScheduleOptions
    from projtrack.algorithms.cpm import _Run

__all__ = ["Schedule"]

_STATUS = ("not_started", "in_progress", "finished")
_kind = attrgetter("kind")
_name = attrgetter("name")
#: Column order of :meth:`Schedule.to_pandas` (and key order of records).
COLUMNS = (
    "id",
    "name",
    "kind",
    "calendar",
    "status",
    "early_start",
    "early_finish",
    "late_start",
    "late_finish",
    "actual_start",
    "actual_finish",
    "total_float",
    "free_float",
    "critical",
    "on_longest_path",
)


class Schedule:
    """A computed CPM schedule (returned by :func:`projtrack.schedule`).

    Results are numpy arrays in the order of ``project.activities``; records
    and DataFrames are built on demand. Instants are stored as integer
    wall-clock minutes since ``origin`` 00:00 in the project's time zone
    (``*_minutes`` arrays) and returned as aware :class:`pendulum.DateTime`.

    Attributes
    ----------
    project
        The scheduled project.
    options
        The :class:`~projtrack.ScheduleOptions` used.
    ids
        Activity ids, in project order.
    early_start_minutes, early_finish_minutes, late_start_minutes, late_finish_minutes
        ``int64`` arrays of instants (minutes since the origin). For started
        activities the early and late dates are those of the *remaining*
        work (P6's convention); the actual dates are in ``actual_*``.
    total_float, free_float
        ``float64`` arrays, working days on each activity's calendar
        (elapsed days for elapsed durations); ``nan`` for finished activities.
    critical, on_longest_path
        ``bool`` arrays.

    Examples
    --------
    >>> import projtrack as pt
    >>> p = pt.Project(id="p", start=pendulum.Date(2024, 3, 4),       # a Monday
    ...                activities=[pt.Activity(id="a", duration=1),
    ...                            pt.Activity(id="b", duration=2)],
    ...                links=[pt.Link(pred="a", succ="b")])
    >>> s = pt.schedule(p)
    >>> s["a"]["early_start"]
    DateTime(2024, 3, 4, 8, 0, 0, tzinfo=Timezone('Asia/Shanghai'))
    >>> s["a"]["early_finish"]
    DateTime(2024, 3, 4, 17, 0, 0, tzinfo=Timezone('Asia/Shanghai'))
    >>> s["b"]["early_start"].isoformat()
    '2024-03-05T08:00:00+08:00'
    >>> s.finish.isoformat(), s.critical.tolist()
    ('2024-03-06T17:00:00+08:00', [True, True])
    >>> s2 = s.with_durations({"a": 3})
    >>> s2.finish.isoformat(), s.finish.isoformat()
    ('2024-03-08T17:00:00+08:00', '2024-03-06T17:00:00+08:00')
    """

    project: Project
    options: ScheduleOptions
    origin: _dt.date
    timezone: str
    _run: _Run
    _res: dict[str, Any]
    _dur: np.ndarray
    _overrides: dict[int, float]
    _cache: dict[str, np.ndarray]
    _topo: dict[str, np.ndarray]
    _done: np.ndarray
    _finish_minutes: int

    def __init__(self) -> None:  # pragma: no cover - use projtrack.schedule()
        raise TypeError("use projtrack.schedule(project) to make a Schedule")

    @classmethod
    def _from_run(
        cls,
        project: Project,
        run: _Run,
        dur: np.ndarray,
        overrides: Mapping[int, float] | None = None,
        previous: tuple[dict[str, Any], np.ndarray] | None = None,
    ) -> Schedule:
        self = object.__new__(cls)
        self.project = project
        self.options = run.opts
        self._run = run
        self._dur = dur
        self._overrides = dict(overrides or {})
        comp = run.comp
        res = run.compute(dur, *(previous or (None, None)))
        self._res = res
        self.origin = comp.origin
        self.timezone = comp.timezone
        self._cache = {}
        opts = run.opts

        # Floats and critical flags, in topological order (permuted on access).
        es, ef, ls, lf = res["es"], res["ef"], res["ls"], res["lf"]
        if opts.float_type == "finish":
            tf = lf - ef
        elif opts.float_type == "start":
            tf = ls - es
        else:
            tf = np.minimum(ls - es, lf - ef)
        ff = np.minimum(res["ff"], tf)
        np.maximum(ff, 0, out=ff)
        done = run.status == 2
        if opts.float_calendar == "project":
            tf, ff = run.project_floats(res, tf, ff, done)
        if opts.critical_path == "longest_path":
            crit = res["lp"].copy()
        elif opts.critical_float == 0:
            crit = tf <= 0
        else:
            crit = tf <= np.rint(opts.critical_float * run.float_mpd)
        if opts.open_ends_critical:
            crit |= ~run.has_succ
        self._topo = {"tf": tf, "ff": ff, "critical": crit, "lp": res["lp"]}
        if done.any():
            crit &= ~done
            self._topo["lp"] = res["lp"] & ~done
        self._done = done
        self._finish_minutes = int(res["finish"])
        return self

    def _project_order(self, name: str) -> np.ndarray:
        arr = self._cache.get(name)
        if arr is None:
            run = self._run
            rank = run.comp.rank
            if name in ("total_float", "free_float"):
                mins = self._topo["tf" if name == "total_float" else "ff"]
                with np.errstate(invalid="ignore"):
                    arr = np.where(self._done, np.nan, mins / run.float_mpd)[rank]
            elif name in ("total_float_minutes", "free_float_minutes"):
                arr = self._topo["tf" if name == "total_float_minutes" else "ff"][rank]
            elif name == "critical":
                arr = self._topo["critical"][rank]
            elif name == "on_longest_path":
                arr = self._topo["lp"][rank]
            elif name == "actual_start_minutes":
                arr = run.actual_start[rank]
            elif name == "actual_finish_minutes":
                arr = run.actual_finish[rank]
            elif name == "status_codes":
                arr = run.status[rank]
            else:  # early_start_minutes, ...
                arr = run.instants(self._res, name[: -len("_minutes")])[rank]
            arr.flags.writeable = False
            self._cache[name] = arr
        out: np.ndarray = arr
        return out

    @property
    def early_start_minutes(self) -> np.ndarray:
        """Early starts, minutes since the origin (remaining early start when started)."""
        return self._project_order("early_start_minutes")

    @property
    def early_finish_minutes(self) -> np.ndarray:
        """Early finishes, minutes since the origin."""
        return self._project_order("early_finish_minutes")

    @property
    def late_start_minutes(self) -> np.ndarray:
        """Late starts, minutes since the origin."""
        return self._project_order("late_start_minutes")

    @property
    def late_finish_minutes(self) -> np.ndarray:
        """Late finishes, minutes since the origin."""
        return self._project_order("late_finish_minutes")

    @property
    def actual_start_minutes(self) -> np.ndarray:
        """Actual starts, minutes since the origin (``projtrack._kernel.NONE`` when none)."""
        return self._project_order("actual_start_minutes")

    @property
    def actual_finish_minutes(self) -> np.ndarray:
        """Actual finishes, minutes since the origin (``projtrack._kernel.NONE`` when none)."""
        return self._project_order("actual_finish_minutes")

    @property
    def total_float(self) -> np.ndarray:
        """Total float in working days of each activity's calendar (``nan``: finished)."""
        return self._project_order("total_float")

    @property
    def free_float(self) -> np.ndarray:
        """Free float in working days of each activity's calendar (``nan``: finished)."""
        return self._project_order("free_float")

    @property
    def total_float_minutes(self) -> np.ndarray:
        """Total float in working minutes (``int64``)."""
        return self._project_order("total_float_minutes")

    @property
    def free_float_minutes(self) -> np.ndarray:
        """Free float in working minutes (``int64``)."""
        return self._project_order("free_float_minutes")

    @property
    def critical(self) -> np.ndarray:
        """Critical flags (float threshold or longest path, per the options)."""
        return self._project_order("critical")

    @property
    def on_longest_path(self) -> np.ndarray:
        """Whether each activity is on a longest path (driving links to the finish)."""
        return self._project_order("on_longest_path")

    @property
    def status_codes(self) -> np.ndarray:
        """0 not started, 1 in progress, 2 finished."""
        return self._project_order("status_codes")

    @property
    def ids(self) -> list[ActivityId]:
        """Activity ids, in project order."""
        ids: list[ActivityId] = self._run.comp.ids
        return ids

    # ------------------------------------------------------------------ basics
    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        return (
            f"<Schedule of {self.project.id!r}: {len(self)} activities, "
            f"finish {self.finish.isoformat()}, {int(self.critical.sum())} critical>"
        )

    @property
    def finish(self) -> pendulum.DateTime:
        """The project's early finish (the latest early finish of its activities)."""
        return self._instant(self._finish_minutes)

    @property
    def data_date(self) -> pendulum.DateTime | None:
        """The data date used, as an instant (``None``: the project start)."""
        m = self._run.dd_minutes
        return None if m is None else self._instant(m)

    def _instant(self, minutes: int) -> pendulum.DateTime:
        return from_minutes(minutes, self.timezone, self.origin)

    def _position(self, activity_id: ActivityId) -> int:
        try:
            return int(self.project._index[activity_id])  # type: ignore[attr-defined]
        except KeyError:
            raise UnknownReferenceError(
                f"no activity {activity_id!r} in project {self.project.id!r}",
                ids=(activity_id,),
            ) from None

    # ------------------------------------------------------------------ driving logic
    def _driving_links(self, pos: int) -> list[int]:
        """Links (compiled order) that drive the activity at project position ``pos``."""
        run = self._run
        comp = run.comp
        j = int(comp.rank[pos])
        e = self._res["es"][j]
        bound = self._res["bound"]
        on = run.lk_on
        return [
            k
            for k in range(int(comp.in_ptr[j]), int(comp.in_ptr[j + 1]))
            if on[k] and bound[k] == e
        ]

    def work_pieces(self, activity_id: ActivityId
                    ) -> list[tuple[pendulum.DateTime, pendulum.DateTime]]:
        """The remaining work of an activity as ``(start, finish)`` pieces.

        An activity without pauses ahead is one piece, from its early start to
        its early finish. A split activity (see :class:`~projtrack.Split`) has
        one piece per stretch of work, with its pauses still ahead between them:
        work resumes at the next working instant after each pause, as the
        engine lays it out. A finished activity has none; a milestone has one
        piece of no length.

        Examples
        --------
        >>> import projtrack as pt
        >>> p = pt.Project(id="p", start=pendulum.Date(2024, 3, 4), calendar="7d",
        ...                activities=[pt.Activity(id="a", duration=5,
        ...                                        splits=[pt.Split(2, 3)])])
        >>> [(a.day, b.day) for a, b in pt.schedule(p).work_pieces("a")]
        [(4, 6), (9, 12)]
        """
        from projtrack.calendars import get_calendar

        record = self[activity_id]
        if record["status"] == "finished":
            return []
        start, finish = record["early_start"], record["early_finish"]
        act = self.project.activity(activity_id)
        total = float(act.duration)
        done = act.work_done()
        ahead = [s for s in act.splits if done <= s.after < total]
        if not ahead:
            return [(start, finish)]
        elapsed = act.duration_unit in ("ed", "eh")
        cal = None if elapsed else get_calendar(act.calendar, self.project)
        per_unit = unit_minutes(act.duration_unit, cal.minutes_per_day if cal else 0)

        def advance(at: pendulum.DateTime, amount: float, convention: str
                    ) -> pendulum.DateTime:
            length = pendulum.duration(seconds=round(amount * per_unit * 60))
            if cal is None:
                return at + length
            return cal.add_working(at, length, convention=convention)  # type: ignore[arg-type]

        pieces: list[tuple[pendulum.DateTime, pendulum.DateTime]] = []
        at, cursor = start, done
        for split in ahead:
            end = advance(at, split.after - cursor, "finish")
            if end > at:  # a pause right where the work stands comes first
                pieces.append((at, end))
            at = advance(end, split.pause, "start")
            cursor = split.after
        pieces.append((at, max(at, finish)))
        return pieces

    def driving_predecessors(self, activity_id: ActivityId) -> list[ActivityId]:
        """Ids of the predecessors whose links set this activity's early start.

        Examples
        --------
        >>> import projtrack as pt
        >>> p = pt.Project(id="p", start=pendulum.Date(2024, 1, 1), calendar="7d",
        ...     activities=[pt.Activity(id=x, duration=d)
        ...                 for x, d in [("a", 2), ("b", 3), ("c", 1)]],
        ...     links=[pt.Link(pred="a", succ="c"), pt.Link(pred="b", succ="c")])
        >>> pt.schedule(p).driving_predecessors("c")
        ['b']
        """
        comp = self._run.comp
        pos = self._position(activity_id)
        out = [self.ids[int(comp.order[int(comp.lk_pred[k])])] for k in self._driving_links(pos)]
        return list(dict.fromkeys(out))

    def driving_path(self, to: ActivityId) -> list[ActivityId]:
        """One chain of driving links ending at ``to``, first activity first.

        At each step the first driving link (in file order) is followed; the
        chain stops at an activity whose early start no link sets (the project
        start, the data date or a constraint).

        Examples
        --------
        >>> import projtrack as pt
        >>> p = pt.Project(id="p", start=pendulum.Date(2024, 1, 1), calendar="7d",
        ...     activities=[pt.Activity(id=x, duration=d)
        ...                 for x, d in [("a", 2), ("b", 3), ("c", 1)]],
        ...     links=[pt.Link(pred="a", succ="c"), pt.Link(pred="b", succ="c")])
        >>> pt.schedule(p).driving_path(to="c")
        ['b', 'c']
        """
        return self._walk(self._position(to))

    def _walk(self, pos: int, *, remaining: bool = False) -> list[ActivityId]:
        """Driving chain back from ``pos``; ``remaining``: leave out finished activities.

        With ``remaining`` the walk still passes through finished activities (under
        retained logic a finished activity hands its unfinished predecessor's dates
        on), preferring links from unfinished predecessors, and keeps only the
        unfinished activities it meets.
        """
        comp = self._run.comp
        status = self._run.status  # topological order, like comp.lk_pred

        def order(k: int) -> tuple[bool, int]:
            finished = remaining and bool(status[int(comp.lk_pred[k])] == 2)
            return finished, int(comp.lk_orig[k])

        path = [pos]
        seen = {pos}
        while True:
            links = self._driving_links(pos)
            if not links:
                break
            k = min(links, key=order)
            pos = int(comp.order[int(comp.lk_pred[k])])
            if pos in seen:  # pragma: no cover - impossible in a DAG
                break
            seen.add(pos)
            path.append(pos)
        if remaining:
            codes = self.status_codes
            path = [p for p in path if codes[p] != 2]
        return [self.ids[p] for p in reversed(path)]

    def critical_path(self) -> list[ActivityId]:
        """The remaining longest path: the driving chain of the work still to do.

        Ids in order along the path, from the data date (or whatever else sets
        the first activity's early start) to the project finish. Finished
        activities have no float and are never critical (as in P6 and MS
        Project), so they are left out; the chain still follows logic through
        them, so under retained logic an unfinished activity whose dates a
        finished out-of-sequence activity passes on is included. The list is
        empty when every activity is finished. :meth:`driving_path` gives the
        chain with the finished activities.

        The chain ends at the unfinished activity that finishes the project
        (the last one in topological order when several do, so a closing
        milestone is included); when several links drive an activity, the
        first in file order from an unfinished predecessor is followed, else
        the first in file order. All unfinished activities on any longest path
        are flagged in :attr:`on_longest_path`.

        Examples
        --------
        >>> import projtrack as pt
        >>> p = pt.Project(id="p", start=pendulum.Date(2024, 1, 1), calendar="7d",
        ...     activities=[pt.Activity(id=x, duration=d)
        ...                 for x, d in [("a", 2), ("b", 3), ("c", 1)]],
        ...     links=[pt.Link(pred="a", succ="c"), pt.Link(pred="b", succ="c")])
        >>> pt.schedule(p).critical_path()
        ['b', 'c']

        Once ``a`` and ``b`` are finished, only ``c`` is left on it (the driving
        chain still starts at the finished ``a``):

        >>> done = {"actual_start": pendulum.Date(2024, 1, 1),
        ...         "actual_finish": pendulum.Date(2024, 1, 3)}
        >>> q = p.with_activity(pt.Activity(id="a", duration=2, **done))
        >>> q = q.with_activity(pt.Activity(id="b", duration=3, **done))
        >>> s = pt.schedule(q, data_date=pendulum.Date(2024, 1, 4))
        >>> s.critical_path(), s.driving_path(to="c")
        (['c'], ['a', 'c'])
        """
        run = self._run
        ends = np.nonzero(self._res["end"] & (run.status != 2))[0]
        if ends.size == 0:  # no activities, or all finished
            return []
        return self._walk(int(run.comp.order[int(ends.max())]), remaining=True)

    # ------------------------------------------------------------------ what-if
    def with_durations(self, durations: Mapping[ActivityId, float]) -> Schedule:
        """Recompute with new planned durations (in each activity's duration unit).

        The compiled project and everything that does not depend on durations
        is reused, so this is much cheaper than scheduling from scratch. The
        project itself is not changed.

        Raises
        ------
        UnknownReferenceError
            For an unknown activity id.
        ValidationError
            For a negative duration, or a non-zero one on a milestone.

        Examples
        --------
        >>> import projtrack as pt
        >>> p = pt.Project(id="p", start=pendulum.Date(2024, 1, 1), calendar="7d",
        ...     activities=[pt.Activity(id=x, duration=d)
        ...                 for x, d in [("a", 2), ("b", 3), ("c", 1)]],
        ...     links=[pt.Link(pred="a", succ="c"), pt.Link(pred="b", succ="c")])
        >>> s = pt.schedule(p)
        >>> s.with_durations({"a": 5}).critical_path(), s.with_durations({"a": 5}).finish.day
        (['a', 'c'], 7)
        """
        comp = self._run.comp
        overrides = dict(self._overrides)
        for aid, value in durations.items():
            pos = self._position(aid)
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float | np.integer | np.floating)
                or not np.isfinite(value)
                or value < 0
            ):
                raise ValidationError(
                    f"{value!r} is not a duration; give a finite number >= 0",
                    field=f"durations[{aid!r}]",
                )
            if self.project.activities[pos].kind == "milestone" and value != 0:
                raise ValidationError(
                    f"milestone {aid!r} takes no time; give it duration 0",
                    field=f"durations[{aid!r}]",
                )
            overrides[int(comp.rank[pos])] = float(value)
        dur = self._run.durations(overrides)
        return Schedule._from_run(self.project, self._run, dur, overrides,
                                  previous=(self._res, self._dur))

    # ------------------------------------------------------------------ records
    def _dt(self, minutes: int, cache: dict[int, Any]) -> Any:
        if minutes == NONE:
            return None
        value = cache.get(minutes)
        if value is None:
            value = self._instant(minutes)
            cache[minutes] = value
        return value

    def _record(self, pos: int, cache: dict[int, Any]) -> dict[str, Any]:
        act = self.project.activities[pos]
        comp = self._run.comp
        rank = int(comp.rank[pos])
        duration = self._overrides.get(rank, act.duration)
        tf = float(self.total_float[pos])
        ff = float(self.free_float[pos])
        return {
            "id": act.id,
            "name": act.name,
            "kind": act.kind,
            "calendar": act.calendar or self.project.calendar,
            "status": _STATUS[int(self.status_codes[pos])],
            "early_start": self._dt(int(self.early_start_minutes[pos]), cache),
            "early_finish": self._dt(int(self.early_finish_minutes[pos]), cache),
            "late_start": self._dt(int(self.late_start_minutes[pos]), cache),
            "late_finish": self._dt(int(self.late_finish_minutes[pos]), cache),
            "actual_start": self._dt(int(self.actual_start_minutes[pos]), cache),
            "actual_finish": self._dt(int(self.actual_finish_minutes[pos]), cache),
            "total_float": tf,
            "free_float": ff,
            "critical": bool(self.critical[pos]),
            "on_longest_path": bool(self.on_longest_path[pos]),
            "duration": duration,
            "duration_unit": act.duration_unit,
            "driving": self.driving_predecessors(act.id),
        }

    def __getitem__(self, activity_id: ActivityId) -> dict[str, Any]:
        """The record of one activity (see :meth:`to_records`)."""
        return self._record(self._position(activity_id), {})

    def __iter__(self) -> Iterator[dict[str, Any]]:
        cache: dict[int, Any] = {}
        for pos in range(len(self.ids)):
            yield self._record(pos, cache)

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per activity, in project order.

        Keys: ``id``, ``name``, ``kind``, ``calendar``, ``status``,
        ``early_start``, ``early_finish``, ``late_start``, ``late_finish``,
        ``actual_start``, ``actual_finish`` (aware :class:`pendulum.DateTime`
        or ``None``), ``total_float`` and ``free_float`` (working days on the
        activity's calendar; ``nan`` when finished), ``critical``,
        ``on_longest_path``, ``duration``, ``duration_unit`` and ``driving``
        (ids of the driving predecessors).

        Examples
        --------
        >>> import projtrack as pt
        >>> p = pt.Project(id="p", start=pendulum.Date(2024, 1, 1), calendar="7d",
        ...                activities=[pt.Activity(id="a", duration=2)])
        >>> r = pt.schedule(p).to_records()[0]
        >>> r["early_finish"].isoformat(), r["total_float"], r["critical"]
        ('2024-01-03T00:00:00+08:00', 0.0, True)
        """
        return list(self)

    def to_pandas(self) -> pd.DataFrame:
        """The schedule as a :class:`pandas.DataFrame`, one row per activity.

        Columns (in this order): ``id``, ``name``, ``kind``, ``calendar``,
        ``status``, ``early_start``, ``early_finish``, ``late_start``,
        ``late_finish``, ``actual_start``, ``actual_finish`` (time-zone-aware
        ``datetime64[us]``; ``NaT`` when absent), ``total_float``,
        ``free_float`` (working days, ``float64``), ``critical``,
        ``on_longest_path`` (``bool``). Built from the arrays without
        per-row Python objects for the dates.

        Raises
        ------
        ImportError
            Without pandas (``pip install 'projtrack[pandas]'``).

        Examples
        --------
        >>> import projtrack as pt
        >>> p = pt.Project(id="p", start=pendulum.Date(2024, 1, 1), calendar="7d",
        ...                activities=[pt.Activity(id="a", duration=2)])
        >>> df = pt.schedule(p).to_pandas()
        >>> str(df.loc[0, "early_finish"]), df["early_finish"].dtype
        ('2024-01-03 00:00:00+08:00', datetime64[us, Asia/Shanghai])
        """
        try:
            import pandas as pd
        except ImportError:
            raise ImportError(
                "Schedule.to_pandas() needs pandas; install it with: "
                "pip install 'projtrack[pandas]'"
            ) from None
        acts = self.project.activities
        comp = self._run.comp
        kinds = ("task", "approval", "milestone")
        kind_codes = np.fromiter(map({k: i for i, k in enumerate(kinds)}.__getitem__,
                                     map(_kind, acts)), dtype=np.int8, count=len(acts))
        data = {
            "id": pd.Series(self.ids, dtype=object),
            "name": list(map(_name, acts)),
            "kind": pd.Categorical.from_codes(kind_codes, categories=list(kinds)),
            "calendar": pd.Categorical.from_codes(comp.act_cal[comp.rank],
                                                  categories=list(comp.cal_names)),
            "status": pd.Categorical.from_codes(self.status_codes, categories=list(_STATUS)),
            "early_start": self._datetimes(self.early_start_minutes, pd),
            "early_finish": self._datetimes(self.early_finish_minutes, pd),
            "late_start": self._datetimes(self.late_start_minutes, pd),
            "late_finish": self._datetimes(self.late_finish_minutes, pd),
            "actual_start": self._datetimes(self.actual_start_minutes, pd),
            "actual_finish": self._datetimes(self.actual_finish_minutes, pd),
            "total_float": self.total_float,
            "free_float": self.free_float,
            "critical": self.critical,
            "on_longest_path": self.on_longest_path,
        }
        return pd.DataFrame(data, columns=list(COLUMNS))

    def _datetimes(self, minutes: np.ndarray, pd: Any) -> Any:
        n = len(minutes)
        dtype = pd.DatetimeTZDtype("us", self.timezone)
        missing = minutes == NONE
        if missing.all():
            return pd.Series(pd.NaT, index=range(n), dtype=dtype).array
        base = np.datetime64(str(self.origin.isoformat()), "m")
        wall = (base + np.where(missing, 0, minutes).astype("timedelta64[m]")).astype(
            "datetime64[us]"
        )
        if missing.any():
            wall[missing] = np.datetime64("NaT")
        index = pd.DatetimeIndex(wall)
        try:
            return index.tz_localize(self.timezone, ambiguous="raise", nonexistent="raise")
        except Exception:
            # Wall times that daylight saving skips or repeats: resolve those few
            # exactly as the records do (pendulum), so both views agree.
            local = index.tz_localize(self.timezone, ambiguous="NaT", nonexistent="NaT")
            odd = np.nonzero(np.asarray(local.isna()) & ~missing)[0]
            values = local.to_numpy().copy()
            for i in odd.tolist():
                values[i] = pd.Timestamp(self._instant(int(minutes[i]))).as_unit("us")
            return pd.DatetimeIndex(pd.array(values, dtype=dtype))

    # ------------------------------------------------------------------ display
    def _repr_html_(self, max_rows: int = 20) -> str:
        from projtrack._display import html_block, html_table

        cols = ("id", "name", "early_start", "early_finish", "late_start", "late_finish",
                "total_float", "free_float", "critical")
        caption = (f"Schedule of {self.project.id}: {len(self.ids)} activities, finish "
                   f"{self.finish.format('YYYY-MM-DD HH:mm Z')}, "
                   f"{int(self.critical.sum())} critical")
        return html_block(html_table(
            iter(self), cols, max_rows=max_rows, total=len(self.ids), caption=caption,
            what="activities", row_class=lambda r: "pt-critical" if r["critical"] else None))

    # ------------------------------------------------------------------ helpers
    @property
    def durations_minutes(self) -> np.ndarray:
        """Scheduled (remaining) durations in working minutes, project order."""
        out: np.ndarray = self._dur[self._run.comp.rank]
        return out
