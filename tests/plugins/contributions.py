"""One-off plugin contributing a calendar, a template and a file format."""

import json

import pendulum

import projtrack as pt

six_day = pt.Calendar(name="six-day", base="standard", work_week={"sat": [(480, 1020)]})

survey = pt.ActivityTemplate(
    name="test.survey",
    title="Survey then report",
    activities=[pt.Activity(id="survey", duration=5), pt.Activity(id="report", duration=2)],
    links=[pt.Link(pred="survey", succ="report")],
)


def read_tiny(path):
    data = json.loads(path.read_text(encoding="utf-8"))
    return pt.Project(id=data["id"], start=pendulum.Date(2024, 1, 2),
                      activities=[pt.Activity(id=a) for a in data.get("activities", [])])


def write_tiny(project, path):
    path.write_text(json.dumps({"id": project.id,
                                "activities": [a.id for a in project.activities]}),
                    encoding="utf-8")


@pt.hookimpl
def register_calendars():
    return [six_day]


@pt.hookimpl
def register_activity_templates():
    return [survey]


@pt.hookimpl
def register_formats():
    return [pt.FileFormat(name="tiny", suffixes=[".tiny"], read=read_tiny, write=write_tiny,
                          description="a tiny JSON format for tests")]
