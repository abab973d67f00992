"""What a schema upgrade writes to the approval log (the store's data steps).

The store applies the schema (store/schema.py) but knows nothing of the log's
records or the roster's students; a step that converts existing data gets its
data step from here (:data:`DATA_STEPS`), passed in by workspace/database.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from photoguard.audit import bodies
from photoguard.audit.chain import Record, append
from photoguard.roster import stored as rosters
from photoguard.store.engine import Tx
from photoguard.vocab import LogAction

#: Who the records of an upgrade are written by.
UPGRADE_ACTOR = "photoguard upgrade"


def link_and_seal(tx: Tx) -> list[Record]:
    """Schema 3's data step: tie every scan_files row to its scan.file record, and seal
    every roster version already imported in the approval log (a ``roster.seal`` record
    with the digest of its students and opt-out flags), so that from now on a change
    made to those tables behind photoguard's back is found (see audit/tables.py).
    A change made before the upgrade cannot be told apart from the original."""
    links: dict[tuple[int, str], int] = {}
    for row in tx.rows("SELECT school, seq, body FROM audit_log WHERE action = 'scan.file'"):
        try:
            logged = bodies.parse_as(bodies.ScanFile, LogAction.SCAN_FILE, json.loads(row["body"]))
        except (ValueError, TypeError):
            logged = None
        if logged is None or logged.scan_id is None or logged.path is None:
            continue  # damaged: log verify reports it
        key = (logged.scan_id, logged.path)
        links[key] = max(links.get(key, 0), int(row["seq"]))
    tx.executemany(
        "UPDATE scan_files SET record_seq = ? WHERE scan_id = ? AND path = ?",
        [(seq, scan_id, path) for (scan_id, path), seq in links.items()],
    )
    appended: list[Record] = []
    for version in tx.rows("SELECT * FROM roster_versions ORDER BY school, id"):
        label = f"{version['id']}:{str(version['source_sha256'])[:12]}"
        students = rosters.students(tx, int(version["id"]))
        seal = bodies.RosterSeal(
            roster_version=label,
            students_sha256=rosters.students_digest(students),
            students=len(students),
            opted_out=sum(1 for s in students if s.opted_out),
            sealed_at_upgrade=True,
        ).to_json_dict()
        appended.append(
            append(tx, str(version["school"]), UPGRADE_ACTOR, LogAction.ROSTER_SEAL, seal)
        )
    return appended


#: The data step of each schema version that converts existing data.
DATA_STEPS: dict[int, Callable[[Tx], list[Record]]] = {3: link_and_seal}
