"""What the fidelity pages of a session show: the rating form's page, and the session page's part.

The signed-in member of staff rates as the facilitator when they facilitate the cohort, and
otherwise (a coordinator of its organization) as an observer; the page says which.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.urls import reverse

from accounts.models import User
from sessions.forms.fidelity import FidelityRatingForm
from sessions.models import FidelityRating, RaterRole, ScheduledSession
from sessions.selectors import fidelity_rating_list_for_session, user_list_facilitating_cohort
from sessions.services.fidelity import fidelity_checklist


def adherence_text(done: int, total: int) -> str:
    """“4 of 5 core elements (80%)”, the percentage rounded half up."""
    if not total:
        return "No core elements rated"
    percent = (Decimal(100) * done / total).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{done} of {total} core element{'' if total == 1 else 's'} ({percent}%)"


def rating_text(rating: FidelityRating) -> str:
    return adherence_text(rating.items_done, rating.items_total)


def _why_not_rated(session: ScheduledSession, now: dt.datetime) -> str:
    """Why a session cannot be rated (yet), or "" when it can."""
    if session.is_cancelled:
        return "This session was cancelled, so there is nothing to rate."
    if not session.is_past(now):
        return "This session has not been held yet. Rate it once it has started."
    if not fidelity_checklist(session.program_session.fidelity_items):
        return "This session has no checklist of core elements, so there is nothing to rate."
    return ""


@dataclass
class RatePage:
    session: ScheduledSession
    role: str
    own: FidelityRating | None  # the user's rating in their role, to change
    taken: FidelityRating | None  # someone else's rating in the user's role
    other_role: FidelityRating | None  # the rating in the other role, shown beside
    facilitators: list[User]
    why_not: str

    @property
    def can_rate(self) -> bool:
        return not self.why_not and self.taken is None

    @property
    def checklist(self) -> list[dict[str, str]]:
        # A rating keeps the elements it was given against (see services.fidelity).
        if self.own is not None:
            return fidelity_checklist(self.own.items)
        return fidelity_checklist(self.session.program_session.fidelity_items)

    def form(self, data: Any = None) -> FidelityRatingForm:
        initial: dict[str, Any] = {}
        if self.own is not None:
            initial = {
                "done": [i["code"] for i in self.own.items if i.get("done")],
                "note": self.own.note,
                "facilitator": self.own.facilitator_id,
            }
        return FidelityRatingForm(
            data,
            checklist=self.checklist,
            facilitators=self.facilitators if self.role == RaterRole.OBSERVER else None,
            initial=initial,
        )

    def context(self, form: FidelityRatingForm | None) -> dict[str, Any]:
        return {
            "session": self.session,
            "cohort": self.session.cohort,
            "role": self.role,
            "is_observer": self.role == RaterRole.OBSERVER,
            "own": self.own,
            "own_text": rating_text(self.own) if self.own else "",
            "taken": self.taken,
            "taken_text": rating_text(self.taken) if self.taken else "",
            "other_role": self.other_role,
            "other_role_text": rating_text(self.other_role) if self.other_role else "",
            "why_not": self.why_not,
            "form": form if self.can_rate else None,
            "session_url": reverse("program_sessions:session_detail", args=[self.session.pk])
            + "#fidelity",
            "report_url": reverse("reports:fidelity") + f"?cohort={self.session.cohort_id}",
        }


def fidelity_rate_page_get(*, session: ScheduledSession, user: User, now: dt.datetime) -> RatePage:
    """The rating page of a session already fetched for staff, for `user`."""
    facilitators = list(user_list_facilitating_cohort(cohort=session.cohort))
    role = (
        RaterRole.FACILITATOR if any(p.pk == user.pk for p in facilitators) else RaterRole.OBSERVER
    )
    ratings = {r.role: r for r in fidelity_rating_list_for_session(scheduled_session=session)}
    mine = ratings.get(role)
    other = RaterRole.OBSERVER if role == RaterRole.FACILITATOR else RaterRole.FACILITATOR
    return RatePage(
        session=session,
        role=role,
        own=mine if mine is not None and mine.rater_id == user.pk else None,
        taken=mine if mine is not None and mine.rater_id != user.pk else None,
        other_role=ratings.get(other),
        facilitators=facilitators,
        why_not=_why_not_rated(session, now),
    )


def fidelity_saved_message(rating: FidelityRating) -> str:
    number = rating.scheduled_session.program_session.number
    return f"Your rating of session {number} is saved: {rating_text(rating)} delivered."


def fidelity_session_part(*, session: ScheduledSession, now: dt.datetime) -> dict[str, Any]:
    """The session page's fidelity part: the ratings given, and whether it can be rated now."""
    ratings = {r.role: r for r in fidelity_rating_list_for_session(scheduled_session=session)}
    return {
        "rows": [
            {
                "label": RaterRole(role).label,
                "rating": ratings.get(role),
                "text": rating_text(ratings[role]) if role in ratings else "",
            }
            for role in (RaterRole.FACILITATOR, RaterRole.OBSERVER)
        ],
        "rated": bool(ratings),
        "why_not": _why_not_rated(session, now),
        "rate_url": reverse("program_sessions:fidelity_rate", args=[session.pk]),
    }
