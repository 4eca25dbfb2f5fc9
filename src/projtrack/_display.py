"""HTML rendering behind the ``_repr_html_`` methods and the HTML report.

Everything here returns strings and imports nothing heavy: no IPython (the
notebook protocol works by method name alone), no matplotlib, no pandas.
Result classes call these helpers from their ``_repr_html_``:

* :func:`html_table` - a truncated, escaped, styled table from records;
* :func:`html_summary` - a small "key: value" card;
* :func:`html_block` - wraps parts in a ``<div class="projtrack">`` with the
  stylesheet, so a notebook cell shows the same look as the report;
* :func:`project_html` - the rich display of a :class:`~projtrack.Project`.

Values are formatted by :func:`format_value` (dates as ``YYYY-MM-DD`` or
``YYYY-MM-DD HH:mm``, floats compactly, ``nan`` and ``None`` as blanks) and
always HTML-escaped.

Examples
--------
>>> from projtrack._display import html_table
>>> out = html_table([{"id": "a<b", "days": 2.5}], max_rows=5)
>>> print(out.replace("</tr>", "</tr>\\n"))
<table class="pt-table"><thead><tr><th>id</th><th>days</th></tr>
</thead><tbody><tr><td>a&lt;b</td><td class="pt-num">2.5</td></tr>
</tbody></table>
"""

from __future__ import annotations

import datetime as _dt
import html
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from projtrack._model import Project

__all__ = [
    "STYLE",
    "format_value",
    "html_block",
    "html_summary",
    "html_table",
    "project_html",
]

#: The stylesheet shared by notebook displays and the report. Every rule is
#: scoped under ``.projtrack`` so it cannot restyle the rest of a notebook.
STYLE = """
.projtrack { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans",
  "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; font-size: 13px;
  color: #1f2933; line-height: 1.4; }
.projtrack .pt-card { display: grid; grid-template-columns: max-content auto; gap: 2px 14px;
  margin: 0 0 8px 0; }
.projtrack .pt-card dt { color: #52606d; }
.projtrack .pt-card dd { margin: 0; font-weight: 600; }
.projtrack .pt-title { font-size: 15px; font-weight: 700; margin: 0 0 4px 0; }
.projtrack table.pt-table { border-collapse: collapse; margin: 4px 0 10px 0; }
.projtrack table.pt-table caption { text-align: left; font-weight: 600; padding: 2px 0 4px 0; }
.projtrack table.pt-table th { text-align: left; background: #eef2f6; color: #323f4b;
  border-bottom: 1px solid #9aa5b1; padding: 3px 8px; font-weight: 600; white-space: nowrap; }
.projtrack table.pt-table td { border-bottom: 1px solid #e4e7eb; padding: 3px 8px;
  vertical-align: top; }
.projtrack table.pt-table td.pt-num { text-align: right; font-variant-numeric: tabular-nums; }
.projtrack table.pt-table td.pt-date { white-space: nowrap; font-variant-numeric: tabular-nums; }
.projtrack table.pt-table tr.pt-critical td { color: #b3261e; font-weight: 600; }
.projtrack table.pt-table tr.pt-done td { color: #7b8794; }
.projtrack table.pt-table tr.pt-more td { color: #7b8794; font-style: italic; }
.projtrack .pt-sev-error { color: #b3261e; font-weight: 700; }
.projtrack .pt-sev-warning { color: #a15c00; font-weight: 700; }
.projtrack .pt-sev-info { color: #52606d; }
.projtrack .pt-muted { color: #7b8794; }
"""

Formatter = Callable[[Any], str]
_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?")


def format_value(value: Any) -> str:
    """Return a short text for a table cell (not escaped).

    Examples
    --------
    >>> from projtrack._display import format_value
    >>> format_value(pendulum.datetime(2024, 3, 4, 8, 0, tz="Asia/Shanghai"))
    '2024-03-04 08:00'
    >>> midnight = pendulum.datetime(2024, 3, 4, tz="Asia/Shanghai")
    >>> format_value(midnight), format_value(pendulum.Date(2024, 3, 4))
    ('2024-03-04', '2024-03-04')
    >>> format_value(float("nan")), format_value(None), format_value(2.0), format_value(1 / 3)
    ('', '', '2', '0.333')
    >>> format_value(2727.0), format_value(-12.5), format_value(1234.56)
    ('2,727', '-12.5', '1,234.6')
    >>> format_value(True), format_value(False), format_value(("a", "b")), format_value({"k": 1})
    ('yes', '', 'a, b', 'k=1')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, _dt.datetime):
        if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, _dt.timedelta):
        return f"{value.total_seconds() / 86400:.3g} d"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if math.isinf(value):
            return "∞" if value > 0 else "-∞"
        if value.is_integer():
            return f"{int(value):,}"
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.3g}"
    if hasattr(value, "item") and callable(value.item) and not isinstance(value, str):
        try:  # numpy scalars
            return format_value(value.item())
        except (TypeError, ValueError):  # pragma: no cover - odd array-likes
            return str(value)
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={format_value(v)}" for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(format_value(v) for v in value)
    return str(value)


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return (
        type(value).__module__ == "numpy"
        and hasattr(value, "dtype")
        and value.dtype.kind in "iuf"
    )


def html_table(
    records: Iterable[Mapping[str, Any]],
    columns: Sequence[str] | Mapping[str, str] | None = None,
    *,
    max_rows: int | None = 20,
    caption: str | None = None,
    formats: Mapping[str, Formatter] | None = None,
    row_class: Callable[[Mapping[str, Any]], str | None] | None = None,
    cell_class: Callable[[str, Any], str | None] | None = None,
    total: int | None = None,
    what: str = "rows",
) -> str:
    """Render records as an escaped, truncated HTML table.

    Parameters
    ----------
    records
        Dicts, one per row (e.g. ``Schedule.to_records()``).
    columns
        Keys to show, in order; a mapping gives ``{key: header}``. Default:
        the keys of the first record.
    max_rows
        Show at most this many rows and then a "... N more" row;
        ``None`` shows all.
    caption
        Optional caption (escaped).
    formats
        ``{key: function(value) -> text}`` overriding :func:`format_value`
        for a column; the text is escaped.
    row_class, cell_class
        Functions giving a CSS class for a row (from its record) or a cell
        (from its key and value); ``None`` for none. The stylesheet knows
        ``pt-critical``, ``pt-done``, ``pt-sev-error``, ``pt-sev-warning``
        and ``pt-sev-info``.
    total
        The number of records, when ``records`` is a lazy iterator that
        should not be consumed beyond ``max_rows`` (the "more" row uses it).
    what
        Noun for the "... N more" row.

    Returns
    -------
    str
        A ``<table class="pt-table">``; wrap it with :func:`html_block` to
        include the stylesheet.

    Examples
    --------
    >>> from projtrack._display import html_table
    >>> rows = [{"id": i, "critical": i % 2 == 0} for i in range(5)]
    >>> out = html_table(rows, {"id": "Activity"}, max_rows=2, what="activities",
    ...                  row_class=lambda r: "pt-critical" if r["critical"] else None)
    >>> "<th>Activity</th>" in out, out.count("<tr class=\\"pt-critical\\">")
    (True, 1)
    >>> out.split("<tr")[-1]
    ' class="pt-more"><td colspan="1">… 3 more activities (5 in all)</td></tr></tbody></table>'
    """
    esc = html.escape
    formats = dict(formats or {})
    shown: list[Mapping[str, Any]] = []
    count = 0
    for rec in records:
        count += 1
        if max_rows is None or len(shown) < max_rows:
            shown.append(rec)
        elif total is not None:
            break
    n = total if total is not None else count
    if columns is None:
        keys: list[str] = list(shown[0].keys()) if shown else []
        headers = keys
    elif isinstance(columns, Mapping):
        keys = list(columns.keys())
        headers = [columns[k] for k in keys]
    else:
        keys = list(columns)
        headers = keys
    parts = ['<table class="pt-table">']
    if caption:
        parts.append(f"<caption>{esc(caption)}</caption>")
    parts.append("<thead><tr>" + "".join(f"<th>{esc(str(h))}</th>" for h in headers))
    parts.append("</tr></thead><tbody>")
    for rec in shown:
        cls = row_class(rec) if row_class else None
        parts.append(f'<tr class="{esc(cls)}">' if cls else "<tr>")
        for key in keys:
            value = rec.get(key)
            text = formats[key](value) if key in formats else format_value(value)
            classes = []
            if _is_number(value):
                classes.append("pt-num")
            elif isinstance(value, _dt.date) or (
                isinstance(value, str) and _DATE_TEXT.fullmatch(value)
            ):
                classes.append("pt-date")
            extra = cell_class(key, value) if cell_class else None
            if extra:
                classes.append(extra)
            attr = f' class="{esc(" ".join(classes))}"' if classes else ""
            parts.append(f"<td{attr}>{esc(text)}</td>")
        parts.append("</tr>")
    if n > len(shown):
        parts.append(
            f'<tr class="pt-more"><td colspan="{max(len(keys), 1)}">'
            f"… {n - len(shown)} more {esc(what)} ({n} in all)</td></tr>"
        )
    parts.append("</tbody></table>")
    return "".join(parts)


def html_summary(
    items: Mapping[str, Any] | Iterable[tuple[str, Any]],
    *,
    title: str | None = None,
    keys: Mapping[str, str] | None = None,
) -> str:
    """Render ``label: value`` pairs as a small card (a ``<dl>``).

    Parameters
    ----------
    items
        Labels and values (values formatted by :func:`format_value`).
    title
        Optional heading.
    keys
        ``{label: key}``: those ``<dd>`` get ``data-key="key"`` so tests and
        scripts can find the numbers in the page.

    Examples
    --------
    >>> from projtrack._display import html_summary
    >>> html_summary({"Activities": 51}, keys={"Activities": "activities"})
    '<dl class="pt-card"><dt>Activities</dt><dd data-key="activities">51</dd></dl>'
    """
    esc = html.escape
    keys = dict(keys or {})
    pairs = items.items() if isinstance(items, Mapping) else items
    parts = []
    if title:
        parts.append(f'<div class="pt-title">{esc(title)}</div>')
    parts.append('<dl class="pt-card">')
    for label, value in pairs:
        key = keys.get(label)
        attr = f' data-key="{esc(key)}"' if key else ""
        parts.append(f"<dt>{esc(label)}</dt><dd{attr}>{esc(format_value(value))}</dd>")
    parts.append("</dl>")
    return "".join(parts)


def html_block(*parts: str, style: bool = True) -> str:
    """Wrap HTML parts in ``<div class="projtrack">``, with the stylesheet by default.

    Examples
    --------
    >>> from projtrack._display import html_block
    >>> out = html_block("<p>x</p>")
    >>> out.startswith('<div class="projtrack"><style>'), out.endswith("<p>x</p></div>")
    (True, True)
    """
    css = f"<style>{STYLE}</style>" if style else ""
    return f'<div class="projtrack">{css}{"".join(parts)}</div>'


_ACTIVITY_COLUMNS = {
    "id": "id",
    "name": "name",
    "name_zh": "name (zh)",
    "kind": "kind",
    "stage": "stage",
    "duration": "duration",
    "party": "party",
    "agency": "agency",
    "status": "status",
    "actual_start": "actual start",
    "actual_finish": "actual finish",
}


def _duration_text(act: Any) -> str:
    if act.kind == "milestone":
        return ""
    unit = {"d": "d", "h": "h", "ed": "ed", "eh": "eh"}[act.duration_unit]
    return f"{act.duration:g} {unit}"


def project_html(project: Project, *, max_rows: int = 20) -> str:
    """The rich (notebook) display of a project: a summary card and its activities.

    Examples
    --------
    >>> from projtrack._display import project_html
    >>> p = pt.Project(id="p", name="Demo <1>", start=pendulum.Date(2024, 3, 4),
    ...                activities=[pt.Activity(id=i, duration=2) for i in range(30)])
    >>> out = project_html(p, max_rows=10)
    >>> "Demo &lt;1&gt;" in out, out.count("<tr>") - 1, "20 more activities" in out
    (True, 10, True)
    """
    kinds = Counter(a.kind for a in project.activities)
    kind_text = ", ".join(f"{n} {k}{'s' if n != 1 else ''}" for k, n in sorted(kinds.items()))
    title = project.name or project.id
    if project.name_zh:
        title += f" ({project.name_zh})"
    items: list[tuple[str, Any]] = [("id", project.id), ("start", project.start)]
    if project.data_date is not None:
        items.append(("data date", project.data_date))
    if project.must_finish_by is not None:
        items.append(("must finish by", project.must_finish_by))
    items += [
        ("calendar", f"{project.calendar} ({project.timezone})"),
        ("activities", f"{len(project.activities)}" + (f" ({kind_text})" if kind_text else "")),
        ("links", len(project.links)),
        ("parties", len(project.parties)),
    ]
    if project.events:
        items.append(("events", len(project.events)))
    rows = (
        {
            "id": a.id,
            "name": a.name,
            "name_zh": a.name_zh,
            "kind": a.kind,
            "stage": a.stage,
            "duration": _duration_text(a),
            "party": a.party,
            "agency": a.agency,
            "status": a.status.replace("_", " "),
            "actual_start": a.actual_start,
            "actual_finish": a.actual_finish,
        }
        for a in project.activities
    )
    used = {
        key
        for key in ("name_zh", "stage", "party", "agency", "actual_start", "actual_finish")
        if any(getattr(a, key) not in (None, "") for a in project.activities)
    }
    columns = {
        k: v
        for k, v in _ACTIVITY_COLUMNS.items()
        if k in used or k in ("id", "name", "kind", "duration", "status")
    }
    table = html_table(
        rows,
        columns,
        max_rows=max_rows,
        total=len(project.activities),
        what="activities",
        row_class=lambda r: "pt-done" if r["status"] == "finished" else None,
    )
    return html_block(html_summary(items, title=title), table)
