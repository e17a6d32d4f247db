"""Fuzz the YAML loaders: any bytes, loaded as a source profile, as disclosure rules and (parsed as YAML) as an
indicator of the catalogue, give the loaded object or SpecificationError, never another exception or a hang.

The canonical model has no loader from a path or text (it reads only the package's schema.yaml and codes.yaml),
so it is not a target. Seeds: the shipped profiles, rules and a few catalogue entries. Run:
`.venv/bin/python fuzz/fuzz_yaml.py fuzz/seeds/yaml` (or fuzz/run.py).
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from pathlib import Path

import atheris
import yaml

with atheris.instrument_imports(include=["socialstat"]) if __name__ == "__main__" else contextlib.nullcontext():
    from socialstat.disclosure.rules import load_rules
    from socialstat.errors import SpecificationError
    from socialstat.indicators.spec import parse_indicator
    from socialstat.ingest import profile

FOLDER = tempfile.TemporaryDirectory(prefix="fuzz-yaml-")
PATH = Path(FOLDER.name) / "spec.yaml"


def _expected(err: SpecificationError, source: str) -> None:
    """A clear error names the file it is about."""
    if not str(err).startswith(f"{source}: ") and not str(err).startswith(f"{source} ("):
        raise AssertionError(f"the error does not name {source}: {err}") from err


def one_input(data: bytes) -> None:
    """Load `data` with each loader; raise only on a bug."""
    PATH.write_bytes(data)
    for load, clear in ((profile.load_profile, profile._load.cache_clear), (load_rules, load_rules.cache_clear)):
        try:
            load(str(PATH))
        except SpecificationError as err:
            _expected(err, PATH.name)
        finally:
            clear()  # both loaders remember files by path
    try:
        raw = yaml.safe_load(data.decode("utf-8", errors="replace"))
    except (yaml.YAMLError, RecursionError):
        return  # the catalogue is read from the package, so its YAML is not fuzzed input; its checking is
    try:
        parse_indicator(raw, "fuzz.yaml")
    except SpecificationError as err:
        _expected(err, "fuzz.yaml")


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
