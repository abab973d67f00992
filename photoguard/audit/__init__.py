"""The approval log: the hash chain, its witness, reading it, the summary.

* chain.py: appending records and reading them back (:func:`append`,
  :func:`log_action`, :func:`records`, ...);
* bodies.py: the typed body of each action, which writers build and readers read
  (``record.typed_body``, ``record.body_as(ScanFile)``);
* verification.py: whether one record stands in its chain (:func:`chained`), and
  the whole log verified (:func:`verify`), with witness.py (what the data folder
  saw being written) and tables.py (the tables the log vouches for);
* view.py: the log as people read it (filters, one line per record, CSV export);
* summary.py: the superintendent's periodic summary, counted from the log;
  summary_files.py writes it as CSV and HTML.

Other packages use the names below (``from photoguard import audit``, then
``audit.append(...)``). Each is imported from its module on first use, so
importing the package costs nothing until the log is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from photoguard.audit.chain import (
        GENESIS,
        Record,
        append,
        default_actor,
        find_records,
        last_record,
        log_action,
        record_hash,
        records,
        records_of,
    )
    from photoguard.audit.summary import Summary, summarise
    from photoguard.audit.summary_files import (
        POLICY_2A3,
        POLICY_SECTION_4,
        render_html,
        write_summary_csv,
        write_summary_html,
    )
    from photoguard.audit.verification import Verification, chained, verify
    from photoguard.audit.view import (
        EXPORT_COLUMNS,
        LogFilter,
        describe,
        export_csv,
        iter_rows,
        parse_date,
        paths_of,
        printable,
        read_records,
        short_time,
    )
    from photoguard.audit.witness import (
        HEAD_FILE,
        WITNESS_FILE,
        canonical_json,
        read_head,
        read_witness,
        write_head,
    )

__all__ = [
    "EXPORT_COLUMNS",
    "GENESIS",
    "HEAD_FILE",
    "POLICY_2A3",
    "POLICY_SECTION_4",
    "WITNESS_FILE",
    "LogFilter",
    "Record",
    "Summary",
    "Verification",
    "append",
    "canonical_json",
    "chained",
    "default_actor",
    "describe",
    "export_csv",
    "find_records",
    "iter_rows",
    "last_record",
    "log_action",
    "parse_date",
    "paths_of",
    "printable",
    "read_head",
    "read_records",
    "read_witness",
    "record_hash",
    "records",
    "records_of",
    "render_html",
    "short_time",
    "summarise",
    "verify",
    "write_head",
    "write_summary_csv",
    "write_summary_html",
]

#: The module each name of ``__all__`` comes from.
_HOMES = {
    **dict.fromkeys(
        (
            "GENESIS",
            "Record",
            "append",
            "default_actor",
            "find_records",
            "last_record",
            "log_action",
            "record_hash",
            "records",
            "records_of",
        ),
        "chain",
    ),
    **dict.fromkeys(("Verification", "chained", "verify"), "verification"),
    **dict.fromkeys(
        ("HEAD_FILE", "WITNESS_FILE", "canonical_json", "read_head", "read_witness", "write_head"),
        "witness",
    ),
    **dict.fromkeys(
        (
            "EXPORT_COLUMNS",
            "LogFilter",
            "describe",
            "export_csv",
            "iter_rows",
            "parse_date",
            "paths_of",
            "printable",
            "read_records",
            "short_time",
        ),
        "view",
    ),
    **dict.fromkeys(("Summary", "summarise"), "summary"),
    **dict.fromkeys(
        (
            "POLICY_2A3",
            "POLICY_SECTION_4",
            "render_html",
            "write_summary_csv",
            "write_summary_html",
        ),
        "summary_files",
    ),
}

if not TYPE_CHECKING:

    def __getattr__(name: str) -> object:
        if name not in _HOMES:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
        globals()[name] = value
        return value
