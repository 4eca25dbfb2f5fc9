"""Sphinx configuration for the projtrack documentation.

Build (warnings are errors, and no network is needed)::

    sphinx-build -W --keep-going -b html docs docs/_build/html

Pages are MyST Markdown. The API reference comes from the numpydoc docstrings
through autodoc and napoleon. Set ``PROJTRACK_DOCS_INTERSPHINX=1`` to link to
the Python, networkx, attrs, pendulum and pandas docs. This fetches their
inventories, so it is off by default: CI has no internet access.
"""

from __future__ import annotations

import os
from importlib.metadata import version as _version
from typing import Any

from docutils import nodes
from docutils.parsers.rst import Parser as RSTParser
from docutils.statemachine import StringList
from docutils.utils import new_document
from sphinx.application import Sphinx
from sphinx.directives.other import TocTree, glob_re
from sphinx.util import docname_join
from sphinx.util.docutils import SphinxDirective
from sphinx.util.matching import patfilter
from sphinx.util.nodes import explicit_title_re

# -- Project -------------------------------------------------------------------

project = "projtrack"
author = "projtrack developers"
copyright = "projtrack developers, MIT licence"
release = _version("projtrack")
version = ".".join(release.split(".")[:2])

# -- General -------------------------------------------------------------------

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "requirements.txt"]
templates_path: list[str] = []

# MyST: ``:::`` fences, definition lists, and anchors for ``[text](#heading)`` links.
myst_enable_extensions = ["colon_fence", "deflist", "fieldlist"]
myst_heading_anchors = 3

# -- autodoc + napoleon (numpy docstrings) -----------------------------------------

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_class_signature = "mixed"
autodoc_preserve_defaults = False
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_use_ivar = True

# -- intersphinx: off unless asked for (it would need the network) ----------------

intersphinx_mapping: dict[str, tuple[str, str | None]] = {}
if os.environ.get("PROJTRACK_DOCS_INTERSPHINX") == "1":
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "networkx": ("https://networkx.org/documentation/stable", None),
        "attrs": ("https://www.attrs.org/en/stable", None),
        "pendulum": ("https://pendulum.eustace.io/docs", None),
        "pandas": ("https://pandas.pydata.org/docs", None),
    }
intersphinx_disabled_reftypes = ["*"]

# -- HTML ------------------------------------------------------------------------

html_theme = "furo"
html_title = f"projtrack {release}"
html_static_path: list[str] = []
# Publish the JSON Schema at the site root, where its "$id" points.
html_extra_path = ["project.schema.json"]


# -- Local extensions ------------------------------------------------------------


def _docname(env: Any) -> str:
    """The name of the document being read (Sphinx >= 8.2 moved it)."""
    current = getattr(env, "current_document", None)
    return str(current.docname if current is not None else env.docname)


class GlobTocTree(TocTree):
    """``toctree`` whose glob entries may match nothing yet.

    Sphinx warns when a glob pattern matches no document, and that warning
    cannot be suppressed (it has no type). Under ``-W`` the build would then
    fail until every page named by a pattern exists. This subclass drops such
    patterns before Sphinx sees them. Explicit entries still have to exist.
    """

    def run(self) -> list[nodes.Node]:
        if "glob" in self.options:
            self.content = self._drop_empty_globs()
        return super().run()

    def _drop_empty_globs(self) -> StringList:
        docname = _docname(self.env)
        remaining = set(self.env.found_docs) - {docname}
        kept = StringList()
        for offset, line in enumerate(self.content):
            entry = line.strip()
            if entry and not explicit_title_re.match(entry):
                target = docname_join(docname, entry)
                if glob_re.match(entry):
                    matches = set(patfilter(remaining, target))
                    if not matches:
                        continue
                    remaining -= matches
                else:
                    remaining.discard(target.removesuffix(".md").removesuffix(".rst"))
            source, line_no = self.content.info(offset)
            kept.append(line, source, line_no)
        return kept


def _is_exception(obj: Any) -> bool:
    return isinstance(obj, type) and issubclass(obj, BaseException)


class PublicNamesDirective(SphinxDirective):
    """Document the ``projtrack.__all__`` names not documented yet on this page.

    The argument ``exceptions`` selects the exception and warning classes, and
    ``api`` selects the other names. Names already described on the page (by
    an explicit ``autoclass`` or ``autofunction`` earlier in it) are skipped.
    A name added to ``__all__`` later therefore still appears in the reference.
    """

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        import projtrack

        which = self.arguments[0]
        if which not in ("api", "exceptions"):
            raise self.error("argument must be 'api' or 'exceptions'")
        py = self.env.get_domain("py")
        documented = {
            name.removeprefix("projtrack.")
            for name, obj in py.objects.items()  # type: ignore[attr-defined]
            if obj.docname == _docname(self.env)
        }
        lines: list[str] = []
        for name in projtrack.__all__:
            obj = getattr(projtrack, name)
            if _is_exception(obj) != (which == "exceptions") or name in documented:
                continue
            if _is_exception(obj):
                directive = "autoexception"
            elif isinstance(obj, type):
                directive = "autoclass"
            elif callable(obj):
                directive = "autofunction"
            else:
                directive = "autodata"
            lines.append(f".. {directive}:: projtrack.{name}")
            if directive in ("autoclass", "autoexception"):
                lines += ["   :members:", "   :show-inheritance:"]
            lines.append("")
        if not lines:
            return []
        # The page may be Markdown, so parse the generated reST with the reST
        # parser (as MyST's eval-rst does) rather than with self.state.
        document = self.state.document
        generated = new_document(document["source"], document.settings)
        generated.reporter = document.reporter
        RSTParser().parse("\n".join(lines), generated)
        title = "Other public names" if which == "api" else "Other errors and warnings"
        return [nodes.rubric(text=title), *generated.children]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("toctree", GlobTocTree, override=True)
    app.add_directive("projtrack-public-names", PublicNamesDirective)
    # ``.. hook:: name`` / ``:hook:`name``` for the plugin hook reference (as in pytest).
    app.add_object_type("hook", "hook", objname="plugin hook", indextemplate="pair: %s; hook")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
