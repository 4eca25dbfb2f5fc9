"""Baselines: frozen snapshots of a schedule, stored with the project.

A :class:`Baseline` records, per activity, the planned start and finish, the
duration in working days and the total float, plus the project finish, the
data date of the schedule it was taken from and a name. Several baselines can
be kept on a project (``Project.baselines``); :func:`projtrack.baseline` makes
one and :func:`projtrack.compare` measures a schedule against it.

This module holds only the stored form (validated at construction, like the
rest of the model); the arithmetic is in :mod:`projtrack.tracking`.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Iterable, Iterator
from typing import Any

from attrs import field, frozen

from projtrack._time import is_aware
from projtrack.exceptions import DuplicateIdError, UnknownReferenceError, ValidationError

__all__ = ["Baseline", "BaselineActivity"]


def _check_when(value: Any, what: str, *, allow_none: bool) -> None:
    if value is None and allow_none:
        return
    if not isinstance(value, _dt.date) or not is_aware(value):
        raise ValidationError(
            f"{value!r} is not a date or a time-zone-aware date-time", field=what
        )


def _before(a: Any, b: Any) -> bool:
    """Whether ``a`` is before ``b``; a date and an instant are compared by their days."""
    if isinstance(a, _dt.datetime) and isinstance(b, _dt.datetime):
        return bool(a < b)
    return (a.year, a.month, a.day) < (b.year, b.month, b.day)


def _optional_number(value: Any, what: str) -> None:
    if value is None:
        return
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
    ):
        raise ValidationError(f"{value!r} is not a finite number", field=what)


@frozen(kw_only=True)
class BaselineActivity:
    """One activity as a baseline planned it.

    Parameters
    ----------
    id
        The activity id.
    start, finish
        Planned start and finish (aware instants, or dates).
    duration
        Planned duration in working days on the activity's calendar (elapsed
        days for elapsed durations); ``None`` if unknown.
    total_float
        Total float in working days when the baseline was taken; ``None`` for
        activities that had already finished.

    Examples
    --------
    >>> a = pt.BaselineActivity(id="permit", start=pendulum.Date(2011, 3, 1),
    ...                         finish=pendulum.Date(2011, 3, 28), duration=20)
    >>> a.duration, a.total_float
    (20, None)
    >>> pt.BaselineActivity(id="x", start=pendulum.Date(2011, 3, 2),
    ...                     finish=pendulum.Date(2011, 3, 1))
    Traceback (most recent call last):
    ...
    projtrack.exceptions.ValidationError: finish: finish 2011-03-01 is before start 2011-03-02
    """

    id: Any
    start: Any
    finish: Any
    duration: float | None = None
    total_float: float | None = None

    def __attrs_post_init__(self) -> None:
        if isinstance(self.id, bool) or not isinstance(self.id, str | int) or (
            isinstance(self.id, str) and not self.id.strip()
        ):
            raise ValidationError(f"{self.id!r} is not a valid activity id", field="id")
        _check_when(self.start, "start", allow_none=False)
        _check_when(self.finish, "finish", allow_none=False)
        if _before(self.finish, self.start):
            raise ValidationError(
                f"finish {self.finish} is before start {self.start}", field="finish"
            )
        _optional_number(self.duration, "duration")
        if self.duration is not None and self.duration < 0:
            raise ValidationError(f"{self.duration!r} is negative", field="duration")
        _optional_number(self.total_float, "total_float")


def _activities(value: Iterable[BaselineActivity]) -> tuple[BaselineActivity, ...]:
    return tuple(value)


@frozen(kw_only=True, slots=False)
class Baseline:
    """A named snapshot of a schedule (see :func:`projtrack.baseline`).

    Parameters
    ----------
    name
        Unique name on the project, e.g. ``"2008 plan (estimated)"``.
    finish
        The planned project finish.
    data_date
        The data date of the schedule the baseline was taken from (``None``:
        before any progress).
    description
        Free text: where the baseline comes from, what is estimated.
    activities
        :class:`BaselineActivity` records. Activities missing from a baseline
        were not planned then (added work).

    Examples
    --------
    >>> b = pt.Baseline(name="plan", finish=pendulum.Date(2011, 4, 1),
    ...                 activities=[pt.BaselineActivity(id="a", start=pendulum.Date(2011, 3, 1),
    ...                                                 finish=pendulum.Date(2011, 4, 1))])
    >>> "a" in b, b.activity("a").finish
    (True, Date(2011, 4, 1))
    >>> b.activity("zz")
    Traceback (most recent call last):
    ...
    projtrack.exceptions.UnknownReferenceError: no activity 'zz' in baseline 'plan'
    """

    name: str
    finish: Any = None
    data_date: Any = None
    description: str = ""
    activities: tuple[BaselineActivity, ...] = field(default=(), converter=_activities)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValidationError("a baseline needs a non-empty name", field="name")
        if not isinstance(self.description, str):
            raise ValidationError(f"{self.description!r} is not text", field="description")
        _check_when(self.finish, "finish", allow_none=True)
        _check_when(self.data_date, "data_date", allow_none=True)
        index: dict[Any, int] = {}
        for i, act in enumerate(self.activities):
            if not isinstance(act, BaselineActivity):
                raise ValidationError(
                    f"{act!r} is not a BaselineActivity", field=f"activities[{i}]"
                )
            if act.id in index:
                raise DuplicateIdError(
                    f"activity {act.id!r} appears twice in baseline {self.name!r}",
                    field=f"activities[{i}].id",
                    ids=(act.id,),
                )
            index[act.id] = i
        object.__setattr__(self, "_index", index)

    def activity(self, activity_id: Any) -> BaselineActivity:
        """The record of one activity (raises :class:`~projtrack.UnknownReferenceError`)."""
        try:
            return self.activities[self._index[activity_id]]  # type: ignore[attr-defined]
        except KeyError:
            raise UnknownReferenceError(
                f"no activity {activity_id!r} in baseline {self.name!r}", ids=(activity_id,)
            ) from None

    def __contains__(self, activity_id: object) -> bool:
        return activity_id in self._index  # type: ignore[attr-defined]

    def __iter__(self) -> Iterator[BaselineActivity]:
        return iter(self.activities)

    def __len__(self) -> int:
        return len(self.activities)
