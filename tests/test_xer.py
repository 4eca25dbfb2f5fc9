"""Primavera P6 XER reader: tables, encodings, calendars, options, progress, errors."""

from __future__ import annotations

import os

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

import projtrack as pt
from projtrack.calendars import get_calendar
from projtrack.conformance import find_data_dir
from projtrack.interop.xer import (
    Where,
    calendar_from_clndr_data,
    parse_xer,
    read_xer,
    stored_results,
)

TZ = "Asia/Shanghai"


@pytest.fixture(scope="module")
def data_dir():
    found = find_data_dir()
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("conformance data missing under CI (../shared/conformance or "
                        "$PROJTRACK_CONFORMANCE_DIR)")
        pytest.skip("conformance data not available")
    return found


def xer(*tables: tuple[str, list[str], list[list[object]]], header: str = "ERMHDR\t22.12",
        end: bool = True, newline: str = "\r\n", encoding: str = "cp1252") -> bytes:
    """Build an XER file from (table, fields, rows)."""
    lines = [header]
    for name, fields, rows in tables:
        lines.append(f"%T\t{name}")
        lines.append("%F\t" + "\t".join(fields))
        for row in rows:
            lines.append("%R\t" + "\t".join("" if v is None else str(v) for v in row))
    if end:
        lines.append("%E")
    return (newline.join(lines) + newline).encode(encoding)


PROJECT_FIELDS = ["proj_id", "proj_short_name", "clndr_id", "plan_start_date",
                  "last_recalc_date", "plan_end_date", "critical_drtn_hr_cnt",
                  "critical_path_type"]
TASK_FIELDS = ["task_id", "proj_id", "wbs_id", "clndr_id", "task_code", "task_name",
               "task_type", "status_code", "target_drtn_hr_cnt", "remain_drtn_hr_cnt",
               "act_start_date", "act_end_date", "cstr_type", "cstr_date", "cstr_type2",
               "cstr_date2", "complete_pct_type", "phys_complete_pct", "suspend_date",
               "resume_date"]
PRED_FIELDS = ["task_pred_id", "task_id", "pred_task_id", "proj_id", "pred_proj_id",
               "pred_type", "lag_hr_cnt"]
CAL_FIELDS = ["clndr_id", "default_flag", "clndr_name", "proj_id", "base_clndr_id",
              "clndr_type", "day_hr_cnt", "clndr_data"]
WEEK_8_16 = ("(0||CalendarData()((0||DaysOfWeek()((0||1()())(0||2()((0||0(s|08:00|f|16:00)()))"
             ")(0||3()((0||0(s|08:00|f|16:00)())))(0||4()((0||0(s|08:00|f|16:00)())))"
             "(0||5()((0||0(s|08:00|f|16:00)())))(0||6()((0||0(s|08:00|f|16:00)())))"
             "(0||7()())))(0||Exceptions()((0||0(d|45293)())))))")  # 2024-01-01 off


def task(task_id: int, code: str, **kw: object) -> list[object]:
    values = {"task_id": task_id, "proj_id": 1, "wbs_id": None, "clndr_id": 7,
              "task_code": code, "task_name": kw.pop("name", code), "task_type": "TT_Task",
              "status_code": "TK_NotStart", "target_drtn_hr_cnt": 8,
              "remain_drtn_hr_cnt": None, **kw}
    return [values.get(f) for f in TASK_FIELDS]


def simple(tasks: list[list[object]], preds: list[list[object]] = (), *, extra=(),
           project: dict | None = None, **kw: object) -> bytes:
    prow = {"proj_id": 1, "proj_short_name": "P1", "clndr_id": 7,
            "plan_start_date": "2024-03-04 08:00", "last_recalc_date": "2024-03-04 08:00",
            **(project or {})}
    return xer(("PROJECT", PROJECT_FIELDS, [[prow.get(f) for f in PROJECT_FIELDS]]),
               ("CALENDAR", CAL_FIELDS, [[7, "Y", "Day 8-16", None, None, "CA_Base", 8,
                                          WEEK_8_16]]),
               *extra,
               ("TASK", TASK_FIELDS, tasks),
               ("TASKPRED", PRED_FIELDS, list(preds)), **kw)


# =========================================================================== basics


def test_activities_links_and_units_are_exact_hours():
    data = simple([task(10, "A100", target_drtn_hr_cnt=16), task(11, "A110",
                                                                 target_drtn_hr_cnt=4.5)],
                  [[1, 11, 10, 1, 1, "PR_SS", 2.25]])
    [p] = read_xer(data)
    a, b = p.activities
    assert (a.id, a.duration, a.duration_unit) == ("A100", 16, "h")
    assert (b.duration, b.duration_unit) == (4.5, "h")
    assert p.links == (pt.Link(pred="A100", succ="A110", type="SS", lag=2.25, lag_unit="h"),)
    assert p.calendar == "Day 8-16"
    assert p.data_date == pendulum.datetime(2024, 3, 4, 8, tz=TZ)
    assert p.start == pendulum.Date(2024, 3, 4)
    assert a.attrs["p6_task_id"] == "10"


def test_lf_and_crlf_files_read_the_same():
    tasks = [task(10, "A"), task(11, "B")]
    crlf = read_xer(simple(tasks, newline="\r\n"))
    lf = read_xer(simple(tasks, newline="\n"))
    assert crlf == lf


def test_timezone_argument_localises_dates():
    [p] = read_xer(simple([task(10, "A")]), timezone="Europe/Berlin")
    assert p.data_date == pendulum.datetime(2024, 3, 4, 8, tz="Europe/Berlin")
    with pytest.raises(pt.ImportFormatError, match="unknown time zone"):
        read_xer(simple([task(10, "A")]), timezone="Mars/Olympus")


@pytest.mark.parametrize(("p6", "model", "ms"), [
    ("TT_Mile", "milestone", "start"),
    ("TT_FinMile", "milestone", "finish"),
    ("TT_Task", "task", None),
    ("TT_Rsrc", "task", None),
    ("TT_LOE", "task", None),
])
def test_task_types(p6, model, ms):
    [p] = read_xer(simple([task(10, "A", task_type=p6, target_drtn_hr_cnt=0 if ms else 8)]))
    act = p.activities[0]
    assert (act.kind, act.milestone_type) == (model, ms)
    assert act.attrs["p6_task_type"] == p6


def test_milestone_with_a_stored_duration_keeps_it_in_attrs():
    [p] = read_xer(simple([task(10, "M", task_type="TT_FinMile", target_drtn_hr_cnt=8)]))
    assert p.activities[0].duration == 0
    assert p.activities[0].attrs["p6_target_drtn_hr_cnt"] == 8


# =========================================================================== encodings


def test_cp1251_is_detected_from_cyrillic_text():
    data = simple([task(10, "A", name="Задача 1 Монтаж опор"),
                   task(11, "B", name="Бетонирование фундамента")], encoding="cp1251")
    [p] = read_xer(data)
    assert [a.name for a in p.activities] == ["Задача 1 Монтаж опор", "Бетонирование фундамента"]
    assert p.attrs["xer_encoding"] == "cp1251"


def test_cp1252_is_detected_for_western_text():
    data = simple([task(10, "A", name="Démolition façade"),
                   task(11, "B", name="Straße und Brücke")], encoding="cp1252")
    [p] = read_xer(data)
    assert [a.name for a in p.activities] == ["Démolition façade", "Straße und Brücke"]
    assert p.attrs["xer_encoding"] == "cp1252"


def test_utf8_with_and_without_bom():
    data = simple([task(10, "A", name="基坑开挖")], encoding="utf-8")
    [p] = read_xer(data)
    [q] = read_xer(b"\xef\xbb\xbf" + data)
    assert p.activities[0].name == q.activities[0].name == "基坑开挖"
    assert p.attrs["xer_encoding"] == "utf-8"


def test_explicit_encoding_wins_and_bad_names_are_reported():
    data = simple([task(10, "A", name="Задача")], encoding="cp1251")
    [p] = read_xer(data, encoding="cp1251")
    assert p.activities[0].name == "Задача"
    with pytest.raises(pt.ImportFormatError, match="unknown encoding"):
        read_xer(data, encoding="klingon")
    with pytest.raises(pt.ImportFormatError, match="cannot be decoded as ascii") as err:
        read_xer(data, encoding="ascii")
    assert err.value.line is not None


# =========================================================================== calendars


def node(key: str, attrs: str = "", *children: str, sep: str = "") -> str:
    return f"(0||{key}({attrs})({sep.join(children)}))"


def test_calendar_variants():
    days = node(
        "DaysOfWeek", "",
        node("1"),
        node("2", "", node("0", "f|12:00|s|8:00"), node("1", "s|13:00|f|17:00")),
        node("3", "", node("0", "s|00:00|f|00:00")),
        node("7", "", node("0", "s|22:00|f|00:00"), node("1", "s|01:00|f|05:00")),
        sep="\x7f\x7f ",
    )
    exceptions = node("Exceptions", "", node("0", "d|45658"),
                      node("1", "d|45659", node("0", "s|09:00|f|12:00")))
    text = node("", "", days, node("VIEW", "ShowTotal|Y"), exceptions, sep="  ")
    cal = calendar_from_clndr_data("c", text, Where(None))
    # Monday first in the model; P6 numbers days from Sunday = 1.
    assert cal.work_week[0] == ((480, 720), (780, 1020))
    assert cal.work_week[1] == ((0, 1440),)            # f|00:00 is 24:00
    assert cal.work_week[5] == ((60, 300), (1320, 1440))  # sorted, Saturday
    assert cal.work_week[6] == ()                       # Sunday, no periods
    assert cal.work_week[2] == ()                       # days not listed are off
    assert [(e.start, e.hours) for e in cal.exceptions] == [
        (pendulum.Date(2025, 1, 1), ()), (pendulum.Date(2025, 1, 2), ((540, 720),))]


def test_empty_calendar_data_is_p6s_default_week():
    cal = calendar_from_clndr_data("c", "", Where(None))
    assert cal.work_week == (((480, 960),),) * 5 + ((), ())


@pytest.mark.parametrize("text", [
    "(0||CalendarData()((0||DaysOfWeek()((0||2()((0||0(s|08:00|f|16:00)()))))",  # unclosed
    "(0||CalendarData()((0||DaysOfWeek()((0||9()())))))",                        # weekday 9
    "(0||CalendarData()((0||DaysOfWeek()((0||2()((0||0(s|16:00|f|08:00)())))))))",
    "(0||CalendarData()((0||Exceptions()((0||0(d|x)())))))",
    "(0||CalendarData()((0||Exceptions()((0||0(d|99999999)())))))",
    "CalendarData",
    "(0||CalendarData()())(0||Other()())",
])
def test_bad_calendar_data_is_located(text):
    with pytest.raises(pt.ImportFormatError) as err:
        calendar_from_clndr_data("c", text, Where("f.xer", 12, "CALENDAR.clndr_data"))
    assert err.value.line == 12 and err.value.field == "CALENDAR.clndr_data"


def _clock(minutes: int, zero_pad: bool, finish: bool) -> str:
    if finish and minutes == 1440:
        return "00:00"
    h, m = divmod(minutes, 60)
    return f"{h:02d}:{m:02d}" if zero_pad else f"{h}:{m:02d}"


@st.composite
def p6_weeks(draw):
    week = []
    for _ in range(7):
        points = sorted(draw(st.sets(st.integers(0, 48), max_size=6)))
        if len(points) % 2:
            points = points[:-1]
        week.append(tuple((points[i] * 30, points[i + 1] * 30) for i in range(0, len(points), 2)))
    return week


@given(week=p6_weeks(), root=st.sampled_from(["CalendarData", ""]),
       swap=st.booleans(), pad=st.booleans(), space=st.sampled_from(["", " ", "\x7f\x7f  "]),
       holidays=st.sets(st.integers(40000, 50000), max_size=5))
def test_clndr_data_round_trip(week, root, swap, pad, space, holidays):
    """Whatever variant P6 writes, the calendar read back is the one written."""
    days = []
    for p6_day in range(1, 8):
        periods = week[(p6_day - 2) % 7]
        items = []
        for i, (s, f) in enumerate(periods):
            sa = f"s|{_clock(s, pad, False)}"
            fa = f"f|{_clock(f, pad, True)}"
            attrs = f"{fa}|{sa}" if swap else f"{sa}|{fa}"
            items.append(f"{space}(0||{i}({attrs})())")
        days.append(f"{space}(0||{p6_day}()({''.join(items)}))")
    exc = "".join(f"{space}(0||{i}(d|{d})())" for i, d in enumerate(sorted(holidays)))
    text = (f"(0||{root}()({space}(0||DaysOfWeek()({''.join(days)})){space}"
            f"(0||Exceptions()({exc})){space}))")
    cal = calendar_from_clndr_data("c", text, Where(None))
    expected = [tuple((s, f) for s, f in periods if f > s) for periods in week]
    merged = []
    for day in expected:
        out: list[list[int]] = []
        for s, f in day:
            if out and s <= out[-1][1]:
                out[-1][1] = max(out[-1][1], f)
            else:
                out.append([s, f])
        merged.append(tuple(tuple(x) for x in out))
    assert list(cal.work_week) == merged
    assert sorted(e.start.toordinal() - pendulum.Date(1899, 12, 30).toordinal()
                  for e in cal.exceptions) == sorted(holidays)


def test_resource_dependent_activity_uses_its_resource_calendar():
    night = ("(0||CalendarData()((0||DaysOfWeek()((0||2()((0||0(s|20:00|f|00:00)())))))))")
    data = xer(
        ("PROJECT", PROJECT_FIELDS, [[1, "P", 7, "2024-03-04 08:00", "2024-03-04 08:00", None,
                                      None, None]]),
        ("CALENDAR", CAL_FIELDS, [[7, "Y", "Day", None, None, "CA_Base", 8, WEEK_8_16],
                                  [8, "N", "Night crew", None, None, "CA_Rsrc", 4, night]]),
        ("RSRC", ["rsrc_id", "clndr_id"], [[50, 8]]),
        ("TASK", TASK_FIELDS, [task(10, "R", task_type="TT_Rsrc"), task(11, "T")]),
        ("TASKRSRC", ["taskrsrc_id", "task_id", "rsrc_id"], [[1, 10, 50], [2, 11, 50]]),
    )
    [p] = read_xer(data)
    assert p.activity("R").calendar == "Night crew"
    assert p.activity("R").attrs["p6_activity_calendar"] == "Day"
    assert p.activity("T").calendar == "Day"  # task-dependent: its own calendar


def test_project_calendars_of_other_projects_are_not_visible():
    data = xer(
        ("PROJECT", PROJECT_FIELDS, [[1, "P", 7, "2024-03-04 08:00", None, None, None, None],
                                     [2, "Q", 9, "2024-03-04 08:00", None, None, None, None]]),
        ("CALENDAR", CAL_FIELDS, [[7, "Y", "Global", None, None, "CA_Base", 8, WEEK_8_16],
                                  [9, "N", "Q only", 2, None, "CA_Project", 8, WEEK_8_16],
                                  [9 + 1, "N", "Global", None, None, "CA_Base", 8, WEEK_8_16]]),
    )
    p, q = read_xer(data)
    assert [c.name for c in p.calendars] == ["Global", "Global (10)"]
    assert [c.name for c in q.calendars] == ["Global", "Q only", "Global (10)"]
    assert q.calendar == "Q only"


# =========================================================================== options


@pytest.mark.parametrize(("row", "expected", "extra"), [
    ({"sched_calendar_on_relationship_lag": "rcal_Successor", "sched_float_type": "FT_SS"},
     {"lag_calendar": "successor", "float_type": "start"}, {}),
    ({"sched_calendar_on_relationship_lag": "rcal_24Hour", "sched_float_type": "FT_Min",
      "sched_open_critical_flag": "Y"},
     {"lag_calendar": "24h", "float_type": "smallest", "open_ends_critical": True}, {}),
    ({"sched_calendar_on_relationship_lag": "rcal_ProjDefault", "sched_retained_logic": "N",
      "sched_progress_override": "Y", "sched_lag_early_start_flag": "N"},
     {"lag_calendar": "project", "progress": "progress_override",
      "ss_lag_from": "actual_start"}, {}),
    ({"sched_retained_logic": "N", "sched_progress_override": "N",
      "sched_outer_depend_type": "SD_None", "sched_use_expect_end_flag": "Y"},
     {"progress": "retained_logic"},
     {"progress": "actual_dates", "external_links": "ignore", "use_expected_finish": True}),
])
def test_schedule_options(row, expected, extra):
    fields = ["schedoptions_id", "proj_id", *row]
    data = simple([task(10, "A")],
                  extra=[("SCHEDOPTIONS", fields, [[1, 1, *row.values()]])],
                  project={"critical_drtn_hr_cnt": 16, "critical_path_type": "CT_DrivPath"})
    [p] = read_xer(data)
    for key, value in expected.items():
        assert getattr(p.options, key) == value
    assert p.options.critical_path == "longest_path"
    assert p.options.critical_float == 2  # 16 h on an 8 h/day calendar
    for key, value in extra.items():
        assert p.attrs["p6_options"][key] == value


def test_unknown_option_value_is_located():
    data = simple([task(10, "A")], extra=[(
        "SCHEDOPTIONS", ["proj_id", "sched_float_type"], [[1, "FT_Weird"]])])
    with pytest.raises(pt.ImportFormatError, match="FT_Weird") as err:
        read_xer(data)
    assert err.value.field == "SCHEDOPTIONS.sched_float_type" and err.value.line == 10


# =========================================================================== constraints, progress


@pytest.mark.parametrize(("code", "model"), [
    ("CS_MSOA", "start_no_earlier_than"), ("CS_MSOB", "start_no_later_than"),
    ("CS_MEOA", "finish_no_earlier_than"), ("CS_MEOB", "finish_no_later_than"),
    ("CS_MSO", "start_on"), ("CS_MEO", "finish_on"), ("CS_MANDSTART", "mandatory_start"),
    ("CS_MANDFIN", "mandatory_finish"), ("CS_ALAP", "as_late_as_possible"),
])
def test_constraint_codes(code, model):
    [p] = read_xer(simple([task(10, "A", cstr_type=code, cstr_date="2024-03-06 16:00")]))
    [c] = p.activities[0].constraints
    assert c.type == model
    if model == "as_late_as_possible":
        assert c.date is None
    else:
        assert c.date == pendulum.datetime(2024, 3, 6, 16, tz=TZ)


def test_primary_and_secondary_constraints():
    [p] = read_xer(simple([task(10, "A", cstr_type="CS_MSOA", cstr_date="2024-03-05 08:00",
                                cstr_type2="CS_MEOB", cstr_date2="2024-03-08 16:00")]))
    assert [c.type for c in p.activities[0].constraints] == [
        "start_no_earlier_than", "finish_no_later_than"]


def test_progress_fields():
    [p] = read_xer(simple([
        task(10, "DONE", status_code="TK_Complete", remain_drtn_hr_cnt=0,
             act_start_date="2024-03-01 08:00", act_end_date="2024-03-01 16:00"),
        task(11, "HALF", status_code="TK_Active", target_drtn_hr_cnt=40, remain_drtn_hr_cnt=10,
             act_start_date="2024-03-01 08:00", complete_pct_type="CP_Drtn"),
        task(12, "PHYS", status_code="TK_Active", target_drtn_hr_cnt=40, remain_drtn_hr_cnt=30,
             act_start_date="2024-03-01 08:00", complete_pct_type="CP_Phys",
             phys_complete_pct=60),
        task(13, "TODO", remain_drtn_hr_cnt=8),
    ]))
    done, half, phys, todo = p.activities
    assert done.actual_finish == pendulum.datetime(2024, 3, 1, 16, tz=TZ)
    assert (done.percent_complete, done.status) == (100, "finished")
    assert (half.remaining_duration, half.percent_complete) == (10, 75)
    assert (phys.remaining_duration, phys.percent_complete) == (30, 60)
    assert todo.remaining_duration is None and todo.percent_complete is None


def test_suspended_and_resumed_work_goes_on_at_the_resume_date():
    # 40 h on an 8-16 calendar, 16 h done, suspended Tue 5 March, resumed Mon 11 March.
    [p] = read_xer(simple([
        task(11, "SUSP", status_code="TK_Active", target_drtn_hr_cnt=40, remain_drtn_hr_cnt=24,
             act_start_date="2024-03-04 08:00", suspend_date="2024-03-05 16:00",
             resume_date="2024-03-11 08:00"),
        task(12, "HELD", status_code="TK_Active", target_drtn_hr_cnt=40, remain_drtn_hr_cnt=24,
             act_start_date="2024-03-04 08:00", suspend_date="2024-03-05 16:00"),
    ], project={"last_recalc_date": "2024-03-06 08:00"}))
    susp, held = p.activities
    assert susp.resume == pendulum.datetime(2024, 3, 11, 8, tz=TZ)
    assert "p6_resume_date" not in susp.attrs and susp.attrs["p6_suspend_date"]
    assert held.resume is None and held.attrs["p6_suspend_date"] == "2024-03-05 16:00"
    s = pt.schedule(p)
    # Three 8 h days from the resume date; the unsuspended one goes on at the data date.
    assert s["SUSP"]["early_finish"] == pendulum.datetime(2024, 3, 13, 16, tz=TZ)
    assert s["HELD"]["early_finish"] == pendulum.datetime(2024, 3, 8, 16, tz=TZ)


def test_wbs_path_and_stage():
    wbs_fields = ["wbs_id", "proj_id", "parent_wbs_id", "proj_node_flag", "wbs_short_name",
                  "wbs_name"]
    data = simple([task(10, "A", wbs_id=3), task(11, "B", wbs_id=2), task(12, "C")],
                  extra=[("PROJWBS", wbs_fields, [[1, 1, None, "Y", "P1", "Renovation"],
                                                  [2, 1, 1, "N", "H1", "House 1"],
                                                  [3, 1, 2, "N", "F", "Foundations"]])])
    [p] = read_xer(data)
    a, b, c = p.activities
    assert (a.wbs, a.stage) == (("H1", "F"), "House 1")
    assert (b.wbs, b.stage) == (("H1",), "House 1")
    assert (c.wbs, c.stage) == ((), None)
    assert p.name == "Renovation"


# =========================================================================== several projects


def test_cross_project_links_are_kept_on_both_projects():
    data = xer(
        ("PROJECT", PROJECT_FIELDS, [[1, "P", 7, "2024-03-04 08:00", None, None, None, None],
                                     [2, "Q", 7, "2024-03-04 08:00", None, None, None, None]]),
        ("CALENDAR", CAL_FIELDS, [[7, "Y", "Day", None, None, "CA_Base", 8, WEEK_8_16]]),
        ("TASK", TASK_FIELDS, [task(10, "A100"), task(20, "A100", proj_id=2),
                               task(21, "A110", proj_id=2)]),
        ("TASKPRED", PRED_FIELDS, [[1, 20, 10, 2, 1, "PR_FS", 8], [2, 21, 20, 2, 2, "PR_FF", 0]]),
    )
    p, q = read_xer(data)
    external = {"pred": "A100", "pred_project": "P", "succ": "A100", "succ_project": "Q",
                "type": "FS", "lag": 8, "lag_unit": "h"}
    assert p.attrs["external_links"] == [external] == q.attrs["external_links"]
    assert p.links == ()
    assert q.links == (pt.Link(pred="A100", succ="A110", type="FF", lag=0, lag_unit="h"),)


def test_links_to_missing_tasks_are_reported():
    [p] = read_xer(simple([task(10, "A")], [[1, 10, 999, 1, 1, "PR_FS", 0]]))
    assert p.links == ()
    assert p.attrs["dangling_links"][0]["pred_task_id"] == "999"


# =========================================================================== errors


@pytest.mark.parametrize(("data", "line", "field", "message"), [
    (b"%T\tPROJECT\n", 1, None, "not an XER file"),
    (b"ERMHDR\t1\n%R\t1\n%E\n", 2, None, "before any %T"),
    (b"ERMHDR\t1\n%F\ta\n%E\n", 2, None, "%F comes before"),
    (b"ERMHDR\t1\n%T\tPROJECT\n%F\tproj_id\n%R\t1\t2\n%E\n", 4, "PROJECT", "2 values"),
    (b"ERMHDR\t1\n%T\tPROJECT\n%F\tproj_id\n%R\t1\n", 5, None, "truncated"),
    (b"ERMHDR\t1\n%T\tTASK\n%F\ttask_id\n%E\n", None, "PROJECT", "no PROJECT table"),
    (b"ERMHDR\t1\nhello\n%E\n", 2, None, "unexpected line"),
])
def test_structural_errors_name_the_line(data, line, field, message):
    with pytest.raises(pt.ImportFormatError, match=message) as err:
        parse_xer(data)
    assert err.value.line == line
    assert err.value.field == field


@pytest.mark.parametrize(("kw", "field", "message"), [
    ({"target_drtn_hr_cnt": "eight"}, "TASK.target_drtn_hr_cnt", "not a number"),
    ({"target_drtn_hr_cnt": "1e999"}, "TASK.target_drtn_hr_cnt", "not a finite number"),
    ({"target_drtn_hr_cnt": "1e12"}, "TASK.target_drtn_hr_cnt", "out of range"),
    ({"target_drtn_hr_cnt": "-8"}, "TASK.target_drtn_hr_cnt", "negative"),
    ({"act_start_date": "2024-13-45 08:00"}, "TASK.act_start_date", "not a valid date"),
    ({"act_start_date": "9999-01-01 08:00"}, "TASK.act_start_date", "outside the years"),
    ({"act_end_date": "2024-03-01 08:00"}, "TASK.act_start_date", "no actual start"),
    ({"cstr_type": "CS_WHENEVER", "cstr_date": "2024-03-01 08:00"}, "TASK.cstr_type",
     "CS_WHENEVER"),
    ({"cstr_type": "CS_MSOA"}, "TASK.cstr_date", "has no date"),
    ({"clndr_id": 99}, "TASK.clndr_id", "not in the CALENDAR table"),
    ({"task_code": ""}, "TASK.task_code", "no id"),
])
def test_value_errors_name_line_and_field(kw, field, message):
    with pytest.raises(pt.ImportFormatError, match=message) as err:
        read_xer(simple([task(10, "A"), task(11, "B", **kw)]))
    assert err.value.field == field
    assert err.value.line == 11  # the second TASK row


def test_duplicate_ids_and_cycles_are_located():
    with pytest.raises(pt.ImportFormatError, match="used twice") as err:
        read_xer(simple([task(10, "A"), task(11, "A")]))
    assert err.value.line == 11 and err.value.field == "TASK.task_code"
    with pytest.raises(pt.ImportFormatError, match="cycle") as err:
        read_xer(simple([task(10, "A"), task(11, "B")],
                        [[1, 11, 10, 1, 1, "PR_FS", 0], [2, 10, 11, 1, 1, "PR_FS", 0]]))
    assert err.value.line in (14, 15)
    assert err.value.field.startswith("TASKPRED")


def test_unknown_link_type_is_located():
    with pytest.raises(pt.ImportFormatError, match="PR_XX") as err:
        read_xer(simple([task(10, "A"), task(11, "B")], [[1, 11, 10, 1, 1, "PR_XX", 0]]))
    assert (err.value.line, err.value.field) == (14, "TASKPRED.pred_type")


# =========================================================================== the real files


def test_all_sample_files_read(data_dir):
    counts = {}
    for path in sorted((data_dir / "xer").glob("*.xer")):
        counts[path.name] = [(p.id, len(p.activities), len(p.links)) for p in read_xer(path)]
    assert counts["exupery-MDL4RA.xer"] == [("MDL4RA", 62, 87)]
    assert counts["exupery-MDL4D.xer"] == [("MDL4D", 62, 87)]
    assert counts["aspose-MultiprojectWithExternal.xer"] == [("TestProject", 1, 0),
                                                             ("TestProject2", 2, 0)]
    assert len(counts["aspose-ScheduleOptions.xer"]) == 4
    assert counts["mpxj-percent-complete-8.4.xer"] == [("EC00640", 12, 0)]


def test_mdl4ra_links_lags_and_options(data_dir):
    [p] = read_xer(data_dir / "xer" / "exupery-MDL4RA.xer")
    types = sorted(k.type for k in p.links)
    assert (types.count("FS"), types.count("SS"), types.count("FF")) == (70, 10, 7)
    assert sorted(k.lag for k in p.links if k.lag) == [248, 720, 720, 960]
    assert p.options.float_type == "finish" and p.options.lag_calendar == "predecessor"
    assert p.data_date == pendulum.datetime(2023, 7, 23, 8, tz=TZ)
    kinds = [a.milestone_type for a in p.activities if a.kind == "milestone"]
    assert (kinds.count("start"), kinds.count("finish")) == (6, 6)
    assert not any(a.constraints for a in p.activities)


def test_mdl4d_has_50_start_on_constraints(data_dir):
    [p] = read_xer(data_dir / "xer" / "exupery-MDL4D.xer")
    assert sum(1 for a in p.activities for c in a.constraints if c.type == "start_on") == 50


@pytest.mark.parametrize("name", ["exupery-MDL4RA.xer", "exupery-MDL4D.xer",
                                  "aspose-MultiprojectWithExternal.xer"])
def test_calendars_reproduce_p6_float(data_dir, name):
    """P6's stored total float equals the working hours EF->LF on the calendar we read."""
    path = data_dir / "xer" / name
    stored = stored_results(parse_xer(path))
    checked = 0
    for p in read_xer(path):
        for act in p.activities:
            row = stored[p.id][act.id]
            if row["total_float_hours"] is None:
                continue
            cal = get_calendar(act.calendar or p.calendar, p)
            hours = cal.working_between(row["early_finish"], row["late_finish"]).total_seconds()
            assert hours / 3600 == pytest.approx(row["total_float_hours"], abs=1e-9), act.id
            checked += 1
    assert checked >= 3


def test_multiproject_file(data_dir):
    p, q = read_xer(data_dir / "xer" / "aspose-MultiprojectWithExternal.xer")
    assert p.attrs["xer_encoding"] == "cp1251"
    assert p.activities[0].name == "Задача 1"
    assert p.data_date == pendulum.datetime(2023, 10, 6, tz=TZ)
    assert q.data_date == pendulum.datetime(2024, 5, 28, tz=TZ)
    [link] = q.attrs["external_links"]
    assert (link["pred"], link["pred_project"], link["succ"]) == ("A1000", "TestProject", "A1010")
    started = p.activities[0]
    assert started.status == "in_progress" and started.remaining_duration == 66


def test_schedule_options_file(data_dir):
    projects = read_xer(data_dir / "xer" / "aspose-ScheduleOptions.xer")
    assert sorted(p.options.lag_calendar for p in projects) == [
        "24h", "predecessor", "project", "successor"]
    assert {p.attrs["p6_options"]["external_links"] for p in projects} == {"ignore", "honour"}
    assert {p.options.open_ends_critical for p in projects} == {True, False}
    assert {p.attrs["p6_options"]["use_expected_finish"] for p in projects} == {True, False}


def test_encoding1251_calendars(data_dir):
    [p] = read_xer(data_dir / "xer" / "aspose-encoding1251.xer")
    assert len(p.calendars) == 5
    by_name = {c.name: c for c in p.calendars}
    seven = get_calendar("7x24", p)
    assert seven.working_between(pendulum.datetime(2023, 3, 6, tz=TZ),
                                 pendulum.datetime(2023, 3, 7, tz=TZ)).in_hours() == 22
    assert by_name["SANITISED"].hours_per_day == 10
    assert all(len(a.name) > 0 for a in p.activities)


def test_lag_calendar_fixtures(data_dir):
    expected = {"mpxj-PredecessorCalendar.xer": "predecessor",
                "mpxj-SuccessorCalendar.xer": "successor",
                "mpxj-ProjectDefaultCalendar.xer": "project",
                "mpxj-TwentyFourHourCalendar.xer": "24h"}
    for name, lag_calendar in expected.items():
        [p] = read_xer(data_dir / "xer" / name)
        assert p.options.lag_calendar == lag_calendar
        [act] = p.activities
        assert act.status == "finished"
        assert get_calendar(p.calendar, p).work_week[0] == ((480, 720), (780, 1020))


def test_percent_complete_fixture(data_dir):
    [p] = read_xer(data_dir / "xer" / "mpxj-percent-complete-8.4.xer")
    started = [a for a in p.activities if a.status == "in_progress"]
    assert len(started) == 9
    assert all(a.remaining_duration is not None for a in started)
    assert all(0 <= a.percent_complete <= 100 for a in started)


def test_cli_import_xer(tmp_path):
    from click.testing import CliRunner

    from projtrack.cli import cli

    data = xer(
        ("PROJECT", PROJECT_FIELDS, [[1, "P", 7, "2024-03-04 08:00", None, None, None, None],
                                     [2, "Q", 7, "2024-03-04 08:00", None, None, None, None]]),
        ("CALENDAR", CAL_FIELDS, [[7, "Y", "Day", None, None, "CA_Base", 8, WEEK_8_16]]),
        ("TASK", TASK_FIELDS, [task(10, "A"), task(20, "B", proj_id=2)]),
    )
    src = tmp_path / "two.xer"
    src.write_bytes(data)
    out = tmp_path / "q.yaml"
    runner = CliRunner()
    result = runner.invoke(cli, ["import", str(src), "-o", str(out)])
    assert result.exit_code == 1
    assert "holds 2 projects ('P', 'Q'); choose one with --project" in result.output
    result = runner.invoke(cli, ["import", str(src), "--project", "Q", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert pt.load(out) == read_xer(data)[1]
    result = runner.invoke(cli, ["import", str(src), "--project", "Z", "-o", str(out)])
    assert result.exit_code == 1 and "no project 'Z'" in result.output


def test_gc_pause_is_counted_across_threads() -> None:
    """Two reads in two threads: the collector stays paused until the last one ends,
    then comes back on; a caller that turned it off keeps it off."""
    import gc
    import threading

    from projtrack.interop._common import gc_paused

    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def first() -> None:
        with gc_paused():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with gc_paused():
            second_in.set()
            first_out.wait(5)
            seen["after the first left"] = gc.isenabled()
        seen["after both left"] = gc.isenabled()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == {"after the first left": False, "after both left": True}
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
