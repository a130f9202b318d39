"""Signals the sessions app sends so that the apps above it keep in step without being called.

`questionnaires` sits above `sessions` (README, "Architecture"): questionnaire windows hang off a
participant's first and last session, yet the schedule must not import questionnaires. Whenever
a schedule is built or a session moves or is cancelled, sessions sends `schedule_changed` inside
the same transaction; questionnaires moves its windows (sessions/questionnaires/apps.py), and a
failure there rolls the change back too.
"""

from django.dispatch import Signal

# sender=the changed model class; cohort=Cohort for a group cohort's shared schedule, or
# enrollment=Enrollment for one participant's (one-on-one, or their arm or status changed).
# Exactly one of the two is given.
schedule_changed = Signal()

# sender=ScheduledSession; session=the changed session, by=the staff member, change_id=the audit
# event's pk (one per change, so each change is told once). Sent inside the change's
# transaction: notifications writes one message per participant, and it leaves when that commits.
session_mode_changed = Signal()
