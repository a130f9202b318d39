"""factory_boy factories for the people and organizations every test needs."""

from __future__ import annotations

import time
from importlib import import_module
from typing import Any

import factory
from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.apps import apps as django_apps
from django.utils import timezone

from accounts.models import Membership, Organization, Role, User

PASSWORD = "a-long-test-password"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"MS Service {n}")
    slug = factory.Sequence(lambda n: f"ms-service-{n}")
    crisis_contacts = "Emergency services: 999\nSamaritans: 116 123"


class UserFactory(factory.django.DjangoModelFactory):
    """A person with a verified primary address who can sign in with PASSWORD."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    timezone = "Europe/London"

    @factory.post_generation
    def password(obj: User, create: bool, extracted: str | None, **kwargs: Any) -> None:
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def verified(obj: User, create: bool, extracted: bool | None, **kwargs: Any) -> None:
        if create:
            EmailAddress.objects.create(
                user=obj, email=obj.email, primary=True, verified=extracted is not False
            )

    @factory.post_generation
    def totp(obj: User, create: bool, extracted: bool | None, **kwargs: Any) -> None:
        # Django staff (the admin) need an authenticator app like every staff member;
        # totp=False makes one who has not set it up yet.
        if create and obj.is_staff and extracted is not False:
            staff_totp_ensure(obj)


class MembershipFactory(factory.django.DjangoModelFactory):
    """A staff membership; its user gets an authenticator app, as real staff must."""

    class Meta:
        model = Membership
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.FACILITATOR

    @factory.post_generation
    def totp(obj: Membership, create: bool, extracted: bool | None, **kwargs: Any) -> None:
        # totp=False leaves the user without one: a staff member who has not set it up yet.
        if create and extracted is not False:
            staff_totp_ensure(obj.user)


# Every staff member made by these factories shares this authenticator-app secret; compute a
# code with totp_code(), or totp_code(staff_totp_secret(user)) for any staff member.
STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def staff_totp_ensure(user: User, secret: str = STAFF_TOTP_SECRET) -> Authenticator:
    """Give the user an authenticator app, stored (encrypted) as allauth stores it."""
    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if existing is not None:
        return existing
    return TOTP.activate(user, secret).instance


def totp_code(secret: str = STAFF_TOTP_SECRET, at: float | None = None) -> str:
    """The code an authenticator app shows now (or at the given Unix time) for this secret."""
    counter = int(time.time() if at is None else at) // mfa_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


def staff_totp_secret(user: User) -> str:
    """The secret behind a staff member's authenticator app, decrypted as allauth does."""
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    return decrypt(authenticator.data["secret"])


def coordinator(organization: Organization | None = None, **kwargs: Any) -> User:
    membership = MembershipFactory(
        role=Role.COORDINATOR, organization=organization or OrganizationFactory(), **kwargs
    )
    return membership.user


def facilitator(organization: Organization | None = None, **kwargs: Any) -> User:
    membership = MembershipFactory(
        role=Role.FACILITATOR, organization=organization or OrganizationFactory(), **kwargs
    )
    return membership.user


# --- programs -----------------------------------------------------------------------------

import datetime as dt  # noqa: E402

from programs.models import (  # noqa: E402
    Cohort,
    Delivery,
    Enrollment,
    EnrollmentStatus,
    Modality,
    Program,
    ProgramSession,
)


def ship_programs() -> None:
    """Ship MBSR-8, IER-6 and the self-guided MBSR-8 again: a transactional test's flush removes
    what migrations shipped."""
    import_module("programs.migrations.0002_ship_mbsr_and_ier").ship(django_apps, None)
    import_module("programs.migrations.0004_measurement_plans_for_shipped_programs").plan(
        django_apps, None
    )
    import_module("programs.migrations.0009_ship_follow_up_points").ship(django_apps, None)
    import_module("programs.migrations.0010_ship_fidelity_checklists").ship(django_apps, None)
    import_module("programs.migrations.0012_ship_self_guided").ship(django_apps, None)


def shipped_program(slug: str) -> Program:
    """MBSR-8 for MS ("mbsr-8-ms"), IER-6 ("ier-6") or the self-guided MBSR-8 ("mbsr-self-8-ms"),
    as the data migrations ship them."""
    if not Program.objects.filter(slug=slug).exists():
        ship_programs()
    return Program.objects.get(slug=slug)


class ProgramFactory(factory.django.DjangoModelFactory):
    """A small group program with `sessions` weekly sessions (default 4)."""

    class Meta:
        model = Program
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Program {n}")
    slug = factory.Sequence(lambda n: f"program-{n}")
    delivery = Delivery.GROUP
    completion_threshold = 3
    default_session_minutes = 90
    practices = factory.LazyFunction(
        lambda: [
            {
                "code": "body_scan",
                "name": "Body scan",
                "description": "",
                "adaptations": "",
                "durations": [10, 20],
            },
            {
                "code": "breathing_space",
                "name": "Breathing space",
                "description": "",
                "adaptations": "",
                "durations": [3],
            },
        ]
    )

    @factory.post_generation
    def sessions(obj: Program, create: bool, extracted: int | None, **kwargs: Any) -> None:
        if not create:
            return
        for number in range(1, (extracted or 4) + 1):
            ProgramSession.objects.create(
                program=obj,
                number=number,
                title=f"Week {number}",
                material=f"Material for week {number}.",
                home_practice="Body scan daily.",
                practices=["body_scan"],
                default_modality=Modality.IN_PERSON,
                default_minutes=90,
            )


class CohortFactory(factory.django.DjangoModelFactory):
    """A cohort; pass program=shipped_program("mbsr-8-ms") for the real curriculum."""

    class Meta:
        model = Cohort
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    program = factory.SubFactory(ProgramFactory)
    name = factory.Sequence(lambda n: f"Cohort {n}")
    start_date = dt.date(2026, 9, 1)
    meeting_weekday = 1  # Tuesday
    meeting_time = dt.time(18, 0)
    timezone = "Europe/London"
    place = "Room 2, Riverside Centre"

    @factory.post_generation
    def facilitators(
        obj: Cohort, create: bool, extracted: list[User] | None, **kwargs: Any
    ) -> None:
        if create and extracted:
            obj.facilitators.set(extracted)


class EnrollmentFactory(factory.django.DjangoModelFactory):
    """An enrolled participant who has accepted the current consent, as a real one has before
    using any participant page (consent=False: one who has not, to test the consent gate)."""

    class Meta:
        model = Enrollment
        skip_postgeneration_save = True

    cohort = factory.SubFactory(CohortFactory)
    user = factory.SubFactory(UserFactory)
    participant_code = factory.Sequence(lambda n: f"P{n:04d}")
    status = EnrollmentStatus.ACTIVE
    # Anyone past "invited" accepted their invitation, signed in as themselves, as a real
    # participant has; an invited one has not (accepted_at=None for one who never did).
    accepted_at = factory.LazyAttribute(
        lambda o: None if o.status == EnrollmentStatus.INVITED else timezone.now()
    )
    invited_name = factory.LazyAttribute(lambda o: o.user.full_name)

    @factory.post_generation
    def consent(obj: Enrollment, create: bool, extracted: bool | None, **kwargs: Any) -> None:
        if not create or extracted is False:
            return
        from accounts.consent import consent_current, consent_record_accept
        from accounts.models import ConsentRecord

        current = consent_current()
        if not ConsentRecord.objects.filter(user=obj.user, version=current.version).exists():
            consent_record_accept(user=obj.user, keep_research_data=True, version=current)
