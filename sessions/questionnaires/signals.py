"""Signals the questionnaires app sends; notifications (above it) listens.

Questionnaires never call reminders: they say what happened, inside the transaction that made it
happen, and sessions/notifications/apps.py connects the receivers. So a safety alert is written
in the same transaction as the answer that raised it and leaves the moment it commits (the
tick's planning still finds any alert that was not written, as a backstop).
"""

from django.dispatch import Signal

# sender=SafetyEvent, events=list[SafetyEvent]: answers that need a person to follow up.
safety_events_raised = Signal()
# sender=Assessment, assessment=Assessment: every questionnaire of the assessment is sent.
assessment_completed = Signal()
