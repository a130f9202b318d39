"""factory_boy factories for the people and organizations every test needs."""

from __future__ import annotations

from typing import Any

import factory
from allauth.account.models import EmailAddress

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
