"""A second opinion on the MS Project values the conformance report calls stale.

In three MS Project files the stored LateFinish of tasks without successors is
not the project finish, which is where any CPM backward pass puts an open end;
the report files those differences under ``oracle``. To check that verdict is
not self-serving, the same files are scheduled by MPXJ's ``MicrosoftScheduler``
(an independent re-implementation of MS Project's CPM, in Java) and its late
finish is compared with projtrack's and with the stored one.

On ``mpxj-mspdiduration.xml`` and ``mpxj-mspditimephasedsegments.xml`` MPXJ
gives projtrack's late finish for every such task, never the stored one. On
``mpxj-mspditimephased.xml`` MPXJ's own forward pass already differs from MS
Project's stored early finish on 15 of the 20 tasks not started (projtrack's
differs on one, by 18 seconds), so its late dates say nothing there and the
file is not used.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import projtrack as pt
from projtrack.conformance import compare_file, oracle_files

FILES = ["mspdi/mpxj-mspdiduration.xml", "mspdi/mpxj-mspditimephasedsegments.xml"]


def _minute(text: str | None) -> str | None:
    return None if text is None else text[:16]


@pytest.mark.parametrize("name", FILES)
def test_mpxj_late_finish_agrees_with_projtrack_not_the_stored_value(
    conformance_dir: Path, mpxj, name: str
) -> None:
    [oracle] = [o for o in oracle_files(conformance_dir) if o.name == name]
    result = compare_file(oracle)
    stale = {m.activity: m for m in result.mismatches
             if m.category == "oracle" and m.field == "late_finish"}
    assert stale, "the report no longer calls any late finish stale: update this test"

    project = pt.read_mspdi(oracle.path)
    ours = pt.schedule(project)
    ns = {"p": "http://schemas.microsoft.com/project"}
    start = ET.parse(oracle.path).getroot().findtext("p:StartDate", namespaces=ns)
    assert start is not None
    got = mpxj.read(oracle.path, schedule=start[:16])
    assert "schedule_error" not in got, got.get("schedule_error")

    for uid, mismatch in stale.items():
        theirs = _minute(got["schedule"][str(uid)]["late_finish"])
        mine = ours[uid]["late_finish"].in_timezone(project.timezone).strftime("%Y-%m-%dT%H:%M")
        assert theirs == mine, (uid, theirs, mine, mismatch.reason)
        assert theirs != mismatch.expected.replace(" ", "T")[:16], uid
