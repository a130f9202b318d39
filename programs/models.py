"""What is offered and to whom: programs (curricula), cohorts (deliveries) and enrollments."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from accounts.models import Organization, validate_timezone

if TYPE_CHECKING:
    from django_stubs_ext.db.models.manager import RelatedManager


class Delivery(models.TextChoices):
    GROUP = "group", "Group"
    INDIVIDUAL = "individual", "One-on-one"
    SELF_GUIDED = "self_guided", "Self-guided"


class Modality(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    PHONE = "phone", "By phone"
    VIDEO = "video", "Video call"


class LogKind(models.TextChoices):
    PRACTICE = "practice", "Practice (what, how long)"
    STRATEGY = "strategy", "Strategy use (which, situation, mood before and after)"


class ProgramStatus(models.TextChoices):
    # Shipped with Stillwater (programs/content/*.json): read-only originals every
    # organization may run or copy.
    SHIPPED = "shipped", "Shipped with Stillwater"
    # An organization's own version being edited: never offered to a cohort.
    DRAFT = "draft", "Draft"
    # A published version of an organization's own program: frozen, so the cohorts that run
    # it see the same pages, reminders and exports however the program is edited later.
    PUBLISHED = "published", "Published"


class Program(models.Model):
    """A curriculum such as MBSR-8 for MS or IER-6: shipped as data, or one version of an
    organization's own copy (programs.authoring keeps the versions, drafts and history)."""

    # None: shipped with Stillwater, offered to every organization.
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="own_programs",
    )
    status = models.CharField(
        max_length=20, choices=ProgramStatus.choices, default=ProgramStatus.SHIPPED
    )
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    summary = models.TextField(blank=True)
    delivery = models.CharField(max_length=20, choices=Delivery.choices)
    cadence_days = models.PositiveSmallIntegerField(
        default=7, help_text="Days between one session and the next."
    )
    completion_threshold = models.PositiveSmallIntegerField(
        help_text="A participant completed the course when they attended at least this many "
        "of the program's (non-optional) sessions."
    )
    default_session_minutes = models.PositiveSmallIntegerField(default=60)
    log_kind = models.CharField(max_length=20, choices=LogKind.choices, default=LogKind.PRACTICE)
    # [{"code", "name", "description", "adaptations", "durations": [minutes, ...]}]
    practices = models.JSONField(default=list, blank=True)
    # [{"code", "name", "description"}] for programs whose home practice is strategy use
    strategies = models.JSONField(default=list, blank=True)
    # {notification kind: {"subject": ..., "intro": ...}}: an organization's own wording of its
    # reminders, checked for health words like the shipped subjects (programs.authoring).
    reminder_wording = models.JSONField(default=dict, blank=True)
    # Offered for new cohorts: a shipped program, or the newest published version of an
    # organization's own. Cohorts keep their program after it stops being offered.
    is_active = models.BooleanField(default=True)

    sessions: RelatedManager[ProgramSession]

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(completion_threshold__gte=1), name="program_threshold_positive"
            ),
            models.CheckConstraint(
                condition=Q(cadence_days__gte=1), name="program_cadence_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_shipped(self) -> bool:
        return self.organization_id is None

    @property
    def is_individual(self) -> bool:
        return self.delivery == Delivery.INDIVIDUAL

    @property
    def is_self_guided(self) -> bool:
        return self.delivery == Delivery.SELF_GUIDED

    def practice_choices(self) -> list[tuple[str, str]]:
        return [(p["code"], p["name"]) for p in self.practices]

    def strategy_choices(self) -> list[tuple[str, str]]:
        return [(s["code"], s["name"]) for s in self.strategies]

    def practice_name(self, code: str) -> str:
        for item in [*self.practices, *self.strategies]:
            if item["code"] == code:
                return str(item["name"])
        return code


class ProgramSession(models.Model):
    """One week's plan of a program."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="sessions")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=160)
    aims = models.TextField(blank=True)
    material = models.TextField(
        blank=True, help_text="What the participant reads for this week, also after missing it."
    )
    practices = models.JSONField(
        default=list, blank=True, help_text="Codes of the program's practices."
    )
    home_practice = models.TextField(blank=True)
    reflection_prompt = models.CharField(max_length=300, blank=True)
    # [{"code", "text"}]: the core elements a facilitator should deliver in this session
    # (treatment fidelity), rated after it is held.
    fidelity_items = models.JSONField(default=list, blank=True)
    default_modality = models.CharField(
        max_length=20, choices=Modality.choices, default=Modality.IN_PERSON
    )
    default_minutes = models.PositiveSmallIntegerField(default=60)
    adaptations = models.TextField(blank=True, help_text="Adaptations for people with MS.")
    optional = models.BooleanField(
        default=False, help_text="Optional sessions do not count towards completion."
    )
    schedule_after = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="For an optional session: it falls between this session and the next.",
    )

    class Meta:
        ordering = ["program", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "number"], name="one_program_session_per_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program.name} — {self.number}. {self.title}"

    def practice_items(self) -> list[dict[str, Any]]:
        by_code = {p["code"]: p for p in self.program.practices}
        return [by_code[code] for code in self.practices if code in by_code]


class MeasurementKind(models.TextChoices):
    BASELINE = "baseline", "Baseline"
    POST = "post", "Post"
    FOLLOW_UP = "follow_up", "Follow-up"
    WEEKLY = "weekly", "Weekly check-in"


class WindowAnchor(models.TextChoices):
    FIRST_SESSION = "first_session", "First session"
    LAST_SESSION = "last_session", "Last session"


class MeasurementPointQuerySet(models.QuerySet["MeasurementPoint"]):
    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[MeasurementPoint]:
        # bulk_create skips save(): name points by their kind here too, so shipping a plan of
        # one point per kind (programs 0002, tests' ship_programs) gives each its own code.
        objs = list(objs)
        for point in objs:
            if not point.code:
                point.code = point.kind
        return super().bulk_create(objs, *args, **kwargs)


class MeasurementPoint(models.Model):
    """When questionnaires are given in a program: which instruments, and the window they are open in.

    The window is measured from the participant's first or last weekly session: baseline opens
    14 days before the first session and closes when it starts; post opens at the last session
    and closes 21 days after. A plan may hold any number of follow-ups, each measured from the
    last session: the shipped ones open 13 weeks (3 months, 91 days) and 26 weeks (6 months,
    182 days) after it and stay open 4 weeks, long enough to reach someone by phone after a
    relapse or a holiday. Control-arm and not yet allocated participants get the same windows,
    from the sessions they would have had.
    """

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="measurement_points"
    )
    kind = models.CharField(max_length=20, choices=MeasurementKind.choices)
    # The point's name in exports and analyses ("baseline", "post", "follow_up_3m"): a plan may
    # hold any number of follow-ups, so the kind alone no longer names a point.
    code = models.SlugField(max_length=40, default="")
    label = models.CharField(max_length=120)
    instruments = models.JSONField(
        default=list, blank=True, help_text="Instrument codes, in the order they are asked."
    )
    optional_instruments = models.JSONField(
        default=list, blank=True, help_text="Codes a cohort may add; not asked unless chosen."
    )
    anchor = models.CharField(
        max_length=20, choices=WindowAnchor.choices, default=WindowAnchor.FIRST_SESSION
    )
    opens_days = models.SmallIntegerField(
        default=-14, help_text="Days from the anchor session's start; negative is before it."
    )
    closes_days = models.SmallIntegerField(default=0)

    objects = MeasurementPointQuerySet.as_manager()

    class Meta:
        ordering = ["program", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "code"], name="one_measurement_point_per_code"
            ),
            models.CheckConstraint(
                condition=Q(opens_days__lt=models.F("closes_days")),
                name="measurement_window_opens_before_it_closes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program.name}: {self.label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A plan with one point per kind names them by kind, as before codes existed.
        if not self.code:
            self.code = self.kind
        super().save(*args, **kwargs)

    def clean(self) -> None:
        from .instrument_library import InstrumentError, instrument_get

        for code in [*self.instruments, *self.optional_instruments]:
            try:
                instrument_get(code)
            except InstrumentError:
                raise ValidationError(
                    {"instruments": f"“{code}” is not a known instrument."}
                ) from None
        if self.kind == MeasurementKind.FOLLOW_UP:
            self._clean_follow_up()
        self._clean_unique_in_plan()

    def _clean_follow_up(self) -> None:
        # A follow-up measures what lasts after the course: a window on or before the last
        # session would ask it while the course still runs, and its answers would be read as
        # months later in every analysis.
        if self.anchor != WindowAnchor.LAST_SESSION:
            raise ValidationError(
                {"anchor": "A follow-up comes after the course: measure it from the last session."}
            )
        if self.opens_days is None or self.opens_days <= 0:
            raise ValidationError(
                {
                    "opens_days": "A follow-up must open after the last session: enter a number "
                    "of days greater than 0 (for example 91 for three months)."
                }
            )

    def _clean_unique_in_plan(self) -> None:
        if not self.program_id:
            return
        code = self.code or self.kind
        others = MeasurementPoint.objects.filter(program_id=self.program_id).exclude(pk=self.pk)
        if others.filter(code=code).exists():
            raise ValidationError(
                {
                    "code": f"This plan already has a point called “{code}”. Give each point its own code."
                }
            )
        # Baseline and post are compared with each other in every within-arm summary, so a plan
        # has one of each; follow-ups may be many.
        if (
            self.kind in (MeasurementKind.BASELINE, MeasurementKind.POST)
            and others.filter(kind=self.kind).exists()
        ):
            raise ValidationError(
                {
                    "kind": f"This plan already has a {self.get_kind_display().lower()} point. "
                    "Add another measurement as a follow-up instead."
                }
            )


WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _weekday_choices() -> list[tuple[int, str]]:
    return list(enumerate(WEEKDAYS))


class Cohort(models.Model):
    """One delivery of a program: when and where it meets, who runs it."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="cohorts")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="cohorts")
    name = models.CharField(max_length=120)
    start_date = models.DateField(
        help_text="The first session is on the first meeting day from this date."
    )
    meeting_weekday = models.PositiveSmallIntegerField(choices=_weekday_choices())
    meeting_time = models.TimeField(help_text="Local wall-clock time in the cohort's time zone.")
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    default_modality = models.CharField(
        max_length=20, choices=Modality.choices, default=Modality.IN_PERSON
    )
    place = models.CharField(max_length=300, blank=True)
    video_link = models.URLField(blank=True)
    phone_instructions = models.CharField(max_length=300, blank=True)
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="facilitated_cohorts", blank=True
    )
    # ISO dates ("2026-12-24") on which the group does not meet; the session moves a week on.
    skip_dates = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    enrollments: RelatedManager[Enrollment]

    # Changes to when and where it meets and who runs it (facilitators decide who sees the
    # cohort's participants), by whom. django-simple-history: see settings.
    history = HistoricalRecords(m2m_fields=[facilitators])

    class Meta:
        ordering = ["-start_date", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="cohort_name_unique_in_organization"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.program.name})"

    @property
    def zoneinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def meeting_pattern(self) -> str:
        """“Tuesdays at 18:00, Europe/London time”: the cohort's own zone, named, for every viewer."""
        if self.program.is_individual:
            return "One-on-one: each participant has their own day and time"
        if self.program.is_self_guided:
            return "Self-guided: no meetings, each participant at their own pace"
        return f"{WEEKDAYS[self.meeting_weekday]}s at {self.meeting_time:%H:%M}, {self.zone_label} time"

    @property
    def zone_label(self) -> str:
        """The cohort's zone as people read it: “America/New York”."""
        return self.timezone.replace("_", " ")

    @property
    def skip_date_set(self) -> set[dt.date]:
        return {dt.date.fromisoformat(value) for value in self.skip_dates}

    def clean(self) -> None:
        for value in self.skip_dates:
            try:
                dt.date.fromisoformat(value)
            except (TypeError, ValueError):
                raise ValidationError({"skip_dates": f"“{value}” is not a date."}) from None


class Arm(models.TextChoices):
    INTERVENTION = "intervention", "Intervention"
    CONTROL = "control", "Control"
    # In a randomized study, until the "Randomize" action allocates them: questionnaires only,
    # no sessions, so nothing hints at an arm before it is drawn.
    PENDING = "pending", "Not yet allocated"


class EnrollmentStatus(models.TextChoices):
    INVITED = "invited", "Invited"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    WITHDRAWN = "withdrawn", "Withdrawn"


class EnrollmentQuerySet(models.QuerySet["Enrollment"]):
    def started(self) -> EnrollmentQuerySet:
        """Enrollments that started (intention to treat): not merely invited."""
        return self.exclude(status=EnrollmentStatus.INVITED)

    def current(self) -> EnrollmentQuerySet:
        return self.filter(status__in=[EnrollmentStatus.INVITED, EnrollmentStatus.ACTIVE])

    def accepted(self) -> EnrollmentQuerySet:
        """Enrollments the person accepted, signed in as themselves: only through these does an
        organization reach an existing account (its name, phone, sign-ins, requests, answers)."""
        return self.filter(accepted_at__isnull=False)


class Enrollment(models.Model):
    """A participant in a cohort, known in exports only by their participant code."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="enrollments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments"
    )
    participant_code = models.CharField(max_length=20, unique=True)
    arm = models.CharField(max_length=20, choices=Arm.choices, default=Arm.INTERVENTION)
    status = models.CharField(
        max_length=20, choices=EnrollmentStatus.choices, default=EnrollmentStatus.INVITED
    )
    # Individual programs: this participant's own first session and weekly time (cohort's zone).
    start_date = models.DateField(null=True, blank=True)
    session_time = models.TimeField(null=True, blank=True)
    invited_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    # Set only when the person accepts the invitation signed in as themselves (or chooses the
    # password of a new account on it): a coordinator switching the status to active does not.
    # Until then the organization sees what it typed (below), never the account's own details,
    # since typing an address must not reveal anything about someone else's account.
    accepted_at = models.DateTimeField(null=True, blank=True)
    invited_name = models.CharField(
        max_length=200, blank=True, help_text="The name the coordinator typed when inviting."
    )
    invited_phone = models.CharField(
        max_length=32, blank=True, help_text="The phone number the coordinator typed, if any."
    )
    withdrawn_at = models.DateField(null=True, blank=True)
    withdrawal_reason = models.CharField(max_length=300, blank=True)

    objects = EnrollmentQuerySet.as_manager()
    # Arm, status, withdrawal and start changes, by whom (django-simple-history; see settings).
    history = HistoricalRecords()

    class Meta:
        ordering = ["cohort", "participant_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "user"], name="one_enrollment_per_cohort_user"
            ),
            models.CheckConstraint(
                condition=Q(status="withdrawn") | Q(withdrawn_at__isnull=True),
                name="withdrawal_date_only_when_withdrawn",
            ),
        ]

    def __str__(self) -> str:
        return self.participant_code

    @property
    def is_control(self) -> bool:
        return self.arm == Arm.CONTROL

    @property
    def is_accepted(self) -> bool:
        return self.accepted_at is not None

    # What staff pages and identifiable exports show of the person: their account's own details
    # once they accepted, before that only what the coordinator typed (the address is the one
    # typed, so it is the account's).
    @property
    def person_name(self) -> str:
        """What staff call the person: their chosen name once accepted, else the name typed."""
        if self.is_accepted:
            return self.user.display_name
        return self.invited_name or self.user.email

    @property
    def person_full_name(self) -> str:
        """The full name for rosters and exports: the account's once accepted, else the name typed."""
        if self.is_accepted:
            return self.user.full_name
        return self.invited_name

    @property
    def person_phone(self) -> str:
        return self.user.phone if self.is_accepted else self.invited_phone

    @property
    def gets_sessions(self) -> bool:
        """Control-arm participants answer questionnaires only; withdrawn ones get nothing new."""
        return self.arm == Arm.INTERVENTION and self.status != EnrollmentStatus.WITHDRAWN


class PersonCode(models.Model):
    """One person's pseudonym in one organization: the same in every export, whichever cohort.

    An enrollment's participant code is new in each cohort; this code ties a person's
    enrollments in one organization together. It is drawn at random (it says nothing about the
    person) and kept per organization, so no two organizations' exports share a code.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="person_codes"
    )
    code = models.CharField(max_length=20, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"], name="one_person_code_per_organization_user"
            ),
        ]

    def __str__(self) -> str:
        return self.code
