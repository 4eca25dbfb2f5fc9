"""Date and time helpers: parsing, time-zone policy, ISO formatting.

Dates enter projtrack as :class:`pendulum.Date` (a calendar day) or as
time-zone-aware :class:`pendulum.DateTime` (an instant). Naive datetimes are
localised to the project's time zone (``Asia/Shanghai`` unless the project
says otherwise). The library never reads the clock.
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any, TypeAlias

import pendulum

__all__ = [
    "DEFAULT_TIMEZONE",
    "DateLike",
    "format_when",
    "parse_date",
    "parse_when",
]

DEFAULT_TIMEZONE = "Asia/Shanghai"

#: A calendar day or an aware instant.
DateLike: TypeAlias = "pendulum.Date | pendulum.DateTime"


def check_timezone(name: str) -> str:
    """Return ``name`` if it is a known IANA time zone, else raise ``ValueError``."""
    try:
        pendulum.timezone(name)
    except Exception as exc:  # pendulum raises InvalidTimezone / ZoneInfoNotFoundError
        raise ValueError(
            f"unknown time zone {name!r}; use an IANA name such as 'Asia/Shanghai'"
        ) from exc
    return name


def parse_date(value: Any) -> pendulum.Date:
    """Parse a calendar day from a :class:`datetime.date` or an ISO ``YYYY-MM-DD`` string.

    Examples
    --------
    >>> parse_date("2022-12-01")
    Date(2022, 12, 1)
    """
    if isinstance(value, _dt.datetime):
        raise ValueError(f"{value.isoformat()!r} is a date and time; expected a date YYYY-MM-DD")
    if isinstance(value, _dt.date):
        return pendulum.Date(value.year, value.month, value.day)
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 10:
            try:
                d = _dt.date.fromisoformat(text)
            except ValueError:
                pass
            else:
                return pendulum.Date(d.year, d.month, d.day)
        raise ValueError(f"{value!r} is not a date; write it as YYYY-MM-DD, e.g. 2022-12-01")
    raise ValueError(f"{value!r} is not a date; write it as YYYY-MM-DD, e.g. 2022-12-01")


def parse_when(value: Any, tz: str = DEFAULT_TIMEZONE) -> pendulum.Date | pendulum.DateTime:
    """Parse a day or an instant.

    A value with a time becomes an aware :class:`pendulum.DateTime` (naive values
    are taken to be in ``tz``); a plain day stays a :class:`pendulum.Date`.

    Examples
    --------
    >>> parse_when("2022-12-01")
    Date(2022, 12, 1)
    >>> parse_when("2022-12-01T08:30")
    DateTime(2022, 12, 1, 8, 30, 0, tzinfo=Timezone('Asia/Shanghai'))
    >>> parse_when("2022-12-01T08:30:00+00:00").isoformat()
    '2022-12-01T08:30:00+00:00'
    """
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            return pendulum.instance(value, tz=pendulum.timezone(tz))
        return pendulum.instance(value)
    if isinstance(value, _dt.date):
        return pendulum.Date(value.year, value.month, value.day)
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 10:
            return parse_date(text)
        try:
            parsed = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                f"{value!r} is not a date or date-time; write YYYY-MM-DD or "
                "YYYY-MM-DDTHH:MM[:SS][+08:00]"
            ) from None
        return parse_when(parsed, tz)
    raise ValueError(
        f"{value!r} is not a date or date-time; write YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+08:00]"
    )


def format_when(value: _dt.date) -> str:
    """Format a day or an aware instant as ISO 8601 (offset kept, seconds always shown).

    Examples
    --------
    >>> format_when(pendulum.Date(2022, 12, 1))
    '2022-12-01'
    >>> format_when(pendulum.datetime(2022, 12, 1, 8, tz="Asia/Shanghai"))
    '2022-12-01T08:00:00+08:00[Asia/Shanghai]'
    >>> format_when(pendulum.datetime(2022, 12, 1, 8, tz=pendulum.fixed_timezone(8 * 3600)))
    '2022-12-01T08:00:00+08:00'
    """
    if isinstance(value, _dt.datetime):
        tzname = getattr(value.tzinfo, "name", None)
        text = value.isoformat()
        # Keep the IANA zone when it is not the fixed offset itself, so that
        # a round trip restores the same tzinfo, not just the same instant.
        if tzname and "/" in tzname:
            return f"{text}[{tzname}]"
        return text
    return value.isoformat()


def parse_iso_with_zone(text: str, tz: str) -> pendulum.Date | pendulum.DateTime:
    """Parse :func:`format_when` output back, honouring a ``[Area/City]`` suffix."""
    if text.endswith("]") and "[" in text:
        stamp, zone = text[:-1].split("[", 1)
        check_timezone(zone)
        parsed = parse_when(stamp, tz)
        if isinstance(parsed, pendulum.DateTime):
            return parsed.in_timezone(zone)
        return parsed
    return parse_when(text, tz)


def is_aware(value: Any) -> bool:
    """Whether ``value`` is a date (no time) or an aware datetime."""
    if isinstance(value, _dt.datetime):
        return value.tzinfo is not None and value.tzinfo.utcoffset(value) is not None
    return isinstance(value, _dt.date)


def unit_minutes(unit: str, minutes_per_day: float) -> float:
    """Minutes in one unit of a duration or lag.

    ``d`` is a working day of ``minutes_per_day`` (the calendar's), ``h`` and
    ``eh`` an hour, ``ed`` a day of 24 hours.

    Examples
    --------
    >>> unit_minutes("d", 480), unit_minutes("ed", 480), unit_minutes("h", 480)
    (480, 1440, 60)
    """
    if unit == "d":
        return minutes_per_day
    return 1440 if unit == "ed" else 60


def finite_number(value: Any) -> bool:
    """Whether ``value`` is an int or float (not a bool) and finite."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )
