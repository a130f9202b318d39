"""Reminders and alerts: an outbox of Notification rows, planned every minute and sent by Celery.

planning/ decides what is due from current data; delivery.py hands rows out and sends them;
outbox.py writes the rows that do not wait for the planner (safety alerts, 'send now');
messages.py renders them at send time; timing.py holds the local-time rules; unsubscribe.py
the one-click links; heartbeat.py records that the beat ran.

Nothing is re-exported here: import each function from the module that owns it, so that
importing one module never drags in (or loops back through) the others.
"""
