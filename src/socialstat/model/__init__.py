"""The canonical model of DESIGN.md §2, declared as data in schema.yaml and codes.yaml."""

from socialstat.model.spec import Code, CodeList, Column, Model, Table, load_model

__all__ = ["Code", "CodeList", "Column", "Model", "Table", "load_model"]
