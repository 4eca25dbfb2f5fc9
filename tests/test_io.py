"""Project files: lossless round trips, located errors, safe loading, atomic saving."""

from __future__ import annotations

import json
import os
import pathlib
import re

import pendulum
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import projtrack as pt
from projtrack.testing.strategies import projects

GOOD = """\
id: demo
name: Demo
start: 2024-03-01
parties:
  - {id: bureau, name: Housing bureau, role: government_agency}
activities:
  - id: a
    duration: 3
  - id: permit
    kind: approval
    agency: bureau
    time_limit: 20
    duration: 20
    links:
      - pred: a
        type: FS
        lag: 2
"""


@given(projects())
def test_round_trip_yaml(project: pt.Project) -> None:
    assert pt.loads(pt.dumps(project, format="yaml"), format="yaml") == project


@given(projects())
def test_round_trip_json(project: pt.Project) -> None:
    text = pt.dumps(project, format="json")
    json.loads(text)  # plain JSON, nothing exotic
    assert pt.loads(text, format="json") == project


@given(projects(max_activities=6))
def test_dict_round_trip(project: pt.Project) -> None:
    assert pt.from_dict(pt.to_dict(project)) == project


def test_loads_good_document() -> None:
    p = pt.loads(GOOD)
    assert p.activity("permit").agency == "bureau"
    assert [(k.pred, k.succ, k.lag) for k in p.links] == [("a", "permit", 2)]


def test_amount_units() -> None:
    p = pt.loads(
        "id: x\nstart: 2024-01-02\nactivities:\n"
        " - {id: a, duration: 36h}\n - {id: b, duration: 2.5ed, links: [{pred: a, lag: -4eh}]}\n"
    )
    a, b = p.activities
    assert (a.duration, a.duration_unit) == (36, "h")
    assert (b.duration, b.duration_unit) == (2.5, "ed")
    assert (p.links[0].lag, p.links[0].lag_unit) == (-4, "eh")
    assert pt.loads(pt.dumps(p)) == p


def test_bare_predecessor_id_is_fs_zero() -> None:
    p = pt.loads("id: x\nstart: 2024-01-02\nactivities:\n - {id: a}\n - {id: b, links: [a]}\n")
    assert p.links[0] == pt.Link(pred="a", succ="b", type="FS", lag=0)


def test_naive_datetimes_take_the_project_timezone() -> None:
    p = pt.loads(
        "id: x\nstart: 2024-01-02\ntimezone: Europe/Berlin\n"
        "activities:\n - {id: a, actual_start: '2024-01-02T08:00'}\n"
    )
    start = p.activity("a").actual_start
    assert isinstance(start, pendulum.DateTime)
    assert start.utcoffset() == pendulum.duration(hours=1)


BROKEN = [
    # (document, error type, expected location prefix, text in message)
    (
        "id: x\nstart: 2024-03-01\nactivities:\n  - id: a\n    links:\n"
        "      - {pred: a, type: FX}\n",
        pt.ValidationError, "f.yaml:6:", "'FX' is not one of FS, SS, FF, SF",
    ),
    (
        "id: x\nstart: 2024-03-01\nactivities:\n - {id: a, links: [b]}\n - {id: b, links: [a]}\n",
        pt.DependencyCycleError, "f.yaml:", "a -> b -> a",
    ),
    (
        "id: x\nstart: 2024-03-01\nactivities:\n - {id: a, links: [ghost]}\n",
        pt.DanglingLinkError, "f.yaml:4:", "unknown activity 'ghost'",
    ),
    (
        "id: x\nstart: 2024-03-01\nactivities:\n - id: a\n   kind: tsk\n",
        pt.ValidationError, "f.yaml:5:10", "'tsk' is not one of task, approval, milestone",
    ),
    (
        "id: x\nstart: 2024-03-01\nactivities:\n - {id: a, duration: 5\n",
        pt.FileFormatError, "f.yaml:5:", "invalid YAML",
    ),
    (
        "id: x\nstart: 2024-03-01\nactivities:\n - !!python/object/apply:os.system ['echo hi']\n",
        pt.FileFormatError, "f.yaml:4:4", "is not allowed",
    ),
    (
        "id: x\nstart: 2024-03-01\nactivities:\n - {id: a, duration: [1, 2]}\n",
        pt.FileFormatError, "f.yaml:4:22", "is not a duration",
    ),
    (
        "id: x\nstart: 2024-03-01\nactivities:\n - {id: a, name: 12}\n",
        pt.FileFormatError, "f.yaml:4:18", "expected text",
    ),
    (
        "id: x\nstart: 01/03/2024\n",
        pt.FileFormatError, "f.yaml:2:8", "write it as YYYY-MM-DD",
    ),
    (
        "id: x\nstart: 2024-03-01\nactivites: []\n",
        pt.FileFormatError, "f.yaml:3:1", "did you mean 'activities'",
    ),
    (
        "id: x\nstart: 2024-03-01\nid: y\n",
        pt.FileFormatError, "f.yaml:3:1", "duplicate key 'id'",
    ),
    (
        "name: no id\nstart: 2024-03-01\n",
        pt.FileFormatError, "f.yaml:1:1", "missing required field 'id'",
    ),
    (
        "id: x\nstart: 2024-03-01\nactivities:\n - {id: a, kind: milestone, duration: 2}\n",
        pt.ValidationError, "f.yaml:4:39", "milestones take no time",
    ),
    (
        "id: x\nstart: 2024-03-01\nactivities:\n - {id: a, calendar: moon}\n",
        pt.UnknownReferenceError, "f.yaml:4:22", "unknown calendar 'moon'",
    ),
    (
        "id: x\nstart: 2024-03-01\n---\nid: y\n",
        pt.FileFormatError, "f.yaml:", "single document",
    ),
]


@pytest.mark.parametrize(("text", "error", "where", "message"), BROKEN)
def test_errors_name_file_line_column_and_field(
    text: str, error: type[Exception], where: str, message: str
) -> None:
    with pytest.raises(error) as info:
        pt.loads(text, source="f.yaml")
    assert str(info.value).startswith(where), str(info.value)
    assert message in str(info.value)
    assert isinstance(info.value, pt.ProjtrackError)


def test_error_field_path_is_in_file_terms() -> None:
    text = ("id: x\nstart: 2024-03-01\nactivities:\n - {id: a}\n"
            " - {id: b, links: [a, {pred: a, type: FX}]}\n")
    with pytest.raises(pt.ValidationError) as info:
        pt.loads(text, source="f.yaml")
    assert info.value.field == "activities[1].links[1].type"
    assert (info.value.line, info.value.column) == (5, 39)  # the F of FX


def test_python_tags_are_never_executed(tmp_path: pathlib.Path) -> None:
    marker = tmp_path / "pwned"
    text = (
        "id: x\nstart: 2024-03-01\n"
        f"attrs: !!python/object/apply:os.system ['touch {marker}']\n"
    )
    with pytest.raises(pt.FileFormatError, match="not allowed"):
        pt.loads(text)
    assert not marker.exists()


@pytest.mark.parametrize("tag", ["!custom {a: 1}", "!!set {a}", "!!binary aGk=", "!!omap [a: 1]"])
def test_non_data_tags_are_refused(tag: str) -> None:
    with pytest.raises(pt.FileFormatError, match="not allowed"):
        pt.loads(f"id: x\nstart: 2024-03-01\nattrs:\n  k: {tag}\n")


def test_alias_bomb_is_refused() -> None:
    lines = ["id: x", "start: 2024-03-01", "attrs:", "  a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"  a{i}: &a{i} [{prev}]")
    with pytest.raises(pt.FileFormatError, match="alias bomb"):
        pt.loads("\n".join(lines) + "\n")


def test_merge_keys_are_refused() -> None:
    text = "id: x\nstart: 2024-03-01\nattrs:\n  base: &b {a: 1}\n  more: {<<: *b}\n"
    with pytest.raises(pt.FileFormatError, match="merge keys"):
        pt.loads(text)


def test_json_errors_are_located() -> None:
    with pytest.raises(pt.FileFormatError) as info:
        pt.loads('{"id": "x",\n "start": "2024-03-01",\n}', format="json", source="p.json")
    assert str(info.value).startswith("p.json:3:1")
    with pytest.raises(pt.FileFormatError, match="NaN is not valid JSON"):
        pt.loads('{"id": "x", "start": "2024-03-01", "attrs": {"a": NaN}}', format="json")


def test_json_field_errors_are_located() -> None:
    text = '{"id": "x",\n "start": "2024-03-01",\n "activities": [{"id": "a", "kind": "tsk"}]}'
    with pytest.raises(pt.ValidationError) as info:
        pt.loads(text, format="json", source="p.json")
    assert str(info.value).startswith("p.json:3:")
    assert info.value.field == "activities[0].kind"


def test_non_utf8_bytes() -> None:
    with pytest.raises(pt.FileFormatError, match="not UTF-8"):
        pt.loads("id: 人和\nstart: 2024-03-01\n".encode("gbk"))


def test_load_and_save(tmp_path: pathlib.Path) -> None:
    p = pt.loads(GOOD)
    for suffix in (".yaml", ".yml", ".json"):
        target = tmp_path / f"p{suffix}"
        pt.save(p, target)
        assert pt.load(target) == p
    with pytest.raises(pt.FileFormatError, match="suffix"):
        pt.save(p, tmp_path / "p.txt")
    with pytest.raises(pt.FileFormatError, match="cannot read"):
        pt.load(tmp_path / "missing.yaml")


def test_failed_save_leaves_old_file_intact(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "p.yaml"
    original = pt.loads(GOOD)
    pt.save(original, target)
    before = target.read_bytes()

    def crash(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    changed = original.replace(name="Changed")
    with pytest.raises(OSError, match="disk full"):
        pt.save(changed, target)
    assert target.read_bytes() == before
    assert sorted(x.name for x in tmp_path.iterdir()) == ["p.yaml"]  # no temp file left


def test_unserialisable_metadata_fails_before_touching_the_file(tmp_path: pathlib.Path) -> None:
    target = tmp_path / "p.json"
    original = pt.loads(GOOD)
    pt.save(original, target)
    before = target.read_bytes()
    bad = original.replace(attrs={"when": object()})
    with pytest.raises(TypeError):
        pt.save(bad, target)
    assert target.read_bytes() == before
    assert sorted(x.name for x in tmp_path.iterdir()) == ["p.json"]


def test_save_keeps_permissions(tmp_path: pathlib.Path) -> None:
    target = tmp_path / "p.yaml"
    pt.save(pt.loads(GOOD), target)
    target.chmod(0o640)
    pt.save(pt.loads(GOOD), target)
    assert target.stat().st_mode & 0o777 == 0o640


def test_unknown_format() -> None:
    with pytest.raises(pt.FileFormatError, match="unknown format"):
        pt.dumps(pt.loads(GOOD), format="toml")


def test_json_duplicate_keys_are_refused() -> None:
    with pytest.raises(pt.FileFormatError, match="duplicate key 'id'") as info:
        pt.loads('{"id": "x",\n "id": "y", "start": "2024-01-01"}', format="json", source="p.json")
    assert str(info.value).startswith("p.json:2:")


@pytest.mark.parametrize("field", ["kind", "type", "role"])
def test_empty_text_is_not_a_default(field: str) -> None:
    docs = {
        "kind": "id: x\nstart: 2024-01-01\nactivities: [{id: a, kind: ''}]\n",
        "type": ("id: x\nstart: 2024-01-01\n"
                 "activities: [{id: a}, {id: b, links: [{pred: a, type: ''}]}]\n"),
        "role": "id: x\nstart: 2024-01-01\nparties: [{id: p, role: ''}]\n",
    }
    with pytest.raises(pt.ValidationError, match="'' is not one of"):
        pt.loads(docs[field])


CONFORMANCE = pathlib.Path(__file__).resolve().parent.parent.parent / "shared" / "conformance"


def _conformance_file(name: str) -> pathlib.Path:
    path = CONFORMANCE / name
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"conformance data missing under CI: {path}")
        pytest.skip("conformance data not beside the repository")
    return path


def test_load_reads_foreign_formats_through_the_format_registry(tmp_path: pathlib.Path) -> None:
    xer = pt.load(_conformance_file("xer/exupery-MDL4RA.xer"))
    assert (xer.id, len(xer)) == ("MDL4RA", 62)
    mspdi = pt.load(_conformance_file("mspdi/mpxj-mspdirelations.xml"))
    assert len(mspdi) == 5
    target = tmp_path / "out.xml"
    pt.save(mspdi, target)
    assert pt.load(target) == mspdi
    with pytest.raises(pt.FileFormatError, match="holds 2 projects; read them all"):
        pt.load(_conformance_file("xer/aspose-MultiprojectWithExternal.xer"))


def test_load_uses_formats_that_plugins_register(tmp_path: pathlib.Path) -> None:
    from projtrack._plugins import FileFormat, default_plugin_manager

    class Toml:
        @pt.hookimpl
        def register_formats(self) -> list[FileFormat]:
            def read(path: pathlib.Path) -> pt.Project:
                name = path.read_text(encoding="utf-8").strip()
                return pt.Project(id=name, start=pendulum.Date(2024, 1, 2))

            return [FileFormat(name="toy", suffixes=[".toy"], read=read)]

    source = tmp_path / "p.toy"
    source.write_text("from-plugin\n", encoding="utf-8")
    with pytest.raises(pt.FileFormatError,
                       match=re.escape("no plugin can read files ending in '.toy'")):
        pt.load(source)
    plugin = Toml()
    default_plugin_manager().register(plugin, name="test-toy-format")
    try:
        assert pt.load(source).id == "from-plugin"
    finally:
        default_plugin_manager().unregister(plugin)


# ----------------------------------------------------------- every problem in one pass

MANY_PROBLEMS = """\
id: x
start: 2024-03-01
calendars:
  - {name: site, work_week: [mon]}
activities:
  - {id: a, duration: -1}
  - {id: b}
  - {id: c, kind: work}
  - {id: d, links: [{pred: a, type: FX}]}
parties:
  - {id: p, role: 7}
"""


def test_every_broken_item_is_reported_in_one_pass() -> None:
    with pytest.raises(pt.ProjtrackError) as info:
        pt.loads(MANY_PROBLEMS, source="f.yaml")
    problems = info.value.problems
    assert problems[0] is info.value
    fields = [p.field for p in problems]
    assert fields[1:] == ["activities[0].duration", "activities[2].kind",
                          "activities[3].links[0].type", "parties[0].role"], fields
    assert fields[0] is not None and fields[0].startswith("calendars[0]"), fields
    lines = [p.line for p in problems]
    assert lines == sorted(lines) and lines == [4, 6, 8, 9, 11], lines
    assert all(str(p).startswith(f"f.yaml:{p.line}:") for p in problems)
    # The traceback shows them too, through a note on the raised error.
    note = "\n".join(getattr(info.value, "__notes__", []))
    assert note.startswith("4 more problems in the same pass:")
    assert all(str(p) in note for p in problems[1:])


def test_a_single_problem_is_its_own_list() -> None:
    with pytest.raises(pt.ProjtrackError) as info:
        pt.loads("id: x\nstart: 2024-03-01\nactivities: [{id: a, duration: -1}]")
    assert info.value.problems == (info.value,)
    assert not getattr(info.value, "__notes__", None)


def test_problems_survive_relocation_and_pickling() -> None:
    import pickle

    with pytest.raises(pt.ProjtrackError) as info:
        pt.loads(MANY_PROBLEMS, source="f.yaml")
    moved = info.value.located(file="g.yaml", replace=True)
    assert moved.problems[0] is moved
    assert moved.problems[1:] == info.value.problems[1:]
    back = pickle.loads(pickle.dumps(info.value))
    assert [str(p) for p in back.problems] == [str(p) for p in info.value.problems]


def test_whole_project_rules_wait_for_every_item() -> None:
    # A dangling link is only judged once every activity reads: here the
    # broken activity is the only problem reported, not a cascade from it.
    text = ("id: x\nstart: 2024-03-01\nactivities:\n - {id: a, duration: -1}\n"
            " - {id: b, links: [a]}\n")
    with pytest.raises(pt.ValidationError) as info:
        pt.loads(text)
    assert [p.field for p in info.value.problems] == ["activities[0].duration"]


@given(projects(), st.data())
def test_each_broken_activity_is_reported_once(project: pt.Project, data: st.DataObject
                                               ) -> None:
    doc = pt.to_dict(project)
    acts = doc.get("activities", [])
    assume(acts)
    broken = sorted(data.draw(st.sets(st.integers(0, len(acts) - 1), min_size=1)))
    for i in broken:
        acts[i]["no_such_field"] = 1
    with pytest.raises(pt.FileFormatError) as info:
        pt.from_dict(doc)
    assert [p.field for p in info.value.problems] == [
        f"activities[{i}].no_such_field" for i in broken]


def test_every_broken_reference_is_reported_in_one_pass() -> None:
    text = ("id: x\nstart: 2024-03-01\nparties: [{id: p}, {id: p}]\nactivities:\n"
            " - {id: a, party: ghost}\n - {id: b, links: [zz, a]}\n - {id: a}\n"
            " - {id: c, links: [c]}\n")
    with pytest.raises(pt.ValidationError) as info:
        pt.loads(text, source="f.yaml")
    found = [(type(p).__name__, p.line, p.field) for p in info.value.problems]
    assert found == [
        ("DuplicateIdError", 3, "parties[1].id"),
        ("UnknownReferenceError", 5, "activities[0].party"),
        ("DanglingLinkError", 6, "activities[1].links[0].pred"),
        ("DuplicateIdError", 7, "activities[2].id"),
        ("DependencyCycleError", 8, "activities[3].links[0]"),
    ], found
    note = "\n".join(info.value.__notes__)
    assert note.count("\n  ") == 4 and note.startswith("4 more problems")


def test_relocating_problems_keeps_one_note() -> None:
    p = pt.ValidationError("a").with_problems([pt.ValidationError("b")])
    moved = p.located(file="x.yaml").with_problems([pt.ValidationError("c")])
    assert moved.__notes__ == ["1 more problem in the same pass:\n  c"]
    assert [str(e) for e in moved.problems] == ["x.yaml: a", "c"]
    assert not hasattr(moved.with_problems([]), "__notes__")
