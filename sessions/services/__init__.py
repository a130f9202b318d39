"""Writes for the sessions app, one module per concern; import from the module that owns it
(e.g. `from sessions.services.attendance import attendance_record`)."""
