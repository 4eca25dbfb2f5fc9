"""Portfolios: many project files analysed together.

:meth:`Portfolio.from_folder` reads every project file in a folder;
:meth:`Portfolio.delays` runs the delay analysis of each project (see
:mod:`projtrack.delays`) and gives one row per project -- slippage, top cause,
top party, stalled days -- with roll-ups by stage, agency, industry chain
(``project.attrs["industry_chain"]``), cause and party.

Examples
--------
>>> pf = pt.Portfolio.from_folder("examples/shibei-portfolio")
>>> len(pf), pf["visionox"].name
(7, 'Visionox project')
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from projtrack._tables import ResultTable, fmt_days
from projtrack.exceptions import ProjtrackError, UnknownReferenceError, ValidationError

if TYPE_CHECKING:
    from projtrack._model import Project
    from projtrack.delays import ConcurrencyPolicy, DelayAnalysis

__all__ = ["Portfolio", "PortfolioDelays", "RollUp"]

#: File suffixes :meth:`Portfolio.from_folder` reads.
SUFFIXES = (".yaml", ".yml", ".json")


class Portfolio:
    """A set of projects, usually the project files of one folder.

    Parameters
    ----------
    projects
        The projects (ids must be unique).
    sources
        Where each project came from (file names), for error messages.

    Examples
    --------
    >>> p = pt.load("examples/renhe-road.yaml")
    >>> pf = pt.Portfolio([p])
    >>> [q.id for q in pf]
    ['renhe-road']
    """

    def __init__(self, projects: Sequence[Project], *,
                 sources: Sequence[str | None] | None = None) -> None:
        self.projects = list(projects)
        self.sources = list(sources) if sources is not None else [None] * len(self.projects)
        if len(self.sources) != len(self.projects):
            raise ValidationError("give one source per project", field="sources")
        seen: dict[str, int] = {}
        for i, p in enumerate(self.projects):
            if p.id in seen:
                where = self.sources[i] or f"projects[{i}]"
                raise ValidationError(
                    f"project id {p.id!r} is used twice ({self.sources[seen[p.id]] or seen[p.id]}"
                    f" and {where}); give each project its own id",
                    field="id", file=self.sources[i],
                )
            seen[p.id] = i
        self._index = seen

    @classmethod
    def from_folder(cls, path: str | os.PathLike[str]) -> Portfolio:
        """Read every ``.yaml``, ``.yml`` and ``.json`` project file in a folder (not recursive).

        Raises
        ------
        FileNotFoundError
            The folder does not exist.
        ProjtrackError
            A file cannot be read; the message names the file.

        Examples
        --------
        >>> pf = pt.Portfolio.from_folder("examples/shibei-portfolio")
        >>> sorted(p.id for p in pf)[:3]
        ['crrc-zhihui-port', 'erfeng-industrial-park', 'huadian-gas-turbines']
        """
        from projtrack._io import load

        folder = Path(path)
        if not folder.is_dir():
            raise FileNotFoundError(f"{folder}: no such folder")
        files = sorted(f for f in folder.iterdir() if f.suffix.lower() in SUFFIXES and f.is_file())
        projects = []
        for f in files:
            try:
                projects.append(load(f))
            except ProjtrackError as exc:
                raise exc.located(file=str(f)) from None
        return cls(projects, sources=[str(f) for f in files])

    def __iter__(self) -> Iterator[Project]:
        return iter(self.projects)

    def __len__(self) -> int:
        return len(self.projects)

    def __getitem__(self, project_id: str) -> Project:
        try:
            return self.projects[self._index[project_id]]
        except KeyError:
            raise UnknownReferenceError(f"no project {project_id!r} in the portfolio",
                                        ids=(project_id,)) from None

    def __repr__(self) -> str:
        return f"<Portfolio of {len(self.projects)} projects>"

    def delays(
        self,
        *,
        baseline: str | None = None,
        policy: str | ConcurrencyPolicy | None = None,
        stall_days: float = 20,
        limit_calendar: str = "cn",
    ) -> PortfolioDelays:
        """Delay analysis of every project: one row each, plus roll-ups.

        Each project's finish (its forecast, while in progress) is measured
        against the baseline called ``baseline`` (default: its first stored
        baseline, else its own plan without progress) and attributed by
        party and by cause with :func:`projtrack.collapsed_as_built`.

        Raises
        ------
        ProjtrackError
            A project cannot be analysed; the message names its file.

        Examples
        --------
        >>> pd = pt.Portfolio.from_folder("examples/shibei-portfolio").delays()
        >>> row = next(r for r in pd.to_records() if r["id"] == "visionox")
        >>> row["slippage_days"] > 0, row["top_cause"] is not None
        (True, True)
        """
        from projtrack.delays import analyze_delays

        analyses = []
        for project, source in zip(self.projects, self.sources, strict=True):
            try:
                analyses.append(analyze_delays(project, baseline, policy=policy,
                                               stall_days=stall_days,
                                               limit_calendar=limit_calendar))
            except ProjtrackError as exc:
                raise exc.located(file=source or f"project {project.id!r}") from None
        return PortfolioDelays(analyses)


def _current_stage(project: Project) -> str:
    acts = project.activities
    busy = [a.stage for a in acts if a.status == "in_progress" and a.stage]
    if busy:
        return busy[0]
    order = {aid: i for i, aid in enumerate(project.topological_order())}
    waiting = sorted((a for a in acts if a.status == "not_started"), key=lambda a: order[a.id])
    for a in waiting:
        if a.stage:
            return a.stage
    return "completed" if acts and all(a.status == "finished" for a in acts) else "(none)"


def _top(mapping: dict[Any, float]) -> tuple[Any, float | None]:
    positive = {k: v for k, v in mapping.items() if v > 0}
    if not positive:
        return None, None
    key = max(positive, key=lambda k: (positive[k], str(k)))
    return key, positive[key]


class PortfolioDelays(ResultTable):
    """One row per project, with roll-ups (returned by :meth:`Portfolio.delays`).

    Records: ``id``, ``name``, ``industry_chain``, ``stage`` (where the
    project is: the stage of the work in progress, else of the next work),
    ``baseline``, ``planned_finish``, ``finish``, ``slippage_days`` (working
    days on the project's calendar), ``top_cause``, ``top_cause_days``,
    ``top_party``, ``top_party_days``, ``concurrency_days``,
    ``stalled_days`` and ``overrun_days`` (approvals beyond statutory limits).

    Examples
    --------
    >>> pd = pt.Portfolio.from_folder("examples/shibei-portfolio").delays()
    >>> print(pd.summary().splitlines()[0])  # doctest: +ELLIPSIS
    7 projects: ... working days of slippage in all; top cause ...
    """

    columns: ClassVar[tuple[str, ...]] = (
        "id", "name", "industry_chain", "stage", "baseline", "planned_finish", "finish",
        "slippage_days", "top_cause", "top_cause_days", "top_party", "top_party_days",
        "concurrency_days", "stalled_days", "overrun_days",
    )
    datetime_columns: ClassVar[tuple[str, ...]] = ("planned_finish", "finish")
    html_columns: ClassVar[tuple[str, ...] | None] = (
        "id", "industry_chain", "stage", "slippage_days", "top_cause", "top_party",
        "stalled_days", "overrun_days",
    )

    def __init__(self, analyses: Sequence[DelayAnalysis]) -> None:
        self.analyses = list(analyses)
        self.timezone = self.analyses[0].project.timezone if self.analyses else "Asia/Shanghai"
        rows = []
        for a in self.analyses:
            p = a.project
            cause, cause_days = _top(a.by_cause.attributed)
            party, party_days = _top(a.by_party.attributed)
            rows.append({
                "id": p.id, "name": p.name, "industry_chain": p.attrs.get("industry_chain"),
                "stage": _current_stage(p), "baseline": a.baseline.name,
                "planned_finish": a.by_party.planned_finish,
                "finish": a.by_party.as_built_finish,
                "slippage_days": a.by_party.total_days,
                "top_cause": cause, "top_cause_days": cause_days,
                "top_party": party, "top_party_days": party_days,
                "concurrency_days": a.by_party.concurrency_days,
                "stalled_days": a.stalls.total_days,
                "overrun_days": sum(r["overrun_days"] for r in a.approvals.to_records()),
            })
        self._rows = rows

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per project, in portfolio order."""
        return [dict(r) for r in self._rows]

    def summary(self) -> str:
        """Totals, then one line per project, most slipped first."""
        rows = sorted(self._rows, key=lambda r: -r["slippage_days"])
        causes = self.by_cause().to_records()
        top = causes[0]["group"] if causes and causes[0]["days"] > 0 else None
        lines = [
            f"{len(rows)} projects: {fmt_days(sum(r['slippage_days'] for r in rows))} working "
            f"days of slippage in all; top cause {top or '-'}"
        ]
        for r in rows:
            lines.append(
                f"  {r['id']:<26} {fmt_days(r['slippage_days'], sign=True):>7}  "
                f"cause {r['top_cause'] or '-'}, party {r['top_party'] or '-'}, "
                f"stalled {fmt_days(r['stalled_days'])}, stage {r['stage']}"
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<PortfolioDelays of {len(self._rows)} projects>"

    # ------------------------------------------------------------------ roll-ups
    def by_cause(self) -> RollUp:
        """Attributed days per cause, summed over the projects.

        Examples
        --------
        >>> pd = pt.Portfolio.from_folder("examples/shibei-portfolio").delays()
        >>> r = pd.by_cause().to_records()[0]
        >>> r["days"] > 0 and r["projects"] >= 1
        True
        """
        return self._roll("cause", [(a, a.by_cause.attributed) for a in self.analyses])

    def by_party(self) -> RollUp:
        """Attributed days per party (party ids), summed over the projects."""
        return self._roll("party", [(a, a.by_party.attributed) for a in self.analyses])

    def by_stage(self) -> RollUp:
        """Attributed days per stage of the activities the days are attributed to.

        Examples
        --------
        >>> pd = pt.Portfolio([pt.load("examples/renhe-road.yaml")]).delays()
        >>> [(r["group"], round(r["days"])) for r in pd.by_stage().to_records()][:2]
        [('land', 1512), ('construction', 1132)]
        """
        parts = []
        for a in self.analyses:
            by_act = a.by("activity").attributed
            stages: dict[Any, float] = {}
            for aid, days in by_act.items():
                stage = a.project.activity(aid).stage or "(none)"
                stages[stage] = stages.get(stage, 0.0) + days
            parts.append((a, stages))
        return self._roll("stage", parts)

    def by_industry_chain(self) -> RollUp:
        """Slippage per industry chain (``project.attrs["industry_chain"]``)."""
        parts = [(a, {a.project.attrs.get("industry_chain"): a.by_party.total_days})
                 for a in self.analyses]
        return self._roll("industry_chain", parts)

    def by_agency(self) -> RollUp:
        """Per approving agency: approvals, rounds, agency, applicant and overrun days.

        ``days`` is the overrun beyond statutory limits (working days on
        ``cn``); ``attributed_days`` what the but-for attributes to the agency
        as a party.

        Examples
        --------
        >>> pd = pt.Portfolio([pt.load("examples/renhe-road.yaml")]).delays()
        >>> rec = pd.by_agency().to_records()[0]
        >>> rec["group"], rec["approvals"], rec["rounds"], rec["days"]
        ('qingdao-metro', 2, 4, 65.0)
        """
        rows: dict[Any, dict[str, Any]] = {}
        for a in self.analyses:
            for r in a.approvals.to_records():
                key = r["agency"]
                row = rows.setdefault(key, {"group": key, "projects": set(), "approvals": 0,
                                            "rounds": 0, "agency_days": 0.0,
                                            "applicant_days": 0.0, "days": 0.0,
                                            "attributed_days": 0.0})
                row["projects"].add(a.project.id)
                row["approvals"] += 1
                row["rounds"] += r["rounds"]
                row["agency_days"] += r["agency_days"]
                row["applicant_days"] += r["applicant_days"]
                row["days"] += r["overrun_days"]
            for key, row in rows.items():
                if a.project.id in row["projects"]:
                    row["attributed_days"] += a.by_party.attributed.get(key, 0.0)
        out = []
        for row in rows.values():
            row["projects"] = len(row["projects"])
            out.append(row)
        out.sort(key=lambda r: (-r["days"], -r["agency_days"], str(r["group"])))
        return RollUp("agency", out, ("group", "projects", "approvals", "rounds", "agency_days",
                                      "applicant_days", "days", "attributed_days"),
                      "overrun days beyond statutory limits")

    def _roll(self, what: str, parts: Sequence[tuple[DelayAnalysis, dict[Any, float]]]) -> RollUp:
        rows: dict[Any, dict[str, Any]] = {}
        for a, mapping in parts:
            for key, days in mapping.items():
                row = rows.setdefault(key, {"group": key, "projects": 0, "days": 0.0,
                                            "project_ids": []})
                row["days"] += days
                if days > 0:
                    row["projects"] += 1
                    row["project_ids"].append(a.project.id)
        out = sorted(rows.values(), key=lambda r: (-r["days"], str(r["group"])))
        return RollUp(what, out, ("group", "projects", "days", "project_ids"),
                      "attributed working days" if what != "industry_chain"
                      else "working days of slippage")


class RollUp(ResultTable):
    """A roll-up of a portfolio's delays by one key (a :class:`PortfolioDelays` method).

    Records: ``group``, ``projects`` (how many contribute), ``days``, and
    further columns depending on the key.

    Examples
    --------
    >>> pd = pt.Portfolio([pt.load("examples/renhe-road.yaml")]).delays()
    >>> print(pd.by_industry_chain().summary())
    Portfolio delays by industry_chain (working days of slippage)
      business districts and commercial complexes    2,727  (1 projects)
    """

    def __init__(self, key: str, rows: list[dict[str, Any]], columns: tuple[str, ...],
                 what: str) -> None:
        self.key = key
        self._rows = rows
        self.columns = columns  # type: ignore[misc]
        self.what = what

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per group, largest first."""
        return [dict(r) for r in self._rows]

    def summary(self) -> str:
        """One line per group."""
        lines = [f"Portfolio delays by {self.key} ({self.what})"]
        width = max([len(str(r["group"])) for r in self._rows] + [5])
        for r in self._rows:
            lines.append(f"  {r['group']!s:<{width}}  {fmt_days(r['days']):>7}  "
                         f"({r['projects']} projects)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<RollUp by {self.key}: {len(self._rows)} groups>"

