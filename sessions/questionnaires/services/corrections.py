"""Answers staff enter for a participant: phone or in-person administration, and corrections.

Both reuse the participant's rules (services.responses): the same validation, the same
scoring and the same safety events. A submitted response is never changed; a correction is a
new version that points at the one it replaces and says why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import OuterRef
from django.utils import timezone

from accounts.consent import consent_current_accepted
from accounts.models import User
from programs.instrument_library import instrument_get
from programs.models import Enrollment
from programs.scoring import InvalidAnswers, score
from sessions.questionnaires.models import Assessment, Response, ResponseMode, SafetyEvent
from sessions.questionnaires.services.responses import (
    SAFETY_FLAGS,
    ResponseError,
    Submission,
    answers_save,
    item_may_be_skipped,
    response_submit,
)
from sessions.questionnaires.signals import safety_events_raised

STAFF_MODES = (ResponseMode.PHONE, ResponseMode.IN_PERSON)


@dataclass(frozen=True)
class StaffEntryRefusal:
    """Why staff cannot enter answers for a participant: a short note for lists, and the
    explanation the entry page gives instead of its form."""

    reason: str
    short: str
    message: str


NOT_ACCEPTED = StaffEntryRefusal(
    reason="not_accepted",
    short="Answers cannot be entered: the invitation is not accepted yet.",
    message="This participant has not accepted the invitation to the course yet. Answers can "
    "be entered for them only once they have accepted it, signed in to their own account.",
)
NO_CONSENT = StaffEntryRefusal(
    reason="no_consent",
    short="Answers cannot be entered: the consent is not agreed yet.",
    message="This participant has not agreed to the consent yet (what Stillwater keeps and how "
    "their answers are used). Answers can be entered for them only once they have agreed to "
    "it; they are asked to when they next sign in.",
)


def staff_entry_refusal(
    *, enrollment: Enrollment, consented: bool | None = None
) -> StaffEntryRefusal | None:
    """Why staff may not enter answers for this participant now, or None when they may.

    Answers are recorded only for someone who agreed to take part: who accepted the invitation
    signed in as themselves, and agreed to the current consent. `consented` is that second
    answer when the caller already has it
    (selectors.enrollment_list_with_consent_for_cohort); else it is looked up.
    """
    if not enrollment.is_accepted:
        return NOT_ACCEPTED
    if consented is None:
        consented = (
            Enrollment.objects.filter(pk=enrollment.pk)
            .filter(consent_current_accepted(OuterRef("user_id")))
            .exists()
        )
    return None if consented else NO_CONSENT


@dataclass(frozen=True)
class StaffEntry:
    response: Response
    # Set when the answers were sent (scored, and a safety event raised if one is needed).
    submission: Submission | None


def response_enter_for_participant(
    *,
    assessment: Assessment,
    instrument: str,
    answers: dict[int, int | None],
    by: User,
    mode: str,
    send: bool,
    now: dt.datetime | None = None,
) -> StaffEntry:
    """Save answers staff read out or took down for a participant, and send them if asked."""
    refusal = staff_entry_refusal(enrollment=assessment.enrollment)
    if refusal is not None:
        raise ResponseError(refusal.message)
    if mode not in STAFF_MODES:
        raise ResponseError("Choose how the answers were given: by phone or in person.")
    # The window rule is the participant's (answers_save and response_submit check it): answers
    # given outside it would belong to no measurement point, so staff cannot enter them either.
    response = answers_save(
        assessment=assessment,
        instrument=instrument,
        answers=answers,
        entered_by=by,
        mode=mode,
        now=now,
    )
    # answers_save records who started the response; a participant may have begun it on their
    # own before finishing by phone, so the response records who entered the answers last, and how.
    if response.entered_by_id != by.pk or response.mode != mode:
        Response.objects.filter(pk=response.pk, submitted_at__isnull=True).update(
            entered_by=by, mode=mode
        )
        response.entered_by, response.mode = by, mode
    submission = response_submit(response=response, now=now) if send else None
    return StaffEntry(
        response=submission.response if submission else response, submission=submission
    )


def _check_complete(code: str, answers: dict[int, int | None]) -> None:
    """A correction is a whole, sendable set of answers: every item given or left out as allowed."""
    instrument = instrument_get(code)
    numbers = {item.number for item in instrument.items}
    unknown = sorted(set(answers) - numbers)
    if unknown:
        raise ResponseError(f"{instrument.short_name} has no question {unknown[0]}.")
    for item in instrument.items:
        if answers.get(item.number) is None and not item_may_be_skipped(instrument, item.number):
            raise ResponseError(f"Question {item.number}: choose one answer.")
    missing = [item.number for item in instrument.scored_items if answers.get(item.number) is None]
    if len(missing) > instrument.total.max_missing:
        allowed = instrument.total.max_missing
        raise ResponseError(
            f"At most {allowed} question{'s' if allowed != 1 else ''} of the "
            f"{instrument.short_name} may be left out; {len(missing)} are."
        )


def response_correct(
    *,
    response: Response,
    answers: dict[int, int | None],
    reason: str,
    by: User,
    now: dt.datetime | None = None,
) -> Response:
    """Correct a submitted response: a new, scored version with the reason; the old one stays as it was."""
    reason = reason.strip()
    if not reason:
        raise ResponseError("Write why the answers are being corrected.")
    now = now or timezone.now()
    full = {
        item.number: answers.get(item.number) for item in instrument_get(response.instrument).items
    }
    _check_complete(response.instrument, full)
    try:
        result = score(response.instrument, full)
    except InvalidAnswers as exc:
        raise ResponseError(f"One of the answers cannot be used ({exc}).") from exc
    with transaction.atomic():
        old = Response.objects.select_for_update().get(pk=response.pk)
        if not old.is_submitted:
            raise ResponseError(
                "These answers were not sent yet, so there is nothing to correct: enter them instead."
            )
        if Response.objects.filter(supersedes=old).exists():
            raise ResponseError(
                "These answers were already corrected. Correct the newest version instead."
            )
        try:
            previous = score(old.instrument, old.answer_map())
        except InvalidAnswers:
            previous = None
        corrected = Response.objects.create(
            assessment_id=old.assessment_id,
            instrument=old.instrument,
            # The answers were given to that version of the questionnaire, whatever is current now.
            instrument_version=old.instrument_version,
            answers={str(number): value for number, value in full.items()},
            # How the participant gave the answers does not change; who recorded this version does.
            mode=old.mode,
            entered_by=by,
            version=old.version + 1,
            supersedes=old,
            correction_reason=reason,
            submitted_at=now,
        )
        for flag in SAFETY_FLAGS:
            value = result.flags.get(flag, False)
            before = previous.flags.get(flag, False) if previous else False
            # A flag the correction newly raises (or changes) needs the team like a participant's
            # own answer; one already raised on the earlier version is not raised twice.
            if flag in result.flags and value is not False and value != before:
                event = SafetyEvent.objects.create(
                    enrollment_id=response.assessment.enrollment_id,
                    response=corrected,
                    flag=flag,
                    flag_value=value,
                )
                safety_events_raised.send(sender=SafetyEvent, events=[event])
    return corrected
