"""socialstat.px: SCB's real PX files, synthetic sparse (KEYS) files, hostile input, and a write/read property."""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialstat.errors import PxError
from socialstat.px import MetaKey, PxTable, TimeList, read_px

DATA = Path(__file__).parent / "data" / "px"
MULTI = DATA / "BE0101F1langensvfiolikacelln.px"
DOTS = DATA / "BE0101F1datasymbols.px"
NIL = DATA / "BE0101F1nildotsymbols.px"
OFFICIAL = DATA / "officialstatistics.px"

REGIONS_EN = ["00 Sweden", "01 Stockholm county", "0114 Upplands Väsby", "0115 Vallentuna"]
REGIONS_SV = ["00 Riket", "01 Stockholms län", "0114 Upplands Väsby", "0115 Vallentuna"]
FIVE_EN = ["region", "region_code", "age", "age_code", "period", "type", "type_code", "sex", "sex_code"]
# The DATA of the multilingual file: one row per region × age, columns (Inmigrated, Outmigrated) × (men, women).
MULTI_DATA = [
    [456, 938, 223, 327],
    [613, 948, 305, 464],
    [835, 968, 325, 511],
    [590, 1017, 480, 741],
    [771, 1145, 668, 993],
    [924, 1273, 672, 906],
    [14, 38, 22, 43],
    [21, 36, 34, 57],
    [26, 36, 34, 34],
    [17, 20, 22, 30],
    [13, 21, 29, 42],
    [20, 23, 33, 35],
]


def cell(frame: pd.DataFrame, **labels: str) -> pd.Series:
    """The one row of `frame` with the given labels."""
    mask = np.ones(len(frame), dtype=bool)
    for column, label in labels.items():
        mask &= (frame[column] == label).to_numpy()
    rows = frame[mask]
    assert len(rows) == 1, f"{len(rows)} rows match {labels}"
    return rows.iloc[0]


def test_the_data_directory_is_a_byte_for_byte_copy_with_a_source_note() -> None:
    source = (DATA / "SOURCE.md").read_text(encoding="utf-8")
    assert "statisticssweden/PxWeb" in source
    assert "9a55e6492961f646f7fc298377e5001a954632ee" in source
    assert "Apache-2.0" in source
    raw = MULTI.read_bytes()
    assert raw.startswith(b'CHARSET="ANSI";\n')
    assert "Väsby".encode("cp1252") in raw  # single-byte ä, as SCB wrote it


# ---------------------------------------------------------------- the multilingual file (en, sv, fi)


@pytest.fixture(scope="module")
def multi() -> PxTable:
    return read_px(MULTI)


def test_multilingual_languages_and_variables(multi: PxTable) -> None:
    meta = multi.metadata
    assert meta.default_language == "en"
    assert meta.languages == ("en", "sv", "fi")
    assert meta.stub() == ["region", "age"]
    assert meta.heading() == ["period", "type", "sex"]
    assert meta.variables("sv") == ["region", "ålder", "tid", "typ", "kön"]
    assert meta.variables("fi") == ["kunta", "ikä", "aika", "tyypi", "sukupuoli"]
    assert meta.variables("en") == meta.variables()


def test_multilingual_frame_shape_and_cells(multi: PxTable) -> None:
    frame = multi.to_frame()
    assert list(frame.columns) == [*FIVE_EN, "value", "symbol"]
    assert len(frame) == 4 * 3 * 1 * 2 * 2 == 48
    assert frame["value"].dtype == np.float64
    assert frame["symbol"].isna().all()
    assert list(frame["region"].unique()) == REGIONS_EN
    # stub varies slowest, the last heading variable fastest: the frame's values are DATA read row by row
    assert frame["value"].tolist() == [float(v) for row in MULTI_DATA for v in row]
    assert cell(frame, region="0114 Upplands Väsby", age="21", type="Outmigrated", sex="women")["value"] == 57.0
    assert cell(frame, region="0115 Vallentuna", age="22", type="Inmigrated", sex="men")["value"] == 20.0
    assert cell(frame, region="01 Stockholm county", age="20", type="Inmigrated", sex="women")["value"] == 1017.0
    row = cell(frame, region="00 Sweden", age="20", type="Outmigrated", sex="men")
    assert (row["value"], row["region_code"], row["type_code"], row["sex_code"], row["period"]) == (
        223.0,
        "00",
        "BE0101F2",
        "1",
        "2003",
    )
    assert "period_code" not in frame.columns  # no CODES("period")


def test_multilingual_swedish_and_finnish_labels(multi: PxTable) -> None:
    sv = multi.to_frame(lang="sv")
    assert list(sv.columns) == [
        *["region", "region_code", "ålder", "ålder_code", "tid", "typ", "typ_code", "kön", "kön_code"],
        *["value", "symbol"],
    ]
    assert list(sv["region"].unique()) == REGIONS_SV
    assert cell(sv, region="0114 Upplands Väsby", ålder="21", typ="Utflyttade", kön="kvinnor")["value"] == 57.0
    assert cell(sv, region="01 Stockholms län", ålder="22", typ="Inflyttade", kön="män")["value"] == 924.0
    fi = multi.to_frame(lang="fi")
    row = cell(fi, kunta="Ruotsi", ikä="20", tyypi="Lähtömuutto", sukupuoli="naiset")
    assert (row["value"], row["kunta_code"], row["tyypi_code"]) == (327.0, "00", "BE0101F2")
    en = multi.to_frame()
    assert (sv["value"] == en["value"]).all()
    assert (fi["value"] == en["value"]).all()
    assert (sv["region_code"] == en["region_code"]).all()
    assert multi.to_frame(lang="en").equals(en)


def test_multilingual_values_and_codes_helpers(multi: PxTable) -> None:
    meta = multi.metadata
    assert meta.values("region") == REGIONS_EN
    assert meta.values("kunta", lang="fi") == ["Ruotsi", "01 Stockholms län", "0114 Upplands Väsby", "0115 Vallentuna"]
    assert meta.values("typ", lang="sv") == ["Inflyttade", "Utflyttade"]
    assert meta.codes("ålder", lang="sv") == ["20", "21", "22"]
    assert meta.codes("type") == ["BE0101F1", "BE0101F2"]
    assert meta.codes("period") is None
    with pytest.raises(PxError, match=r"no variable 'age' in language 'sv'"):
        meta.values("age", lang="sv")
    with pytest.raises(PxError, match=r"no language 'de' \(the file has en, sv, fi\)"):
        multi.to_frame(lang="de")


def test_multilingual_metadata(multi: PxTable) -> None:
    meta = multi.metadata
    assert len(meta) == 145  # every entry before DATA, one per line ending in ';'
    assert meta.get("TITLE") == "Migration by region, age, period, type and sex"
    assert meta.get("TITLE", lang="sv") == "Flyttningar efter region, ålder, tid, typ och kön"
    assert meta.get("title", lang="fi") == "Väestönmuutokset muuttujina kunta, ikä, aika, tyypi ja sukupuoli"
    assert meta.line("TITLE", lang="sv") == 14
    assert meta.get("CONTVARIABLE") == "type"
    assert meta.get("CONTVARIABLE", lang="sv") == "typ"
    # UNITS, LAST-UPDATED, STOCKFA, CONTACT per value of the contents variable
    assert meta.get("UNITS", "Inmigrated") == "number"
    assert meta.get("UNITS", "Outmigrated") == "number"
    assert meta.get("UNITS", "Utflyttade", lang="sv") == "antal"
    assert meta.get("UNITS", "Lähtömuutto", lang="fi") == "henkilö"
    assert meta.get("LAST-UPDATED", "Inflyttade", lang="sv") == "20040212 16:28"
    assert meta.get("STOCKFA", "Outmigrated") == "F"
    assert meta.get("TIMEVAL", "period") == TimeList("A1", ("2003",))
    assert meta.get("TIMEVAL", "aika", lang="fi") == TimeList("A1", ("2003",))
    assert meta.get("DECIMALS") == 0
    assert meta.get("SHOWDECIMALS") == 0
    assert meta.get("DECIMALS", lang="sv") is None  # language-independent keywords are read without lang
    assert meta.get("STUB", lang="sv") == ["region", "ålder"]
    assert meta.get("LANGUAGES") == ["en", "sv", "fi"]
    assert meta.get("ELIMINATION", "kunta", lang="fi") == "Ruotsi"
    assert meta.get("DOMAIN", "ålder", lang="sv") == "Ålder"
    assert meta.get("META-ID", "region", "00 Sweden") == "META1:aaa,META2:bbb"  # one string holding a comma
    assert meta.get("META-ID", lang="sv") == "META1:cfer,META2:ttt"
    # notes: pieces on several lines are concatenated, '#' (PX's line break) is kept as written
    assert meta.get("NOTE", "region") == (
        "Since 1 January 1999, a new regional division has been established. Parts of Södertälje municipality "
        "(code 0181) have formed a new municipality called Nykvarn (code 0140)."
    )
    assert meta.get("NOTE", "ålder", lang="sv") == (
        "Med ålder avses uppnådd ålder vid årets slut, d.v.s. i princip en redovisning efter födelseår."
    )
    assert meta.get("CONTACT", "Inmigrated") == (
        "Ewa Eriksson, SCB#Tel: +46 19-17 67 43#Fax: +46 19-17 69 42#E-mail: befolkning@scb.se"
    )
    note = meta.get("VALUENOTEX", "typ", "Inflyttade", lang="sv")
    assert isinstance(note, str)
    assert note.split("#") == [
        "Flyttningar kan inte summeras vad avser region. Vid t ex summering av kommuner till storstadsområde, "
        "summeras flyttningar till regionen med flyttningar inom regionen.",
        "Vid beräkning av åldersdifferentierade tal per 1 000 av medelfolkmängden skall medelfolkmängden per "
        "födelseår användas.",
    ]
    assert meta.get("CELLNOTEX", "*", "20", "*", "Inflyttade", "*", lang="sv") == "Cellnot inflyttade 20 år."
    assert meta.entries[MetaKey("CELLNOTE", "fi", ("*", "20", "*", "Lähtömuutto", "*"))] == (
        "Cellnot suomalainen alaviite, lähtömuuto, 20."
    )
    assert MetaKey("CHARSET", None, ()) in meta.entries
    assert meta.get("NOTEX", "kunta", lang="fi") == "Obligatorisk suomalainen alaviite, kunta."


# ---------------------------------------------------------------- special cells


def test_dot_symbols_are_nan_with_the_symbol_kept() -> None:
    table = read_px(DOTS)
    frame = table.to_frame()
    assert list(frame.columns) == [
        *["region", "region_code", "age", "age_code", "period", "sex", "sex_code", "value", "symbol"]
    ]
    assert len(frame) == 4 * 3 * 2 == 24
    women = frame[frame["sex"] == "women"]
    assert women["symbol"].tolist()[:6] == [".", "..", "...", "....", ".....", "......"]
    assert women["value"].iloc[:6].isna().all()
    assert women["value"].iloc[6:].tolist() == [38.0, 36.0, 36.0, 20.0, 21.0, 23.0]
    assert frame["symbol"].notna().sum() == 6
    assert frame["symbol"].dtype == object
    assert frame["symbol"].iloc[0] is None
    assert frame[frame["sex"] == "men"]["value"].tolist() == [456, 613, 835, 590, 771, 924, 14, 21, 26, 17, 13, 20]
    row = cell(frame, region="01 Stockholm county", age="22", sex="women")
    assert math.isnan(row["value"])
    assert row["symbol"] == "......"
    meta = table.metadata
    assert meta.languages == ("en",)
    assert [meta.get(f"DATASYMBOL{i}") for i in range(1, 7)] == ["one", "two", "three", "four", "five", "six"]
    assert meta.get("DATASYMBOLSUM") == "sum"
    assert meta.get("ELIMINATION", "sex") is True
    assert meta.get("ELIMINATION", "region") == "00 Sweden"
    assert meta.get("CELLNOTE", "*", "20", "*", "men") == "Cellnote 20 year old men"  # subkeys with spaces
    assert meta.get("VALUENOTE", "region", "00 Sweden") == "Request value note for Sweden"


def test_nil_symbol_is_a_true_zero_shown_as_a_dash() -> None:
    table = read_px(NIL)
    frame = table.to_frame()
    assert len(frame) == 48
    first = frame.iloc[:4]  # DATA's first row: "-" "." ".." "..."
    assert first["symbol"].tolist() == ["-", ".", "..", "..."]
    assert first["value"].iloc[0] == 0.0
    assert first["value"].iloc[1:].isna().all()
    assert frame["symbol"].value_counts().to_dict() == {"-": 8, ".": 2, "..": 2, "...": 2, "....": 1, "......": 1}
    assert frame.loc[frame["symbol"] == "-", "value"].tolist() == [0.0] * 8
    assert frame["value"].isna().sum() == 8  # the dot symbols only
    sthlm_21 = frame[(frame["region"] == "01 Stockholm county") & (frame["age"] == "21")]
    assert sthlm_21["symbol"].tolist() == ["-"] * 4  # DATA's fifth row: "-" "-" "-" "-"
    zeros = frame.iloc[4:8]  # DATA's second row: 0 0 0 0 -- zeros written as numbers keep no symbol
    assert zeros["value"].tolist() == [0.0] * 4
    assert zeros["symbol"].tolist() == [None] * 4
    row = cell(frame, region="0114 Upplands Väsby", age="20", type="Inmigrated", sex="women")
    assert (row["value"], row["symbol"]) == (0.0, "-")
    assert cell(frame, region="01 Stockholm county", age="22", type="Inmigrated", sex="women")["symbol"] == "......"
    assert np.nansum(frame["value"]) == 4 * 0 + 924 + 672 + 906 + 14 + 22 + 43 + sum(sum(row) for row in MULTI_DATA[7:])
    assert table.metadata.get("DATASYMBOLNIL") == "nothing"
    assert table.metadata.get("DATASYMBOL6") == "not used"


def test_official_statistics_file() -> None:
    table = read_px(OFFICIAL)
    meta = table.metadata
    assert meta.languages == ("en", "sv")
    assert meta.get("OFFICIAL-STATISTICS") == "YES"  # quoted in the file, so kept as text
    assert (meta.get("DATASYMBOL1"), meta.get("DATASYMBOL1", lang="sv")) == ("hi", "hej")
    assert meta.get("DATASYMBOL2", lang="sv") == "hej då"
    assert meta.get("DATASYMBOLSUM", lang="sv") == "summa"
    frame = table.to_frame(lang="sv")
    assert len(frame) == 48
    assert frame["symbol"].tolist()[:8] == [None, ".", None, None, None, "..", None, None]
    row = cell(frame, region="00 Riket", ålder="22", typ="Inflyttade", kön="kvinnor")
    assert (row["value"], row["symbol"]) == (0.0, None)
    assert cell(frame, region="0115 Vallentuna", ålder="21", typ="Utflyttade", kön="kvinnor")["value"] == 42.0
    with pytest.raises(PxError, match=r"no language 'fi'"):
        table.to_frame(lang="fi")


# ---------------------------------------------------------------- synthetic files

SMALL = """CHARSET="ANSI";
LANGUAGE="sv";
TITLE="Antal efter ålder och kön";
STUB="ålder";
HEADING="kön";
VALUES("ålder")="0-17","18-64";
VALUES("kön")="män","kvinnor";
DATA=
1 2
3 4;
"""


def write(tmp_path: Path, content: str | bytes, encoding: str = "cp1252", name: str = "t.px") -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def test_small_file_reads(tmp_path: Path) -> None:
    table = read_px(write(tmp_path, SMALL))
    assert table.values.tolist() == [1.0, 2.0, 3.0, 4.0]
    assert table.metadata.languages == ("sv",)
    assert read_px(write(tmp_path, SMALL.replace('LANGUAGE="sv";', ""))).metadata.languages == ()
    frame = table.to_frame()
    assert frame.to_dict("list") == {
        "ålder": ["0-17", "0-17", "18-64", "18-64"],
        "kön": ["män", "kvinnor", "män", "kvinnor"],
        "value": [1.0, 2.0, 3.0, 4.0],
        "symbol": [None] * 4,
    }


@pytest.mark.parametrize(
    ("header", "encoding"),
    [
        ('CHARSET="ANSI";\nCODEPAGE="utf-8";', "utf-8"),  # Statistics Finland's style: CODEPAGE wins
        ('CODEPAGE="iso-8859-15";', "iso-8859-15"),
        ("", "utf-8-sig"),  # nothing declared, byte-order mark
        ("", "utf-8"),  # nothing declared, valid UTF-8
        ("", "cp1252"),  # nothing declared: Windows-1252
        ("", "cp850"),  # nothing declared and DOS letters: the format's meaning of a missing CHARSET
        ('CHARSET="ANSI";', "utf-8-sig"),  # a byte-order mark is unambiguous
    ],
)
def test_encodings(tmp_path: Path, header: str, encoding: str) -> None:
    text = SMALL.replace('CHARSET="ANSI";', header)
    frame = read_px(write(tmp_path, text, encoding)).to_frame()
    assert list(frame.columns) == ["ålder", "kön", "value", "symbol"]
    assert frame["kön"].tolist() == ["män", "kvinnor"] * 2


def test_encoding_override(tmp_path: Path) -> None:
    path = write(tmp_path, SMALL, "utf-8")  # declared ANSI, written as UTF-8
    with pytest.raises(PxError, match="bytes are UTF-8"):
        read_px(path)
    assert read_px(path, encoding="utf-8").to_frame()["ålder"].iloc[0] == "0-17"


def test_delimiters_and_layout(tmp_path: Path) -> None:
    text = SMALL.replace("DATA=\n1 2\n3 4;", 'DATA=1,2;3\t".."\n\n;\n\x1a')
    frame = read_px(write(tmp_path, text)).to_frame()
    assert frame["value"].tolist()[:3] == [1.0, 2.0, 3.0]
    assert frame["symbol"].tolist() == [None, None, None, ".."]
    crlf = SMALL.replace("\n", "\r\n")
    assert read_px(write(tmp_path, crlf)).to_frame()["kön"].tolist() == ["män", "kvinnor"] * 2
    compact = SMALL.replace("\n", "").replace("DATA=1 23 4;", "DATA=1 2 3 -4.5e1;")
    assert read_px(write(tmp_path, compact)).to_frame()["value"].tolist() == [1.0, 2.0, 3.0, -45.0]


def test_keyword_syntax_details(tmp_path: Path) -> None:
    extra = """TITLE[sv]="Antal efter ålder och kön";
TIMEVAL("kön")=TLIST(Q1, "20233"-"20242");
NOTE="Första";
NOTE="Andra";
HIERARCHIES("ålder")="0-17","0-17":"18-64";
SEASADJ=NO;
PRECISION("ålder","0-17")=2;
SOURCE = "SCB" ,  "Kolada" ;
KEYWORD-X=1.5;
DATA="""
    meta = read_px(write(tmp_path, SMALL.replace("DATA=", extra))).metadata
    assert meta.get("TITLE") == "Antal efter ålder och kön"  # [sv] is the default language here
    assert meta.get("TIMEVAL", "kön") == TimeList("Q1", ("20233", "20234", "20241", "20242"))
    assert meta.get("NOTE") == "Första#Andra"  # a repeated note is kept, joined with PX's line break
    assert meta.get("HIERARCHIES", "ålder") == ["0-17", "0-17:18-64"]
    assert meta.get("SEASADJ") is False
    assert meta.get("PRECISION", "ålder", "0-17") == 2
    assert meta.get("SOURCE") == ["SCB", "Kolada"]
    assert meta.get("KEYWORD-X") == "1.5"
    assert meta.get("VALUES", "kön") == ["män", "kvinnor"]
    weeks = SMALL.replace("DATA=", 'TIMEVAL("kön")=TLIST(W1, "202052"-"202102");\nDATA=')
    assert read_px(write(tmp_path, weeks)).metadata.get("TIMEVAL", "kön") == TimeList(
        "W1", ("202052", "202053", "202101", "202102")
    )


# ---------------------------------------------------------------- sparse files (KEYS)

SPARSE = """CHARSET="ANSI";
LANGUAGE="sv";
LANGUAGES="sv","en";
STUB="kommun","ålder";
STUB[en]="municipality","age";
HEADING="år";
HEADING[en]="year";
VALUES("kommun")="Ale","Öckerö","Älvsbyn";
VALUES[en]("municipality")="Ale","Öckerö","Älvsbyn";
CODES("kommun")="1440","1407","2560";
VALUES("ålder")="0-17","18-64";
VALUES[en]("age")="0-17","18-64";
VALUES("år")="2023","2024";
VALUES[en]("year")="2023","2024";
KEYS("kommun")=CODES;
KEYS("ålder")=VALUES;
DATA=
"1407","18-64",5 ".."
"1440","0-17",1 2
"2560","0-17","-" 7;
"""


def test_sparse_file_fills_omitted_rows_with_zero(tmp_path: Path) -> None:
    table = read_px(write(tmp_path, SPARSE))
    frame = table.to_frame()
    assert list(frame.columns) == ["kommun", "kommun_code", "ålder", "år", "value", "symbol"]
    assert len(frame) == 12
    assert frame["value"].fillna(-1).tolist() == [1, 2, 0, 0, 0, 0, 5, -1, 0, 7, 0, 0]
    assert frame["symbol"].tolist() == [None] * 7 + [".."] + ["-"] + [None] * 3
    assert cell(frame, kommun="Öckerö", ålder="18-64", år="2023")["value"] == 5.0
    assert cell(frame, kommun="Ale", ålder="18-64", år="2024")["value"] == 0.0
    en = table.to_frame(lang="en")
    assert list(en.columns) == ["municipality", "municipality_code", "age", "year", "value", "symbol"]
    assert cell(en, municipality="Älvsbyn", age="0-17", year="2024")["value"] == 7.0
    assert table.metadata.get("KEYS", "kommun") == "CODES"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('"1440","0-17"', '"9999","0-17"', r'line 19, DATA: key "9999" in row 2 is not one of the CODES of \'kommun\''),
        ('"1440","0-17"', '"1440","0-18"', r"key \"0-18\" in row 2 is not one of the VALUES of 'ålder'"),
        ('"1440","0-17"', '1440,"0-17"', r"key 1440 in row 2 is not quoted"),
        ('"1440","0-17"', '"1407","18-64"', r"line 19, DATA: row 2 repeats the keys of an earlier row"),
        ("1 2", "1", r"DATA: 11 items are not whole rows of 2 keys and 2 cells"),
        ("7;\n", "7\n", r"does not end with ';' \(is the file truncated\?\)"),
        ('KEYS("ålder")=VALUES;', "", r"KEYS: \('ålder'\) is missing; a sparse file gives KEYS=VALUES or KEYS=CODES"),
        ('KEYS("ålder")=VALUES;', 'KEYS("ålder")=LABELS;', r"KEYS: \('ålder'\) is 'LABELS'"),
        ('KEYS("ålder")=VALUES;', 'KEYS("ålder")=CODES;', r"\('ålder'\) is CODES but the variable has no CODES"),
        ('KEYS("ålder")=VALUES;', 'KEYS("ålder")=VALUES;\nKEYS("år")=VALUES;', r"given for \['år'\], which are not"),
    ],
)
def test_sparse_errors(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in SPARSE
    with pytest.raises(PxError, match=message):
        read_px(write(tmp_path, SPARSE.replace(old, new, 1)))


# ---------------------------------------------------------------- hostile input


def _hostile(name: str) -> bytes:
    small = SMALL.encode("cp1252")
    cases = {
        "empty": b"",
        "blank": b" \n\n",
        "binary": bytes(range(256)) * 4,
        "binary without NUL": bytes(range(1, 256)) * 4,
        "random text": b"hello world\nthis is not a PX file\n",
        "no DATA": SMALL.split("DATA")[0].encode("cp1252"),
        "fewer cells": SMALL.replace("3 4;", "3;").encode("cp1252"),
        "more cells": SMALL.replace("3 4;", "3 4 5;").encode("cp1252"),
        "truncated": small[: small.index(b"3 4;") + 2],
        "cut in the header": small[: small.index(b"STUB") + 2],
        "missing ;": SMALL.replace('och kön";', 'och kön"').encode("cp1252"),
        "missing ; after a number": SMALL.replace("DATA=", "DECIMALS=0\nDATA=").encode("cp1252"),
        "unterminated string": SMALL.replace('och kön";', "och kön;").encode("cp1252"),
        "unknown CHARSET": SMALL.replace("ANSI", "EBCDIC").encode("cp1252"),
        "unknown CODEPAGE": SMALL.replace('CHARSET="ANSI"', 'CODEPAGE="klingon-8"').encode("cp1252"),
        "CODEPAGE not a text encoding": SMALL.replace('CHARSET="ANSI"', 'CODEPAGE="base64"').encode("cp1252"),
        "UTF-8 declared ANSI": SMALL.encode("utf-8"),
        "ANSI declared UTF-8": SMALL.replace('CHARSET="ANSI"', 'CODEPAGE="utf-8"').encode("cp1252"),
        "byte-order mark against CODEPAGE": b"\xef\xbb\xbf"
        + SMALL.replace('CHARSET="ANSI"', 'CODEPAGE="iso-8859-1"').encode("utf-8"),
        "byte undefined in Windows-1252": small.replace(b'TITLE="', b'TITLE="\x81'),
        "not a number": SMALL.replace("3 4", "3 x4").encode("cp1252"),
        "unknown symbol": SMALL.replace("3 4", '3 "?"').encode("cp1252"),
        "unterminated symbol": SMALL.replace("3 4", '3 ".').encode("cp1252"),
        "nan in data": SMALL.replace("3 4", "3 nan").encode("cp1252"),
        "overflowing number": SMALL.replace("3 4", "3 1e999").encode("cp1252"),
        "LANGUAGE not in LANGUAGES": SMALL.replace('LANGUAGE="sv";', 'LANGUAGE="sv";LANGUAGES="en","fi";').encode(
            "cp1252"
        ),
        "missing VALUES": SMALL.replace('VALUES("kön")="män","kvinnor";\n', "").encode("cp1252"),
        "CODES count": SMALL.replace("DATA=", 'CODES("kön")="1";\nDATA=').encode("cp1252"),
        "no variables": re.sub(r"(STUB|HEADING)=.*\n", "", SMALL).encode("cp1252"),
        "variable twice": SMALL.replace('HEADING="kön"', 'HEADING="ålder"').encode("cp1252"),
        "conflicting repeat": SMALL.replace("STUB=", 'TITLE="Annan";\nSTUB=').encode("cp1252"),
        "bad TLIST": SMALL.replace("DATA=", 'TIMEVAL("kön")=TLIST(M1, "202311"-"202313");\nDATA=').encode("cp1252"),
        "unknown time scale": SMALL.replace("DATA=", 'TIMEVAL("kön")=TLIST(X9),"1";\nDATA=').encode("cp1252"),
        "backwards TLIST": SMALL.replace("DATA=", 'TIMEVAL("kön")=TLIST(A1, "2024"-"2020");\nDATA=').encode("cp1252"),
        "LANGUAGES without LANGUAGE": SMALL.replace('LANGUAGE="sv";', 'LANGUAGES="sv","en";').encode("cp1252"),
        "value missing": SMALL.replace('"Antal efter ålder och kön"', "").encode("cp1252"),
        "STUB not quoted": SMALL.replace('STUB="ålder"', "STUB=ålder").encode("cp1252"),
        "huge number": SMALL.replace("DATA=", "DECIMALS=" + "9" * 5000 + ";\nDATA=").encode("cp1252"),
        "DATA with subkeys": SMALL.replace("DATA=", 'DATA("x")=').encode("cp1252"),
        "column clash": SMALL.replace('"kön"', '"value"').encode("cp1252"),
    }
    return cases[name]


HOSTILE = [
    ("empty", r"t\.px: the file is empty \(0 bytes\)"),
    ("blank", r"line 3: the file has no keywords"),
    ("binary", r"NUL byte at byte offset 0 \(line 1\): a binary \(or UTF-16\) file"),
    ("binary without NUL", r"bytes b'\\x81.*' at byte offset 128 \(line 2\) are not valid cp1252 \(no CHARSET"),
    ("random text", r"t\.px, line 1, HELLO: expected '=' after the keyword, found 'world'"),
    ("no DATA", r"line 8: the file ends without DATA="),
    ("fewer cells", r"t\.px, line 8, DATA: has 3 cells but the dimensions give 2 × 2 = 4$"),
    ("more cells", r"DATA: has 5 cells but the dimensions give 2 × 2 = 4$"),
    ("truncated", r"DATA: has 3 cells .* does not end with ';' \(is the file truncated\?\)"),
    ("cut in the header", r"line 4, ST: the file ends where '=' was expected \(truncated\?\)"),
    ("missing ;", r"line 4, TITLE: expected ',' or ';' after a string, found 'STUB' \(a missing ';'\?\)"),
    ("missing ; after a number", r"line 9, DECIMALS: expected ';' after the value '0', found 'DATA'"),
    ("unterminated string", r"line 3, TITLE: unterminated string \"Antal efter ålder och kön;: the line ends before"),
    ("unknown CHARSET", r"CHARSET: unknown value 'EBCDIC' \(the PX format knows only \"ANSI\"\)"),
    ("unknown CODEPAGE", r"CODEPAGE: unknown encoding 'klingon-8'"),
    ("CODEPAGE not a text encoding", r"CODEPAGE: unknown encoding 'base64'"),
    ("UTF-8 declared ANSI", r"declared by CHARSET=\"ANSI\".*but the bytes are UTF-8 .*byte offset 50 \(line 3\)"),
    (
        "ANSI declared UTF-8",
        r"bytes b'\\xe5.*' at byte offset 52 \(line 3\) are not valid utf-8 \(declared by CODEPAGE",
    ),
    ("byte-order mark against CODEPAGE", r"declares 'iso-8859-1' but the file starts with a UTF-8 byte-order mark"),
    ("byte undefined in Windows-1252", r"bytes b'\\x81Ant' at byte offset 38 \(line 3\) are not valid cp1252"),
    ("not a number", r"line 10, DATA: item 4 'x4' is not a number"),
    ("unknown symbol", r"line 10, DATA: item 4 '\"\?\"' is not a data symbol \(known: \., \.\., "),
    ("unterminated symbol", r"item 4 '\"\.' is an unterminated quoted symbol"),
    ("nan in data", r"item 4 'nan' is not a number"),
    ("overflowing number", r"line 10, DATA: item 4 '1e999' is not a number"),
    ("LANGUAGE not in LANGUAGES", r"LANGUAGE 'sv' is not among LANGUAGES \['en', 'fi'\]"),
    ("missing VALUES", r"VALUES\('kön'\) is missing"),
    ("CODES count", r"line 8, CODES: \('kön'\) has 1 codes for 2 values"),
    ("no variables", r"neither STUB nor HEADING is given"),
    ("variable twice", r"STUB and HEADING name a variable twice"),
    ("conflicting repeat", r"line 4, TITLE: repeats the entry of line 3 \(TITLE\) with a different value"),
    ("bad TLIST", r"line 8, TIMEVAL: TLIST\(M1\) period 202313 does not exist"),
    ("unknown time scale", r"TIMEVAL: unknown TLIST time scale 'X9'"),
    ("backwards TLIST", r"TLIST\(A1\) range '2024'-'2020' runs backwards"),
    ("LANGUAGES without LANGUAGE", r"LANGUAGES is given without LANGUAGE"),
    ("value missing", r"line 3, TITLE: expected a value after '=', found ';'"),
    ("STUB not quoted", r"STUB: must be a list of quoted variable names"),
    ("huge number", r"line 8, DECIMALS: must be a whole number from 0 to 15, not '9999999999"),
    ("DATA with subkeys", r"DATA takes no language or subkeys"),
    ("column clash", r"two columns would be named 'value'"),
]


@pytest.mark.parametrize(("name", "message"), HOSTILE, ids=[name for name, _ in HOSTILE])
def test_hostile_input_raises_px_error(tmp_path: Path, name: str, message: str) -> None:
    path = write(tmp_path, _hostile(name))
    with pytest.raises(PxError, match=message) as caught:
        read_px(path).to_frame()
    assert str(path) in str(caught.value)
    assert type(caught.value) is PxError


def test_missing_file_is_a_px_error(tmp_path: Path) -> None:
    with pytest.raises(PxError, match=r"nothing\.px: cannot be read \(No such file or directory\)"):
        read_px(tmp_path / "nothing.px")


# ---------------------------------------------------------------- property: write a random table, read it back

SYMBOL_TEXTS = (".", "..", "...", "....", ".....", "......", "-")
NAME = st.text(alphabet="abcdefghåäöÅÄÖ", min_size=1, max_size=6)
LABEL = st.text(alphabet="abc åäöÖ0123-,;:=()[]#*", max_size=8)
CELL = st.one_of(
    st.just(0.0),
    st.integers(-(10**9), 10**9).map(float),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(SYMBOL_TEXTS),
)


@dataclass
class Variable:
    name: str
    values: list[str]
    codes: list[str] | None


@dataclass
class RandomTable:
    stub: list[Variable]
    heading: list[Variable]
    cells: list[float | str]
    encoding: str
    delimiter: str
    split: bool
    sparse: bool


@st.composite
def random_tables(draw: st.DrawFn) -> RandomTable:
    n_stub, n_heading = draw(st.integers(1, 3)), draw(st.integers(0, 2))
    names = draw(st.lists(NAME, min_size=n_stub + n_heading, max_size=n_stub + n_heading, unique=True))
    variables = []
    for name in names:
        values = draw(st.lists(LABEL, min_size=1, max_size=3, unique=True))
        codes = draw(st.one_of(st.none(), st.lists(LABEL, min_size=len(values), max_size=len(values), unique=True)))
        variables.append(Variable(name, values, codes))
    size = math.prod(len(v.values) for v in variables)
    cells = draw(st.lists(CELL, min_size=size, max_size=size))
    return RandomTable(
        stub=variables[:n_stub],
        heading=variables[n_stub:],
        cells=cells,
        encoding=draw(st.sampled_from(["cp1252", "utf-8"])),
        delimiter=draw(st.sampled_from([" ", "\t", ",", ";", " , "])),
        split=draw(st.booleans()),
        sparse=draw(st.booleans()),
    )


def quote(text: str, split: bool) -> str:
    """A PX string; split in two quoted pieces over two lines when asked (the reader concatenates them)."""
    if split and len(text) > 1:
        return f'"{text[: len(text) // 2]}"\n"{text[len(text) // 2 :]}"'
    return f'"{text}"'


def cell_text(value: float | str) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def write_px(table: RandomTable) -> bytes:
    """The tiny PX writer the property test reads back: dense or sparse (KEYS), either encoding."""
    q = table.split
    lines = ['CHARSET="ANSI";' if table.encoding == "cp1252" else 'CODEPAGE="utf-8";', 'LANGUAGE="sv";']
    lines.append("TITLE=" + quote("Slumpad tabell för åäö", q) + ";")
    for keyword, variables in (("STUB", table.stub), ("HEADING", table.heading)):
        if variables:
            lines.append(f"{keyword}=" + ",".join(quote(v.name, q) for v in variables) + ";")
    for v in table.stub + table.heading:
        lines.append(f"VALUES({quote(v.name, q)})=" + ",".join(quote(x, q) for x in v.values) + ";")
        if v.codes is not None:
            lines.append(f"CODES({quote(v.name, False)})=" + ",".join(quote(x, q) for x in v.codes) + ";")
    width = math.prod(len(v.values) for v in table.heading)
    rows = [table.cells[i : i + width] for i in range(0, len(table.cells), width)]
    data = []
    if table.sparse:
        for v in table.stub:
            lines.append(f'KEYS("{v.name}")=' + ("CODES" if v.codes is not None else "VALUES") + ";")
        keys = itertools.product(*[v.codes if v.codes is not None else v.values for v in table.stub])
        for key, row in zip(keys, rows, strict=True):
            if any(value != 0.0 for value in row):  # a row of zeros (numbers, no symbols) may be left out
                data.append(",".join(f'"{k}"' for k in key) + "," + table.delimiter.join(map(cell_text, row)))
    else:
        data = [table.delimiter.join(map(cell_text, row)) for row in rows]
    lines += ["DATA=", *data]
    return ("\n".join(lines) + ";\n").encode(table.encoding)


def expected_frame(table: RandomTable) -> pd.DataFrame:
    variables = table.stub + table.heading
    combinations = list(itertools.product(*[range(len(v.values)) for v in variables]))
    columns: dict[str, object] = {}
    for j, v in enumerate(variables):
        columns[v.name] = [v.values[combo[j]] for combo in combinations]
        if v.codes is not None:
            columns[f"{v.name}_code"] = [v.codes[combo[j]] for combo in combinations]
    columns["value"] = [(0.0 if c == "-" else math.nan) if isinstance(c, str) else float(c) for c in table.cells]
    columns["symbol"] = pd.Series([c if isinstance(c, str) else None for c in table.cells], dtype=object)
    return pd.DataFrame(columns)


@settings(max_examples=150, deadline=None)
@given(table=random_tables())
def test_written_tables_read_back_to_the_same_long_frame(
    tmp_path_factory: pytest.TempPathFactory, table: RandomTable
) -> None:
    path = tmp_path_factory.mktemp("property") / "random.px"
    path.write_bytes(write_px(table))
    frame = read_px(path).to_frame()
    pd.testing.assert_frame_equal(frame, expected_frame(table))


PX_BYTES = list(b'";,=()[]\n -.:0123456789ASTUBHEDINGKYVLC\xe5\x1a*#')
MUTATION = st.tuples(st.integers(0, 10**4), st.integers(0, 6), st.lists(st.sampled_from(PX_BYTES), max_size=4))


@settings(max_examples=150, deadline=None)
@given(which=st.sampled_from([MULTI, NIL, None]), mutations=st.lists(MUTATION, min_size=1, max_size=4))
def test_mutated_files_read_or_raise_px_error_only(
    tmp_path_factory: pytest.TempPathFactory, which: Path | None, mutations: list[tuple[int, int, list[int]]]
) -> None:
    data = which.read_bytes() if which is not None else SPARSE.encode("cp1252")
    for position, cut, insert in mutations:
        position %= len(data) + 1
        data = data[:position] + bytes(insert) + data[position + cut :]
    path = tmp_path_factory.mktemp("mutated") / "m.px"
    path.write_bytes(data)
    try:
        table = read_px(path)
        for lang in table.metadata.languages:
            table.to_frame(lang)
    except PxError:
        pass
