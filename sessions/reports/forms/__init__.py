"""Forms of the reports app, one module per page (explicit imports from each module)."""
