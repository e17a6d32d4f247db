"""Fuzz the PX writer: a spec built from the fuzzed bytes is refused with PxError, or written so that `read_px`
reads it back to the same frame in every language (texts as the writer documents: a double quote becomes a
single one, a line break a space; values within 5e-16; a cell without a value or symbol becomes ".").

Run: `.venv/bin/python fuzz/fuzz_px_write.py fuzz/seeds/px_write` (or fuzz/run.py).
"""

from __future__ import annotations

import contextlib
import math
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["socialstat"]) if __name__ == "__main__" else contextlib.nullcontext():
    from socialstat.errors import PxError
    from socialstat.px import PxSpec, PxVariable, read_px, write_px

FOLDER = tempfile.TemporaryDirectory(prefix="fuzz-pxw-")
PATH = Path(FOLDER.name) / "table.px"
LANGUAGES = ("sv", "en", "fi", "de")
SYMBOLS = (None, None, None, ".", "..", "...", "....", ".....", "......", "-")
SPECIAL = (0.0, -0.0, 1e-300, 1e300, math.inf, -math.inf, math.nan, 0.1 + 0.2, 2.0**53 + 1)


def _text(fdp: atheris.FuzzedDataProvider, longest: int = 8) -> str:
    return fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, longest))


def _texts(fdp: atheris.FuzzedDataProvider, languages: tuple[str, ...]) -> dict[str, str]:
    return {lang: _text(fdp, 12) for lang in languages if fdp.ConsumeBool()}


def _value(fdp: atheris.FuzzedDataProvider) -> float | None:
    kind = fdp.ConsumeIntInRange(0, 3)
    if kind == 0:
        return None
    if kind == 1:
        return SPECIAL[fdp.ConsumeIntInRange(0, len(SPECIAL) - 1)]
    if kind == 2:
        return float(fdp.ConsumeIntInRange(-(10**9), 10**9))
    return fdp.ConsumeFloat()


def build_spec(fdp: atheris.FuzzedDataProvider) -> PxSpec:
    """A PxSpec from fuzzed bytes: 1-3 languages, up to 3 stub and 2 heading variables of 0-3 values."""
    if fdp.ConsumeIntInRange(0, 7) == 0:
        languages = tuple(_text(fdp, 4) for _ in range(fdp.ConsumeIntInRange(0, 2)))
    else:
        first = fdp.ConsumeIntInRange(0, len(LANGUAGES) - 1)
        languages = tuple(LANGUAGES[(first + k) % len(LANGUAGES)] for k in range(fdp.ConsumeIntInRange(1, 3)))
    variables = []
    for _ in range(fdp.ConsumeIntInRange(0, 5)):
        size = fdp.ConsumeIntInRange(0, 3)
        labels = {lang: [_text(fdp) for _ in range(size)] for lang in languages}
        codes = [_text(fdp) for _ in range(size)] if fdp.ConsumeBool() else None
        variables.append(PxVariable({lang: _text(fdp) for lang in languages}, labels, codes, fdp.ConsumeBool()))
    n_stub = fdp.ConsumeIntInRange(0, len(variables))
    cells = math.prod(len(next(iter(v.labels.values()), [])) for v in variables)
    values = [_value(fdp) for _ in range(cells)]
    symbols = [SYMBOLS[fdp.ConsumeIntInRange(0, len(SYMBOLS) - 1)] for _ in range(cells)]
    return PxSpec(
        matrix=_text(fdp), languages=languages, title=_texts(fdp, languages), contents=_texts(fdp, languages),
        units=_texts(fdp, languages), subject_code=_text(fdp), subject_area=_texts(fdp, languages),
        stub=variables[:n_stub], heading=variables[n_stub:], values=values, symbols=symbols,
        decimals=fdp.ConsumeIntInRange(-1, 16), showdecimals=fdp.ConsumeIntInRange(-1, 16),
        source=_texts(fdp, languages), notes=_texts(fdp, languages),
        last_updated=_text(fdp, 14) if fdp.ConsumeBool() else None,
        symbol_texts={s: _texts(fdp, languages) for s in ("..", "-", ".") if fdp.ConsumeBool()},
    )  # fmt: skip


def written(text: str) -> str:
    """A text as the writer documents it reads back."""
    return text.replace('"', "'").replace("\r", " ").replace("\n", " ")


def check_frame(path: Path, spec: PxSpec, lang: str) -> None:
    """The table read back from `path` in `lang` has the spec's labels, codes, values and symbols."""
    frame = read_px(path).to_frame(lang)
    variables = [*spec.stub, *spec.heading]
    expected = []
    for v in variables:
        expected.append(written(v.names[lang]))
        if v.codes is not None:
            expected.append(written(v.names[lang]) + "_code")
    if list(frame.columns) != [*expected, "value", "symbol"]:
        raise AssertionError(f"columns {list(frame.columns)} for {expected}")
    for k, (value, symbol) in enumerate(zip(spec.values, spec.symbols, strict=True)):
        row = frame.iloc[k]
        if symbol or value is None or math.isnan(value):
            want = symbol or "."
            if row["symbol"] != want or not (row["value"] == 0.0 if want == "-" else math.isnan(row["value"])):
                raise AssertionError(f"cell {k}: {row['value']!r} {row['symbol']!r} for the symbol {want!r}")
        elif row["symbol"] is not None or not math.isclose(row["value"], value, rel_tol=1e-15, abs_tol=6e-16):
            raise AssertionError(f"cell {k}: {row['value']!r} {row['symbol']!r} for {value!r}")
    size = 1
    for v in reversed(variables):
        labels, codes = v.labels[lang], v.codes
        position = [k // size % len(labels) for k in range(len(frame))]
        if list(frame[written(v.names[lang])]) != [written(labels[p]) for p in position]:
            raise AssertionError(f"labels of {v.names[lang]!r} differ")
        if codes is not None and list(frame[written(v.names[lang]) + "_code"]) != [written(codes[p]) for p in position]:
            raise AssertionError(f"codes of {v.names[lang]!r} differ")
        size *= len(labels)


def one_input(data: bytes) -> None:
    """Write a spec built from `data`, read it back in every language; raise only on a bug."""
    spec = build_spec(atheris.FuzzedDataProvider(data))
    try:
        write_px(PATH, spec)
    except PxError as err:
        if not str(err):
            raise AssertionError("an error without a message") from err
        return
    for lang in spec.languages:
        check_frame(PATH, spec, lang)


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
