"""Helpers shared by the foreign-format readers: located errors, bounded numbers, dates.

Every reader raises :class:`~projtrack.ImportFormatError` for anything wrong
with its input, naming the file, the line and the field, so that callers
(and the fuzz tests) can rely on one exception type.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import gc
import math
import os
import re
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pendulum

from projtrack.calendars import _merge
from projtrack.exceptions import ImportFormatError, ProjtrackError

__all__ = [
    "MAX_HOURS",
    "MAX_INPUT_BYTES",
    "Where",
    "gc_paused",
    "local_datetime",
    "read_input",
]

#: Durations, lags and floats beyond this many hours (about 1,100 years) are refused.
MAX_HOURS = 1e7
#: Readers refuse inputs larger than this (1 GiB): memory stays bounded by the input.
MAX_INPUT_BYTES = 1 << 30
#: Date-times outside these years are refused (P6 uses 1899-12-30 as "no date").
MIN_YEAR, MAX_YEAR = 1900, 2200

_DATETIME = re.compile(
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*$"
)


_gc_lock = threading.Lock()
_gc_holders = 0  # reads and writes under way that paused the collector
_gc_was_enabled = False


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Hold the cyclic garbage collector while millions of acyclic objects are made.

    Reading or writing a large project makes millions of elements, rows,
    dicts and strings; with the collector running, each full collection walks
    all of them again (about half the time of a 1e5-activity read or write).
    They form no reference cycles; any cyclic garbage made meanwhile is
    collected once the collector resumes. Nothing else is touched (no
    ``gc.freeze``, no thresholds).

    The collector is process-wide, so uses are counted: the first to enter
    pauses it, the last to leave restores the state the first one found.
    Nested uses and reads in several threads at once are harmless, and a
    caller that disabled the collector keeps it off.

    Examples
    --------
    >>> import gc
    >>> with gc_paused():
    ...     with gc_paused():
    ...         pass
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    global _gc_holders, _gc_was_enabled
    with _gc_lock:
        if _gc_holders == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_holders += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_holders -= 1
            if _gc_holders == 0 and _gc_was_enabled:
                gc.enable()


def read_input(source: str | os.PathLike[str] | bytes, what: str) -> tuple[bytes, str]:
    """Return ``(data, name)`` for a path or raw bytes; errors become ImportFormatError."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        name = f"<{what}>"
    else:
        name = os.fspath(source)
        try:
            size = Path(name).stat().st_size
            if size > MAX_INPUT_BYTES:
                raise ImportFormatError(
                    f"the file is {size:,} bytes; the limit is {MAX_INPUT_BYTES:,}", file=name
                )
            data = Path(name).read_bytes()
        except OSError as exc:
            raise ImportFormatError(f"cannot read the file: {exc.strerror}", file=name) from None
    if len(data) > MAX_INPUT_BYTES:
        raise ImportFormatError(f"the input is larger than {MAX_INPUT_BYTES:,} bytes", file=name)
    return data, name


class Where:
    """A place in an input file (file, line, field) that makes located errors.

    Examples
    --------
    >>> w = Where("a.xer", 12, "TASK.target_drtn_hr_cnt")
    >>> str(w.error("'x' is not a number"))
    "a.xer:12: TASK.target_drtn_hr_cnt: 'x' is not a number"
    """

    __slots__ = ("field", "file", "line")

    def __init__(self, file: str | None, line: int | None = None, field: str | None = None):
        self.file = file
        self.line = line
        self.field = field

    def at(self, field: str | None = None, line: int | None = None) -> Where:
        return Where(self.file, self.line if line is None else line,
                     self.field if field is None else field)

    def error(self, message: str) -> ImportFormatError:
        return ImportFormatError(message, file=self.file, line=self.line, field=self.field)

    def relocate(self, exc: ProjtrackError, field: str | None = None) -> ImportFormatError:
        """Turn a model error into an ImportFormatError at this place."""
        inner = exc.field
        where = field or self.field
        if inner and where:
            where = f"{where} ({inner})"
        elif inner:
            where = inner
        return ImportFormatError(exc.message, file=self.file, line=self.line, field=where,
                                 ids=exc.ids)

    # ---------------------------------------------------------------- values
    def number(self, text: str, *, integer: bool = False, limit: float = MAX_HOURS) -> Any:
        """Parse a finite number within ``[-limit, limit]``."""
        raw = text.strip()
        if len(raw) > 64:
            raise self.error(f"{raw[:20]!r}... is not a number (too long)")
        try:
            value: Any = int(raw) if integer else float(raw)
        except ValueError:
            kind = "an integer" if integer else "a number"
            raise self.error(f"{raw!r} is not {kind}") from None
        if not integer and not math.isfinite(value):
            raise self.error(f"{raw!r} is not a finite number")
        if abs(value) > limit:
            raise self.error(f"{raw!r} is out of range (more than {limit:g} in size)")
        if not integer and value == int(value):
            value = int(value)
        return value

    def local(self, text: str) -> _dt.datetime:
        """Parse a naive local date-time ``YYYY-MM-DD[ HH:MM[:SS]]`` (or ``T``)."""
        m = _DATETIME.match(text)
        if m is None:
            raise self.error(f"{text[:40]!r} is not a date-time; expected YYYY-MM-DD HH:MM")
        parts = [int(p) if p else 0 for p in m.groups()]
        year, month, day, hour, minute, second = parts
        if hour == 24 and minute == 0 and second == 0:
            base = self._date(year, month, day, text) + _dt.timedelta(days=1)
            return _dt.datetime(base.year, base.month, base.day)
        try:
            value = _dt.datetime(year, month, day, hour, minute, second)
        except ValueError as exc:
            raise self.error(f"{text[:40]!r} is not a valid date-time ({exc})") from None
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            raise self.error(f"{text[:40]!r} is outside the years {MIN_YEAR}-{MAX_YEAR}")
        return value

    def _date(self, year: int, month: int, day: int, text: str) -> _dt.date:
        try:
            d = _dt.date(year, month, day)
        except ValueError as exc:
            raise self.error(f"{text[:40]!r} is not a valid date ({exc})") from None
        if not MIN_YEAR <= d.year <= MAX_YEAR:
            raise self.error(f"{text[:40]!r} is outside the years {MIN_YEAR}-{MAX_YEAR}")
        return d


def local_datetime(value: _dt.datetime, tz: str) -> pendulum.DateTime:
    """Attach the time zone ``tz`` to a naive local wall-clock time."""
    return pendulum.datetime(value.year, value.month, value.day, value.hour, value.minute,
                             value.second, tz=tz)


def merge_periods(periods: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Sort working periods and merge the ones that overlap or touch."""
    return _merge(periods)  # one implementation, shared with the calendar arithmetic


def unique_name(name: str, taken: set[str], suffix: str) -> str:
    """``name`` if free, else ``name (suffix)``, else with a counter."""
    name = name.strip() or suffix
    if name not in taken:
        return name
    candidate = f"{name} ({suffix})"
    n = 2
    while candidate in taken:
        candidate = f"{name} ({suffix}-{n})"
        n += 1
    return candidate
