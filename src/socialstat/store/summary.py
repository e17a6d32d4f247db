"""A readable summary of what the store holds: rows per table, and per municipality, unit and year."""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import pandas as pd

from socialstat.model.spec import Model, load_model
from socialstat.store.connect import Store


@dataclass(frozen=True)
class StoreSummary:
    """Row counts of the store."""

    tables: pd.DataFrame  # table, kind, rows
    by_municipality: pd.DataFrame  # table, municipality_code, name, year, rows
    by_unit: pd.DataFrame  # table, unit_code, level, name, year, rows (units below municipality)


def _year(expr: ibis.Value) -> ibis.Value:
    return expr.year() if expr.type().is_date() or expr.type().is_timestamp() else expr


def summarize(store: Store, *, model: Model | None = None) -> StoreSummary:
    """Count rows per table; per municipality and year and per sub-municipal unit and year for microdata."""
    model = model or load_model()
    tables = []
    for t in model.tables.values():
        tables.append({"table": t.name, "kind": t.kind, "rows": int(store.table(t.name).count().execute())})
    units = store.table("units")
    area_units = store.table("area_units")
    sub_units = units.filter(units.level.isin(["district", "administration"]))
    by_mun, by_unit = [], []
    for t in model.tables_of_kind("microdata"):
        if not t.period or "municipality_code" not in t.column_names:
            continue
        rel = store.table(t.name)
        rel = rel.mutate(year=_year(rel[t.period]))
        counts = rel.group_by(["municipality_code", "year"]).aggregate(rows=rel.count())
        by_mun.append(counts.mutate(table=ibis.literal(t.name)).execute())
        # Each year's events counted on the units valid that year, through their area.
        au = area_units.join(sub_units.select("unit_code", "level", "name_sv").distinct(), "unit_code")
        joined = rel.join(au, rel.area_code == au.area_code).filter(
            lambda x: (x.year >= x.valid_from.year()) & (x.valid_to.isnull() | (x.year <= x.valid_to.year()))
        )
        per_unit = joined.group_by(["unit_code", "level", "name_sv", "year"]).aggregate(rows=joined.count())
        by_unit.append(per_unit.mutate(table=ibis.literal(t.name)).execute())
    names = units.select("unit_code", "name_sv").distinct().execute().drop_duplicates("unit_code")
    mun = (
        pd.concat(by_mun, ignore_index=True)
        if by_mun
        else pd.DataFrame(columns=["municipality_code", "year", "rows", "table"])
    )
    mun = mun.merge(names, left_on="municipality_code", right_on="unit_code", how="left").drop(columns="unit_code")
    unit = (
        pd.concat(by_unit, ignore_index=True)
        if by_unit
        else pd.DataFrame(columns=["unit_code", "level", "name_sv", "year", "rows", "table"])
    )
    return StoreSummary(
        tables=pd.DataFrame(tables),
        by_municipality=mun.sort_values(["table", "municipality_code", "year"]).reset_index(drop=True),
        by_unit=unit.sort_values(["table", "level", "unit_code", "year"]).reset_index(drop=True),
    )


def format_summary(summary: StoreSummary, *, table: str = "referrals") -> str:
    """The summary as plain text: rows per table, then one table's rows per municipality and unit by year."""
    from socialstat.text import format_int, swedish_sort_key

    lines = ["Rows per table:"]
    for row in summary.tables.itertuples():
        lines.append(f"  {row.table:<22} {row.kind:<10} {format_int(int(row.rows)):>14}")

    def pivot(frame: pd.DataFrame, label: str, title: str) -> None:
        part = frame[frame["table"] == table]
        if part.empty:
            return
        wide = part.pivot_table(index=label, columns="year", values="rows", aggfunc="sum", fill_value=0)
        wide = wide.loc[sorted(wide.index, key=lambda name: swedish_sort_key(str(name)))]
        years = [int(y) for y in wide.columns]
        lines.append("")
        lines.append(f"{title} ({table}):")
        lines.append(f"  {'':<28}" + "".join(f"{y:>9}" for y in years))
        for name, values in wide.iterrows():
            cells = "".join(f"{format_int(int(v)) if v else '-':>9}" for v in values)
            lines.append(f"  {str(name)[:28]:<28}{cells}")

    pivot(summary.by_municipality, "name_sv", "Rows per municipality and year")
    pivot(summary.by_unit, "name_sv", "Rows per district (2011–2020) and social administration (2021–)")
    return "\n".join(lines)
