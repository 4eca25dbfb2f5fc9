"""One-off plugin with a misspelled hook name (register_check instead of register_checks)."""

import projtrack as pt


@pt.hookimpl
def register_check():
    return []
