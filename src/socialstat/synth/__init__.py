"""Synthetic canonical microdata and reference data, calibrated to published figures (docs/synthetic-data.md)."""

from socialstat.synth.generate import PRESETS, SynthReport, generate, parse_years

__all__ = ["PRESETS", "SynthReport", "generate", "parse_years"]
