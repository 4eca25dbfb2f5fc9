"""Working time as integer minutes: the calendar tables the CPM engine runs on.

Time inside the engine is an ``int64`` count of *wall-clock* minutes since
the project origin, ``project.start`` at 00:00 local time in
``project.timezone`` (so a day is always 1440 minutes, whatever the daylight
saving rules do). Each calendar is a sorted array of merged working intervals
``[start, end)`` in those minutes, with the cumulative working time before
each interval. On a calendar ``c``:

* ``W_c(t)`` is the working time (minutes) elapsed on ``c`` between the origin
  and the instant ``t``; ``W_c(0) == 0``;
* ``inst_start(c, w)`` is the instant at which working minute ``w`` begins
  (the earliest instant ``t`` with ``W_c(t) == w`` that is inside working
  time: "snap forward");
* ``inst_end(c, w)`` is the earliest instant with ``W_c(t) == w``: the end of
  the working minute ``w - 1`` (a 1-day task that starts Monday 08:00 on the
  ``standard`` calendar ends at Monday 17:00, not Tuesday 08:00);
* ``S_c(t)`` is the largest ``w`` with ``inst_start(c, w) <= t``.

A calendar's table covers a horizon of days around the origin that grows on
demand. Look-ups outside it extrapolate (as if every minute were working) and
record how far they went, so that the caller can grow the horizon and run
again: the results of a run are exact when no look-up left the horizon.

The scalar look-ups the compiled kernels use live in :mod:`projtrack._kernel`;
this module holds the table and the vectorised (numpy) versions.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import pendulum

from projtrack.exceptions import CalendarError, ScheduleError

__all__ = [
    "CalendarTable",
    "HorizonOverflow",
    "WorkCalendarLike",
    "from_minutes",
    "get_work_calendar",
    "to_minutes",
]

DAY = 1440
#: Horizons never grow beyond this many days either side of the origin.
MAX_HORIZON_DAYS = 366 * 1200


class WorkCalendarLike(Protocol):
    """What the engine needs from a calendar (see :mod:`projtrack.calendars`)."""

    @property
    def minutes_per_day(self) -> int: ...

    @property
    def key(self) -> Any: ...

    def periods_between(
        self, first_day: _dt.date, last_day: _dt.date
    ) -> tuple[np.ndarray, np.ndarray]: ...


class _AlwaysWorking:
    """Stand-in for the ``7d`` and ``24h`` calendars while :mod:`projtrack.calendars` is absent."""

    minutes_per_day = DAY

    def __init__(self, name: str) -> None:
        self.name = name
        self.key = ("builtin", name)

    def periods_between(
        self, first_day: _dt.date, last_day: _dt.date
    ) -> tuple[np.ndarray, np.ndarray]:
        days = (last_day - first_day).days + 1
        if days <= 0:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        return np.array([0], np.int64), np.array([days * DAY], np.int64)


def get_work_calendar(name: str, project: Any = None) -> WorkCalendarLike:
    """Return the working calendar called ``name`` (``24h`` is always available).

    Uses :func:`projtrack.calendars.get_calendar`; without that module only the
    always-working ``7d`` and ``24h`` calendars exist.

    Examples
    --------
    >>> get_work_calendar("24h").minutes_per_day
    1440
    """
    try:
        from projtrack.calendars import get_calendar
    except ImportError:
        if name in ("7d", "24h"):
            return _AlwaysWorking(name)
        raise CalendarError(
            f"calendar {name!r} needs projtrack.calendars, which is not available",
            field="calendar",
        ) from None
    return get_calendar(name, project)


# --------------------------------------------------------------------------- instants


def to_minutes(value: _dt.date, tz: str, origin: _dt.date, *, end_of_day: bool = False) -> int:
    """Wall-clock minutes from ``origin`` 00:00 in ``tz`` to ``value``.

    A plain date means its 00:00, or the following midnight when
    ``end_of_day`` is true (a finish on that day). An aware date-time is
    converted to ``tz`` first; seconds are dropped.

    Examples
    --------
    >>> o = pendulum.Date(2024, 1, 1)
    >>> to_minutes(pendulum.Date(2024, 1, 2), "Asia/Shanghai", o)
    1440
    >>> to_minutes(pendulum.Date(2024, 1, 2), "Asia/Shanghai", o, end_of_day=True)
    2880
    >>> to_minutes(pendulum.datetime(2024, 1, 1, 1, 30, tz="UTC"), "Asia/Shanghai", o)
    570
    """
    if isinstance(value, _dt.datetime):
        local = pendulum.instance(value).in_timezone(tz)
        days = (_dt.date(local.year, local.month, local.day) - _as_date(origin)).days
        return days * DAY + local.hour * 60 + local.minute
    days = (_as_date(value) - _as_date(origin)).days
    return (days + (1 if end_of_day else 0)) * DAY


def _as_date(value: _dt.date) -> _dt.date:
    return _dt.date(value.year, value.month, value.day)


def from_minutes(minutes: int, tz: str, origin: _dt.date) -> pendulum.DateTime:
    """The aware instant ``minutes`` wall-clock minutes after ``origin`` 00:00 in ``tz``.

    Examples
    --------
    >>> from_minutes(2 * 1440 + 8 * 60, "Asia/Shanghai", pendulum.Date(2024, 1, 1))
    DateTime(2024, 1, 3, 8, 0, 0, tzinfo=Timezone('Asia/Shanghai'))
    """
    days, rest = divmod(int(minutes), DAY)
    day = _as_date(origin) + _dt.timedelta(days=days)
    return pendulum.datetime(day.year, day.month, day.day, rest // 60, rest % 60, tz=tz)


# --------------------------------------------------------------------------- tables


class HorizonOverflow(Exception):
    """A look-up left a calendar's horizon.

    ``need`` maps a calendar index to how far (wall-clock minutes) below and
    above its horizon the look-ups went.
    """

    def __init__(self, need: dict[int, tuple[int, int]]) -> None:
        self.need = need
        super().__init__(need)


#: Width (working minutes) of the buckets of the working-time index.
BUCKET = 240


class CalendarTable:
    """The working intervals of the calendars one schedule uses, concatenated.

    Parameters
    ----------
    calendars
        The distinct calendars; their position is the calendar index used in
        the engine's arrays.
    origin
        The project start day (minute 0 is its 00:00).
    first_day, last_day
        Initial horizon in days relative to the origin (inclusive, exclusive).

    Attributes
    ----------
    starts, ends, cum, ptr
        Interval starts and ends, working minutes before each interval (``W``
        at its start); calendar ``c`` owns ``ptr[c]:ptr[c+1]``.
    packed
        What the kernels take, in one ``int64`` array: the arrays above, a
        day index (for each day of the horizon, the last interval starting at
        or before its 00:00), a working-time index (the same for buckets of
        :data:`BUCKET` working minutes) and each calendar's working density
        (to extrapolate beyond the horizon); layout in :mod:`projtrack._kernel`.

    Examples
    --------
    >>> t = CalendarTable([get_work_calendar("24h")], pendulum.Date(2024, 1, 1), -7, 30)
    >>> int(t.w_of(0, np.array([600]))[0]), int(t.inst_end(0, np.array([600]))[0])
    (600, 600)
    """

    def __init__(
        self,
        calendars: Sequence[WorkCalendarLike],
        origin: _dt.date,
        first_day: int = -366,
        last_day: int = 3660,
    ) -> None:
        self.calendars = list(calendars)
        self.origin = _as_date(origin)
        k = len(self.calendars)
        self.first = [0] * k
        self.last = [1] * k
        empty = np.empty(0, np.int64)
        self._parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = [(empty, empty, empty)] * k
        for c in range(k):
            self._resize(c, int(first_day), int(last_day))
        self._concat()

    # ------------------------------------------------------------------ building
    def _periods(self, c: int, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        """Working intervals of calendar ``c`` on days ``lo..hi-1`` (origin-relative minutes)."""
        a = self.origin + _dt.timedelta(days=lo)
        b = self.origin + _dt.timedelta(days=hi - 1)
        starts, ends = self.calendars[c].periods_between(
            pendulum.Date(a.year, a.month, a.day), pendulum.Date(b.year, b.month, b.day)
        )
        return (
            np.asarray(starts, dtype=np.int64) + lo * DAY,
            np.asarray(ends, dtype=np.int64) + lo * DAY,
        )

    def _name(self, c: int) -> str:
        cal = self.calendars[c]
        return str(getattr(cal, "name", cal.key))

    def _table(
        self, c: int, starts: np.ndarray, ends: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if starts.size == 0:
            raise CalendarError(
                f"calendar {self._name(c)!r} has no working time around the project dates; "
                "give it working hours",
                field="calendar",
            )
        cum = np.zeros(starts.size, dtype=np.int64)
        np.cumsum((ends - starts)[:-1], out=cum[1:])
        # Normalise so that W(0) == 0 on every calendar.
        i = int(np.searchsorted(starts, 0, side="right")) - 1
        w0 = int(cum[0]) if i < 0 else int(cum[i]) + min(0, int(ends[i])) - int(starts[i])
        cum -= w0
        return starts, ends, cum

    def _concat(self) -> None:
        parts = self._parts
        k = len(parts)
        self.starts = np.concatenate([p[0] for p in parts])
        self.ends = np.concatenate([p[1] for p in parts])
        self.cum = np.concatenate([p[2] for p in parts])
        self.ptr = np.zeros(k + 1, dtype=np.int64)
        np.cumsum([len(p[0]) for p in parts], out=self.ptr[1:])
        didx, widx = [], []
        wbase = np.zeros(k, dtype=np.int64)
        dens = np.zeros(k, dtype=np.float64)
        for c, (s, e, cum) in enumerate(parts):
            lo = int(self.ptr[c])
            days = np.arange(self.first[c], self.last[c], dtype=np.int64) * DAY
            didx.append(np.searchsorted(s, days, side="right") - 1 + lo)
            total = int(cum[-1] + e[-1] - s[-1])
            wbase[c] = int(cum[0])
            buckets = wbase[c] + np.arange((total - wbase[c]) // BUCKET + 1) * BUCKET
            widx.append(np.searchsorted(cum, buckets, side="right") - 1 + lo)
            dens[c] = self.density(c)
        self.didx = np.concatenate(didx).astype(np.int64)
        self.dptr = np.zeros(k + 1, dtype=np.int64)
        np.cumsum([len(d) for d in didx], out=self.dptr[1:])
        self.widx = np.concatenate(widx).astype(np.int64)
        self.wptr = np.zeros(k + 1, dtype=np.int64)
        np.cumsum([len(w) for w in widx], out=self.wptr[1:])
        self.dfirst = np.asarray(self.first, dtype=np.int64)
        self.dlast = np.asarray(self.last, dtype=np.int64)
        self.wbase = wbase
        self.dens = dens
        sections = [
            self.starts, self.ends, self.cum, self.ptr, self.didx, self.dptr, self.dfirst,
            self.dlast, self.widx, self.wptr, self.wbase,
            np.maximum(np.rint(dens * 65536), 1).astype(np.int64),
            np.maximum(np.rint(65536 / np.maximum(dens, 1e-9)), 1).astype(np.int64),
            np.asarray([
                len(s) == 1 and s[0] == self.first[c] * DAY and e[0] == self.last[c] * DAY
                for c, (s, e, _) in enumerate(parts)
            ], dtype=np.int64),
        ]
        header = np.zeros(16, dtype=np.int64)
        pos = 16
        for h, sec in enumerate(sections):
            header[h] = pos
            pos += len(sec)
        self.packed = np.concatenate([header, *sections]).astype(np.int64)

    def density(self, c: int) -> float:
        """Working minutes per wall-clock minute over calendar ``c``'s horizon."""
        s, e, _ = self._parts[c]
        span = (self.last[c] - self.first[c]) * DAY
        return float((e - s).sum()) / span

    def cover(self, c: int, lo_minute: int, hi_minute: int) -> None:
        """Grow calendar ``c``'s horizon to include the instants ``lo_minute..hi_minute``."""
        lo_day = math.floor(lo_minute / DAY) - 7
        hi_day = math.ceil(hi_minute / DAY) + 8
        if lo_day < self.first[c] or hi_day > self.last[c]:
            old = (self.first[c], self.last[c])
            self._resize(c, min(lo_day, old[0]), max(hi_day, old[1]), old)
            self._concat()

    def grow(self, need: dict[int, tuple[int, int]]) -> None:
        """Grow horizons after a :class:`HorizonOverflow`.

        Raises
        ------
        CalendarError
            When a calendar with limited data (``cn``) cannot grow as needed.
        """
        for c, (below, above) in need.items():
            lo, hi = self.first[c], self.last[c]
            if above > 0:
                hi += math.ceil(above * 1.25 / DAY) + 31
            if below > 0:
                lo -= math.ceil(below * 1.25 / DAY) + 31
            old = (self.first[c], self.last[c])
            self._resize(c, lo, hi, old)
            if (self.first[c], self.last[c]) == old:
                raise self._limit_error(c, above > 0)
        self._concat()

    def _resize(self, c: int, lo: int, hi: int, old: tuple[int, int] | None = None) -> None:
        if hi > MAX_HORIZON_DAYS or lo < -MAX_HORIZON_DAYS:
            raise ScheduleError(
                f"the schedule runs more than {MAX_HORIZON_DAYS // 366} years away from the "
                f"project start on calendar {self._name(c)!r}; check for calendars without "
                "working time and for huge durations or lags",
                field="calendar",
            )
        try:
            starts, ends = self._periods(c, lo, hi)
        except CalendarError:
            # A calendar with limited data (cn): grow only as far as it has data.
            base = old if old is not None else (0, 1)
            if not self._works(c, *base):
                self._periods(c, *base)  # raises the calendar's own error for those days
                raise
            hi = self._bisect(c, base[1], hi, lambda d: (base[0], d))
            lo = self._bisect(c, base[0], lo, lambda d: (d, hi))
            starts, ends = self._periods(c, lo, hi)
        self.first[c], self.last[c] = lo, hi
        self._parts[c] = self._table(c, starts, ends)

    def _works(self, c: int, lo: int, hi: int) -> bool:
        try:
            self._periods(c, lo, hi)
        except CalendarError:
            return False
        return True

    def _bisect(self, c: int, good: int, bad: int, span: Any) -> int:
        """The day nearest ``bad`` (from ``good``) for which ``span(day)`` still has data."""
        if good == bad:
            return good
        if self._works(c, *span(bad)):
            return bad
        while abs(bad - good) > 1:
            mid = (good + bad) // 2
            if self._works(c, *span(mid)):
                good = mid
            else:
                bad = mid
        return good

    def _limit_error(self, c: int, above: bool) -> CalendarError:
        edge = self.last[c] if above else self.first[c] - 1
        try:
            self._periods(c, edge, edge + 1)
        except CalendarError as exc:
            return CalendarError(
                f"the schedule runs {'past' if above else 'before'} the data of calendar "
                f"{self._name(c)!r}: {exc.message}",
                field="calendar",
            )
        day = self.origin + _dt.timedelta(days=edge)
        return CalendarError(
            f"the schedule needs calendar {self._name(c)!r} around {day}, which it cannot give",
            field="calendar",
        )

    # ------------------------------------------------------------------ vectorised look-ups
    def _bounds(self, c: int) -> tuple[int, int, int, int]:
        s, e, cum = self._parts[c]
        total = int(cum[-1] + e[-1] - s[-1])
        return self.first[c] * DAY, self.last[c] * DAY, int(cum[0]), total

    def _out_t(self, c: int, t: np.ndarray, lo_ok: int, hi_ok: int) -> None:
        low, high = t < lo_ok, t > hi_ok
        if low.any() or high.any():
            below = int((lo_ok - t[low]).max()) + 1 if low.any() else 0
            above = int((t[high] - hi_ok).max()) + 1 if high.any() else 0
            raise HorizonOverflow({c: (below, above)})

    def _out_w(self, c: int, w: np.ndarray, lo_ok: int, hi_ok: int) -> None:
        low, high = w < lo_ok, w > hi_ok
        if low.any() or high.any():
            d = self.dens[c] if len(self.dens) > c else self.density(c)
            below = int((lo_ok - w[low]).max() / d) + 1 if low.any() else 0
            above = int((w[high] - hi_ok).max() / d) + 1 if high.any() else 0
            raise HorizonOverflow({c: (below, above)})

    def w_of(self, c: int, t: np.ndarray) -> np.ndarray:
        """``W_c(t)`` for an array of instants; raises :class:`HorizonOverflow` outside."""
        s, e, cum = self._parts[c]
        h0, h1, _, _ = self._bounds(c)
        t = np.asarray(t, dtype=np.int64)
        self._out_t(c, t, h0, h1)
        i = np.searchsorted(s, t, side="right") - 1
        ic = np.maximum(i, 0)
        out: np.ndarray = np.where(i < 0, cum[0], cum[ic] + np.minimum(t, e[ic]) - s[ic])
        return out

    def inst_start(self, c: int, w: np.ndarray) -> np.ndarray:
        """The instant at which working minute ``w`` begins (start convention)."""
        s, _, cum = self._parts[c]
        _, _, w0, total = self._bounds(c)
        w = np.asarray(w, dtype=np.int64)
        self._out_w(c, w, w0, total - 1)
        i = np.searchsorted(cum, w, side="right") - 1
        out: np.ndarray = s[i] + (w - cum[i])
        return out

    def inst_end(self, c: int, w: np.ndarray) -> np.ndarray:
        """The earliest instant at which ``w`` working minutes have elapsed (end convention)."""
        s, _, cum = self._parts[c]
        _, _, w0, total = self._bounds(c)
        w = np.asarray(w, dtype=np.int64)
        self._out_w(c, w, w0 + 1, total)
        i = np.searchsorted(cum, w, side="left") - 1
        out: np.ndarray = s[i] + (w - cum[i])
        return out
