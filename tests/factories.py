"""factory_boy factories for the people and organizations every test needs."""

from __future__ import annotations

from importlib import import_module
from typing import Any

import factory
from allauth.account.models import EmailAddress
from django.apps import apps as django_apps

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


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.FACILITATOR


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
    """Ship MBSR-8 and IER-6 again: a transactional test's flush removes what migrations shipped."""
    import_module("programs.migrations.0002_ship_mbsr_and_ier").ship(django_apps, None)
    import_module("programs.migrations.0004_measurement_plans_for_shipped_programs").plan(
        django_apps, None
    )


def shipped_program(slug: str) -> Program:
    """MBSR-8 for MS ("mbsr-8-ms") or IER-6 ("ier-6"), as the data migration ships them."""
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
    class Meta:
        model = Enrollment

    cohort = factory.SubFactory(CohortFactory)
    user = factory.SubFactory(UserFactory)
    participant_code = factory.Sequence(lambda n: f"P{n:04d}")
    status = EnrollmentStatus.ACTIVE
