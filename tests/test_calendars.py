"""Working-time calendars: built-ins, ``cn`` holiday data, inheritance, arithmetic.

The property tests compare the calendars against oracles written here
independently of ``projtrack.calendars``: per-day working periods derived
directly from the calendar definitions (and, for ``cn``, from
``chinese_calendar.is_workday``), with brute-force loops for the arithmetic.
"""

from __future__ import annotations

import datetime as dt
import pickle
import time

import chinese_calendar
import numpy as np
import pendulum
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import projtrack as pt
from projtrack.calendars import WorkCalendar, get_calendar

TZ = "Asia/Shanghai"
STD = ((480, 720), (780, 1020))
ALL_DAY = ((0, 1440),)
D = pendulum.Date


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> pendulum.DateTime:
    return pendulum.datetime(y, m, d, hh, mm, tz=TZ)


# --------------------------------------------------------------------------- test calendars

# A night-shift calendar with all kinds of exceptions, built directly.
SHIFT_WEEK = [[(0, 360), (1320, 1440)]] * 5 + [[(0, 360)], []]
SHIFT_EXCEPTIONS = [
    pt.CalendarException(start=D(2024, 5, 1), end=D(2024, 5, 3), name="Labour Day"),
    pt.CalendarException(start=D(2024, 6, 10), hours=[(600, 660)], name="short day"),
    pt.CalendarException(start=D(2024, 6, 16), hours=[(0, 1440)], name="extra Sunday"),
    pt.CalendarException(start=D(2024, 6, 11), end=D(2024, 6, 14), hours=[(480, 600)]),
    pt.CalendarException(start=D(2024, 6, 12), name="later wins"),
]
SHIFT = WorkCalendar("shift", SHIFT_WEEK, exceptions=SHIFT_EXCEPTIONS, minutes_per_day=480)

# A project calendar based on cn: half-day Saturdays, National Day 2024-10-07 worked.
SITE = pt.Calendar(
    name="site",
    base="cn",
    work_week={"sat": [(480, 720)]},
    exceptions=[pt.CalendarException(start=D(2024, 10, 7), hours=[(480, 720)], name="rush")],
)
SITE_PROJECT = pt.Project(id="p", start=D(2024, 1, 2), calendars=[SITE], calendar="site")


def oracle_periods(name: str, day: dt.date) -> tuple[tuple[int, int], ...]:
    """Working periods of ``day``, written from the definitions, not from the library."""
    if name == "standard":
        return STD if day.weekday() < 5 else ()
    if name in ("7d", "24h"):
        return ALL_DAY
    if name == "cn":
        return STD if chinese_calendar.is_workday(day) else ()
    if name == "site":
        if day == dt.date(2024, 10, 7):
            return ((480, 720),)
        if day in chinese_calendar.workdays:
            return STD
        if day in chinese_calendar.holidays:
            return ()
        return {5: ((480, 720),), 6: ()}.get(day.weekday(), STD)
    if name == "shift":
        if dt.date(2024, 5, 1) <= day <= dt.date(2024, 5, 3) or day == dt.date(2024, 6, 12):
            return ()
        if day == dt.date(2024, 6, 10):
            return ((600, 660),)
        if day == dt.date(2024, 6, 16):
            return ALL_DAY
        if dt.date(2024, 6, 11) <= day <= dt.date(2024, 6, 14):
            return ((480, 600),)
        return {5: ((0, 360),), 6: ()}.get(day.weekday(), ((0, 360), (1320, 1440)))
    raise AssertionError(name)


def calendar(name: str) -> WorkCalendar:
    if name == "shift":
        return SHIFT
    if name == "site":
        return get_calendar("site", SITE_PROJECT)
    return get_calendar(name)


NAMES = ["standard", "7d", "24h", "cn", "site", "shift"]

# Instants from 2023 to 2025 (inside chinesecalendar's data) with a bias for
# period boundaries, where conventions matter.
BOUNDARY_MINUTES = [0, 360, 480, 600, 660, 720, 780, 1020, 1320, 1439]
days_st = st.dates(dt.date(2023, 1, 1), dt.date(2025, 12, 31))
instants_st = st.builds(
    lambda day, us: pendulum.datetime(day.year, day.month, day.day, tz=TZ).add(microseconds=us),
    days_st,
    st.one_of(
        st.sampled_from(BOUNDARY_MINUTES).map(lambda m: m * 60_000_000),
        st.integers(0, 1439).map(lambda m: m * 60_000_000),
        st.integers(0, 86_400_000_000 - 1),
    ),
)
durations_st = st.one_of(
    st.integers(-40, 40),
    st.sampled_from([0.5, -0.5, 1.25, -2.75]),
    st.integers(-20_000, 20_000).map(lambda m: dt.timedelta(minutes=m)),
    st.integers(-(10**11), 10**11).map(lambda us: dt.timedelta(microseconds=us)),
)
names_st = st.sampled_from(NAMES)


def oracle_working_us(name: str, a: pendulum.DateTime, b: pendulum.DateTime) -> int:
    """Working microseconds in [a, b) by walking day by day (a <= b)."""
    a_day, b_day = a.date(), b.date()
    a_us = as_us(a - pendulum.datetime(a.year, a.month, a.day, tz=TZ))
    b_us = as_us(b - pendulum.datetime(b.year, b.month, b.day, tz=TZ))
    total = 0
    day = a_day
    while day <= b_day:
        lo = a_us if day == a_day else 0
        hi = b_us if day == b_day else 86_400_000_000
        for s, e in oracle_periods(name, day):
            s_us, e_us = s * 60_000_000, e * 60_000_000
            total += max(0, min(e_us, hi) - max(s_us, lo))
        day += dt.timedelta(days=1)
    return total


def as_us(duration: dt.timedelta) -> int:
    # Through timedelta's own fields: pendulum 3.3's Duration cannot
    # floor-divide by a plain timedelta, and its days/seconds are signed parts.
    days = dt.timedelta.days.__get__(duration)
    seconds = dt.timedelta.seconds.__get__(duration)
    return (days * 86_400 + seconds) * 1_000_000 + dt.timedelta.microseconds.__get__(duration)


# --------------------------------------------------------------------------- checked by


def test_cn_make_up_sunday_is_a_working_day() -> None:
    assert dt.date(2024, 2, 4).weekday() == 6
    assert get_calendar("cn").is_working(D(2024, 2, 4))


def test_cn_national_day_in_lieu_monday_is_not_a_working_day() -> None:
    assert dt.date(2024, 10, 7).weekday() == 0
    assert not get_calendar("cn").is_working(D(2024, 10, 7))


def test_cn_year_without_data_raises_unless_fallback() -> None:
    with pytest.raises(pt.CalendarError, match=r"2027.*fallback='weekdays'"):
        get_calendar("cn").is_working(D(2027, 1, 4))
    fb = get_calendar("cn", fallback="weekdays")
    assert fb.is_working(D(2027, 1, 4))  # Monday
    assert not fb.is_working(D(2027, 1, 2))  # Saturday
    assert fb.is_working(D(2024, 2, 4))  # data years keep their data
    assert not fb.is_working(D(2024, 10, 7))


def test_cn_fallback_from_the_model_field() -> None:
    cal = pt.Calendar(name="cn-fb", base="cn", fallback="weekdays")
    project = pt.Project(id="p", start=D(2024, 1, 2), calendars=[cal])
    assert get_calendar("cn-fb", project).is_working(D(2027, 1, 4))
    without = pt.Project(id="p", start=D(2024, 1, 2), calendars=[pt.Calendar(name="x", base="cn")])
    with pytest.raises(pt.CalendarError, match="2027"):
        get_calendar("x", without).is_working(D(2027, 1, 4))


def test_cn_error_reaches_every_entry_point() -> None:
    cn = get_calendar("cn")
    calls = [
        lambda: cn.add_working(D(2026, 12, 20), 30),
        lambda: cn.add_working(D(2004, 1, 10), -30),
        lambda: cn.working_between(D(2026, 6, 1), D(2027, 6, 1)),
        lambda: cn.periods_between(D(2026, 12, 1), D(2027, 1, 10)),
        lambda: cn.add_working_days(D(2026, 12, 25), 10),
        lambda: cn.working_days_between(D(2003, 6, 1), D(2004, 6, 1)),
        lambda: list(cn.working_days(D(2026, 12, 30), D(2027, 1, 2))),
    ]
    for call in calls:
        with pytest.raises(pt.CalendarError, match=r"20(27|03)"):
            call()


def test_cn_data_range_follows_the_package() -> None:
    first, last = get_calendar("cn").defined_range  # type: ignore[misc]
    # chinesecalendar's own range check: raises outside, answers inside.
    chinese_calendar.is_workday(first)
    chinese_calendar.is_workday(last)
    for outside in (first - dt.timedelta(days=1), last + dt.timedelta(days=1)):
        with pytest.raises(NotImplementedError):
            chinese_calendar.is_workday(outside)
        with pytest.raises(pt.CalendarError):
            get_calendar("cn").is_working(outside)


def test_cn_agrees_with_chinesecalendar_on_every_day() -> None:
    cn = get_calendar("cn")
    first, last = cn.defined_range  # type: ignore[misc]
    starts, _ = cn.periods_between(first, last)
    day_has_work = np.zeros((last - first).days + 1, dtype=bool)
    day_has_work[starts // 1440] = True
    day = first
    mismatches = []
    for i in range(day_has_work.size):
        expected = chinese_calendar.is_workday(day)
        if day_has_work[i] != expected or cn.is_working(day) != expected:
            mismatches.append(day)
        day += dt.timedelta(days=1)
    assert mismatches == []


@pytest.mark.parametrize(("year", "count"), [(2024, 251), (2025, 248), (2026, 248)])
def test_cn_working_days_per_year_match_the_official_notices(year: int, count: int) -> None:
    cn = get_calendar("cn")
    assert cn.working_days_between(D(year - 1, 12, 31), D(year, 12, 31)) == count
    assert len(list(cn.working_days(D(year, 1, 1), D(year, 12, 31)))) == count


def test_cn_2024_make_up_days_and_holidays_from_the_notice() -> None:
    cn = get_calendar("cn")
    make_up = ["02-04", "02-18", "04-07", "04-28", "05-11", "09-14", "09-29", "10-12"]
    assert all(cn.is_working(D.fromisoformat(f"2024-{md}")) for md in make_up)
    off = [
        (D(2024, 2, 10), D(2024, 2, 17)),
        (D(2024, 5, 1), D(2024, 5, 5)),
        (D(2024, 10, 1), D(2024, 10, 7)),
    ]
    for first, last in off:
        assert list(cn.working_days(first, last)) == []
    # Counted by hand from the notice: after Fri 20 Sep, the 20th working day
    # (Sun 29 Sep and Sat 12 Oct worked, 1-7 Oct off) is Wed 23 Oct.
    assert cn.add_working_days(D(2024, 9, 20), 20) == D(2024, 10, 23)


# --------------------------------------------------------------------------- built-ins


def test_minutes_per_day_of_the_built_ins() -> None:
    assert {n: get_calendar(n).minutes_per_day for n in ("standard", "7d", "24h", "cn")} == {
        "standard": 480,
        "7d": 1440,
        "24h": 1440,
        "cn": 480,
    }


def test_standard_day_and_lunch_break() -> None:
    cal = get_calendar("standard")
    mon = at(2024, 3, 4, 8)
    assert cal.add_working(mon, 1) == at(2024, 3, 4, 17)
    assert cal.add_working(at(2024, 3, 4, 11), pendulum.duration(hours=2)) == at(2024, 3, 4, 14)
    # Four hours from 08:00 finish at noon (finish convention), not at 13:00.
    assert cal.add_working(mon, pendulum.duration(hours=4)) == at(2024, 3, 4, 12)
    assert cal.add_working(mon, pendulum.duration(hours=4), convention="start") == at(
        2024, 3, 4, 13
    )
    assert cal.working_between(at(2024, 3, 4, 11, 30), at(2024, 3, 4, 13, 30)) == (
        pendulum.duration(hours=1)
    )
    assert [
        cal.is_working(at(2024, 3, 4, h, m))
        for h, m in [(7, 59), (8, 0), (11, 59), (12, 0), (12, 30), (13, 0), (16, 59), (17, 0)]
    ] == [
        False,
        True,
        True,
        False,
        False,
        True,
        True,
        False,
    ]
    assert not cal.is_working(D(2024, 3, 9)) and not cal.is_working(D(2024, 3, 10))
    # Friday 16:00 plus two hours of work is Monday 09:00.
    assert cal.add_working(at(2024, 3, 8, 16), pendulum.duration(hours=2)) == at(2024, 3, 11, 9)


def test_7d_days_are_calendar_days_and_dates_are_midnights() -> None:
    cal = get_calendar("7d")
    start = D(2024, 2, 26)
    for n in range(-10, 11):
        expected = start + dt.timedelta(days=n)
        assert cal.add_working(start, n) == at(expected.year, expected.month, expected.day)
        assert cal.add_working_days(start, n) == expected
        assert cal.working_days_between(start, expected) == n
    assert cal.working_between(start, D(2024, 3, 4)) / cal.day_length == 7.0


def test_24h_is_elapsed_time() -> None:
    cal = get_calendar("24h")
    t = at(2024, 12, 31, 21, 17)
    for hours in (1, 5, 30, 1000):
        assert cal.add_working(t, pendulum.duration(hours=hours)) == t.add(hours=hours)
    s, e = cal.periods_between(D(2024, 1, 1), D(2024, 12, 31))
    assert s.tolist() == [0] and e.tolist() == [366 * 1440]


def test_get_calendar_caches_and_results_are_immutable() -> None:
    assert get_calendar("cn") is get_calendar("cn")
    assert get_calendar("site", SITE_PROJECT) is get_calendar("site", SITE_PROJECT)
    cal = get_calendar("standard")
    with pytest.raises(AttributeError):
        cal.minutes_per_day = 1  # type: ignore[misc]
    assert hash(cal.key) == hash(get_calendar("standard").key)
    assert pickle.loads(pickle.dumps(get_calendar("cn"))) == get_calendar("cn")
    assert get_calendar("7d").key == get_calendar("24h").key
    assert get_calendar("7d") != get_calendar("24h")  # same time, different names


# --------------------------------------------------------------------------- exceptions


def test_exceptions_holiday_extra_day_partial_day_and_ranges() -> None:
    for day in (D(2024, 5, 1), D(2024, 5, 2), D(2024, 5, 3), D(2024, 6, 12)):
        assert SHIFT.working_periods(day) == ()
    assert SHIFT.working_periods(D(2024, 6, 10)) == ((600, 660),)  # partial day
    assert SHIFT.working_periods(D(2024, 6, 16)) == ((0, 1440),)  # extra Sunday
    assert SHIFT.working_periods(D(2024, 6, 13)) == ((480, 600),)  # inside the range
    assert SHIFT.working_periods(D(2024, 6, 17)) == ((0, 360), (1320, 1440))  # back to normal
    # The night shift runs over midnight: 22:00 + 8 h = 06:00 next morning.
    assert SHIFT.add_working(at(2024, 3, 4, 22), 1) == at(2024, 3, 5, 6)
    two_hours = pendulum.duration(hours=2)
    assert SHIFT.working_between(at(2024, 3, 4, 23), at(2024, 3, 5, 1)) == two_hours


def test_touching_periods_are_merged() -> None:
    cal = WorkCalendar(
        "split",
        [[(480, 720), (720, 1020)]] * 5 + [[], []],
        exceptions=[pt.CalendarException(start=D(2024, 3, 9), hours=[(0, 60), (60, 120)])],
    )
    assert cal.working_periods(D(2024, 3, 4)) == ((480, 1020),)
    assert cal.working_periods(D(2024, 3, 9)) == ((0, 120),)
    assert cal.minutes_per_day == 540


def test_project_exceptions_override_cn_holidays_and_make_up_days_use_weekday_hours() -> None:
    late = pt.Calendar(
        name="late",
        base="cn",
        work_week={d: [(540, 1080)] for d in ("mon", "tue", "wed", "thu", "fri")},
        exceptions=[pt.CalendarException(start=D(2024, 10, 2), hours=[(600, 720)])],
    )
    cal = get_calendar("late", pt.Project(id="p", start=D(2024, 1, 2), calendars=[late]))
    assert cal.minutes_per_day == 540  # derived from the new week
    assert cal.working_periods(D(2024, 10, 2)) == ((600, 720),)  # project exception wins
    assert cal.working_periods(D(2024, 10, 3)) == ()  # cn holiday still applies
    assert cal.working_periods(D(2024, 9, 29)) == ((540, 1080),)  # make-up Sunday
    assert cal.working_periods(D(2024, 9, 28)) == ()  # ordinary Saturday


def test_base_inheritance_two_levels_deep() -> None:
    a = pt.Calendar(
        name="a",
        base="cn",
        hours_per_day=7.5,
        exceptions=[
            pt.CalendarException(start=D(2024, 3, 1), name="closed"),
            pt.CalendarException(start=D(2024, 3, 4), name="closed"),
        ],
    )
    b = pt.Calendar(name="b", base="a", work_week={"sat": [(480, 720)]})
    c = pt.Calendar(
        name="c",
        base="b",
        work_week={"mon": [(600, 900)]},
        exceptions=[pt.CalendarException(start=D(2024, 3, 4), hours=[(480, 540)])],
    )
    project = pt.Project(id="p", start=D(2024, 1, 2), calendars=[c, b, a])
    cal = get_calendar("c", project)
    assert cal.minutes_per_day == 450  # hours_per_day inherited from a
    assert cal.working_periods(D(2024, 3, 1)) == ()  # a's exception
    assert cal.working_periods(D(2024, 3, 4)) == ((480, 540),)  # c's exception beats a's
    assert cal.working_periods(D(2024, 3, 2)) == ((480, 720),)  # b's Saturday
    assert cal.working_periods(D(2024, 3, 11)) == ((600, 900),)  # c's Monday
    assert cal.working_periods(D(2024, 3, 12)) == STD  # cn's Tuesday
    assert cal.working_periods(D(2024, 10, 5)) == ()  # cn's holiday on a Saturday
    assert cal.is_working(D(2024, 2, 4))  # cn's make-up Sunday
    assert get_calendar("b", project).working_periods(D(2024, 3, 4)) == ()


def test_a_new_notice_for_an_uncovered_year() -> None:
    notice = pt.Calendar(
        name="cn-2027",
        base="cn",
        fallback="weekdays",
        exceptions=[
            pt.CalendarException(start=D(2027, 1, 1), name="New Year"),
            pt.CalendarException(
                start=D(2027, 1, 9), hours=[(480, 720), (780, 1020)], name="make-up Saturday"
            ),
        ],
    )
    strict = pt.Calendar(name="strict", base="cn", exceptions=notice.exceptions)
    project = pt.Project(id="p", start=D(2026, 6, 1), calendars=[notice, strict])
    cal = get_calendar("cn-2027", project)
    assert not cal.is_working(D(2027, 1, 1))
    assert cal.is_working(D(2027, 1, 9))
    assert cal.is_working(D(2027, 1, 4))
    # Without the fallback only the days the exceptions fix can be answered.
    s = get_calendar("strict", project)
    assert s.is_working(D(2027, 1, 9))
    with pytest.raises(pt.CalendarError, match="2027"):
        s.is_working(D(2027, 1, 4))


# --------------------------------------------------------------------------- get_calendar


def test_unknown_names_and_bad_arguments() -> None:
    with pytest.raises(pt.UnknownReferenceError, match="moon"):
        get_calendar("moon")
    with pytest.raises(pt.CalendarError, match="fallback"):
        get_calendar("cn", fallback="guess")
    with pytest.raises(pt.CalendarError, match="time zone"):
        get_calendar("cn", timezone="Mars/Base")
    loop = {"x": pt.Calendar(name="x", base="y"), "y": pt.Calendar(name="y", base="x")}
    with pytest.raises(pt.CalendarError, match="loop"):
        get_calendar("x", registry=loop)


def test_registry_supplies_calendars_and_the_project_wins() -> None:
    night = WorkCalendar("night", [[(1320, 1440)]] * 7)
    registry = {
        "night": night,
        "night-no-sun": pt.Calendar(name="night-no-sun", base="night", work_week={"sun": []}),
        "site": pt.Calendar(name="site", base="7d"),
    }
    assert get_calendar("night", registry=registry) is night
    derived = get_calendar("night-no-sun", registry=registry)
    assert derived.working_periods(D(2024, 3, 10)) == ()
    assert derived.working_periods(D(2024, 3, 11)) == ((1320, 1440),)
    assert derived.minutes_per_day == 120
    # The project's own "site" is found before the registry's.
    assert get_calendar("site", SITE_PROJECT, registry=registry).holiday_source == "cn"


def test_none_means_the_project_default() -> None:
    assert get_calendar(None, SITE_PROJECT) is get_calendar("site", SITE_PROJECT)
    assert get_calendar(None).name == "standard"


def test_time_zone_comes_from_the_project() -> None:
    project = pt.Project(id="p", start=D(2024, 1, 2), timezone="Europe/Berlin")
    cal = get_calendar("standard", project)
    assert cal.timezone == "Europe/Berlin"
    result = cal.add_working(pendulum.datetime(2024, 3, 4, 7, tz="UTC"), pendulum.duration(hours=1))
    assert result == pendulum.datetime(2024, 3, 4, 9, tz="Europe/Berlin")
    assert result.timezone_name == "Europe/Berlin"


def test_inputs_naive_strings_and_errors() -> None:
    cal = get_calendar("standard")
    naive = dt.datetime(2024, 3, 4, 8)
    assert cal.add_working(naive, 1) == at(2024, 3, 4, 17)
    assert cal.add_working("2024-03-04T08:00", 1) == at(2024, 3, 4, 17)
    assert cal.is_working("2024-03-04") and not cal.is_working("2024-03-04T12:00")
    with pytest.raises(pt.CalendarError, match="date"):
        cal.add_working(42, 1)  # type: ignore[arg-type]
    with pytest.raises(pt.CalendarError, match="months"):
        cal.add_working(naive, pendulum.duration(months=1))
    with pytest.raises(pt.CalendarError, match="finite"):
        cal.add_working(naive, float("nan"))
    with pytest.raises(pt.CalendarError, match="convention"):
        cal.add_working(naive, 1, convention="middle")  # type: ignore[arg-type]
    with pytest.raises(pt.CalendarError, match="whole number"):
        cal.add_working_days(D(2024, 3, 4), 1.5)  # type: ignore[arg-type]
    assert cal.add_working_days(D(2024, 3, 4), 2.0) == D(2024, 3, 6)  # type: ignore[arg-type]


def test_calendars_with_finite_working_time_raise_instead_of_looping() -> None:
    sittings = WorkCalendar(
        "sittings",
        [None] * 7,
        exceptions=[pt.CalendarException(start=D(2024, 3, 5), hours=[(540, 600)])],
    )
    assert sittings.minutes_per_day == 60
    assert sittings.add_working(D(2024, 3, 1), 1) == at(2024, 3, 5, 10)
    with pytest.raises(pt.CalendarError, match="after 2024-03-05"):
        sittings.add_working(D(2024, 3, 1), 2)
    with pytest.raises(pt.CalendarError, match="before 2024-03-05"):
        sittings.add_working_days(D(2024, 3, 5), -1)
    never = WorkCalendar("never", [()] * 7, minutes_per_day=60)
    with pytest.raises(pt.CalendarError, match="no working time at all"):
        never.snap_start(D(2024, 3, 1))
    with pytest.raises(pt.CalendarError, match="hours_per_day"):
        WorkCalendar("never", [()] * 7).add_working(D(2024, 3, 1), 1)


def test_conventions_and_snapping() -> None:
    cal = get_calendar("standard")
    fri_17 = at(2024, 3, 8, 17)
    assert cal.snap_start(fri_17) == at(2024, 3, 11, 8)
    assert cal.snap_finish(at(2024, 3, 11, 8)) == fri_17
    assert cal.snap_finish(at(2024, 3, 11, 12, 30)) == at(2024, 3, 11, 12)
    assert cal.next_working_instant(at(2024, 3, 11, 12, 30)) == at(2024, 3, 11, 13)
    assert cal.add_working(fri_17, 0) == fri_17
    assert cal.add_working(fri_17, 0, convention="start") == at(2024, 3, 11, 8)
    # Subtracting lands on a start; with convention="finish" on the previous end.
    assert cal.add_working(at(2024, 3, 11, 17), -1) == at(2024, 3, 11, 8)
    assert cal.add_working(at(2024, 3, 11, 17), -1, convention="finish") == fri_17


def test_periods_between_edges() -> None:
    cal = get_calendar("standard")
    s, e = cal.periods_between(D(2024, 3, 5), D(2024, 3, 4))
    assert s.size == e.size == 0 and s.dtype == e.dtype == np.int64
    s, e = cal.periods_between(D(2024, 3, 9), D(2024, 3, 10))  # a weekend
    assert s.size == 0
    # The night shift merges over midnight: Mon 22:00 - Tue 06:00 is one interval.
    s, e = SHIFT.periods_between(D(2024, 3, 4), D(2024, 3, 5))
    assert s.tolist() == [0, 22 * 60, 1440 + 22 * 60]
    assert e.tolist() == [6 * 60, 1440 + 6 * 60, 2 * 1440]


def test_periods_between_cn_over_20_years_is_fast() -> None:
    cn = get_calendar("cn")
    cn.periods_between(D(2005, 1, 1), D(2005, 1, 31))  # load the holiday data
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        s, e = cn.periods_between(D(2005, 1, 1), D(2024, 12, 31))
        best = min(best, time.perf_counter() - t0)
    assert best < 0.05
    assert int((e - s).sum()) == 480 * sum(
        1 for n in range(7305) if chinese_calendar.is_workday(dt.date(2005, 1, 1) + dt.timedelta(n))
    )


# --------------------------------------------------------------------------- properties


@given(names_st, instants_st, durations_st, st.sampled_from(["auto", "start", "finish"]))
def test_add_then_measure_gives_the_duration(
    name: str, t: pendulum.DateTime, d: object, convention: str
) -> None:
    cal = calendar(name)
    result = cal.add_working(t, d, convention=convention)  # type: ignore[arg-type]
    if isinstance(d, dt.timedelta):
        expected = as_us(d)
    else:
        expected = round(d * cal.minutes_per_day * 60_000_000)  # type: ignore[operator]
    assert as_us(cal.working_between(t, result)) == expected
    # Independent check of the measured amount.
    lo, hi = (t, result) if result >= t else (result, t)
    assert oracle_working_us(name, lo, hi) == abs(expected)
    if expected > 0:
        assert result > t
    elif expected < 0:
        assert result < t


@given(names_st, instants_st, durations_st)
def test_landing_conventions(name: str, t: pendulum.DateTime, d: object) -> None:
    cal = calendar(name)
    finish = cal.add_working(t, d, convention="finish")  # type: ignore[arg-type]
    start = cal.add_working(t, d, convention="start")  # type: ignore[arg-type]
    assert finish <= start
    assert cal.working_between(finish, start) == dt.timedelta(0)
    assert cal.snap_start(finish) == start
    assert cal.snap_finish(start) == finish
    assert cal.is_working(start)
    if finish < start:
        assert not cal.is_working(finish)


@given(names_st, instants_st, st.integers(1, 10**12))
def test_add_then_subtract_is_identity_on_working_instants(
    name: str, t: pendulum.DateTime, us: int
) -> None:
    cal = calendar(name)
    assume(cal.is_working(t))
    d = dt.timedelta(microseconds=us)
    there = cal.add_working(t, d)
    assert cal.add_working(there, -d) == t


@given(names_st, instants_st, instants_st, instants_st)
def test_working_between_is_additive(
    name: str, a: pendulum.DateTime, b: pendulum.DateTime, c: pendulum.DateTime
) -> None:
    cal = calendar(name)
    assert cal.working_between(a, b) + cal.working_between(b, c) == cal.working_between(a, c)
    assert cal.working_between(a, b) == -cal.working_between(b, a)


@given(names_st, instants_st, st.integers(0, 12))
def test_working_between_matches_a_brute_force_oracle(
    name: str, a: pendulum.DateTime, days: int
) -> None:
    cal = calendar(name)
    b = a.add(days=days, minutes=days * 97)
    assert as_us(cal.working_between(a, b)) == oracle_working_us(name, a, b)


@given(names_st, instants_st)
def test_is_working_is_consistent_with_working_periods(name: str, t: pendulum.DateTime) -> None:
    cal = calendar(name)
    day = t.date()
    periods = cal.working_periods(day)
    assert periods == oracle_periods(name, day)
    minute = (t.hour * 60 + t.minute) + (t.second + t.microsecond / 1e6) / 60
    assert cal.is_working(t) == any(s <= minute < e for s, e in periods)
    assert cal.is_working(day) == bool(periods)


@given(names_st, days_st, st.integers(0, 40))
def test_periods_between_agrees_with_working_periods(name: str, first: dt.date, ndays: int) -> None:
    cal = calendar(name)
    last = first + dt.timedelta(days=ndays)
    starts, ends = cal.periods_between(first, last)
    assert starts.dtype == ends.dtype == np.int64
    assert np.all(starts < ends)
    assert np.all(starts[1:] > ends[:-1])  # sorted, and touching ones merged
    # Cut the merged intervals at midnights and compare day by day.
    per_day: dict[int, list[tuple[int, int]]] = {}
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        while s < e:
            k, off = divmod(s, 1440)
            cut = min(e, (k + 1) * 1440)
            per_day.setdefault(k, []).append((off, cut - k * 1440))
            s = cut
    for k in range(ndays + 1):
        day = first + dt.timedelta(days=k)
        assert tuple(per_day.get(k, [])) == cal.working_periods(day) == oracle_periods(name, day)


@given(names_st, days_st, st.integers(-30, 30))
def test_add_working_days_matches_a_day_by_day_loop(name: str, day: dt.date, n: int) -> None:
    cal = calendar(name)

    def works(d: dt.date) -> bool:
        return bool(oracle_periods(name, d))

    expected = day
    if n == 0:
        while not works(expected):
            expected += dt.timedelta(days=1)
    else:
        step = dt.timedelta(days=1 if n > 0 else -1)
        left = abs(n)
        while left:
            expected += step
            if works(expected):
                left -= 1
    result = cal.add_working_days(day, n)
    assert result == expected
    if n > 0 or works(day):
        assert cal.working_days_between(day, result) == n
    elif n == 0:
        assert result > day and cal.working_days_between(day, result) == 1


@given(names_st, days_st, st.integers(0, 100), st.integers(0, 100))
def test_working_day_counts_add_up_and_match_the_iteration(
    name: str, a: dt.date, i: int, j: int
) -> None:
    cal = calendar(name)
    b, c = a + dt.timedelta(days=i), a + dt.timedelta(days=i + j)
    ab, bc, ac = (
        cal.working_days_between(a, b),
        cal.working_days_between(b, c),
        cal.working_days_between(a, c),
    )
    assert ab + bc == ac
    assert cal.working_days_between(c, a) == -ac
    listed = list(cal.working_days(a + dt.timedelta(days=1), c))
    assert len(listed) == ac
    assert listed == [
        a + dt.timedelta(days=k)
        for k in range(1, i + j + 1)
        if oracle_periods(name, a + dt.timedelta(days=k))
    ]
