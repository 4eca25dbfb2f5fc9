"""Benchmark: read large P6 XER and MS Project XML files.

Generates a synthetic XER file and an MSPDI file with N activities (default
100,000; about two links per activity, mostly short-range, four link types,
lags, a few WBS nodes, two calendars), then times

* ``projtrack.read_xer`` against ``xerparser`` (GPL-3.0; installed only for
  this benchmark, never imported by projtrack: ``pip install xerparser``) on
  the same file, in the same run;
* ``projtrack.read_mspdi`` and ``projtrack.write_mspdi``.

Each timing is the median of ``--repeat`` runs. Run::

    python benchmarks/interop.py            # N = 100,000
    python benchmarks/interop.py -n 10000 --repeat 5
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import tempfile
import time
from pathlib import Path

import pendulum

import projtrack as pt

PROJECT_FIELDS = [
    "proj_id", "fy_start_month_num", "rsrc_self_add_flag", "allow_complete_flag",
    "rsrc_multi_assign_flag", "checkout_flag", "project_flag", "step_complete_flag",
    "cost_qty_recalc_flag", "batch_sum_flag", "name_sep_char", "def_complete_pct_type",
    "proj_short_name", "acct_id", "orig_proj_id", "source_proj_id", "base_type_id", "clndr_id",
    "sum_base_proj_id", "task_code_base", "task_code_step", "priority_num", "wbs_max_sum_level",
    "strgy_priority_num", "last_checksum", "critical_drtn_hr_cnt", "def_cost_per_qty",
    "last_recalc_date", "plan_start_date", "plan_end_date", "scd_end_date", "add_date",
    "last_tasksum_date", "fcst_start_date", "def_duration_type", "task_code_prefix", "guid",
    "def_qty_type", "add_by_name", "web_local_root_path", "proj_url", "def_rate_type",
    "add_act_remain_flag", "act_this_per_link_flag", "def_task_type", "act_pct_link_flag",
    "critical_path_type", "task_code_prefix_flag", "def_rollup_dates_flag",
    "use_project_baseline_flag", "rem_target_link_flag", "reset_planned_flag",
    "allow_neg_act_flag", "sum_assign_level", "last_fin_dates_id", "fintmpl_id",
    "last_baseline_update_date", "cr_external_key", "apply_actuals_date", "location_id",
    "last_schedule_date", "loaded_scope_level", "export_flag", "new_fin_dates_id",
    "baselines_to_export", "baseline_names_to_export", "next_data_date", "close_period_flag",
    "sum_refresh_date", "trsrcsum_loaded", "sumtask_loaded"
]
CALENDAR_FIELDS = [
    "clndr_id", "default_flag", "clndr_name", "proj_id", "base_clndr_id", "last_chng_date",
    "clndr_type", "day_hr_cnt", "week_hr_cnt", "month_hr_cnt", "year_hr_cnt", "rsrc_private",
    "clndr_data"
]
SCHEDOPTIONS_FIELDS = [
    "schedoptions_id", "proj_id", "sched_outer_depend_type", "sched_open_critical_flag",
    "sched_lag_early_start_flag", "sched_retained_logic", "sched_setplantoforecast",
    "sched_float_type", "sched_calendar_on_relationship_lag", "sched_use_expect_end_flag",
    "sched_progress_override", "level_float_thrs_cnt", "level_outer_assign_flag",
    "level_outer_assign_priority", "level_over_alloc_pct", "level_within_float_flag",
    "level_keep_sched_date_flag", "level_all_rsrc_flag", "sched_use_project_end_date_for_float",
    "enable_multiple_longest_path_calc", "limit_multiple_longest_path_calc",
    "max_multiple_longest_path", "use_total_float_multiple_longest_paths",
    "key_activity_for_multiple_longest_paths", "LevelPriorityList"
]
WBS_FIELDS = [
    "wbs_id", "proj_id", "obs_id", "seq_num", "est_wt", "proj_node_flag", "sum_data_flag",
    "status_code", "wbs_short_name", "wbs_name", "phase_id", "parent_wbs_id", "ev_user_pct",
    "ev_etc_user_value", "orig_cost", "indep_remain_total_cost", "ann_dscnt_rate_pct",
    "dscnt_period_type", "indep_remain_work_qty", "anticip_start_date", "anticip_end_date",
    "ev_compute_type", "ev_etc_compute_type", "guid", "tmpl_guid", "plan_open_state"
]
TASK_FIELDS = [
    "task_id", "proj_id", "wbs_id", "clndr_id", "phys_complete_pct", "rev_fdbk_flag", "est_wt",
    "lock_plan_flag", "auto_compute_act_flag", "complete_pct_type", "task_type", "duration_type",
    "status_code", "task_code", "task_name", "rsrc_id", "total_float_hr_cnt", "free_float_hr_cnt",
    "remain_drtn_hr_cnt", "act_work_qty", "remain_work_qty", "target_work_qty",
    "target_drtn_hr_cnt", "target_equip_qty", "act_equip_qty", "remain_equip_qty", "cstr_date",
    "act_start_date", "act_end_date", "late_start_date", "late_end_date", "expect_end_date",
    "early_start_date", "early_end_date", "restart_date", "reend_date", "target_start_date",
    "target_end_date", "rem_late_start_date", "rem_late_end_date", "cstr_type", "priority_type",
    "suspend_date", "resume_date", "float_path", "float_path_order", "guid", "tmpl_guid",
    "cstr_date2", "cstr_type2", "driving_path_flag", "act_this_per_work_qty",
    "act_this_per_equip_qty", "external_early_start_date", "external_late_end_date", "create_date",
    "update_date", "create_user", "update_user", "location_id", "crt_path_num"
]
TASKPRED_FIELDS = [
    "task_pred_id", "task_id", "pred_task_id", "proj_id", "pred_proj_id", "pred_type",
    "lag_hr_cnt", "comments", "float_path", "aref", "arls"
]

WEEK = ("(0||CalendarData()((0||DaysOfWeek()((0||1()())"
        + "".join(f"(0||{d}()((0||0(s|08:00|f|12:00)())(0||1(s|13:00|f|17:00)())))"
                  for d in range(2, 7))
        + "(0||7()())))(0||Exceptions()("
        + "".join(f"(0||{i}(d|{45292 + 7 * i})())" for i in range(60)) + "))))")
SEVEN = ("(0||CalendarData()((0||DaysOfWeek()("
         + "".join(f"(0||{d}()((0||0(s|07:00|f|19:00)())))" for d in range(1, 8))
         + "))(0||Exceptions()())))")
TYPES = ["PR_FS"] * 7 + ["PR_SS", "PR_FF", "PR_SF"]


def _row(fields: list[str], values: dict[str, object]) -> str:
    return "%R\t" + "\t".join("" if values.get(f) is None else str(values[f]) for f in fields)


def synthetic_xer(n: int, seed: int = 1) -> str:
    """The text of an XER file with one project of ``n`` activities."""
    rng = random.Random(seed)
    out = ["ERMHDR\t22.12\t2024-01-01\tProject\tADMIN\tbench\tdbxDatabaseNoName\t"
           "Project Management\tUSD"]

    def table(name: str, fields: list[str], rows: list[str]) -> None:
        out.append(f"%T\t{name}")
        out.append("%F\t" + "\t".join(fields))
        out.extend(rows)

    table("PROJECT", PROJECT_FIELDS, [_row(PROJECT_FIELDS, {
        "proj_id": 1, "proj_short_name": "BENCH", "clndr_id": 1, "fy_start_month_num": 1,
        "last_recalc_date": "2024-01-08 08:00", "plan_start_date": "2024-01-08 08:00",
        "add_date": "2024-01-01 00:00", "critical_drtn_hr_cnt": 0,
        "scd_end_date": "2024-06-28 17:00", "last_schedule_date": "2024-01-08 08:00",
        "critical_path_type": "CT_TotFloat", "def_complete_pct_type": "CP_Drtn",
        "def_duration_type": "DT_FixedDUR2", "def_task_type": "TT_Task",
        "sum_assign_level": "SL_Taskrsrc", "export_flag": "Y", "last_checksum": "",
        "guid": "bench", "task_code_base": 1000, "task_code_step": 10, "priority_num": 10,
        "strgy_priority_num": 500, "wbs_max_sum_level": 2, "name_sep_char": ".",
        "def_cost_per_qty": 0, "def_qty_type": "QT_Hour", "def_rate_type": "COST_PER_QTY",
        "add_act_remain_flag": "N", "act_this_per_link_flag": "Y", "act_pct_link_flag": "Y",
        "task_code_prefix_flag": "Y", "def_rollup_dates_flag": "Y",
        "use_project_baseline_flag": "Y", "rem_target_link_flag": "Y",
        "reset_planned_flag": "N", "allow_neg_act_flag": "N", "checkout_flag": "N",
        "project_flag": "Y", "step_complete_flag": "N", "cost_qty_recalc_flag": "N",
        "batch_sum_flag": "Y", "rsrc_self_add_flag": "Y", "allow_complete_flag": "Y",
        "rsrc_multi_assign_flag": "Y", "fintmpl_id": 1,
    })])
    table("CALENDAR", CALENDAR_FIELDS, [
        _row(CALENDAR_FIELDS, {"clndr_id": 1, "default_flag": "Y", "clndr_name": "Standard",
                               "clndr_type": "CA_Base", "day_hr_cnt": 8, "week_hr_cnt": 40,
                               "month_hr_cnt": 172, "year_hr_cnt": 2000, "rsrc_private": "N",
                               "last_chng_date": "2024-01-01 00:00", "clndr_data": WEEK}),
        _row(CALENDAR_FIELDS, {"clndr_id": 2, "default_flag": "N", "clndr_name": "Site 7x12",
                               "clndr_type": "CA_Base", "day_hr_cnt": 12, "week_hr_cnt": 84,
                               "month_hr_cnt": 360, "year_hr_cnt": 4380, "rsrc_private": "N",
                               "last_chng_date": "2024-01-01 00:00", "clndr_data": SEVEN}),
    ])
    table("SCHEDOPTIONS", SCHEDOPTIONS_FIELDS, [_row(SCHEDOPTIONS_FIELDS, {
        "schedoptions_id": 1, "proj_id": 1, "sched_outer_depend_type": "SD_Both",
        "sched_open_critical_flag": "N", "sched_lag_early_start_flag": "Y",
        "sched_retained_logic": "Y", "sched_setplantoforecast": "N", "sched_float_type": "FT_FF",
        "sched_calendar_on_relationship_lag": "rcal_Predecessor",
        "sched_use_expect_end_flag": "N", "sched_progress_override": "N",
    })])
    wbs_rows = [_row(WBS_FIELDS, {"wbs_id": 1, "proj_id": 1, "obs_id": 1, "seq_num": 0,
                                  "proj_node_flag": "Y", "sum_data_flag": "N",
                                  "status_code": "WS_Open", "wbs_short_name": "BENCH",
                                  "wbs_name": "Benchmark", "est_wt": 1, "guid": "w1"})]
    for i in range(2, 52):
        wbs_rows.append(_row(WBS_FIELDS, {"wbs_id": i, "proj_id": 1, "obs_id": 1, "seq_num": i,
                                          "proj_node_flag": "N", "sum_data_flag": "N",
                                          "status_code": "WS_Open", "wbs_short_name": f"W{i}",
                                          "wbs_name": f"Area {i}", "parent_wbs_id": 1,
                                          "est_wt": 1, "guid": f"w{i}"}))
    table("PROJWBS", WBS_FIELDS, wbs_rows)
    tasks = []
    for i in range(n):
        hours = rng.choice((0, 8, 16, 24, 40, 80, 4.5))
        tasks.append(_row(TASK_FIELDS, {
            "task_id": 100000 + i, "proj_id": 1, "wbs_id": 2 + i % 50,
            "clndr_id": 1 if i % 5 else 2, "phys_complete_pct": 0, "rev_fdbk_flag": "N",
            "est_wt": 1, "lock_plan_flag": "N", "auto_compute_act_flag": "N",
            "complete_pct_type": "CP_Drtn", "task_type": "TT_Task" if hours else "TT_FinMile",
            "duration_type": "DT_FixedDUR2", "status_code": "TK_NotStart",
            "task_code": f"A{i:06d}", "task_name": f"Activity {i}", "total_float_hr_cnt": 0,
            "free_float_hr_cnt": 0, "remain_drtn_hr_cnt": hours, "act_work_qty": 0,
            "remain_work_qty": 0, "target_work_qty": 0, "target_drtn_hr_cnt": hours,
            "target_equip_qty": 0, "act_equip_qty": 0, "remain_equip_qty": 0,
            "late_start_date": "2024-01-08 08:00", "late_end_date": "2024-01-08 17:00",
            "early_start_date": "2024-01-08 08:00", "early_end_date": "2024-01-08 17:00",
            "restart_date": "2024-01-08 08:00", "reend_date": "2024-01-08 17:00",
            "target_start_date": "2024-01-08 08:00", "target_end_date": "2024-01-08 17:00",
            "rem_late_start_date": "2024-01-08 08:00", "rem_late_end_date": "2024-01-08 17:00",
            "priority_type": "PT_Normal", "guid": f"t{i}", "driving_path_flag": "N",
            "act_this_per_work_qty": 0, "act_this_per_equip_qty": 0,
            "create_date": "2024-01-01 00:00", "update_date": "2024-01-01 00:00",
            "create_user": "bench", "update_user": "bench",
            "cstr_type": "CS_MSOA" if i % 97 == 0 else None,
            "cstr_date": "2024-02-01 08:00" if i % 97 == 0 else None,
        }))
    table("TASK", TASK_FIELDS, tasks)
    preds = []
    k = 0
    for i in range(1, n):
        for _ in range(rng.choice((1, 2, 2, 3))):
            j = i - rng.randint(1, min(i, 30))
            k += 1
            preds.append(_row(TASKPRED_FIELDS, {
                "task_pred_id": k, "task_id": 100000 + i, "pred_task_id": 100000 + j,
                "proj_id": 1, "pred_proj_id": 1, "pred_type": rng.choice(TYPES),
                "lag_hr_cnt": rng.choice((0, 0, 0, 8, -4, 16)),
            }))
    table("TASKPRED", TASKPRED_FIELDS, preds)
    out.append("%E")
    return "\r\n".join(out) + "\r\n"


def synthetic_project(n: int, seed: int = 1) -> pt.Project:
    """A project of ``n`` activities (integer ids, hours) for the MSPDI benchmark."""
    rng = random.Random(seed)
    acts = [pt.Activity(id=i + 1, name=f"Activity {i}", duration=rng.choice((8, 16, 24, 40)),
                        duration_unit="h", calendar=None if i % 5 else "7d")
            for i in range(n)]
    links = []
    seen = set()
    for i in range(1, n):
        for _ in range(rng.choice((1, 2, 2, 3))):
            j = i - rng.randint(1, min(i, 30))
            kind = rng.choice(("FS",) * 7 + ("SS", "FF", "SF"))
            if (j, i, kind) in seen:
                continue
            seen.add((j, i, kind))
            links.append(pt.Link(pred=j + 1, succ=i + 1, type=kind,
                                 lag=rng.choice((0, 0, 8, -4)), lag_unit="h"))
    return pt.Project(id="bench", start=pendulum.Date(2024, 1, 8), activities=acts,
                      links=links)


def timed(fn, repeat: int) -> tuple[float, object]:
    times = []
    result = None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100_000, help="activities (default 100000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (median)")
    args = parser.parse_args()
    n, repeat = args.n, args.repeat
    folder = Path(tempfile.mkdtemp(prefix="projtrack-bench-"))

    xer_path = folder / "bench.xer"
    xer_path.write_bytes(synthetic_xer(n).encode("cp1252"))
    size = xer_path.stat().st_size
    ours, projects = timed(lambda: pt.read_xer(xer_path), repeat)
    [project] = projects  # type: ignore[misc]
    rows = [("read_xer (projtrack)", n, size, ours, f"{len(project.links):,} links")]
    try:
        from xerparser import Xer  # GPL-3.0: benchmark only
    except ImportError:
        rows.append(("xerparser", n, size, float("nan"), "not installed: pip install xerparser"))
        theirs = float("nan")
    else:
        def run_xerparser():
            with open(xer_path, encoding=Xer.CODEC, errors="ignore") as fh:
                return Xer(fh.read())
        theirs, parsed = timed(run_xerparser, repeat)
        count = sum(len(p.tasks) for p in parsed.projects.values())  # type: ignore[union-attr]
        rows.append(("xerparser 0.13 (same file)", n, size, theirs, f"{count:,} tasks"))

    src = synthetic_project(n)
    xml_path = folder / "bench.xml"
    write_time, _ = timed(lambda: pt.write_mspdi(src, xml_path), 1)
    xml_size = xml_path.stat().st_size
    read_time, back = timed(lambda: pt.read_mspdi(xml_path), repeat)
    assert back == src, "MSPDI round trip changed the project"
    rows.append(("read_mspdi (projtrack)", n, xml_size, read_time,
                 f"{len(back.links):,} links; equals the project written"))  # type: ignore
    rows.append(("write_mspdi (projtrack)", n, xml_size, write_time, "one run"))

    print(f"projtrack interop benchmark, N = {n:,} activities, median of {repeat} runs")
    print(f"{'what':<28} {'N':>9} {'file MB':>8} {'seconds':>8}  note")
    for what, count, nbytes, seconds, note in rows:
        print(f"{what:<28} {count:>9,} {nbytes / 1e6:>8.1f} {seconds:>8.2f}  {note}")
    if theirs == theirs:
        print(f"read_xer is {theirs / ours:.1f}x the speed of xerparser on this file")


if __name__ == "__main__":
    main()
