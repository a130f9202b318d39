"""Fidelity ratings in the demo trial: the facilitator rated every session they held against its
checklist of core elements, and the coordinator observed a few.

Built in bulk as `fidelity_rate` saves them (the checklist copied with what was done, the
counts, the rater and whose delivery was rated, with a history row naming the rater): some
150 ratings one by one through the service would slow every `make run`.
"""

from __future__ import annotations

import datetime as dt

from simple_history.utils import bulk_create_with_history

from accounts.models import User
from sessions.demo.trial_course import trial_rng
from sessions.models import FidelityRating, RaterRole, ScheduledSession

_NOTES = [
    "Ran short of time; the coping plan was agreed but not written down together.",
    "Participant tired today, so we kept to the two strategies they use most.",
    "Phone line poor for the first ten minutes; covered the rest more briefly.",
]
_OBSERVER_NOTE = "Observed in the room. Warm, well paced, close to the manual."


def _rating(
    session: ScheduledSession, *, rater: User, role: str, facilitator: User, what: str
) -> FidelityRating:
    """Most sessions deliver every core element; now and then one is left out, with a note."""
    checklist = [
        {"code": str(i["code"]), "text": str(i["text"])}
        for i in session.program_session.fidelity_items
    ]
    rng = trial_rng(session.pk, what)
    left_out = rng.randrange(len(checklist)) if len(checklist) > 2 and rng.random() < 0.2 else None
    items = [{**item, "done": index != left_out} for index, item in enumerate(checklist)]
    if role == RaterRole.OBSERVER:
        note = _OBSERVER_NOTE
    else:
        note = _NOTES[session.pk % len(_NOTES)] if left_out is not None else ""
    at = session.starts_at + dt.timedelta(days=1)
    return FidelityRating(
        scheduled_session=session,
        role=role,
        rater=rater,
        facilitator=facilitator,
        items=items,
        items_done=sum(1 for item in items if item["done"]),
        items_total=len(items),
        note=note,
        created_at=at,
        updated_at=at,
    )


def trial_fidelity_rate(held: list[ScheduledSession], *, facilitator: User, observer: User) -> int:
    """The facilitator's rating of each held session with a checklist, a day after it; the
    observer's too for every sixth in-person one. Returns how many ratings were made."""
    ratings = []
    in_person = 0
    for session in held:
        if not session.program_session.fidelity_items:
            continue  # a session with no checklist has nothing to rate
        ratings.append(
            _rating(
                session,
                rater=facilitator,
                role=RaterRole.FACILITATOR,
                facilitator=facilitator,
                what="facilitator",
            )
        )
        if not session.is_phone:
            in_person += 1
            if in_person % 6 == 1:
                ratings.append(
                    _rating(
                        session,
                        rater=observer,
                        role=RaterRole.OBSERVER,
                        facilitator=facilitator,
                        what="observer",
                    )
                )
    when = {(r.scheduled_session_id, r.role): r.created_at for r in ratings}
    bulk_create_with_history(ratings, FidelityRating, default_user=facilitator)
    # auto_now fields take the real clock on insert; a rating made months ago says so.
    saved = list(
        FidelityRating.objects.filter(scheduled_session__in=[s.pk for s in held]).only(
            "pk", "scheduled_session_id", "role"
        )
    )
    for rating in saved:
        rating.created_at = rating.updated_at = when[(rating.scheduled_session_id, rating.role)]
    FidelityRating.objects.bulk_update(saved, ["created_at", "updated_at"], batch_size=500)
    return len(saved)
