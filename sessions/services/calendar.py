"""Calendar links: a secret, revocable address per person, and the iCalendar file it serves."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, vDuration

from accounts.models import User, hash_token
from programs.models import Modality
from sessions.models import CalendarFeed, ScheduledSession
from sessions.services.mode import PHONE_DEFAULT

# Calendar entries end up in Google, Apple and Microsoft accounts, on lock screens and in
# calendars shared with family or colleagues: they say when and where, never what the course
# is about (no program name, no condition, no practice).
EVENT_SUMMARY = "Stillwater session"
CALENDAR_NAME = "Stillwater"
PRODID = "-//Stillwater//Sessions//EN"
# How often we ask calendar programs to look again; most poll less often whatever we say.
REFRESH_INTERVAL = dt.timedelta(hours=1)
# A calendar drops an event that leaves the feed, so a year of past sessions stays visible
# while the file of someone who has run courses for years stays small.
FEED_HISTORY = dt.timedelta(days=365)
# Calendar programs poll; writing the time of every poll would be a write per poll for nothing.
READ_RECORD_INTERVAL = dt.timedelta(minutes=15)


class CalendarFeedError(Exception):
    """A calendar link cannot be changed that way; the message is for the person who tried."""


def calendar_feed_url(*, token: str) -> str:
    """The full secret address of a calendar link, to paste into a calendar program."""
    return settings.SITE_URL + reverse("program_sessions:calendar_feed", kwargs={"token": token})


def calendar_feed_create(*, user: User) -> tuple[CalendarFeed, str]:
    """Make a new secret calendar link for the user; their older link stops working."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        # One working link per person: a new link is how someone recovers from sharing the old one.
        CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        feed = CalendarFeed.objects.create(user=user, token_hash=hash_token(token))
    return feed, token


def calendar_feed_revoke(*, feed: CalendarFeed) -> CalendarFeed:
    """Turn a calendar link off; a calendar that reads it from now on gets “not found”."""
    now = timezone.now()
    # Conditional, so two clicks (or two tabs) cannot both claim to have turned it off.
    changed = CalendarFeed.objects.filter(pk=feed.pk, revoked_at__isnull=True).update(
        revoked_at=now
    )
    if not changed:
        raise CalendarFeedError("This calendar link was already turned off.")
    feed.revoked_at = now
    return feed


def calendar_feed_read(
    *,
    feed: CalendarFeed,
    sessions: Iterable[ScheduledSession],
    now: dt.datetime | None = None,
) -> bytes:
    """Note that a calendar read the link, and return the iCalendar file of these sessions."""
    now = now or timezone.now()
    CalendarFeed.objects.filter(pk=feed.pk).filter(
        Q(last_read_at__isnull=True) | Q(last_read_at__lt=now - READ_RECORD_INTERVAL)
    ).update(last_read_at=now)
    return calendar_ics(sessions=sessions)


def _location(session: ScheduledSession) -> str:
    # LOCATION is the one line a calendar shows in its list; the link and the phone arrangement
    # go in the description (and the link in URL), which calendars show in full.
    if session.modality == Modality.PHONE:
        return "Phone call"
    if session.modality == Modality.VIDEO:
        return "Video call"
    return session.place or "In person"


def _description(session: ScheduledSession) -> str:
    # Only what someone needs to get there or join, for THIS session (it may differ from the
    # cohort's usual way); the place is already the LOCATION.
    if session.modality == Modality.PHONE:
        return session.phone_instructions or PHONE_DEFAULT
    if session.modality == Modality.VIDEO and session.video_link:
        return f"Join the video call: {session.video_link}"
    return ""


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)


def _sequence(session: ScheduledSession) -> int:
    # A calendar program replaces its copy of an event only when SEQUENCE goes up. Every change
    # to a session (a move, a new place) touches updated_at, so the seconds since the session was
    # made only ever grow, and start at 0.
    return max(0, int((session.updated_at - session.created_at).total_seconds()))


def _event(session: ScheduledSession) -> Event:
    event = Event()
    event.add("uid", f"session-{session.pk}@stillwater")
    event.add("summary", EVENT_SUMMARY)
    # Instants in UTC ("Z"): each calendar shows them in its own zone, and there is no zone
    # definition to get wrong around a daylight-saving change.
    event.add("dtstart", _utc(session.starts_at))
    event.add("dtend", _utc(session.ends_at))
    # Without METHOD, DTSTAMP is when the entry last changed (RFC 5545 §3.8.7.2); using the row's
    # own time keeps the file the same between polls when nothing changed.
    event.add("dtstamp", _utc(session.updated_at))
    event.add("created", _utc(session.created_at))
    event.add("last-modified", _utc(session.updated_at))
    event.add("sequence", _sequence(session))
    event.add("location", _location(session))
    description = _description(session)
    if description:
        event.add("description", description)
    if session.modality == Modality.VIDEO and session.video_link:
        event.add("url", session.video_link)
    return event


def calendar_ics(*, sessions: Iterable[ScheduledSession]) -> bytes:
    """An iCalendar file with one event per session, with nothing in it about anyone's health."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", CALENDAR_NAME)
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    # An X- property is text unless told otherwise; Outlook wants the duration form (PT1H).
    calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
    for session in sessions:
        calendar.add_component(_event(session))
    return calendar.to_ical()
