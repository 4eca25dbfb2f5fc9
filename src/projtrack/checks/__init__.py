"""Checks: rules that look at a project and report findings.

A *rule* is a function ``(ctx) -> Iterable[Finding]`` turned into a check by
the :func:`rule` decorator, which gives it an id (a letter prefix and digits,
as in ruff: ``PT001``, ``DCMA06``, ``CN003``), a title and a default
severity. Plugins contribute rules through the ``register_checks`` hook;
projtrack's own packs are built-in plugins: ``PT`` (integrity,
:mod:`projtrack.checks.integrity`) and ``DCMA`` (the DCMA 14-point
assessment, :mod:`projtrack.checks.dcma`).

:func:`check` runs the selected rules and returns a :class:`CheckReport`. A
rule that raises becomes an ``error`` finding naming the plugin and the
check, and the other rules still run (``strict=True`` re-raises instead).
A project file that fails validation does not crash :func:`check`: the
integrity pack reads the raw document and reports what is wrong as ``PT``
findings, and the other packs are skipped.

Options are one flat mapping with dotted keys, each pack reading its own
(``dcma.profile``, ``metro.city``...); see ``docs/checks.md``.

Examples
--------
>>> import projtrack as pt
>>> p = pt.Project(id="p", start=pendulum.Date(2024, 1, 2),
...                activities=[pt.Activity(id="a", duration=3), pt.Activity(id="b", duration=2)],
...                links=[pt.Link(pred="a", succ="b"), pt.Link(pred="a", succ="b")])
>>> report = pt.check(p, select=["PT"])
>>> [(f.check, f.severity, f.links) for f in report]
[('PT004', 'warning', ('a->b',))]
"""

from __future__ import annotations

import datetime as _dt
import html
import json
import math
import os
import re
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias

import attrs
import pendulum

from projtrack._plugins import PluginsArg, collect_checks, resolve_plugins
from projtrack.exceptions import PluginError, ProjtrackError, ValidationError
from projtrack.hookspecs import hookimpl

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd
    import pluggy

    from projtrack._model import Activity, Project

__all__ = [
    "SEVERITIES",
    "CheckContext",
    "CheckReport",
    "Finding",
    "NotApplicable",
    "Rule",
    "RulePack",
    "check",
    "find_activities",
    "link_id",
    "rule",
]

#: Severities from least to most serious.
SEVERITIES = ("info", "warning", "error")
_RANK = {name: i for i, name in enumerate(SEVERITIES)}
_ID = re.compile(r"[A-Z]{1,8}[0-9]{1,4}")

Evidence: TypeAlias = "int | float | str | bool | None"


def _check_severity(value: Any, what: str = "severity") -> None:
    if value not in _RANK:
        raise ValidationError(
            f"{value!r} is not a severity; use one of {', '.join(SEVERITIES)}", field=what
        )


def link_id(pred: Any, succ: Any = None, type: str = "FS") -> str:
    """Return the id used for a link in findings: ``pred->succ`` (``pred->succ:SS`` if not FS).

    Links have no ids of their own; findings name them by their ends.

    Parameters
    ----------
    pred
        Predecessor id, or a :class:`~projtrack.Link` (then ``succ`` and
        ``type`` come from it).
    succ, type
        Successor id and link type.

    Examples
    --------
    >>> link_id("consent", "dig")
    'consent->dig'
    >>> link_id(pt.Link(pred="monitor", succ="dig", type="SS"))
    'monitor->dig:SS'
    """
    if succ is None and hasattr(pred, "pred"):
        pred, succ, type = pred.pred, pred.succ, pred.type
    return f"{pred}->{succ}" if type == "FS" else f"{pred}->{succ}:{type}"


def _evidence(value: Any) -> dict[str, Evidence]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError(f"{value!r} is not a mapping", field="evidence")
    out: dict[str, Evidence] = {}
    for key, item in value.items():
        if isinstance(item, _dt.date):
            item = item.isoformat()
        elif isinstance(item, _dt.timedelta):
            item = item.total_seconds() / 86400
        elif isinstance(item, float) and not math.isfinite(item):
            item = None
        elif hasattr(item, "item") and callable(item.item):  # numpy scalars
            item = item.item()
        if not isinstance(item, int | float | str | bool | type(None)):
            raise ValidationError(
                f"evidence {key!r} is {type(item).__name__}; use numbers, text or dates",
                field=f"evidence.{key}",
            )
        out[str(key)] = item
    return out


def _ids(value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    if isinstance(value, str | int):
        return (value,)
    return tuple(value)


def _links(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or hasattr(value, "pred"):
        value = [value]
    return tuple(v if isinstance(v, str) else link_id(v) for v in value)


@attrs.frozen
class Finding:
    """One problem (or note) a check reports.

    Inside a rule, give at least ``message``; ``check`` and ``severity``
    default to the rule's id and severity and are filled in by
    :func:`check`, as is ``plugin``.

    Parameters
    ----------
    message
        What is wrong, in one sentence that names the activities involved.
    check
        Check id (``PT001``); ``None`` inside a rule means "this rule".
    severity
        ``info``, ``warning`` or ``error``; ``None`` means the rule's default.
    activities
        Ids of the activities involved (to add, fix or look at).
    links
        Links involved, as :func:`link_id` strings (``consent->dig``); may
        name links that do not exist yet but should be added.
    hint
        How to fix it.
    evidence
        Numbers (or short texts, dates) behind the finding, such as
        ``{"depth_m": 9.5, "threshold_m": 5}``.
    plugin
        Name of the plugin that contributed the check (set by :func:`check`).

    Examples
    --------
    >>> f = Finding("pit 'dig' has no monitoring", activities="dig",
    ...             links=[pt.Link(pred="monitor", succ="dig", type="SS")],
    ...             evidence={"depth_m": 9.5})
    >>> f.activities, f.links, f.evidence
    (('dig',), ('monitor->dig:SS',), {'depth_m': 9.5})
    """

    message: str
    check: str | None = attrs.field(default=None, kw_only=True)
    severity: str | None = attrs.field(default=None, kw_only=True)
    activities: tuple[Any, ...] = attrs.field(default=(), converter=_ids, kw_only=True)
    links: tuple[str, ...] = attrs.field(default=(), converter=_links, kw_only=True)
    hint: str = attrs.field(default="", kw_only=True)
    evidence: dict[str, Evidence] = attrs.field(
        factory=dict, converter=_evidence, kw_only=True, hash=False
    )
    plugin: str | None = attrs.field(default=None, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.message, str) or not self.message:
            raise ValidationError("a finding needs a message", field="message")
        if self.severity is not None:
            _check_severity(self.severity)

    def to_record(self) -> dict[str, Any]:
        """Return the finding as a plain dict (JSON-ready).

        Examples
        --------
        >>> Finding("x", check="PT001", severity="error").to_record()["severity"]
        'error'
        """
        return {
            "check": self.check,
            "severity": self.severity,
            "message": self.message,
            "activities": list(self.activities),
            "links": list(self.links),
            "hint": self.hint,
            "evidence": dict(self.evidence),
            "plugin": self.plugin,
        }


class NotApplicable(ProjtrackError):
    """Raise inside a rule when it cannot be evaluated; :func:`check` reports an ``info`` finding.

    The message says why (``"no baseline"``); the finding reads
    ``not applicable: <message>``, so it is never mistaken for a pass.

    Examples
    --------
    >>> @pt.rule(id="XX002", title="Baseline finish dates are met")
    ... def missed(ctx):
    ...     raise NotApplicable("no baseline")
    >>> p = pt.Project(id="p", start=pendulum.Date(2024, 1, 2))
    >>> [(f.severity, f.message) for f in pt.check(p, select=["XX"], plugins=[RulePack(missed)])]
    [('info', 'not applicable: no baseline')]
    """


@attrs.frozen
class Rule:
    """A check: a rule function with its id, title and default severity.

    Made by the :func:`rule` decorator; calling it calls the function.

    Examples
    --------
    >>> @pt.rule(id="XX003", title="Nothing", severity="info")
    ... def nothing(ctx):
    ...     return []
    >>> nothing.id, nothing.severity, nothing.prefix
    ('XX003', 'info', 'XX')
    """

    id: str
    title: str
    severity: str
    func: Callable[[CheckContext], Iterable[Finding] | None] = attrs.field(repr=False)
    description: str = attrs.field(default="", repr=False)
    needs_schedule: bool = attrs.field(default=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.id, str) or not _ID.fullmatch(self.id):
            raise ValidationError(
                f"check id {self.id!r} is not valid; use 1-8 capital letters then 1-4 digits "
                "(e.g. 'XX001')",
                field="id",
            )
        _check_severity(self.severity)
        if not isinstance(self.title, str) or not self.title:
            raise ValidationError("a check needs a title", field="title")

    @property
    def prefix(self) -> str:
        """The letter part of the id, used to select a whole pack."""
        return re.match(r"[A-Z]+", self.id).group(0)  # type: ignore[union-attr]

    def __call__(self, ctx: CheckContext) -> Iterable[Finding] | None:
        return self.func(ctx)


def rule(
    *, id: str, title: str, severity: str = "warning", needs_schedule: bool = False
) -> Callable[[Callable[[CheckContext], Iterable[Finding] | None]], Rule]:
    """Turn a function ``(ctx) -> Iterable[Finding]`` into a check.

    Parameters
    ----------
    id
        Stable id: 1-8 capital letters (your plugin's prefix) and 1-4 digits.
    title
        What the check verifies, as a short sentence.
    severity
        Default severity of its findings: ``info``, ``warning`` (default) or
        ``error``. A finding may set its own.
    needs_schedule
        Documentation only: the rule reads ``ctx.schedule``.

    Returns
    -------
    callable
        A decorator returning a :class:`Rule`. The function's docstring
        becomes the rule's description.

    Examples
    --------
    >>> @pt.rule(id="XX004", title="Approvals name their agency", severity="error")
    ... def agency_named(ctx):
    ...     for act in ctx.project.activities:
    ...         if act.kind == "approval" and act.agency is None:
    ...             yield pt.Finding(f"approval {act.id!r} has no agency",
    ...                              activities=[act.id], hint="set agency:")
    >>> p = pt.Project(id="p", start=pendulum.Date(2024, 1, 2),
    ...                activities=[pt.Activity(id="permit", kind="approval")])
    >>> print(pt.check(p, select=["XX"], plugins=[RulePack(agency_named)]).to_text())
    p: XX004 error: approval 'permit' has no agency [permit]
        hint: set agency:
    Found 1 finding (1 error) in p; 1 check run.
    """

    def decorate(func: Callable[[CheckContext], Iterable[Finding] | None]) -> Rule:
        doc = (func.__doc__ or "").strip()
        return Rule(
            id=id,
            title=title,
            severity=severity,
            func=func,
            description=doc,
            needs_schedule=needs_schedule,
        )

    return decorate


class RulePack:
    """A plugin made of rules, for notebooks and tests: ``plugins=[RulePack(rule1, rule2)]``.

    Parameters
    ----------
    *rules
        The :class:`Rule` objects to register.
    name
        Plugin name shown in findings and listings (default ``RulePack``).

    Examples
    --------
    >>> @pt.rule(id="XX006", title="Projects have a Chinese name", severity="info")
    ... def zh_name(ctx):
    ...     if not ctx.project.name_zh:
    ...         yield pt.Finding("no name_zh")
    >>> p = pt.Project(id="p", start=pendulum.Date(2024, 1, 2))
    >>> [(f.check, f.plugin) for f in pt.check(p, select="XX",
    ...                                       plugins=[RulePack(zh_name, name="zh")])]
    [('XX006', 'zh')]
    """

    def __init__(self, *rules: Rule, name: str | None = None) -> None:
        self.rules = tuple(rules)
        if name is not None:
            self.__name__ = name

    @hookimpl
    def register_checks(self) -> list[Rule]:
        return list(self.rules)


# =========================================================================== context


class _ScheduleFailed(ProjtrackError):
    """The schedule a rule asked for could not be computed (reported once)."""


_UNSET: Any = object()


class CheckContext:
    """What a rule sees: the project, options, the status date and a lazily computed schedule.

    Parameters
    ----------
    project
        The project being checked.
    options
        The flat options mapping given to :func:`check` (dotted keys).
    as_of
        The status date: ``as_of=`` of :func:`check`, else the project's
        ``data_date``, else ``None``.
    plugins
        The plugin manager in use.

    Examples
    --------
    >>> p = pt.Project(id="p", start=pendulum.Date(2024, 1, 2),
    ...                data_date=pendulum.Date(2024, 3, 1))
    >>> ctx = CheckContext(p, options={"metro.city": "qingdao"})
    >>> ctx.as_of, ctx.option("metro.city"), ctx.option("dcma.profile", "standard")
    (Date(2024, 3, 1), 'qingdao', 'standard')
    """

    def __init__(
        self,
        project: Project,
        *,
        options: Mapping[str, Any] | None = None,
        as_of: Any = None,
        plugins: pluggy.PluginManager | None = None,
    ) -> None:
        self.project = project
        self.options: Mapping[str, Any] = dict(options or {})
        self.as_of = as_of if as_of is not None else getattr(project, "data_date", None)
        self._plugins = plugins
        self._schedule: Any = _UNSET
        self._schedule_error: ProjtrackError | None = None
        self._graph: nx.MultiDiGraph | None = None

    @property
    def plugins(self) -> pluggy.PluginManager:
        """The plugin manager in use."""
        if self._plugins is None:
            self._plugins = resolve_plugins(None)
        return self._plugins

    def option(self, key: str, default: Any = None) -> Any:
        """Return ``options[key]``, or ``default`` when it is not given."""
        return self.options.get(key, default)

    @property
    def schedule(self) -> Any:
        """``projtrack.schedule(project, data_date=as_of)``, computed on first use, then reused.

        Raises the scheduling error (once per check run; :func:`check` reports
        it as a single finding) when the schedule cannot be computed.
        """
        if self._schedule is _UNSET and self._schedule_error is None:
            import inspect

            import projtrack

            engine = getattr(projtrack, "schedule", None)
            if engine is None:
                self._schedule_error = _ScheduleFailed(
                    "this check needs projtrack.schedule, which this version lacks"
                )
            else:
                kwargs: dict[str, Any] = {}
                try:
                    params = inspect.signature(engine).parameters
                except (TypeError, ValueError):  # pragma: no cover - builtins
                    params = {}  # type: ignore[assignment]
                if "plugins" in params:
                    kwargs["plugins"] = self.plugins
                if "data_date" in params and self.as_of is not None:
                    kwargs["data_date"] = self.as_of  # schedule as of the status date
                try:
                    self._schedule = engine(self.project, **kwargs)
                except ProjtrackError as exc:
                    self._schedule_error = _ScheduleFailed(
                        f"the schedule could not be computed: {exc}"
                    )
                    self._schedule_error.__cause__ = exc
        if self._schedule_error is not None:
            raise self._schedule_error
        return self._schedule

    @property
    def graph(self) -> nx.MultiDiGraph:
        """The links as a :class:`networkx.MultiDiGraph` (edges carry ``type`` and ``lag``)."""
        if self._graph is None:
            import networkx as nx

            graph = nx.MultiDiGraph()
            graph.add_nodes_from(a.id for a in self.project.activities)
            for link in self.project.links:
                graph.add_edge(link.pred, link.succ, type=link.type, lag=link.lag)
            self._graph = graph
        return self._graph

    def precedes(self, pred: Any, succ: Any, *, finish_to_start: bool = False) -> bool:
        """Whether a chain of links leads from ``pred`` to ``succ``.

        With ``finish_to_start=True`` every link of the chain must be FS with
        a lag >= 0, which guarantees that ``pred`` finishes before ``succ``
        starts.

        Examples
        --------
        >>> p = pt.Project(id="p", start=pendulum.Date(2024, 1, 2),
        ...                activities=[pt.Activity(id=x) for x in "abc"],
        ...                links=[pt.Link(pred="a", succ="b"),
        ...                       pt.Link(pred="b", succ="c", type="SS")])
        >>> ctx = CheckContext(p)
        >>> ctx.precedes("a", "c"), ctx.precedes("a", "c", finish_to_start=True)
        (True, False)
        """
        import networkx as nx

        graph = self.graph
        if pred not in graph or succ not in graph or pred == succ:
            return False
        if not finish_to_start:
            return bool(nx.has_path(graph, pred, succ))
        stack, seen = [pred], {pred}
        while stack:
            node = stack.pop()
            for _, nxt, data in graph.out_edges(node, data=True):
                if data["type"] != "FS" or data["lag"] < 0 or nxt in seen:
                    continue
                if nxt == succ:
                    return True
                seen.add(nxt)
                stack.append(nxt)
        return False

    def activities(self, **filters: Any) -> list[Activity]:
        """Activities whose attributes equal the given values (``kind="approval"``)."""
        return [
            a
            for a in self.project.activities
            if all(getattr(a, k, None) == v for k, v in filters.items())
        ]


def _roles(activity: Any) -> set[str]:
    meta = getattr(activity, "attrs", None) or {}
    value = meta.get("role", meta.get("roles"))
    if value is None:
        return set()
    if isinstance(value, str):
        return {part.strip() for part in value.split(",") if part.strip()}
    return {str(v) for v in value}


def find_activities(
    project: Project,
    role: str | Sequence[str],
    *,
    keywords: Iterable[str] = (),
    exclude: Iterable[str] = (),
    kinds: Iterable[str] | None = None,
) -> list[Activity]:
    """Find activities playing a role: by an explicit tag, else by keywords in their names.

    The explicit convention is ``attrs: {role: excavation}`` (a text, a
    comma-separated text or a list of roles). An activity with any ``role``
    tag is matched by its tags only. An untagged activity matches when its
    ``name`` or ``name_zh`` contains one of ``keywords`` (case-insensitive)
    and none of ``exclude``.

    Parameters
    ----------
    project
        The project.
    role
        The role (or roles) looked for.
    keywords, exclude
        Fallback keywords (English and Chinese) and words that veto a match.
    kinds
        Restrict the fallback to these activity kinds.

    Examples
    --------
    >>> p = pt.Project(id="p", start=pendulum.Date(2024, 1, 2), activities=[
    ...     pt.Activity(id="a", name="Pit excavation"),
    ...     pt.Activity(id="b", name_zh="基坑专家论证"),
    ...     pt.Activity(id="c", name="Site works", attrs={"role": "excavation"})])
    >>> [a.id for a in find_activities(p, "excavation", keywords=["excavat", "基坑"],
    ...                                exclude=["专家", "review"])]
    ['a', 'c']
    """
    wanted = {role} if isinstance(role, str) else set(role)
    words = [k.lower() for k in keywords]
    vetoes = [k.lower() for k in exclude]
    allowed_kinds = None if kinds is None else set(kinds)
    out = []
    for act in project.activities:
        tags = _roles(act)
        if tags:
            if tags & wanted:
                out.append(act)
            continue
        if allowed_kinds is not None and act.kind not in allowed_kinds:
            continue
        text = f"{act.name} {act.name_zh}".lower()
        if any(w in text for w in words) and not any(v in text for v in vetoes):
            out.append(act)
    return out


# =========================================================================== report


def _finding_tuple(value: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(value)


def _str_tuple(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _pair_tuple(value: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((a, b) for a, b in value)


@attrs.frozen
class CheckReport:
    """The findings of one :func:`check` run, with table, JSON, text and HTML views.

    Attributes
    ----------
    project
        Id of the project checked (or the file name when it did not load).
    findings
        The findings, ordered by check id and then as the checks yielded them.
    checks
        Ids of the checks that ran.
    skipped
        ``(check id, reason)`` for checks that did not run.
    titles
        Check id -> title.
    source
        The file checked, if a file was given.
    valid
        Whether the project passed model validation.

    Examples
    --------
    >>> p = pt.Project(id="p", start=pendulum.Date(2024, 1, 2),
    ...                activities=[pt.Activity(id="a"), pt.Activity(id="b")],
    ...                links=[pt.Link(pred="a", succ="b"), pt.Link(pred="a", succ="b")])
    >>> report = pt.check(p, select=["PT"])
    >>> len(report), report.counts(), report.max_severity
    (1, {'error': 0, 'warning': 1, 'info': 0}, 'warning')
    >>> report.to_records()[0]["check"]
    'PT004'
    >>> report.failed("warning"), report.failed("error")
    (True, False)
    """

    project: str
    findings: tuple[Finding, ...] = attrs.field(converter=_finding_tuple)
    checks: tuple[str, ...] = attrs.field(default=(), converter=_str_tuple)
    skipped: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_pair_tuple)
    titles: Mapping[str, str] = attrs.field(factory=dict, hash=False)
    source: str | None = None
    valid: bool = True

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "project", "check", "severity", "title", "message", "activities", "links", "hint",
        "evidence", "plugin",
    )

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    def __bool__(self) -> bool:
        return True

    def counts(self) -> dict[str, int]:
        """Number of findings per severity, most serious first."""
        out = {name: 0 for name in reversed(SEVERITIES)}
        for f in self.findings:
            out[f.severity or "info"] += 1
        return out

    @property
    def max_severity(self) -> str | None:
        """The most serious severity found, or ``None`` when there are no findings."""
        if not self.findings:
            return None
        return max((f.severity or "info" for f in self.findings), key=_RANK.__getitem__)

    def failed(self, fail_on: str = "error") -> bool:
        """Whether any finding is at least as serious as ``fail_on``."""
        _check_severity(fail_on, "fail_on")
        worst = self.max_severity
        return worst is not None and _RANK[worst] >= _RANK[fail_on]

    def select(self, *prefixes: str, severity: str | None = None) -> CheckReport:
        """Return a report with the findings whose check id starts with a prefix / at a severity.

        Examples
        --------
        >>> r = CheckReport("p", [Finding("x", check="PT001", severity="error"),
        ...                       Finding("y", check="DCMA01", severity="warning")])
        >>> [f.check for f in r.select("DCMA")], len(r.select(severity="error"))
        (['DCMA01'], 1)
        """
        kept = [
            f
            for f in self.findings
            if (not prefixes or any((f.check or "").startswith(p) for p in prefixes))
            and (severity is None or f.severity == severity)
        ]
        return attrs.evolve(self, findings=kept)

    def to_records(self) -> list[dict[str, Any]]:
        """One plain dict per finding with the keys of :attr:`COLUMNS` (no dependencies)."""
        out = []
        for f in self.findings:
            rec = f.to_record()
            rec["project"] = self.project
            rec["title"] = self.titles.get(f.check or "", "")
            out.append({key: rec[key] for key in self.COLUMNS})
        return out

    def to_pandas(self) -> pd.DataFrame:
        """The findings as a :class:`pandas.DataFrame` (needs pandas).

        Columns are :attr:`COLUMNS`; ``severity`` is an ordered categorical
        (``info < warning < error``).

        Examples
        --------
        >>> r = CheckReport("p", [Finding("x", check="PT001", severity="error")])
        >>> df = r.to_pandas()  # doctest: +SKIP
        >>> list(df.columns)[:3]  # doctest: +SKIP
        ['project', 'check', 'severity']
        """
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError(
                "CheckReport.to_pandas() needs pandas: pip install 'projtrack[pandas]'"
            ) from exc
        frame = pd.DataFrame(self.to_records(), columns=list(self.COLUMNS))
        frame["severity"] = pd.Categorical(
            frame["severity"], categories=list(SEVERITIES), ordered=True
        )
        return frame

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data (what :meth:`to_json` writes)."""
        return {
            "project": self.project,
            "source": self.source,
            "valid": self.valid,
            "summary": self.counts(),
            "checks": list(self.checks),
            "skipped": [{"check": c, "reason": r} for c, r in self.skipped],
            "findings": self.to_records(),
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """The report as JSON text.

        Examples
        --------
        >>> r = CheckReport("p", [Finding("x", check="PT001", severity="error")])
        >>> json.loads(r.to_json())["summary"]
        {'error': 1, 'warning': 0, 'info': 0}
        """
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def summary(self) -> str:
        """One line: how many findings of which severity, and how many checks ran."""
        counts = self.counts()
        n = len(self.findings)
        parts = ", ".join(
            f"{c} {name}{'s' if c != 1 and name != 'info' else ''}"
            for name, c in counts.items()
            if c
        )
        where = self.source or self.project
        line = f"Found {n} finding{'s' if n != 1 else ''}"
        if parts:
            line += f" ({parts})"
        k = len(self.checks)
        line += f" in {where}; {k} check{'s' if k != 1 else ''} run"
        if self.skipped:
            line += f", {len(self.skipped)} skipped"
        return line + "."

    def to_text(self) -> str:
        """Readable lines, one per finding (plus its hint), then the summary."""
        where = self.source or self.project
        lines = []
        for f in self.findings:
            shown = [str(a) for a in f.activities[:8]]
            if len(f.activities) > 8:
                shown.append(f"+{len(f.activities) - 8} more")
            acts = f" [{', '.join(shown)}]" if shown else ""
            lines.append(f"{where}: {f.check} {f.severity}: {f.message}{acts}")
            if f.links:
                lines.append(f"    links: {', '.join(f.links)}")
            if f.hint:
                lines.append(f"    hint: {f.hint}")
        if self.skipped:
            reasons: dict[str, list[str]] = {}
            for cid, reason in self.skipped:
                reasons.setdefault(reason, []).append(cid)
            for reason, ids in reasons.items():
                lines.append(f"{where}: not run ({reason}): {_compact_ids(ids)}")
        lines.append(self.summary())
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self, max_rows: int = 50) -> str:
        """A truncated HTML table for notebooks."""
        from projtrack._display import html_block, html_table

        table = html_table(
            self.to_records(), ("check", "severity", "message", "hint", "activities", "links"),
            max_rows=max_rows, what="findings",
            cell_class=lambda key, value: f"pt-sev-{value}" if key == "severity" else None)
        return html_block(f"<p><strong>{html.escape(self.summary())}</strong></p>", table)

    def __repr__(self) -> str:
        return f"<CheckReport {self.summary()}>"


def _compact_ids(ids: Sequence[str]) -> str:
    """``PT001, PT002, PT003, CN001`` -> ``PT001-PT003, CN001``.

    Examples
    --------
    >>> _compact_ids(["CN001", "CN002", "CN003", "DCMA05", "DCMA07", "MP1"])
    'CN001-CN003, DCMA05, DCMA07, MP1'
    """
    runs: list[list[str]] = []
    for cid in ids:
        match = re.fullmatch(r"([A-Z]+)(\d+)", cid)
        if runs and match:
            prev = re.fullmatch(r"([A-Z]+)(\d+)", runs[-1][-1])
            if (prev and prev.group(1) == match.group(1)
                    and len(prev.group(2)) == len(match.group(2))
                    and int(prev.group(2)) + 1 == int(match.group(2))):
                runs[-1].append(cid)
                continue
        runs.append([cid])
    return ", ".join(", ".join(r) if len(r) < 3 else f"{r[0]}-{r[-1]}" for r in runs)


# =========================================================================== running


def _matches(check_id: str, prefixes: Sequence[str]) -> bool:
    return any(check_id.startswith(p) for p in prefixes)


def _selectors(value: str | Iterable[str] | None, what: str) -> list[str] | None:
    if value is None:
        return None
    items = [value] if isinstance(value, str) else list(value)
    out = []
    for item in items:
        for part in str(item).split(","):
            part = part.strip().upper()
            if part:
                if not re.fullmatch(r"[A-Z]{1,8}[0-9]{0,4}", part) and part != "ALL":
                    raise ValidationError(
                        f"{part!r} is not a check id or prefix; use e.g. 'PT', 'DCMA06', 'CN0'",
                        field=what,
                    )
                out.append(part)
    return out


def _as_of(value: Any, tz: str) -> Any:
    if value is None or isinstance(value, _dt.date):
        if isinstance(value, _dt.datetime) and value.tzinfo is None:
            return pendulum.instance(value, tz=tz)
        if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
            return pendulum.Date(value.year, value.month, value.day)
        return value
    if isinstance(value, str):
        from projtrack._time import parse_date

        try:
            return parse_date(value)
        except ValueError as exc:
            raise ValidationError(f"{exc}", field="as_of") from None
    raise ValidationError(f"{value!r} is not a date; give as_of as a date", field="as_of")


def _load(
    project: Any, pm: pluggy.PluginManager
) -> tuple[Project | None, str, str | None, ProjtrackError | None, Any]:
    """Return (project, name, source, load error, raw document)."""
    from projtrack._model import Project

    if isinstance(project, Project):
        return project, project.id, None, None, None
    if isinstance(project, Mapping):
        from projtrack._io import from_dict

        try:
            return from_dict(project), str(project.get("id", "<dict>")), None, None, project
        except ProjtrackError as exc:
            return None, str(project.get("id", "<dict>")), None, exc, project
    if isinstance(project, str | os.PathLike):
        from projtrack._plugins import read_project

        source = os.fspath(project)
        try:
            loaded = read_project(source, plugins=pm)
        except ProjtrackError as exc:
            from projtrack.checks.integrity import read_raw_document

            return None, source, source, exc, read_raw_document(source)
        return loaded, loaded.id, source, None, None
    raise ValidationError(
        f"{project!r} is not a project; pass a Project, a file path or a dict", field="project"
    )


def check(
    project: Project | str | os.PathLike[str] | Mapping[str, Any],
    *,
    select: str | Iterable[str] | None = None,
    ignore: str | Iterable[str] | None = None,
    options: Mapping[str, Any] | None = None,
    as_of: Any = None,
    plugins: PluginsArg = None,
    strict: bool = False,
) -> CheckReport:
    """Run checks on a project and return a :class:`CheckReport`.

    Parameters
    ----------
    project
        A :class:`~projtrack.Project`, a project file path or a dict in the
        file schema. A file or dict that fails validation is reported as
        ``PT`` findings instead of raising.
    select, ignore
        Check ids or id prefixes, as in ruff: ``select=["DCMA", "CN"]`` runs
        only those packs, ``ignore=["DCMA08"]`` drops one check. Comma-
        separated text works too. ``None`` selects everything.
    options
        Flat mapping of dotted option keys read by the packs
        (``{"dcma.profile": "strict", "metro.city": "qingdao"}``).
    as_of
        Status date (a date or ``YYYY-MM-DD``); defaults to the project's
        ``data_date``. The library never reads the clock.
    plugins
        Plugin manager or plugin objects (see
        :func:`projtrack.get_plugin_manager`); ``None`` uses the default.
    strict
        Re-raise the first exception a check raises instead of reporting it.

    Returns
    -------
    CheckReport

    Raises
    ------
    ValidationError
        A malformed selector, one that matches no registered check, or an
        option a check rejects (its ``field`` names the option).
    PluginError
        Only with ``strict=True``: a plugin misbehaved.

    Examples
    --------
    >>> @pt.rule(id="XX005", title="Always fails")
    ... def boom(ctx):
    ...     raise RuntimeError("bug")
    >>> p = pt.Project(id="p", start=pendulum.Date(2024, 1, 2))
    >>> report = pt.check(p, select=["XX", "PT"], plugins=[RulePack(boom)])
    >>> [(f.check, f.severity) for f in report]
    [('XX005', 'error')]
    >>> print(report.findings[0].message)
    check XX005 of plugin 'RulePack' raised RuntimeError: bug
    >>> pt.check(p, select="XX", plugins=[RulePack(boom)], strict=True)
    Traceback (most recent call last):
    ...
    RuntimeError: bug
    """
    pm = resolve_plugins(plugins)
    opts = dict(options or {})
    selected = _selectors(select, "select")
    ignored = _selectors(ignore, "ignore") or []
    if selected is not None and "ALL" in selected:
        selected = None

    plugin_errors: list[Finding] = []

    def on_error(plugin: str, error: PluginError) -> None:
        if strict:
            raise error
        plugin_errors.append(
            Finding(
                str(error.message),
                check="PT100",
                severity="error",
                plugin=plugin,
                hint="fix or uninstall the plugin, or exclude it with PROJTRACK_LOAD_PLUGINS",
            )
        )

    registered = collect_checks(pm, on_error=on_error)
    known = [r.id for _, r in registered] + ["PT100", "PT101"]
    for what, sel in (("select", selected or []), ("ignore", ignored)):
        for prefix in sel:
            if not any(k.startswith(prefix) for k in known):
                raise ValidationError(
                    f"{prefix!r} matches no registered check; known prefixes: "
                    f"{', '.join(sorted({re.match(r'[A-Z]+', k).group(0) for k in known}))}"  # type: ignore[union-attr]
                    " (is the plugin installed?)",
                    field=what,
                )

    def wanted(cid: str) -> bool:
        return (selected is None or _matches(cid, selected)) and not _matches(cid, ignored)

    rules = sorted(((n, r) for n, r in registered if wanted(r.id)), key=lambda nr: nr[1].id)
    titles = {r.id: r.title for _, r in registered}
    titles.setdefault("PT100", "Plugins register their checks without errors")
    titles.setdefault("PT101", "The schedule can be computed for schedule-based checks")

    loaded, name, source, load_error, raw = _load(project, pm)
    findings: list[Finding] = [f for f in plugin_errors if wanted("PT100")]
    ran: list[str] = []
    skipped: list[tuple[str, str]] = []

    if loaded is None:
        from projtrack.checks.integrity import raw_findings

        assert load_error is not None
        for plugin, r in rules:
            if plugin == "projtrack.checks.integrity":
                ran.append(r.id)
            else:
                skipped.append((r.id, "the project failed validation"))
        for f in raw_findings(raw, load_error, plugins=pm):
            if wanted(f.check or "PT000"):
                findings.append(attrs.evolve(f, plugin="projtrack.checks.integrity"))
        return CheckReport(
            project=name,
            findings=_order(findings),
            checks=ran,
            skipped=skipped,
            titles=titles,
            source=source,
            valid=False,
        )

    tz = loaded.timezone
    ctx = CheckContext(loaded, options=opts, as_of=_as_of(as_of, tz), plugins=pm)
    schedule_failed: list[str] = []
    for plugin, r in rules:
        ran.append(r.id)
        try:
            produced = list(r(ctx) or ())
        except NotApplicable as exc:
            findings.append(
                Finding(
                    f"not applicable: {exc.message}",
                    check=r.id,
                    severity="info",
                    plugin=plugin,
                )
            )
            continue
        except _ScheduleFailed as exc:
            if strict:
                raise (exc.__cause__ or exc) from None
            schedule_failed.append(r.id)
            if len(schedule_failed) == 1:
                findings.append(
                    Finding(
                        exc.message,
                        check="PT101",
                        severity="error",
                        plugin=plugin,
                        hint="fix the schedule error; the checks that need a schedule were "
                        "not evaluated",
                    )
                )
            continue
        except ValidationError as exc:
            if exc.field is not None and exc.field in opts:
                raise  # the caller's option is wrong: not a bug in the check
            if strict:
                raise
            findings.append(_crash(r, plugin, exc))
            continue
        except Exception as exc:
            if strict:
                raise
            findings.append(_crash(r, plugin, exc))
            continue
        for item in produced:
            if not isinstance(item, Finding):
                error = PluginError(
                    f"check {r.id} of plugin {plugin!r} yielded {item!r}, not a Finding",
                    plugin=plugin,
                )
                if strict:
                    raise error
                findings.append(Finding(error.message, check=r.id, severity="error",
                                        plugin=plugin))
                continue
            findings.append(
                attrs.evolve(
                    item,
                    check=item.check or r.id,
                    severity=item.severity or r.severity,
                    plugin=plugin,
                )
            )
    if schedule_failed:
        first = next(i for i, f in enumerate(findings) if f.check == "PT101")
        findings[first] = attrs.evolve(
            findings[first],
            message=findings[first].message
            + f" ({len(schedule_failed)} checks not evaluated: {', '.join(schedule_failed)})",
        )
        ran = [c for c in ran if c not in schedule_failed]
        skipped.extend((c, "no schedule") for c in schedule_failed)
    return CheckReport(
        project=name,
        findings=_order(findings),
        checks=ran,
        skipped=skipped,
        titles=titles,
        source=source,
        valid=True,
    )


def _crash(r: Rule, plugin: str, exc: BaseException) -> Finding:
    where = traceback.extract_tb(exc.__traceback__)[-1]
    return Finding(
        f"check {r.id} of plugin {plugin!r} raised {type(exc).__name__}: {exc}",
        check=r.id,
        severity="error",
        plugin=plugin,
        hint=f"a bug in the check (at {os.path.basename(where.filename)}:{where.lineno}); "
        "report it to the plugin's authors",
    )


def _order(findings: Sequence[Finding]) -> list[Finding]:
    return [
        f for _, f in sorted(enumerate(findings), key=lambda iv: (iv[1].check or "", iv[0]))
    ]
