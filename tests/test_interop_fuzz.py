"""Hostile input: mutated XER, MSPDI and CSV files.

Property: a reader either returns a result or raises ``ImportFormatError``
naming the file and the line or field; never any other exception. Dedicated
cases check that amplifying inputs (entity bombs, huge recurring calendar
exceptions, deep nesting) are refused or stay within bounded memory.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import projtrack as pt
from projtrack.conformance import find_data_dir

_DATA = find_data_dir()

XER_SEED = (
    "ERMHDR\t22.12\t2024-01-01\tProject\n"
    "%T\tPROJECT\n%F\tproj_id\tproj_short_name\tclndr_id\tplan_start_date\tlast_recalc_date\n"
    "%R\t1\tP\t7\t2024-03-04 08:00\t2024-03-04 08:00\n"
    "%T\tCALENDAR\n%F\tclndr_id\tdefault_flag\tclndr_name\tclndr_type\tday_hr_cnt\tclndr_data\n"
    "%R\t7\tY\tDay\tCA_Base\t8\t(0||CalendarData()((0||DaysOfWeek()((0||2()((0||0(s|08:00|"
    "f|16:00)())))(0||3()((0||0(s|08:00|f|16:00)())))))(0||Exceptions()((0||0(d|45293)())))))\n"
    "%T\tSCHEDOPTIONS\n%F\tproj_id\tsched_float_type\tsched_calendar_on_relationship_lag\n"
    "%R\t1\tFT_FF\trcal_Predecessor\n"
    "%T\tPROJWBS\n%F\twbs_id\tproj_id\tparent_wbs_id\tproj_node_flag\twbs_short_name\twbs_name\n"
    "%R\t1\t1\t\tY\tP\tProject\n%R\t2\t1\t1\tN\tA\tArea A\n"
    "%T\tTASK\n%F\ttask_id\tproj_id\twbs_id\tclndr_id\ttask_code\ttask_type\tstatus_code\t"
    "target_drtn_hr_cnt\tremain_drtn_hr_cnt\tact_start_date\tcstr_type\tcstr_date\n"
    "%R\t10\t1\t2\t7\tA100\tTT_Task\tTK_Active\t16\t8\t2024-03-01 08:00\t\t\n"
    "%R\t11\t1\t2\t7\tA110\tTT_Task\tTK_NotStart\t8\t8\t\tCS_MSOA\t2024-03-06 08:00\n"
    "%R\t12\t1\t1\t7\tM1\tTT_FinMile\tTK_NotStart\t0\t0\t\t\t\n"
    "%T\tTASKPRED\n%F\ttask_pred_id\ttask_id\tpred_task_id\tpred_type\tlag_hr_cnt\n"
    "%R\t1\t11\t10\tPR_FS\t0\n%R\t2\t12\t11\tPR_SS\t4\n"
    "%E\n"
).encode("cp1252")

MSPDI_SEED = b"""<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="http://schemas.microsoft.com/project">
<Name>seed.xml</Name><StartDate>2024-03-04T08:00:00</StartDate><CalendarUID>1</CalendarUID>
<MinutesPerDay>480</MinutesPerDay>
<Calendars><Calendar><UID>1</UID><Name>Standard</Name><IsBaseCalendar>1</IsBaseCalendar>
<WeekDays><WeekDay><DayType>2</DayType><DayWorking>1</DayWorking><WorkingTimes><WorkingTime>
<FromTime>08:00:00</FromTime><ToTime>12:00:00</ToTime></WorkingTime></WorkingTimes></WeekDay>
</WeekDays><Exceptions><Exception><EnteredByOccurrences>1</EnteredByOccurrences><TimePeriod>
<FromDate>2024-01-01T00:00:00</FromDate><ToDate>2024-03-01T23:59:00</ToDate></TimePeriod>
<Occurrences>3</Occurrences><Type>5</Type><Period>1</Period><MonthItem>4</MonthItem>
<MonthPosition>0</MonthPosition><DayWorking>0</DayWorking></Exception></Exceptions></Calendar>
</Calendars>
<Tasks><Task><UID>0</UID><OutlineLevel>0</OutlineLevel><Summary>1</Summary></Task>
<Task><UID>1</UID><Name>A</Name><OutlineLevel>1</OutlineLevel><Duration>PT16H0M0S</Duration>
<DurationFormat>7</DurationFormat><ConstraintType>4</ConstraintType>
<ConstraintDate>2024-03-05T08:00:00</ConstraintDate></Task>
<Task><UID>2</UID><Name>B</Name><OutlineLevel>1</OutlineLevel><Duration>PT24H0M0S</Duration>
<DurationFormat>8</DurationFormat><ActualStart>2024-03-04T08:00:00</ActualStart>
<PredecessorLink><PredecessorUID>1</PredecessorUID><Type>1</Type><LinkLag>4800</LinkLag>
<LagFormat>7</LagFormat></PredecessorLink>
<PredecessorLink><PredecessorUID>1</PredecessorUID><Type>3</Type><LinkLag>50</LinkLag>
<LagFormat>19</LagFormat></PredecessorLink></Task>
</Tasks></Project>"""

CSV_SEED = ("id,name,duration,constraint,constraint_date,actual_start,percent_complete,"
            "predecessors\nA,挖土,5,SNET,2024-03-05,,,\nB,Pour,36h,,,2024-03-04 08:00,50%,A SS+2\n"
            "C,Cure,3ed,,,,,B\n").encode()


def _samples(folder: str, limit: int) -> list[bytes]:
    if _DATA is None:
        return []
    return [p.read_bytes() for p in sorted((_DATA / folder).glob("*"))
            if p.stat().st_size <= limit]


XER_SEEDS = [XER_SEED, *_samples("xer", 20_000)]
MSPDI_SEEDS = [MSPDI_SEED, *_samples("mspdi", 32_000)]

NASTY_VALUES = ["", "9" * 5000, "1e308", "-1e308", "nan", "inf", "-0", "1899-12-30 00:00",
                "9999-99-99 99:99", "2024-02-30 25:61", "(0||", ")))", "\x00", "\u202e",
                "-99999999999", "PT99999999999999999999H", "P1Y2M", "-1", "0" * 400,
                "&amp;", "<![CDATA[x]]>", "TT_Unknown", "PR_XX", "CS_NOPE", "1.5.5",
                "2024-03-04T08:00:00", "Y", "N"]


@st.composite
def mutated(draw, seeds: list[bytes], text_mutations: bool = True) -> bytes:
    data = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from([
            "truncate", "delete_line", "duplicate_line", "swap_lines", "flip_bytes",
            "insert_bytes", "replace_value", "tab", "drop_table", "reencode",
        ] if text_mutations else ["truncate", "flip_bytes", "insert_bytes"]))
        lines = data.split(b"\n")
        if kind == "truncate" and data:
            data = data[:draw(st.integers(0, len(data) - 1))]
        elif kind == "delete_line" and lines:
            del lines[draw(st.integers(0, len(lines) - 1))]
            data = b"\n".join(lines)
        elif kind == "duplicate_line" and lines:
            i = draw(st.integers(0, len(lines) - 1))
            lines.insert(i, lines[i])
            data = b"\n".join(lines)
        elif kind == "swap_lines" and len(lines) > 1:
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            data = b"\n".join(lines)
        elif kind == "flip_bytes" and data:
            i = draw(st.integers(0, len(data) - 1))
            data = data[:i] + bytes([draw(st.integers(0, 255))]) + data[i + 1:]
        elif kind == "insert_bytes":
            i = draw(st.integers(0, len(data)))
            data = data[:i] + draw(st.binary(max_size=8)) + data[i:]
        elif kind == "replace_value":
            value = draw(st.sampled_from(NASTY_VALUES) | st.text(max_size=12)).encode(
                "utf-8", "surrogatepass")
            separators = [b"\t", b",", b">"]
            sep = draw(st.sampled_from(separators))
            pieces = data.split(sep)
            if len(pieces) > 2:
                i = draw(st.integers(1, len(pieces) - 1))
                old = pieces[i]
                if sep == b">":
                    end = old.find(b"<")
                    pieces[i] = value + (old[end:] if end >= 0 else b"")
                else:
                    end = min([k for k in (old.find(b"\t"), old.find(b"\n"), old.find(b","))
                               if k >= 0], default=len(old))
                    pieces[i] = value + old[end:]
                data = sep.join(pieces)
        elif kind == "tab" and lines:
            i = draw(st.integers(0, len(lines) - 1))
            lines[i] = lines[i] + b"\textra" if draw(st.booleans()) else \
                lines[i].rsplit(b"\t", 1)[0]
            data = b"\n".join(lines)
        elif kind == "drop_table":
            starts = [i for i, ln in enumerate(lines) if ln.startswith((b"%T", b"<Tasks",
                                                                         b"<Calendars"))]
            if starts:
                i = draw(st.sampled_from(starts))
                j = next((k for k in starts if k > i), len(lines))
                data = b"\n".join(lines[:i] + lines[j:])
        elif kind == "reencode":
            text = data.decode("latin-1")
            data = text.encode(draw(st.sampled_from(["utf-16", "utf-32", "utf-8"])))
    return data


def _check(read, data: bytes) -> None:
    try:
        read(data)
    except pt.ImportFormatError as exc:
        assert exc.file is not None, exc
        assert exc.line is not None or exc.field is not None, exc
        assert str(exc)


_FUZZ = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
                 deadline=None)


@_FUZZ
@given(mutated(XER_SEEDS))
def test_xer_reader_survives_mutations(data):
    _check(pt.read_xer, data)


@_FUZZ
@given(mutated(MSPDI_SEEDS))
def test_mspdi_reader_survives_mutations(data):
    _check(pt.read_mspdi, data)


@st.composite
def xml_values(draw) -> bytes:
    """Well-formed MSPDI whose leaf values are replaced by hostile ones."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(draw(st.sampled_from(MSPDI_SEEDS)))
    leaves = [e for e in root.iter() if len(e) == 0]
    for _ in range(draw(st.integers(1, 4))):
        leaf = draw(st.sampled_from(leaves))
        leaf.text = draw(st.sampled_from(NASTY_VALUES) | st.text(
            alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=10)
            | st.integers(-10**12, 10**12).map(str))
    return ET.tostring(root)


@_FUZZ
@given(xml_values())
def test_mspdi_reader_survives_hostile_values(data):
    _check(pt.read_mspdi, data)


@_FUZZ
@given(mutated([CSV_SEED]))
def test_csv_reader_survives_mutations(data):
    _check(lambda d: pt.read_csv(d, start="2024-03-04"), data)


@_FUZZ
@given(st.binary(max_size=300))
def test_readers_survive_noise(data):
    _check(pt.read_xer, b"ERMHDR\t1\n" + data)
    _check(pt.read_mspdi, data)
    _check(lambda d: pt.read_csv(d, start="2024-03-04"), data)


def test_seeds_are_valid():
    assert pt.read_xer(XER_SEED)[0].activity("A110").constraints
    assert len(pt.read_mspdi(MSPDI_SEED).activities) == 2
    assert len(pt.read_csv(CSV_SEED, start="2024-03-04").links) == 2


# =========================================================================== amplification


def _peak(read, data: bytes) -> tuple[int, BaseException | None]:
    tracemalloc.start()
    error = None
    try:
        read(data)
    except pt.ImportFormatError as exc:
        error = exc
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak, error


def _calendar_bomb(calendars: int) -> bytes:
    exc = ("<Exception><EnteredByOccurrences>0</EnteredByOccurrences><TimePeriod>"
           "<FromDate>1900-01-01T00:00:00</FromDate><ToDate>2200-12-31T23:59:00</ToDate>"
           "</TimePeriod><Type>7</Type><Period>1</Period><DayWorking>0</DayWorking></Exception>")
    cals = "".join(f"<Calendar><UID>{i}</UID><Name>c{i}</Name><IsBaseCalendar>1</IsBaseCalendar>"
                   f"<Exceptions>{exc}</Exceptions></Calendar>" for i in range(1, calendars + 1))
    return (f'<Project xmlns="http://schemas.microsoft.com/project"><StartDate>'
            f"2024-03-04T08:00:00</StartDate><Calendars>{cals}</Calendars></Project>").encode()


@pytest.mark.parametrize(("name", "data"), [
    ("billion laughs", b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaaaaaaaa">'
     + b"".join(b'<!ENTITY a%d "&a%d;&a%d;&a%d;&a%d;&a%d;&a%d;&a%d;&a%d;&a%d;&a%d;">'
                % ((i,) + (i - 1,) * 10) for i in range(1, 10)).replace(b"&a0;", b"&a;")
     + b"]><Project>&a9;</Project>"),
    ("quadratic blowup", b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x "' + b"x" * 50_000
     + b'">]><Project>' + b"&x;" * 50_000 + b"</Project>"),
    ("deep nesting", b"<Project>" + b"<a>" * 200_000 + b"</a>" * 200_000 + b"</Project>"),
    ("recurring exceptions in many calendars", _calendar_bomb(20)),
])
def test_mspdi_amplification_is_bounded(name, data):
    peak, error = _peak(pt.read_mspdi, data)
    assert peak < 40 * len(data) + 60_000_000, (name, peak)
    if name != "deep nesting":
        assert error is not None, name


def test_recurring_exceptions_have_a_budget():
    _, error = _peak(pt.read_mspdi, _calendar_bomb(20))
    assert "more than 200,000 days" in str(error)
    one = pt.read_mspdi(_calendar_bomb(1))  # 110,000 days in one calendar are allowed
    [exc] = one.calendars[0].exceptions     # and kept as one range
    assert (exc.start, exc.end) == (pendulum.Date(1900, 1, 1), pendulum.Date(2200, 12, 31))


def test_xer_amplification_is_bounded():
    nested = "(0||x()(" * 50_000 + "))" * 50_000
    data = XER_SEED.replace(b"(0||CalendarData()(", b"(0||CalendarData()(" + nested.encode()
                            + b"(0||y()())", 1)
    peak, error = _peak(pt.read_xer, data)
    assert error is not None and "nested too deeply" in str(error)
    assert peak < 40 * len(data) + 60_000_000
    many = XER_SEED.replace(b"%T\tTASKPRED", b"".join(
        b"%%R\t%d\t1\t2\t7\tX%d\tTT_Task\tTK_NotStart\t8\t8\t\t\t\n" % (100 + i, i)
        for i in range(20_000)) + b"%T\tTASKPRED")
    peak, error = _peak(pt.read_xer, many)
    assert error is None
    assert peak < 400 * len(many) + 60_000_000


def test_sample_files_read_without_error():
    if _DATA is None:
        pytest.skip("no conformance data")
    for path in sorted(Path(_DATA, "xer").glob("*.xer")):
        pt.read_xer(path)
    for path in sorted(Path(_DATA, "mspdi").glob("*.xml")):
        pt.read_mspdi(path)
