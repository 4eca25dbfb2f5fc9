"""What every tabular result of projtrack can do: records, DataFrames, HTML, a text summary.

Result classes (comparisons, delay analyses, portfolios) subclass
:class:`ResultTable` and give their rows (:meth:`to_records`), their column
order and a one-paragraph :meth:`summary`. pandas is imported only inside
:meth:`ResultTable.to_pandas`; nothing here imports IPython (notebooks find
``_repr_html_`` by name).
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import TYPE_CHECKING, Any, ClassVar

import pendulum

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ResultTable", "fmt_days", "fmt_when"]


def fmt_when(value: Any) -> str:
    """Short text for a date or instant: the day, plus the time when it is not midnight."""
    if value is None:
        return ""
    if isinstance(value, _dt.datetime):
        if (value.hour, value.minute) == (0, 0):
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)


def fmt_days(value: float | None, *, sign: bool = False) -> str:
    """Working days for text: whole numbers without decimals, others with one."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    rounded = round(value)
    text = f"{rounded:,d}" if abs(value - rounded) < 0.05 else f"{value:,.1f}"
    if sign and value > 0:
        text = "+" + text
    return text


class ResultTable:
    """Base of projtrack's tabular results.

    Subclasses set :attr:`columns` (the column order of :meth:`to_pandas` and
    of the HTML table), :attr:`datetime_columns` (turned into time-zone-aware
    pandas datetimes), and implement :meth:`to_records` and :meth:`summary`.
    """

    columns: ClassVar[tuple[str, ...]] = ()
    datetime_columns: ClassVar[tuple[str, ...]] = ()
    #: Columns shown by ``_repr_html_`` (default: all of :attr:`columns`).
    html_columns: ClassVar[tuple[str, ...] | None] = None
    timezone: str = "Asia/Shanghai"

    def to_records(self) -> list[dict[str, Any]]:  # pragma: no cover - abstract
        """One dict per row, keys in :attr:`columns` order."""
        raise NotImplementedError

    def summary(self) -> str:  # pragma: no cover - abstract
        """A short text summary."""
        raise NotImplementedError

    def __str__(self) -> str:
        return self.summary()

    def __len__(self) -> int:
        return len(self.to_records())

    def to_pandas(self) -> pd.DataFrame:
        """The rows as a :class:`pandas.DataFrame` (columns in :attr:`columns` order).

        Date columns are time-zone-aware ``datetime64`` (``NaT`` when absent).

        Raises
        ------
        ImportError
            Without pandas (``pip install 'projtrack[pandas]'``).
        """
        try:
            import pandas as pd
        except ImportError:
            raise ImportError(
                f"{type(self).__name__}.to_pandas() needs pandas; install it with: "
                "pip install 'projtrack[pandas]'"
            ) from None
        records = self.to_records()
        frame = pd.DataFrame.from_records(records, columns=list(self.columns))
        for col in self.datetime_columns:
            values = [
                None if v is None else pd.Timestamp(_as_datetime(v, self.timezone))
                for v in frame[col]
            ]
            frame[col] = pd.to_datetime(pd.Series(values, dtype=object), utc=True).dt.tz_convert(
                self.timezone
            )
        return frame

    def _caption(self) -> str:
        return self.summary().splitlines()[0]

    def _repr_html_(self, max_rows: int = 30) -> str:
        from projtrack._display import html_block, html_table

        cols = self.html_columns or self.columns
        return html_block(html_table(self.to_records(), list(cols), max_rows=max_rows,
                                     caption=self._caption()))


def _as_datetime(value: Any, tz: str) -> _dt.datetime:
    if isinstance(value, _dt.datetime):
        return value
    return pendulum.datetime(value.year, value.month, value.day, tz=tz)
