"""Completing an erasure request: what a coordinator's click does (the requests they see are
read in selectors.py).

It removes identifying data and free text; attendance, answers and practice minutes
stay under the participant code only where the person's consent allows, else they go too. The
enrollment stays, pseudonymous, so every count of enrolled participants still holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from importlib import import_module
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.consent import consent_keeps_research_data
from accounts.models import AuditAction, ErasureRequest, ErasureStatus, User
from accounts.rights import RightsError, erasure_request_mark_completed, user_erase_identity
from programs.models import Enrollment
from programs.services import EnrollmentError, enrollment_withdraw
from sessions.models import (
    Attendance,
    CalendarFeed,
    FacilitatorNote,
    FacilitatorNoteRevision,
    FollowUp,
    PracticeLog,
    SessionCompletion,
)
from sessions.notifications.models import Notification, Preferences
from sessions.questionnaires.models import Assessment, Response, SafetyEvent
from sessions.rights.common import participant_codes_by_organization, rights_audit
from sessions.rights.withdrawal import LEAVABLE, cancel_waiting

NAME_REMOVED = "[name removed]"
CORRECTION_REASON_REMOVED = "Reason removed when the participant's details were erased."
WITHDRAWAL_REASON_ERASED = "Asked for their details to be erased."
WITHDRAWAL_REASON_NOT_ACCEPTED = "The invitation can no longer be accepted."


def _redact(text: str, names: list[str]) -> str:
    for name in names:
        text = re.sub(re.escape(name), NAME_REMOVED, text, flags=re.IGNORECASE)
    return text


def _redact_session_notes(cohort_ids: set[int], names: list[str]) -> int:
    """Group session notes may name the person; their name is struck out where it appears."""
    if not names:
        return 0
    pattern = Q()
    for name in names:
        pattern |= Q(text__icontains=name)
    changed = 0
    notes = FacilitatorNote.objects.filter(
        scheduled_session__cohort_id__in=cohort_ids, enrollment__isnull=True
    )
    for note in notes.filter(pattern):
        note.text = _redact(note.text, names)
        note.save(update_fields=["text"])
        changed += 1
    revisions = FacilitatorNoteRevision.objects.filter(
        note__scheduled_session__cohort_id__in=cohort_ids, note__enrollment__isnull=True
    )
    previous = Q()
    for name in names:
        previous |= Q(previous_text__icontains=name)
    for revision in revisions.filter(previous):
        revision.previous_text = _redact(revision.previous_text, names)
        revision.save(update_fields=["previous_text"])
    return changed


def _history(model: type[models.Model]) -> Any:
    """The change-history table of a model (django-simple-history), or None if it keeps none."""
    manager = getattr(model, "history", None)
    return getattr(manager, "model", None)


def _history_scrub(model: type[models.Model], pks: Iterable[int], **values: Any) -> None:
    """Old versions keep old text: replace it there too (versions without any text stay as they were)."""
    history = _history(model)
    if history is None:
        return
    rows = history.objects.filter(id__in=list(pks))
    for name, value in values.items():
        rows.exclude(**{name: ""}).update(**{name: value})


def _history_forget(model: type[models.Model], pks: Iterable[int]) -> None:
    """Rows deleted at erasure leave their versions (and a final copy) in the history: drop them."""
    history = _history(model)
    if history is not None:
        history.objects.filter(id__in=list(pks)).delete()


def _delete_sessions(user: User) -> int:
    """End every signed-in session of the account now, where sessions are stored in the database.

    The unusable password already ends them at their next request (the session hash changes);
    this also removes the rows, so nothing about the person is left in a session.
    """
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    get_model = getattr(store_class, "get_model_class", None)
    if get_model is None:
        return 0
    ended = 0
    for session in get_model().objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            store_class(session.session_key).delete()
            ended += 1
    return ended


def erasure_request_complete(*, erasure_request: ErasureRequest, by: User) -> ErasureRequest:
    """Remove the person's identity and free text; keep research rows only as their consent allows."""
    with transaction.atomic():
        locked = ErasureRequest.objects.select_for_update().get(pk=erasure_request.pk)
        if locked.status != ErasureStatus.OPEN:
            raise RightsError("This request was already completed.")
        person = User.objects.select_for_update().get(pk=locked.user_id)
        keep = consent_keeps_research_data(user=person)
        codes_by_organization = participant_codes_by_organization(user=person)
        enrollments = list(Enrollment.objects.filter(user=person).select_related("cohort"))
        ids = [e.pk for e in enrollments]
        # Organizations that only typed the address in (never accepted) are told nothing of
        # the erasure: their invitation simply closes, with a reason that says only that.
        accepted_ids = [e.pk for e in enrollments if e.is_accepted]
        names = sorted(
            {n.strip() for n in (person.full_name, person.preferred_name) if len(n.strip()) >= 3}
        )

        # Nothing more is sent or planned: any course still running ends for them today.
        for enrollment in enrollments:
            if enrollment.status in LEAVABLE:
                try:
                    enrollment_withdraw(
                        enrollment=enrollment,
                        on_date=timezone.localdate(timezone=enrollment.cohort.zoneinfo),
                        reason=WITHDRAWAL_REASON_ERASED
                        if enrollment.is_accepted
                        else WITHDRAWAL_REASON_NOT_ACCEPTED,
                        # Nor who closed it: that coordinator works for another organization.
                        by=by if enrollment.is_accepted else None,
                    )
                except EnrollmentError as exc:
                    raise RightsError(f"{enrollment.participant_code}: {exc}") from exc
        Enrollment.objects.filter(pk__in=accepted_ids).exclude(withdrawal_reason="").update(
            withdrawal_reason=WITHDRAWAL_REASON_ERASED
        )
        _history_scrub(Enrollment, accepted_ids, withdrawal_reason=WITHDRAWAL_REASON_ERASED)
        # The name and phone typed when inviting identify them as much as the account's own.
        Enrollment.objects.filter(pk__in=ids).update(invited_name="", invited_phone="")
        _history_scrub(Enrollment, ids, invited_name="", invited_phone="")
        cancel_waiting(ids, reason="The participant's details were erased.")
        removed: dict[str, int] = {}
        # Their own delivery log: addresses and the mail server's error texts.
        removed["messages_to_them"] = Notification.objects.filter(recipient=person).delete()[0]

        # Free text that may name them or others goes, whatever the consent says.
        removed["staff_notes_about_them"] = FacilitatorNote.objects.filter(
            enrollment_id__in=ids
        ).delete()[0]
        removed["group_notes_with_their_name"] = _redact_session_notes(
            {e.cohort_id for e in enrollments if e.is_accepted}, names
        )
        PracticeLog.objects.filter(enrollment_id__in=ids).update(note="", situation="")
        SessionCompletion.objects.filter(enrollment_id__in=ids).update(reflection="")
        FollowUp.objects.filter(enrollment_id__in=ids).update(resolution="")
        safety_events = SafetyEvent.objects.filter(enrollment_id__in=ids)
        safety_events.update(action_taken="")
        _history_scrub(SafetyEvent, safety_events.values_list("pk", flat=True), action_taken="")
        responses = Response.objects.filter(assessment__enrollment_id__in=ids)
        corrected = list(responses.exclude(correction_reason="").values_list("pk", flat=True))
        responses.filter(pk__in=corrected).update(correction_reason=CORRECTION_REASON_REMOVED)
        _history_scrub(Response, corrected, correction_reason=CORRECTION_REASON_REMOVED)

        research: dict[str, QuerySet[Any]] = {
            "attendance": Attendance.objects.filter(enrollment_id__in=ids),
            "questionnaires": Assessment.objects.filter(enrollment_id__in=ids),
            "questionnaire_responses": responses,
            "practice_logs": PracticeLog.objects.filter(enrollment_id__in=ids),
            "session_completions": SessionCompletion.objects.filter(enrollment_id__in=ids),
            "follow_ups": FollowUp.objects.filter(enrollment_id__in=ids),
            "safety_events": safety_events,
        }
        kept: dict[str, int] = {}
        if keep:
            kept = {name: rows.count() for name, rows in research.items()}
        else:
            response_pks = list(responses.values_list("pk", flat=True))
            event_pks = list(safety_events.values_list("pk", flat=True))
            # Order matters: a safety event protects its response, a correction its original.
            removed["safety_events"] = safety_events.delete()[0]
            responses.update(supersedes=None)
            for name in (
                "questionnaire_responses",
                "questionnaires",
                "attendance",
                "practice_logs",
                "session_completions",
                "follow_ups",
            ):
                removed[name] = research[name].delete()[0]
            # Deleting leaves earlier versions and a last copy in the change history.
            _history_forget(Response, response_pks)
            _history_forget(SafetyEvent, event_pks)
            removed["messages_about_them"] = Notification.objects.filter(
                enrollment_id__in=ids
            ).delete()[0]

        preferences = list(Preferences.objects.filter(user=person).values_list("pk", flat=True))
        removed["reminder_settings"] = Preferences.objects.filter(pk__in=preferences).delete()[0]
        _history_forget(Preferences, preferences)
        removed["calendar_links"] = CalendarFeed.objects.filter(user=person).delete()[0]
        user_erase_identity(user=person)
        removed["signed_in_sessions"] = _delete_sessions(person)

        summary: dict[str, object] = {
            "participant_codes": sorted(e.participant_code for e in enrollments if e.is_accepted),
            "kept": kept,
            "removed": removed,
        }
        done = erasure_request_mark_completed(
            erasure_request=locked, by=by, kept_research_data=keep, summary=summary
        )
        rights_audit(
            person=person,
            actor=by,
            action=AuditAction.ERASURE_COMPLETED,
            obj=done,
            details={"kept_research_data": keep, "kept": kept, "removed": removed},
            codes_by_organization=codes_by_organization,
        )
        return done
