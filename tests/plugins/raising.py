"""One-off plugin: one check that raises, one that yields garbage, one that works."""

import projtrack as pt


@pt.rule(id="TX001", title="Always raises", severity="warning")
def always_raises(ctx):
    raise ZeroDivisionError("deliberate")


@pt.rule(id="TX002", title="Yields something that is not a Finding")
def yields_garbage(ctx):
    yield "not a finding"


@pt.rule(id="TX003", title="Every project gets one note", severity="info")
def one_note(ctx):
    yield pt.Finding(f"note about {ctx.project.id}", evidence={"activities": len(ctx.project)})


@pt.hookimpl
def register_checks():
    return [always_raises, yields_garbage, one_note]
