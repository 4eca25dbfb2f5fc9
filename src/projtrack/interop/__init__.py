"""Reading and writing other tools' schedule files.

* :func:`read_xer` - Primavera P6 XER exports (several projects per file);
* :func:`read_mspdi` / :func:`write_mspdi` - Microsoft Project XML (MSPDI), and
  :func:`mspdi_view`, the project as MS Project sees the file written;
* :func:`read_csv` - activity and link tables exported from a spreadsheet.

All readers raise :class:`~projtrack.ImportFormatError` (naming the line and
the field) for anything wrong with their input, and nothing else.
"""

from __future__ import annotations

from projtrack.interop.csv import read_csv
from projtrack.interop.mspdi import mspdi_view, read_mspdi, write_mspdi
from projtrack.interop.xer import read_xer

__all__ = ["mspdi_view", "read_csv", "read_mspdi", "read_xer", "write_mspdi"]
