"""The published JSON Schema (docs/project.schema.json) agrees with the file reader.

The schema is a second description of the file format, written by hand. These
tests keep the two from drifting apart:

- the schema is itself a valid draft 2020-12 schema;
- every example file and everything ``projtrack`` writes validates;
- wrong documents (bad enum values, unknown fields, nulls and wrong types in
  any place) are rejected by both the schema and ``projtrack.loads``, and the
  loader names the field that was changed;
- the schema's field names and enum values are exactly the reader's key sets
  and the model's constants.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pendulum
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import projtrack as pt
from projtrack import _io, _model
from projtrack.testing.strategies import projects

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_PATH = ROOT / "docs" / "project.schema.json"
EXAMPLES = sorted(
    path
    for pattern in ("examples/*.yaml", "examples/*.yml", "examples/*/*.yaml", "examples/*/*.yml",
                    "examples/*.json", "examples/*/*.json")
    for path in ROOT.glob(pattern)
)

SCHEMA: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

Path_ = tuple[str | int, ...]


# --------------------------------------------------------------------------- helpers


def iso_dates(data: Any) -> Any:
    """Replace the dates PyYAML makes from unquoted timestamps by their ISO text."""
    if isinstance(data, dict):
        return {key: iso_dates(value) for key, value in data.items()}
    if isinstance(data, list):
        return [iso_dates(value) for value in data]
    if isinstance(data, dt.date):  # datetime is a subclass of date
        return data.isoformat()
    return data


def schema_errors(data: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
        for error in VALIDATOR.iter_errors(data)
    ]


def loader_error(data: Any) -> pt.ProjtrackError | None:
    """What ``projtrack.loads`` says about the document as JSON (None: accepted)."""
    try:
        pt.loads(json.dumps(data, ensure_ascii=False), format="json", source="doc.json")
    except pt.ProjtrackError as exc:
        return exc
    return None


def path_text(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def get(data: Any, path: Path_) -> Any:
    for part in path:
        data = data[part]
    return data


def objects(doc: dict[str, Any]) -> Iterator[tuple[str, Path_, dict[str, Any]]]:
    """Yield (schema name, path, mapping) for every typed mapping of a document."""
    yield "project", (), doc
    if isinstance(doc.get("options"), dict):
        yield "options", ("options",), doc["options"]
    for i, party in enumerate(doc.get("parties") or []):
        yield "party", ("parties", i), party
    for i, cal in enumerate(doc.get("calendars") or []):
        yield "calendar", ("calendars", i), cal
        if isinstance(cal.get("work_week"), dict):
            yield "work_week", ("calendars", i, "work_week"), cal["work_week"]
        for j, exc in enumerate(cal.get("exceptions") or []):
            yield "calendarException", ("calendars", i, "exceptions", j), exc
    for i, act in enumerate(doc.get("activities") or []):
        yield "activity", ("activities", i), act
        for j, con in enumerate(act.get("constraints") or []):
            yield "constraint", ("activities", i, "constraints", j), con
        if isinstance(act.get("estimate"), dict):
            yield "estimate", ("activities", i, "estimate"), act["estimate"]
        for j, split in enumerate(act.get("splits") or []):
            if isinstance(split, dict):
                yield "split", ("activities", i, "splits", j), split
        for j, link in enumerate(act.get("links") or []):
            if isinstance(link, dict):
                yield "link", ("activities", i, "links", j), link
    for i, event in enumerate(doc.get("events") or []):
        yield "event", ("events", i), event
    for i, base in enumerate(doc.get("baselines") or []):
        yield "baseline", ("baselines", i), base
        for j, act in enumerate(base.get("activities") or []):
            yield "baselineActivity", ("baselines", i, "activities", j), act


def leaves(doc: dict[str, Any]) -> Iterator[tuple[str, Path_]]:
    """Yield (schema name of the owner, path) for every scalar outside ``attrs``."""
    for kind, path, obj in objects(doc):
        for key, value in obj.items():
            if key == "attrs":
                continue
            if isinstance(value, list):
                for j, item in enumerate(value):
                    if not isinstance(item, dict | list):
                        yield kind, (*path, key, j)
            elif not isinstance(value, dict):
                yield kind, (*path, key)


def _schema_object(name: str) -> dict[str, Any]:
    return SCHEMA["$defs"][name]


def _reader_key_sets() -> dict[str, frozenset[str]]:
    return {
        "project": _io._PROJECT_KEYS,
        "activity": _io._ACTIVITY_KEYS,
        "link": _io._LINK_KEYS,
        "constraint": _io._CONSTRAINT_KEYS,
        "estimate": _io._ESTIMATE_KEYS,
        "split": _io._SPLIT_KEYS,
        "calendar": _io._CALENDAR_KEYS,
        "calendarException": _io._EXCEPTION_KEYS,
        "party": _io._PARTY_KEYS,
        "event": _io._EVENT_KEYS,
        "options": _io._OPTION_KEYS,
        "baseline": _io._BASELINE_KEYS,
        "baselineActivity": _io._BASELINE_ACTIVITY_KEYS,
        "work_week": frozenset(_model.WEEKDAYS),
    }


#: Fields whose values come from a fixed list, by the schema name of their owner.
ENUM_FIELDS = {
    "project": ("format",),
    "activity": ("kind", "duration_unit", "outcome", "milestone_type"),
    "link": ("type",),
    "constraint": ("type",),
    "calendar": ("fallback",),
    "party": ("role",),
    "event": ("kind",),
    "options": ("lag_calendar", "progress", "float_type", "critical_path", "ss_lag_from",
                "float_calendar"),
}

#: A document that uses every field of the format at least once.
RICH: dict[str, Any] = {
    "format": "projtrack/1",
    "id": "rich",
    "name": "Every field",
    "name_zh": "所有字段",
    "description": "A project file that uses every field.",
    "start": "2024-01-02",
    "timezone": "Asia/Shanghai",
    "calendar": "site",
    "data_date": "2024-03-01T09:30",
    "must_finish_by": "2025-06-30",
    "options": {
        "lag_calendar": "successor",
        "progress": "progress_override",
        "float_type": "smallest",
        "critical_float": 1.5,
        "critical_path": "longest_path",
        "open_ends_critical": True,
        "ss_lag_from": "actual_start",
        "float_calendar": "project",
    },
    "attrs": {
        "district": "Shibei",
        "industry_chain": "new display",
        "investment_cny": 1.2e9,
        "foundation_pit_depth_m": 18.5,
        "metro_distance_m": 12,
        "metro_structure": "Lines 1 and 2",
    },
    "parties": [
        {"id": "metro", "name": "Qingdao Metro Group", "name_zh": "青岛地铁集团",
         "role": "metro_operator", "attrs": {"contact": "x"}},
        {"id": "bureau", "role": "government_agency"},
    ],
    "calendars": [
        {
            "name": "site",
            "base": "cn",
            "description": "Site calendar",
            "hours_per_day": 8,
            "fallback": "weekdays",
            "work_week": {"mon": ["08:00-12:00", "13:00-17:00"], "tue": None,
                          "wed": ["08:00-17:00"], "thu": ["00:00-24:00"], "fri": [],
                          "sat": ["8:00-12:00"], "sun": []},
            "exceptions": [
                {"date": "2024-02-10", "end": "2024-02-17", "hours": [],
                 "name": "Spring Festival"},
                {"date": "2024-02-04", "hours": ["08:00-12:00", "13:00-24:00"],
                 "name": "make-up day"},
            ],
        }
    ],
    "activities": [
        {
            "id": "scheme",
            "name": "Foundation-pit scheme",
            "name_zh": "基坑方案",
            "kind": "task",
            "duration": 15,
            "duration_unit": "d",
            "calendar": "7d",
            "stage": "design",
            "wbs": ["Zone B/C", "Pit"],
            "party": "metro",
            "constraints": [
                {"type": "start_no_earlier_than", "date": "2024-01-05"},
                {"type": "finish_no_later_than",
                 "date": "2024-03-01T17:00:00+08:00[Asia/Shanghai]"},
            ],
            "estimate": {"optimistic": 10, "most_likely": 15, "pessimistic": 30.5},
            "actual_start": "2024-01-05",
            "actual_finish": "2024-01-25T17:00:00+08:00",
            "remaining_duration": 0,
            "percent_complete": 100,
            "estimated": True,
            "description": "Drawn up by the design institute.",
            "attrs": {"source": "seed page"},
        },
        {
            "id": "review",
            "kind": "approval",
            "duration": "36h",
            "agency": "metro",
            "time_limit": 20,
            "outcome": "approved",
            "splits": [{"after": 8, "pause": 16}],
            "links": ["scheme", {"pred": "scheme", "type": "FF", "lag": "-4h"}],
        },
        {
            "id": 7,
            "kind": "milestone",
            "milestone_type": "start",
            "wbs": "Zone B/C/Start",
            "links": [{"pred": "review", "type": "SS", "lag": 2.5}],
        },
        {
            "id": "late",
            "duration": "5ed",
            "actual_start": "2024-02-02",
            "resume": "2024-02-05T08:00:00+08:00",
            "constraints": [{"type": "as_late_as_possible"}],
            "links": [7, {"pred": "scheme", "lag": "12eh"}],
        },
    ],
    "events": [
        {"at": "2024-01-05T09:00", "kind": "submitted", "activity": "review", "party": "metro",
         "cause": "funding", "outcome": "success", "percent": 50, "remaining": 3,
         "note": "submitted in person", "estimated": False, "attrs": {"ref": 1}},
        {"at": "2024-02-01", "kind": "approved", "activity": 7},
    ],
    "baselines": [
        {
            "name": "plan",
            "description": "Planned before any progress.",
            "data_date": "2024-01-02",
            "finish": "2024-03-01T17:00:00+08:00[Asia/Shanghai]",
            "activities": [
                {"id": "scheme", "start": "2024-01-05T08:00", "finish": "2024-01-25",
                 "duration": 15, "total_float": 0},
                {"id": 7, "start": "2024-02-01", "finish": "2024-02-01"},
            ],
        }
    ],
}


def both_reject(doc: dict[str, Any], field: str | None) -> None:
    errors = schema_errors(doc)
    assert errors, f"the schema accepts {field}"
    exc = loader_error(doc)
    assert exc is not None, f"projtrack.loads accepts {field}; the schema says {errors}"
    if field is not None:
        assert exc.field == field, str(exc)
        assert exc.line is not None and exc.column is not None, str(exc)


# --------------------------------------------------------------------------- (a) valid schema


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert jsonschema.validators.validator_for(SCHEMA) is jsonschema.Draft202012Validator


def test_rich_document_uses_every_field_and_both_accept_it() -> None:
    # If a field is added to the reader, RICH must show it, or the tests below miss it.
    seen: dict[str, set[str]] = {}
    for kind, _, obj in objects(RICH):
        seen.setdefault(kind, set()).update(obj)
    for kind, keys in _reader_key_sets().items():
        assert seen.get(kind) == set(keys), kind
    assert schema_errors(RICH) == []
    assert loader_error(RICH) is None


# --------------------------------------------------------------------------- (b) examples


def test_there_are_examples() -> None:
    assert (ROOT / "examples" / "renhe-road.yaml") in EXAMPLES


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(ROOT)))
def test_example_file_validates(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else iso_dates(yaml.safe_load(text))
    assert schema_errors(data) == []
    pt.load(path)  # and projtrack agrees


# --------------------------------------------------------------------------- (c) what we write


@given(projects())
def test_everything_projtrack_writes_validates(project: pt.Project) -> None:
    assert schema_errors(json.loads(pt.dumps(project, format="json"))) == []
    assert schema_errors(iso_dates(yaml.safe_load(pt.dumps(project)))) == []
    assert schema_errors(pt.to_dict(project)) == []


_UNITS = st.sampled_from(_model.TIME_UNITS)
_FLOATS = st.floats(allow_nan=False, allow_infinity=False)


@given(
    duration=st.floats(min_value=0, allow_nan=False, allow_infinity=False) | st.integers(0),
    duration_unit=_UNITS,
    lag=_FLOATS | st.integers(),
    lag_unit=_UNITS,
    milestone_unit=_UNITS,
)
def test_amounts_in_any_unit_validate(duration: float, duration_unit: str, lag: float,
                                      lag_unit: str, milestone_unit: str) -> None:
    # Text amounts are written with repr(): 1e-05h, 1.5e+300ed ... the pattern must take them.
    project = pt.Project(
        id="p",
        start=pendulum.Date(2024, 1, 2),
        activities=[
            pt.Activity(id="a", duration=duration, duration_unit=duration_unit),
            pt.Activity(id="m", kind="milestone", duration_unit=milestone_unit),
        ],
        links=[pt.Link(pred="a", succ="m", lag=lag, lag_unit=lag_unit)],
    )
    data = pt.to_dict(project)
    assert schema_errors(data) == []
    assert pt.from_dict(data) == project


def test_rich_project_round_trip_validates() -> None:
    project = pt.from_dict(RICH)
    assert schema_errors(pt.to_dict(project)) == []
    assert schema_errors(json.loads(pt.dumps(project, format="json"))) == []


# --------------------------------------------------------------------------- (d) agreement


def _enum_cases() -> list[tuple[Path_, Any]]:
    cases = []
    covered = set()
    for kind, path, obj in objects(RICH):
        for key in ENUM_FIELDS.get(kind, ()):
            if key not in obj:
                continue
            covered.add((kind, key))
            value = obj[key]
            for bad in ("bogus", value.upper() if value.upper() != value else value.lower()):
                cases.append(((*path, key), bad))
    assert covered == {(kind, key) for kind, keys in ENUM_FIELDS.items() for key in keys}
    return cases


@pytest.mark.parametrize(("path", "bad"), _enum_cases(), ids=lambda v: repr(v))
def test_bad_enum_value_rejected_by_schema_and_loader(path: Path_, bad: str) -> None:
    doc = copy.deepcopy(RICH)
    get(doc, path[:-1])[path[-1]] = bad
    both_reject(doc, path_text(path))


@pytest.mark.parametrize(
    "path",
    [("activities", 0, "kind"), ("activities", 1, "links", 1, "type"), ("parties", 0, "role")],
    ids=path_text,
)
def test_empty_text_is_not_a_default_enum_value(path: Path_) -> None:
    # Null means "the default"; empty text is a mistake, not another way to say it.
    doc = copy.deepcopy(RICH)
    get(doc, path[:-1])[path[-1]] = None
    assert schema_errors(doc) == [] and loader_error(doc) is None
    get(doc, path[:-1])[path[-1]] = ""
    both_reject(doc, path_text(path))


@pytest.mark.parametrize(
    "path", [path for _, path, _ in objects(RICH)], ids=lambda p: path_text(p) or "<root>"
)
def test_unknown_field_rejected_by_schema_and_loader(path: Path_) -> None:
    doc = copy.deepcopy(RICH)
    get(doc, path)["colour"] = "red"
    both_reject(doc, path_text((*path, "colour")))


@pytest.mark.parametrize("path", [path for _, path in leaves(RICH)], ids=path_text)
def test_wrong_type_rejected_by_schema_and_loader(path: Path_) -> None:
    doc = copy.deepcopy(RICH)
    get(doc, path[:-1])[path[-1]] = {"unexpected": "mapping"}
    both_reject(doc, None)


@pytest.mark.parametrize("path", [path for _, path in leaves(RICH)], ids=path_text)
def test_null_means_the_same_to_schema_and_loader(path: Path_) -> None:
    doc = copy.deepcopy(RICH)
    owner = get(doc, path[:-1])
    owner[path[-1]] = None
    schema_ok = not schema_errors(doc)
    exc = loader_error(doc)
    if path[-1] == "duration" and owner.get("splits"):
        # A cross-field rule the schema cannot state (it says so): splits must
        # lie inside the duration, and a null duration is 0.
        assert schema_ok and exc is not None and ".splits[0].after" in str(exc)
        return
    assert schema_ok == (exc is None), (schema_errors(doc), str(exc))


def _required_cases() -> list[tuple[str, str]]:
    cases = [("project", key) for key in SCHEMA["required"]]
    for name in ("activity", "link", "constraint", "estimate", "calendar", "calendarException",
                 "party", "event", "baseline", "baselineActivity"):
        cases += [(name, key) for key in _schema_object(name)["required"]]
    return cases


@pytest.mark.parametrize(("kind", "key"), _required_cases())
def test_missing_required_field_rejected_by_schema_and_loader(kind: str, key: str) -> None:
    doc = copy.deepcopy(RICH)
    obj = next(obj for k, _, obj in objects(doc) if k == kind and key in obj)
    del obj[key]
    both_reject(doc, None)


def _project_documents() -> st.SearchStrategy[dict[str, Any]]:
    return projects(max_activities=6).map(lambda p: json.loads(pt.dumps(p, format="json")))


@given(doc=_project_documents(), data=st.data())
def test_random_unknown_field_or_bad_enum_rejected_by_both(doc: dict[str, Any],
                                                           data: st.DataObject) -> None:
    targets = [(kind, path, obj) for kind, path, obj in objects(doc)]
    kind, path, obj = data.draw(st.sampled_from(targets))
    enum_keys = [key for key in ENUM_FIELDS.get(kind, ()) if isinstance(obj.get(key), str)]
    if enum_keys and data.draw(st.booleans()):
        key = data.draw(st.sampled_from(enum_keys))
        obj[key] = data.draw(st.sampled_from(["bogus", obj[key].upper() + "x", " "]))
    else:
        key = data.draw(st.sampled_from(["colour", "durations", "Name", "link", "pred_id"]))
        obj[key] = 1
    both_reject(doc, path_text((*path, key)))


@given(doc=_project_documents(), data=st.data(),
       value=st.sampled_from([None, {"a": 1}, [1], True, -1, "x", "2024-01-02"]))
def test_random_change_judged_alike_by_schema_and_loader(doc: dict[str, Any],
                                                         data: st.DataObject,
                                                         value: Any) -> None:
    # Any scalar set to a value of another type: both accept or both reject, except
    # for what the schema cannot see (references to other items, orders of values).
    spots = list(leaves(doc))
    if not spots:
        return
    _, path = data.draw(st.sampled_from(spots))
    get(doc, path[:-1])[path[-1]] = value
    exc = loader_error(doc)
    errors = schema_errors(doc)
    if exc is None:
        assert errors == [], f"schema rejects what projtrack accepts at {path_text(path)}"
    elif not errors:
        assert isinstance(exc, pt.ValidationError), str(exc)
        assert _beyond_the_schema(exc), str(exc)


def _beyond_the_schema(exc: pt.ProjtrackError) -> bool:
    """Errors that need more than one field to see, which JSON Schema cannot express."""
    if isinstance(exc, pt.UnknownReferenceError | pt.DanglingLinkError | pt.DuplicateIdError
                  | pt.DependencyCycleError):
        return True
    patterns = (
        r"is before",  # actual_finish before actual_start, exception end before date
        r"optimistic <= most_likely <= pessimistic",
        r"the two constraints have the same type",
        r"as_late_as_possible cannot be combined",
        r"working periods must be in order",
        r"is not a working period; need 0 <= start < end",
        r"names itself as its base|calendar bases form a loop",
        r"unknown time zone",
    )
    return any(re.search(p, exc.message) for p in patterns)


# --------------------------------------------------------------------------- (e) no drift


def _schema_keys(name: str) -> set[str]:
    if name == "project":
        return set(SCHEMA["properties"])
    if name == "work_week":
        week = _schema_object("calendar")["properties"]["work_week"]["anyOf"][0]
        assert week["additionalProperties"] is False
        return set(week["properties"])
    obj = _schema_object(name)
    assert obj["additionalProperties"] is False, name
    return set(obj["properties"])


@pytest.mark.parametrize("name", sorted(_reader_key_sets()))
def test_schema_field_names_equal_the_reader_key_sets(name: str) -> None:
    assert _schema_keys(name) == set(_reader_key_sets()[name])


def test_schema_has_no_unused_definitions() -> None:
    text = json.dumps(SCHEMA)
    for name in SCHEMA["$defs"]:
        assert f'"#/$defs/{name}"' in text, name


def _enum(schema: dict[str, Any]) -> list[Any]:
    return [value for value in schema["enum"] if value is not None]


def test_schema_enums_equal_the_model_constants() -> None:
    props = SCHEMA["properties"]
    act = _schema_object("activity")["properties"]
    options = _schema_object("options")["properties"]
    assert _enum(props["format"]) == [_io.FORMAT_VERSION]
    assert _enum(act["kind"]) == list(_model.ACTIVITY_KINDS)
    assert _enum(act["duration_unit"]) == list(_model.TIME_UNITS)
    assert _enum(act["outcome"]) == list(_model.APPROVAL_OUTCOMES)
    assert _enum(act["milestone_type"]) == list(_model.MILESTONE_TYPES)
    assert _enum(_schema_object("link")["properties"]["type"]) == list(_model.LINK_TYPES)
    assert _enum(_schema_object("constraint")["properties"]["type"]) == list(
        _model.CONSTRAINT_TYPES)
    assert _enum(_schema_object("party")["properties"]["role"]) == list(_model.PARTY_ROLES)
    assert _enum(_schema_object("event")["properties"]["kind"]) == list(_model.EVENT_KINDS)
    assert _enum(_schema_object("calendar")["properties"]["fallback"]) == list(
        pt.Calendar.FALLBACKS)
    assert _enum(options["lag_calendar"]) == list(pt.ScheduleOptions.LAG_CALENDARS)
    assert _enum(options["progress"]) == list(pt.ScheduleOptions.PROGRESS_MODES)
    assert _enum(options["float_type"]) == list(pt.ScheduleOptions.FLOAT_TYPES)
    assert _enum(options["critical_path"]) == list(pt.ScheduleOptions.CRITICAL_PATHS)
    assert _enum(options["ss_lag_from"]) == list(pt.ScheduleOptions.SS_LAG_FROM)
    assert _enum(options["float_calendar"]) == list(pt.ScheduleOptions.FLOAT_CALENDARS)


def test_file_format_page_mentions_every_field_and_value() -> None:
    page = (ROOT / "docs" / "file-format.md").read_text(encoding="utf-8")
    names = set().union(*_reader_key_sets().values())
    for values in (_model.ACTIVITY_KINDS, _model.TIME_UNITS, _model.APPROVAL_OUTCOMES,
                   _model.LINK_TYPES, _model.CONSTRAINT_TYPES, _model.PARTY_ROLES,
                   _model.EVENT_KINDS, pt.ScheduleOptions.LAG_CALENDARS,
                   pt.ScheduleOptions.PROGRESS_MODES, pt.ScheduleOptions.FLOAT_TYPES,
                   pt.ScheduleOptions.CRITICAL_PATHS, pt.ScheduleOptions.SS_LAG_FROM,
                   pt.Calendar.FALLBACKS):
        names.update(values)
    missing = sorted(name for name in names if f"`{name}`" not in page)
    assert missing == []
