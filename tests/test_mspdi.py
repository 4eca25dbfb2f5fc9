"""MS Project XML (MSPDI): reader, hostile XML, calendars, writer round trip."""

from __future__ import annotations

import datetime as dt
import os
import re
import xml.etree.ElementTree as ET

import attrs
import pendulum
import pytest
from hypothesis import HealthCheck, given, settings

import projtrack as pt
from projtrack.calendars import get_calendar
from projtrack.conformance import find_data_dir
from projtrack.interop.mspdi import mspdi_bytes, read_mspdi, stored_results, write_mspdi
from projtrack.testing.strategies import projects

TZ = "Asia/Shanghai"
NS = "{http://schemas.microsoft.com/project}"


@pytest.fixture(scope="module")
def data_dir():
    found = find_data_dir()
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("conformance data missing under CI")
        pytest.skip("conformance data not available")
    return found


STANDARD = """<Calendar><UID>1</UID><Name>Standard</Name><IsBaseCalendar>1</IsBaseCalendar>
<BaseCalendarUID>-1</BaseCalendarUID><WeekDays>
<WeekDay><DayType>1</DayType><DayWorking>0</DayWorking></WeekDay>
<WeekDay><DayType>2</DayType><DayWorking>1</DayWorking><WorkingTimes>
 <WorkingTime><FromTime>08:00:00</FromTime><ToTime>12:00:00</ToTime></WorkingTime>
 <WorkingTime><FromTime>13:00:00</FromTime><ToTime>17:00:00</ToTime></WorkingTime>
</WorkingTimes></WeekDay>
<WeekDay><DayType>3</DayType><DayWorking>1</DayWorking></WeekDay>
<WeekDay><DayType>4</DayType><DayWorking>1</DayWorking></WeekDay>
<WeekDay><DayType>5</DayType><DayWorking>1</DayWorking></WeekDay>
<WeekDay><DayType>6</DayType><DayWorking>1</DayWorking></WeekDay>
<WeekDay><DayType>7</DayType><DayWorking>0</DayWorking></WeekDay>
</WeekDays>{exceptions}</Calendar>"""


def doc(tasks: str = "", calendars: str | None = None, extra: str = "",
        exceptions: str = "", head: str = '<?xml version="1.0" encoding="UTF-8"?>') -> bytes:
    cals = STANDARD.format(exceptions=exceptions) if calendars is None else calendars
    return (f"""{head}
<Project xmlns="http://schemas.microsoft.com/project">
<Name>demo.xml</Name><StartDate>2024-03-04T08:00:00</StartDate>
<CalendarUID>1</CalendarUID><MinutesPerDay>480</MinutesPerDay>{extra}
<Calendars>{cals}</Calendars>
<Tasks>{tasks}</Tasks>
</Project>""").encode()


def task(uid: int, body: str = "", *, duration: str = "PT8H0M0S", fmt: int = 7) -> str:
    return (f"<Task><UID>{uid}</UID><Name>T{uid}</Name><Duration>{duration}</Duration>"
            f"<DurationFormat>{fmt}</DurationFormat>{body}</Task>")


def link(pred: int, kind: int = 1, lag: int = 0, fmt: int = 7) -> str:
    return (f"<PredecessorLink><PredecessorUID>{pred}</PredecessorUID><Type>{kind}</Type>"
            f"<LinkLag>{lag}</LinkLag><LagFormat>{fmt}</LagFormat></PredecessorLink>")


# =========================================================================== durations, lags


@pytest.mark.parametrize(("duration", "fmt", "value", "unit"), [
    ("PT0H1M0S", 3, 1 / 60, "h"),
    ("PT1H0M0S", 5, 1, "h"),
    ("PT8H0M0S", 7, 8, "h"),
    ("PT40H0M0S", 9, 40, "h"),
    ("PT160H0M0S", 11, 160, "h"),
    ("PT7H30M0S", 39, 7.5, "h"),
    ("PT0H1M0S", 4, 1 / 60, "eh"),
    ("PT1H0M0S", 6, 1, "eh"),
    ("PT24H0M0S", 8, 1, "ed"),
    ("PT36H0M0S", 8, 36, "eh"),
    ("PT168H0M0S", 10, 7, "ed"),
    ("PT720H0M0S", 12, 30, "ed"),
])
def test_duration_formats(duration, fmt, value, unit):
    p = read_mspdi(doc(task(1, duration=duration, fmt=fmt)))
    act = p.activities[0]
    assert (act.duration, act.duration_unit) == (pytest.approx(value), unit)
    assert act.attrs["duration_format"] == fmt


@pytest.mark.parametrize(("lag", "fmt", "value", "unit"), [
    (4800, 7, 8, "h"),
    (-4800, 7, -8, "h"),
    (24000, 9, 40, "h"),
    (600, 5, 1, "h"),
    (14400, 8, 1, "ed"),
    (600, 6, 1, "eh"),
    (72000, 10, 5, "ed"),
    (3000, 10, 5, "eh"),
])
def test_lag_formats(lag, fmt, value, unit):
    p = read_mspdi(doc(task(1) + task(2, link(1, 1, lag, fmt))))
    assert (p.links[0].lag, p.links[0].lag_unit) == (value, unit)


def test_percent_lags_become_a_share_of_the_predecessor_duration():
    p = read_mspdi(doc(task(1, duration="PT16H0M0S") + task(2, link(1, 1, 50, 19))
                       + task(3, link(1, 3, 50, 20))))
    by_succ = {k.succ: k for k in p.links}
    assert (by_succ[2].lag, by_succ[2].lag_unit) == (8, "h")      # 50 % of 16 working h
    assert (by_succ[3].lag, by_succ[3].lag_unit) == (24, "eh")     # 50 % of 2 d, elapsed
    notes = {(n["succ"], n["percent"]) for n in p.attrs["percent_lags"]}
    assert notes == {(2, 50), (3, 50)}


@pytest.mark.parametrize(("code", "kind"), [(0, "FF"), (1, "FS"), (2, "SF"), (3, "SS")])
def test_link_types(code, kind):
    p = read_mspdi(doc(task(1) + task(2, link(1, code))))
    assert p.links[0].type == kind


# =========================================================================== tasks


@pytest.mark.parametrize(("code", "model"), [
    (1, "as_late_as_possible"), (2, "start_on"), (3, "finish_on"),
    (4, "start_no_earlier_than"), (5, "start_no_later_than"),
    (6, "finish_no_earlier_than"), (7, "finish_no_later_than"),
])
def test_constraint_types(code, model):
    body = (f"<ConstraintType>{code}</ConstraintType>"
            "<ConstraintDate>2024-03-06T08:00:00</ConstraintDate>")
    [c] = read_mspdi(doc(task(1, body))).activities[0].constraints
    assert c.type == model
    assert c.date == (None if code == 1 else pendulum.datetime(2024, 3, 6, 8, tz=TZ))


def test_honor_constraints_makes_must_dates_mandatory_and_deadline_a_constraint():
    body = ("<ConstraintType>2</ConstraintType><ConstraintDate>2024-03-06T08:00:00"
            "</ConstraintDate>")
    p = read_mspdi(doc(task(1, body), extra="<HonorConstraints>1</HonorConstraints>"))
    assert p.activities[0].constraints[0].type == "mandatory_start"
    p = read_mspdi(doc(task(1, "<Deadline>2024-03-08T17:00:00</Deadline>")))
    [c] = p.activities[0].constraints
    assert (c.type, c.date) == ("finish_no_later_than", pendulum.datetime(2024, 3, 8, 17, tz=TZ))
    assert p.activities[0].attrs["deadline"] is True


def test_progress_and_manual_tasks():
    body = ("<Manual>1</Manual><PercentComplete>40</PercentComplete>"
            "<ActualStart>2024-03-04T08:00:00</ActualStart>"
            "<RemainingDuration>PT4H0M0S</RemainingDuration>")
    p = read_mspdi(doc(task(1, body) + task(2, "<PercentComplete>100</PercentComplete>"
                                             "<ActualStart>2024-03-04T08:00:00</ActualStart>"
                                             "<ActualFinish>2024-03-04T17:00:00</ActualFinish>")))
    a, b = p.activities
    assert a.attrs["manual"] is True
    assert (a.percent_complete, a.remaining_duration) == (40, 4)
    assert a.actual_start == pendulum.datetime(2024, 3, 4, 8, tz=TZ)
    assert b.status == "finished"


def test_summaries_blank_rows_and_outline():
    tasks = (
        "<Task><UID>0</UID><OutlineLevel>0</OutlineLevel><Summary>1</Summary></Task>"
        "<Task><UID>10</UID><Name>Phase 1</Name><OutlineLevel>1</OutlineLevel>"
        "<Summary>1</Summary></Task>"
        "<Task><UID>11</UID><Name>Block A</Name><OutlineLevel>2</OutlineLevel>"
        "<Summary>1</Summary></Task>"
        + task(1, "<OutlineLevel>3</OutlineLevel>")
        + "<Task><UID>5</UID><IsNull>1</IsNull></Task>"
        + task(2, "<OutlineLevel>2</OutlineLevel><Active>0</Active>")
        + task(3, "<OutlineLevel>1</OutlineLevel>" + link(10))
    )
    p = read_mspdi(doc(tasks))
    assert [a.id for a in p.activities] == [1, 3]
    assert (p.activity(1).wbs, p.activity(1).stage) == (("Phase 1", "Block A"), "Phase 1")
    assert p.activity(3).wbs == ()
    # a link from a summary task applies to its leaves
    assert [(k.pred, k.succ) for k in p.links] == [(1, 3)]
    assert p.attrs["summary_links"][0]["pred"] == 10
    assert p.attrs["skipped_tasks"] == {"2": "inactive"}


def test_no_status_date_means_the_project_start():
    p = read_mspdi(doc(task(1)))
    assert p.data_date == pendulum.datetime(2024, 3, 4, 8, tz=TZ)
    assert p.attrs["data_date_from"] == "StartDate"
    p = read_mspdi(doc(task(1), extra="<StatusDate>2024-03-05T17:00:00</StatusDate>"))
    assert p.data_date == pendulum.datetime(2024, 3, 5, 17, tz=TZ)


# =========================================================================== calendars


def test_default_hours_and_inheritance():
    cals = STANDARD.format(exceptions="") + (
        "<Calendar><UID>2</UID><Name>Crew</Name><IsBaseCalendar>0</IsBaseCalendar>"
        "<BaseCalendarUID>1</BaseCalendarUID><WeekDays><WeekDay><DayType>7</DayType>"
        "<DayWorking>1</DayWorking><WorkingTimes><WorkingTime><FromTime>09:00:00</FromTime>"
        "<ToTime>00:00:00</ToTime></WorkingTime></WorkingTimes></WeekDay></WeekDays>"
        "</Calendar>")
    p = read_mspdi(doc(task(1, "<CalendarUID>2</CalendarUID>"), calendars=cals))
    crew = get_calendar("Crew", p)
    assert p.activity(1).calendar == "Crew"
    assert crew.working_periods(pendulum.Date(2024, 3, 5)) == ((480, 720), (780, 1020))
    assert crew.working_periods(pendulum.Date(2024, 3, 9)) == ((540, 1440),)  # Saturday
    assert crew.working_periods(pendulum.Date(2024, 3, 10)) == ()
    assert get_calendar("Standard", p).minutes_per_day == 480


def _exception(name: str, first: str, last: str, type_: int, fields: str, working: str = "0"
               ) -> str:
    return (f"<Exception><EnteredByOccurrences>1</EnteredByOccurrences><TimePeriod>"
            f"<FromDate>{first}T00:00:00</FromDate><ToDate>{last}T23:59:00</ToDate>"
            f"</TimePeriod><Name>{name}</Name><Type>{type_}</Type>{fields}"
            f"<DayWorking>{working}</DayWorking></Exception>")


@pytest.mark.parametrize(("xml", "days"), [
    (_exception("range", "2024-05-01", "2024-05-05", 1, ""),
     ["2024-05-01", "2024-05-02", "2024-05-03", "2024-05-04", "2024-05-05"]),
    (_exception("every 3 days", "2024-05-01", "2024-05-10", 7, "<Period>3</Period>"),
     ["2024-05-01", "2024-05-04", "2024-05-07", "2024-05-10"]),
    (_exception("Mon+Wed fortnightly", "2024-01-01", "2024-01-17", 6,
                "<Period>2</Period><DaysOfWeek>10</DaysOfWeek>"),
     ["2024-01-01", "2024-01-03", "2024-01-15", "2024-01-17"]),
    (_exception("last Friday", "2024-01-01", "2024-03-29", 5,
                "<Period>1</Period><MonthItem>8</MonthItem><MonthPosition>4</MonthPosition>"),
     ["2024-01-26", "2024-02-23", "2024-03-29"]),
    (_exception("31st", "2024-01-01", "2024-03-31", 4, "<Period>1</Period><MonthDay>31</MonthDay>"),
     ["2024-01-31", "2024-02-29", "2024-03-31"]),
    (_exception("Christmas", "2024-01-01", "2026-12-25", 2,
                "<Month>11</Month><MonthDay>25</MonthDay>"),
     ["2024-12-25", "2025-12-25", "2026-12-25"]),
    (_exception("2nd weekday of June", "2024-01-01", "2025-06-03", 3,
                "<Month>5</Month><MonthItem>1</MonthItem><MonthPosition>1</MonthPosition>"),
     ["2024-06-04", "2025-06-03"]),
])
def test_recurring_exceptions(xml, days):
    p = read_mspdi(doc(task(1), exceptions=f"<Exceptions>{xml}</Exceptions>"))
    got = sorted(str(d) for e in p.calendars[0].exceptions for d in e.days())
    assert got == days


def test_legacy_exceptions_and_working_exceptions():
    legacy = STANDARD.format(exceptions="").replace(
        "</WeekDays>",
        "<WeekDay><DayType>0</DayType><DayWorking>1</DayWorking><TimePeriod>"
        "<FromDate>2024-03-09T00:00:00</FromDate><ToDate>2024-03-10T23:59:00</ToDate>"
        "</TimePeriod><WorkingTimes><WorkingTime><FromTime>10:00:00</FromTime>"
        "<ToTime>12:00:00</ToTime></WorkingTime></WorkingTimes></WeekDay></WeekDays>")
    p = read_mspdi(doc(task(1), calendars=legacy))
    [exc] = p.calendars[0].exceptions
    assert (exc.start, exc.end, exc.hours) == (pendulum.Date(2024, 3, 9),
                                               pendulum.Date(2024, 3, 10), ((600, 720),))


def test_tasks_with_several_resources_use_the_union_of_their_calendars():
    night = ("<Calendar><UID>2</UID><Name>Night</Name><IsBaseCalendar>1</IsBaseCalendar>"
             "<WeekDays>" + "".join(
                 f"<WeekDay><DayType>{d}</DayType><DayWorking>1</DayWorking><WorkingTimes>"
                 "<WorkingTime><FromTime>20:00:00</FromTime><ToTime>00:00:00</ToTime>"
                 "</WorkingTime></WorkingTimes></WeekDay>" for d in range(1, 8))
             + "</WeekDays></Calendar>")
    resources = ("<Resources><Resource><UID>1</UID><Type>1</Type><CalendarUID>1</CalendarUID>"
                 "</Resource><Resource><UID>2</UID><Type>1</Type><CalendarUID>2</CalendarUID>"
                 "</Resource></Resources><Assignments>"
                 "<Assignment><TaskUID>1</TaskUID><ResourceUID>1</ResourceUID></Assignment>"
                 "<Assignment><TaskUID>1</TaskUID><ResourceUID>2</ResourceUID></Assignment>"
                 "<Assignment><TaskUID>2</TaskUID><ResourceUID>2</ResourceUID></Assignment>"
                 "</Assignments>")
    data = doc(task(1) + task(2), calendars=STANDARD.format(exceptions="") + night)
    data = data.replace(b"</Project>", resources.encode() + b"</Project>")
    p = read_mspdi(data)
    assert p.activity(2).calendar == "Night"
    union = get_calendar(p.activity(1).calendar, p)
    assert p.activity(1).calendar == "Night + Standard"
    assert union.working_periods(pendulum.Date(2024, 3, 4)) == ((480, 720), (780, 1020),
                                                                (1200, 1440))
    assert union.working_periods(pendulum.Date(2024, 3, 10)) == ((1200, 1440),)


# =========================================================================== hostile XML


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<Project xmlns="http://schemas.microsoft.com/project"><Name>&lol9;</Name></Project>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Project [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Project><Name>&secret;</Name></Project>"""
PARAM = b"""<?xml version="1.0"?>
<!DOCTYPE Project [<!ENTITY % remote SYSTEM "http://example.invalid/x.dtd"> %remote;]>
<Project/>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE Project SYSTEM "http://example.invalid/project.dtd">
<Project/>"""


@pytest.mark.parametrize("data", [BOMB, XXE, PARAM, EXTERNAL_DTD])
def test_dtds_entities_and_external_references_are_refused(data):
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(pt.ImportFormatError, match="refused") as err:
            read_mspdi(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert err.value.line is not None
    assert peak < 5_000_000
    assert "root:" not in str(err.value)


@pytest.mark.parametrize(("data", "line", "message"), [
    (b"<Project><Name>x</Name>\n<Tasks><Task></Tasks></Project>", 2, "not well-formed"),
    (b"<Foo/>", 1, "not <Project>"),
    (doc(task(1, "<ActualFinish>2024-03-04T17:00:00</ActualFinish>")), 18, "ActualStart"),
    (doc(task(1, duration="P1Y")), 18, "not a duration"),
    (doc(task(1, duration="PT99999999999999H")), 18, "out of range"),
    (doc(task(1, "<ConstraintType>4</ConstraintType>")), 18, "ConstraintDate"),
    (doc(task(1) + task(1)), 18, "used twice"),
    (doc(task(1, link(2)) + task(2, link(1))), 18, "cycle"),
    (doc(task(1, "<CalendarUID>42</CalendarUID>")), 18, "calendar 42"),
])
def test_errors_name_the_line(data, line, message):
    with pytest.raises(pt.ImportFormatError, match=message) as err:
        read_mspdi(data)
    assert err.value.line == line


# =========================================================================== writer


def _round_trip(project: pt.Project) -> pt.Project:
    return read_mspdi(mspdi_bytes(project))


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(projects(max_activities=8))
def test_write_read_round_trip(project):
    assert _round_trip(project) == project


def test_round_trip_through_a_file(tmp_path):
    project = pt.load("examples/renhe-road.yaml")
    target = tmp_path / "renhe.xml"
    write_mspdi(project, target)
    assert read_mspdi(target) == project


def test_written_file_is_plain_mspdi():
    project = pt.Project(
        id="demo", start=pendulum.Date(2024, 3, 4), calendar="standard",
        activities=[pt.Activity(id="dig", name="Dig", duration=2),
                    pt.Activity(id="pour", name="Pour", duration=12, duration_unit="h",
                                constraints=[pt.Constraint("start_no_earlier_than",
                                                           pendulum.Date(2024, 3, 6))]),
                    pt.Activity(id="done", kind="milestone")],
        links=[pt.Link(pred="dig", succ="pour", type="SS", lag=1),
               pt.Link(pred="pour", succ="done", lag=3, lag_unit="eh")])
    root = ET.fromstring(mspdi_bytes(project))
    tasks = root.find(f"{NS}Tasks").findall(f"{NS}Task")
    assert [t.findtext(f"{NS}UID") for t in tasks] == ["0", "1", "2", "3"]
    dig, pour, done = tasks[1:]
    assert dig.findtext(f"{NS}Duration") == "PT16H0M0S"
    assert pour.findtext(f"{NS}DurationFormat") == "5"
    assert pour.findtext(f"{NS}ConstraintType") == "4"
    assert done.findtext(f"{NS}Milestone") == "1"
    pl = pour.find(f"{NS}PredecessorLink")
    assert (pl.findtext(f"{NS}PredecessorUID"), pl.findtext(f"{NS}Type"),
            pl.findtext(f"{NS}LinkLag"), pl.findtext(f"{NS}LagFormat")) == ("1", "3", "4800", "7")
    pl = done.find(f"{NS}PredecessorLink")
    assert (pl.findtext(f"{NS}LinkLag"), pl.findtext(f"{NS}LagFormat")) == ("1800", "6")
    cal = root.find(f"{NS}Calendars").find(f"{NS}Calendar")
    assert cal.findtext(f"{NS}Name") == "standard"


# Element order of the Project 2007 schema (mspdi_pj12.xsd) for what the writer emits.
PROJECT_ORDER = ["SaveVersion", "Name", "Title", "ScheduleFromStart", "StartDate",
                 "FinishDate", "CriticalSlackLimit",
                 "CurrencyCode", "CalendarUID", "DefaultStartTime",
                 "DefaultFinishTime", "MinutesPerDay", "MinutesPerWeek", "DaysPerMonth",
                 "DurationFormat", "HonorConstraints", "StatusDate", "ExtendedAttributes",
                 "Calendars", "Tasks"]
TASK_ORDER = ["UID", "ID", "Name", "Type", "IsNull", "WBS", "OutlineNumber", "OutlineLevel",
              "Start", "Finish", "Duration", "DurationFormat", "Resume", "Estimated", "Milestone",
              "Summary", "Critical", "EarlyStart", "EarlyFinish", "LateStart", "LateFinish",
              "FreeSlack", "TotalSlack", "PercentComplete", "ActualStart", "ActualFinish",
              "ActualDuration", "RemainingDuration", "ConstraintType", "CalendarUID",
              "ConstraintDate", "Deadline", "Notes", "PredecessorLink", "ExtendedAttribute"]
CALENDAR_ORDER = ["UID", "Name", "IsBaseCalendar", "IsBaselineCalendar", "BaseCalendarUID",
                  "WeekDays", "Exceptions"]
EXCEPTION_ORDER = ["EnteredByOccurrences", "TimePeriod", "Occurrences", "Name", "Type",
                   "DayWorking", "WorkingTimes"]


def _in_order(elem: ET.Element, order: list[str]) -> bool:
    tags = [c.tag.replace(NS, "") for c in elem]
    positions = [order.index(t) for t in tags]
    return positions == sorted(positions)


def test_written_elements_follow_the_schema_order(data_dir):
    project = pt.read_xer(data_dir / "xer" / "exupery-MDL4D.xer")[0]
    first = attrs.evolve(project.activities[0], description="note", percent_complete=10,
                         actual_start=pendulum.datetime(2023, 7, 20, 8, tz=TZ),
                         remaining_duration=4)
    project = project.replace(activities=[first, *project.activities[1:]])
    root = ET.fromstring(mspdi_bytes(project))
    assert _in_order(root, PROJECT_ORDER)
    for t in root.find(f"{NS}Tasks"):
        assert _in_order(t, TASK_ORDER)
    for c in root.find(f"{NS}Calendars"):
        assert _in_order(c, CALENDAR_ORDER)
        for e in c.iter(f"{NS}Exception"):
            assert _in_order(e, EXCEPTION_ORDER)


def test_edits_made_in_ms_project_win_over_stored_values():
    project = pt.Project(id="p", start=pendulum.Date(2024, 3, 4),
                         activities=[pt.Activity(id="a", name_zh="挖土", duration=2),
                                     pt.Activity(id="b", duration=1)],
                         links=[pt.Link(pred="a", succ="b")])
    text = mspdi_bytes(project).decode()
    # someone changes task 1's duration to 3 days in MS Project
    edited = text.replace("<Duration>PT16H0M0S</Duration>", "<Duration>PT24H0M0S</Duration>", 1)
    assert edited != text
    back = read_mspdi(edited.encode())
    a = back.activity("a")
    assert (a.duration, a.duration_unit) == (24, "h")   # the XML value stands
    assert a.name_zh == "挖土"                          # untouched values come back
    assert back.links == project.links                  # ids restored in links too


def test_control_characters_do_not_break_the_xml():
    project = pt.Project(id="p", start=pendulum.Date(2024, 3, 4),
                         activities=[pt.Activity(id=1, name="bad\x01name\r\n")])
    data = mspdi_bytes(project)
    ET.fromstring(data)  # well-formed
    assert read_mspdi(data) == project


def test_stored_timezone_is_used_unless_overridden():
    project = pt.Project(id="p", start=pendulum.Date(2024, 3, 4), timezone="Europe/Berlin",
                         data_date=pendulum.datetime(2024, 3, 4, 9, tz="Europe/Berlin"),
                         activities=[pt.Activity(id=1)])
    data = mspdi_bytes(project)
    assert read_mspdi(data) == project
    assert read_mspdi(data, timezone="UTC").timezone == "UTC"


# =========================================================================== the real files


def test_sample_files_read_and_round_trip(data_dir):
    for path in sorted((data_dir / "mspdi").glob("*.xml")):
        project = read_mspdi(path)
        assert _round_trip(project) == project, path.name


def test_sample_relations_file(data_dir):
    p = read_mspdi(data_dir / "mspdi" / "mpxj-mspdirelations.xml")
    assert [a.id for a in p.activities] == [1, 2, 3, 4, 5]
    assert sorted((k.pred, k.succ, k.type, k.lag) for k in p.links) == [
        (1, 2, "FS", 0), (2, 3, "SS", 8), (3, 4, "FF", 0), (4, 5, "SF", 0)]


def test_sample_legacy_lead_and_constraints(data_dir):
    p = read_mspdi(data_dir / "mspdi" / "mpxj-legacy-sample.xml")
    assert {k.lag for k in p.links} == {0, 8, -8}
    snet = [a for a in p.activities for c in a.constraints if c.type == "start_no_earlier_than"]
    assert len(snet) == 4


def test_sample_recurring_exceptions_match_ms_projects_own_expansion(data_dir):
    """The file lists every exception day twice: as rules and expanded (DayType 0)."""
    path = data_dir / "mspdi" / "mpxj-calendar-recurring-exceptions-project2016-mspdi.xml"
    p = read_mspdi(path)
    ours = {d: e.hours for e in p.calendars[0].exceptions for d in e.days()}
    root = ET.parse(path).getroot()
    legacy = {}
    for wd in root.find(f"{NS}Calendars")[0].find(f"{NS}WeekDays"):
        if wd.findtext(f"{NS}DayType") != "0":
            continue
        tp = wd.find(f"{NS}TimePeriod")
        first = dt.date.fromisoformat(tp.findtext(f"{NS}FromDate")[:10])
        last = dt.date.fromisoformat(tp.findtext(f"{NS}ToDate")[:10])
        working = wd.findtext(f"{NS}DayWorking") == "1"
        while first <= last:
            legacy[first] = working
            first += dt.timedelta(days=1)
    assert len(legacy) == 140
    assert {dt.date(d.year, d.month, d.day): bool(h) for d, h in ours.items()} == legacy


def test_sample_calendar_inheritance(data_dir):
    p = read_mspdi(data_dir / "mspdi" / "mpxj-calendar-calendars-project2019-mspdi.xml")
    bases = {c.name: c.base for c in p.calendars}
    assert bases == {"Standard": None, "Calendar1": None, "Calendar2": None,
                     "Resource One": "Standard", "Resource Two": "Standard"}
    assert get_calendar("Resource One", p).work_week == get_calendar("Standard", p).work_week


def test_sample_manual_tasks_are_flagged(data_dir):
    p = read_mspdi(data_dir / "mspdi" / "mpxj-task-links-project2019-mspdi.xml")
    assert p.activities and all(a.attrs.get("manual") for a in p.activities)


def test_sample_slack_matches_our_calendars(data_dir):
    """MS Project's TotalSlack is the working time EF->LF on the calendars we read."""
    for name in ("mpxj-legacy-sample.xml", "mpxj-task-links-project2010-mspdi.xml",
                 "mpxj-mspdirelations.xml", "mpxj-legacy-caltest.xml"):
        path = data_dir / "mspdi" / name
        p = read_mspdi(path)
        stored = stored_results(path)
        for act in p.activities:
            row = stored[act.id]
            cal = get_calendar(act.calendar or p.calendar, p)
            minutes = cal.working_between(row["early_finish"], row["late_finish"])
            assert minutes.total_seconds() / 60 == row["total_slack_minutes"], (name, act.id)


def test_stored_results_skip_summaries(data_dir):
    stored = stored_results(data_dir / "mspdi" / "mpxj-legacy-sample.xml")
    assert 0 not in stored and 1 not in stored
    assert stored[3]["total_slack_minutes"] == 24000


def test_writer_keeps_element_text_readable():
    project = pt.Project(id="p", start=pendulum.Date(2024, 3, 4),
                         activities=[pt.Activity(id="x", name="Dig <deep> & wide")])
    text = mspdi_bytes(project).decode()
    assert re.search(r"<Name>Dig &lt;deep&gt; &amp; wide</Name>", text)


def test_cli_export_and_import(tmp_path):
    from click.testing import CliRunner

    from projtrack.cli import cli

    runner = CliRunner()
    out = tmp_path / "renhe.xml"
    result = runner.invoke(cli, ["export", "examples/renhe-road.yaml", "--to", "mspdi", "-o",
                                 str(out)])
    assert result.exit_code == 0, result.output
    assert read_mspdi(out) == pt.load("examples/renhe-road.yaml")
    assert b"<EarlyStart>" in out.read_bytes()
    back = tmp_path / "back.yaml"
    result = runner.invoke(cli, ["import", str(out), "-o", str(back)])
    assert result.exit_code == 0, result.output
    assert pt.load(back) == pt.load("examples/renhe-road.yaml")
    bad = tmp_path / "bad.xml"
    bad.write_bytes(BOMB)
    result = runner.invoke(cli, ["import", str(bad), "-o", str(back)])
    assert result.exit_code == 1
    assert "refused" in result.output and "Traceback" not in result.output


# =========================================================================== split tasks


def _assignment(task_uid: int, periods: list[tuple[str, str, str | None]]) -> str:
    rows = "".join(
        f"<TimephasedData><Type>1</Type><UID>1</UID><Start>{a}</Start><Finish>{b}</Finish>"
        f"<Unit>2</Unit>{'' if v is None else f'<Value>{v}</Value>'}</TimephasedData>"
        for a, b, v in periods)
    return (f"<Assignment><UID>{task_uid}</UID><TaskUID>{task_uid}</TaskUID>"
            f"<ResourceUID>-65535</ResourceUID>{rows}</Assignment>")


def _day(d: int, value: str | None) -> tuple[str, str, str | None]:
    return (f"2024-03-{d:02d}T08:00:00", f"2024-03-{d + 1:02d}T08:00:00", value)


def test_split_read_from_timephased_work():
    # Mon 4 .. Tue 5 work, Wed 6 - Thu 7 idle (two working days), Fri 8 work,
    # Sat/Sun no value, Mon 11 idle, Tue 12 work: 24 h of work, two pauses.
    days = [_day(4, "PT8H0M0S"), _day(5, "PT8H0M0S"), _day(6, "PT0H0M0S"),
            _day(7, "PT0H0M0S"), _day(8, "PT8H0M0S"), _day(9, None), _day(10, None),
            _day(11, "PT0H0M0S"), _day(12, "PT8H0M0S"), _day(13, "PT0H0M0S")]
    xml = doc(task(1, duration="PT32H0M0S"),
              extra="").replace(b"</Tasks>", b"</Tasks><Assignments>"
                                + _assignment(1, days).encode() + b"</Assignments>")
    act = read_mspdi(xml).activity(1)
    # The trailing idle day (13th) is after the last work: not a split.
    assert act.splits == (pt.Split(after=16, pause=16), pt.Split(after=24, pause=8))
    s = pt.schedule(read_mspdi(xml))
    # 32 h of work + 24 h of pauses = 7 working days: the end of the last work (Tue 12).
    assert s[1]["early_finish"] == pendulum.datetime(2024, 3, 12, 17, tz=TZ)


def test_splits_skip_idle_time_another_assignment_works():
    days = [_day(4, "PT8H0M0S"), _day(5, "PT0H0M0S"), _day(6, "PT8H0M0S")]
    other = [_day(5, "PT8H0M0S")]
    xml = doc(task(1, duration="PT24H0M0S")).replace(
        b"</Tasks>", b"</Tasks><Assignments>" + _assignment(1, days).encode()
        + _assignment(1, other).replace("<UID>1</UID>", "<UID>2</UID>", 1).encode()
        + b"</Assignments>")
    assert read_mspdi(xml).activity(1).splits == ()


def test_unreadable_timephased_times_drop_that_tasks_splits_only():
    days = [_day(4, "PT8H0M0S"), ("2024-03-05T08:-0:00", "2024-03-06T08:00:00", "PT0H0M0S"),
            _day(6, "PT8H0M0S")]
    xml = doc(task(1, duration="PT16H0M0S")).replace(
        b"</Tasks>", b"</Tasks><Assignments>" + _assignment(1, days).encode()
        + b"</Assignments>")
    p = read_mspdi(xml)
    assert p.activity(1).splits == ()
    assert p.attrs["timephased_unreadable"] == [1]


def test_sample_split_tasks(data_dir):
    # Worked out by hand from the file's timephased work (8 h days, Mon-Fri):
    # task 1 works 21, 22, 25, 26 Sep (32 h), idles 27-29 Sep (24 h), then 48 h;
    # task 2 works 24 h, idles 26-27 Sep (16 h), works 40 h, idles 5, 6 and 9 Oct
    # (24 h: no work over the weekend between), then 56 h.
    p = read_mspdi(data_dir / "mspdi" / "mpxj-mspdisplittask.xml")
    assert p.activity(1).splits == (pt.Split(32, 24),)
    assert p.activity(2).splits == (pt.Split(24, 16), pt.Split(64, 24))
    assert _round_trip(p) == p


# ------------------------------------------------------------ the schedule in the file


def _written_uids(project: pt.Project) -> dict[object, int]:
    ids = [a.id for a in project.activities]
    if all(isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**31 for i in ids):
        return {i: i for i in ids}
    return {i: n for n, i in enumerate(ids, start=1)}


def _assert_file_holds_schedule(project: pt.Project, data: bytes, sched: pt.Schedule) -> None:
    stored = stored_results(data, timezone=project.timezone)
    uids = _written_uids(project)
    for k, (act, row) in enumerate(zip(project.activities, sched, strict=True)):
        got = stored[uids[act.id]]
        what = f"{act.id!r} ({row['status']})"
        if row["status"] == "finished":
            assert got["early_start"] == got["late_start"] == got["start"], what
            assert got["early_finish"] == got["late_finish"] == got["finish"], what
            assert got["total_slack_minutes"] is None and got["critical"] is False, what
            continue
        if row["status"] == "not_started":
            assert got["start"] == got["early_start"] == row["early_start"], what
            assert got["late_start"] == row["late_start"], what
        else:
            assert got["early_start"] == got["late_start"] == got["start"], what
            assert got["start"] is not None, what
        assert got["finish"] == got["early_finish"] == row["early_finish"], what
        assert got["late_finish"] == row["late_finish"], what
        assert got["total_slack_minutes"] == sched.total_float_minutes[k], what
        assert got["free_slack_minutes"] == sched.free_float_minutes[k], what
        assert got["critical"] == bool(row["critical"]), what


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(projects())
def test_the_file_holds_the_computed_schedule(project: pt.Project) -> None:
    try:
        sched = pt.schedule(project)
    except pt.CalendarError:  # cn beyond its holiday data: covered below
        return
    data = mspdi_bytes(project)
    _assert_file_holds_schedule(project, data, sched)
    assert read_mspdi(data) == project


def test_a_file_with_progress_is_written_with_its_schedule(data_dir) -> None:
    project = read_mspdi(data_dir / "mspdi" / "mpxj-mspditimephased.xml")
    sched = pt.schedule(project)
    assert {r["status"] for r in sched} >= {"finished", "in_progress", "not_started"}
    data = mspdi_bytes(project, schedule=sched)
    _assert_file_holds_schedule(project, data, sched)
    root = ET.fromstring(data)
    finish = root.findtext(f"{NS}FinishDate")
    assert finish == sched.finish.in_timezone(project.timezone).strftime("%Y-%m-%dT%H:%M:%S")


def test_logic_only_when_asked_or_when_the_schedule_cannot_be_computed(tmp_path) -> None:
    # cn has holiday data for the years chinesecalendar covers (to 2026 in 1.11):
    # a schedule that runs into a year without data cannot be computed.
    far = pt.Project(id="far", start=pendulum.Date(2026, 12, 1), calendar="cn",
                     activities=[pt.Activity(id="a", duration=400)])
    with pytest.raises(pt.CalendarError) as info:
        write_mspdi(far, tmp_path / "far.xml")
    assert any("schedule=False" in note for note in info.value.__notes__)
    assert not (tmp_path / "far.xml").exists()
    write_mspdi(far, tmp_path / "far.xml", schedule=False)
    root = ET.parse(tmp_path / "far.xml").getroot()
    assert root.find(f"{NS}FinishDate") is None
    task = root.find(f"{NS}Tasks").findall(f"{NS}Task")[1]
    assert task.find(f"{NS}EarlyStart") is None and task.find(f"{NS}TotalSlack") is None
    assert task.findtext(f"{NS}Start") == root.findtext(f"{NS}StartDate")
    assert read_mspdi(tmp_path / "far.xml") == far


def test_a_schedule_of_another_project_is_refused() -> None:
    p = pt.Project(id="p", start=pendulum.Date(2024, 3, 4), activities=[pt.Activity(id="a")])
    other = p.with_activity(pt.Activity(id="a", duration=5))
    with pytest.raises(pt.FileFormatError) as info:
        mspdi_bytes(p, schedule=pt.schedule(other))
    assert info.value.field == "schedule"
    # Its own schedule, with other options, is written as given.
    late = pt.schedule(p, data_date=pendulum.Date(2024, 3, 11))
    assert b"<Start>2024-03-11T08:00:00</Start>" in mspdi_bytes(p, schedule=late)


def test_cli_export_logic_only(tmp_path):
    from click.testing import CliRunner

    from projtrack.cli import cli

    source = tmp_path / "far.yaml"
    pt.save(pt.Project(id="far", start=pendulum.Date(2026, 12, 1), calendar="cn",
                       activities=[pt.Activity(id="a", duration=400)]), source)
    out = tmp_path / "far.xml"
    result = CliRunner().invoke(cli, ["export", str(source), "--to", "mspdi", "-o", str(out)])
    assert result.exit_code == 1 and not out.exists()
    assert "--logic-only" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(cli, ["export", str(source), "--to", "mspdi", "-o", str(out),
                                      "--logic-only"])
    assert result.exit_code == 0, result.output
    assert b"<EarlyStart>" not in out.read_bytes()
    assert read_mspdi(out) == pt.load(source)


# ------------------------------------------------------------ splits as MS Project keeps them

_OVERLAY = re.compile(rb"<ExtendedAttribute>\s*<FieldID>\d+</FieldID>\s*<Value>.*?</Value>\s*"
                      rb"</ExtendedAttribute>", re.S)


def _native_view(data: bytes, timezone: str | None = None) -> pt.Project:
    """What another tool sees: the file without projtrack's JSON field (which holds the
    time zone too: MSPDI has local times only)."""
    stripped = _OVERLAY.sub(b"", data)
    assert b"<FieldID>" not in stripped.split(b"</ExtendedAttributes>", 1)[1]
    return read_mspdi(stripped, timezone=timezone)


def test_splits_are_written_as_timephased_work(split_project: pt.Project) -> None:
    data = mspdi_bytes(split_project)
    root = ET.fromstring(data)
    asg = {a.findtext(f"{NS}TaskUID"): a
           for a in root.find(f"{NS}Assignments").findall(f"{NS}Assignment")}
    assert sorted(asg) == ["2", "3"] and asg["2"].findtext(f"{NS}ResourceUID") == "-65535"
    # Worked out by hand on `standard` (08-12, 13-17, Mon-Fri): b starts Wed 6 Mar,
    # works 2 days, pauses 3 working days (Fri 8, Mon 11, Tue 12), works 4 days
    # (13-18 Mar), pauses 1 day (19 Mar), works the last 4 days (20-25 Mar).
    rows = [(t.findtext(f"{NS}Start"), t.findtext(f"{NS}Finish"), t.findtext(f"{NS}Value"))
            for t in asg["2"].findall(f"{NS}TimephasedData")]
    assert rows == [("2024-03-06T08:00:00", "2024-03-07T17:00:00", "PT16H0M0S"),
                    ("2024-03-07T17:00:00", "2024-03-13T08:00:00", "PT0H0M0S"),
                    ("2024-03-13T08:00:00", "2024-03-18T17:00:00", "PT32H0M0S"),
                    ("2024-03-18T17:00:00", "2024-03-20T08:00:00", "PT0H0M0S"),
                    ("2024-03-20T08:00:00", "2024-03-25T17:00:00", "PT32H0M0S")]
    # c: 12.5 h of work end at 13:30 on day two; 4 h of pause end at 08:30 on day three.
    rows = [(t.findtext(f"{NS}Start"), t.findtext(f"{NS}Finish"), t.findtext(f"{NS}Value"))
            for t in asg["3"].findall(f"{NS}TimephasedData")]
    assert rows == [("2024-03-06T08:00:00", "2024-03-07T13:30:00", "PT12H30M0S"),
                    ("2024-03-07T13:30:00", "2024-03-08T08:30:00", "PT0H0M0S"),
                    ("2024-03-08T08:30:00", "2024-03-12T17:00:00", "PT23H30M0S")]
    view = _native_view(data)
    assert [a.splits for a in view.activities] == [
        (), (pt.Split(16, 24), pt.Split(48, 8)), (pt.Split(12.5, 4),)]
    assert read_mspdi(data) == split_project


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(projects())
def test_other_tools_see_the_splits_ahead(project: pt.Project) -> None:
    """Without projtrack's JSON field, the file still holds every pause still ahead of
    an unfinished working-time activity, in hours, and the same schedule."""
    try:
        sched = pt.schedule(project)
    except pt.CalendarError:
        return
    view = _native_view(mspdi_bytes(project, schedule=sched))
    uids = _written_uids(project)
    for act in project.activities:
        if act.actual_finish is not None or act.duration_unit not in ("d", "h"):
            continue
        per_hour = 1.0 if act.duration_unit == "h" else \
            get_calendar(act.calendar, project).minutes_per_day / 60
        done = 0.0
        if act.actual_start is not None:
            if act.remaining_duration is not None:
                done = act.duration - act.remaining_duration
            elif act.percent_complete is not None:
                done = act.duration * act.percent_complete / 100
        # A pause exactly where the work stands comes before any remaining work:
        # MS Project has no split there (the remaining work simply starts later).
        want = [v * per_hour for s in act.splits if done < s.after < act.duration
                for v in (s.after, s.pause)]
        got = [v for s in view.activity(uids[act.id]).splits for v in (s.after, s.pause)]
        assert got == pytest.approx(want, abs=1e-3), act.id


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(projects())
def test_mspdi_view_is_what_the_file_holds(project: pt.Project) -> None:
    """mspdi_view equals reading the written file without projtrack's own field."""
    from projtrack.interop import mspdi_view

    try:
        sched = pt.schedule(project)
    except pt.CalendarError:
        return
    assert mspdi_view(project, schedule=sched) == _native_view(
        mspdi_bytes(project, schedule=sched), project.timezone)


def test_cli_export_notes_where_ms_project_would_schedule_differently(tmp_path) -> None:
    from click.testing import CliRunner

    from projtrack.cli import cli

    # An 8-hour lag from a standard to a round-the-clock calendar: projtrack counts it
    # on the predecessor's calendar by default (as P6 does), MS Project on the
    # successor's. With projtrack set to MS Project's rules, no note.
    p = pt.Project(id="p", start=pendulum.Date(2024, 3, 6),
                   activities=[pt.Activity(id="a", duration=3),
                               pt.Activity(id="b", duration=1, calendar="7d")],
                   links=[pt.Link(pred="a", succ="b", lag=8, lag_unit="h")])
    for options, noted in ((pt.ScheduleOptions(), True),
                           (pt.ScheduleOptions(lag_calendar="successor",
                                               ss_lag_from="actual_start"), False)):
        source = tmp_path / "p.yaml"
        pt.save(p.replace(options=options), source)
        result = CliRunner().invoke(cli, ["export", str(source), "--to", "mspdi", "-o",
                                          str(tmp_path / "p.xml")])
        assert result.exit_code == 0, result.output
        assert ("MS Project would schedule 1 of 2 activities differently (b); options MS "
                "Project does not have: lag_calendar='predecessor'" in result.output) is noted
        assert ("note:" in result.output) is noted, result.output
