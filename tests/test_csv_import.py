"""CSV import for analysts: columns, aliases, encodings, inline predecessors, errors."""

from __future__ import annotations

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

import projtrack as pt
from projtrack.interop.csv import read_csv

TZ = "Asia/Shanghai"


def test_approvals_and_unknown_parties():
    data = "id,kind,duration,time_limit,agency\nP,approval,20,20,\nQ,approval,5,5,bureau\n"
    with pytest.raises(pt.ImportFormatError, match="unknown party 'bureau'") as err:
        read_csv(data.encode(), start="2024-03-01")
    assert (err.value.line, err.value.column, err.value.field) == (3, 5, "column 'agency'")
    p = read_csv(data.replace("bureau", "").encode(), start="2024-03-01")
    assert [(a.kind, a.time_limit) for a in p.activities] == [("approval", 20), ("approval", 5)]


def test_columns_and_values():
    data = (
        "ID,Name,名称,Duration,Calendar,Stage,WBS,Constraint,Constraint Date,"
        "Actual Start,Remaining Duration,Percent Complete,Milestone Type,Kind,Floor\n"
        "A,Dig,挖土,36h,7d,Build,Site / Pit,SNET,2024-03-05,2024/3/4 8:00,2,60%,,task,B2\n"
        "M,Topping out,,0,,,,,,,,,start,milestone,\n"
    ).encode()
    p = read_csv(data, start="2024-03-01")
    a, m = p.activities
    assert (a.id, a.name, a.name_zh, a.duration, a.duration_unit) == ("A", "Dig", "挖土", 36, "h")
    assert (a.calendar, a.stage, a.wbs) == ("7d", "Build", ("Site", "Pit"))
    assert a.constraints == (pt.Constraint("start_no_earlier_than", pendulum.Date(2024, 3, 5)),)
    assert a.actual_start == pendulum.datetime(2024, 3, 4, 8, tz=TZ)
    assert (a.remaining_duration, a.percent_complete) == (2, 60)
    assert a.attrs == {"Floor": "B2"}
    assert (m.kind, m.milestone_type) == ("milestone", "start")
    assert p.start == pendulum.Date(2024, 3, 1)


def test_links_file_and_inline_predecessors():
    acts = b"id,duration,predecessors\na,1,\nb,2,a\nc,3,a SS+2; b FF-1d\nd,1,c FS+16h\n"
    links = b"pred,succ,type,lag\nb,d,SF,3ed\n"
    p = read_csv(acts, links, start="2024-03-04")
    assert sorted((k.pred, k.succ, k.type, k.lag, k.lag_unit) for k in p.links) == [
        ("a", "b", "FS", 0, "d"), ("a", "c", "SS", 2, "d"), ("b", "c", "FF", -1, "d"),
        ("b", "d", "SF", 3, "ed"), ("c", "d", "FS", 16, "h")]


def test_chinese_headers_semicolons_and_gb18030():
    text = "编号;名称;工期;紧前工作\nA;基坑开挖;5;\nB;底板浇筑;3;A\n"
    p = read_csv(text.encode("gb18030"), start="2024-03-04")
    assert [(a.id, a.name_zh, a.duration) for a in p.activities] == [
        ("A", "基坑开挖", 5), ("B", "底板浇筑", 3)]
    assert p.links == (pt.Link(pred="A", succ="B"),)


def test_utf8_bom_tabs_and_blank_lines():
    text = "\ufeffid\tduration\n\nA\t2\n\nB\t3\n"
    p = read_csv(text.encode("utf-8"), start="2024-03-04")
    assert [a.id for a in p.activities] == ["A", "B"]


def test_start_is_inferred_from_the_earliest_date():
    data = b"id,actual_start,constraint,constraint_date\nA,2024-03-06,,\nB,,FNLT,2024-02-28\n"
    assert read_csv(data).start == pendulum.Date(2024, 2, 28)
    with pytest.raises(pt.ImportFormatError, match="pass start="):
        read_csv(b"id,duration\nA,1\n")


@pytest.mark.parametrize(("data", "line", "column", "field", "message"), [
    (b"id,duration\nA,five\n", 2, 2, "column 'duration'", "not a duration"),
    (b"id,duration\nA,1\nA,2\n", 3, 1, "column 'id'", "used twice"),
    (b"id,kind\nA,phase\n", 2, 2, "column 'kind'", "not one of"),
    (b"id,actual_start\nA,yesterday\n", 2, 2, "column 'actual_start'", "not a date"),
    (b"id,percent_complete\nA,150\n", 2, 2, "column 'percent_complete'", "above 100"),
    (b"id,constraint,constraint_date\nA,SOMETIME,2024-03-01\n", 2, 2, "column 'constraint'",
     "not one of"),
    (b"id,constraint_date\nA,2024-03-01\n", 2, 2, "column 'constraint_date'", "without"),
    (b"id,predecessors\nA,\nB,Z\n", 3, 2, "column 'predecessors'", "unknown activity 'Z'"),
    (b"id,predecessors\nA,B\nB,A\n", 3, 2, "column 'predecessors'", "cycle"),
    (b"id,duration\nA,1,extra\n", 2, None, None, "3 cells"),
    (b"id,duration\nA,99999999999\n", 2, 2, "column 'duration'", "out of range"),
    (b"id,duration\nA,1e999\n", 2, 2, "column 'duration'", "not a duration"),
    (b"name,duration\nA,1\n", 1, None, None, "no 'id' column"),
    (b"id,id\nA,B\n", 1, 2, "id", "appears twice"),
    (b"", 1, None, None, "empty"),
])
def test_errors_name_row_and_column(data, line, column, field, message):
    with pytest.raises(pt.ImportFormatError, match=message) as err:
        read_csv(data, start="2024-03-04")
    assert (err.value.line, err.value.column, err.value.field) == (line, column, field)


def test_link_file_errors_name_row_and_column():
    acts = b"id\nA\nB\n"
    with pytest.raises(pt.ImportFormatError, match="not one of") as err:
        read_csv(acts, b"pred,succ,type\nA,B,XX\n", start="2024-03-04")
    assert (err.value.line, err.value.column, err.value.field) == (2, 3, "column 'type'")
    with pytest.raises(pt.ImportFormatError, match="unknown activity 'C'") as err:
        read_csv(acts, b"pred,succ\nA,B\nA,C\n", start="2024-03-04")
    assert (err.value.line, err.value.field) == (3, "column 'succ'")
    with pytest.raises(pt.ImportFormatError, match="no 'succ' column"):
        read_csv(acts, b"pred,to_id\nA,B\n", start="2024-03-04")


def test_bad_encoding_and_arguments():
    with pytest.raises(pt.ImportFormatError, match="neither UTF-8 nor GB18030"):
        read_csv(b"id\n\x80\xff\xfe\n", start="2024-03-04")
    with pytest.raises(pt.ImportFormatError, match="unknown encoding"):
        read_csv(b"id\nA\n", start="2024-03-04", encoding="nope")
    with pytest.raises(pt.ImportFormatError, match="time zone"):
        read_csv(b"id\nA\n", start="2024-03-04", timezone="Nowhere/City")
    with pytest.raises(pt.ImportFormatError, match="cannot read"):
        read_csv("/nonexistent/acts.csv")


@given(st.lists(st.tuples(st.integers(0, 40), st.sampled_from(["", "h", "d", "ed", "eh"])),
                min_size=1, max_size=12))
def test_durations_and_chain_round_trip(rows):
    """Whatever durations a sheet holds, they come back with their units, linked in order."""
    lines = ["id,duration,predecessors"]
    for i, (value, unit) in enumerate(rows):
        lines.append(f"T{i},{value}{unit},{'' if i == 0 else f'T{i - 1}'}")
    p = read_csv("\n".join(lines).encode(), start="2024-03-04")
    assert [(a.duration, a.duration_unit) for a in p.activities] == [
        (value, unit or "d") for value, unit in rows]
    assert [(k.pred, k.succ) for k in p.links] == [(f"T{i - 1}", f"T{i}")
                                                   for i in range(1, len(rows))]


def test_cli_import_csv(tmp_path):
    from click.testing import CliRunner

    from projtrack.cli import cli

    acts = tmp_path / "acts.csv"
    acts.write_text("id,duration\nA,2\nB,3\n", encoding="utf-8")
    links = tmp_path / "links.csv"
    links.write_text("pred,succ\nA,B\n", encoding="utf-8")
    out = tmp_path / "p.yaml"
    result = CliRunner().invoke(cli, ["import", str(acts), "--links", str(links), "--start",
                                      "2024-03-04", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert pt.load(out) == read_csv(acts, links, start="2024-03-04", id="acts")
    bad = tmp_path / "bad.csv"
    bad.write_text("id,duration\nA,x\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", str(bad), "--start", "2024-03-04", "-o",
                                      str(out)])
    assert result.exit_code == 1
    assert "bad.csv:2:2: column 'duration'" in result.output
