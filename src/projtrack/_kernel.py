"""The CPM passes over compiled arrays, written once for pure Python and numba.

Every function here is plain Python over indexable integer sequences (numpy
arrays or lists): no objects, no dictionaries, no exceptions. The same source
runs

* interpreted, over Python lists (small projects, or numba not installed), and
* compiled with ``numba.njit(cache=True)`` over ``int64``/``uint8`` numpy
  arrays (the ``fast`` extra; used from :data:`JIT_THRESHOLD` activities up).

Activities are numbered in topological order, so the forward pass is a loop
``0..n-1`` and the backward pass ``n-1..0``. Times are integer minutes (see
:mod:`projtrack._worktime`): an activity's early/late start and finish are
*working-time coordinates on its own calendar* (``W``); a link between two
activities on the same calendar is plain integer arithmetic, and one between
different calendars (or with a lag on a third calendar) goes through instants,
looked up in the packed calendar table ``T`` (a day index and a working-time
index make each look-up a short scan rather than a binary search). A look-up
outside a calendar's horizon extrapolates and records how far it went in
``ovf`` (``ovf[2c]`` below, ``ovf[2c+1]`` above); the caller grows the horizon
and runs again.

Link types are ``0`` FS, ``1`` SS, ``2`` FF, ``3`` SF: bit 0 says the link
leaves the predecessor's *start*, ``type >= 2`` that it reaches the
successor's *finish*.
"""

# The functions take array-likes (numpy arrays or lists) typed as Any.
# mypy: disable-error-code="no-any-return"

from __future__ import annotations

import contextlib
import datetime as _dt
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

__all__ = ["INF", "JIT_THRESHOLD", "NONE", "Kernels", "force_engine", "kernels"]

#: "No bound" for lower bounds (and "not fixed" markers).
NONE = -(1 << 62)
#: "No bound" for upper bounds.
INF = 1 << 62
#: Projects with at least this many activities use the numba kernels when available.
JIT_THRESHOLD = 2000


# --------------------------------------------------------------------------- look-ups
#
# ``T`` is the calendar table packed into one int64 array (see
# ``CalendarTable.packed``; one array keeps calls cheap in numba). ``T[h]`` for
# h < 16 is the offset of a section:
#   0 cs, 1 ce, 2 cc   interval starts, ends, working minutes before each start
#   3 cp               calendar c owns intervals cp[c]:cp[c+1]
#   4 didx, 5 dptr     for each day of c's horizon, the last interval starting at
#                      or before its 00:00 (days dfirst[c]..dlast[c]-1)
#   6 dfirst, 7 dlast  the horizon in days from the origin
#   8 widx, 9 wptr     for each bucket of BUCKET working minutes from wbase[c],
#                      the last interval starting at or before it
#   10 wbase           working minutes at the horizon start
#   11 dens, 12 inv    working minutes per wall minute and its inverse, x 2**16
#   13 cont            1 when the calendar works round the clock over its
#                      whole horizon (one interval: 7d, 24h): no search needed
# Outside the horizon the look-ups extrapolate with the density and record in
# ``ovf`` how far (wall minutes) they went: ovf[2c] below, ovf[2c+1] above.

BUCKET = 240


def _w(t: int, c: int, T: Any, ovf: Any) -> int:
    """``W_c(t)``: working minutes on calendar ``c`` from the origin to instant ``t``."""
    return _ws(t, c, T, ovf, 0)


def _s(t: int, c: int, T: Any, ovf: Any) -> int:
    """``S_c(t)``: the last working minute on ``c`` that starts at or before ``t``."""
    return _ws(t, c, T, ovf, 1)


def _ws(t: int, c: int, T: Any, ovf: Any, s: int) -> int:
    """``W`` (``s == 0``) or ``S`` (``s == 1``): they differ only in a non-working gap,
    where ``S`` is the minute before (``W - 1``)."""
    ocs = T[0]
    lo = T[T[3] + c]
    if T[T[13] + c] != 0 and T[ocs + lo] <= t < T[T[1] + lo]:
        return T[T[2] + lo] + (t - T[ocs + lo])
    first = T[T[6] + c]
    day = t // 1440
    if day < first or day >= T[T[7] + c]:
        return _w_far(t, c, T, ovf, s)
    hi = T[T[3] + c + 1]
    i = T[T[4] + T[T[5] + c] + day - first]
    while i + 1 < hi and T[ocs + i + 1] <= t:
        i += 1
    if i < lo:
        return T[T[2] + lo] - s
    e = T[T[1] + i]
    if t >= e:
        return T[T[2] + i] + (e - T[ocs + i]) - s
    return T[T[2] + i] + (t - T[ocs + i])


def _w_far(t: int, c: int, T: Any, ovf: Any, s: int) -> int:
    """``W`` (``s == 0``) or ``S`` (``s == 1``) outside the horizon: extrapolate, record."""
    lo = T[T[3] + c]
    first = T[T[6] + c]
    if t < first * 1440:
        d = first * 1440 - t
        if d + s > ovf[2 * c]:
            ovf[2 * c] = d + s
        return T[T[2] + lo] - ((d * T[T[11] + c]) >> 16) - s
    d = t - T[T[7] + c] * 1440
    if d + s > ovf[2 * c + 1]:
        ovf[2 * c + 1] = d + s
    i = T[T[3] + c + 1] - 1
    return T[T[2] + i] + (T[T[1] + i] - T[T[0] + i]) + ((d * T[T[11] + c]) >> 16)


def _inst_start(w: int, c: int, T: Any, ovf: Any) -> int:
    """The instant at which working minute ``w`` of calendar ``c`` begins."""
    ocs = T[0]
    base = T[T[10] + c]
    hi = T[T[3] + c + 1]
    i = hi - 1
    total = T[T[2] + i] + (T[T[1] + i] - T[ocs + i])
    if w < base or w >= total:
        return _inst_far(w, c, T, ovf, 0)
    if T[T[13] + c] != 0:
        return T[ocs + i] + (w - base)
    i = T[T[8] + T[T[9] + c] + (w - base) // BUCKET]
    while i + 1 < hi and T[T[2] + i + 1] <= w:
        i += 1
    return T[ocs + i] + (w - T[T[2] + i])


def _inst_end(w: int, c: int, T: Any, ovf: Any) -> int:
    """The earliest instant at which ``w`` working minutes of calendar ``c`` have elapsed."""
    ocs = T[0]
    base = T[T[10] + c]
    hi = T[T[3] + c + 1]
    i = hi - 1
    total = T[T[2] + i] + (T[T[1] + i] - T[ocs + i])
    if w <= base or w > total:
        return _inst_far(w, c, T, ovf, 1)
    if T[T[13] + c] != 0:
        return T[ocs + i] + (w - base)
    i = T[T[8] + T[T[9] + c] + (w - 1 - base) // BUCKET]
    while i + 1 < hi and T[T[2] + i + 1] < w:
        i += 1
    return T[ocs + i] + (w - T[T[2] + i])


def _inst_far(w: int, c: int, T: Any, ovf: Any, e: int) -> int:
    """``inst_start`` (``e == 0``) or ``inst_end`` (``e == 1``) outside the horizon."""
    base = T[T[10] + c]
    if w < base + e:
        d = (((base - w) * T[T[12] + c]) >> 16) + 1
        if d > ovf[2 * c]:
            ovf[2 * c] = d
        return T[T[6] + c] * 1440 - d + e
    i = T[T[3] + c + 1] - 1
    total = T[T[2] + i] + (T[T[1] + i] - T[T[0] + i])
    d = (((w - total) * T[T[12] + c]) >> 16) + 1
    if d > ovf[2 * c + 1]:
        ovf[2 * c + 1] = d
    return T[T[7] + c] * 1440 + d - 1 + e


def _fwd_link(t: int, cj: int, lag: int, lc: int, T: Any, ovf: Any) -> int:
    """What a link asks of its successor, in the successor's working time.

    ``t`` is the instant the link leaves from: the predecessor's start (SS,
    SF: ``inst_start``) or finish (FS, FF: ``inst_end``). It is shifted by
    ``lag`` working minutes on calendar ``lc`` (``lc < 0``: elapsed minutes),
    ending at the end of the lag's last working minute, then read on the
    successor's calendar ``cj``.
    """
    if lag != 0:
        t = t + lag if lc < 0 else _inst_end(_w(t, lc, T, ovf) + lag, lc, T, ovf)
    return _w(t, cj, T, ovf)


def _bwd_link(typ: int, u: int, ci: int, lag: int, lc: int, T: Any, ovf: Any) -> int:
    """The exact inverse of :func:`_fwd_link`: the latest predecessor value it allows.

    ``u`` is ``inst_start`` of the successor's date the link reaches (its
    start for FS/SS, its finish for FF/SF): ``max{src : fwd(src) <= tgt}``
    composed from the inverses of the forward steps, so floats are
    consistent across calendars.
    """
    if lag != 0:
        u = u - lag if lc < 0 else _inst_start(_w(u, lc, T, ovf) - lag, lc, T, ovf)
    if typ & 1:
        return _s(u, ci, T, ovf)
    return _w(u, ci, T, ovf)


# --------------------------------------------------------------------------- passes
#
# Links that join activities on different calendars, or have a lag on a third
# calendar, are "slow" (lk_fast == 0) and go through instants. ``need[a]`` says
# which instants of activity ``a`` its slow links use (bit 1: its start, bit 2:
# its finish); they are computed once per activity (``st``/``ft`` in the
# forward pass, ``ut``/``vt`` in the backward ones: scratch arrays). Links in the backward
# passes are read in predecessor order (``o_*`` arrays, CSR ``out_ptr``).


def forward(
    n: int, in_ptr: Any, lk_pred: Any, lk_type: Any, lk_lag: Any, lk_lcal: Any,
    lk_fast: Any, lk_on: Any, cal: Any, dur: Any, es_lo: Any, ef_lo: Any,
    mand_s: Any, mand_f: Any, fix_s: Any, need: Any,
    T: Any, ovf: Any, es: Any, ef: Any, lk_bound: Any, st: Any, ft: Any,
    full: int, dirty: Any, chg: Any,
) -> None:
    """Early start/finish. Links are sorted by successor: ``in_ptr`` is their CSR index.

    ``lk_bound[k]`` receives the early start link ``k`` asks of its successor
    (``NONE`` for an inactive link): the link drives when it equals the early
    start. With ``full == 0`` the arrays hold a previous result and only the
    activities marked in ``dirty`` and those downstream of a change are
    recomputed; ``chg`` marks the activities whose dates changed.
    """
    for j in range(n):
        if full == 0 and dirty[j] == 0:
            skip = True
            for k in range(in_ptr[j], in_ptr[j + 1]):
                if lk_on[k] != 0 and chg[lk_pred[k]] != 0:
                    skip = False
                    break
            if skip:
                continue
        cj = cal[j]
        d = dur[j]
        lo = es_lo[j]
        x = ef_lo[j]
        if x != NONE and x - d > lo:
            lo = x - d
        for k in range(in_ptr[j], in_ptr[j + 1]):
            if lk_on[k] == 0:
                lk_bound[k] = NONE
                continue
            i = lk_pred[k]
            typ = lk_type[k]
            if lk_fast[k] != 0:
                if typ & 1:
                    src = fix_s[i]
                    if src == NONE:
                        src = es[i]
                else:
                    src = ef[i]
                v = src + lk_lag[k]
            elif typ & 1:
                v = _fwd_link(st[i], cj, lk_lag[k], lk_lcal[k], T, ovf)
            else:
                v = _fwd_link(ft[i], cj, lk_lag[k], lk_lcal[k], T, ovf)
            if typ >= 2:
                v = v - d
            lk_bound[k] = v
            if v > lo:
                lo = v
        m = mand_s[j]
        if m != NONE:
            lo = m
        else:
            m = mand_f[j]
            if m != NONE:
                lo = m - d
        if full == 0 and (es[j] != lo or ef[j] != lo + d):
            chg[j] = 1
        es[j] = lo
        ef[j] = lo + d
        nd = need[j]
        if nd != 0:
            if nd & 1:
                src = fix_s[j]
                if src == NONE:
                    src = lo
                st[j] = _inst_start(src, cj, T, ovf)
            if nd & 2:
                ft[j] = _inst_end(lo + d, cj, T, ovf)


def backward(
    n: int, out_ptr: Any, o_succ: Any, o_type: Any, o_lag: Any, o_lcal: Any, o_fast: Any,
    o_on: Any, cal: Any, dur: Any, ls_hi: Any, lf_hi: Any, mand_s: Any, mand_f: Any,
    fix_s: Any, need: Any,
    T: Any, ovf: Any, ls: Any, lf: Any, ut: Any, vt: Any,
    full: int, dirty: Any, chg: Any,
) -> None:
    """Late start/finish (links in predecessor order: ``out_ptr`` and ``o_*``).

    Incremental with ``full == 0``, as :func:`forward` (upstream of changes).
    """
    for i in range(n - 1, -1, -1):
        if full == 0 and dirty[i] == 0:
            skip = True
            for p in range(out_ptr[i], out_ptr[i + 1]):
                if o_on[p] != 0 and chg[o_succ[p]] != 0:
                    skip = False
                    break
            if skip:
                continue
        ci = cal[i]
        d = dur[i]
        hi = lf_hi[i] - d
        x = ls_hi[i]
        if x < hi:
            hi = x
        fixed = fix_s[i] != NONE
        for p in range(out_ptr[i], out_ptr[i + 1]):
            if o_on[p] == 0:
                continue
            typ = o_type[p]
            if fixed and (typ & 1):
                continue
            j = o_succ[p]
            if o_fast[p] != 0:
                v = (lf[j] if typ >= 2 else ls[j]) - o_lag[p]
            elif typ >= 2:
                v = _bwd_link(typ, vt[j], ci, o_lag[p], o_lcal[p], T, ovf)
            else:
                v = _bwd_link(typ, ut[j], ci, o_lag[p], o_lcal[p], T, ovf)
            if (typ & 1) == 0:
                v = v - d
            if v < hi:
                hi = v
        m = mand_s[i]
        if m != NONE:
            hi = m
        else:
            m = mand_f[i]
            if m != NONE:
                hi = m - d
        if full == 0 and (ls[i] != hi or lf[i] != hi + d):
            chg[i] = 1
        ls[i] = hi
        lf[i] = hi + d
        nd = need[i]
        if nd != 0:
            if nd & 1:
                ut[i] = _inst_start(hi, ci, T, ovf)
            if nd & 2:
                vt[i] = _inst_start(hi + d, ci, T, ovf)


def free_float(
    n: int, out_ptr: Any, o_succ: Any, o_type: Any, o_lag: Any, o_lcal: Any, o_fast: Any,
    o_on: Any, cal: Any, dur: Any, fin: Any, fix_s: Any, alap: Any, ls: Any, need: Any,
    T: Any, ovf: Any, es: Any, ef: Any, ff: Any, ut: Any, vt: Any,
    full: int, dirty: Any,
) -> None:
    """Free float, and the as-late-as-possible shift (reverse topological order).

    The free float of ``i`` is how far it can slip without moving the early
    date any link asks of a successor, nor the project finish (``fin[i]``,
    the project finish on ``i``'s calendar). An as-late-as-possible activity
    is moved later by its free float (at most its total float), so that its
    successors do not move; its free float is then zero. With ``full == 0``
    only activities marked in ``dirty`` (early dates changed) and their
    predecessors are recomputed (not with as-late-as-possible activities).
    """
    for i in range(n - 1, -1, -1):
        if full == 0 and dirty[i] == 0:
            skip = True
            for p in range(out_ptr[i], out_ptr[i + 1]):
                if o_on[p] != 0 and dirty[o_succ[p]] != 0:
                    skip = False
                    break
            if skip:
                continue
        ci = cal[i]
        m = fin[i] - ef[i]
        fixed = fix_s[i] != NONE
        for p in range(out_ptr[i], out_ptr[i + 1]):
            if o_on[p] == 0:
                continue
            typ = o_type[p]
            if fixed and (typ & 1):
                continue
            j = o_succ[p]
            if o_fast[p] != 0:
                v = (ef[j] if typ >= 2 else es[j]) - o_lag[p]
            elif typ >= 2:
                v = _bwd_link(typ, vt[j], ci, o_lag[p], o_lcal[p], T, ovf)
            else:
                v = _bwd_link(typ, ut[j], ci, o_lag[p], o_lcal[p], T, ovf)
            v = v - (es[i] if typ & 1 else ef[i])
            if v < m:
                m = v
        if alap[i] != 0:
            shift = m
            room = ls[i] - es[i]
            if room < shift:
                shift = room
            if shift > 0:
                es[i] = es[i] + shift
                ef[i] = ef[i] + shift
                m = m - shift
        ff[i] = m
        nd = need[i]
        if nd != 0:
            if nd & 1:
                ut[i] = _inst_start(es[i], ci, T, ovf)
            if nd & 2:
                vt[i] = _inst_start(ef[i], ci, T, ovf)


def longest_path(
    n: int, in_ptr: Any, lk_pred: Any, lk_on: Any, lk_bound: Any, es: Any, lp: Any
) -> None:
    """Mark the activities on driving paths into the marked ones (``lp`` is updated in place).

    ``lp`` starts with the activities that finish the project; a link drives
    when the early start it asks for is the successor's early start.
    """
    for j in range(n - 1, -1, -1):
        if lp[j] != 0:
            e = es[j]
            for k in range(in_ptr[j], in_ptr[j + 1]):
                if lk_on[k] != 0 and lk_bound[k] == e:
                    lp[lk_pred[k]] = 1


# --------------------------------------------------------------------------- engines

_HELPERS: tuple[Callable[..., Any], ...] = (
    _ws, _w, _s, _w_far, _inst_start, _inst_end, _inst_far, _fwd_link, _bwd_link,
)
_PASSES: dict[str, Callable[..., None]] = {
    "forward": forward,
    "backward": backward,
    "free_float": free_float,
    "longest_path": longest_path,
}
#: Positions of the arguments each pass writes (the rest are read only).
_OUTPUTS: dict[str, tuple[int, ...]] = {
    "forward": (17, 18, 19, 20, 21, 22, 25),
    "backward": (17, 18, 19, 20, 21, 24),
    "free_float": (16, 17, 18, 19, 20, 21),
    "longest_path": (6,),
}


def _as_lists(value: Any) -> Any:
    return value.tolist() if isinstance(value, np.ndarray) else value


class Kernels:
    """The four passes, interpreted or compiled; call them with numpy arrays.

    Attributes
    ----------
    name
        ``"python"`` or ``"numba"``.
    compile_seconds
        Time spent loading or compiling the numba kernels (0 for Python).
    """

    def __init__(self, name: str, passes: dict[str, Callable[..., None]],
                 compile_seconds: float = 0.0) -> None:
        self.name = name
        self._passes = passes
        self.compile_seconds = compile_seconds

    def __call__(self, which: str, *args: Any) -> None:
        """Run pass ``which``; array arguments are numpy arrays, updated in place."""
        fn = self._passes[which]
        if self.name == "numba":
            fn(*args)
            return
        conv = [_as_lists(a) for a in args]
        fn(*conv)
        for pos in _OUTPUTS[which]:
            args[pos][:] = conv[pos]


_PYTHON = Kernels("python", _PASSES)
_JIT: Kernels | None = None
_FORCED: str | None = os.environ.get("PROJTRACK_ENGINE") or None


def _load_jit() -> Kernels | None:
    global _JIT
    if _JIT is not None:
        return _JIT
    try:
        import numba
        from numba.extending import register_jitable
    except ImportError:
        return None
    began = time.perf_counter()
    for helper in _HELPERS:
        register_jitable(helper)
    passes: dict[str, Callable[..., None]] = {
        name: numba.njit(cache=True, nogil=True)(fn) for name, fn in _PASSES.items()
    }
    # Compile (or load from the on-disk cache) now, on tiny inputs, so that
    # the first real call pays no surprise.
    _warm(passes)
    _JIT = Kernels("numba", passes, time.perf_counter() - began)
    return _JIT


def _warm(passes: dict[str, Callable[..., None]]) -> None:
    from projtrack._worktime import CalendarTable, _AlwaysWorking

    T = CalendarTable([_AlwaysWorking("24h")], _dt.date(2024, 1, 1), 0, 2).packed
    i64 = np.zeros(2, dtype=np.int64)
    u8 = np.zeros(2, dtype=np.uint8)
    none = np.full(2, NONE, dtype=np.int64)
    ovf = np.zeros(2, dtype=np.int64)
    ptr = np.zeros(2, dtype=np.int64)

    def z() -> np.ndarray:
        return np.zeros(2, dtype=np.int64)

    n = 1
    for full in (1, 0):
        passes["forward"](n, ptr, i64, i64, i64, i64, u8, u8, i64, i64, z(), z(), z(), z(),
                          none, u8, T, ovf, z(), z(), z(), z(), z(), full, u8, u8.copy())
        passes["backward"](n, ptr, i64, i64, i64, i64, u8, u8, i64, i64, z(), z(), z(), z(),
                           none, u8, T, ovf, z(), z(), z(), z(), full, u8, u8.copy())
        passes["free_float"](n, ptr, i64, i64, i64, i64, u8, u8, i64, i64, z(), none, u8, z(),
                             u8, T, ovf, z(), z(), z(), z(), z(), full, u8)
    passes["longest_path"](n, ptr, i64, u8, i64, i64, u8.copy())


def kernels(n: int, engine: str | None = None) -> Kernels:
    """Pick the passes for a project of ``n`` activities.

    ``engine`` is ``"python"``, ``"numba"`` or ``None``/``"auto"`` (numba from
    :data:`JIT_THRESHOLD` activities when it is installed). The environment
    variable ``PROJTRACK_ENGINE`` and :func:`force_engine` override ``auto``.

    Examples
    --------
    >>> kernels(10).name
    'python'
    """
    choice = engine if engine not in (None, "auto") else _FORCED
    if choice == "python":
        return _PYTHON
    if choice == "numba" or (choice in (None, "auto") and n >= JIT_THRESHOLD):
        jit = _load_jit()
        if jit is not None:
            return jit
        if choice == "numba":
            raise ImportError(
                "the numba engine needs numba; install it with: pip install 'projtrack[fast]'"
            )
    return _PYTHON


@contextlib.contextmanager
def force_engine(name: str | None) -> Iterator[None]:
    """Use engine ``name`` (``python``/``numba``/``None``) for every schedule in the block.

    Examples
    --------
    >>> with force_engine("python"):
    ...     kernels(10**6).name
    'python'
    """
    global _FORCED
    old = _FORCED
    _FORCED = name
    try:
        yield
    finally:
        _FORCED = old
