"""Celery entry points for trials (beat: expire waitlist offers)."""

from celery import shared_task

from sessions.trials.services.offers import waitlist_offers_expire


@shared_task(name="sessions.trials.tasks.expire_waitlist_offers")
def expire_waitlist_offers() -> int:
    """Expire offers past their date (idempotent: an expired offer is not looked at again)."""
    return waitlist_offers_expire()
