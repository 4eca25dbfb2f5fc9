"""projtrack: investment and renovation projects as dependency graphs of approvals, milestones and works.

The public API is what this module exports (see ``__all__``); everything in
an underscore module is private.

Examples
--------
>>> import projtrack as pt
>>> project = pt.load("examples/renhe-road.yaml")
>>> project.name_zh
'人和路旧城改造项目'
"""

from __future__ import annotations

import typing as _typing

from projtrack._graph import project_from_networkx as from_networkx
from projtrack._io import dumps, from_dict, load, loads, save, to_dict
from projtrack._model import (
    Activity,
    Calendar,
    CalendarException,
    Constraint,
    Estimate,
    Event,
    Link,
    Party,
    Project,
    ScheduleOptions,
)
from projtrack.calendars import WorkCalendar, get_calendar
from projtrack.exceptions import (
    CalendarError,
    DanglingLinkError,
    DependencyCycleError,
    DuplicateIdError,
    FileFormatError,
    ImportFormatError,
    PluginError,
    ProjtrackDeprecationWarning,
    ProjtrackError,
    ProjtrackWarning,
    ScheduleError,
    UnknownReferenceError,
    ValidationError,
)

__all__ = [
    "Activity",
    "Calendar",
    "CalendarError",
    "CalendarException",
    "Constraint",
    "DanglingLinkError",
    "DependencyCycleError",
    "DuplicateIdError",
    "Estimate",
    "Event",
    "FileFormatError",
    "ImportFormatError",
    "Link",
    "Party",
    "PluginError",
    "Project",
    "ProjtrackDeprecationWarning",
    "ProjtrackError",
    "ProjtrackWarning",
    "ScheduleError",
    "ScheduleOptions",
    "UnknownReferenceError",
    "ValidationError",
    "WorkCalendar",
    "dumps",
    "from_dict",
    "from_networkx",
    "get_calendar",
    "load",
    "loads",
    "save",
    "to_dict",
]

# Public classes report the public module, so reprs and docs show projtrack.X.
for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type) and _obj.__module__.startswith("projtrack._"):
        _obj.__module__ = "projtrack"
del _name, _obj


def __getattr__(name: str) -> _typing.Any:
    if name == "__version__":
        from importlib.metadata import version

        return version("projtrack")
    raise AttributeError(f"module 'projtrack' has no attribute {name!r}")
