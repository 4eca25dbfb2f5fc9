"""projtrack plugin: works near a metro line, and deep foundation pits (``MP`` checks).

Checks (select them with ``select=["MP"]`` or ``--select MP``):

=====  ========  ===============================================================
id     severity  fires when
=====  ========  ===============================================================
MP001  info      the site is inside the metro control protection zone (the
                 other zone checks apply)
MP002  error     the site is inside the special protection zone, where new
                 construction is not allowed
MP003  error     no rail-safety impact assessment linked FS before an
                 excavation (zone sites)
MP004  error     no expert review linked FS before an excavation (zone sites)
MP005  error     no metro operator's written consent linked FS before an
                 excavation, or excavation started before the consent
MP006  error     no monitoring running during an excavation (zone sites)
MP007  error     pit depth >= 3 m and no special construction plan linked FS
                 before excavation
MP008  error     pit depth >= 5 m and no passed expert review (>= 5 experts)
                 linked FS before excavation; a failed review not followed by
                 a new one; a review with fewer than 5 experts (``info`` when
                 the number of experts is not recorded)
MP009  warning   the site facts call for these checks but no excavation
                 activity is recognised
=====  ========  ===============================================================

Site facts come from ``project.attrs``: ``foundation_pit_depth_m``,
``metro_distance_m`` (from the site boundary to the outer edge of the metro
structure) and ``metro_structure`` (``tunnel``/``underground``/``station``,
``elevated``/``ground``, ``entrance``/``ventilation``, ``water_crossing``);
several structures can be given as ``metro: [{structure: ..., distance_m:
...}]``. The city (``metro.city`` option, else ``attrs.metro_city``, else
``attrs.city``) picks the zone widths in :data:`ZONES`; ``metro.zones`` and
``metro.special_zones`` override them, and ``pit.plan_depth_m`` (3),
``pit.expert_depth_m`` (5) and ``pit.min_experts`` (5) the pit thresholds.

Activities are recognised by an explicit tag, ``attrs: {role: excavation}``
(roles: ``excavation`` or ``foundation_pit``, ``rail_safety_assessment``,
``expert_review`` (or ``rail_expert_review`` / ``pit_expert_review``),
``metro_consent``, ``monitoring``, ``special_plan``), else by keywords in
the English or Chinese name (see :data:`KEYWORDS`). An approval whose agency
is a party with role ``metro_operator`` counts as the operator's consent.

The template ``metro.protection`` adds whatever is missing, linked as the
checks want it.

Examples
--------
>>> import pendulum, projtrack as pt, projtrack_metro_protection as mp
>>> p = pt.Project(id="p", start=pendulum.Date(2024, 1, 2),
...                attrs={"metro_distance_m": 20, "metro_structure": "tunnel",
...                       "foundation_pit_depth_m": 4},
...                activities=[pt.Activity(id="dig", name="Pit excavation", duration=30)])
>>> [f.check for f in pt.check(p, select="MP", plugins=[mp])]
['MP001', 'MP003', 'MP004', 'MP005', 'MP006', 'MP007']
>>> fixed = pt.apply_template(p, "metro.protection", plugins=[mp])
>>> [f.check for f in pt.check(fixed, select="MP", plugins=[mp])]
['MP001']
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from projtrack import Activity, ActivityTemplate, Finding, Link, Party, hookimpl, rule
from projtrack.checks import CheckContext, find_activities, link_id
from projtrack.templates import TemplateParts

__all__ = [
    "KEYWORDS",
    "SPECIAL_ZONES",
    "ZONES",
    "Site",
    "excavations",
    "protection_template",
    "role_activities",
    "site",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import version

        return version("projtrack-metro-protection")
    raise AttributeError(f"module 'projtrack_metro_protection' has no attribute {name!r}")


# =========================================================================== site facts

#: Control protection zone widths in metres, by city and structure class.
#: Qingdao: 青岛市轨道交通条例 Art. 33; ``default`` is the 50/30/10 m pattern most
#: cities copy from the repealed 建设部令第140号.
ZONES: dict[str, dict[str, float]] = {
    "qingdao": {"underground": 50, "surface": 30, "ancillary": 10, "water_crossing": 100},
    "default": {"underground": 50, "surface": 30, "ancillary": 10, "water_crossing": 100},
}
#: Special protection zone widths in metres (Qingdao Art. 33).
SPECIAL_ZONES: dict[str, dict[str, float]] = {
    "qingdao": {"underground": 5, "surface": 3, "ancillary": 5, "water_crossing": 50},
    "default": {"underground": 5, "surface": 3, "ancillary": 5, "water_crossing": 50},
}
_STRUCTURES = {
    "underground": ("underground", "tunnel", "subway", "地下", "隧道"),
    "surface": ("elevated", "ground", "at_grade", "at-grade", "surface", "viaduct", "depot",
                "高架", "地面", "车辆段"),
    "ancillary": ("entrance", "exit", "ventilation", "kiosk", "cooling_tower", "substation",
                  "lift", "shaft", "出入口", "风亭", "冷却塔", "变电"),
    "water_crossing": ("water_crossing", "undersea", "river", "sea", "lake", "过江", "海底",
                       "过海"),
}


def _structure_class(value: Any) -> tuple[str, bool]:
    """Zone class of a structure description, and whether it was recognised."""
    text = str(value or "").strip().lower().replace(" ", "_")
    for cls in ("water_crossing", "ancillary", "underground", "surface"):
        if any(word in text for word in _STRUCTURES[cls]):
            return cls, True
    # A plain "station" is most often underground; anything else is treated as
    # underground too (the widest zone), and reported as not recognised.
    return "underground", "station" in text or "车站" in text


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


class Site(NamedTuple):
    """The site facts the checks use."""

    city: str
    depth_m: float | None
    #: (structure as given, zone class, recognised, distance in m, line)
    structures: tuple[tuple[str, str, bool, float, Any], ...]


def site(project: Any, options: Mapping[str, Any] | None = None) -> Site:
    """Read the site facts from ``project.attrs``.

    Examples
    --------
    >>> import pendulum, projtrack as pt
    >>> p = pt.Project(id="p", start=pendulum.Date(2024, 1, 2), attrs={
    ...     "city": "Qingdao", "foundation_pit_depth_m": 16,
    ...     "metro": [{"structure": "tunnel", "distance_m": 12, "line": 1},
    ...               {"structure": "entrance", "distance_m": 30, "line": 2}]})
    >>> s = site(p)
    >>> s.city, s.depth_m, [(c, d) for _, c, _, d, _ in s.structures]
    ('qingdao', 16.0, [('underground', 12.0), ('ancillary', 30.0)])
    """
    options = options or {}
    meta = project.attrs or {}
    city = str(options.get("metro.city") or meta.get("metro_city") or meta.get("city")
               or "default").strip().lower()
    structures = []
    listed = meta.get("metro")
    if isinstance(listed, list):
        for item in listed:
            if not isinstance(item, Mapping):
                continue
            distance = _number(item.get("distance_m"))
            if distance is None:
                continue
            given = str(item.get("structure", ""))
            cls, known = _structure_class(given)
            structures.append((given, cls, known, distance, item.get("line")))
    distance = _number(meta.get("metro_distance_m"))
    if distance is not None:
        given = str(meta.get("metro_structure", ""))
        cls, known = _structure_class(given)
        structures.append((given, cls, known, distance, meta.get("metro_lines")))
    return Site(city=city, depth_m=_number(meta.get("foundation_pit_depth_m")),
                structures=tuple(structures))


def _widths(ctx: CheckContext, city: str, special: bool) -> dict[str, float]:
    table = SPECIAL_ZONES if special else ZONES
    widths = dict(table.get(city, table["default"]))
    override = ctx.option("metro.special_zones" if special else "metro.zones")
    if isinstance(override, Mapping):
        widths.update({str(k): float(v) for k, v in override.items()})
    return widths


def _in_zone(ctx: CheckContext, facts: Site, special: bool = False) -> list[dict[str, Any]]:
    widths = _widths(ctx, facts.city, special)
    hits = []
    for given, cls, known, distance, line in facts.structures:
        width = widths.get(cls)
        if width is not None and distance <= width:
            hits.append({"structure": given or cls, "zone_class": cls, "recognised": known,
                         "distance_m": distance, "width_m": width, "line": line})
    return hits


# =========================================================================== activities

_NOT_WORKS = ("review", "评审", "论证", "assessment", "评估", "approval", "审批", "consent",
              "同意", "opinion", "意见", "scheme", "方案", "plan", "monitor", "监测", "design",
              "设计", "permit", "许可")

#: Fallback keywords (lower-case, English and Chinese) and vetoes, by role.
KEYWORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "excavation": (("excavat", "开挖", "挖土", "dig "), _NOT_WORKS),
    "rail_safety_assessment": (
        ("safety impact assessment", "rail safety assessment", "rail-safety assessment",
         "metro safety assessment", "安全影响评估", "安全评估"),
        ("post-work", "post work", "after the works", "完工后", "expert", "专家"),
    ),
    "expert_review": (
        ("expert review", "expert argumentation", "experts' review", "专家评审", "专家论证",
         "专家审查"),
        (),
    ),
    "metro_consent": (
        ("operator consent", "operator's consent", "written consent", "metro group approval",
         "metro approval", "operator approval", "地铁集团审批", "地铁集团同意", "书面同意",
         "运营单位同意"),
        (),
    ),
    "monitoring": (("monitoring", "监测"), ("方案", " plan", "scheme", "design", "设计")),
    "special_plan": (
        ("special construction plan", "special plan", "专项施工方案", "专项方案"),
        (),
    ),
}
_ROLE_TAGS = {
    "excavation": ("excavation", "foundation_pit"),
    "rail_safety_assessment": ("rail_safety_assessment",),
    "rail_review": ("expert_review", "rail_expert_review"),
    "pit_review": ("expert_review", "pit_expert_review"),
    "metro_consent": ("metro_consent",),
    "monitoring": ("monitoring",),
    "special_plan": ("special_plan",),
}


def role_activities(project: Any, role: str) -> list[Activity]:
    """Activities playing ``role`` (a key of ``_ROLE_TAGS``: ``excavation``, ``rail_review``...).

    Examples
    --------
    >>> import pendulum, projtrack as pt
    >>> p = pt.Project(id="p", start=pendulum.Date(2022, 1, 4),
    ...     parties=[pt.Party(id="metro", role="metro_operator")],
    ...     activities=[pt.Activity(id="ok", kind="approval", agency="metro",
    ...                             name="Approval of the pit scheme"),
    ...                 pt.Activity(id="letter", name="Operator's written consent"),
    ...                 pt.Activity(id="dig", name="Excavation")])
    >>> [a.id for a in role_activities(p, "metro_consent")]
    ['ok', 'letter']
    """
    key = {"rail_review": "expert_review", "pit_review": "expert_review"}.get(role, role)
    words, vetoes = KEYWORDS[key]
    kinds = ("task",) if role == "excavation" else None
    found = find_activities(project, _ROLE_TAGS[role], keywords=words, exclude=vetoes,
                            kinds=kinds)
    if role == "metro_consent":
        operators = {p.id for p in project.parties if p.role == "metro_operator"}
        for act in project.activities:
            tagged = (act.attrs or {}).get("role") is not None
            if (not tagged and act.kind == "approval" and act.agency in operators
                    and act not in found):
                found.append(act)
        order = {a.id: i for i, a in enumerate(project.activities)}
        found.sort(key=lambda a: order[a.id])
    return found


def excavations(project: Any) -> list[Activity]:
    """The excavation / foundation-pit activities of a project.

    Examples
    --------
    >>> import pendulum, projtrack as pt
    >>> p = pt.Project(id="p", start=pendulum.Date(2022, 1, 4), activities=[
    ...     pt.Activity(id="scheme", name_zh="基坑开挖方案设计"),
    ...     pt.Activity(id="dig", name_zh="基坑分层开挖"),
    ...     pt.Activity(id="piles", name="Piles", attrs={"role": "foundation_pit"})])
    >>> [a.id for a in excavations(p)]
    ['dig', 'piles']
    """
    return role_activities(project, "excavation")


def _failed(ctx: CheckContext, act: Any) -> bool:
    meta = act.attrs or {}
    for key in ("review_outcome", "outcome", "result"):
        value = str(meta.get(key, "")).lower()
        if value in ("fail", "failed", "rejected", "not passed", "不通过"):
            return True
    if act.outcome in ("rejected", "withdrawn"):
        return True
    decisions = [e for e in ctx.project.events if e.activity == act.id
                 and e.kind in ("approved", "rejected")]
    return bool(decisions) and decisions[-1].kind == "rejected"


_TEMPLATE_HINT = "or apply the template: pt.apply_template(project, 'metro.protection')"


def _zone(ctx: CheckContext) -> tuple[Site, list[dict[str, Any]]]:
    facts = site(ctx.project, ctx.options)
    return facts, _in_zone(ctx, facts)


def _zone_excavations(ctx: CheckContext) -> list[Activity]:
    """The excavations, when the site is in a control protection zone (else none)."""
    _, hits = _zone(ctx)
    return excavations(ctx.project) if hits else []


def _before(
    ctx: CheckContext, role: str, what: str, new_id: str, extra: str = ""
) -> Iterator[Finding]:
    """Each excavation needs an activity of ``role`` linked FS before it."""
    candidates = role_activities(ctx.project, role)
    for exc in _zone_excavations(ctx):
        if any(ctx.precedes(c.id, exc.id, finish_to_start=True) for c in candidates):
            continue
        if candidates:
            best = candidates[-1]
            yield Finding(
                f"{what} {best.id!r} is not linked FS before excavation {exc.id!r}{extra}",
                activities=[best.id, exc.id],
                links=[link_id(best.id, exc.id)],
                hint=f"add the link {best.id} -> {exc.id} (FS)",
            )
        else:
            yield Finding(
                f"no {what} before excavation {exc.id!r} on a site in the metro control "
                f"protection zone{extra}",
                activities=[exc.id],
                links=[link_id(new_id, exc.id)],
                hint=f"add an activity {new_id!r} (attrs: {{role: {_ROLE_TAGS[role][-1]}}}) "
                f"linked FS before {exc.id!r}, {_TEMPLATE_HINT}",
            )


# =========================================================================== checks


@rule(id="MP001", title="Sites in the metro control protection zone are flagged",
      severity="info")
def in_control_zone(ctx: CheckContext) -> Iterator[Finding]:
    """Reports the zone the site is in; the other zone checks apply."""
    facts, hits = _zone(ctx)
    for hit in hits:
        lines = hit["line"] if isinstance(hit["line"], list | tuple) else [hit["line"]]
        lines = [str(x) for x in lines if x not in (None, "")]
        line = f" (line{'s' if len(lines) > 1 else ''} {', '.join(lines)})" if lines else ""
        unknown = "" if hit["recognised"] else " (structure type not recognised: treated as " \
            "underground)"
        yield Finding(
            f"the site is {hit['distance_m']:g} m from a metro {hit['structure']}{line}, inside "
            f"the {hit['width_m']:g} m control protection zone ({facts.city}){unknown}: "
            "excavation needs a rail-safety assessment, an expert review and the operator's "
            "written consent first, and monitoring while it runs",
            evidence={k: v for k, v in hit.items() if k != "line" and k != "recognised"}
            | {"city": facts.city},
        )


@rule(id="MP002", title="No new construction in the special protection zone", severity="error")
def in_special_zone(ctx: CheckContext) -> Iterator[Finding]:
    """Inside the special zone only municipal works and alterations of buildings are allowed."""
    facts = site(ctx.project, ctx.options)
    for hit in _in_zone(ctx, facts, special=True):
        yield Finding(
            f"the site is {hit['distance_m']:g} m from a metro {hit['structure']}, inside the "
            f"{hit['width_m']:g} m special protection zone ({facts.city}), where only municipal "
            "works and alterations of existing buildings are allowed",
            hint="check the site boundary against the published zone map; new construction "
            "must stay outside the special zone",
            evidence={"distance_m": hit["distance_m"], "width_m": hit["width_m"],
                      "city": facts.city},
        )


@rule(id="MP003", title="A rail-safety assessment precedes excavation near the metro",
      severity="error")
def assessment_first(ctx: CheckContext) -> Iterator[Finding]:
    """Zone sites: a rail-safety impact assessment linked FS before each excavation."""
    yield from _before(ctx, "rail_safety_assessment", "rail-safety impact assessment",
                       "rail-safety-assessment")


@rule(id="MP004", title="An expert review precedes excavation near the metro", severity="error")
def review_first(ctx: CheckContext) -> Iterator[Finding]:
    """Zone sites: an expert review (of the assessment or the pit scheme) linked FS before each
    excavation."""
    yield from _before(ctx, "rail_review", "expert review", "rail-expert-review")


@rule(id="MP005", title="The metro operator's written consent precedes excavation",
      severity="error")
def consent_first(ctx: CheckContext) -> Iterator[Finding]:
    """Zone sites: the operator's consent linked FS before each excavation, and given before it
    actually started."""
    yield from _before(ctx, "metro_consent", "metro operator's written consent",
                       "metro-consent")
    tz = ctx.project.timezone
    consents = role_activities(ctx.project, "metro_consent")
    for exc in _zone_excavations(ctx):
        if exc.actual_start is None or not consents:
            continue
        started = _date(exc.actual_start, tz)
        given = [d for c in consents if (d := _date(c.actual_finish, tz)) is not None]
        if not given or min(given) > started:
            yield Finding(
                f"excavation {exc.id!r} started on {started} before the metro operator's "
                "consent" + (f" (first given {min(given)})" if given else " was given"),
                activities=[exc.id] + [c.id for c in consents],
                hint="stop the works until the consent is in hand",
                evidence={"started": started} | ({"consent": min(given)} if given else {}),
            )


def _date(value: Any, tz: str) -> Any:
    import datetime as _dt

    import pendulum

    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return pendulum.instance(value).in_timezone(tz).date()
    return value


def _covers(ctx: CheckContext, mon: Any, exc: Any) -> tuple[bool, bool]:
    """Whether monitoring ``mon`` is linked to start no later and end no earlier than ``exc``."""
    links = ctx.project.links
    starts = any(
        (k.pred == mon.id and k.succ == exc.id and k.type == "SS" and k.lag >= 0)
        or (k.pred == exc.id and k.succ == mon.id and k.type == "SS" and k.lag <= 0)
        for k in links
    )
    after_exc = {exc.id} | {
        n for n in ctx.graph.nodes if ctx.precedes(exc.id, n)
    }
    ends = any(
        k.succ == mon.id and k.pred in after_exc and k.type == "FF" and k.lag >= 0
        for k in links
    ) or any(
        k.pred == mon.id and k.succ in after_exc and k.type == "FS" and k.succ != exc.id
        and ctx.precedes(exc.id, k.succ, finish_to_start=True)
        for k in links
    )
    return starts, ends


@rule(id="MP006", title="Monitoring runs during excavation near the metro", severity="error")
def monitoring_during(ctx: CheckContext) -> Iterator[Finding]:
    """Zone sites: a monitoring activity that starts with (or before) each excavation and
    finishes with (or after) it: an SS link and an FF link."""
    monitors = role_activities(ctx.project, "monitoring")
    for exc in _zone_excavations(ctx):
        covering = [(m, *_covers(ctx, m, exc)) for m in monitors]
        linked_both = [m for m, s, e in covering if s and e]
        if linked_both:
            yield from _dates_cover(ctx, linked_both, exc)
            continue
        linked = [(m, s, e) for m, s, e in covering if s or e]
        if linked or monitors:
            mon, starts, ends = linked[0] if linked else (monitors[0], False, False)
            missing = []
            if not starts:
                missing.append((link_id(exc.id, mon.id, "SS"), "start with"))
            if not ends:
                missing.append((link_id(exc.id, mon.id, "FF"), "finish with or after"))
            yield Finding(
                f"monitoring {mon.id!r} is not linked to "
                f"{' and '.join(w for _, w in missing)} excavation {exc.id!r}",
                activities=[mon.id, exc.id],
                links=[lid for lid, _ in missing],
                hint="add " + " and ".join(f"the link {lid}" for lid, _ in missing),
            )
        else:
            yield Finding(
                f"no monitoring during excavation {exc.id!r} on a site in the metro control "
                "protection zone",
                activities=[exc.id],
                links=[link_id(exc.id, "monitoring", "SS"), link_id(exc.id, "monitoring", "FF")],
                hint=f"add an activity 'monitoring' (attrs: {{role: monitoring}}) linked SS and "
                f"FF to {exc.id!r}, {_TEMPLATE_HINT}",
            )


def _dates_cover(ctx: CheckContext, monitors: list[Any], exc: Any) -> Iterator[Finding]:
    """With a schedule: the linked monitoring must really span the excavation's dates.

    An FF link can push a monitoring activity's start after the excavation's
    (its duration is kept), so the links alone do not prove coverage.
    """
    from projtrack.exceptions import ProjtrackError

    try:
        sched = ctx.schedule
    except ProjtrackError:
        return  # no schedule: the links are all we can check (PT101 says why)

    def span(ident: Any) -> tuple[Any, Any]:
        rec = sched[ident]
        start = rec["actual_start"] or rec["early_start"]
        finish = rec["actual_finish"] or rec["early_finish"]
        return start, finish

    e_start, e_finish = span(exc.id)
    gaps = []
    for mon in monitors:
        m_start, m_finish = span(mon.id)
        if m_start <= e_start and m_finish >= e_finish:
            return
        gaps.append((mon, m_start, m_finish))
    mon, m_start, m_finish = gaps[0]
    parts = []
    if m_start > e_start:
        parts.append(f"starts {m_start:%Y-%m-%d}, after the excavation starts "
                     f"{e_start:%Y-%m-%d}")
    if m_finish < e_finish:
        parts.append(f"finishes {m_finish:%Y-%m-%d}, before the excavation finishes "
                     f"{e_finish:%Y-%m-%d}")
    yield Finding(
        f"monitoring {mon.id!r} is linked to excavation {exc.id!r} but by the schedule it "
        + " and ".join(parts),
        activities=[mon.id, exc.id],
        hint="lengthen the monitoring or drive its start from the excavation's start only "
        "(an FF link with a fixed duration can push its start later)",
        evidence={"monitoring_start": m_start, "monitoring_finish": m_finish,
                  "excavation_start": e_start, "excavation_finish": e_finish},
    )


def _depth(ctx: CheckContext, key: str, default: float) -> tuple[float | None, float]:
    facts = site(ctx.project, ctx.options)
    threshold = float(ctx.option(key, default))
    return facts.depth_m, threshold


@rule(id="MP007", title="Pits of 3 m or more have a special construction plan",
      severity="error")
def special_plan(ctx: CheckContext) -> Iterator[Finding]:
    """住建部令第37号: a dangerous sub-project (pit >= 3 m) needs a special construction plan."""
    depth, threshold = _depth(ctx, "pit.plan_depth_m", 3)
    if depth is None or depth < threshold:
        return
    plans = role_activities(ctx.project, "special_plan")
    for exc in excavations(ctx.project):
        if any(ctx.precedes(p.id, exc.id, finish_to_start=True) for p in plans):
            continue
        if plans:
            yield Finding(
                f"special construction plan {plans[-1].id!r} is not linked FS before excavation "
                f"{exc.id!r} ({depth:g} m pit)",
                activities=[plans[-1].id, exc.id],
                links=[link_id(plans[-1].id, exc.id)],
                hint=f"add the link {plans[-1].id} -> {exc.id} (FS)",
                evidence={"depth_m": depth, "threshold_m": threshold},
            )
        else:
            yield Finding(
                f"a {depth:g} m pit (>= {threshold:g} m) needs a special construction plan "
                f"before excavation {exc.id!r}",
                activities=[exc.id],
                links=[link_id("special-construction-plan", exc.id)],
                hint="add an activity 'special-construction-plan' (attrs: {role: special_plan}) "
                f"linked FS before {exc.id!r}, {_TEMPLATE_HINT}",
                evidence={"depth_m": depth, "threshold_m": threshold},
            )


@rule(id="MP008", title="Pits of 5 m or more pass an expert review of at least 5 experts",
      severity="error")
def pit_expert_review(ctx: CheckContext) -> Iterator[Finding]:
    """住建部令第37号 Arts. 12-13: super-scale pits (>= 5 m) need expert argumentation with at
    least 5 experts; a failed review means a new review."""
    depth, threshold = _depth(ctx, "pit.expert_depth_m", 5)
    if depth is None or depth < threshold:
        return
    minimum = int(ctx.option("pit.min_experts", 5))
    reviews = role_activities(ctx.project, "pit_review")
    evidence = {"depth_m": depth, "threshold_m": threshold, "min_experts": minimum}
    for exc in excavations(ctx.project):
        before = [r for r in reviews if ctx.precedes(r.id, exc.id, finish_to_start=True)]
        passed = [r for r in before if not _failed(ctx, r)]
        for r in before:
            if _failed(ctx, r) and not any(ctx.precedes(r.id, n.id) for n in passed):
                yield Finding(
                    f"expert review {r.id!r} failed and no new review follows it before "
                    f"excavation {exc.id!r}",
                    activities=[r.id, exc.id],
                    links=[link_id(r.id, "expert-review-2"), link_id("expert-review-2", exc.id)],
                    hint="a failed review means revising the plan and convening a new review: "
                    f"add it after {r.id!r} and FS before {exc.id!r}",
                    evidence=evidence,
                )
        if not passed:
            if not any(_failed(ctx, r) for r in before):
                target = reviews[-1] if reviews else None
                yield Finding(
                    f"a {depth:g} m pit (>= {threshold:g} m) needs a passed expert review "
                    f"before excavation {exc.id!r}"
                    + (f"; {target.id!r} is not linked FS before it" if target else ""),
                    activities=([target.id] if target else []) + [exc.id],
                    links=[link_id(target.id if target else "pit-expert-review", exc.id)],
                    hint=(f"add the link {target.id} -> {exc.id} (FS)" if target else
                          "add an activity 'pit-expert-review' (attrs: {role: pit_expert_review,"
                          f" experts: {minimum}}}) FS before {exc.id!r}, {_TEMPLATE_HINT}"),
                    evidence=evidence,
                )
            continue
        counts = {r.id: (r.attrs or {}).get("experts") for r in passed}
        few = {k: v for k, v in counts.items()
               if isinstance(v, int) and not isinstance(v, bool) and v < minimum}
        for rid, n in few.items():
            yield Finding(
                f"expert review {rid!r} had {n} experts; at least {minimum} are required",
                activities=[rid],
                hint="convene a review with enough experts from the local expert pool",
                evidence=evidence | {"experts": n},
            )
        if not few and all(not isinstance(v, int) or isinstance(v, bool)
                           for v in counts.values()):
            ids = ", ".join(repr(k) for k in counts)
            yield Finding(
                f"the number of experts is not recorded on {ids}; a {depth:g} m pit needs at "
                f"least {minimum}",
                severity="info",
                activities=list(counts),
                hint="record it as attrs: {experts: N} on the review",
                evidence=evidence,
            )


@rule(id="MP009", title="The pit or zone works are modelled as activities", severity="warning")
def excavation_modelled(ctx: CheckContext) -> Iterator[Finding]:
    """Site facts call for the checks above but no excavation activity is recognised."""
    facts, hits = _zone(ctx)
    deep = facts.depth_m is not None and facts.depth_m >= float(
        ctx.option("pit.plan_depth_m", 3))
    if (hits or deep) and not excavations(ctx.project):
        why = []
        if hits:
            why.append("the site is in the metro control protection zone")
        if deep:
            why.append(f"the pit is {facts.depth_m:g} m deep")
        yield Finding(
            f"{' and '.join(why)}, but no excavation activity is recognised, so the excavation "
            "checks could not run",
            hint="tag the excavation or foundation-pit activity with attrs: {role: excavation}",
            evidence={"depth_m": facts.depth_m},
        )


RULES = (
    in_control_zone,
    in_special_zone,
    assessment_first,
    review_first,
    consent_first,
    monitoring_during,
    special_plan,
    pit_expert_review,
    excavation_modelled,
)


# =========================================================================== template


def _build(project: Any, *, excavation: Any = None, **_: Any) -> TemplateParts:
    """Add what the MP checks want around one excavation activity (found if not given)."""
    from projtrack.exceptions import ValidationError

    if excavation is None:
        found = excavations(project)
        if len(found) != 1:
            raise ValidationError(
                f"found {len(found)} excavation activities; name one with excavation=",
                field="excavation",
            )
        excavation = found[0].id
    exc = project.activity(excavation)
    facts = site(project)
    activities: list[Activity] = []
    links: list[Link] = []
    parties: list[Party] = []
    operators = [p.id for p in project.parties if p.role == "metro_operator"]
    panels = [p.id for p in project.parties if p.role == "expert_panel"]
    operator = operators[0] if operators else "metro-operator"
    panel = panels[0] if panels else "expert-panel"
    if not operators:
        parties.append(Party(id=operator, name="Metro operator", name_zh="轨道交通运营单位",
                             role="metro_operator"))
    if not panels:
        parties.append(Party(id=panel, name="Expert panel", name_zh="专家组",
                             role="expert_panel"))

    def existing(role: str) -> Any:
        acts = role_activities(project, role)
        return acts[-1] if acts else None

    def need(role: str, act: Activity) -> Any:
        current = existing(role)
        if current is None:
            activities.append(act)
            return act.id
        return current.id

    assessment = need("rail_safety_assessment", Activity(
        id="rail-safety-assessment", name="Rail-safety impact assessment",
        name_zh="轨道交通安全影响评估", duration=20,
        attrs={"role": "rail_safety_assessment"}))
    review = need("rail_review", Activity(
        id="rail-expert-review", name="Expert review of the rail-safety assessment",
        name_zh="涉铁专家评审", kind="approval", duration=5, agency=panel,
        attrs={"role": "rail_expert_review", "experts": 5}))
    consent = need("metro_consent", Activity(
        id="metro-consent", name="Metro operator's written consent",
        name_zh="轨道交通运营单位书面同意", kind="approval", duration=20, time_limit=20,
        agency=operator, calendar="cn", attrs={"role": "metro_consent"}))
    edges = [(assessment, review), (review, consent), (consent, exc.id)]
    if facts.depth_m is not None and facts.depth_m >= 3:
        plan = need("special_plan", Activity(
            id="special-construction-plan", name="Special construction plan for the pit",
            name_zh="基坑专项施工方案", duration=15, attrs={"role": "special_plan"}))
        if facts.depth_m >= 5:
            pit_review = need("pit_review", Activity(
                id="pit-expert-review", name="Expert review of the pit plan (>= 5 experts)",
                name_zh="深基坑专项方案专家论证", kind="approval", duration=5, agency=panel,
                attrs={"role": "pit_expert_review", "experts": 5}))
            edges += [(plan, pit_review), (pit_review, exc.id)]
        else:
            edges.append((plan, exc.id))
    new_ids = {a.id for a in activities}
    ctx = CheckContext(project)
    for pred, succ in dict.fromkeys(edges):
        if pred == succ:
            continue
        if pred in new_ids or succ in new_ids or not ctx.precedes(
                pred, succ, finish_to_start=True):
            links.append(Link(pred=pred, succ=succ))
    monitor = existing("monitoring")
    if monitor is None:
        activities.append(Activity(
            id="metro-monitoring", name="Monitoring of the pit and the metro structures",
            name_zh="基坑及地铁结构监测", duration=exc.duration + 10,
            duration_unit=exc.duration_unit, calendar=exc.calendar,
            attrs={"role": "monitoring"}))
        monitor_id = "metro-monitoring"
    else:
        monitor_id = monitor.id
    links += [Link(pred=exc.id, succ=monitor_id, type="SS"),
              Link(pred=exc.id, succ=monitor_id, type="FF")]
    present = {(k.pred, k.succ, k.type) for k in project.links}
    links = [k for k in links if (k.pred, k.succ, k.type) not in present]
    return TemplateParts(activities=activities, links=links, parties=parties)


#: The ``metro.protection`` template.
protection_template = ActivityTemplate(
    name="metro.protection",
    title="Metro protection: assessment, expert review, consent, pit plan, monitoring",
    description="Adds what the MP checks want before and during one excavation activity "
    "(excavation=<id>, found automatically when there is exactly one), reusing activities "
    "that already play a role",
    build=_build,
)


# =========================================================================== hooks


@hookimpl
def register_checks() -> list[Any]:
    """The MP checks."""
    return list(RULES)


@hookimpl
def register_activity_templates() -> list[ActivityTemplate]:
    """The metro protection template."""
    return [protection_template]
