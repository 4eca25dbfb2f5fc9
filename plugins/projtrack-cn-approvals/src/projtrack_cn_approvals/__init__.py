"""projtrack plugin: China's four-stage construction approval flow (``CN`` checks).

Checks (select them with ``select=["CN"]`` or ``--select CN``):

=====  ========  ===============================================================
id     severity  fires when
=====  ========  ===============================================================
CN001  error     a later-stage approval precedes an earlier-stage one (by links
                 or by actual dates)
CN002  error     an approval lacks a prerequisite, or is not linked after it,
                 or was decided before it (a construction permit needs the
                 engineering planning permit and the drawing review)
CN003  warning   a round of an approval took longer than its statutory time
                 limit, in working days on the ``cn`` calendar (the limit
                 restarts on resubmission; applicant time excluded); or a
                 pending one is already overdue at the status date
CN004  error     construction did not start within 3 months of the
                 construction permit (plus at most two 3-month extensions)
CN005  warning   idle land: no start 1 year after the contractual start date
                 (``error`` after 2 years, when the land may be taken back)
=====  ========  ===============================================================

How approvals are recognised: an explicit tag ``attrs: {approval:
construction_permit}`` (identifiers in :data:`APPROVALS`), else keywords in
the English or Chinese name (``施工许可``, ``construction permit``...), for
activities of kind ``approval`` (or ``milestone``). Government time is
:func:`projtrack.approval_cycles`' (one computation for both): a round runs
from ``submitted``/``resubmitted`` (that day, the day of acceptance, is not
counted) to ``returned_for_revision``, ``rejected``, ``approved`` or
``finished`` (counted); the time back with the applicant is not counted, and
the statutory limit starts again with each resubmission of the complete file
(行政许可法 Arts. 32, 42: the limit runs from acceptance of complete
materials). Without
events, ``actual_start`` to ``actual_finish``.

Options: ``cn.default_time_limits`` (default ``True``: use the statutory
limit of a recognised approval that has no ``time_limit``),
``cn.idle_land_start_months`` (default 12: contractual start assumed this many
months after the land contract when no ``start_deadline`` is recorded).

The template ``cn.approval-chain`` adds the standard chain from the
construction-land planning permit to the construction permit.

Examples
--------
>>> import pendulum, projtrack as pt, projtrack_cn_approvals as cn
>>> p = pt.Project(id="p", start=pendulum.Date(2024, 1, 2), activities=[
...     pt.Activity(id="permit", kind="approval", name="Construction permit")])
>>> [(f.check, f.activities) for f in pt.check(p, select="CN002", plugins=[cn])]
[('CN002', ('permit',)), ('CN002', ('permit',))]
"""

from __future__ import annotations

import datetime as _dt
import itertools
from collections.abc import Iterator
from typing import Any

import attrs
import pendulum
from projtrack import ActivityTemplate, Finding, hookimpl, rule
from projtrack.checks import CheckContext, find_activities, link_id
from projtrack.exceptions import CalendarError

from projtrack_cn_approvals._data import (
    APPROVALS,
    ORDERED_AFTER,
    REQUIRED_BEFORE,
    STAGES,
    Approval,
)

__all__ = [
    "APPROVALS",
    "STAGES",
    "approval_chain",
    "identify",
    "recognised_approvals",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import version

        return version("projtrack-cn-approvals")
    raise AttributeError(f"module 'projtrack_cn_approvals' has no attribute {name!r}")


# =========================================================================== recognition


def identify(activity: Any) -> str | None:
    """Return the approval identifier of an activity, or ``None``.

    Examples
    --------
    >>> import projtrack as pt
    >>> identify(pt.Activity(id="x", kind="approval", name_zh="建筑工程施工许可证"))
    'construction_permit'
    >>> identify(pt.Activity(id="y", attrs={"approval": "completion_filing"}))
    'completion_filing'
    >>> identify(pt.Activity(id="z", name="Construction permit application pack"))
    """
    meta = getattr(activity, "attrs", None) or {}
    tagged = meta.get("approval")
    if isinstance(tagged, str):
        return tagged if tagged in APPROVALS else None
    text = f"{activity.name} {activity.name_zh}".lower()
    for ident, item in APPROVALS.items():
        if item.kinds is not None and activity.kind not in item.kinds:
            continue
        if any(k.lower() in text for k in item.keywords) and not any(
            v.lower() in text for v in item.vetoes
        ):
            return ident
    return None


def recognised_approvals(project: Any) -> dict[str, list[Any]]:
    """Map approval identifiers to the project's activities, in file order.

    Examples
    --------
    >>> import pendulum, projtrack as pt
    >>> p = pt.Project(id="p", start=pendulum.Date(2022, 1, 4), activities=[
    ...     pt.Activity(id="epp", kind="approval", name="Engineering planning permit"),
    ...     pt.Activity(id="drawings", name_zh="施工图设计"),
    ...     pt.Activity(id="review", kind="approval", name_zh="施工图联合审查"),
    ...     pt.Activity(id="permit", kind="approval", name="Construction permit B/C")])
    >>> {k: [a.id for a in v] for k, v in recognised_approvals(p).items()}
    ... # doctest: +NORMALIZE_WHITESPACE
    {'construction_engineering_planning_permit': ['epp'],
     'construction_drawing_review': ['review'], 'construction_permit': ['permit']}
    """
    out: dict[str, list[Any]] = {}
    for act in project.activities:
        ident = identify(act)
        if ident is not None:
            out.setdefault(ident, []).append(act)
    return out


def _label(ident: str) -> str:
    item = APPROVALS[ident]
    return f"{item.name} ({item.name_zh})"


def _day(value: Any, tz: str) -> _dt.date | None:
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return pendulum.instance(value).in_timezone(tz).date()
    return value  # type: ignore[no-any-return]


def _events(ctx: CheckContext, activity_id: Any) -> list[Any]:
    tz = ctx.project.timezone
    evs = [e for e in ctx.project.events if e.activity == activity_id]
    return sorted(evs, key=lambda e: _day(e.at, tz))


def _decided(ctx: CheckContext, act: Any) -> _dt.date | None:
    """The day an approval was decided: its approved/rejected event, else actual_finish."""
    tz = ctx.project.timezone
    for ev in reversed(_events(ctx, act.id)):
        if ev.kind in ("approved", "rejected"):
            return _day(ev.at, tz)
    return _day(act.actual_finish, tz)


def _starts(project: Any) -> list[Any]:
    return find_activities(
        project,
        "construction_start",
        keywords=("开工", "construction start", "start of construction", "start of works",
                  "works start"),
        exclude=("许可", "permit", "审批", "approval", "计划", "plan "),
        kinds=("milestone", "task"),
    )


def _first_start(ctx: CheckContext) -> tuple[_dt.date | None, Any]:
    tz = ctx.project.timezone
    started = [
        (_day(a.actual_start, tz), a) for a in _starts(ctx.project) if a.actual_start is not None
    ]
    if not started:
        return None, None
    return min(started, key=lambda da: da[0])  # type: ignore[return-value,arg-type]


# =========================================================================== checks


@rule(id="CN001", title="Approvals follow the four-stage order", severity="error")
def stage_order(ctx: CheckContext) -> Iterator[Finding]:
    """A later-stage approval must not be a predecessor of an earlier-stage one, nor be
    decided before the earlier one was even applied for."""
    tz = ctx.project.timezone
    items = [
        (APPROVALS[ident].stage, ident, act)
        for ident, acts in recognised_approvals(ctx.project).items()
        for act in acts
        if APPROVALS[ident].stage is not None
    ]
    for late_stage, late_ident, late in items:
        for early_stage, early_ident, early in items:
            if late_stage <= early_stage:  # type: ignore[operator]
                continue
            if ctx.precedes(late.id, early.id):
                yield Finding(
                    f"{early.id!r} ({_label(early_ident)}, stage {early_stage}) is linked after "
                    f"{late.id!r} ({_label(late_ident)}, stage {late_stage})",
                    activities=[late.id, early.id],
                    hint=f"stage {early_stage} comes before stage {late_stage}: reverse the "
                    "logic between them",
                    evidence={"early_stage": early_stage, "late_stage": late_stage},
                )
                continue
            decided = _decided(ctx, late)
            applied = _day(early.actual_start, tz)
            if decided is not None and applied is not None and decided < applied:
                yield Finding(
                    f"{late.id!r} ({_label(late_ident)}, stage {late_stage}) was decided on "
                    f"{decided} before {early.id!r} ({_label(early_ident)}, stage "
                    f"{early_stage}) was applied for on {applied}",
                    activities=[late.id, early.id],
                    hint="check the actual dates; the stages run in order",
                    evidence={"decided": decided, "applied": applied},
                )


@rule(id="CN002", title="Approvals have their prerequisites", severity="error")
def prerequisites(ctx: CheckContext) -> Iterator[Finding]:
    """Required prerequisites must exist and precede; known ones, when present, must precede."""
    found = recognised_approvals(ctx.project)
    for ident, acts in found.items():
        wanted = [(p, True) for p in REQUIRED_BEFORE.get(ident, ())]
        wanted += [(p, False) for p in ORDERED_AFTER.get(ident, ())]
        for act in acts:
            for pre, required in wanted:
                pre_acts = found.get(pre, [])
                if not pre_acts:
                    if required:
                        yield Finding(
                            f"{act.id!r} ({_label(ident)}) needs the {_label(pre)}, which the "
                            "project does not have",
                            activities=[act.id],
                            links=[link_id(pre, act.id)],
                            hint=f"add an approval {pre!r} (tag it attrs: {{approval: {pre}}}) "
                            f"and link it FS before {act.id!r}",
                        )
                    continue
                if not any(ctx.precedes(p.id, act.id) for p in pre_acts):
                    yield Finding(
                        f"{act.id!r} ({_label(ident)}) is not linked after its prerequisite "
                        f"{pre_acts[0].id!r} ({_label(pre)})",
                        activities=[pre_acts[0].id, act.id],
                        links=[link_id(pre_acts[0].id, act.id)],
                        hint=f"add the link {pre_acts[0].id} -> {act.id} (FS)",
                    )
                    continue
                decided = _decided(ctx, act)
                pre_decided = [d for p in pre_acts if (d := _decided(ctx, p)) is not None]
                if decided is not None and pre_decided and min(pre_decided) > decided:
                    yield Finding(
                        f"{act.id!r} ({_label(ident)}) was decided on {decided}, before its "
                        f"prerequisite {_label(pre)} on {min(pre_decided)}",
                        activities=[pre_acts[0].id, act.id],
                        hint="check the actual dates of the two approvals",
                        evidence={"decided": decided, "prerequisite_decided": min(pre_decided)},
                    )


def _cycles(ctx: CheckContext, limits: dict[Any, float]) -> tuple[list[dict[str, Any]], bool]:
    """``projtrack.approval_cycles`` on ``cn`` as of the status date, and whether the
    working days had to be estimated (plain weekdays in years without holiday data)."""
    from projtrack import Calendar, approval_cycles

    project = ctx.project
    try:
        cycles = approval_cycles(project, calendar="cn", as_of=ctx.as_of, time_limits=limits)
        return cycles.to_records(), False
    except CalendarError:
        # Same count, with years the cn holiday data does not cover read as Mon-Fri weeks.
        names = {c.name for c in project.calendars}
        name = next(n for n in (f"cn-weekdays{'-' * i}" for i in itertools.count())
                    if n not in names)
        estimated = attrs.evolve(project, calendars=(
            *project.calendars, Calendar(name=name, base="cn", fallback="weekdays")))
        cycles = approval_cycles(estimated, calendar=name, as_of=ctx.as_of, time_limits=limits)
        return cycles.to_records(), True


def _days(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


@rule(id="CN003", title="Approvals are decided within their statutory time limit",
      severity="warning")
def time_limits(ctx: CheckContext) -> Iterator[Finding]:
    """Government time of each round, in working days on ``cn``, against the time limit.

    The rounds, the working days and the overrun are those of
    :func:`projtrack.approval_cycles` (one computation): the limit restarts when
    the complete file is resubmitted, and time with the applicant is not counted.
    """
    use_defaults = bool(ctx.option("cn.default_time_limits", True))
    limits: dict[Any, float] = {}
    sources: dict[Any, str] = {}
    for act in ctx.project.activities:
        if act.kind != "approval":
            continue
        if act.time_limit is not None:
            sources[act.id] = "time_limit"
            continue
        ident = identify(act)
        item = APPROVALS[ident] if use_defaults and ident is not None else None
        if item is not None and item.time_limit is not None:
            limits[act.id] = item.time_limit
            sources[act.id] = f"statutory default: {item.basis}"
    records, estimated = _cycles(ctx, limits)
    status = _day(ctx.as_of, ctx.project.timezone)
    for r in records:
        limit, over = r["time_limit"], r["overrun_days"]
        if limit is None or over <= 0 or not r["round_days"]:
            continue
        pending = r["holder"] == "agency"
        if pending and status is None:
            continue  # no status date: the open round has nothing to be measured against
        total, rounds, per_round = r["agency_days"], len(r["round_days"]), r["round_days"]
        note = " (years without official holiday data counted as plain weekdays)" if (
            estimated) else ""
        by = f" by {r['agency']}" if r["agency"] else ""
        current = per_round[-1]
        if pending and current > limit:
            which = f" in round {rounds}" if rounds > 1 else ""
            message = (
                f"approval {r['id']!r}{by} is overdue: {_days(current)} working days of "
                f"government time{which} by {status} against a limit of {limit:g}{note}"
            )
        elif rounds == 1:
            message = (
                f"approval {r['id']!r}{by} took {_days(total)} working days of government time "
                f"against a limit of {limit:g} ({_days(over)} over){note}"
            )
        else:
            each = ", ".join(_days(d) for d in per_round[:-1]) + f" and {_days(per_round[-1])}"
            message = (
                f"approval {r['id']!r}{by} took {_days(total)} working days of government time "
                f"in {rounds} rounds ({each}) against a limit of {limit:g} per round "
                f"({_days(over)} over); the limit restarts when the file is resubmitted"
                + (f", and the {_days(r['applicant_days'])} working days with the applicant "
                   "are not counted" if r["applicant_days"] else "")
                + note
            )
        yield Finding(
            message,
            activities=[r["id"]],
            hint="record the cause of the delay as an event, and follow it up with the agency",
            evidence={
                "working_days": total,
                "round_days": ", ".join(_days(d) for d in per_round),  # evidence is scalar
                "rounds": rounds,
                "limit": limit,
                "over": over,
                "limit_source": sources.get(r["id"], "time_limit"),
                "returns": len(r["returns"]),
                "applicant_days": r["applicant_days"],
                "pending": pending,
                "calendar_estimated": estimated,
                "first_submitted": r["submitted"],
            },
        )


@rule(id="CN004", title="Works start within 3 months of the construction permit",
      severity="error")
def permit_start_window(ctx: CheckContext) -> Iterator[Finding]:
    """建筑法 Art. 9: start within 3 months of issue; at most two extensions of 3 months each."""
    tz = ctx.project.timezone
    status = _day(ctx.as_of, tz)
    permits = recognised_approvals(ctx.project).get("construction_permit", [])
    start_day, start_act = _first_start(ctx)
    for permit in permits:
        issued = _decided(ctx, permit)
        if issued is None:
            continue
        raw = (permit.attrs or {}).get("extensions", 0)
        extensions = raw if isinstance(raw, int) and not isinstance(raw, bool) else 0
        if extensions > 2:
            yield Finding(
                f"construction permit {permit.id!r} records {extensions} extensions; the law "
                "allows at most two (3 months each), after which the permit is void",
                activities=[permit.id],
                hint="apply for a new construction permit",
                evidence={"extensions": extensions},
            )
            extensions = 2
        deadline = pendulum.Date(issued.year, issued.month, issued.day).add(
            months=3 * (1 + extensions)
        )
        if start_day is not None and start_day >= issued:
            if start_day > deadline:
                yield Finding(
                    f"works started on {start_day} ({start_act.id!r}), after the permit "
                    f"{permit.id!r} of {issued} lapsed on {deadline}",
                    activities=[permit.id, start_act.id],
                    hint="a permit is void if works do not start within 3 months and no "
                    "extension (at most two) was granted: record extensions as attrs: "
                    "{extensions: N} or obtain a new permit",
                    evidence={"issued": issued, "deadline": deadline, "start": start_day,
                              "extensions": extensions},
                )
        elif status is not None and status > deadline:
            yield Finding(
                f"no construction start recorded by {status}; the permit {permit.id!r} of "
                f"{issued} lapsed on {deadline}",
                activities=[permit.id],
                hint="start the works, record an extension (attrs: {extensions: N}, at most "
                "2), or apply for a new permit",
                evidence={"issued": issued, "deadline": deadline, "as_of": status,
                          "extensions": extensions},
            )


def _deadline(ctx: CheckContext, contract: Any, signed: _dt.date) -> tuple[_dt.date, str]:
    from projtrack._time import parse_date

    for where, meta in (("contract", contract.attrs or {}), ("project", ctx.project.attrs)):
        key = "start_deadline" if where == "contract" else "land_start_deadline"
        value = meta.get(key)
        if value is not None:
            try:
                return parse_date(value), f"{where} attrs.{key}"
            except ValueError:
                pass
    months = int(ctx.option("cn.idle_land_start_months", 12))
    day = pendulum.Date(signed.year, signed.month, signed.day).add(months=months)
    return day, f"assumed: {months} months after the contract (no start_deadline recorded)"


@rule(id="CN005", title="Land is not left idle after the contractual start date",
      severity="warning")
def idle_land(ctx: CheckContext) -> Iterator[Finding]:
    """城市房地产管理法 Art. 26: idle-land fee after 1 year, land taken back after 2."""
    tz = ctx.project.timezone
    status = _day(ctx.as_of, tz)
    contracts = find_activities(
        ctx.project,
        "land_contract",
        keywords=APPROVALS["land_assignment_contract"].keywords,
    )
    contracts += [
        a for a in ctx.project.activities
        if (a.attrs or {}).get("approval") == "land_assignment_contract" and a not in contracts
    ]
    start_day, start_act = _first_start(ctx)
    for contract in contracts:
        signed = _day(contract.actual_finish, tz)
        if signed is None:
            continue
        deadline, basis = _deadline(ctx, contract, signed)
        started = start_day if start_day is not None and start_day >= signed else None
        end = started if started is not None else status
        if end is None:
            continue
        late_days = (end - deadline).days
        years = 2 if end >= pendulum.Date(deadline.year, deadline.month, deadline.day).add(
            years=2) else 1 if end >= pendulum.Date(
            deadline.year, deadline.month, deadline.day).add(years=1) else 0
        if not years:
            continue
        what = f"works started on {started}" if started else f"no start by {status}"
        consequence = (
            "the land may be taken back without compensation" if years == 2
            else "an idle-land fee of up to 20 % of the land price may be charged"
        )
        yield Finding(
            f"idle land: {what}, {late_days} days after the contractual start date {deadline} "
            f"of {contract.id!r} ({basis}); {consequence}",
            severity="error" if years == 2 else "warning",
            activities=[contract.id] + ([start_act.id] if started else []),
            hint="record the cause (force majeure, government action or necessary "
            "preparatory work are exempt) as an event, or start the works",
            evidence={"deadline": deadline, "late_days": late_days, "years": years,
                      "deadline_basis": basis},
        )


RULES = (stage_order, prerequisites, time_limits, permit_start_window, idle_land)


# =========================================================================== template


def _chain() -> ActivityTemplate:
    from projtrack import Activity, Link, Party

    steps = [
        ("land-planning-permit", "construction_land_planning_permit", "planning-authority"),
        ("design-scheme-review", "design_scheme_review", "planning-authority"),
        ("engineering-planning-permit", "construction_engineering_planning_permit",
         "planning-authority"),
        ("drawing-review", "construction_drawing_review", "drawing-review-body"),
        ("construction-permit", "construction_permit", "housing-authority"),
    ]
    activities = []
    for act_id, ident, agency in steps:
        item: Approval = APPROVALS[ident]
        limit = item.time_limit or 20
        activities.append(
            Activity(
                id=act_id,
                name=item.name[0].upper() + item.name[1:],
                name_zh=item.name_zh,
                kind="approval",
                duration=limit,
                calendar="cn",
                stage=f"S{item.stage}",
                agency=agency,
                time_limit=limit,
                outcome="pending",
                attrs={"approval": ident, "time_limit_basis": item.basis},
            )
        )
    links = [Link(pred=a[0], succ=b[0]) for a, b in itertools.pairwise(steps)]
    parties = [
        Party(id="planning-authority", name="Planning authority",
              name_zh="自然资源和规划部门", role="government_agency"),
        Party(id="drawing-review-body", name="Construction-drawing review body",
              name_zh="施工图审查机构", role="other"),
        Party(id="housing-authority", name="Housing and urban-rural development authority",
              name_zh="住房和城乡建设部门", role="government_agency"),
    ]
    return ActivityTemplate(
        name="cn.approval-chain",
        title="Standard approval chain: land planning permit to construction permit",
        description="Stages S1-S3 of the 2019 reform with statutory time limits on the cn "
        "calendar; connect with after=[...] and before=[...]",
        activities=activities,
        links=links,
        parties=parties,
    )


#: The ``cn.approval-chain`` template.
approval_chain = _chain()


# =========================================================================== hooks


@hookimpl
def register_checks() -> list[Any]:
    """The CN checks."""
    return list(RULES)


@hookimpl
def register_activity_templates() -> list[ActivityTemplate]:
    """The approval-chain template."""
    return [approval_chain]
