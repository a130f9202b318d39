"""Reads with access rules for scheduled sessions, attendance, notes and practice logs.

Staff reach session objects through the cohorts they may see, a participant only their own:
both rules are programs.access's, applied here to each object. Facilitator notes are never
returned for a participant.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.http import Http404

from accounts.models import User, hash_token
from programs.access import (
    enrollment_list_joined_for_participant,
    get_for_participant,
    get_for_staff,
    participant_filter,
    staff_filter,
)
from programs.models import Arm, Cohort, Enrollment, EnrollmentStatus
from programs.selectors import enrollment_list_for_cohort
from sessions.models import (
    Attendance,
    CalendarFeed,
    FacilitatorNote,
    FacilitatorNoteRevision,
    FidelityRating,
    FollowUp,
    PracticeLog,
    ScheduledSession,
    SessionCompletion,
)


def scheduled_session_get_for_staff(
    *, user: User, pk: int, cohort: Cohort | None = None
) -> ScheduledSession:
    """A session of a cohort the user coordinates or facilitates (and of `cohort`, when a page
    of that cohort names it), or 404."""
    sessions = _sessions_for_staff()
    if cohort is not None:
        sessions = sessions.filter(cohort_id=cohort.pk)
    return get_for_staff(sessions, user=user, pk=pk, via="cohort")


def _sessions_for_staff() -> QuerySet[ScheduledSession]:
    return ScheduledSession.objects.select_related(
        "cohort__program", "cohort__organization", "program_session", "enrollment__user"
    )


def scheduled_session_list_for_participant(*, user: User) -> QuerySet[ScheduledSession]:
    """Every live session of the courses the participant joined: their group's, and their own
    one-on-one ones. A course they are only invited to is not theirs until they accept."""
    # Joined (accepted) courses of theirs that have sessions: not the control arm, and not one
    # a coordinator has since put back to invited.
    enrollments = (
        enrollment_list_joined_for_participant(user=user)
        .filter(arm=Arm.INTERVENTION)
        .exclude(status=EnrollmentStatus.INVITED)
    )
    return (
        ScheduledSession.objects.active()
        .filter(
            Q(enrollment__in=enrollments)
            | Q(enrollment__isnull=True, cohort__enrollments__in=enrollments)
        )
        .select_related("cohort__program", "program_session")
        .distinct()
        .order_by("starts_at")
    )


def scheduled_session_list_for_facilitator(*, user: User) -> QuerySet[ScheduledSession]:
    """Every live session of every cohort the user may see as staff (their calendar)."""
    return (
        ScheduledSession.objects.active()
        .filter(staff_filter(user=user, via="cohort"))
        .select_related("cohort__program", "program_session", "enrollment")
        .order_by("starts_at")
    )


def scheduled_session_list_for_feed(*, user: User, since: dt.datetime) -> list[ScheduledSession]:
    """The person's sessions from `since` on, for their calendar link: as a participant and as
    staff (someone can be both), each once, in order of their start."""
    # Each list is one query, so the count is fixed however many sessions there are.
    found = {
        session.pk: session
        for sessions in (
            scheduled_session_list_for_participant(user=user),
            scheduled_session_list_for_facilitator(user=user),
        )
        for session in sessions.filter(starts_at__gte=since)
    }
    return sorted(found.values(), key=lambda s: (s.starts_at, s.pk))


def practice_log_list_for_participant(*, user: User) -> QuerySet[PracticeLog]:
    """Every practice entry of the participant's, in all their courses, newest first."""
    return (
        PracticeLog.objects.filter(participant_filter(user=user, via="enrollment"))
        .select_related("enrollment__cohort__program")
        .order_by("-date", "-created_at", "-pk")
    )


def practice_log_get_for_participant(*, user: User, pk: int) -> PracticeLog:
    """One of the participant's own practice entries, or 404."""
    return get_for_participant(
        PracticeLog.objects.select_related("enrollment__cohort__program"),
        user=user,
        pk=pk,
        via="enrollment",
    )


def calendar_feed_get_by_token(*, token: str) -> CalendarFeed:
    """The live calendar link a secret token names, or 404: an unknown and a turned-off link look alike."""
    try:
        # A deactivated account's link stops too, without anyone having to remember to revoke it.
        return CalendarFeed.objects.select_related("user").get(
            token_hash=hash_token(token), revoked_at__isnull=True, user__is_active=True
        )
    except CalendarFeed.DoesNotExist:
        raise Http404 from None


def calendar_feed_get_active_for_user(*, user: User) -> CalendarFeed | None:
    """The user's own calendar link that still works, if they have one."""
    return CalendarFeed.objects.filter(user_id=user.pk, revoked_at__isnull=True).first()


def calendar_feed_get_for_user(*, user: User, pk: int) -> CalendarFeed:
    """One of the user's own calendar links (working or not), or 404."""
    try:
        return CalendarFeed.objects.get(pk=pk, user_id=user.pk)
    except CalendarFeed.DoesNotExist:
        raise Http404 from None


def scheduled_session_list_for_cohort(*, cohort: Cohort) -> QuerySet[ScheduledSession]:
    """Every session of a cohort: held, coming, cancelled, make-ups, and one-on-one sessions."""
    return (
        ScheduledSession.objects.filter(cohort=cohort)
        .select_related("program_session", "enrollment")
        .order_by("starts_at", "pk")
    )


def attendance_list_for_cohort(*, cohort: Cohort) -> QuerySet[Attendance]:
    """Every attendance record of a cohort's sessions."""
    return Attendance.objects.filter(scheduled_session__cohort=cohort)


def attendance_list_for_session(*, scheduled_session: ScheduledSession) -> QuerySet[Attendance]:
    """The attendance records of one session."""
    return Attendance.objects.filter(scheduled_session=scheduled_session).select_related(
        "recorded_by"
    )


def practice_log_list_day_totals_for_cohort(
    *, cohort: Cohort
) -> QuerySet[PracticeLog, dict[str, object]]:
    """Per participant and local day: the minutes of practice logged (rows: enrollment_id, date, minutes)."""
    return (
        PracticeLog.objects.filter(enrollment__cohort=cohort)
        .values("enrollment_id", "date")
        .annotate(minutes=Sum("minutes"))
        .order_by()
    )


def follow_up_list_open_for_cohort(*, cohort: Cohort) -> QuerySet[FollowUp]:
    """The cohort's follow-ups nobody has handled yet, oldest session first."""
    return (
        FollowUp.objects.filter(scheduled_session__cohort=cohort, resolved_at__isnull=True)
        .select_related("scheduled_session__program_session", "enrollment__user")
        .order_by("scheduled_session__starts_at", "enrollment__participant_code")
    )


def follow_up_list_for_session(*, scheduled_session: ScheduledSession) -> QuerySet[FollowUp]:
    """The follow-ups of one session, open or handled."""
    return (
        FollowUp.objects.filter(scheduled_session=scheduled_session)
        .select_related("enrollment", "resolved_by")
        .order_by("enrollment__participant_code")
    )


def follow_up_get_for_staff(*, user: User, pk: int) -> FollowUp:
    """A follow-up in a cohort the user coordinates or facilitates, or 404."""
    return get_for_staff(
        FollowUp.objects.select_related(
            "scheduled_session__cohort", "scheduled_session__program_session", "enrollment"
        ),
        user=user,
        pk=pk,
        via="scheduled_session__cohort",
    )


def session_completion_list_to_confirm(*, cohort: Cohort) -> QuerySet[SessionCompletion]:
    """Weeks participants of the cohort completed on their own that no one has confirmed yet."""
    return SessionCompletion.objects.filter(
        enrollment__cohort=cohort, completed_at__isnull=False, confirmed_at__isnull=True
    ).select_related("program_session")


def session_completion_list_to_confirm_for_session(
    *, session: ScheduledSession
) -> QuerySet[SessionCompletion]:
    """The unconfirmed weeks completed on their own that this session of their cohort repeats."""
    return session_completion_list_to_confirm(cohort=session.cohort).filter(
        program_session_id=session.program_session_id
    )


def session_completion_get_for_staff(
    *, user: User, pk: int, scheduled_session: ScheduledSession
) -> SessionCompletion:
    """A participant's own completion of a week, in the cohort of this session (already fetched
    for staff) if the user coordinates or facilitates it, or 404."""
    return get_for_staff(
        SessionCompletion.objects.select_related("enrollment", "program_session").filter(
            enrollment__cohort_id=scheduled_session.cohort_id
        ),
        user=user,
        pk=pk,
        via="enrollment__cohort",
    )


def facilitator_note_list_for_session(
    *, scheduled_session: ScheduledSession
) -> QuerySet[FacilitatorNote]:
    """Staff-only notes of one session with their earlier versions; never call this for a participant."""
    return (
        FacilitatorNote.objects.filter(scheduled_session=scheduled_session)
        .select_related("author", "updated_by", "enrollment__user")
        .prefetch_related(
            Prefetch(
                "revisions",
                queryset=FacilitatorNoteRevision.objects.select_related("edited_by").order_by(
                    "-edited_at", "-pk"
                ),
            )
        )
        .order_by("enrollment__participant_code", "pk")
    )


def enrollment_list_for_session(*, session: ScheduledSession) -> QuerySet[Enrollment]:
    """Who a session (already fetched through a staff selector) is for: its one participant, or
    the group's intervention arm."""
    if session.enrollment_id is not None:
        return Enrollment.objects.filter(pk=session.enrollment_id).select_related("user")
    return (
        session.cohort.enrollments.filter(arm=Arm.INTERVENTION)
        .select_related("user")
        .order_by("participant_code")
    )


def enrollment_list_for_makeup(*, cohort: Cohort) -> QuerySet[Enrollment]:
    """Whom a make-up session of a cohort (already fetched for staff) can be for: participants
    offered sessions who have not withdrawn."""
    return (
        enrollment_list_for_cohort(cohort=cohort)
        .filter(arm=Arm.INTERVENTION)
        .exclude(status=EnrollmentStatus.WITHDRAWN)
    )


# --- one participant, for the staff page that sums them up (reports) -----------------------
# Each takes an enrollment the caller already fetched through programs.access for staff.


def scheduled_session_list_for_enrollment(*, enrollment: Enrollment) -> QuerySet[ScheduledSession]:
    """The sessions a participant takes part in: their cohort's group sessions and their own."""
    return scheduled_session_list_for_cohort(cohort=enrollment.cohort).filter(
        Q(enrollment__isnull=True) | Q(enrollment=enrollment)
    )


def attendance_list_for_enrollment(*, enrollment: Enrollment) -> QuerySet[Attendance]:
    """Every attendance record of one participant."""
    return Attendance.objects.filter(enrollment=enrollment)


def facilitator_note_list_for_enrollment(*, enrollment: Enrollment) -> QuerySet[FacilitatorNote]:
    """Staff-only notes on one participant across sessions, latest session first; never call
    this for a participant."""
    return (
        FacilitatorNote.objects.filter(enrollment=enrollment)
        .select_related("scheduled_session__program_session", "author", "updated_by")
        .order_by("-scheduled_session__starts_at", "-pk")
    )


def practice_log_list_for_enrollment(*, enrollment: Enrollment) -> QuerySet[PracticeLog]:
    """One participant's practice entries in this course, newest first."""
    return PracticeLog.objects.filter(enrollment=enrollment).order_by("-date", "-created_at", "-pk")


def session_completion_list_for_enrollment(
    *, enrollment: Enrollment
) -> QuerySet[SessionCompletion]:
    """The weeks one participant worked through on their own, with their reflections, latest first."""
    return (
        SessionCompletion.objects.filter(enrollment=enrollment)
        .select_related("program_session", "confirmed_by")
        .order_by("-program_session__number", "-pk")
    )


def follow_up_list_for_enrollment(*, enrollment: Enrollment) -> QuerySet[FollowUp]:
    """One participant's follow-ups, open or handled, latest session first."""
    return (
        FollowUp.objects.filter(enrollment=enrollment)
        .select_related("scheduled_session__program_session", "resolved_by")
        .order_by("-scheduled_session__starts_at", "-pk")
    )


def follow_up_list_open_for_cohorts(*, cohort_ids: list[int]) -> QuerySet[FollowUp]:
    """Open follow-ups of several cohorts (already reached through programs.access), oldest
    session first: a landing page's to-dos in one query."""
    return (
        FollowUp.objects.filter(
            scheduled_session__cohort_id__in=cohort_ids, resolved_at__isnull=True
        )
        .select_related(
            "scheduled_session__program_session", "scheduled_session__cohort", "enrollment__user"
        )
        .order_by("scheduled_session__starts_at", "enrollment__participant_code", "pk")
    )


def scheduled_session_list_unrecorded(
    *, cohort_ids: list[int], since: dt.datetime, until: dt.datetime
) -> QuerySet[ScheduledSession]:
    """Live sessions of these cohorts that started between `since` and `until` and have no
    attendance recorded at all, oldest first."""
    return (
        ScheduledSession.objects.active()
        .filter(cohort_id__in=cohort_ids, starts_at__gte=since, starts_at__lt=until)
        .filter(attendances__isnull=True)
        .select_related("cohort", "program_session", "enrollment__user")
        .order_by("starts_at", "pk")
    )


# --- fidelity -----------------------------------------------------------------------------------


def fidelity_rating_list_for_session(
    *, scheduled_session: ScheduledSession
) -> QuerySet[FidelityRating]:
    """The fidelity ratings of a session already fetched for staff (facilitator's, observer's)."""
    return (
        FidelityRating.objects.filter(scheduled_session=scheduled_session)
        .select_related("rater", "facilitator")
        .order_by("role")
    )


def user_list_facilitating_cohort(*, cohort: Cohort) -> QuerySet[User]:
    """The facilitators of a cohort already fetched for staff, by name."""
    return cohort.facilitators.order_by("full_name", "email")
