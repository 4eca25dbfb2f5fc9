"""Delay analysis: why a project is late, by how many days, because of what, and whose.

The methods follow the forensic schedule analysis taxonomy of AACE RP 29R-03
and the SCL Delay and Disruption Protocol (2nd edition, 2017):

* :func:`delay_segments` turns the event history into **delay segments**:
  spans of time, each on one activity, with a party, a cause and a number of
  working days on the activity's calendar;
* :func:`as_planned_vs_as_built` compares each activity's planned and actual
  dates (AACE MIP 3.1);
* :func:`collapsed_as_built` builds an **as-built network** that reproduces
  the actual dates with :func:`projtrack.schedule`, removes one party's (or
  cause's, or activity's) segments and schedules again: the days the finish
  comes back are that party's ("but-for", AACE MIP 3.8);
* :func:`windows_analysis` does the same window by window over schedule
  updates, or over updates derived from the event history (MIP 3.3/3.9);
* :func:`stalls` finds spells in which nothing moved; :func:`approval_cycles`
  measures every approval's time with the applicant and with the agency.

:func:`analyze_delays` runs them together. Every result has ``to_records()``,
``to_pandas()``, ``_repr_html_()`` and ``summary()``. The method, the
conventions and the policies are described in ``docs/delays.md``.

Delay segments
--------------
========================  =========================  ==================================
kind                      party                      cause
========================  =========================  ==================================
``suspension``            the ``suspended`` event's  the event's (else ``suspension``)
                          (else the activity's)
``applicant``             the activity's party (the  the return's or rejection's (else
                          applicant)                 ``revision``)
``approval_overrun``      the approval's agency      ``approval_overrun``
``failed_attempt``        the attempt event's        the attempt's (else
                          (else the activity's)      ``failed_attempt``)
``performance``           the activity's party       ``performance`` (negative: a gain)
``added_work``            see below                  see below
``start_gap``             a project-wide spell's,    the spell's, else ``late_start``
                          else the activity's
========================  =========================  ==================================

Activities that the baseline does not list are **added work**: their whole
duration (and the positive lags into them) is a segment whose party and
cause are those of the activity's first event if it names a cause, else of a
project-wide ``suspended``/``resumed`` spell covering it, else the
activity's party with cause ``added_work``.

Statutory limits of approvals are counted as the law counts them
(``docs/calendars.md``): the day the file reaches the agency is not counted,
the limit runs out at the end of the ``time_limit``-th working day after it.

Examples
--------
The permit below is submitted on Monday 4 March with a limit of 5 working
days (5 to 11 March) and approved on 15 March: 4 days over. It took 10 days
against 5 planned; the plan counted the day of submission, which the limit
does not, so 1 day is the owner's.

>>> p = pt.loads('''
... id: demo
... start: 2024-03-04
... data_date: 2024-04-01
... parties: [{id: owner}, {id: builder, role: contractor}, {id: bureau, role: government_agency}]
... activities:
...   - {id: permit, kind: approval, duration: 5, party: owner, agency: bureau, time_limit: 5}
...   - {id: build, duration: 10, party: builder, links: [permit]}
... events:
...   - {at: 2024-03-04, kind: submitted, activity: permit}
...   - {at: 2024-03-15, kind: approved, activity: permit}
...   - {at: 2024-03-18, kind: started, activity: build}
...   - {at: 2024-03-20, kind: suspended, activity: build, cause: weather}
...   - {at: 2024-03-22, kind: resumed, activity: build}
...   - {at: 2024-04-02, kind: finished, activity: build}
... ''').as_of(pendulum.Date(2024, 4, 30))
>>> plan = pt.baseline(p, name="plan", planned=True)
>>> a = pt.collapsed_as_built(p, plan)
>>> print(a.summary())  # doctest: +ELLIPSIS
But-for attribution by party to the finish: +7 working days on standard (...)
  bureau             4 (approval_overrun)
  builder            2 (suspension)
  owner              1 (performance)
  concurrency        0 (policy scl: stated separately, attributed to no party)
  gains              0
  unattributed       0
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

import attrs
import pendulum

from projtrack._baseline import Baseline
from projtrack._tables import ResultTable, fmt_days, fmt_when
from projtrack.exceptions import UnknownReferenceError, ValidationError
from projtrack.tracking import Comparison, _Clock, _dates, get_baseline

if TYPE_CHECKING:
    from projtrack._model import Activity, ActivityId, Event, Link, Project
    from projtrack._schedule import Schedule
    from projtrack.calendars import WorkCalendar

__all__ = [
    "ApportionPolicy",
    "ApprovalCycles",
    "Attribution",
    "ConcurrencyPolicy",
    "DelayAnalysis",
    "PlannedVsBuilt",
    "SCLPolicy",
    "Segment",
    "Segments",
    "Stalls",
    "WindowsAnalysis",
    "analyze_delays",
    "approval_cycles",
    "as_planned_vs_as_built",
    "collapsed_as_built",
    "delay_segments",
    "get_policy",
    "stalls",
    "windows_analysis",
]

#: Event kinds whose plain date means the start of the day (the others: its end).
_START_KINDS = frozenset({"started", "submitted", "resubmitted", "resumed", "suspended"})
#: Grouping keys for attribution.
GROUPINGS = ("party", "cause", "activity", "kind")

Piece = tuple[int, int]


class _LimitDays:
    """Working days as statutory time limits count them, on one calendar.

    The rule of ``docs/calendars.md`` ("Statutory time limits"): the day a
    period starts -- the day the agency accepts the complete file -- is not
    counted, the day it ends (the decision) is, so a decision on the day of
    acceptance took 0 days. Periods are given as the instants the delay
    analysis works with. A start instant falls on its local day (a plain
    date's 00:00 is that day; a file accepted at 15:00 on day D starts on D).
    An end instant counts the day it falls in (a decision at 10:00 on day E
    counts E), except that an end at 00:00 exactly closes the day before: that
    is the end of a plain-date decision, and a cut-off given as a day. The
    counting is :meth:`WorkCalendar.working_days_between`, the deadline
    :meth:`WorkCalendar.add_working_days`: no counting of its own.
    """

    def __init__(self, cal: WorkCalendar) -> None:
        self.cal = cal

    def first_day(self, start: _dt.datetime) -> pendulum.Date:
        """The day a period starting at ``start`` starts on (not counted)."""
        return pendulum.instance(start).in_timezone(self.cal.timezone).date()

    def last_day(self, end: _dt.datetime) -> pendulum.Date:
        """The last day a period ending at ``end`` counts (00:00 closes the day before)."""
        local = pendulum.instance(end).in_timezone(self.cal.timezone)
        return local.subtract(microseconds=1).date()

    def days(self, start: _dt.datetime, end: _dt.datetime) -> int:
        """Working days after the start day up to and including the last day (``>= 0``)."""
        return max(0, self.cal.working_days_between(self.first_day(start), self.last_day(end)))

    def deadline(self, start: _dt.datetime, limit: float) -> pendulum.DateTime:
        """The instant a limit of ``limit`` working days from ``start`` runs out.

        The end (next 00:00) of the ``limit``-th working day after the start day, of
        the start day itself for 0; a fraction of a day runs on into the next working
        time. A period ending by then took at most ``limit`` days by :meth:`days`.
        """
        whole = int(limit)
        first = self.first_day(start)
        day = first if whole == 0 else self.cal.add_working_days(first, whole)
        end = pendulum.datetime(day.year, day.month, day.day, tz=self.cal.timezone).add(days=1)
        if limit > whole:
            end = pendulum.instance(self.cal.add_working(end, limit - whole))
        return end


# =========================================================================== policies


@runtime_checkable
class ConcurrencyPolicy(Protocol):
    """How days that two or more parties' delays caused together are treated.

    A policy receives, in working minutes, what each group's delays alone
    account for (``attributed``: the finish comes back by that much when only
    that group's delays are removed), the concurrent remainder
    (``concurrency``: the finish comes back further only when several groups'
    delays are removed together) and, when :attr:`needs_solo` is true, what
    each group's delays would have caused on their own (``solo``). It returns
    the final attribution and the concurrency it leaves stated; the two must
    add up to what it received.

    Examples
    --------
    >>> from projtrack.delays import ConcurrencyPolicy, get_policy
    >>> isinstance(get_policy("apportion"), ConcurrencyPolicy)
    True
    """

    @property
    def name(self) -> str:
        """Short name, stated in results (``scl``, ``apportion``...)."""
        ...

    @property
    def description(self) -> str:
        """What the policy does with concurrent days, in a few words."""
        ...

    @property
    def needs_solo(self) -> bool:
        """Whether :meth:`allocate` needs each group's delay on its own (more schedule runs)."""
        ...

    def allocate(
        self,
        attributed: Mapping[Any, int],
        concurrency: int,
        solo: Mapping[Any, int] | None,
    ) -> tuple[dict[Any, int], int]:
        """Return the final attribution per group and the concurrency left stated."""
        ...


@attrs.frozen
class SCLPolicy:
    """The default: concurrent days are stated separately and attributed to no party.

    In the spirit of the SCL Delay and Disruption Protocol (2017): each
    party gets the days its own delays account for (but-for), and the days
    that only go away when several parties' delays are removed together are
    reported as concurrency.

    Examples
    --------
    >>> from projtrack.delays import SCLPolicy
    >>> SCLPolicy().allocate({"owner": 480, "builder": 0}, 960, None)
    ({'owner': 480, 'builder': 0}, 960)
    """

    name: str = "scl"
    description: str = "stated separately, attributed to no party"
    needs_solo: bool = False

    def allocate(
        self, attributed: Mapping[Any, int], concurrency: int, solo: Mapping[Any, int] | None
    ) -> tuple[dict[Any, int], int]:
        """Keep the attribution; state the concurrency."""
        return dict(attributed), concurrency


@attrs.frozen
class ApportionPolicy:
    """Concurrent days split between the concurrent groups, pro rata.

    Positive concurrency (days that come back only when several groups'
    delays are removed together) is shared in proportion to what each group's
    delays would have caused alone beyond what it is attributed already
    (``solo - attributed``). Negative concurrency (days that several groups'
    delays each account for, so that the attributions add up to more than
    their joint effect) is taken back in proportion to the attributions. Whole
    minutes, largest remainder; nothing is left stated. Close to the
    apportionment of *City Inn v Shepherd*.

    Examples
    --------
    >>> from projtrack.delays import ApportionPolicy
    >>> ApportionPolicy().allocate({"owner": 0, "builder": 0}, 960,
    ...                            {"owner": 960, "builder": 960})
    ({'owner': 480, 'builder': 480}, 0)
    """

    name: str = "apportion"
    description: str = "split between the concurrent parties pro rata"
    needs_solo: bool = True

    def allocate(
        self, attributed: Mapping[Any, int], concurrency: int, solo: Mapping[Any, int] | None
    ) -> tuple[dict[Any, int], int]:
        """Share concurrency by ``solo - attributed`` (positive) or ``attributed`` (negative)."""
        out = dict(attributed)
        if concurrency > 0:
            weights = {g: max(0, (solo or {}).get(g, 0) - attributed[g]) for g in attributed}
        elif concurrency < 0:
            weights = {g: max(0, attributed[g]) for g in attributed}
        else:
            return out, 0
        total = sum(weights.values())
        if total <= 0:
            return out, concurrency
        amount = abs(concurrency)
        raw = {g: amount * w / total for g, w in weights.items()}
        share = {g: int(v) for g, v in raw.items()}
        left = amount - sum(share.values())
        for g in sorted(raw, key=lambda g: (raw[g] - share[g]), reverse=True)[:left]:
            share[g] += 1
        sign = 1 if concurrency > 0 else -1
        for g, v in share.items():
            out[g] += sign * v
        return out, 0


_POLICIES: dict[str, ConcurrencyPolicy] = {"scl": SCLPolicy(), "apportion": ApportionPolicy()}


def get_policy(policy: str | ConcurrencyPolicy | None = None) -> ConcurrencyPolicy:
    """A concurrency policy by name (``"scl"``, the default, or ``"apportion"``), or as given.

    Raises
    ------
    ValidationError
        For an unknown name or an object that is not a policy.

    Examples
    --------
    >>> from projtrack.delays import get_policy
    >>> get_policy().name, get_policy("apportion").name
    ('scl', 'apportion')
    >>> get_policy("dominant")
    Traceback (most recent call last):
    ...
    projtrack.exceptions.ValidationError: policy: unknown concurrency policy 'dominant'; ...
    """
    if policy is None:
        return _POLICIES["scl"]
    if isinstance(policy, str):
        try:
            return _POLICIES[policy]
        except KeyError:
            raise ValidationError(
                f"unknown concurrency policy {policy!r}; use 'scl' or 'apportion', or pass an "
                "object with name, description, needs_solo and allocate()",
                field="policy",
            ) from None
    if isinstance(policy, ConcurrencyPolicy):
        return policy
    raise ValidationError(f"{policy!r} is not a concurrency policy", field="policy")


# =========================================================================== intervals


def _clip(pieces: Iterable[Piece], lo: int, hi: int) -> list[Piece]:
    return [(max(a, lo), min(b, hi)) for a, b in pieces if min(b, hi) > max(a, lo)]


def _subtract(pieces: Iterable[Piece], cuts: Iterable[Piece]) -> list[Piece]:
    out = list(pieces)
    for c0, c1 in cuts:
        nxt: list[Piece] = []
        for a, b in out:
            if c1 <= a or c0 >= b:
                nxt.append((a, b))
                continue
            if a < c0:
                nxt.append((a, c0))
            if c1 < b:
                nxt.append((c1, b))
        out = nxt
    return sorted(out)


def _length(pieces: Iterable[Piece]) -> int:
    return sum(b - a for a, b in pieces)


def _tail(pieces: Sequence[Piece], amount: int) -> list[Piece]:
    """The last ``amount`` minutes of ``pieces``."""
    out: list[Piece] = []
    left = amount
    for a, b in reversed(pieces):
        if left <= 0:
            break
        take = min(left, b - a)
        out.append((b - take, b))
        left -= take
    return sorted(out)


# =========================================================================== segments


@attrs.frozen(kw_only=True)
class Segment:
    """One delay segment: a span of time on one activity with a party and a cause.

    Attributes
    ----------
    activity
        The activity id.
    kind
        ``suspension``, ``applicant``, ``approval_overrun``,
        ``failed_attempt``, ``performance``, ``added_work`` or ``start_gap``.
    party, cause
        Who and why (see the module description for the rules).
    start, end
        The span (``None`` for a performance gain, which has no span).
    days
        Working days on the activity's calendar (negative for a gain).
    calendar
        That calendar.
    gap
        ``True`` when the segment lies before the activity's start (a start
        gap, or the lag into added work) rather than inside it.
    event
        Index into ``project.events`` of the event that gave the party or cause.
    note
        That event's note.
    minutes, pieces
        Working minutes, and the working-minute intervals on ``calendar``
        (minutes since the project start) that the segment covers.
    """

    activity: Any
    kind: str
    party: str | None
    cause: str
    start: pendulum.DateTime | None
    end: pendulum.DateTime | None
    days: float
    calendar: str
    gap: bool = False
    event: int | None = None
    note: str = ""
    minutes: int = attrs.field(default=0, repr=False)
    pieces: tuple[Piece, ...] = attrs.field(default=(), repr=False, eq=False)

    def key(self, by: str) -> Any:
        """The group this segment belongs to under a grouping (``party``, ``cause``...)."""
        return getattr(self, by)


@attrs.define
class _Node:
    """One activity of the as-built network."""

    act: Activity
    pos: int
    cal: str
    mpd: int
    s: pendulum.DateTime
    f: pendulum.DateTime
    sw: int
    fw: int
    planned: int
    added: bool
    gap: int = 0
    fixed: int = 0
    ffin: bool = False
    has_g: bool = False
    segs: list[Segment] = attrs.field(factory=list)

    @property
    def dur(self) -> int:
        return self.fw - self.sw


@attrs.define
class _Spell:
    """A project-wide suspension (events without an activity)."""

    start: pendulum.DateTime
    end: pendulum.DateTime
    party: str | None
    cause: str | None
    event: int
    note: str


class _AsBuilt:
    """The as-built network of a project, its delay segments and but-for runs.

    Every activity keeps its actual (or forecast) dates as a duration; the
    time between the moment its predecessors let it start and its actual
    start becomes a leading gap (a separate task). Links become start-side
    (FS/SS) links with fixed lags on the successor's calendar; finish-side
    links (FF/SF) go to a zero-duration finish milestone. Scheduling this
    network with :func:`projtrack.schedule` gives back the actual dates, and
    it stays monotone: removing time never makes any date later.

    ``ref`` and ``since`` restrict the segments to a window: event segments
    keep only their part after ``since``, and the unexplained remainder of
    each duration and gap is measured against ``ref`` (the previous window's
    network) instead of the baseline's planned durations.
    """

    def __init__(
        self,
        project: Project,
        baseline: Baseline | None,
        *,
        limit_calendar: str = "cn",
        known_only: bool = False,
        ref: _AsBuilt | None = None,
        since: pendulum.DateTime | None = None,
    ) -> None:
        from projtrack.algorithms.cpm import schedule

        if known_only and baseline is not None:
            project = _future_added_removed(project, baseline)
        self.project = project
        self.baseline = baseline
        self.ref = ref
        self.since = since
        self.limit_calendar = limit_calendar
        clock = self.clock = _Clock(project)
        self.schedule = schedule(project)
        dates = _dates(project, self.schedule, clock)
        self.cutoff = (
            clock.inst(project.data_date) if project.data_date is not None else None
        )
        self.spells = _project_spells(project, clock, self.cutoff)
        self.nodes: dict[ActivityId, _Node] = {}
        for pos, act in enumerate(project.activities):
            cal = clock.calendar_name(act)
            s, f = dates[act.id]
            sw, fw = clock.w(cal, s), clock.w(cal, f)
            if fw < sw:
                fw = sw
            added = baseline is not None and act.id not in baseline
            if added:
                planned = 0
            elif baseline is not None and baseline.activity(act.id).duration is not None:
                planned = round(baseline.activity(act.id).duration * clock.mpd(cal))  # type: ignore[operator]
            else:
                planned = clock.planned_minutes(act)
            if act.kind == "milestone":
                planned = 0
            self.nodes[act.id] = _Node(act=act, pos=pos, cal=cal, mpd=clock.mpd(cal), s=s, f=f,
                                       sw=sw, fw=fw, planned=planned, added=added)
        from projtrack._history import replay

        self.histories = replay(project)
        for node in self.nodes.values():
            self._inside(node)
        self._network()

    # ------------------------------------------------------------------ helpers
    def _since_w(self, cal: str) -> int | None:
        return None if self.since is None else self.clock.w(cal, self.since)

    def _ref_minutes(self, node: _Node, *, gap: bool) -> int:
        """What the reference (previous window, else the plan) had for this duration or gap."""
        ref = self.ref.nodes.get(node.act.id) if self.ref is not None else None
        if ref is not None:
            return ref.gap - ref.fixed if gap else ref.dur
        return 0 if gap else node.planned

    def _seg(self, node: _Node, kind: str, party: str | None, cause: str,
             pieces: list[Piece], *, gap: bool = False, ev: int | None = None,
             clip: bool = True) -> None:
        lo = self._since_w(node.cal)
        if clip and lo is not None:
            pieces = _clip(pieces, lo, 1 << 62)
        minutes = _length(pieces)
        if minutes <= 0:
            return
        clock = self.clock
        note = self.project.events[ev].note if ev is not None else ""
        node.segs.append(Segment(
            activity=node.act.id, kind=kind, party=party, cause=cause,
            start=clock.at(node.cal, pieces[0][0]),
            end=clock.at(node.cal, pieces[-1][1], finish=True),
            days=minutes / node.mpd, calendar=node.cal, gap=gap, event=ev, note=note,
            minutes=minutes, pieces=tuple(pieces),
        ))

    def _spell_split(self, node: _Node, pieces: list[Piece], kind: str, default_party: str | None,
                     default_cause: str, *, gap: bool, ev: Event | None = None,
                     ev_index: int | None = None, clip: bool = True) -> None:
        """Give ``pieces`` to an event's cause, else project-wide spells, else the default."""
        if ev is not None and ev.cause:
            self._seg(node, kind, ev.party or default_party, ev.cause, pieces, gap=gap,
                      ev=ev_index, clip=clip)
            return
        for spell in self.spells:
            lo = self.clock.w(node.cal, spell.start)
            hi = self.clock.w(node.cal, spell.end)
            inside = _clip(pieces, lo, hi)
            if inside:
                self._seg(node, kind, spell.party or default_party, spell.cause or default_cause,
                          inside, gap=gap, ev=spell.event, clip=clip)
                pieces = _subtract(pieces, inside)
        self._seg(node, kind, default_party, default_cause, pieces, gap=gap, clip=clip)

    def _residual(self, node: _Node, free: list[Piece], rest: int, *, gap: bool,
                  first: Event | None, first_i: int | None) -> None:
        """What no event explains: performance (or added work, or a late start); < 0 a gain."""
        act = node.act
        if rest < 0:
            node.segs.append(Segment(
                activity=act.id, kind="start_gap" if gap else "performance", party=act.party,
                cause="late_start" if gap else "performance", start=None, end=None,
                days=rest / node.mpd, calendar=node.cal, gap=gap, minutes=rest, pieces=(),
            ))
            return
        if rest == 0:
            return
        lo = self._since_w(node.cal)
        window = free if lo is None else _clip(free, lo, 1 << 62)
        pieces = _tail(window if _length(window) >= rest else free, rest)
        if len(pieces) and _length(pieces) < rest:  # pragma: no cover - defensive
            pieces[0] = (pieces[0][0] - (rest - _length(pieces)), pieces[0][1])
        if gap:
            self._spell_split(node, pieces, "start_gap", act.party, "late_start", gap=True,
                              clip=False)
        elif node.added:
            self._spell_split(node, pieces, "added_work", act.party, "added_work", gap=False,
                              ev=first, ev_index=first_i, clip=False)
        else:
            self._seg(node, "performance", act.party, "performance", pieces, clip=False)

    def _inst(self, ev: Event) -> pendulum.DateTime:
        return self.clock.inst(ev.at, end=ev.kind not in _START_KINDS)

    # ------------------------------------------------------------------ inside segments
    def _inside(self, node: _Node) -> None:
        act, clock, project = node.act, self.clock, self.project
        hist = self.histories.get(act.id)
        indices = hist.events if hist is not None else []
        end_open = node.f if act.actual_finish is not None or self.cutoff is None else (
            min(node.f, self.cutoff) if act.actual_start is not None else node.f
        )
        susp: list[tuple[Any, Any, int]] = []
        applicant: list[tuple[Any, Any, int | None]] = []
        rounds: list[tuple[Any, Any, int | None]] = []
        attempts: list[tuple[Any, Any, int]] = []
        open_susp: tuple[Any, int] | None = None
        holder: str | None = None
        since: Any = None
        last_return: int | None = None
        round_cause: int | None = None
        mark: Any = None
        first_ev: int | None = indices[0] if indices else None
        for idx in indices:
            ev = project.events[idx]
            t = self._inst(ev)
            kind = ev.kind
            if kind == "suspended":
                open_susp = (t, idx)
            elif kind == "resumed" and open_susp is not None:
                susp.append((open_susp[0], t, open_susp[1]))
                open_susp = None
            elif kind == "submitted":
                holder, since, round_cause = "agency", t, None
            elif kind in ("returned_for_revision", "rejected"):
                if holder == "agency":
                    rounds.append((since, t, round_cause))
                holder, since, last_return = "applicant", t, idx
            elif kind == "resubmitted":
                if holder == "applicant":
                    applicant.append((since, t, last_return))
                holder, since, round_cause = "agency", t, last_return
            elif kind in ("approved", "finished"):
                if holder == "agency":
                    rounds.append((since, t, round_cause))
                elif holder == "applicant":
                    applicant.append((since, t, last_return))
                holder = None
            elif kind == "attempt":
                start = node.s if mark is None else mark
                if ev.outcome != "success":
                    attempts.append((start, t, idx))
                mark = t
        if open_susp is not None:
            susp.append((open_susp[0], end_open, open_susp[1]))
        if holder == "agency":
            rounds.append((since, end_open, round_cause))
        elif holder == "applicant":
            applicant.append((since, end_open, last_return))
        if act.kind == "approval" and not rounds and not applicant and act.actual_start:
            rounds.append((node.s, node.f, None))

        def span(a: Any, b: Any) -> list[Piece]:
            return _clip([(clock.w(node.cal, a), clock.w(node.cal, b))], node.sw, node.fw)

        covered: list[Piece] = []

        def take(pieces: list[Piece]) -> list[Piece]:
            nonlocal covered
            free = _subtract(pieces, covered)
            covered = sorted(covered + free)
            return free

        party = act.party
        for a, b, idx in susp:
            ev = project.events[idx]
            self._seg(node, "suspension", ev.party or party, ev.cause or "suspension",
                      take(span(a, b)), ev=idx)
        for a, b, idx in applicant:  # type: ignore[assignment]
            ret = project.events[idx] if idx is not None else None
            self._seg(node, "applicant", party, (ret.cause if ret else None) or "revision",
                      take(span(a, b)), ev=idx)
        for a, b, idx in attempts:
            ev = project.events[idx]
            self._seg(node, "failed_attempt", ev.party or party, ev.cause or "failed_attempt",
                      take(span(a, b)), ev=idx)
        limit = act.time_limit
        if rounds and act.kind == "approval" and limit is not None:
            # Each round against the statutory limit, counted as the law counts it
            # (the day the file reaches the agency is not counted): _LimitDays.
            lim = _LimitDays(self.clock.calendar(self.limit_calendar))
            for a, b, _ in rounds:
                t_lim = lim.deadline(a, limit)
                if t_lim < b:
                    self._seg(node, "approval_overrun", act.agency, "approval_overrun",
                              take(span(t_lim, b)))
        free = _subtract([(node.sw, node.fw)], covered)
        first = project.events[first_ev] if first_ev is not None else None
        rest = node.dur - self._ref_minutes(node, gap=False) - sum(
            seg.minutes for seg in node.segs
        )
        self._residual(node, free, rest, gap=False, first=first, first_i=first_ev)

    # ------------------------------------------------------------------ the network
    def _source(self, pred: _Node, from_start: bool, cal: str) -> int:
        """``W`` on ``cal`` of the instant a link leaves ``pred`` (the engine's convention)."""
        wc = self.clock.calendar(pred.cal)
        t = wc.snap_start(pred.s) if from_start else wc.snap_finish(pred.f)
        return self.clock.w(cal, t)

    def _lag(self, link: Link, pred: _Node, succ: _Node, from_start: bool) -> int:
        """A link's lag as working minutes on the successor's calendar."""
        if link.lag == 0:
            return 0
        if link.lag_unit == "d":
            return round(link.lag * succ.mpd)
        if link.lag_unit == "h":
            return round(link.lag * 60)
        minutes = link.lag * (1440 if link.lag_unit == "ed" else 60)
        wc = self.clock.calendar(pred.cal)
        t = wc.snap_start(pred.s) if from_start else wc.snap_finish(pred.f)
        return self.clock.w(succ.cal, t.add(minutes=round(minutes))) - self.clock.w(succ.cal, t)

    def _network(self) -> None:
        from projtrack._model import Activity, Constraint, Link, ScheduleOptions
        from projtrack.algorithms.cpm import schedule

        project = self.project
        nodes = self.nodes
        incoming: dict[ActivityId, list[tuple[Any, _Node, bool, bool, int]]] = {
            aid: [] for aid in nodes
        }
        for link in project.links:
            pred, succ = nodes[link.pred], nodes[link.succ]
            from_start = link.type in ("SS", "SF")
            to_finish = link.type in ("FF", "SF")
            lag = self._lag(link, pred, succ, from_start)
            incoming[succ.act.id].append((link, pred, from_start, to_finish, lag))
        acts: list[Activity] = []
        links: list[Link] = []
        for aid, node in nodes.items():
            node.ffin = any(tf for _, _, _, tf, _ in incoming[aid])
        for aid, node in nodes.items():
            starts = [(p, fs, lag) for _, p, fs, tf, lag in incoming[aid] if not tf]
            finishes = [(p, fs, lag) for _, p, fs, tf, lag in incoming[aid] if tf]
            bounds0 = [self._source(p, fs, node.cal) + (min(lag, 0) if node.added else lag)
                       for p, fs, lag in starts]
            es_links = max([0, *bounds0])
            lead = min(node.sw - es_links, 0)
            # A date constraint the actual start honoured stays a constraint of the network
            # (a planned wait, not a delay); so does a start held back by finish-side logic
            # (FF/SF: the activity must not finish before its predecessor), as a fixed wait.
            snet = self._constraint_start(node)
            es0 = es_links if snet is None else max(es_links, snet)
            node.gap = max(node.sw - es0, 0)
            before = len(node.segs)
            fin = [self._source(p, fs, node.cal) + lag - node.dur for p, fs, lag in finishes]
            ff_start = min(max(fin, default=es0), node.sw)
            node.fixed = max(0, ff_start - es0) if node.gap else 0
            pieces = [(es0 + node.fixed, node.sw)] if node.gap > node.fixed else []
            if pieces:
                es_lag = max([0, *(self._source(p, fs, node.cal) + lag for p, fs, lag in starts)])
                if node.added and es_lag > es0:
                    hist = self.histories.get(aid)
                    first_i = hist.events[0] if hist is not None and hist.events else None
                    first = project.events[first_i] if first_i is not None else None
                    lag_part = _clip(pieces, es0 + node.fixed, es_lag)
                    self._spell_split(node, lag_part, "added_work", node.act.party,
                                      "added_work", gap=True, ev=first, ev_index=first_i)
                    pieces = _subtract(pieces, lag_part)
                self._spell_split(node, pieces, "start_gap", node.act.party, "late_start",
                                  gap=True)
            tagged = sum(seg.minutes for seg in node.segs[before:])
            rest = node.gap - node.fixed - self._ref_minutes(node, gap=True) - tagged
            self._residual(node, pieces, rest, gap=True, first=None, first_i=None)
            kind = "milestone" if node.act.kind == "milestone" else "task"
            node.has_g = bool(node.gap) or any(seg.gap and seg.minutes < 0 for seg in node.segs)
            pin: dict[str, Any] = {} if snet is None else {"constraints": [
                Constraint("start_no_earlier_than", self.clock.at(node.cal, snet))]}
            acts.append(Activity(id=f"a{node.pos}", kind=kind,
                                 milestone_type=node.act.milestone_type, calendar=node.cal,
                                 duration=node.dur / 60 if kind == "task" else 0,
                                 duration_unit="h", **({} if node.has_g else pin)))
            entry = f"a{node.pos}"
            if node.has_g:
                entry = f"g{node.pos}"
                acts.append(Activity(id=entry, calendar=node.cal, duration=node.gap / 60,
                                     duration_unit="h", **pin))
                links.append(Link(pred=entry, succ=f"a{node.pos}"))
            for p, fs, lag in starts:
                use = (min(lag, 0) if node.added else lag) + lead
                links.append(Link(pred=f"a{p.pos}" if fs else self._finish_id(p),
                                  succ=entry, type="SS" if fs else "FS",
                                  lag=use / 60, lag_unit="h"))
            if finishes:
                fid = f"f{node.pos}"
                acts.append(Activity(id=fid, kind="milestone", calendar=node.cal))
                links.append(Link(pred=f"a{node.pos}", succ=fid))
                for p, fs, lag in finishes:
                    cap = node.fw - self._source(p, fs, node.cal)
                    links.append(Link(pred=f"a{p.pos}" if fs else self._finish_id(p), succ=fid,
                                      type="SS" if fs else "FS", lag=min(lag, cap) / 60,
                                      lag_unit="h"))
        self.network = project.replace(
            id=f"{project.id}-as-built", activities=acts, links=links, events=(),
            baselines=(), data_date=None, must_finish_by=None,
            options=ScheduleOptions(lag_calendar="successor"),
        )
        self.base = schedule(self.network)
        self._positions = {a.id: i for i, a in enumerate(acts)}
        self.mismatches = self._check()

    def _constraint_start(self, node: _Node) -> int | None:
        """The start an activity's own early-date constraints ask for, if its actual start met it.

        ``W`` on the activity's calendar; finish constraints count back its duration.
        """
        best: int | None = None
        clock = self.clock
        for con in node.act.constraints:
            if con.type in ("start_no_earlier_than", "start_on", "mandatory_start"):
                w = clock.w(node.cal, clock.inst(con.date))
            elif con.type in ("finish_no_earlier_than", "finish_on", "mandatory_finish"):
                w = clock.w(node.cal, clock.inst(con.date, end=True)) - node.dur
            else:
                continue
            if w <= node.sw:
                best = w if best is None else max(best, w)
        return best

    def _finish_id(self, node: _Node) -> str:
        return f"f{node.pos}" if node.ffin else f"a{node.pos}"

    def _instant(self, sched: Schedule, node_id: str, *, finish: bool) -> pendulum.DateTime:
        from projtrack._worktime import from_minutes

        pos = self._positions[node_id]
        arr = sched.early_finish_minutes if finish else sched.early_start_minutes
        tz = self.project.timezone
        origin = self.project.start  # the engine counts minutes from the project start
        return from_minutes(int(arr[pos]), tz, origin)

    def _check(self) -> list[ActivityId]:
        wrong = []
        for aid, node in self.nodes.items():
            s = self._instant(self.base, f"a{node.pos}", finish=False)
            f = self._instant(self.base, self._finish_id(node), finish=True)
            if (self.clock.w(node.cal, s), self.clock.w(node.cal, f)) != (node.sw, node.fw):
                wrong.append(aid)
        return wrong

    # ------------------------------------------------------------------ but-for runs
    @property
    def segments(self) -> list[Segment]:
        cached = self.__dict__.get("_segments")
        if cached is None:
            cached = []
            for node in self.nodes.values():
                cached.extend(sorted(node.segs,
                                     key=lambda s: (not s.gap, s.pieces[:1] or ((1 << 62, 0),))))
            self.__dict__["_segments"] = cached
        return cached

    def target_instant(self, sched: Schedule, to: ActivityId | None) -> pendulum.DateTime:
        if to is not None:
            return self._instant(sched, self._finish_id(self.nodes[to]), finish=True)
        ids = [self._finish_id(n) for n in self.nodes.values()]
        return max((self._instant(sched, i, finish=True) for i in ids), default=self.clock.origin)

    def run(self, remove: Iterable[int], *, undo_gains: bool = False) -> Schedule:
        """Schedule with the segments at indices ``remove`` taken out (and gains undone)."""
        segs = self.segments
        inside: dict[ActivityId, int] = {}
        gaps: dict[ActivityId, int] = {}
        chosen = [segs[i] for i in remove]
        if undo_gains:
            chosen += [seg for seg in segs if seg.minutes < 0]
        for seg in chosen:
            bucket = gaps if seg.gap else inside
            bucket[seg.activity] = bucket.get(seg.activity, 0) + seg.minutes
        changes: dict[ActivityId, float] = {}
        for aid, minutes in inside.items():
            node = self.nodes[aid]
            if node.act.kind != "milestone":
                changes[f"a{node.pos}"] = max(0, node.dur - minutes) / 60
        for aid, minutes in gaps.items():
            node = self.nodes[aid]
            if node.has_g:
                changes[f"g{node.pos}"] = max(0, node.gap - minutes) / 60
        if not changes:
            return self.base
        return self.base.with_durations(changes)


def _project_spells(project: Project, clock: _Clock, cutoff: Any) -> list[_Spell]:
    from projtrack._history import ordered_events

    spells: list[_Spell] = []
    current: tuple[Any, Event, int] | None = None
    for idx, ev in ordered_events(project):
        if ev.activity is not None:
            continue
        if ev.kind == "suspended" and current is None:
            current = (clock.inst(ev.at), ev, idx)
        elif ev.kind == "resumed" and current is not None:
            start, sev, sidx = current
            spells.append(_Spell(start=start, end=clock.inst(ev.at), party=sev.party or ev.party,
                                 cause=sev.cause or ev.cause, event=sidx, note=sev.note))
            current = None
    if current is not None:
        start, sev, sidx = current
        end = cutoff if cutoff is not None else start.add(years=100)
        spells.append(_Spell(start=start, end=max(start, end), party=sev.party, cause=sev.cause,
                             event=sidx, note=sev.note))
    return spells


def _future_added_removed(project: Project, baseline: Baseline) -> Project:
    """Added activities not started yet take no time (an update at that date did not know them)."""
    future = {
        a.id for a in project.activities
        if a.id not in baseline and a.actual_start is None and a.kind != "milestone"
    }
    if not future:
        return project
    acts = [attrs.evolve(a, duration=0) if a.id in future else a for a in project.activities]
    links = [
        attrs.evolve(k, lag=0) if k.succ in future and k.lag > 0 else k for k in project.links
    ]
    return project.replace(activities=acts, links=links)


# =========================================================================== results


class Segments(ResultTable):
    """The delay segments of a project (returned by :func:`delay_segments`).

    Records have the keys ``activity``, ``name``, ``kind``, ``party``,
    ``cause``, ``start``, ``end``, ``days`` (working days on ``calendar``),
    ``calendar``, ``gap`` and ``note``; :attr:`segments` holds the
    :class:`Segment` objects.

    Examples
    --------
    >>> p = pt.load("examples/renhe-road.yaml")
    >>> segs = pt.delay_segments(p)
    >>> metro = [s for s in segs.segments if s.activity == "metro-pit-approval"]
    >>> [(s.kind, s.party, s.cause, s.days) for s in metro]  # doctest: +NORMALIZE_WHITESPACE
    [('applicant', 'baihesheng', 'third_party_review', 11.0),
     ('performance', 'baihesheng', 'performance', 20.0),
     ('approval_overrun', 'qingdao-metro', 'approval_overrun', 5.0)]
    """

    columns: ClassVar[tuple[str, ...]] = (
        "activity", "name", "kind", "party", "cause", "start", "end", "days", "calendar", "gap",
        "note",
    )
    datetime_columns: ClassVar[tuple[str, ...]] = ("start", "end")
    html_columns: ClassVar[tuple[str, ...] | None] = (
        "activity", "kind", "party", "cause", "start", "end", "days", "note",
    )

    def __init__(self, project: Project, segments: Sequence[Segment]) -> None:
        self.project = project
        self.timezone = project.timezone
        self.segments = list(segments)

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per segment, in activity order."""
        names = {a.id: a.name for a in self.project.activities}
        return [
            {"activity": s.activity, "name": names.get(s.activity, ""), "kind": s.kind,
             "party": s.party, "cause": s.cause, "start": s.start, "end": s.end, "days": s.days,
             "calendar": s.calendar, "gap": s.gap, "note": s.note}
            for s in self.segments
        ]

    def totals(self, by: str = "cause") -> dict[Any, float]:
        """Working days of the delays (gains excluded) per group, largest first."""
        out: dict[Any, float] = {}
        for s in self.segments:
            if s.minutes > 0:
                out[s.key(by)] = out.get(s.key(by), 0.0) + s.days
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))

    def summary(self) -> str:
        """Counts, and days by kind."""
        delays = [s for s in self.segments if s.minutes > 0]
        gains = sum(s.days for s in self.segments if s.minutes < 0)
        lines = [
            f"{len(delays)} delay segments on {len({s.activity for s in delays})} activities of "
            f"{self.project.id!r}, {fmt_days(sum(s.days for s in delays))} working days "
            f"(gains {fmt_days(gains)})"
        ]
        for kind, days in self.totals("kind").items():
            lines.append(f"  {kind:<18} {fmt_days(days):>8}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Segments of {self.project.id!r}: {len(self.segments)} segments>"


def _label(value: Any) -> str:
    return "(none)" if value is None else str(value)


class Attribution(ResultTable):
    """A but-for attribution of slippage, with its reconciliation.

    ``total_days = sum(attributed.values()) + concurrency_days + gains_days +
    unattributed_days`` always holds (working days on :attr:`calendar`).

    Records: one per group (``kind`` ``"attributed"``, with ``group``,
    ``days``, ``solo_days``, ``segment_days`` and ``but_for_finish``), then
    one each for ``"concurrency"``, ``"gains"`` and ``"unattributed"``; their
    ``days`` add up to :attr:`total_days`.

    Attributes
    ----------
    by
        The grouping: ``party``, ``cause``, ``activity`` or ``kind``.
    policy
        The :class:`ConcurrencyPolicy` used (its ``name`` is stated in the summary).
    target
        The activity measured (``None``: the project finish).
    planned_finish, as_built_finish, but_for_finish
        The target in the baseline (or at the window start), as built, and
        with every segment removed.
    total_days, concurrency_days, gains_days, unattributed_days
        The slippage and the buckets besides the groups: concurrency, as the
        policy leaves it (positive: days that only go when several groups'
        delays go together; negative: days that several groups' delays each
        account for, when serial delays together used up the float of a
        parallel path), the effect of activities done faster than planned
        (gains), and what no segment explains (logic or calendar changes).
    attributed
        Group to days.
    calendar
        The calendar the days are counted on (the project's).
    """

    columns: ClassVar[tuple[str, ...]] = (
        "kind", "group", "days", "solo_days", "segment_days", "but_for_finish",
    )
    datetime_columns: ClassVar[tuple[str, ...]] = ("but_for_finish",)

    by: str
    policy: ConcurrencyPolicy
    target: Any
    calendar: str
    planned_finish: pendulum.DateTime
    planned_label: str
    as_built_finish: pendulum.DateTime
    but_for_finish: pendulum.DateTime
    since: pendulum.DateTime | None
    total_days: float
    attributed: dict[Any, float]
    concurrency_days: float
    gains_days: float
    unattributed_days: float
    solo_days: dict[Any, float]
    segment_days: dict[Any, float]
    but_for_finishes: dict[Any, pendulum.DateTime]
    group_kinds: dict[Any, list[str]]
    mismatches: list[Any]

    def __init__(self, raw: dict[str, Any]) -> None:
        self.__dict__.update(raw)

    def to_records(self) -> list[dict[str, Any]]:
        """Groups (largest first), then concurrency, gains and unattributed."""
        rows = [
            {"kind": "attributed", "group": g, "days": d, "solo_days": self.solo_days.get(g),
             "segment_days": self.segment_days.get(g, 0.0),
             "but_for_finish": self.but_for_finishes.get(g)}
            for g, d in self.attributed.items()
        ]
        for kind, days in (("concurrency", self.concurrency_days), ("gains", self.gains_days),
                           ("unattributed", self.unattributed_days)):
            rows.append({"kind": kind, "group": None, "days": days, "solo_days": None,
                         "segment_days": None, "but_for_finish": None})
        return rows

    @property
    def balanced(self) -> bool:
        """Whether the buckets add up to the total (they always should)."""
        parts = sum(self.attributed.values()) + self.concurrency_days + self.gains_days
        return bool(abs(parts + self.unattributed_days - self.total_days) < 1e-6)

    def _head(self) -> str:
        target = "the finish" if self.target is None else repr(self.target)
        return (
            f"But-for attribution by {self.by} to {target}: "
            f"{fmt_days(self.total_days, sign=True)} working days on {self.calendar} "
            f"({fmt_when(self.planned_finish)} {self.planned_label}, "
            f"{fmt_when(self.as_built_finish)} as built)"
        )

    def summary(self) -> str:
        """The reconciliation: each group, concurrency (with the policy), gains, unattributed."""
        shown = {g: d for g, d in self.attributed.items() if abs(d) >= 0.005}
        zero = [_label(g) for g in self.attributed if g not in shown]
        labels = [_label(g) for g in shown] + ["concurrency", "unattributed"]
        width = max(len(x) for x in labels)
        lines = [self._head()]
        for g, d in shown.items():
            kinds = self.group_kinds.get(g, ())
            extra = f" ({', '.join(kinds)})" if kinds else ""
            lines.append(f"  {_label(g):<{width}}  {fmt_days(d):>6}{extra}")
        if zero:
            lines.append(f"  {'(0 days)':<{width}}  {'0':>6} ({', '.join(zero)})")
        lines.append(
            f"  {'concurrency':<{width}}  {fmt_days(self.concurrency_days):>6} "
            f"(policy {self.policy.name}: {self.policy.description})"
        )
        lines.append(f"  {'gains':<{width}}  {fmt_days(self.gains_days):>6}")
        lines.append(f"  {'unattributed':<{width}}  {fmt_days(self.unattributed_days):>6}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Attribution by {self.by}: {fmt_days(self.total_days, sign=True)} days>"


def _attribute(
    ab: _AsBuilt,
    *,
    by: str | Callable[[Segment], Hashable],
    policy: ConcurrencyPolicy,
    to: ActivityId | None,
    planned: pendulum.DateTime,
    planned_label: str,
    calendar: str,
    since: pendulum.DateTime | None = None,
) -> Attribution:
    clock = ab.clock
    segs = ab.segments
    key = (lambda s: s.key(by)) if isinstance(by, str) else by
    removable = {i: s.minutes for i, s in enumerate(segs) if s.minutes > 0}
    groups: dict[Any, list[int]] = {}
    for i in removable:
        groups.setdefault(key(segs[i]), []).append(i)

    def w(sched: Schedule) -> tuple[int, pendulum.DateTime]:
        t = ab.target_instant(sched, to)
        return clock.w(calendar, t), t

    built_w, built_t = w(ab.base)
    plan_w = clock.w(calendar, planned)
    all_w, all_t = w(ab.run(removable))
    clean_w, _ = w(ab.run(removable, undo_gains=True))
    attributed: dict[Any, int] = {}
    finishes: dict[Any, pendulum.DateTime] = {}
    for g, idx in groups.items():
        gw, gt = w(ab.run(idx))
        attributed[g] = built_w - gw
        finishes[g] = gt
    concurrency = (built_w - all_w) - sum(attributed.values())
    solo: dict[Any, int] | None = None
    if policy.needs_solo:
        solo = {}
        for g, idx in groups.items():
            keep = set(idx)
            gw, _ = w(ab.run(i for i in removable if i not in keep))
            solo[g] = gw - all_w
    final, conc = policy.allocate(attributed, concurrency, solo)
    if set(final) != set(attributed) or sum(final.values()) + conc != sum(
        attributed.values()
    ) + concurrency:
        raise ValidationError(
            f"concurrency policy {policy.name!r} does not preserve the total; allocate() must "
            "return the same groups and add up to what it received",
            field="policy",
        )
    mpd = clock.mpd(calendar)
    order = sorted(final, key=lambda g: (-final[g], _label(g)))
    kinds: dict[Any, list[str]] = {}
    seg_days: dict[Any, float] = {}
    for g, idx in groups.items():
        kinds[g] = sorted({segs[i].kind for i in idx})
        seg_days[g] = sum(removable[i] / ab.nodes[segs[i].activity].mpd for i in idx)
    return Attribution({
        "by": by if isinstance(by, str) else getattr(by, "__name__", "custom"),
        "policy": policy,
        "target": to,
        "calendar": calendar,
        "planned_finish": planned,
        "planned_label": planned_label,
        "as_built_finish": built_t,
        "but_for_finish": all_t,
        "since": since,
        "total_days": (built_w - plan_w) / mpd,
        "attributed": {g: final[g] / mpd for g in order},
        "concurrency_days": conc / mpd,
        "gains_days": (all_w - clean_w) / mpd,
        "unattributed_days": (clean_w - plan_w) / mpd,
        "solo_days": {g: v / mpd for g, v in (solo or {}).items()},
        "segment_days": seg_days,
        "but_for_finishes": finishes,
        "group_kinds": kinds,
        "timezone": clock.tz,
        "mismatches": list(ab.mismatches),
    })


# =========================================================================== functions


def _resolve_baseline(project: Project, baseline: Baseline | str | None) -> Baseline:
    from projtrack.tracking import baseline as make_baseline

    if isinstance(baseline, Baseline):
        return baseline
    if isinstance(baseline, str):
        return get_baseline(project, baseline)
    if baseline is None:
        if project.baselines:
            return project.baselines[0]
        return make_baseline(project, name="as planned (from the project's own logic)",
                             planned=True)
    raise ValidationError(f"{baseline!r} is not a Baseline or a baseline name",
                          field="baseline")


def _planned_target(base: Baseline, to: ActivityId | None, clock: _Clock,
                    project: Project) -> pendulum.DateTime:
    if to is None:
        if base.finish is None:
            raise ValidationError(f"baseline {base.name!r} has no finish; pass to=...",
                                  field="baseline")
        return clock.inst(base.finish, end=True)
    if to not in base:
        raise UnknownReferenceError(
            f"activity {to!r} is not in baseline {base.name!r}, so its slippage cannot be "
            "measured; pick an activity the baseline planned",
            field="to", ids=(to,),
        )
    act = project.activity(to)
    return clock.inst(base.activity(to).finish, end=act.milestone_type != "start")


def delay_segments(
    project: Project, baseline: Baseline | str | None = None, *, limit_calendar: str = "cn"
) -> Segments:
    """The delay segments of a project, from its event history and a baseline.

    Parameters
    ----------
    project
        The project (its actual dates and events up to its data date).
    baseline
        Planned durations and which activities were planned: a
        :class:`~projtrack.Baseline`, the name of one stored on the project,
        or ``None`` (the first stored one, else the project's own plan).
    limit_calendar
        Calendar of the statutory time limits of approvals (default ``cn``).

    Returns
    -------
    Segments
        See the module description for kinds, parties and causes.

    Examples
    --------
    >>> p = pt.load("examples/renhe-road.yaml")
    >>> segs = pt.delay_segments(p)
    >>> zone_a = [s for s in segs.segments if s.activity == "zone-a-construction"]
    >>> [(s.kind, s.party, s.cause) for s in zone_a]  # doctest: +NORMALIZE_WHITESPACE
    [('start_gap', 'original-developer', 'late_start'),
     ('performance', 'original-developer', 'performance'),
     ('suspension', 'original-developer', 'funding')]
    """
    base = _resolve_baseline(project, baseline)
    ab = _AsBuilt(project, base, limit_calendar=limit_calendar)
    return Segments(project, ab.segments)


def collapsed_as_built(
    project: Project,
    baseline: Baseline | str | None = None,
    *,
    to: ActivityId | None = None,
    by: str | Callable[[Segment], Hashable] = "party",
    policy: str | ConcurrencyPolicy | None = None,
    calendar: str | None = None,
    limit_calendar: str = "cn",
) -> Attribution:
    """Collapsed as-built ("but-for") attribution of the slippage against a baseline.

    The as-built network (every activity with its actual, or forecast,
    duration and its start gap) reproduces the actual dates when scheduled
    with :func:`projtrack.schedule`. For each group (party, cause...), its
    delay segments are removed and the network scheduled again: the days the
    target comes back are that group's. What comes back only when several
    groups' delays are removed together is concurrency, handled by the
    ``policy``.

    Parameters
    ----------
    project
        The project, with actual dates and events.
    baseline
        The plan to measure against (see :func:`delay_segments`).
    to
        The activity whose finish is measured (a start milestone: its date);
        ``None`` measures the project finish (its forecast while in progress).
    by
        ``"party"`` (default), ``"cause"``, ``"activity"``, ``"kind"``, or a
        function of a :class:`Segment`.
    policy
        ``"scl"`` (default), ``"apportion"`` or a :class:`ConcurrencyPolicy`.
    calendar
        Calendar the days are counted on (default: the project's).
    limit_calendar
        Calendar of the approvals' statutory limits (default ``cn``).

    Returns
    -------
    Attribution
        Attributed days per group, concurrency, gains and an unattributed
        remainder that add up to the total slippage.

    Examples
    --------
    >>> p = pt.load("examples/renhe-road.yaml")
    >>> a = pt.collapsed_as_built(p, to="bc-start", by="cause")
    >>> a.balanced, a.policy.name
    (True, 'scl')
    >>> sum(r["days"] for r in a.to_records()) == a.total_days
    True
    """
    base = _resolve_baseline(project, baseline)
    pol = get_policy(policy)
    _check_by(by)
    ab = _AsBuilt(project, base, limit_calendar=limit_calendar)
    cal = calendar or project.calendar
    planned = _planned_target(base, to, ab.clock, project)
    return _attribute(ab, by=by, policy=pol, to=to, planned=planned, planned_label="planned",
                      calendar=cal)


def _check_by(by: Any) -> None:
    if isinstance(by, str) and by not in GROUPINGS:
        raise ValidationError(f"cannot group by {by!r}; use one of {', '.join(GROUPINGS)} or a "
                              "function of a Segment", field="by")


# --------------------------------------------------------------------------- APvAB


class PlannedVsBuilt(Comparison):
    """As-planned vs as-built: :class:`~projtrack.tracking.Comparison` plus delay columns.

    Extra record keys: ``delay_days`` (working days of the activity's delay
    segments, gains excluded) and ``causes`` (their causes, largest first).

    Examples
    --------
    >>> p = pt.load("examples/renhe-road.yaml")
    >>> apab = pt.as_planned_vs_as_built(p)
    >>> row = next(r for r in apab.to_records() if r["id"] == "zone-a-construction")
    >>> row["causes"][:2]
    ['performance', 'funding']
    """

    columns: ClassVar[tuple[str, ...]] = (*Comparison.columns, "delay_days", "causes")
    html_columns: ClassVar[tuple[str, ...] | None] = (
        "id", "change", "baseline_start", "start", "start_variance", "baseline_finish",
        "finish", "finish_variance", "delay_days", "causes",
    )

    def __init__(self, baseline: Baseline, sched: Schedule, segments: Sequence[Segment]) -> None:
        super().__init__(baseline, sched)
        per: dict[Any, dict[str, float]] = {}
        for s in segments:
            if s.minutes > 0:
                d = per.setdefault(s.activity, {})
                d[s.cause] = d.get(s.cause, 0.0) + s.days
        for row in self._rows:
            causes = per.get(row["id"], {})
            row["delay_days"] = sum(causes.values()) if row["change"] != "deleted" else None
            row["causes"] = sorted(causes, key=lambda c: -causes[c])

    def summary(self) -> str:
        """The comparison summary, retitled."""
        return "As planned vs as built. " + super().summary()


def as_planned_vs_as_built(
    project: Project, baseline: Baseline | str | None = None, *, limit_calendar: str = "cn"
) -> PlannedVsBuilt:
    """Per activity: planned and actual (or forecast) dates, variances, and delay segments.

    The observational method of AACE MIP 3.1: no rescheduling, just the
    comparison, with each activity's delay days and their causes.

    Examples
    --------
    >>> p = pt.load("examples/renhe-road.yaml")
    >>> print(pt.as_planned_vs_as_built(p).summary())  # doctest: +ELLIPSIS
    As planned vs as built. Comparison with baseline '2008 plan (estimated)': ...
    """
    base = _resolve_baseline(project, baseline)
    ab = _AsBuilt(project, base, limit_calendar=limit_calendar)
    return PlannedVsBuilt(base, ab.schedule, ab.segments)


# --------------------------------------------------------------------------- windows


class WindowsAnalysis(ResultTable):
    """Slippage window by window, each attributed by but-for within the window.

    Records: one per window with ``window``, ``start``, ``end`` (the data
    dates bounding it), ``finish_before``, ``finish_after`` (the target at
    either end), ``slippage_days``, ``attributed`` (group to days),
    ``concurrency_days``, ``gains_days``, ``unattributed_days`` and
    ``driving`` (the activities on the as-built driving path to the target
    that were active in the window). :attr:`windows` holds an
    :class:`Attribution` per window; :meth:`detail` is the long table.

    Examples
    --------
    >>> p = pt.load("examples/renhe-road.yaml")
    >>> w = pt.windows_analysis(p, [pendulum.Date(2016, 12, 30), pendulum.Date(2022, 12, 15)],
    ...                         to="bc-start")
    >>> [round(r["slippage_days"]) for r in w.to_records()] == [
    ...     round(a.total_days) for a in w.windows]
    True
    """

    columns: ClassVar[tuple[str, ...]] = (
        "window", "start", "end", "finish_before", "finish_after", "slippage_days",
        "attributed", "concurrency_days", "gains_days", "unattributed_days", "driving",
    )
    datetime_columns: ClassVar[tuple[str, ...]] = (
        "start", "end", "finish_before", "finish_after",
    )

    def __init__(self, rows: list[dict[str, Any]], windows: list[Attribution], by: str,
                 policy: ConcurrencyPolicy, timezone: str, calendar: str) -> None:
        self._rows = rows
        self.windows = windows
        self.by = by
        self.policy = policy
        self.timezone = timezone
        self.calendar = calendar

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per window."""
        return [dict(r, attributed=dict(r["attributed"])) for r in self._rows]

    def detail(self) -> list[dict[str, Any]]:
        """Long format: one row per window and group (plus concurrency, gains, unattributed)."""
        out = []
        for row, att in zip(self._rows, self.windows, strict=True):
            for rec in att.to_records():
                out.append({"window": row["window"], "start": row["start"], "end": row["end"],
                            "kind": rec["kind"], "group": rec["group"], "days": rec["days"]})
        return out

    @property
    def total_days(self) -> float:
        """Slippage over all windows."""
        return float(sum(r["slippage_days"] for r in self._rows))

    def summary(self) -> str:
        """One line per window: dates, slippage, the largest groups, concurrency."""
        lines = [
            f"Windows analysis by {self.by}: {len(self._rows)} windows, "
            f"{fmt_days(self.total_days, sign=True)} working days on {self.calendar} "
            f"(policy {self.policy.name})"
        ]
        for row in self._rows:
            top = ", ".join(
                f"{_label(g)} {fmt_days(d)}" for g, d in list(row["attributed"].items())[:3]
                if abs(d) >= 0.05
            )
            lines.append(
                f"  {row['window']}. {fmt_when(row['start']) or 'plan'} .. "
                f"{fmt_when(row['end'])}: "
                f"{fmt_days(row['slippage_days'], sign=True)}"
                + (f" ({top})" if top else "")
                + (f", concurrency {fmt_days(row['concurrency_days'])}"
                   if abs(row["concurrency_days"]) >= 0.05 else "")
                + (f", gains {fmt_days(row['gains_days'])}"
                   if abs(row["gains_days"]) >= 0.05 else "")
                + (f", unattributed {fmt_days(row['unattributed_days'])}"
                   if abs(row["unattributed_days"]) >= 0.05 else "")
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<WindowsAnalysis: {len(self._rows)} windows>"


def windows_analysis(
    source: Project | Sequence[Project | Schedule],
    dates: Sequence[Any] | None = None,
    *,
    baseline: Baseline | str | None = None,
    to: ActivityId | None = None,
    by: str | Callable[[Segment], Hashable] = "party",
    policy: str | ConcurrencyPolicy | None = None,
    calendar: str | None = None,
    limit_calendar: str = "cn",
) -> WindowsAnalysis:
    """Slippage of the target per window, attributed to the delays inside each window.

    Parameters
    ----------
    source
        A project with an event history and ``dates`` (the updates are
        ``source.as_of(d)``), or a sequence of schedule updates (projects or
        schedules, each with its data date).
    dates
        Window boundaries for a project source.
    baseline
        Where the first window starts (and the planned durations); default:
        the first baseline stored on the project, else the project's plan.
        With a sequence of updates, ``None`` makes the first update the start.
    to, by, policy, calendar, limit_calendar
        As for :func:`collapsed_as_built`.

    Returns
    -------
    WindowsAnalysis
        Per window: slippage, attribution (but-for restricted to the
        window's segments), concurrency, gains, unattributed, driving
        activities. The windows' slippages add up to the total.

    Examples
    --------
    >>> p = pt.load("examples/renhe-road.yaml")
    >>> w = pt.windows_analysis(p, [pendulum.Date(2013, 12, 31), pendulum.Date(2021, 4, 9),
    ...                             pendulum.Date(2022, 12, 15)], to="bc-start")
    >>> len(w.windows), all(a.balanced for a in w.windows)
    (3, True)
    """
    from projtrack._schedule import Schedule

    pol = get_policy(policy)
    _check_by(by)
    # (update, whether added work not started yet is unknown to it, the date it stands for)
    updates: list[tuple[Project, bool, Any]] = []
    if isinstance(source, Sequence) and not isinstance(source, str):
        if dates is not None:
            raise ValidationError("dates are for a project source; a sequence of updates "
                                  "carries its own data dates", field="dates")
        for item in source:
            proj = item.project if isinstance(item, Schedule) else item
            updates.append((proj, False, proj.data_date))
        first = updates[0][0] if updates else None
    else:
        if not dates:
            raise ValidationError("give the window boundaries: dates=[...]", field="dates")
        first = source
        final = source.data_date
        for d in sorted(dates, key=_when_key):
            known_only = final is None or _when_key(d) < _when_key(final)
            update = source.as_of(d)
            if not isinstance(d, _dt.datetime):
                # as_of(d) counts the whole day d: progress is reported up to its end, so
                # the update's remaining work starts on the next day.
                nxt = pendulum.Date(d.year, d.month, d.day).add(days=1)
                update = update.replace(data_date=nxt)
            updates.append((update, known_only, d))
    if first is None:
        raise ValidationError("no updates to analyse", field="source")
    for p, _, _ in updates:
        if p.data_date is None:
            raise ValidationError(f"update {p.id!r} has no data date", field="data_date")
    updates.sort(key=lambda u: _when_key(u[0].data_date))
    cal = calendar or first.calendar
    base: Baseline | None
    if baseline is None and not isinstance(source, Sequence):
        base = _resolve_baseline(first, None)
    elif baseline is None:
        base = None
    else:
        base = _resolve_baseline(first, baseline)
    rows: list[dict[str, Any]] = []
    atts: list[Attribution] = []
    prev_finish: pendulum.DateTime
    prev_since: pendulum.DateTime | None
    prev: _AsBuilt | None = None
    if base is not None:
        clock = _Clock(first)
        prev_finish = _planned_target(base, to, clock, first)
        prev_since = None if base.data_date is None else clock.inst(base.data_date)
        prev_label = base.data_date
    else:
        prev = _AsBuilt(updates[0][0], None, limit_calendar=limit_calendar)
        prev_finish = prev.target_instant(prev.base, to)
        prev_since = prev.clock.inst(updates[0][0].data_date)
        prev_label = updates[0][2]
        updates = updates[1:]
    for n, (proj, known_only, label) in enumerate(updates, start=1):
        ab = _AsBuilt(proj, base, limit_calendar=limit_calendar, known_only=known_only,
                      ref=prev, since=prev_since)
        att = _attribute(ab, by=by, policy=pol, to=to, planned=prev_finish,
                         planned_label="planned" if prev is None else "at the window start",
                         calendar=cal, since=prev_since)
        since = ab.clock.inst(proj.data_date)
        rows.append({
            "window": n, "start": prev_label, "end": label, "finish_before": prev_finish,
            "finish_after": att.as_built_finish, "slippage_days": att.total_days,
            "attributed": dict(att.attributed), "concurrency_days": att.concurrency_days,
            "gains_days": att.gains_days, "unattributed_days": att.unattributed_days,
            "driving": _driving(ab, to, prev_since, since),
        })
        atts.append(att)
        prev_finish, prev_since, prev, prev_label = att.as_built_finish, since, ab, label
    return WindowsAnalysis(rows, atts, by if isinstance(by, str) else "custom", pol,
                           first.timezone, cal)


def _when_key(value: Any) -> tuple[int, int, int, int, int]:
    if isinstance(value, _dt.datetime):
        return (value.year, value.month, value.day, value.hour, value.minute)
    return (value.year, value.month, value.day, 0, 0)


def _driving(ab: _AsBuilt, to: ActivityId | None, lo: Any, hi: Any) -> list[ActivityId]:
    """Activities on the as-built driving path to the target that were active in ``(lo, hi]``."""
    by_pos = {f"a{n.pos}": aid for aid, n in ab.nodes.items()}
    by_pos.update({f"g{n.pos}": aid for aid, n in ab.nodes.items()})
    by_pos.update({f"f{n.pos}": aid for aid, n in ab.nodes.items()})
    if to is not None:
        end_id = ab._finish_id(ab.nodes[to])
    else:
        t = ab.target_instant(ab.base, None)
        end_id = next(
            ab._finish_id(n) for n in ab.nodes.values()
            if ab._instant(ab.base, ab._finish_id(n), finish=True) == t
        )
    path = list(dict.fromkeys(by_pos[str(i)] for i in ab.base.driving_path(to=end_id)))
    out = []
    for aid in path:
        node = ab.nodes[aid]
        start = node.s
        for seg in node.segs:
            if seg.gap and seg.start is not None:
                start = min(start, seg.start)
        if (lo is None or node.f > lo) and start < hi:
            out.append(aid)
    return out


# --------------------------------------------------------------------------- stalls


class Stalls(ResultTable):
    """Spells in which nothing moved (returned by :func:`stalls`).

    Records: ``start``, ``end``, ``working_days`` (on :attr:`calendar`),
    ``calendar_days``, ``open`` (still stalled at the data date),
    ``suspended`` (activities suspended during the stall), ``causes`` and
    ``parties`` (from those suspensions and from project-wide suspensions
    overlapping it).

    Examples
    --------
    >>> s = pt.stalls(pt.load("examples/renhe-road.yaml"), min_days=60)
    >>> r = s.to_records()[0]
    >>> str(r["start"].date()), str(r["end"].date()), r["causes"], r["parties"]
    ('2014-01-01', '2015-04-01', ['funding'], ['original-developer'])
    """

    columns: ClassVar[tuple[str, ...]] = (
        "start", "end", "working_days", "calendar_days", "open", "suspended", "causes",
        "parties",
    )
    datetime_columns: ClassVar[tuple[str, ...]] = ("start", "end")

    def __init__(self, project: Project, rows: list[dict[str, Any]], min_days: float,
                 calendar: str) -> None:
        self.project = project
        self.timezone = project.timezone
        self._rows = rows
        self.min_days = min_days
        self.calendar = calendar

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per stall, in time order."""
        return [dict(r) for r in self._rows]

    @property
    def total_days(self) -> float:
        """Working days stalled in all."""
        return float(sum(r["working_days"] for r in self._rows))

    def summary(self) -> str:
        """Count and total, then one line per stall."""
        lines = [
            f"{len(self._rows)} stalls longer than {fmt_days(self.min_days)} working days in "
            f"{self.project.id!r}: {fmt_days(self.total_days)} working days on {self.calendar}"
        ]
        for r in self._rows:
            why = ", ".join(r["causes"]) or "no cause recorded"
            lines.append(
                f"  {fmt_when(r['start'])} .. {fmt_when(r['end'])}"
                f"{' (open)' if r['open'] else ''}: {fmt_days(r['working_days'])} working days "
                f"({r['calendar_days']:,d} calendar days); {why}"
            )
        return "\n".join(lines)


def stalls(
    project: Project,
    *,
    min_days: float = 20,
    calendar: str | None = None,
    as_of: Any = None,
) -> Stalls:
    """Spells with no progress: no event on any activity and no activity in progress.

    An activity is in progress from its actual start to its actual finish
    (or the data date), except while it is suspended; a day with any event
    on an activity counts as a day something happened.

    Parameters
    ----------
    project
        The project.
    min_days
        Only spells longer than this many working days are reported.
    calendar
        Calendar the working days are counted on (default: the project's).
    as_of
        End of the period looked at (default: the data date, else the last
        event or actual date).

    Returns
    -------
    Stalls

    Examples
    --------
    >>> s = pt.stalls(pt.load("examples/renhe-road.yaml"), min_days=60)
    >>> len(s), round(s.total_days)
    (1, 310)
    """
    from projtrack._history import cutoff as _cutoff

    clock = _Clock(project)
    cal = calendar or project.calendar
    if as_of is not None:
        project = project.as_of(as_of)
    hist_proj = project
    from projtrack._history import ordered_events, replay

    histories = replay(hist_proj)
    end_limit = None
    if project.data_date is not None:
        end_limit = clock.inst(project.data_date)
    busy: list[tuple[pendulum.DateTime, pendulum.DateTime]] = []
    suspensions: list[tuple[pendulum.DateTime, pendulum.DateTime, Event, Any]] = []
    last = clock.origin
    for _, ev in ordered_events(project):
        if ev.activity is None:
            continue
        day = clock.inst(ev.at)
        busy.append((day, clock.inst(ev.at, end=True)))
        last = max(last, clock.inst(ev.at, end=True))
    for act in project.activities:
        if act.actual_start is None or act.kind == "milestone":
            continue
        s = clock.inst(act.actual_start)
        f = clock.inst(act.actual_finish, end=True) if act.actual_finish else end_limit or last
        last = max(last, f)
        pieces = [(s, f)]
        hist = histories.get(act.id)
        if hist is not None:
            open_at = None
            for idx in hist.events:
                ev = project.events[idx]
                if ev.kind == "suspended":
                    open_at = (clock.inst(ev.at), ev)
                elif ev.kind == "resumed" and open_at is not None:
                    suspensions.append((open_at[0], clock.inst(ev.at), open_at[1], act.id))
                    open_at = None
            if open_at is not None:
                suspensions.append((open_at[0], f, open_at[1], act.id))
        for a, b, _, aid in suspensions:
            if aid == act.id:
                pieces = [(x, y) for x0, y0 in pieces for x, y in _cut_time(x0, y0, a, b)]
        busy.extend(pieces)
    horizon = end_limit or last
    if as_of is not None:
        horizon = _cutoff(as_of, project.timezone).add(microseconds=1)
    busy.sort()
    spells = _project_spells(project, clock, end_limit)
    rows = []
    t = clock.origin
    for a, b in [*busy, (horizon, horizon)]:
        if a > t:
            gap_end = min(a, horizon)
            if gap_end > t:
                wd = clock.days(cal, t, gap_end)
                if wd > min_days:
                    rows.append(_stall_row(project, t, gap_end, wd, gap_end == horizon and
                                           a >= horizon, suspensions, spells, clock))
        t = max(t, b)
        if t >= horizon:
            break
    return Stalls(project, rows, min_days, cal)


def _cut_time(a: Any, b: Any, c: Any, d: Any) -> list[tuple[Any, Any]]:
    out = []
    if a < c:
        out.append((a, min(b, c)))
    if d < b:
        out.append((max(a, d), b))
    return [(x, y) for x, y in out if y > x]


def _stall_row(project: Project, a: Any, b: Any, wd: float, is_open: bool,
               suspensions: list[Any], spells: list[_Spell], clock: _Clock) -> dict[str, Any]:
    causes: list[str] = []
    parties: list[str] = []
    suspended: list[Any] = []
    for s0, s1, ev, aid in suspensions:
        if s0 < b and s1 > a:
            suspended.append(aid)
            causes.append(ev.cause or "suspension")
            party = ev.party or project.activity(aid).party
            if party:
                parties.append(party)
    for sp in spells:
        if sp.start < b and sp.end > a:
            if sp.cause:
                causes.append(sp.cause)
            if sp.party:
                parties.append(sp.party)
    return {
        "start": a, "end": b, "working_days": wd,
        "calendar_days": (b.date() - a.date()).days,
        "open": is_open,
        "suspended": list(dict.fromkeys(suspended)),
        "causes": list(dict.fromkeys(causes)),
        "parties": list(dict.fromkeys(parties)),
    }


# --------------------------------------------------------------------------- approvals


class ApprovalCycles(ResultTable):
    """Per approval: rounds, time with the agency and with the applicant, overrun.

    Records: ``id``, ``name``, ``agency``, ``applicant``, ``stage``,
    ``rounds``, ``submitted``, ``decided``, ``outcome``, ``agency_days``,
    ``applicant_days``, ``time_limit``, ``overrun_days`` (working days on
    :attr:`calendar`, by default ``cn``; overrun counted per round against
    the statutory limit, as the clock restarts on resubmission),
    ``returns`` (causes of the returns and rejections), ``round_days``
    (working days with the agency in each round) and ``holder`` (who has
    the file at the cut-off: ``"agency"``, ``"applicant"``, or ``None`` once
    it is decided).

    A round is counted as statutory time limits are (``docs/calendars.md``,
    "Statutory time limits"; 民法典 Art. 201, 行政许可法 Arts. 42, 82): the
    day the file reaches the agency (``submitted`` or ``resubmitted``: the
    day it is accepted) is not counted, the working days after it up to and
    including the day the file leaves (``approved``, ``rejected``,
    ``returned_for_revision``, ``finished``) are. Only days count, not hours:
    a file accepted at 15:00 on day D and decided at 10:00 on day E took the
    working days after D up to E, and a decision on the day of acceptance
    took 0 days. A round still open counts up to the day before a cut-off
    given as a day (its 00:00), or up to the day of a cut-off instant. The
    time the file is back with the applicant (``applicant_days``: working
    time from the return to the resubmission) is not the agency's, and the
    statutory limit starts again with each resubmission of the complete
    file. An approval without such events runs from ``actual_start`` to
    ``actual_finish``.

    Examples
    --------
    >>> cyc = pt.approval_cycles(pt.load("examples/renhe-road.yaml"))
    >>> r = next(r for r in cyc.to_records() if r["id"] == "metro-pit-approval")
    >>> r["rounds"], r["round_days"], r["applicant_days"], r["overrun_days"]
    (2, [18.0, 25.0], 11.0, 5.0)
    """

    columns: ClassVar[tuple[str, ...]] = (
        "id", "name", "agency", "applicant", "stage", "rounds", "submitted", "decided",
        "outcome", "agency_days", "applicant_days", "time_limit", "overrun_days", "returns",
        "round_days", "holder",
    )
    datetime_columns: ClassVar[tuple[str, ...]] = ("submitted", "decided")
    html_columns: ClassVar[tuple[str, ...] | None] = (
        "id", "agency", "rounds", "submitted", "decided", "outcome", "agency_days",
        "applicant_days", "time_limit", "overrun_days", "returns",
    )

    def __init__(self, project: Project, rows: list[dict[str, Any]], calendar: str) -> None:
        self.project = project
        self.timezone = project.timezone
        self._rows = rows
        self.calendar = calendar

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per approval with events or actual dates."""
        return [dict(r, returns=list(r["returns"]), round_days=list(r["round_days"]))
                for r in self._rows]

    def summary(self) -> str:
        """Totals and the worst overruns."""
        rows = self._rows
        over = sorted((r for r in rows if r["overrun_days"] > 0), key=lambda r: -r["overrun_days"])
        worst = ", ".join(f"{r['id']} {fmt_days(r['overrun_days'])}" for r in over[:3])
        return (
            f"{len(rows)} approvals in {self.project.id!r}, {sum(r['rounds'] for r in rows)} "
            f"rounds: {fmt_days(sum(r['agency_days'] for r in rows))} working days with agencies, "
            f"{fmt_days(sum(r['applicant_days'] for r in rows))} with applicants, "
            f"{fmt_days(sum(r['overrun_days'] for r in rows))} beyond statutory limits "
            f"(on {self.calendar})" + (f"\n  overruns: {worst}" if worst else "")
        )


def approval_cycles(
    project: Project,
    *,
    calendar: str = "cn",
    as_of: Any = None,
    time_limits: Mapping[ActivityId, float] | None = None,
) -> ApprovalCycles:
    """Approval cycles: per approval, rounds, agency and applicant time, overrun.

    Parameters
    ----------
    project
        The project (approvals with events or actual dates are reported).
    calendar
        Working days are counted on this calendar (default ``cn``, the
        calendar of Chinese statutory limits).
    as_of
        Cut-off (a day or an aware instant; a day means its 00:00) for
        approvals still open: the time of the current round counts up to it.
        Default ``project.data_date``; without either, an open approval is
        measured to its forecast finish.
    time_limits
        Limits in working days for approvals that have no ``time_limit``
        (e.g. statutory defaults), by activity id. ``time_limit`` wins.

    Examples
    --------
    >>> cycles = pt.approval_cycles(pt.load("examples/renhe-road.yaml"))
    >>> print(cycles.summary())  # doctest: +ELLIPSIS
    9 approvals in 'renhe-road', 13 rounds: 322 working days with agencies, 101 with applicants, ...
    >>> r = next(r for r in cycles.to_records() if r["id"] == "drawing-review")
    >>> r["round_days"], r["time_limit"], r["overrun_days"]
    ([12.0, 7.0], 15, 0.0)
    """
    clock = _Clock(project)
    cutoff = project.data_date if as_of is None else as_of
    limits = dict(time_limits or {})
    cache: list[dict[Any, Any]] = []

    def dates() -> Mapping[Any, Any]:
        # Forecast dates are needed only for approvals not started, or open
        # without a cut-off: schedule only then.
        if not cache:
            from projtrack.algorithms.cpm import schedule

            cache.append(_dates(project, schedule(project), clock))
        return cache[0]

    walker = _ApprovalWalker(project, clock, dates, calendar, cutoff, limits)
    return ApprovalCycles(project, walker.rows, calendar)


class _ApprovalWalker:
    def __init__(self, project: Project, clock: _Clock,
                 dates: Callable[[], Mapping[Any, Any]], calendar: str, cutoff: Any,
                 limits: Mapping[Any, float]) -> None:
        from projtrack._history import replay

        hist = replay(project)
        mpd = clock.mpd(calendar)
        lim = _LimitDays(clock.calendar(calendar))
        cutoff = clock.inst(cutoff) if cutoff is not None else None
        self.rows: list[dict[str, Any]] = []
        for act in project.activities:
            if act.kind != "approval":
                continue
            h = hist.get(act.id)
            if (h is None or not h.events) and act.actual_start is None:
                continue
            # Start and finish as _dates gives them (actual, else forecast); the
            # forecast, which needs a schedule, only when they are used.
            s: Any
            end_open: Any
            if act.actual_finish is not None:  # then there is an actual start too
                s = clock.inst(act.actual_start)
                end_open = max(s, clock.inst(act.actual_finish, end=True))
            elif cutoff is not None:
                s = clock.inst(act.actual_start) if act.actual_start is not None else None
                end_open = cutoff
            else:
                s, end_open = dates()[act.id]
            agency: list[tuple[Any, Any]] = []
            applicant: list[tuple[Any, Any]] = []
            returns: list[str] = []
            holder, since = None, None
            submitted = decided = None
            for idx in (h.events if h is not None else []):
                ev = project.events[idx]
                t = clock.inst(ev.at, end=ev.kind not in _START_KINDS)
                if ev.kind == "submitted":
                    holder, since, submitted = "agency", t, ev.at
                elif ev.kind in ("returned_for_revision", "rejected"):
                    if holder == "agency":
                        agency.append((since, t))
                    holder, since = "applicant", t
                    returns.append(ev.cause or ev.kind)
                    if ev.kind == "rejected":
                        decided = ev.at
                elif ev.kind == "resubmitted":
                    if holder == "applicant":
                        applicant.append((since, t))
                    holder, since = "agency", t
                elif ev.kind in ("approved", "finished"):
                    if holder == "agency":
                        agency.append((since, t))
                    elif holder == "applicant":
                        applicant.append((since, t))
                    holder = None
                    decided = ev.at if ev.kind == "approved" or decided is None else decided
            if holder == "agency":
                agency.append((since, end_open))
            elif holder == "applicant":
                applicant.append((since, end_open))
            if not agency and not applicant:
                if s is None:
                    s = dates()[act.id][0]
                agency.append((s, end_open))
                submitted = act.actual_start
                decided = act.actual_finish
                holder = "agency" if act.actual_finish is None else None
            elif act.actual_finish is not None:
                holder = None
            limit = act.time_limit if act.time_limit is not None else limits.get(act.id)
            used = [float(lim.days(a, b)) for a, b in agency]
            overrun = 0.0
            if limit is not None:
                overrun = float(sum(max(0.0, u - limit) for u in used))
            self.rows.append({
                "id": act.id, "name": act.name, "agency": act.agency, "applicant": act.party,
                "stage": act.stage, "rounds": max(1, len(agency)) if agency else 0,
                "submitted": submitted, "decided": decided,
                "outcome": h.outcome if h is not None and h.outcome else act.outcome,
                "agency_days": float(sum(used)),
                "applicant_days": sum(max(0, clock.w(calendar, b) - clock.w(calendar, a))
                                      for a, b in applicant) / mpd,
                "time_limit": limit,
                "overrun_days": overrun,
                "returns": returns,
                "round_days": used,
                "holder": holder,
            })


# --------------------------------------------------------------------------- all together


class DelayAnalysis(ResultTable):
    """Everything :func:`analyze_delays` computes, with the attribution by party as its table.

    Attributes
    ----------
    project, baseline, target, policy
        What was analysed, against what, up to which activity, under which
        concurrency policy.
    segments
        :class:`Segments`.
    planned_vs_built
        :class:`PlannedVsBuilt`.
    by_party, by_cause
        :class:`Attribution` by party and by cause.
    stalls
        :class:`Stalls`.
    approvals
        :class:`ApprovalCycles`.

    Examples
    --------
    >>> a = pt.analyze_delays(pt.load("examples/renhe-road.yaml"), to="bc-start")
    >>> a.by_party.balanced and a.by_cause.balanced
    True
    >>> a.by_party.total_days == a.by_cause.total_days
    True
    """

    columns: ClassVar[tuple[str, ...]] = Attribution.columns
    datetime_columns: ClassVar[tuple[str, ...]] = Attribution.datetime_columns

    def __init__(self, *, project: Project, baseline: Baseline, target: ActivityId | None,
                 policy: ConcurrencyPolicy, segments: Segments,
                 planned_vs_built: PlannedVsBuilt, by_party: Attribution,
                 by_cause: Attribution, stalls: Stalls, approvals: ApprovalCycles,
                 _ab: _AsBuilt, _planned: pendulum.DateTime) -> None:
        self.project = project
        self.baseline = baseline
        self.target = target
        self.policy = policy
        self.segments = segments
        self.planned_vs_built = planned_vs_built
        self.by_party = by_party
        self.by_cause = by_cause
        self.stalls = stalls
        self.approvals = approvals
        self._ab = _ab
        self._planned = _planned
        self.timezone = project.timezone

    def by(self, grouping: str | Callable[[Segment], Hashable]) -> Attribution:
        """The attribution under another grouping (``activity``, ``kind`` or a function)."""
        _check_by(grouping)
        return _attribute(self._ab, by=grouping, policy=self.policy, to=self.target,
                          planned=self._planned, planned_label="planned",
                          calendar=self.by_party.calendar)

    def to_records(self) -> list[dict[str, Any]]:
        """The attribution by party (see :class:`Attribution`)."""
        records: list[dict[str, Any]] = self.by_party.to_records()
        return records

    def summary(self) -> str:
        """Attribution by party and by cause, stalls, approvals."""
        return "\n".join([
            f"Delay analysis of {self.project.id!r} against {self.baseline.name!r}",
            self.by_party.summary(),
            self.by_cause.summary(),
            self.stalls.summary(),
            self.approvals.summary(),
        ])

    def __repr__(self) -> str:
        return (f"<DelayAnalysis of {self.project.id!r}: "
                f"{fmt_days(self.by_party.total_days, sign=True)} days>")


def analyze_delays(
    project: Project,
    baseline: Baseline | str | None = None,
    *,
    to: ActivityId | None = None,
    policy: str | ConcurrencyPolicy | None = None,
    calendar: str | None = None,
    stall_days: float = 20,
    limit_calendar: str = "cn",
) -> DelayAnalysis:
    """Run the delay analyses of a project together.

    Parameters are those of :func:`collapsed_as_built`; ``stall_days`` is
    the ``min_days`` of :func:`stalls`.

    Returns
    -------
    DelayAnalysis
        ``segments``, ``planned_vs_built``, ``by_party``, ``by_cause``,
        ``stalls``, ``approvals``; ``by("activity")`` for other groupings.

    Examples
    --------
    >>> a = pt.analyze_delays(pt.load("examples/renhe-road.yaml"), to="bc-start")
    >>> print(a.summary().splitlines()[0])
    Delay analysis of 'renhe-road' against '2008 plan (estimated)'
    """
    base = _resolve_baseline(project, baseline)
    pol = get_policy(policy)
    ab = _AsBuilt(project, base, limit_calendar=limit_calendar)
    cal = calendar or project.calendar
    planned = _planned_target(base, to, ab.clock, project)
    return DelayAnalysis(
        project=project,
        baseline=base,
        target=to,
        policy=pol,
        segments=Segments(project, ab.segments),
        planned_vs_built=PlannedVsBuilt(base, ab.schedule, ab.segments),
        by_party=_attribute(ab, by="party", policy=pol, to=to, planned=planned,
                            planned_label="planned", calendar=cal),
        by_cause=_attribute(ab, by="cause", policy=pol, to=to, planned=planned,
                            planned_label="planned", calendar=cal),
        stalls=stalls(project, min_days=stall_days, calendar=cal),
        approvals=approval_cycles(project, calendar=limit_calendar),
        _ab=ab,
        _planned=planned,
    )
