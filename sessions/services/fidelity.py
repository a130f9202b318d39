"""Fidelity to the curriculum: a held session rated against its checklist of core elements, and
adherence summed up per session, per facilitator and per cohort.

The facilitator rates their own session; staff of the organization who did not lead it (a
coordinator, or a facilitator of another cohort) may add an observer's rating. One rating per
session and role; whoever wrote a rating may change it, and its history is kept
(django-simple-history). Adherence is core elements delivered / core elements on the checklist;
over several ratings the elements are pooled (done summed / total summed), so a short
checklist weighs no more than a long one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Membership, User
from programs.models import Cohort
from programs.person_codes import person_code_ensure
from sessions.models import FidelityRating, RaterRole, ScheduledSession

NOTE_MAX_LENGTH = 2000


class FidelityError(Exception):
    """A rating that cannot be saved; the message says why, for the person who tried."""


def fidelity_checklist(items: Any) -> list[dict[str, str]]:
    """The core elements of a checklist as stored (JSON a coordinator may edit in the admin):
    each with a code and a text, the first of a repeated code only; anything else is skipped."""
    found: dict[str, str] = {}
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and item.get("code") and item.get("text"):
            found.setdefault(str(item["code"]), str(item["text"]))
    return [{"code": code, "text": text} for code, text in found.items()]


def _checklist(session: ScheduledSession, existing: FidelityRating | None) -> list[dict[str, str]]:
    # An edit re-rates the elements the rating was first given against, so a later change to
    # the program's checklist never rewrites what an old rating is about.
    if existing is not None:
        return fidelity_checklist(existing.items)
    return fidelity_checklist(session.program_session.fidelity_items)


def _facilitator_ids(cohort: Cohort) -> set[int]:
    return set(
        Cohort.facilitators.through.objects.filter(cohort=cohort).values_list("user_id", flat=True)
    )


def _check_held(session: ScheduledSession, now: dt.datetime) -> None:
    number = session.program_session.number
    if session.is_cancelled:
        raise FidelityError(f"Session {number} was cancelled, so there is nothing to rate.")
    if not session.is_past(now):
        raise FidelityError(f"Session {number} has not started yet. Rate it once it has been held.")


def _check_rater(
    session: ScheduledSession, *, rater: User, role: str, facilitators: set[int]
) -> None:
    cohort = session.cohort
    if role == RaterRole.FACILITATOR:
        if rater.pk not in facilitators:
            raise FidelityError(
                f"Only a facilitator of {cohort.name} can give the facilitator's rating."
            )
        return
    if role != RaterRole.OBSERVER:
        raise FidelityError("Choose whether you rate as the facilitator or as an observer.")
    if rater.pk in facilitators:
        raise FidelityError(
            f"You facilitate {cohort.name}, so your rating is the facilitator's rating, "
            "not an observer's."
        )
    if not Membership.objects.filter(user=rater, organization_id=cohort.organization_id).exists():
        raise FidelityError(f"Only staff of {cohort.organization.name} can observe its sessions.")


def _rated_facilitator_id(
    session: ScheduledSession,
    *,
    rater: User,
    role: str,
    facilitator: User | None,
    facilitators: set[int],
) -> int | None:
    """Whose delivery the rating is about: the rater's own, or the facilitator an observer watched."""
    if role == RaterRole.FACILITATOR:
        return rater.pk
    if facilitator is not None:
        if facilitator.pk not in facilitators:
            raise FidelityError(
                f"{facilitator.display_name} does not facilitate {session.cohort.name}."
            )
        return facilitator.pk
    own = (
        FidelityRating.objects.filter(scheduled_session=session, role=RaterRole.FACILITATOR)
        .values_list("facilitator_id", flat=True)
        .first()
    )
    if own is not None:
        return own
    # With one facilitator there is no one else it could be; with several, nobody is guessed.
    return next(iter(facilitators)) if len(facilitators) == 1 else None


def fidelity_rate(
    *,
    scheduled_session: ScheduledSession,
    rater: User,
    role: str,
    done_codes: Iterable[str],
    note: str = "",
    facilitator: User | None = None,
    now: dt.datetime | None = None,
) -> FidelityRating:
    """Save (or change) `rater`'s rating of a held session: which core elements were delivered."""
    session = scheduled_session
    _check_held(session, now or timezone.now())
    facilitators = _facilitator_ids(session.cohort)
    _check_rater(session, rater=rater, role=role, facilitators=facilitators)
    note = note.strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise FidelityError(f"The note can be at most {NOTE_MAX_LENGTH} characters.")
    facilitator_id = _rated_facilitator_id(
        session, rater=rater, role=role, facilitator=facilitator, facilitators=facilitators
    )
    done = set(done_codes)
    for _attempt in range(2):
        try:
            with transaction.atomic():
                rating = _save(session, rater, role, done, note, facilitator_id)
                if facilitator_id is not None:
                    # Drawn now, so exports find the facilitator's pseudonym already there.
                    facilitator_code(
                        organization_id=session.cohort.organization_id, user_id=facilitator_id
                    )
                return rating
        except IntegrityError:
            # Someone else's first rating of this role landed a moment ago: the next pass finds
            # it and says so.
            continue
    raise FidelityError("The rating could not be saved. Please try again.")  # pragma: no cover


def _save(
    session: ScheduledSession,
    rater: User,
    role: str,
    done: set[str],
    note: str,
    facilitator_id: int | None,
) -> FidelityRating:
    existing = (
        FidelityRating.objects.select_for_update(of=("self",))
        .select_related("rater")
        .filter(scheduled_session=session, role=role)
        .order_by()
        .first()
    )
    number = session.program_session.number
    if existing is not None and existing.rater_id != rater.pk:
        who = existing.rater.display_name if existing.rater else "Someone"
        raise FidelityError(
            f"{who} has already given the {RaterRole(role).label.lower()}'s rating of session "
            f"{number}. Only they can change it."
        )
    checklist = _checklist(session, existing)
    if not checklist:
        raise FidelityError(
            f"Session {number} has no checklist of core elements, so there is nothing to rate."
        )
    codes = {item["code"] for item in checklist}
    unknown = sorted(done - codes)
    if unknown:
        raise FidelityError(
            f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not on the checklist "
            f"of session {number}."
        )
    items = [{**item, "done": item["code"] in done} for item in checklist]
    rating = existing or FidelityRating(scheduled_session=session, role=role, rater=rater)
    rating.items = items
    rating.items_done = sum(1 for item in items if item["done"])
    rating.items_total = len(items)
    rating.note = note
    rating.facilitator_id = facilitator_id
    # The change history names the rater even when no request is in play (the demo, a shell).
    rating._history_user = rater  # type: ignore[attr-defined]
    rating.save()
    return rating


# --- adherence --------------------------------------------------------------------------------


@dataclass
class Adherence:
    """Ratings pooled: how many, and core elements delivered out of those on their checklists."""

    ratings: int = 0
    done: int = 0
    total: int = 0

    def add(self, rating: FidelityRating) -> None:
        self.ratings += 1
        self.done += rating.items_done
        self.total += rating.items_total

    @property
    def rate(self) -> Decimal | None:
        return Decimal(self.done) / Decimal(self.total) if self.total else None


def _by_role() -> defaultdict[str, Adherence]:
    return defaultdict(Adherence)


@dataclass
class FidelityAdherence:
    """Adherence per session, per facilitator and per cohort, each split by rater role."""

    ratings: list[FidelityRating]
    by_session: defaultdict[int, defaultdict[str, Adherence]] = field(
        default_factory=lambda: defaultdict(_by_role)
    )
    by_facilitator: defaultdict[int, defaultdict[str, Adherence]] = field(
        default_factory=lambda: defaultdict(_by_role)
    )
    by_cohort: defaultdict[int, defaultdict[str, Adherence]] = field(
        default_factory=lambda: defaultdict(_by_role)
    )

    by_session_role: dict[tuple[int, str], FidelityRating] = field(default_factory=dict)

    def rating_of(self, session_id: int, role: str) -> FidelityRating | None:
        return self.by_session_role.get((session_id, role))


def fidelity_rating_list_for_cohorts(cohort_ids: Any) -> list[FidelityRating]:
    """Every rating of the cohorts' sessions, with what a summary shows of each (one query)."""
    return list(
        FidelityRating.objects.filter(scheduled_session__cohort_id__in=cohort_ids)
        .select_related(
            "scheduled_session__program_session",
            "scheduled_session__enrollment",
            "rater",
            "facilitator",
        )
        .order_by("scheduled_session__starts_at", "scheduled_session_id", "role")
    )


def fidelity_adherence(
    *, cohort_ids: Any = None, ratings: list[FidelityRating] | None = None
) -> FidelityAdherence:
    """Adherence of the cohorts' ratings (`cohort_ids`: ids or a values queryset), or of
    ratings already fetched, per session, facilitator and cohort: one query at most."""
    if ratings is None:
        ratings = fidelity_rating_list_for_cohorts(cohort_ids)
    summary = FidelityAdherence(ratings=ratings)
    for rating in ratings:
        session = rating.scheduled_session
        summary.by_session_role[(session.pk, rating.role)] = rating
        summary.by_session[session.pk][rating.role].add(rating)
        summary.by_cohort[session.cohort_id][rating.role].add(rating)
        if rating.facilitator_id is not None:
            summary.by_facilitator[rating.facilitator_id][rating.role].add(rating)
    return summary


# --- the facilitator's pseudonym in exports ---------------------------------------------------


def facilitator_code(*, organization_id: int, user_id: int) -> str:
    """The member of staff's pseudonym in one organization: their person code there (the same
    kind participants have, e.g. "PS-7K3Q9M"), drawn at random the first time it is needed and
    kept, so it is the same in every export and says nothing about the person."""
    return person_code_ensure(organization_id=organization_id, user_id=user_id)
