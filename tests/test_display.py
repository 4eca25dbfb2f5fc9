"""Rich display (``_repr_html_``) and progress bars: notebook ergonomics without IPython."""

from __future__ import annotations

import io
import subprocess
import sys
from html.parser import HTMLParser
from typing import Any

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

import projtrack as pt
from projtrack._display import format_value, html_block, html_summary, html_table, project_html
from projtrack._progress import progress

VOID = {"br", "meta", "img", "hr", "input", "link", "col"}


class Cells(HTMLParser):
    """Collects the text of every <td>/<th> and checks that tags nest properly."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.cells: list[str] = []
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        self.stack.append(tag)
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()
        if tag in ("td", "th") and self._cell is not None:
            text = "".join(self._cell)
            self.cells.append(text)
            self.rows[-1].append(text)
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def parse(markup: str) -> Cells:
    parser = Cells()
    parser.feed(markup)
    parser.close()
    assert parser.stack == [], f"unclosed tags {parser.stack}"
    return parser


# --------------------------------------------------------------------------- tables


def test_table_escapes_and_formats() -> None:
    rows = [
        {"id": "<script>alert(1)</script>", "when": pendulum.datetime(2024, 3, 4, 8, 30,
                                                                      tz="Asia/Shanghai"),
         "float": float("nan"), "ok": True, "ids": ("a", "b")},
    ]
    out = html_table(rows)
    assert "<script>" not in out
    cells = parse(out).rows
    assert cells[0] == ["id", "when", "float", "ok", "ids"]
    assert cells[1] == ["<script>alert(1)</script>", "2024-03-04 08:30", "", "yes", "a, b"]


@given(
    st.lists(
        st.fixed_dictionaries({"a": st.text(max_size=20), "b": st.text(max_size=20)}),
        min_size=1, max_size=8,
    )
)
def test_any_text_round_trips_through_the_table(rows: list[dict[str, str]]) -> None:
    parsed = parse(html_table(rows, ["a", "b"], max_rows=None))
    assert parsed.rows[1:] == [[r["a"], r["b"]] for r in rows]


def test_table_truncates_with_a_count() -> None:
    rows = [{"n": i} for i in range(50)]
    parsed = parse(html_table(rows, max_rows=10, what="activities"))
    assert len(parsed.rows) == 1 + 10 + 1
    assert parsed.rows[-1] == ["… 40 more activities (50 in all)"]
    assert len(parse(html_table(rows, max_rows=None)).rows) == 51
    assert len(parse(html_table(rows[:10], max_rows=10)).rows) == 11  # nothing hidden


def test_table_does_not_consume_a_lazy_iterator_beyond_max_rows() -> None:
    seen = []

    def gen() -> Any:
        for i in range(1000):
            seen.append(i)
            yield {"n": i}

    out = html_table(gen(), max_rows=5, total=1000)
    assert "995 more" in out
    assert len(seen) <= 6


def test_table_column_headers_and_classes() -> None:
    out = html_table(
        [{"id": "a", "sev": "error", "x": 1}],
        {"id": "Activity", "sev": "Severity"},
        caption="Findings & notes",
        row_class=lambda r: "pt-critical",
        cell_class=lambda key, value: f"pt-sev-{value}" if key == "sev" else None,
    )
    parsed = parse(out)
    assert parsed.rows[0] == ["Activity", "Severity"]
    assert "<caption>Findings &amp; notes</caption>" in out
    assert '<tr class="pt-critical">' in out
    assert '<td class="pt-sev-error">error</td>' in out


def test_format_value() -> None:
    assert format_value(pendulum.Date(2024, 1, 2)) == "2024-01-02"
    assert format_value(pendulum.datetime(2024, 1, 2, tz="UTC")) == "2024-01-02"
    assert format_value(12345678.9) == "12,345,678.9"
    assert format_value(2727.0) == "2,727"
    assert format_value(float("inf")) == "∞"
    assert format_value(-0.5) == "-0.5"
    assert format_value(pendulum.duration(days=2)) == "2 d"
    np = pytest.importorskip("numpy")
    assert format_value(np.float64(2.5)) == "2.5"
    assert format_value(np.int64(3)) == "3"


def test_summary_card_and_block() -> None:
    out = html_block(html_summary([("A <b>", 1), ("Finish", pendulum.Date(2025, 6, 23))],
                                  title="T", keys={"Finish": "finish"}))
    parse(out)
    assert '<dd data-key="finish">2025-06-23</dd>' in out
    assert "A &lt;b&gt;" in out
    assert out.startswith('<div class="projtrack"><style>')


# --------------------------------------------------------------------------- objects


@pytest.fixture(scope="module")
def renhe() -> pt.Project:
    return pt.load("examples/renhe-road.yaml")


def test_project_repr_html(renhe: pt.Project) -> None:
    out = renhe._repr_html_()
    parsed = parse(out)
    assert "人和路旧城改造项目" in out
    assert parsed.rows[0][:3] == ["id", "name", "name (zh)"]
    # 20 activities shown, then a count of the rest
    assert len(parsed.rows) == 1 + 20 + 1
    assert parsed.rows[-1] == [f"… {len(renhe) - 20} more activities ({len(renhe)} in all)"]
    assert parsed.rows[1][0] == str(renhe.activities[0].id)
    kinds = {a.kind for a in renhe}
    assert all(k in out for k in kinds)


def test_small_project_shows_all_rows_and_only_used_columns() -> None:
    p = pt.Project(id="p", name="<Demo>", start=pendulum.Date(2024, 3, 4),
                   activities=[pt.Activity(id="a", duration=2), pt.Activity(id="b")])
    parsed = parse(project_html(p))
    assert parsed.rows[0] == ["id", "name", "kind", "duration", "status"]
    assert len(parsed.rows) == 3
    assert "&lt;Demo&gt;" in p._repr_html_()


def test_every_rich_display_escapes_names() -> None:
    p = pt.Project(
        id="p", name="<i>x</i>", start=pendulum.Date(2024, 3, 4),
        activities=[pt.Activity(id="a", name="<b>bold</b>", duration=2),
                    pt.Activity(id="b", duration=1)],
        links=[pt.Link(pred="a", succ="b"), pt.Link(pred="a", succ="b")],
    )
    for obj in (p, pt.schedule(p), pt.check(p)):
        out = obj._repr_html_()
        parse(out)
        assert "<b>bold</b>" not in out and "<i>x</i>" not in out


def test_rich_display_does_not_import_ipython() -> None:
    code = (
        "import sys, projtrack as pt\n"
        "p = pt.load('examples/renhe-road.yaml')\n"
        "p._repr_html_(); pt.schedule(p)._repr_html_(); pt.check(p)._repr_html_()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('IPython', 'ipykernel')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- progress


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_silent_when_not_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROJTRACK_PROGRESS", raising=False)
    stream = io.StringIO()
    assert list(progress(range(100), desc="work", file=stream, delay=0)) == list(range(100))
    assert stream.getvalue() == ""


def test_progress_draws_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROJTRACK_PROGRESS", raising=False)
    stream = FakeTerminal()
    bar = progress(range(30), desc="Reading projects", file=stream, delay=0)
    assert bar.active
    assert sum(bar) == sum(range(30))
    assert "Reading projects" in stream.getvalue()
    assert "/30" in stream.getvalue()  # tqdm redraws at most every 0.1 s; the total shows


def test_progress_default_stream_is_stderr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PROJTRACK_PROGRESS", raising=False)
    assert not progress(range(3)).active  # pytest's captured stderr is not a terminal
    list(progress(range(3), delay=0))
    assert capsys.readouterr().err == ""


def test_progress_environment_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROJTRACK_PROGRESS", "0")
    assert not progress(range(3), file=FakeTerminal()).active
    monkeypatch.setenv("PROJTRACK_PROGRESS", "1")
    stream = io.StringIO()
    bar = progress(range(3), file=stream, desc="forced", delay=0)
    assert bar.active
    list(bar)
    assert "forced" in stream.getvalue()
    # An explicit argument wins over the environment.
    assert not progress(range(3), file=stream, disable=True).active


def test_progress_manual_updates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROJTRACK_PROGRESS", raising=False)
    stream = FakeTerminal()
    with progress(total=4, desc="simulating", unit="run", file=stream, delay=0) as bar:
        for _ in range(4):
            bar.update()
    assert bar.n == 4
    assert "/4" in stream.getvalue()
    quiet = progress(total=2, file=io.StringIO())
    quiet.update(2)
    assert (quiet.n, len(quiet)) == (2, 2)
    with pytest.raises(TypeError, match="update"):
        list(quiet)


def test_every_rich_display_is_one_styled_table_renderer(renhe: pt.Project) -> None:
    """Projects, schedules, check reports and result tables all render through
    html_block + html_table: the same stylesheet, classes and truncation."""
    sched = pt.schedule(renhe)
    objects = [renhe, sched, pt.check(renhe), pt.compare(pt.baseline(renhe, name="now"), renhe),
               pt.collapsed_as_built(renhe, to="bc-start")]
    for obj in objects:
        out = obj._repr_html_()
        assert out.startswith('<div class="projtrack"><style>'), type(obj).__name__
        assert '<table class="pt-table">' in out, type(obj).__name__
        parse(out)
    out = sched._repr_html_(max_rows=5)
    critical = sum(r["critical"] for r in sched.to_records()[:5])
    assert out.count('<tr class="pt-critical">') == critical
    assert f"more activities ({len(renhe)} in all)" in out
