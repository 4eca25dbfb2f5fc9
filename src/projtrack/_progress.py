"""Progress bars for long work (large imports, portfolios, simulations).

One helper, :func:`progress`, wraps an iterable (or counts manual updates)
and draws a `tqdm <https://tqdm.github.io>`_ bar on standard error **only
when standard error is a terminal**. In pipes, CI logs, tests and notebooks
(where standard error is not a terminal) it is silent and costs nothing.

The bar waits half a second before it appears, so quick jobs never show
one. ``PROJTRACK_PROGRESS=0`` turns bars off everywhere; ``PROJTRACK_PROGRESS=1``
turns them on even without a terminal (for example to see them in a log).

Usage in library code::

    from projtrack._progress import progress

    for path in progress(paths, desc="Reading projects"):
        ...

    with progress(total=n, desc="Simulating", unit="run") as bar:
        for ...:
            bar.update(1)

Examples
--------
>>> from projtrack._progress import progress
>>> import io
>>> quiet = io.StringIO()                     # not a terminal: nothing is drawn
>>> sum(progress(range(1000), desc="adding", file=quiet)), quiet.getvalue()
(499500, '')
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import IO, Any, Generic, TypeVar

__all__ = ["Progress", "progress"]

T = TypeVar("T")


def _is_terminal(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    if isatty is None:
        return False
    try:
        return bool(isatty())
    except (ValueError, OSError):  # closed or detached stream
        return False


def _enabled(stream: Any, disable: bool | None) -> bool:
    if disable is not None:
        return not disable
    setting = os.environ.get("PROJTRACK_PROGRESS", "").strip().lower()
    if setting in ("0", "false", "no", "off"):
        return False
    if setting in ("1", "true", "yes", "on"):
        return True
    return _is_terminal(stream)


class Progress(Generic[T]):
    """What :func:`progress` returns: iterate over it, or call :meth:`update`.

    It is also a context manager that closes the bar. When bars are off it
    draws nothing; iteration, ``len()`` and :meth:`update` still work.
    """

    def __init__(self, iterable: Iterable[T] | None, bar: Any, total: int | None) -> None:
        self._iterable = iterable
        self._bar = bar
        self.total = total
        #: Units counted so far by :meth:`update` (and by iteration).
        self.n = 0

    @property
    def active(self) -> bool:
        """Whether a bar is being drawn."""
        return self._bar is not None

    def __iter__(self) -> Iterator[T]:
        if self._iterable is None:
            raise TypeError("this progress bar has no iterable; call update() instead")
        if self._bar is None:
            for item in self._iterable:
                self.n += 1
                yield item
            return
        try:
            for item in self._bar:
                self.n += 1
                yield item
        finally:
            self._bar.close()

    def __len__(self) -> int:
        if self.total is not None:
            return self.total
        return len(self._iterable)  # type: ignore[arg-type]

    def update(self, n: int = 1) -> None:
        """Count ``n`` more units of work."""
        self.n += n
        if self._bar is not None:
            self._bar.update(n)

    def set_description(self, desc: str) -> None:
        """Change the label in front of the bar."""
        if self._bar is not None:
            self._bar.set_description(desc)

    def close(self) -> None:
        """Remove the bar (no-op when bars are off)."""
        if self._bar is not None:
            self._bar.close()

    def __enter__(self) -> Progress[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def progress(
    iterable: Iterable[T] | None = None,
    *,
    total: int | None = None,
    desc: str | None = None,
    unit: str = "it",
    file: IO[str] | None = None,
    disable: bool | None = None,
    delay: float = 0.5,
) -> Progress[T]:
    """Wrap ``iterable`` in a progress bar drawn only on a terminal.

    Parameters
    ----------
    iterable
        What to iterate over; ``None`` for a manual bar driven by
        :meth:`Progress.update`.
    total
        Number of items (default ``len(iterable)`` when it has one).
    desc, unit
        Label before the bar and the name of one unit (``"project"``).
    file
        Where to draw (default standard error). Bars are drawn only when it
        is a terminal, unless ``disable`` or ``PROJTRACK_PROGRESS`` says
        otherwise.
    disable
        ``True`` never draws, ``False`` always draws, ``None`` decides from
        ``PROJTRACK_PROGRESS`` and the terminal.
    delay
        Seconds before the bar first appears (quick jobs show none).

    Returns
    -------
    Progress
        Iterate over it, or use it as a context manager and call ``update``.

    Examples
    --------
    >>> from projtrack._progress import progress
    >>> with progress(total=3, desc="steps", disable=True) as bar:
    ...     for _ in range(3):
    ...         bar.update()
    >>> bar.n, bar.active
    (3, False)
    >>> len(progress([1, 2, 3], disable=True))
    3
    """
    stream = sys.stderr if file is None else file
    if total is None and iterable is not None and hasattr(iterable, "__len__"):
        total = len(iterable)  # type: ignore[arg-type]
    if not _enabled(stream, disable):
        return Progress(iterable, None, total)
    try:
        from tqdm import tqdm  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - tqdm is a core dependency
        return Progress(iterable, None, total)
    bar = tqdm(
        iterable,
        total=total,
        desc=desc,
        unit=unit,
        file=stream,
        leave=False,
        dynamic_ncols=True,
        delay=delay,
        disable=False,
    )
    return Progress(iterable, bar, total)
