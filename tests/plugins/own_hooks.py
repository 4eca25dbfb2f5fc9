"""One-off plugin that defines a hook of its own, and one that implements it."""

import projtrack as pt


class Specs:
    @pt.hookspecs.hookspec
    def approval_agencies(self, project):
        """Return the ids of the agencies that approve something in ``project``."""


@pt.hookimpl
def add_hookspecs(pluginmanager):
    pluginmanager.add_hookspecs(Specs)


class Implementer:
    @pt.hookimpl
    def approval_agencies(self, project):
        return sorted({a.agency for a in project.activities if a.agency})
