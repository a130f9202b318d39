"""Signals trials sends so that notifications (a higher room) writes the outbox rows.

Sent inside the writing transaction, as questionnaires does for safety events: the rows are
written in the same transaction and leave when it commits, so a rolled-back screening or offer
mails nobody.
"""

from django.dispatch import Signal

# sender=Screening, screening=Screening: a screening PHQ-9 item 9 above 0 (alert the coordinators).
screening_safety_flagged = Signal()
# sender=Screening, screening=Screening, by=User: a place was offered (e-mail the person).
waitlist_offer_made = Signal()
# sender=Allocation, allocation=Allocation, dedupe_key=str: a participant was allocated (or their
# allocation corrected); they are told their group and what happens next.
allocation_made = Signal()
