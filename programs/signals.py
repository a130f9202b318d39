"""Signals programs sends so that later apps can keep in step without programs importing them.

`accounts` ← `programs` ← `sessions`: programs may not call into sessions, yet a new cohort or
a new one-on-one enrollment needs a schedule. Sessions listens here (sessions/apps.py) and
builds it inside the same transaction, so a failure rolls the cohort back too.
"""

from django.dispatch import Signal

# sender=Cohort, cohort=Cohort: the cohort was created, or its meeting pattern changed.
cohort_schedule_changed = Signal()
# sender=Enrollment, enrollment=Enrollment: a one-on-one enrollment got or changed its start.
enrollment_schedule_changed = Signal()
