"""Reads of the reports app, one module per page or export (explicit imports from each module)."""
