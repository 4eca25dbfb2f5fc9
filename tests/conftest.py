"""Test configuration: Hypothesis profiles.

``CI=true`` selects Hypothesis's ``ci`` profile, which we extend with a
bound on examples so the whole suite fits CI's time budget. Locally the
``dev`` profile is used; ``HYPOTHESIS_PROFILE=thorough`` runs many more.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    settings(settings.get_profile("ci"), max_examples=60, deadline=None),
)
settings.register_profile(
    "dev",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", max_examples=2000, deadline=None)

if os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])
elif os.environ.get("CI"):
    settings.load_profile("ci")
else:
    settings.load_profile("dev")
