"""The ``DCMA`` pack: the DCMA 14-point schedule assessment (a built-in plugin).

The 14 points of DCMA-EA PAM 200.1 (2012), section 4, as summarised in
``scheduling-semantics.md`` section 2.1. Each check reports one finding when
its metric is outside the threshold, and nothing when it passes:

=======  ==================  ===================================================
id       metric              default threshold (profile ``standard``)
=======  ==================  ===================================================
DCMA01   logic               <= 5 % of incomplete activities lack a predecessor
                             or a successor
DCMA02   leads               0 links with a negative lag
DCMA03   lags                <= 5 % of links with a positive lag
DCMA04   relationship types  >= 90 % of links finish-to-start
DCMA05   hard constraints    <= 5 % of incomplete activities
DCMA06   high float          <= 5 % of incomplete activities with total float
                             > 44 working days
DCMA07   negative float      0 incomplete activities with total float < 0
DCMA08   high duration       <= 5 % of incomplete tasks longer than 44
                             working days
DCMA09   invalid dates       0 forecasts before, or actuals after, the status
                             date (``error``)
DCMA10   resources           not applicable: the model carries no resources
DCMA11   missed tasks        <= 5 % of the tasks due by the status date in the
                             baseline finished late or not at all
DCMA12   critical path test  a delay inserted into the first critical activity
                             moves the project's completion by (nearly) as much
DCMA13   CPLI                >= 0.95: (critical path length + float to the
                             baseline completion) / critical path length
DCMA14   BEI                 >= 0.95: tasks finished / tasks due by the
                             status date in the baseline
=======  ==================  ===================================================

Choices, since published tools differ (all configurable through options):

* "incomplete activities" are those without an actual finish; milestones
  count for the logic check (#1) and in float checks, not for durations (#8).
  One start milestone without predecessors and one finish milestone without
  successors (the ends of the network) are not logic gaps.
* Link metrics (#2-#4) count the links whose successor is incomplete.
* "Hard" constraints (#5) are, by default, ``start_on``, ``finish_on``,
  ``start_no_later_than``, ``finish_no_later_than`` and the two mandatory
  ones (MSP's MSO, MFO, SNLT, FNLT and P6's mandatory dates). Option
  ``dcma.hard_constraints = "mandatory"`` counts only the mandatory ones.
* Working days (#6, #8) are days of each activity's own calendar: float from
  the schedule, and durations in ``d`` as given (``h`` divided by 8, elapsed
  days times 5/7).
* #11, #13 and #14 measure against a baseline stored on the project
  (``Project.baselines``): ``dcma.baseline`` names it, else the last one is
  used. Without a baseline (or a status date) they report ``not applicable``
  rather than passing. "Tasks" are activities that are not milestones.
  Working days for #13 are days of the project calendar.
* #12 inserts ``dcma.cpt_delay_days`` (600, as Ron Winter does) working days
  into the earliest not-started critical activity; when the calendars have no
  data that far ahead it retries with 200, 100 and 50 days and says so. It
  passes when the project's completion (the incomplete activity that finishes
  last) moves by at least ``dcma.cpt_min_ratio`` (0.9) of the delayed
  activity's own movement.

Profiles (``dcma.profile``): ``standard`` (the DCMA thresholds) and
``strict`` (logic 1 %, high float 30 working days, as a public
implementation ships for nuclear work). Any threshold can be overridden by
option, e.g. ``{"dcma.high_float_days": 30}``; see :class:`DcmaProfile`.

Examples
--------
>>> import projtrack as pt
>>> p = pt.Project(id="p", start=pendulum.Date(2024, 1, 2), calendar="7d",
...                activities=[pt.Activity(id=x, duration=5) for x in "abc"],
...                links=[pt.Link(pred="a", succ="b", lag=2), pt.Link(pred="b", succ="c")])
>>> report = pt.check(p, select=["DCMA03", "DCMA11"])
>>> [(f.check, f.severity, f.message) for f in report]  # doctest: +NORMALIZE_WHITESPACE
[('DCMA03', 'warning', '1 of 2 links (50 %) have a positive lag; threshold <= 5 %'),
 ('DCMA11', 'info', 'not applicable: no baseline')]
>>> report.findings[0].evidence["ratio"]
0.5
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import attrs
import pendulum

from projtrack.checks import CheckContext, Finding, NotApplicable, link_id, rule
from projtrack.exceptions import CalendarError, ValidationError
from projtrack.hookspecs import hookimpl

__all__ = ["HARD_CONSTRAINTS", "PROFILES", "RULES", "DcmaProfile", "profile"]

#: Constraint types DCMA calls "hard" (option ``dcma.hard_constraints="dcma"``).
HARD_CONSTRAINTS: dict[str, tuple[str, ...]] = {
    "dcma": (
        "start_on",
        "finish_on",
        "start_no_later_than",
        "finish_no_later_than",
        "mandatory_start",
        "mandatory_finish",
    ),
    "mandatory": ("mandatory_start", "mandatory_finish"),
}


@attrs.frozen(kw_only=True)
class DcmaProfile:
    """Thresholds of the 14 points. Ratios are fractions (0.05 = 5 %).

    Examples
    --------
    >>> PROFILES["strict"].logic_max, PROFILES["strict"].high_float_days
    (0.01, 30)
    """

    name: str = "standard"
    logic_max: float = 0.05
    leads_max: float = 0.0
    lags_max: float = 0.05
    fs_min: float = 0.90
    hard_constraints_max: float = 0.05
    hard_constraints: str = "dcma"
    high_float_days: float = 44
    high_float_max: float = 0.05
    negative_float_max: float = 0.0
    high_duration_days: float = 44
    high_duration_max: float = 0.05
    missed_max: float = 0.05
    cpt_delay_days: int = 600
    cpt_min_ratio: float = 0.9
    cpli_min: float = 0.95
    bei_min: float = 0.95


#: Built-in profiles.
PROFILES: dict[str, DcmaProfile] = {
    "standard": DcmaProfile(),
    "strict": DcmaProfile(name="strict", logic_max=0.01, high_float_days=30),
}


def profile(options: Mapping[str, Any]) -> DcmaProfile:
    """The thresholds for these options: ``dcma.profile`` plus ``dcma.<field>`` overrides.

    Examples
    --------
    >>> profile({"dcma.profile": "strict", "dcma.lags_max": 0.1}).lags_max
    0.1
    >>> profile({"dcma.profile": "lenient"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    projtrack.exceptions.ValidationError: dcma.profile: unknown DCMA profile 'lenient'; use one...
    """
    name = options.get("dcma.profile", "standard")
    if name not in PROFILES:
        raise ValidationError(
            f"unknown DCMA profile {name!r}; use one of {', '.join(PROFILES)}",
            field="dcma.profile",
        )
    base = PROFILES[name]
    fields = {f.name: f for f in attrs.fields(DcmaProfile)}
    changes: dict[str, Any] = {}
    for key, value in options.items():
        if not key.startswith("dcma.") or key in ("dcma.profile", "dcma.baseline"):
            continue
        field = key.removeprefix("dcma.")
        if field not in fields or field == "name":
            raise ValidationError(
                f"unknown DCMA option {key!r}; use dcma.profile, dcma.baseline or one of "
                + ", ".join(f"dcma.{f}" for f in fields if f != "name"),
                field=key,
            )
        changes[field] = value
    return attrs.evolve(base, **changes) if changes else base


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %".replace(".0 %", " %")


def _incomplete(ctx: CheckContext) -> list[Any]:
    return [a for a in ctx.project.activities if a.actual_finish is None]


def _ratio_finding(
    what: str, ids: list[Any], total: int, limit: float, *, above: bool = True,
    hint: str = "", links: list[str] | None = None, unit: str = "incomplete activities",
) -> Iterator[Finding]:
    if total == 0:
        return
    ratio = len(ids) / total
    failed = ratio > limit if above else ratio < limit
    if not failed:
        return
    sign = "<=" if above else ">="
    yield Finding(
        f"{len(ids)} of {total} {unit} ({_pct(ratio)}) {what}; threshold {sign} {_pct(limit)}",
        activities=ids if above else [],
        links=links or [],
        hint=hint,
        evidence={"count": len(ids), "total": total, "ratio": round(ratio, 4),
                  "threshold": limit},
    )


def _open_links(ctx: CheckContext) -> list[Any]:
    open_ids = {a.id for a in _incomplete(ctx)}
    return [k for k in ctx.project.links if k.succ in open_ids]


# =========================================================================== logic checks


@rule(id="DCMA01", title="DCMA 1: incomplete activities have predecessors and successors")
def logic(ctx: CheckContext) -> Iterator[Finding]:
    """Missing logic, except the project's start and finish milestones."""
    prof = profile(ctx.options)
    acts = _incomplete(ctx)
    has_pred = {k.succ for k in ctx.project.links}
    has_succ = {k.pred for k in ctx.project.links}
    # One start milestone without predecessors and one finish milestone without
    # successors are the ends of the network, not gaps.
    starts = [a for a in acts if a.kind == "milestone" and a.id not in has_pred]
    finishes = [a for a in acts if a.kind == "milestone" and a.id not in has_succ]
    exempt = set()
    if starts:
        exempt.add(next((a for a in starts if a.milestone_type == "start"), starts[0]).id)
    if finishes:
        exempt.add(next((a for a in reversed(finishes) if a.milestone_type == "finish"),
                        finishes[-1]).id)
    missing = [
        a.id for a in acts
        if a.id not in exempt and (a.id not in has_pred or a.id not in has_succ)
    ]
    yield from _ratio_finding(
        "lack a predecessor or a successor", missing, len(acts), prof.logic_max,
        hint="link every activity into the network between the start and finish milestones",
    )


@rule(id="DCMA02", title="DCMA 2: no leads (negative lags)")
def leads(ctx: CheckContext) -> Iterator[Finding]:
    """Links into incomplete activities with a negative lag."""
    prof = profile(ctx.options)
    links = _open_links(ctx)
    bad = [k for k in links if k.lag < 0]
    if links and len(bad) / len(links) > prof.leads_max:
        yield Finding(
            f"{len(bad)} of {len(links)} links have a lead (negative lag): "
            + ", ".join(link_id(k) for k in bad[:6]) + (" ..." if len(bad) > 6 else ""),
            activities=sorted({k.succ for k in bad}, key=str),
            links=[link_id(k) for k in bad],
            hint="replace leads by splitting the predecessor or using SS/FF logic",
            evidence={"count": len(bad), "total": len(links),
                      "ratio": round(len(bad) / len(links), 4), "threshold": prof.leads_max},
        )


@rule(id="DCMA03", title="DCMA 3: few lags")
def lags(ctx: CheckContext) -> Iterator[Finding]:
    """Links into incomplete activities with a positive lag."""
    prof = profile(ctx.options)
    links = _open_links(ctx)
    bad = [k for k in links if k.lag > 0]
    yield from _lag_finding(bad, links, prof.lags_max)


def _lag_finding(bad: list[Any], links: list[Any], limit: float) -> Iterator[Finding]:
    if not links or len(bad) / len(links) <= limit:
        return
    ratio = len(bad) / len(links)
    yield Finding(
        f"{len(bad)} of {len(links)} links ({_pct(ratio)}) have a positive lag; threshold <= "
        f"{_pct(limit)}",
        activities=sorted({k.succ for k in bad}, key=str),
        links=[link_id(k) for k in bad],
        hint="model waiting time as activities (a review period, curing) rather than lags",
        evidence={"count": len(bad), "total": len(links), "ratio": round(ratio, 4),
                  "threshold": limit},
    )


@rule(id="DCMA04", title="DCMA 4: mostly finish-to-start links")
def relationship_types(ctx: CheckContext) -> Iterator[Finding]:
    """Share of FS links among the links into incomplete activities."""
    prof = profile(ctx.options)
    links = _open_links(ctx)
    if not links:
        return
    other = [k for k in links if k.type != "FS"]
    ratio = (len(links) - len(other)) / len(links)
    if ratio >= prof.fs_min:
        return
    yield Finding(
        f"{len(links) - len(other)} of {len(links)} links ({_pct(ratio)}) are finish-to-start; "
        f"threshold >= {_pct(prof.fs_min)}",
        activities=sorted({k.succ for k in other}, key=str),
        links=[link_id(k) for k in other],
        hint="prefer FS logic; SS/FF links hide the driving path",
        evidence={"count": len(links) - len(other), "total": len(links),
                  "ratio": round(ratio, 4), "threshold": prof.fs_min},
    )


@rule(id="DCMA05", title="DCMA 5: few hard constraints")
def hard_constraints(ctx: CheckContext) -> Iterator[Finding]:
    """Incomplete activities with a hard date constraint."""
    prof = profile(ctx.options)
    kinds = HARD_CONSTRAINTS.get(prof.hard_constraints)
    if kinds is None:
        raise ValidationError(
            f"unknown dcma.hard_constraints {prof.hard_constraints!r}; use "
            + " or ".join(HARD_CONSTRAINTS),
            field="dcma.hard_constraints",
        )
    acts = _incomplete(ctx)
    bad = [a.id for a in acts if any(c.type in kinds for c in a.constraints)]
    yield from _ratio_finding(
        "have a hard constraint", bad, len(acts), prof.hard_constraints_max,
        hint="let logic drive the dates; keep hard constraints for real external dates",
    )


# =========================================================================== schedule checks


def _records(ctx: CheckContext) -> list[dict[str, Any]]:
    return [r for r in ctx.schedule.to_records() if r["status"] != "finished"]


@rule(id="DCMA06", title="DCMA 6: little high float", needs_schedule=True)
def high_float(ctx: CheckContext) -> Iterator[Finding]:
    """Incomplete activities with total float above the limit (working days)."""
    prof = profile(ctx.options)
    recs = _records(ctx)
    bad = [r["id"] for r in recs if r["total_float"] > prof.high_float_days]
    yield from _ratio_finding(
        f"have total float above {prof.high_float_days:g} working days", bad, len(recs),
        prof.high_float_max,
        hint="high float usually means missing successor logic",
    )


@rule(id="DCMA07", title="DCMA 7: no negative float", needs_schedule=True)
def negative_float(ctx: CheckContext) -> Iterator[Finding]:
    """Incomplete activities with negative total float."""
    prof = profile(ctx.options)
    recs = _records(ctx)
    bad = [r for r in recs if r["total_float"] < 0]
    if recs and len(bad) / len(recs) > prof.negative_float_max:
        worst = min(r["total_float"] for r in bad)
        yield Finding(
            f"{len(bad)} of {len(recs)} incomplete activities have negative total float "
            f"(worst {worst:g} working days)",
            activities=[r["id"] for r in bad],
            hint="a constraint or deadline cannot be met: recover the delay or move the "
            "constraint",
            evidence={"count": len(bad), "total": len(recs), "worst_days": worst,
                      "threshold": prof.negative_float_max},
        )


def _working_days(act: Any, hours_per_day: float = 8.0) -> float:
    unit = act.duration_unit
    if unit == "h":
        return float(act.duration) / hours_per_day
    if unit == "ed":
        return float(act.duration) * 5 / 7
    if unit == "eh":
        return float(act.duration) / 24 * 5 / 7
    return float(act.duration)


@rule(id="DCMA08", title="DCMA 8: few long activities")
def high_duration(ctx: CheckContext) -> Iterator[Finding]:
    """Incomplete tasks (not milestones) longer than the limit (working days)."""
    prof = profile(ctx.options)
    tasks = [a for a in _incomplete(ctx) if a.kind != "milestone"]
    bad = [a.id for a in tasks if _working_days(a) > prof.high_duration_days]
    yield from _ratio_finding(
        f"are longer than {prof.high_duration_days:g} working days", bad, len(tasks),
        prof.high_duration_max, unit="incomplete tasks",
        hint="break long activities into pieces that can be statused",
    )


def _instant(value: Any, tz: str) -> pendulum.DateTime:
    from projtrack._model import instant

    return instant(value, tz)


@rule(id="DCMA09", title="DCMA 9: no invalid dates", severity="error", needs_schedule=True)
def invalid_dates(ctx: CheckContext) -> Iterator[Finding]:
    """Forecast dates before the status date, and actual dates after it."""
    if ctx.as_of is None:
        raise NotApplicable("no status date: set the project's data_date or pass as_of")
    tz = ctx.project.timezone
    status = _instant(ctx.as_of, tz)
    day_after = status.add(days=1) if not hasattr(ctx.as_of, "hour") else status
    forecast = []
    for r in _records(ctx):
        starts_early = r["status"] == "not_started" and r["early_start"] is not None \
            and r["early_start"] < status
        ends_early = r["early_finish"] is not None and r["early_finish"] < status
        if starts_early or ends_early:
            forecast.append(r["id"])
    actual = [
        a.id for a in ctx.project.activities
        if any(v is not None and _instant(v, tz) >= day_after
               for v in (a.actual_start, a.actual_finish))
    ]
    if forecast or actual:
        yield Finding(
            f"{len(forecast)} forecast date(s) before and {len(actual)} actual date(s) after "
            f"the status date {str(ctx.as_of)[:10]}",
            activities=forecast + [a for a in actual if a not in forecast],
            hint="forecasts must lie after the status date and actuals before it: update the "
            "progress",
            evidence={"forecast": len(forecast), "actual": len(actual),
                      "status_date": str(ctx.as_of)[:10]},
        )


@rule(id="DCMA10", title="DCMA 10: activities carry resources", severity="info")
def resources(ctx: CheckContext) -> Iterator[Finding]:
    """The model has no resource or cost assignments yet."""
    raise NotApplicable("the schedule is not resource-loaded (projtrack models no resources)")


def _baseline(ctx: CheckContext) -> Any:
    """The baseline DCMA measures against: ``dcma.baseline`` by name, else the last stored."""
    baselines = tuple(getattr(ctx.project, "baselines", ()) or ())
    if not baselines:
        raise NotApplicable("no baseline")
    name = ctx.option("dcma.baseline")
    if name is None:
        return baselines[-1]
    for base in baselines:
        if base.name == name:
            return base
    raise ValidationError(
        f"no baseline {name!r}; the project has {', '.join(repr(b.name) for b in baselines)}",
        field="dcma.baseline",
    )


def _due(ctx: CheckContext) -> tuple[Any, Any, list[tuple[Any, Any]]]:
    """(baseline, status day, [(activity, baseline record)] of tasks due by the status date)."""
    base = _baseline(ctx)
    if ctx.as_of is None:
        raise NotApplicable("no status date: set the project's data_date or pass as_of")
    tz = ctx.project.timezone
    status = _day(ctx.as_of, tz)
    due = []
    for act in ctx.project.activities:
        if act.kind == "milestone" or act.id not in base:
            continue
        planned = base.activity(act.id)
        if _day(planned.finish, tz) <= status:
            due.append((act, planned))
    if not due:
        raise NotApplicable(
            f"no task was due by {status} in baseline {base.name!r}"
        )
    return base, status, due


def _day(value: Any, tz: str) -> Any:
    return _instant(value, tz).in_timezone(tz).date()


@rule(id="DCMA11", title="DCMA 11: few missed tasks")
def missed_tasks(ctx: CheckContext) -> Iterator[Finding]:
    """Tasks due by the status date in the baseline that did not finish by their baseline finish."""
    prof = profile(ctx.options)
    base, status, due = _due(ctx)
    tz = ctx.project.timezone
    missed = [
        act.id for act, planned in due
        if act.actual_finish is None or _day(act.actual_finish, tz) > _day(planned.finish, tz)
    ]
    yield from _ratio_finding(
        f"due by {status} in baseline {base.name!r} did not finish on time", missed, len(due),
        prof.missed_max, unit="tasks",
        hint="recover the late work, or re-baseline if the plan no longer applies",
    )


@rule(id="DCMA12", title="DCMA 12: the critical path responds to delay", needs_schedule=True)
def critical_path_test(ctx: CheckContext) -> Iterator[Finding]:
    """Insert a delay into the first not-started critical activity; the finish must move too."""
    prof = profile(ctx.options)
    sched = ctx.schedule
    recs = [r for r in sched.to_records()
            if r["status"] == "not_started" and r["kind"] != "milestone"
            and r["duration_unit"] == "d"]
    critical = sorted((r for r in recs if r["critical"]), key=lambda r: r["early_start"])
    if not critical:
        if any(r["critical"] for r in sched.to_records()):
            raise NotApplicable("no not-started critical task to delay")
        yield Finding(
            "no incomplete activity is critical: the schedule has no critical path",
            hint="the finish should be driven by logic; check constraints and open ends",
        )
        return
    target = critical[0]
    delays = [prof.cpt_delay_days] + [d for d in (200, 100, 50) if d < prof.cpt_delay_days]
    # The project's completion: the incomplete activity that finishes last.
    open_recs = [r for r in sched.to_records() if r["status"] != "finished"]
    end = max(reversed(open_recs), key=lambda r: r["early_finish"])["id"]
    base_finish = sched[end]["early_finish"]
    base_ef = target["early_finish"]
    for delay in delays:
        try:
            moved = sched.with_durations({target["id"]: target["duration"] + delay})
        except CalendarError:
            continue
        act_slip = (moved[target["id"]]["early_finish"] - base_ef).total_seconds()
        slip = (moved[end]["early_finish"] - base_finish).total_seconds()
        ratio = slip / act_slip if act_slip > 0 else 0.0
        evidence = {"activity": str(target["id"]), "completion": str(end), "delay_days": delay,
                    "activity_slip_days": round(act_slip / 86400, 1),
                    "finish_slip_days": round(slip / 86400, 1), "ratio": round(ratio, 3),
                    "threshold": prof.cpt_min_ratio}
        if ratio >= prof.cpt_min_ratio:
            return
        yield Finding(
            f"delaying critical activity {target['id']!r} by {delay} working days moves it "
            f"{act_slip / 86400:.0f} days but the project's completion {end!r} only "
            f"{slip / 86400:.0f} days: the critical path is broken",
            activities=[target["id"], end],
            hint="look for constraints, missing links or lags that absorb the delay",
            evidence=evidence,
        )
        return
    raise NotApplicable(
        "the calendars have no data far enough ahead to insert a delay "
        f"(tried {', '.join(map(str, delays))} working days)"
    )


def _days_between(ctx: CheckContext, a: Any, b: Any) -> tuple[int, bool]:
    """Working days from ``a`` to ``b`` on the project calendar (and whether estimated)."""
    from projtrack.calendars import get_calendar

    try:
        cal = get_calendar(ctx.project.calendar, ctx.project)
        return cal.working_days_between(a, b), False
    except CalendarError:
        cal = get_calendar(ctx.project.calendar, ctx.project, fallback="weekdays")
        return cal.working_days_between(a, b), True


@rule(id="DCMA13", title="DCMA 13: critical path length index >= 0.95", needs_schedule=True)
def cpli(ctx: CheckContext) -> Iterator[Finding]:
    """(critical path length + its float to the baseline finish) / critical path length."""
    prof = profile(ctx.options)
    base = _baseline(ctx)
    if ctx.as_of is None:
        raise NotApplicable("no status date: set the project's data_date or pass as_of")
    if base.finish is None:
        raise NotApplicable(f"baseline {base.name!r} has no finish date")
    tz = ctx.project.timezone
    status = _day(ctx.as_of, tz)
    target = _day(base.finish, tz)
    forecast = ctx.schedule.finish.in_timezone(tz).date()
    length, est1 = _days_between(ctx, status, target)
    slack, est2 = _days_between(ctx, forecast, target)
    evidence = {"baseline": base.name, "baseline_finish": target, "forecast_finish": forecast,
                "status_date": status, "threshold": prof.cpli_min,
                "calendar_estimated": est1 or est2}
    if length <= 0:
        yield Finding(
            f"the baseline {base.name!r} completion {target} is already past at the status "
            f"date {status}; the forecast finish is {forecast}, so CPLI cannot be met",
            hint="re-baseline, or agree a new completion date",
            evidence=evidence | {"length_days": length, "float_days": slack},
        )
        return
    index = (length + slack) / length
    if index < prof.cpli_min:
        yield Finding(
            f"CPLI {index:.2f} < {prof.cpli_min:g}: the forecast finish {forecast} is {-slack} "
            f"working days after the baseline {base.name!r} completion {target}",
            hint="the remaining critical path cannot meet the baseline completion: recover "
            "time on it",
            evidence=evidence | {"cpli": round(index, 3), "length_days": length,
                                 "float_days": slack},
        )


@rule(id="DCMA14", title="DCMA 14: baseline execution index >= 0.95")
def bei(ctx: CheckContext) -> Iterator[Finding]:
    """Tasks finished by the status date / tasks due by then in the baseline."""
    prof = profile(ctx.options)
    base, status, due = _due(ctx)
    tz = ctx.project.timezone
    # Tasks of the baseline finished by the status date (early ones included).
    done = [
        a.id for a in ctx.project.activities
        if a.kind != "milestone" and a.id in base and a.actual_finish is not None
        and _day(a.actual_finish, tz) <= status
    ]
    index = len(done) / len(due)
    if index < prof.bei_min:
        yield Finding(
            f"BEI {index:.2f} < {prof.bei_min:g}: {len(done)} tasks finished by {status}, "
            f"{len(due)} were due by then in baseline {base.name!r}",
            activities=[a.id for a, _ in due if a.id not in done],
            hint="the project finishes fewer tasks than its baseline planned",
            evidence={"bei": round(index, 3), "finished": len(done), "due": len(due),
                      "baseline": base.name, "threshold": prof.bei_min},
        )


RULES = (
    logic,
    leads,
    lags,
    relationship_types,
    hard_constraints,
    high_float,
    negative_float,
    high_duration,
    invalid_dates,
    resources,
    missed_tasks,
    critical_path_test,
    cpli,
    bei,
)


@hookimpl
def register_checks() -> list[Any]:
    """Register the DCMA pack."""
    return list(RULES)
