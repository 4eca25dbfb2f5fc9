"""Working-time calendars: which days and hours are worked, and arithmetic on them.

A :class:`projtrack.Calendar` (in the model) is the stored form of a calendar;
:func:`get_calendar` resolves it (base chain flattened, built-ins filled in)
into an immutable :class:`WorkCalendar` that does the arithmetic:

* day questions: :meth:`~WorkCalendar.is_working`,
  :meth:`~WorkCalendar.working_periods`, :meth:`~WorkCalendar.working_days`,
  :meth:`~WorkCalendar.add_working_days` ("the 20th working day after
  submission"), :meth:`~WorkCalendar.working_days_between`;
* time questions: :meth:`~WorkCalendar.add_working`,
  :meth:`~WorkCalendar.working_between`, :meth:`~WorkCalendar.snap_start`,
  :meth:`~WorkCalendar.snap_finish`;
* a vectorised view for the scheduling engine:
  :meth:`~WorkCalendar.periods_between`.

Built-in calendars (usable without defining them):

``standard``
    Monday to Friday, 08:00-12:00 and 13:00-17:00 (a lunch hour); a working
    day is 8 hours.
``7d``
    Every day of the week is worked, round the clock (00:00-24:00), and a
    working day is 24 hours. So on ``7d`` "N working days" are exactly N
    calendar days, and a plain date means its midnight.
``24h``
    Elapsed time, 24 h x 7: the same working time as ``7d`` (the name says
    "round the clock" rather than "every day").
``cn``
    Mainland China: statutory holidays off and weekend make-up working days
    (调休上班) on, from the ``chinesecalendar`` package, with the ``standard``
    hours. For a year the package has no data for it raises
    :class:`~projtrack.CalendarError`, unless the fallback ``"weekdays"`` is
    asked for, which treats such years as plain Monday-Friday weeks without
    statutory holidays (a stated assumption, not data).

Conventions
-----------
Working hours are local wall-clock times in the calendar's time zone
(``Asia/Shanghai`` unless the project says otherwise); naive date-times are
taken to be in that zone, plain dates mean their midnight. Results are aware
:class:`pendulum.DateTime` values in that zone. Inside, instants are integer
microseconds on the local wall clock, so the arithmetic is exact.

Finishes and starts (Primavera P6's convention): adding a positive amount of
working time returns the *earliest* instant at which it is used up, so a task
that ends with the working day finishes at 17:00, not at 08:00 the next day.
Subtracting (a negative amount) returns the *latest* such instant, which is a
start (08:00, not 17:00 the evening before). :meth:`WorkCalendar.snap_start`
moves an instant forward to the next working instant and
:meth:`WorkCalendar.snap_finish` moves it back to the previous one; neither
changes the amount of working time before the instant.

Examples
--------
>>> cal = get_calendar("cn")
>>> cal.is_working(pendulum.Date(2024, 2, 4))      # a Sunday, make-up working day
True
>>> cal.add_working(pendulum.datetime(2024, 9, 30, 8, tz="Asia/Shanghai"), 2)
DateTime(2024, 10, 8, 17, 0, 0, tzinfo=Timezone('Asia/Shanghai'))
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import numpy as np
import pendulum

from projtrack._calendar_names import BUILTIN_CALENDARS
from projtrack._model import Calendar, CalendarException, _work_week
from projtrack._time import DEFAULT_TIMEZONE, check_timezone, finite_number, parse_when
from projtrack.exceptions import CalendarError, UnknownReferenceError

if TYPE_CHECKING:
    from projtrack._model import Project

__all__ = ["WorkCalendar", "get_calendar", "plugin_calendars"]

Periods: TypeAlias = "tuple[tuple[int, int], ...]"
#: What the API accepts as a day or an instant.
WhenLike: TypeAlias = "_dt.date | str"
#: A working-time amount: working days (a number) or working time (a timedelta).
DurationLike: TypeAlias = "int | float | _dt.timedelta"
Convention: TypeAlias = Literal["auto", "start", "finish"]

_US_PER_MIN = 60_000_000
_MIN_PER_DAY = 1440
_US_PER_DAY = _MIN_PER_DAY * _US_PER_MIN
#: Ranges longer than this many days use the vectorised day table.
_VECTOR_DAYS = 64

_STANDARD_DAY: Periods = ((480, 720), (780, 1020))
_ALL_DAY: Periods = ((0, _MIN_PER_DAY),)
_FALLBACKS = (None, "weekdays")


# --------------------------------------------------------------------------- helpers


def _merge(periods: Iterable[tuple[int, int]]) -> Periods:
    """Sort working periods and merge those that overlap or touch."""
    out: list[list[int]] = []
    for s, e in sorted(periods):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return tuple((s, e) for s, e in out)


def _timedelta_us(td: _dt.timedelta) -> int:
    """Exact microseconds of a timedelta.

    Reads the fields through :class:`datetime.timedelta` itself: pendulum's
    ``Duration`` redefines ``days``/``seconds`` as signed components, so
    ``Duration(hours=-8).seconds`` is -28800 rather than 57600.
    """
    days: int = _dt.timedelta.days.__get__(td)
    seconds: int = _dt.timedelta.seconds.__get__(td)
    micro: int = _dt.timedelta.microseconds.__get__(td)
    return (days * 86_400 + seconds) * 1_000_000 + micro


def _date(o: int) -> pendulum.Date:
    d = _dt.date.fromordinal(o)
    return pendulum.Date(d.year, d.month, d.day)


class _CnData:
    """Mainland China holiday data from ``chinesecalendar``, as ordinal day numbers."""

    def __init__(self) -> None:
        import chinese_calendar  # type: ignore[import-untyped]

        holidays = chinese_calendar.holidays
        workdays = chinese_calendar.workdays
        # The package's own rule (utils._validate_date): a year is supported
        # when it lies between the first and the last year of its holiday table.
        self.first_year = min(holidays).year
        self.last_year = max(holidays).year
        self.lo = _dt.date(self.first_year, 1, 1).toordinal()
        self.hi = _dt.date(self.last_year, 12, 31).toordinal()
        self.version = str(getattr(chinese_calendar, "__version__", "unknown"))
        self.holidays = frozenset(d.toordinal() for d in holidays)
        self.makeup = frozenset(d.toordinal() for d in workdays)
        self.holiday_array = np.array(sorted(self.holidays), dtype=np.int64)
        self.makeup_array = np.array(sorted(self.makeup), dtype=np.int64)


@functools.cache
def _cn_data() -> _CnData:
    return _CnData()


# --------------------------------------------------------------------------- WorkCalendar


class WorkCalendar:
    """A resolved, immutable working-time calendar with exact arithmetic.

    Usually obtained from :func:`get_calendar`; building one directly is for
    plugins and tests.

    Parameters
    ----------
    name
        Name shown in messages.
    work_week
        Seven entries, Monday first (or a mapping ``mon``..``sun``), each a
        sequence of ``(start_minute, end_minute)`` working periods from local
        midnight; ``()`` or ``None`` is a day off.
    exceptions
        :class:`projtrack.CalendarException` objects; later ones win. They
        also win over the ``holidays`` data and the work week.
    minutes_per_day
        Length of a working day, used when durations are given in days.
        ``None`` takes the longest day of ``work_week`` (or, with no working
        weekday, the longest exception day).
    timezone
        IANA zone of the working hours; naive inputs are taken to be in it.
    holidays
        ``None``, or ``"cn"`` for mainland China statutory holidays and
        make-up working days (``chinesecalendar``). Holidays are days off;
        make-up working days are worked with the hours of the first weekday
        (Monday to Friday) that has working hours.
    fallback
        Only with ``holidays="cn"``: ``None`` raises
        :class:`~projtrack.CalendarError` for a year without holiday data;
        ``"weekdays"`` treats such years as plain weeks of ``work_week``.
    description
        Free text.

    Examples
    --------
    >>> night = WorkCalendar("night", [[(1320, 1440)]] * 5 + [(), ()])
    >>> night.minutes_per_day
    120
    >>> night.add_working(pendulum.datetime(2024, 3, 4, 23, tz="Asia/Shanghai"), 1)
    DateTime(2024, 3, 5, 23, 0, 0, tzinfo=Timezone('Asia/Shanghai'))
    >>> night.working_periods(pendulum.Date(2024, 3, 4))
    ((1320, 1440),)
    """

    __slots__ = (
        "_bounds",
        "_cn",
        "_exc",
        "_exc_codes",
        "_exc_ords",
        "_key",
        "_makeup_hours",
        "_mpd_explicit",
        "_pat_count",
        "_pat_end",
        "_pat_start",
        "_pat_total",
        "_tz",
        "_tzinfo",
        "_week",
        "description",
        "fallback",
        "holiday_source",
        "minutes_per_day",
        "name",
        "timezone",
    )

    name: str
    timezone: str
    minutes_per_day: int
    holiday_source: str | None
    fallback: str | None
    description: str
    _bounds: tuple[int, int] | None
    _cn: _CnData | None
    _exc: dict[int, Periods]
    _exc_codes: np.ndarray
    _exc_ords: np.ndarray
    _key: tuple[Any, ...]
    _makeup_hours: Periods
    _mpd_explicit: bool
    _pat_count: np.ndarray
    _pat_end: np.ndarray
    _pat_start: np.ndarray
    _pat_total: np.ndarray
    _tz: str
    _tzinfo: _dt.tzinfo
    _week: tuple[Periods, ...]

    def __init__(
        self,
        name: str,
        work_week: Sequence[Sequence[tuple[int, int]] | None] | Mapping[str, Any],
        *,
        exceptions: Iterable[CalendarException] = (),
        minutes_per_day: int | None = None,
        timezone: str = DEFAULT_TIMEZONE,
        holidays: str | None = None,
        fallback: str | None = None,
        description: str = "",
    ) -> None:
        try:
            week_in = _work_week(work_week)
        except ValueError as exc:
            raise CalendarError(str(exc), field="work_week") from None
        week = tuple(_merge(day or ()) for day in week_in)
        exc_map: dict[int, Periods] = {}
        for i, ex in enumerate(exceptions):
            if not isinstance(ex, CalendarException):
                raise CalendarError(f"{ex!r} is not a CalendarException", field=f"exceptions[{i}]")
            _apply_exception(exc_map, ex)
        self._setup(
            name=name,
            week=week,
            exc=exc_map,
            minutes_per_day=minutes_per_day,
            mpd_explicit=minutes_per_day is not None,
            timezone=timezone,
            holidays=holidays,
            fallback=fallback,
            description=description,
        )

    # ------------------------------------------------------------------ construction
    @classmethod
    def _from_parts(
        cls,
        *,
        name: str,
        week: tuple[Periods, ...],
        exc: dict[int, Periods],
        minutes_per_day: int | None,
        mpd_explicit: bool,
        timezone: str,
        holidays: str | None,
        fallback: str | None,
        description: str,
    ) -> WorkCalendar:
        self = cls.__new__(cls)
        self._setup(
            name=name,
            week=week,
            exc=exc,
            minutes_per_day=minutes_per_day,
            mpd_explicit=mpd_explicit,
            timezone=timezone,
            holidays=holidays,
            fallback=fallback,
            description=description,
        )
        return self

    def _setup(
        self,
        *,
        name: str,
        week: tuple[Periods, ...],
        exc: dict[int, Periods],
        minutes_per_day: int | None,
        mpd_explicit: bool,
        timezone: str,
        holidays: str | None,
        fallback: str | None,
        description: str,
    ) -> None:
        if not isinstance(name, str) or not name.strip():
            raise CalendarError("a calendar needs a non-empty name", field="name")
        try:
            check_timezone(timezone)
        except ValueError as exc_:
            raise CalendarError(str(exc_), field="timezone") from None
        if holidays not in (None, "cn"):
            raise CalendarError(
                f"{holidays!r} is not a holiday source; use None or 'cn'", field="holidays"
            )
        if fallback not in _FALLBACKS:
            raise CalendarError(
                f"{fallback!r} is not a fallback; use None (raise for years without holiday "
                "data) or 'weekdays'",
                field="fallback",
            )
        if minutes_per_day is None:
            longest = max((sum(e - s for s, e in day) for day in week), default=0)
            if longest == 0:
                longest = max((sum(e - s for s, e in p) for p in exc.values()), default=0)
            minutes_per_day = longest
        elif (
            isinstance(minutes_per_day, bool)
            or not isinstance(minutes_per_day, int)
            or not 0 < minutes_per_day <= _MIN_PER_DAY
        ):
            raise CalendarError(
                f"{minutes_per_day!r} is not a whole number of minutes in (0, 1440]",
                field="minutes_per_day",
            )
        cn = _cn_data() if holidays == "cn" else None
        makeup: Periods = next((day for day in week[:5] if day), _STANDARD_DAY)
        sa = object.__setattr__
        sa(self, "name", name)
        sa(self, "timezone", timezone)
        sa(self, "_tz", timezone)
        sa(self, "_tzinfo", pendulum.timezone(timezone))
        sa(self, "minutes_per_day", int(minutes_per_day))
        sa(self, "_mpd_explicit", mpd_explicit)
        sa(self, "holiday_source", holidays)
        sa(self, "fallback", fallback)
        sa(self, "description", description)
        sa(self, "_week", week)
        sa(self, "_exc", exc)
        sa(self, "_cn", cn)
        sa(self, "_makeup_hours", makeup)

        # Pattern table for the vectorised view: 0..6 the week, 7 a holiday,
        # 8 a make-up working day, 9.. each distinct exception pattern.
        patterns: list[Periods] = [*week, (), makeup]
        index: dict[Periods, int] = {}
        ords = sorted(exc)
        codes = []
        for o in ords:
            p = exc[o]
            if p not in index:
                index[p] = len(patterns)
                patterns.append(p)
            codes.append(index[p])
        width = max(1, max(len(p) for p in patterns))
        pat_start = np.zeros((len(patterns), width), dtype=np.int64)
        pat_end = np.zeros((len(patterns), width), dtype=np.int64)
        for i, p in enumerate(patterns):
            for j, (s, e) in enumerate(p):
                pat_start[i, j] = s
                pat_end[i, j] = e
        sa(self, "_pat_start", pat_start)
        sa(self, "_pat_end", pat_end)
        sa(self, "_pat_count", np.array([len(p) for p in patterns], dtype=np.int64))
        sa(self, "_pat_total", np.array([sum(e - s for s, e in p) for p in patterns], np.int64))
        sa(self, "_exc_ords", np.array(ords, dtype=np.int64))
        sa(self, "_exc_codes", np.array(codes, dtype=np.int64))

        # With no working weekday the working days are finite: remember where
        # they end so that searches fail instead of looping for ever.
        bounds: tuple[int, int] | None = None
        if not any(week):
            working = [o for o, p in exc.items() if p]
            if cn is not None:
                working.extend(o for o in cn.makeup if o not in exc)
            bounds = (min(working), max(working)) if working else (1, 0)
        sa(self, "_bounds", bounds)

        cn_id = None if cn is None else ("cn", cn.version, cn.first_year, cn.last_year)
        key = (
            week,
            tuple((o, exc[o]) for o in ords),
            cn_id,
            fallback if cn is not None else None,
            int(minutes_per_day),
            timezone,
        )
        sa(self, "_key", key)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"WorkCalendar is immutable; cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"WorkCalendar is immutable; cannot delete {name!r}")

    # ------------------------------------------------------------------ identity
    @property
    def key(self) -> tuple[Any, ...]:
        """A hashable identity of the working time (not the name).

        Two calendars with the same key give the same answers, so compiled
        arrays (:meth:`periods_between`) can be cached under it.

        Examples
        --------
        >>> get_calendar("7d").key == get_calendar("24h").key
        True
        >>> get_calendar("cn").key == get_calendar("standard").key
        False
        """
        return self._key

    @property
    def work_week(self) -> tuple[Periods, ...]:
        """The resolved work week, Monday first (``()`` is a day off).

        Examples
        --------
        >>> get_calendar("standard").work_week[0]
        ((480, 720), (780, 1020))
        """
        return self._week

    @property
    def day_length(self) -> pendulum.Duration:
        """One working day as a duration (``minutes_per_day`` minutes).

        Divide a working time by it to get working days.

        Examples
        --------
        >>> cal = get_calendar("standard")
        >>> a = pendulum.datetime(2024, 3, 4, 8, tz="Asia/Shanghai")
        >>> cal.working_between(a, a.add(days=2, hours=4)) / cal.day_length
        2.5
        """
        return pendulum.duration(minutes=self.minutes_per_day)

    @property
    def defined_range(self) -> tuple[pendulum.Date, pendulum.Date] | None:
        """First and last day the calendar can answer for, or ``None`` if unbounded.

        Only ``cn``-based calendars without a fallback are bounded: by the
        years ``chinesecalendar`` has data for. Days outside raise
        :class:`~projtrack.CalendarError` (unless an exception of the calendar
        fixes that day).

        Examples
        --------
        >>> first, last = get_calendar("cn").defined_range
        >>> first.year <= 2024 < last.year
        True
        >>> get_calendar("cn", fallback="weekdays").defined_range is None
        True
        """
        if self._cn is None or self.fallback is not None:
            return None
        return _date(self._cn.lo), _date(self._cn.hi)

    def in_timezone(self, timezone: str) -> WorkCalendar:
        """Return the same calendar with its working hours in another time zone.

        Examples
        --------
        >>> get_calendar("standard").in_timezone("Europe/Berlin").timezone
        'Europe/Berlin'
        """
        if timezone == self.timezone:
            return self
        return self._replace(timezone=timezone)

    def _replace(self, **changes: Any) -> WorkCalendar:
        parts: dict[str, Any] = {
            "name": self.name,
            "week": self._week,
            "exc": self._exc,
            "minutes_per_day": self.minutes_per_day,
            "mpd_explicit": self._mpd_explicit,
            "timezone": self.timezone,
            "holidays": self.holiday_source,
            "fallback": self.fallback,
            "description": self.description,
        }
        parts.update(changes)
        return WorkCalendar._from_parts(**parts)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WorkCalendar):
            return NotImplemented
        return self.name == other.name and self._key == other._key

    def __hash__(self) -> int:
        return hash((self.name, self._key))

    def __repr__(self) -> str:
        extra = f", holidays={self.holiday_source!r}" if self.holiday_source else ""
        if self.fallback:
            extra += f", fallback={self.fallback!r}"
        return (
            f"WorkCalendar({self.name!r}, minutes_per_day={self.minutes_per_day}, "
            f"timezone={self.timezone!r}{extra})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild,
            (
                self.name,
                self._week,
                self._exc,
                self.minutes_per_day,
                self._mpd_explicit,
                self.timezone,
                self.holiday_source,
                self.fallback,
                self.description,
            ),
        )

    # ------------------------------------------------------------------ conversion
    def _instant(self, value: Any, what: str = "instant") -> int:
        """Local wall-clock microseconds of a day (its midnight) or an instant."""
        if isinstance(value, str):
            try:
                value = parse_when(value, self._tz)
            except ValueError as exc:
                raise CalendarError(str(exc), field=what) from None
        if isinstance(value, _dt.datetime):
            moment: _dt.datetime = value
            if moment.tzinfo is not None and moment.tzinfo.utcoffset(moment) is not None:
                moment = moment.astimezone(self._tzinfo)
            return (
                moment.toordinal() * _US_PER_DAY
                + ((moment.hour * 60 + moment.minute) * 60 + moment.second) * 1_000_000
                + moment.microsecond
            )
        if isinstance(value, _dt.date):
            return value.toordinal() * _US_PER_DAY
        raise CalendarError(
            f"{value!r} is not a date or a date-time; pass a pendulum Date or DateTime",
            field=what,
        )

    def _ordinal(self, value: Any, what: str = "day") -> int:
        if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
            return value.toordinal()
        return self._instant(value, what) // _US_PER_DAY

    def _to_datetime(self, us: int) -> pendulum.DateTime:
        o, r = divmod(us, _US_PER_DAY)
        d = _dt.date.fromordinal(o)
        sec, micro = divmod(r, 1_000_000)
        minutes, second = divmod(sec, 60)
        hour, minute = divmod(minutes, 60)
        return pendulum.datetime(
            d.year, d.month, d.day, hour, minute, second, micro, tz=self._tzinfo
        )

    def _amount(self, duration: Any) -> int:
        """Working time in microseconds from a number of days or a timedelta."""
        if isinstance(duration, _dt.timedelta):
            if getattr(duration, "years", 0) or getattr(duration, "months", 0):
                raise CalendarError(
                    f"{duration!r} has years or months, which are not a fixed amount of "
                    "working time; give days, hours or minutes",
                    field="duration",
                )
            return _timedelta_us(duration)
        if not finite_number(duration):
            raise CalendarError(
                f"{duration!r} is not a finite number of working days or a timedelta",
                field="duration",
            )
        if self.minutes_per_day <= 0:
            raise CalendarError(
                f"calendar {self.name!r} has no working hours per day to convert days; "
                "set hours_per_day on the calendar",
                field="hours_per_day",
            )
        if isinstance(duration, int):
            return int(duration) * self.minutes_per_day * _US_PER_MIN
        return round(float(duration) * self.minutes_per_day * _US_PER_MIN)

    # ------------------------------------------------------------------ day lookup
    def _periods(self, o: int) -> Periods:
        p = self._exc.get(o)
        if p is not None:
            return p
        cn = self._cn
        if cn is not None:
            if o < cn.lo or o > cn.hi:
                if self.fallback is None:
                    raise self._uncovered(o)
            elif o in cn.makeup:
                return self._makeup_hours
            elif o in cn.holidays:
                return ()
        return self._week[(o - 1) % 7]

    def _uncovered(self, o: int) -> CalendarError:
        cn = self._cn
        assert cn is not None
        year = _dt.date.fromordinal(o).year
        return CalendarError(
            f"calendar {self.name!r}: no mainland China holiday data for {year} "
            f"(chinesecalendar {cn.version} covers {cn.first_year}-{cn.last_year}). Upgrade "
            "chinesecalendar once the State Council notice for that year is out, or opt "
            "into the stated fallback with fallback='weekdays' (get_calendar(..., "
            "fallback='weekdays') or 'fallback: weekdays' on a calendar based on cn), which "
            "treats years without data as plain Monday-Friday weeks; exceptions you add "
            "(such as a new notice's holidays and make-up days) apply on top",
            field="fallback",
        )

    def _check(self, o: int, forward: bool) -> None:
        """Fail instead of searching for ever on a calendar with finitely many working days."""
        b = self._bounds
        if b is None or (o <= b[1] if forward else o >= b[0]):
            return
        if b[0] > b[1]:
            msg = f"calendar {self.name!r} has no working time at all"
        elif forward:
            msg = f"calendar {self.name!r} has no working time after {_date(b[1])}"
        else:
            msg = f"calendar {self.name!r} has no working time before {_date(b[0])}"
        raise CalendarError(
            msg + "; add working days to its work week or exceptions", field="work_week"
        )

    def _day_codes(self, first: int, last: int) -> np.ndarray:
        """Pattern index of each day ``first..last`` (ordinals, inclusive)."""
        n = last - first + 1
        codes = (np.arange(first - 1, last, dtype=np.int64)) % 7
        cn = self._cn
        if cn is not None:
            if self.fallback is None and (first < cn.lo or last > cn.hi):
                self._raise_uncovered_in(first, last)
            for arr, code in ((cn.holiday_array, 7), (cn.makeup_array, 8)):
                i, j = np.searchsorted(arr, (first, last + 1))
                codes[arr[i:j] - first] = code
        if self._exc_ords.size:
            i, j = np.searchsorted(self._exc_ords, (first, last + 1))
            codes[self._exc_ords[i:j] - first] = self._exc_codes[i:j]
        assert codes.shape == (n,)
        return codes

    def _raise_uncovered_in(self, first: int, last: int) -> None:
        cn = self._cn
        assert cn is not None
        for lo, hi in ((first, min(last, cn.lo - 1)), (max(first, cn.hi + 1), last)):
            if lo > hi:
                continue
            if hi - lo + 1 > len(self._exc):
                o = lo
                while o in self._exc:
                    o += 1
                raise self._uncovered(o)
            for o in range(lo, hi + 1):
                if o not in self._exc:
                    raise self._uncovered(o)

    # ------------------------------------------------------------------ day API
    def working_periods(self, day: WhenLike) -> Periods:
        """Working periods of a day as sorted ``(start_minute, end_minute)`` pairs.

        Minutes count from local midnight; touching periods are merged; a day
        off gives ``()``. An instant stands for its local day.

        Examples
        --------
        >>> get_calendar("cn").working_periods(pendulum.Date(2024, 2, 4))
        ((480, 720), (780, 1020))
        >>> get_calendar("cn").working_periods(pendulum.Date(2024, 10, 7))
        ()
        """
        return self._periods(self._ordinal(day))

    def is_working(self, when: WhenLike) -> bool:
        """Whether a day has working time, or an instant lies inside working time.

        A plain date asks about the whole day. An instant asks whether work
        is going on: working periods include their start and exclude their end
        (12:00 is not working time on ``standard``, 08:00 is).

        Examples
        --------
        >>> cn = get_calendar("cn")
        >>> cn.is_working(pendulum.Date(2024, 2, 4)), cn.is_working(pendulum.Date(2024, 10, 7))
        (True, False)
        >>> cn.is_working(pendulum.datetime(2024, 2, 5, 12, 30, tz="Asia/Shanghai"))
        False
        """
        if isinstance(when, _dt.date) and not isinstance(when, _dt.datetime):
            return bool(self._periods(when.toordinal()))
        if isinstance(when, str):
            try:
                when = parse_when(when, self._tz)
            except ValueError as exc:
                raise CalendarError(str(exc), field="when") from None
            return self.is_working(when)
        t = self._instant(when, "when")
        o, r = divmod(t, _US_PER_DAY)
        return any(s * _US_PER_MIN <= r < e * _US_PER_MIN for s, e in self._periods(o))

    def working_days(self, start: WhenLike, end: WhenLike) -> Iterator[pendulum.Date]:
        """Yield the working days from ``start`` to ``end``, both included.

        Examples
        --------
        >>> days = get_calendar("cn").working_days(pendulum.Date(2024, 9, 28),
        ...                                        pendulum.Date(2024, 10, 13))
        >>> [d.isoformat() for d in days]  # doctest: +NORMALIZE_WHITESPACE
        ['2024-09-29', '2024-09-30', '2024-10-08', '2024-10-09', '2024-10-10',
         '2024-10-11', '2024-10-12']
        """
        first, last = self._ordinal(start, "start"), self._ordinal(end, "end")
        for o in range(first, last + 1):
            if self._periods(o):
                yield _date(o)

    def add_working_days(self, day: WhenLike, n: int) -> pendulum.Date:
        """The ``n``-th working day after ``day`` (before it when ``n`` is negative).

        This is how statutory limits count ("within 20 working days after
        acceptance"): the day itself is not counted, whether or not it is a
        working day. ``n = 0`` gives ``day`` if it is a working day, else the
        next working day.

        Examples
        --------
        >>> cn = get_calendar("cn")
        >>> cn.add_working_days(pendulum.Date(2024, 9, 27), 3)   # Fri; Sun 29th is worked
        Date(2024, 10, 8)
        >>> cn.add_working_days(pendulum.Date(2024, 10, 8), -2)
        Date(2024, 9, 29)
        """
        count: Any = n
        if isinstance(count, float) and count.is_integer():
            count = int(count)  # e.g. Activity.time_limit, which is stored as a float
        if isinstance(count, bool) or not isinstance(count, int):
            raise CalendarError(f"{n!r} is not a whole number of working days", field="n")
        n = count
        o = self._ordinal(day)
        if n == 0:
            while not self._periods(o):
                self._check(o, True)
                o += 1
            return _date(o)
        step = 1 if n > 0 else -1
        left = abs(n)
        while left:
            o += step
            self._check(o, step > 0)
            if self._periods(o):
                left -= 1
        return _date(o)

    def working_days_between(self, a: WhenLike, b: WhenLike) -> int:
        """Number of working days after ``a`` up to and including ``b``.

        Negative when ``b`` is before ``a`` (then it is minus the number of
        working days after ``b`` up to and including ``a``), so counts add up:
        ``between(a, b) + between(b, c) == between(a, c)``. For ``n > 0``,
        ``working_days_between(d, add_working_days(d, n)) == n``; for
        ``n < 0`` too when ``d`` is a working day.

        Examples
        --------
        >>> cn = get_calendar("cn")
        >>> cn.working_days_between(pendulum.Date(2024, 9, 27), pendulum.Date(2024, 10, 8))
        3
        """
        oa, ob = self._ordinal(a, "a"), self._ordinal(b, "b")
        if ob < oa:
            return -self.working_days_between(b, a)
        if ob - oa > _VECTOR_DAYS:
            codes = self._day_codes(oa + 1, ob)
            return int(np.count_nonzero(self._pat_count[codes]))
        return sum(1 for o in range(oa + 1, ob + 1) if self._periods(o))

    # ------------------------------------------------------------------ time API
    def add_working(
        self, instant: WhenLike, duration: DurationLike, *, convention: Convention = "auto"
    ) -> pendulum.DateTime:
        """Move by an amount of working time.

        Parameters
        ----------
        instant
            Where to start (a plain date means its midnight).
        duration
            Working days (a number; one day is ``minutes_per_day`` minutes) or
            working time (a :class:`pendulum.Duration` or
            :class:`datetime.timedelta`). Negative subtracts.
        convention
            Where to land when the result falls between working periods:
            ``"finish"`` takes the earliest such instant (the end of a working
            period), ``"start"`` the latest (the start of the next one).
            ``"auto"`` (default) uses ``"finish"`` when adding and ``"start"``
            when subtracting, and leaves ``instant`` alone for a zero duration.

        Returns
        -------
        pendulum.DateTime
            In the calendar's time zone. Always
            ``working_between(instant, result) == duration``.

        Examples
        --------
        >>> cal = get_calendar("standard")
        >>> mon = pendulum.datetime(2024, 3, 4, 8, tz="Asia/Shanghai")
        >>> cal.add_working(mon, 1)                                   # finish
        DateTime(2024, 3, 4, 17, 0, 0, tzinfo=Timezone('Asia/Shanghai'))
        >>> cal.add_working(mon, 1, convention="start")               # next start
        DateTime(2024, 3, 5, 8, 0, 0, tzinfo=Timezone('Asia/Shanghai'))
        >>> cal.add_working(mon, pendulum.duration(hours=5))          # over lunch
        DateTime(2024, 3, 4, 14, 0, 0, tzinfo=Timezone('Asia/Shanghai'))
        >>> cal.add_working(mon.add(hours=9), -1)                     # back to the start
        DateTime(2024, 3, 4, 8, 0, 0, tzinfo=Timezone('Asia/Shanghai'))
        """
        if convention not in ("auto", "start", "finish"):
            raise CalendarError(
                f"{convention!r} is not a convention; use 'auto', 'start' or 'finish'",
                field="convention",
            )
        t = self._instant(instant)
        d = self._amount(duration)
        if d > 0:
            out = self._forward(t, d)
            if convention == "start":
                out = self._snap_start(out)
        elif d < 0:
            out = self._backward(t, -d)
            if convention == "finish":
                out = self._snap_finish(out)
        elif convention == "start":
            out = self._snap_start(t)
        elif convention == "finish":
            out = self._snap_finish(t)
        else:
            out = t
        return self._to_datetime(out)

    def working_between(self, a: WhenLike, b: WhenLike) -> pendulum.Duration:
        """Working time from ``a`` to ``b`` (negative when ``b`` is before ``a``).

        Examples
        --------
        >>> cal = get_calendar("standard")
        >>> cal.working_between(pendulum.datetime(2024, 3, 8, 16, tz="Asia/Shanghai"),
        ...                     pendulum.datetime(2024, 3, 11, 9, tz="Asia/Shanghai"))
        Duration(hours=2)
        >>> cal.working_between(pendulum.Date(2024, 3, 11), pendulum.Date(2024, 3, 4)).in_hours()
        -40
        """
        return pendulum.duration(
            microseconds=self._between(self._instant(a, "a"), self._instant(b, "b"))
        )

    def snap_start(self, instant: WhenLike) -> pendulum.DateTime:
        """The instant itself if work is going on then, else the next working instant.

        Examples
        --------
        >>> get_calendar("standard").snap_start(pendulum.datetime(2024, 3, 8, 17,
        ...                                                       tz="Asia/Shanghai"))
        DateTime(2024, 3, 11, 8, 0, 0, tzinfo=Timezone('Asia/Shanghai'))
        """
        return self._to_datetime(self._snap_start(self._instant(instant)))

    def snap_finish(self, instant: WhenLike) -> pendulum.DateTime:
        """The instant itself if work was going on just before it, else the previous end.

        Examples
        --------
        >>> get_calendar("standard").snap_finish(pendulum.Date(2024, 3, 11))
        DateTime(2024, 3, 8, 17, 0, 0, tzinfo=Timezone('Asia/Shanghai'))
        """
        return self._to_datetime(self._snap_finish(self._instant(instant)))

    def next_working_instant(self, instant: WhenLike) -> pendulum.DateTime:
        """Alias of :meth:`snap_start`.

        Examples
        --------
        >>> get_calendar("cn").next_working_instant(pendulum.Date(2024, 10, 1))
        DateTime(2024, 10, 8, 8, 0, 0, tzinfo=Timezone('Asia/Shanghai'))
        """
        return self.snap_start(instant)

    # ------------------------------------------------------------------ engine view
    def periods_between(
        self, first_day: _dt.date, last_day: _dt.date
    ) -> tuple[np.ndarray, np.ndarray]:
        """Working intervals of the days ``first_day..last_day`` (inclusive) as arrays.

        Returns ``(starts, ends)``, two ``int64`` arrays of minutes since
        ``first_day`` 00:00 local wall-clock time, sorted, with touching
        intervals merged (so ``24h`` and ``7d`` give a single interval).
        Empty arrays when ``last_day < first_day``.

        Examples
        --------
        >>> s, e = get_calendar("standard").periods_between(pendulum.Date(2024, 3, 8),
        ...                                                 pendulum.Date(2024, 3, 11))
        >>> s.tolist(), e.tolist()
        ([480, 780, 4800, 5100], [720, 1020, 5040, 5340])
        >>> s, e = get_calendar("7d").periods_between(pendulum.Date(2024, 3, 8),
        ...                                           pendulum.Date(2024, 3, 11))
        >>> s.tolist(), e.tolist()
        ([0], [5760])
        """
        first, last = self._ordinal(first_day, "first_day"), self._ordinal(last_day, "last_day")
        if last < first:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        codes = self._day_codes(first, last)
        counts = self._pat_count[codes]
        total = int(counts.sum())
        if total == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        day_rep = np.repeat(np.arange(codes.size, dtype=np.int64) * _MIN_PER_DAY, counts)
        code_rep = np.repeat(codes, counts)
        offsets = np.cumsum(counts) - counts
        j = np.arange(total, dtype=np.int64) - np.repeat(offsets, counts)
        starts = day_rep + self._pat_start[code_rep, j]
        ends = day_rep + self._pat_end[code_rep, j]
        if total > 1:
            gap = starts[1:] != ends[:-1]
            starts = starts[np.concatenate(([True], gap))]
            ends = ends[np.concatenate((gap, [True]))]
        return starts, ends

    # ------------------------------------------------------------------ integer core
    def _between(self, a: int, b: int) -> int:
        if b < a:
            return -self._between(b, a)
        oa, ra = divmod(a, _US_PER_DAY)
        ob, rb = divmod(b, _US_PER_DAY)
        if oa == ob:
            return self._overlap(oa, ra, rb)
        total = self._overlap(oa, ra, _US_PER_DAY) + self._overlap(ob, 0, rb)
        if ob - oa - 1 > _VECTOR_DAYS:
            codes = self._day_codes(oa + 1, ob - 1)
            total += int(self._pat_total[codes].sum()) * _US_PER_MIN
        else:
            for o in range(oa + 1, ob):
                total += sum(e - s for s, e in self._periods(o)) * _US_PER_MIN
        return total

    def _overlap(self, o: int, lo: int, hi: int) -> int:
        if lo >= hi:
            return 0
        total = 0
        for s, e in self._periods(o):
            s_, e_ = max(s * _US_PER_MIN, lo), min(e * _US_PER_MIN, hi)
            if e_ > s_:
                total += e_ - s_
        return total

    def _forward(self, t: int, amount: int) -> int:
        """Earliest instant at which ``amount`` working time after ``t`` is used up."""
        o, r = divmod(t, _US_PER_DAY)
        left = amount
        while True:
            self._check(o, True)
            for s, e in self._periods(o):
                end = e * _US_PER_MIN
                if end <= r:
                    continue
                lo = max(s * _US_PER_MIN, r)
                if left <= end - lo:
                    return o * _US_PER_DAY + lo + left
                left -= end - lo
            o += 1
            r = 0

    def _backward(self, t: int, amount: int) -> int:
        """Latest instant with ``amount`` working time between it and ``t``."""
        o, r = divmod(t, _US_PER_DAY)
        if r == 0:
            o, r = o - 1, _US_PER_DAY
        left = amount
        while True:
            self._check(o, False)
            for s, e in reversed(self._periods(o)):
                start = s * _US_PER_MIN
                if start >= r:
                    continue
                hi = min(e * _US_PER_MIN, r)
                if left <= hi - start:
                    return o * _US_PER_DAY + hi - left
                left -= hi - start
            o -= 1
            r = _US_PER_DAY

    def _snap_start(self, t: int) -> int:
        o, r = divmod(t, _US_PER_DAY)
        while True:
            self._check(o, True)
            for s, e in self._periods(o):
                if e * _US_PER_MIN > r:
                    return o * _US_PER_DAY + max(s * _US_PER_MIN, r)
            o += 1
            r = 0

    def _snap_finish(self, t: int) -> int:
        o, r = divmod(t, _US_PER_DAY)
        if r == 0:
            o, r = o - 1, _US_PER_DAY
        while True:
            self._check(o, False)
            for s, e in reversed(self._periods(o)):
                if s * _US_PER_MIN < r:
                    return o * _US_PER_DAY + min(e * _US_PER_MIN, r)
            o -= 1
            r = _US_PER_DAY


def _rebuild(*parts: Any) -> WorkCalendar:
    name, week, exc, mpd, explicit, tz, holidays, fallback, description = parts
    return WorkCalendar._from_parts(
        name=name,
        week=week,
        exc=exc,
        minutes_per_day=mpd,
        mpd_explicit=explicit,
        timezone=tz,
        holidays=holidays,
        fallback=fallback,
        description=description,
    )


def _apply_exception(exc_map: dict[int, Periods], ex: CalendarException) -> None:
    hours = _merge(ex.hours)
    first = ex.start.toordinal()
    last = (ex.end or ex.start).toordinal()
    for o in range(first, last + 1):
        exc_map[o] = hours


# --------------------------------------------------------------------------- built-ins


def _builtin(name: str) -> WorkCalendar:
    off: Periods = ()
    if name == "standard":
        return WorkCalendar._from_parts(
            name="standard",
            week=(_STANDARD_DAY,) * 5 + (off, off),
            exc={},
            minutes_per_day=480,
            mpd_explicit=False,
            timezone=DEFAULT_TIMEZONE,
            holidays=None,
            fallback=None,
            description="Monday-Friday 08:00-12:00 and 13:00-17:00",
        )
    if name in ("7d", "24h"):
        return WorkCalendar._from_parts(
            name=name,
            week=(_ALL_DAY,) * 7,
            exc={},
            minutes_per_day=_MIN_PER_DAY,
            mpd_explicit=False,
            timezone=DEFAULT_TIMEZONE,
            holidays=None,
            fallback=None,
            description="every day, round the clock; a working day is 24 hours",
        )
    if name == "cn":
        return WorkCalendar._from_parts(
            name="cn",
            week=(_STANDARD_DAY,) * 5 + (off, off),
            exc={},
            minutes_per_day=480,
            mpd_explicit=False,
            timezone=DEFAULT_TIMEZONE,
            holidays="cn",
            fallback=None,
            description="mainland China statutory holidays and make-up working days "
            "(chinesecalendar), 08:00-12:00 and 13:00-17:00",
        )
    raise AssertionError(name)  # pragma: no cover


assert set(BUILTIN_CALENDARS) == {"standard", "7d", "24h", "cn"}


@functools.lru_cache(maxsize=512)
def _resolve(
    name: str,
    root: str | WorkCalendar | None,
    chain: tuple[Calendar, ...],
    timezone: str | None,
    fallback: str | None,
) -> WorkCalendar:
    """Flatten ``chain`` (base-most first) onto ``root``; cached, everything is immutable."""
    base = _builtin(root) if isinstance(root, str) else root
    week: list[Periods] = list(base._week) if base is not None else [()] * 7
    exc: dict[int, Periods] = dict(base._exc) if base is not None else {}
    # hours_per_day stated somewhere in the chain wins (the most derived one);
    # otherwise the day length is derived from the resolved work week.
    explicit = base.minutes_per_day if base is not None and base._mpd_explicit else None
    holidays = base.holiday_source if base is not None else None
    fb = base.fallback if base is not None else None
    description = base.description if base is not None else ""
    for cal in chain:
        for i, day in enumerate(cal.work_week):
            if day is not None:
                week[i] = _merge(day)
        for ex in cal.exceptions:
            _apply_exception(exc, ex)
        if cal.hours_per_day is not None:
            explicit = max(1, round(cal.hours_per_day * 60))
        if cal.fallback is not None:
            fb = cal.fallback
        if cal.description:
            description = cal.description
    if fallback is not None:
        fb = fallback
    return WorkCalendar._from_parts(
        name=name,
        week=tuple(week),
        exc=exc,
        minutes_per_day=explicit,
        mpd_explicit=explicit is not None,
        timezone=timezone or (base.timezone if base is not None else DEFAULT_TIMEZONE),
        holidays=holidays,
        fallback=fb if holidays is not None else None,
        description=description,
    )


def plugin_calendars() -> dict[str, Calendar]:
    """Calendars that installed plugins contribute (``register_calendars``), by name.

    Read from the default plugin manager, so a plugin registered there during a
    session is seen at once. Only consulted for names that are neither built in
    nor defined by the project.

    Examples
    --------
    >>> from projtrack.calendars import plugin_calendars
    >>> isinstance(plugin_calendars(), dict)
    True
    """
    from projtrack._plugins import collect_calendars, default_plugin_manager

    return collect_calendars(default_plugin_manager())


def get_calendar(
    name: str | Calendar | WorkCalendar | None,
    project: Project | None = None,
    *,
    fallback: str | None = None,
    registry: Mapping[str, Calendar | WorkCalendar] | None = None,
    timezone: str | None = None,
) -> WorkCalendar:
    """Resolve a calendar name into a :class:`WorkCalendar`.

    Names are looked up in ``project.calendars`` first, then in ``registry``
    (calendars supplied by plugins), then among the built-ins (``standard``,
    ``7d``, ``24h``, ``cn``). A calendar inherits from its ``base`` through any
    depth: days it leaves out of ``work_week`` come from the base, and its
    exceptions are applied after the base's (later ones win), so a project
    calendar based on ``cn`` can add a new State Council notice.

    Parameters
    ----------
    name
        A calendar name, or a :class:`projtrack.Calendar` (its base is looked
        up the same way), or a :class:`WorkCalendar` (returned as it is,
        moved to ``timezone`` if one is given). ``None`` means the project's
        default calendar (``standard`` without a project), which suits
        ``Activity.calendar``.
    project
        Supplies the project's own calendars and its time zone.
    fallback
        ``"weekdays"`` treats years without ``cn`` holiday data as plain
        Monday-Friday weeks (overriding the calendars' own ``fallback``);
        ``None`` (default) keeps what the calendars say, which by default
        raises :class:`~projtrack.CalendarError` for such years.
    registry
        Extra named calendars, e.g. from plugins.
    timezone
        Time zone of the working hours; default: the project's, else
        ``Asia/Shanghai``.

    Raises
    ------
    UnknownReferenceError
        If a name (or a base) is not defined anywhere.
    CalendarError
        If an argument is invalid or bases form a loop.

    Examples
    --------
    >>> import projtrack as pt
    >>> site = pt.Calendar(name="site", base="cn", work_week={"sat": [(480, 720)]},
    ...                    exceptions=[pt.CalendarException(start=pendulum.Date(2024, 3, 8),
    ...                                                      name="site closed")])
    >>> p = pt.Project(id="p", start=pendulum.Date(2024, 3, 1), calendars=[site])
    >>> cal = get_calendar("site", p)
    >>> cal.working_periods(pendulum.Date(2024, 3, 9))      # Saturday, half day
    ((480, 720),)
    >>> cal.is_working(pendulum.Date(2024, 3, 8)), cal.is_working(pendulum.Date(2024, 10, 5))
    (False, False)
    >>> get_calendar("moon")
    Traceback (most recent call last):
    ...
    projtrack.exceptions.UnknownReferenceError: calendar: unknown calendar 'moon'; use one of ...
    """
    if fallback not in _FALLBACKS:
        raise CalendarError(
            f"{fallback!r} is not a fallback; use None or 'weekdays'", field="fallback"
        )
    if timezone is not None:
        try:
            check_timezone(timezone)
        except ValueError as exc:
            raise CalendarError(str(exc), field="timezone") from None
    tz = timezone or (project.timezone if project is not None else None)
    if name is None:
        name = project.calendar if project is not None else "standard"
    if isinstance(name, WorkCalendar):
        out = name
        if fallback is not None and out.holiday_source is not None:
            out = out._replace(fallback=fallback)
        return out.in_timezone(tz) if tz else out

    own = {c.name: c for c in project.calendars} if project is not None else {}
    extra = dict(registry) if registry is not None else {}
    for key, value in extra.items():
        if not isinstance(value, Calendar | WorkCalendar):
            raise CalendarError(
                f"registry entry {key!r} is {value!r}, not a Calendar or WorkCalendar",
                field=f"registry[{key!r}]",
            )

    def lookup(ref: str, where: str) -> Calendar | WorkCalendar | str:
        if ref in own:
            return own[ref]
        if ref in extra:
            return extra[ref]
        if ref in BUILTIN_CALENDARS:
            return ref
        contributed = plugin_calendars() if registry is None else {}
        if ref in contributed:
            return contributed[ref]
        known = ", ".join(sorted({*own, *extra, *contributed, *BUILTIN_CALENDARS}))
        raise UnknownReferenceError(f"unknown calendar {ref!r}; use one of {known}", field=where)

    if isinstance(name, Calendar):
        start: Calendar | WorkCalendar | str = name
        label = name.name
    elif isinstance(name, str):
        start = lookup(name, "calendar")
        label = name
    else:
        raise CalendarError(f"{name!r} is not a calendar name", field="calendar")

    chain: list[Calendar] = []
    node = start
    seen: list[str] = []
    while isinstance(node, Calendar):
        if node.name in seen:
            raise CalendarError(
                "calendar bases form a loop: " + " -> ".join([*seen, node.name]),
                field="base",
            )
        seen.append(node.name)
        chain.append(node)
        if node.base is None:
            node = None  # type: ignore[assignment]
            break
        node = lookup(node.base, f"calendars[{node.name!r}].base")
    root: str | WorkCalendar | None = node  # type: ignore[assignment]
    if not chain and isinstance(root, WorkCalendar):
        return get_calendar(root, fallback=fallback, timezone=tz)
    return _resolve(label, root, tuple(reversed(chain)), tz, fallback)
