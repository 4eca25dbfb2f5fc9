"""Testing helpers for projtrack and its plugins.

``projtrack.testing.strategies`` holds Hypothesis strategies (install the
``test`` extra). This package imports nothing heavy by itself.
"""

__all__: list[str] = []
