"""Reads for screening and the waitlist, for the coordinators of the organization the person is
working in (accounts.selectors.membership_get_for_user); 404 for everyone else.

Positions on the waitlist are worked out here, in one query per page: the order of
`waitlisted_at` among those still waiting, per organization and program.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import Organization, Role, User
from accounts.selectors import membership_get_for_user
from programs.models import Cohort, Program
from sessions.trials.eligibility import ScreeningForm, screening_form, screening_form_exists
from sessions.trials.models import OfferStatus, Screening, Study

VERDICTS = {"eligible": True, "ineligible": False}
WAITLIST_FILTERS = ("waiting", "offered", "accepted", "declined", "expired", "never")


def screening_organization_for_coordinator(*, user: User) -> Organization:
    """The organization the person works in as a coordinator, or 404."""
    return membership_get_for_user(user=user, role=Role.COORDINATOR).organization


def screening_program_get(*, slug: str) -> Program:
    """A program that has a screening form, or 404."""
    program = Program.objects.filter(slug=slug).first()
    if program is None or not screening_form_exists(program):
        raise Http404
    return program


def screening_program_list() -> list[Program]:
    """Programs with a screening form, by name."""
    return [p for p in Program.objects.order_by("name") if screening_form_exists(p)]


def screening_get_for_coordinator(*, user: User, pk: int) -> Screening:
    """A screening of the organization the coordinator works in, or 404."""
    organization = screening_organization_for_coordinator(user=user)
    found = (
        Screening.objects.select_related(
            "program", "organization", "offer_cohort", "enrollment__cohort", "screened_by"
        )
        .filter(organization=organization, pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def waitlist_positions(*, organization: Organization) -> dict[int, int]:
    """Each waiting screening's position (1, 2, ...) on its program's waitlist (one query)."""
    positions: dict[int, int] = {}
    counters: dict[int, int] = defaultdict(int)
    rows = (
        Screening.objects.filter(organization=organization, offer_status=OfferStatus.WAITING)
        .order_by("program_id", "waitlisted_at", "pk")
        .values_list("pk", "program_id")
    )
    for pk, program_id in rows:
        counters[program_id] += 1
        positions[pk] = counters[program_id]
    return positions


def waitlist_position(*, screening: Screening) -> int | None:
    """The person's position on the waitlist, or None when they are not waiting."""
    if screening.offer_status != OfferStatus.WAITING or screening.waitlisted_at is None:
        return None
    ahead = Screening.objects.filter(
        organization_id=screening.organization_id,
        program_id=screening.program_id,
        offer_status=OfferStatus.WAITING,
        waitlisted_at__lte=screening.waitlisted_at,
    ).exclude(waitlisted_at=screening.waitlisted_at, pk__gt=screening.pk)
    return ahead.count()


@dataclass(frozen=True)
class ScreeningRow:
    screening: Screening
    position: int | None


def screening_list_for_coordinator(
    *, user: User, program: str = "", verdict: str = "", waitlist: str = ""
) -> list[ScreeningRow]:
    """The organization's screenings, newest first, filtered by program slug, verdict
    (eligible / ineligible) and waitlist state; two queries however many there are."""
    organization = screening_organization_for_coordinator(user=user)
    found: QuerySet[Screening] = Screening.objects.filter(organization=organization)
    if program:
        found = found.filter(program__slug=program)
    if verdict in VERDICTS:
        found = found.filter(eligible=VERDICTS[verdict])
    if waitlist == "never":
        found = found.filter(waitlisted_at__isnull=True)
    elif waitlist in WAITLIST_FILTERS:
        found = found.filter(offer_status=waitlist)
    screenings = list(found.select_related("program", "enrollment").order_by("-screened_at", "-pk"))
    positions = waitlist_positions(organization=organization) if screenings else {}
    return [ScreeningRow(s, positions.get(s.pk)) for s in screenings]


@dataclass(frozen=True)
class Waitlist:
    waiting: list[ScreeningRow]
    offers: list[Screening]


def waitlist_for_coordinator(*, user: User, program: Program) -> Waitlist:
    """People waiting for the program in order, and offers still out with their expiry."""
    organization = screening_organization_for_coordinator(user=user)
    rows = list(
        Screening.objects.filter(
            organization=organization,
            program=program,
            offer_status__in=[OfferStatus.WAITING, OfferStatus.OFFERED],
        )
        .select_related("offer_cohort")
        .order_by("waitlisted_at", "pk")
    )
    waiting = [s for s in rows if s.offer_status == OfferStatus.WAITING]
    offers = sorted(
        (s for s in rows if s.offer_status == OfferStatus.OFFERED),
        key=lambda s: (s.offer_expires_at or s.screened_at, s.pk),
    )
    return Waitlist(
        waiting=[ScreeningRow(s, i) for i, s in enumerate(waiting, start=1)], offers=offers
    )


def screening_cohorts(*, screening: Screening) -> QuerySet[Cohort]:
    """Cohorts of the screening's program in its organization: where a place can be offered."""
    return Cohort.objects.filter(
        organization_id=screening.organization_id, program_id=screening.program_id
    ).order_by("-start_date", "name")


@dataclass(frozen=True)
class AnswerLine:
    question: str
    answer: str


def screening_answer_lines(*, screening: Screening) -> list[AnswerLine]:
    """The answers in words, in the form's order (the instrument's items one by one)."""
    form: ScreeningForm = screening_form(screening.program)
    lines: list[AnswerLine] = []
    answers: dict[str, Any] = screening.answers
    for question in form.questions:
        value = answers.get(question.code)
        if question.type != "instrument":
            lines.append(AnswerLine(question.text, question.label_for(value)))
            continue
        instrument = question.instrument
        given = value or {}
        for item in instrument.scored_items:
            chosen = given.get(str(item.number))
            label = next(
                (o.label for o in item.response_options if o.value == chosen), "Not answered"
            )
            lines.append(AnswerLine(f"{instrument.short_name} {item.number}. {item.text}", label))
        total = sum(v for v in given.values() if isinstance(v, int))
        lines.append(AnswerLine(f"{instrument.short_name} total", str(total)))
    return lines


def offer_is_overdue(screening: Screening, now: dt.datetime | None = None) -> bool:
    """An offer past its date that the periodic step has not yet closed."""
    return (
        screening.offer_status == OfferStatus.OFFERED
        and screening.offer_expires_at is not None
        and screening.offer_expires_at <= (now or timezone.now())
    )


def screening_studies(*, organization: Organization, program: Program) -> QuerySet[Study]:
    """The organization's studies of the program a screening may be for, newest first."""
    return Study.objects.filter(organization=organization, program=program).order_by(
        "-created_at", "-pk"
    )


def screening_safety_open(*, organization: Organization) -> QuerySet[Screening]:
    """Screenings of the organization with a safety flag nobody has recorded a follow-up for,
    oldest first."""
    return (
        Screening.objects.filter(
            organization=organization, safety_flagged=True, safety_followed_up_at__isnull=True
        )
        .select_related("program")
        .order_by("screened_at", "pk")
    )
