"""Where the conformance data is: ``../shared/conformance`` or ``$PROJTRACK_CONFORMANCE_DIR``.

Without the data the conformance tests are skipped, except under CI
(``CI=true``), where missing data is a failure: a green CI must mean the
oracle files were actually compared.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from projtrack.conformance import ENV_VAR, find_data_dir


@pytest.fixture(scope="session")
def conformance_dir() -> Path:
    found = find_data_dir()
    if found is not None:
        return found
    message = f"conformance data not found in ../shared/conformance or ${ENV_VAR}"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (required under CI)")
    pytest.skip(message)
