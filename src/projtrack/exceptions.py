"""Exceptions and warnings raised by projtrack.

Every error the library raises on purpose derives from :class:`ProjtrackError`,
so ``except projtrack.ProjtrackError`` catches all of them. Subclasses also
derive from the builtin whose meaning they share, so existing ``except
ValueError`` code keeps working. Each error carries the context it is about
(file, line, column, field path, activity ids) as attributes, and its message
says what to do about it.

The tree::

    ProjtrackError
    ├── ValidationError (ValueError)         a model object or project is invalid
    │   ├── DependencyCycleError             the links form a cycle (``.cycle``)
    │   ├── DanglingLinkError                a link names an activity that does not exist
    │   ├── DuplicateIdError                 two activities/parties/calendars share an id
    │   ├── UnknownReferenceError            unknown calendar, party or activity
    │   └── EventHistoryError                the event history contradicts itself
    ├── FileFormatError (ValueError)         a project file cannot be read
    │   └── ImportFormatError                a foreign file (XER, MSPDI, CSV) cannot be read
    ├── CalendarError (ValueError)           calendar arithmetic is impossible
    ├── ScheduleError                        the schedule cannot be computed
    └── PluginError                          a plugin misbehaved (``.plugin``)

    ProjtrackWarning (UserWarning)
    └── ProjtrackDeprecationWarning (DeprecationWarning)

Examples
--------
>>> import projtrack as pt
>>> try:
...     pt.loads("id: p\\nname: P\\nstart: 2024-01-02\\nactivities: [{id: a, duration: -1}]")
... except pt.ProjtrackError as exc:
...     print(exc)
<string>:4:32: activities[0].duration: -1 is negative; durations must be >= 0
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "CalendarError",
    "DanglingLinkError",
    "DependencyCycleError",
    "DuplicateIdError",
    "EventHistoryError",
    "FileFormatError",
    "ImportFormatError",
    "PluginError",
    "ProjtrackDeprecationWarning",
    "ProjtrackError",
    "ProjtrackWarning",
    "ScheduleError",
    "UnknownReferenceError",
    "ValidationError",
]


_NOTED = 20  # further problems listed in a traceback note; all of them are in .problems


class ProjtrackError(Exception):
    """Root of every error projtrack raises on purpose.

    Parameters
    ----------
    message
        What is wrong and how to fix it.
    file
        The file the error is about, if any.
    line, column
        1-based position in ``file``, if known.
    field
        Field path inside the document or object, e.g. ``activities[3].links[0].type``.
    ids
        Activity, link or party ids involved.

    Examples
    --------
    >>> err = ProjtrackError("bad", file="p.yaml", line=3, column=5, field="name")
    >>> str(err)
    'p.yaml:3:5: name: bad'
    >>> err.line
    3
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
        ids: Sequence[Any] = (),
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.ids = tuple(ids)
        super().__init__(self._format())

    def _format(self) -> str:
        where = ""
        if self.file is not None:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.message}"

    def located(
        self,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
        replace: bool = False,
    ) -> ProjtrackError:
        """Return a copy of this error with location details filled in.

        Fields already set are kept and only missing ones are filled, unless
        ``replace`` is true.

        Examples
        --------
        >>> e = ValidationError("bad", field="x").located(file="f.yaml", line=2)
        >>> str(e), type(e).__name__
        ('f.yaml:2: x: bad', 'ValidationError')
        """
        new = self.__class__.__new__(self.__class__)
        new.__dict__.update(self.__dict__)
        if replace:
            new.file, new.line, new.column, new.field = file, line, column, field
        else:
            new.file = self.file if self.file is not None else file
            new.line = self.line if self.line is not None else line
            new.column = self.column if self.column is not None else column
            new.field = self.field if self.field is not None else field
        Exception.__init__(new, new._format())
        return new

    @property
    def problems(self) -> tuple[ProjtrackError, ...]:
        """Every problem found in the same pass, this one first.

        A project file is read to the end before an error is raised, so one
        run reports every broken activity, calendar, party, event and
        baseline at once (one problem per item); the error raised is the
        first, and the others are also listed in its traceback notes.

        Examples
        --------
        >>> import projtrack as pt
        >>> try:
        ...     pt.loads("id: x\\nstart: 2024-03-01\\n"
        ...              "activities: [{id: a, duration: -1}, {id: b, kind: work}]")
        ... except pt.ProjtrackError as exc:
        ...     for problem in exc.problems:
        ...         print(problem)
        <string>:3:32: activities[0].duration: -1 is negative; durations must be >= 0
        <string>:3:51: activities[1].kind: 'work' is not one of task, approval, milestone
        """
        more: tuple[ProjtrackError, ...] = self.__dict__.get("_more", ())
        return (self, *more)

    def with_problems(self, others: Sequence[ProjtrackError]) -> ProjtrackError:
        """Attach the further problems found in the same pass (see :attr:`problems`).

        Examples
        --------
        >>> e = ValidationError("bad", field="a").with_problems([ValidationError("worse")])
        >>> [str(p) for p in e.problems]
        ['a: bad', 'worse']
        """
        # Kept in __dict__, so located() copies and pickling keep them.
        self._more = tuple(others)
        notes = [n for n in getattr(self, "__notes__", ()) if n != self.__dict__.get("_note")]
        if others:
            more = len(others)
            listed = "\n".join(f"  {p}" for p in others[:_NOTED])
            if more > _NOTED:
                listed += f"\n  ... {more - _NOTED} more (all of them in .problems)"
            plural = "s" if more > 1 else ""
            self._note = f"{more} more problem{plural} in the same pass:\n{listed}"
            notes.append(self._note)
        if notes:
            self.__notes__ = notes
        elif hasattr(self, "__notes__"):
            del self.__notes__
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.__class__, self.__dict__.copy()))


def _rebuild(cls: type[ProjtrackError], state: dict[str, Any]) -> ProjtrackError:
    new = cls.__new__(cls)
    new.__dict__.update(state)
    Exception.__init__(new, new._format())
    return new


class ValidationError(ProjtrackError, ValueError):
    """A model object or a whole project breaks a rule of the model."""


class DependencyCycleError(ValidationError):
    """The links form a cycle; ``.cycle`` lists the activity ids in order.

    Examples
    --------
    >>> e = DependencyCycleError(["a", "b", "a"])
    >>> e.cycle
    ('a', 'b', 'a')
    >>> print(e)
    links form a cycle a -> b -> a; remove or reverse one of these links
    """

    def __init__(self, cycle: Sequence[Any], **kwargs: Any) -> None:
        self.cycle = tuple(cycle)
        path = " -> ".join(str(c) for c in self.cycle)
        kwargs.setdefault("ids", self.cycle)
        super().__init__(
            f"links form a cycle {path}; remove or reverse one of these links", **kwargs
        )


class DanglingLinkError(ValidationError):
    """A link names a predecessor or successor that is not an activity."""


class DuplicateIdError(ValidationError):
    """Two activities, parties or calendars share an id."""


class UnknownReferenceError(ValidationError, KeyError):
    """A reference (calendar, party, activity) names something that does not exist."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return self._format()


class EventHistoryError(ValidationError):
    """The event history contradicts itself (``.field`` names the event, ``.ids`` the activity)."""


class FileFormatError(ProjtrackError, ValueError):
    """A project file is malformed: bad syntax, a wrong type, an unsafe tag."""


class ImportFormatError(FileFormatError):
    """A foreign schedule file (XER, MSPDI, CSV) cannot be read."""


class CalendarError(ProjtrackError, ValueError):
    """Calendar arithmetic is impossible (no working time, no holiday data for a year)."""


class ScheduleError(ProjtrackError):
    """The schedule cannot be computed."""


class PluginError(ProjtrackError):
    """A plugin misbehaved; ``.plugin`` names it."""

    def __init__(self, message: str, *, plugin: str | None = None, **kwargs: Any) -> None:
        self.plugin = plugin
        super().__init__(message, **kwargs)


class ProjtrackWarning(UserWarning):
    """Base class of projtrack's warnings."""


class ProjtrackDeprecationWarning(ProjtrackWarning, DeprecationWarning):
    """A feature will be removed in a later version."""
