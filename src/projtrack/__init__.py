"""projtrack: investment and renovation projects as dependency graphs of approvals,
milestones and works.

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

from projtrack._baseline import Baseline, BaselineActivity
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
    Split,
)
from projtrack._plugins import (
    FileFormat,
    get_plugin_manager,
    list_plugins,
    read_project,
    write_project,
)
from projtrack._schedule import Schedule
from projtrack.algorithms.cpm import schedule
from projtrack.calendars import WorkCalendar, get_calendar
from projtrack.checks import CheckReport, Finding, check, rule
from projtrack.delays import (
    analyze_delays,
    approval_cycles,
    as_planned_vs_as_built,
    collapsed_as_built,
    delay_segments,
    stalls,
    windows_analysis,
)
from projtrack.exceptions import (
    CalendarError,
    DanglingLinkError,
    DependencyCycleError,
    DuplicateIdError,
    EventHistoryError,
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
from projtrack.hookspecs import hookimpl
from projtrack.interop import read_csv, read_mspdi, read_xer, write_mspdi
from projtrack.portfolio import Portfolio
from projtrack.report import Report, build_report
from projtrack.templates import ActivityTemplate, apply_template
from projtrack.tracking import baseline, compare

__all__ = [
    "Activity",
    "ActivityTemplate",
    "Baseline",
    "BaselineActivity",
    "Calendar",
    "CalendarError",
    "CalendarException",
    "CheckReport",
    "Constraint",
    "DanglingLinkError",
    "DependencyCycleError",
    "DuplicateIdError",
    "Estimate",
    "Event",
    "EventHistoryError",
    "FileFormat",
    "FileFormatError",
    "Finding",
    "ImportFormatError",
    "Link",
    "Party",
    "PluginError",
    "Portfolio",
    "Project",
    "ProjtrackDeprecationWarning",
    "ProjtrackError",
    "ProjtrackWarning",
    "Report",
    "Schedule",
    "ScheduleError",
    "ScheduleOptions",
    "Split",
    "UnknownReferenceError",
    "ValidationError",
    "WorkCalendar",
    "analyze_delays",
    "apply_template",
    "approval_cycles",
    "as_planned_vs_as_built",
    "baseline",
    "build_report",
    "check",
    "collapsed_as_built",
    "compare",
    "delay_segments",
    "dumps",
    "from_dict",
    "from_networkx",
    "get_calendar",
    "get_plugin_manager",
    "hookimpl",
    "list_plugins",
    "load",
    "loads",
    "read_csv",
    "read_mspdi",
    "read_project",
    "read_xer",
    "rule",
    "save",
    "schedule",
    "stalls",
    "to_dict",
    "windows_analysis",
    "write_mspdi",
    "write_project",
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
