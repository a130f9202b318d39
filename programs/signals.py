"""Signals programs sends so that later apps can keep in step without programs importing them.

`accounts` ← `programs` ← `sessions`: programs may not call into sessions, yet a new cohort or
a new one-on-one enrollment needs a schedule. Sessions listens here (sessions/apps.py) and
builds it inside the same transaction, so a failure rolls the cohort back too.
"""

from django.dispatch import Signal

# sender=Cohort, cohort=Cohort: the cohort was created, or its meeting pattern changed.
cohort_schedule_changed = Signal()
# sender=Enrollment, enrollment=Enrollment: an enrollment was made, or its start, arm or status
# changed (one-on-one schedules and every participant's questionnaire windows follow it).
enrollment_schedule_changed = Signal()


class ScheduleRejected(Exception):
    """Raised by a receiver when a schedule cannot follow the change; the message is for people.

    programs catches this (it cannot name the sessions app's own error) and rolls back.
    """
