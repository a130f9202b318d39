"""Working out, from the data as it is now, which messages are due, and writing them to the outbox.

Planning runs every minute (beat) and only ever writes rows whose moment has come, so nothing
is decided hours ahead: a session moved yesterday, a questionnaire finished a minute ago or a
preference changed this morning is what the next tick sees. Each row's dedupe key names the
thing it is about and the time that thing had, so running the planner twice, or two planners
at once, makes one row; a session moved to another day gets a new key and a new reminder.

rows.py holds what every planner shares (preferences, send times, an outbox row);
participants.py and staff.py the planners for each audience; run.py runs them all and
cancels what went stale. Nothing is re-exported here: import from the module that owns it.
"""
