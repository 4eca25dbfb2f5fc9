"""Names of the built-in calendars.

Kept apart so the model can validate without importing the calendar arithmetic.
"""

from __future__ import annotations

__all__ = ["BUILTIN_CALENDARS", "builtin_calendar_names"]

#: Built-in calendar names: ``standard`` (Mon-Fri 08:00-17:00 with a lunch
#: hour), ``7d`` (every day working), ``24h`` (round the clock) and ``cn``
#: (mainland China statutory holidays and make-up working days).
BUILTIN_CALENDARS = ("standard", "7d", "24h", "cn")


def builtin_calendar_names() -> frozenset[str]:
    """Return the names a project may use without defining them.

    Examples
    --------
    >>> sorted(builtin_calendar_names())
    ['24h', '7d', 'cn', 'standard']
    """
    return frozenset(BUILTIN_CALENDARS)
