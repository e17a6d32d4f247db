"""Disclosure control: what a release may publish (docs/disclosure.md).

`protect_table` suppresses the cells of a table (with all its marginal totals) so that no cell built on fewer
persons than the threshold can be recovered; `audit.intervals` is the attacker's view that checks it; the rules
are data (rules.yaml).
"""

from socialstat.disclosure.audit import exposed, intervals
from socialstat.disclosure.protect import protect_table, protect_tables, secondary_suppression
from socialstat.disclosure.rules import DisclosureRules, load_rules, parse_rules
from socialstat.disclosure.table import TOTAL, LinearTable, Relation, linked, with_totals

__all__ = [
    "TOTAL",
    "DisclosureRules",
    "LinearTable",
    "Relation",
    "exposed",
    "intervals",
    "linked",
    "load_rules",
    "parse_rules",
    "protect_table",
    "protect_tables",
    "secondary_suppression",
    "with_totals",
]
