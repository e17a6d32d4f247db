"""Re-keying: every key in the store replaced by the key of the same identity number under a new secret.

A key is HMAC-SHA-256(secret, number) (`socialstat.pseudonym`), which cannot be reversed: re-keying needs the
identity numbers again — a list of every person in the store, e.g. the identity column of the extracts the store
was ingested from, or the case-management system's register of persons. Each number gives its old key and its
new key; every personal column of every table (`personal: true` in the model: person_key, household_key) is
rewritten through that map in one transaction. Before anything is written, every key in the store must be in
the map: a key without a number (a person missing from the list, or data loaded under another secret) would
lose its link, so the store is then left as it was and the error says how many keys in which table lack one.

Afterwards only the new secret links new data to the store; the old one should be destroyed. Nothing here
writes, logs or repeats a number or a secret (docs/how-to/rekey-a-store.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import ibis
import pandas as pd

from socialstat.errors import InvalidIdentityNumber, SocialstatError, StoreError
from socialstat.identity import parse_identity_number
from socialstat.model import load_model
from socialstat.pseudonym import Pseudonymiser
from socialstat.store.connect import Store

_PROBE = "000000000000"  # not a number: only to tell whether two secrets are the same


@dataclass
class RekeyReport:
    """What a re-keying did: numbers read, invalid (their line numbers, never the numbers), keys and rows."""

    numbers: int = 0
    invalid_lines: list[int] = field(default_factory=list)
    keys: int = 0  # distinct keys in the store, each replaced
    rows: dict[str, int] = field(default_factory=dict)  # rows rewritten per table

    def lines(self) -> list[str]:
        out = [f"identity numbers read: {self.numbers} ({len(self.invalid_lines)} invalid)"]
        if self.invalid_lines:
            shown = ", ".join(str(n) for n in self.invalid_lines[:10])
            out.append(f"  invalid on lines {shown}{' ...' if len(self.invalid_lines) > 10 else ''}")
        out.append(f"keys replaced: {self.keys}")
        out += [f"  {table}: {rows} rows" for table, rows in self.rows.items()]
        return out


def key_map(
    numbers: Iterable[str], old: Pseudonymiser, new: Pseudonymiser, *, today: dt.date | None = None
) -> tuple[dict[str, str], RekeyReport]:
    """Old key -> new key for every valid number (blank lines skipped); the report of what was read."""
    report = RekeyReport()
    mapping: dict[str, str] = {}
    for line, text in enumerate(numbers, start=1):
        if not text.strip():
            continue
        report.numbers += 1
        try:
            canonical = parse_identity_number(text, today=today).canonical
        except InvalidIdentityNumber:
            report.invalid_lines.append(line)
            continue
        mapping[old.key(canonical)] = new.key(canonical)
    return mapping, report


def personal_columns(store: Store) -> dict[str, tuple[str, ...]]:
    """The store's tables with personal columns, and those columns."""
    present = set(store.tables())
    return {
        t.name: t.personal_columns for t in load_model().tables.values() if t.personal_columns and t.name in present
    }


def rekey_store(
    store: Store, numbers: Iterable[str], old: Pseudonymiser, new: Pseudonymiser, *, today: dt.date | None = None
) -> RekeyReport:
    """Replace every key in `store` (made with `old`) by the key `new` gives the same number, in one transaction."""
    if old.key(_PROBE) == new.key(_PROBE):
        raise StoreError("the new key is the old key: give a new key file (socialstat key new FILE)")
    mapping, report = key_map(numbers, old, new, today=today)
    if not mapping:
        raise StoreError("re-keying needs the identity numbers of the store's persons; none valid were given")
    keys = ibis.memtable(pd.DataFrame({"old_key": list(mapping), "new_key": list(mapping.values())}))
    tables = personal_columns(store)
    missing = {}
    held: set[str] = set()
    for name, columns in tables.items():
        table = store.table(name)
        for column in columns:
            values = table.select(old_key=table[column]).filter(ibis._.old_key.notnull()).distinct()
            lacking = int(values.anti_join(keys, "old_key").count().execute())
            if lacking:
                missing[f"{name}.{column}"] = lacking
            held.update(values.old_key.execute())
    if missing:
        listed = ", ".join(f"{where}: {n}" for where, n in missing.items())
        raise StoreError(
            f"nothing was re-keyed: keys in the store have no identity number in the list ({listed}); give the "
            "numbers of every person, made under the secret given as the old one"
        )
    report.keys = len(held)
    store.lock("ingest")  # no ingest may publish keys under the old secret meanwhile (on a shared server)
    try:
        with store.transaction():
            for name, columns in tables.items():
                before = _filled(store.table(name), columns)
                report.rows[name] = store.replace_rows(name, _rekeyed(store.table(name), columns, keys))
                if _filled(store.table(name), columns) != before:  # a key came in after the check: undo all
                    raise StoreError(f"nothing was re-keyed: {name} changed while it was re-keyed; run it again")
    except SocialstatError:
        raise
    except Exception as exc:  # the store refused a row (e.g. its NOT NULL on a key): all was rolled back
        raise StoreError(f"nothing was re-keyed: the store refused it ({type(exc).__name__}); run it again") from None
    finally:
        store.unlock("ingest")
    return report


def _filled(table: ibis.Table, columns: tuple[str, ...]) -> tuple[int, ...]:
    """How many rows of `table` have each of `columns` filled (a key without a new key would turn NULL)."""
    counts = table.aggregate(**{c: table[c].count() for c in columns}).execute()
    return tuple(int(counts[c].iloc[0]) for c in columns)


def _rekeyed(table: ibis.Table, columns: tuple[str, ...], keys: ibis.Table) -> ibis.Table:
    """`table` with each of `columns` put through the key map (a NULL stays NULL)."""
    out = table
    for column in columns:
        m = keys.rename(**{f"_old_{column}": "old_key", f"_new_{column}": "new_key"})
        out = out.left_join(m, out[column] == m[f"_old_{column}"])
        out = out.mutate(**{column: out[f"_new_{column}"]}).drop(f"_old_{column}", f"_new_{column}")
    return out.select(*table.columns)
