"""Algorithms on projects: the CPM schedule (:mod:`projtrack.algorithms.cpm`)."""

from __future__ import annotations

from projtrack.algorithms.cpm import *  # noqa: F403
from projtrack.algorithms.cpm import __all__ as _cpm_all

__all__ = [*_cpm_all]
