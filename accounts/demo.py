"""Deterministic demo people for local runs; `manage.py seed_demo` calls this."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from allauth.mfa.utils import decrypt, encrypt
from django.db import transaction
from django.utils import timezone

from .consent import consent_current
from .models import ConsentRecord, Membership, Organization, Role, User

# Printed by seed_demo; demo accounts exist only where DEBUG is on.
DEMO_PASSWORD = "calm-water-demo"  # noqa: S105

# Participants live in several zones so every page's time handling is exercised.
_PARTICIPANT_ZONES = ["Europe/London", "Europe/Dublin", "America/New_York", "Australia/Sydney"]
_FIRST_NAMES = [
    "Aisha",
    "Ben",
    "Chloe",
    "Dev",
    "Elena",
    "Farid",
    "Grace",
    "Hugo",
    "Ines",
    "Jonah",
    "Kiri",
    "Leah",
    "Mateo",
    "Nora",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sami",
    "Tess",
]


@dataclass(frozen=True)
class DemoPeople:
    organization: Organization
    coordinator: User
    facilitators: list[User]
    participants: list[User]


def _ensure_user(email: str, full_name: str, timezone: str, password_hash: str) -> User:
    user, _ = User.objects.update_or_create(
        email=email,
        defaults={"full_name": full_name, "timezone": timezone, "is_active": True},
    )
    # The same hash for every account: hashing once keeps a 500-participant seed fast.
    user.password = password_hash
    user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def demo_people_ensure(*, participants: int = 12) -> DemoPeople:
    """Create or refresh the demo organization and its people; running it again changes nothing."""
    hasher = User()
    hasher.set_password(DEMO_PASSWORD)
    password_hash = hasher.password
    with transaction.atomic():
        organization, _ = Organization.objects.update_or_create(
            slug="demo",
            defaults={
                "name": "Demo MS Wellbeing Service",
                "support_email": "support@demo.test",
                "support_phone": "0100 000 0000",
                "crisis_contacts": "Emergency services: 999 or 112\n"
                "Samaritans (UK and Ireland): 116 123, any time\n"
                "Demo MS nurse line: 0100 000 0001 (weekdays 9:00 to 17:00)",
            },
        )
        coordinator = _ensure_user(
            "coordinator@demo.test", "Cora Whitfield", "Europe/London", password_hash
        )
        facilitators = [
            _ensure_user("facilitator@demo.test", "Felix Moreno", "Europe/London", password_hash),
            _ensure_user("facilitator2@demo.test", "Hana Sato", "Europe/London", password_hash),
        ]
        Membership.objects.update_or_create(
            user=coordinator, organization=organization, defaults={"role": Role.COORDINATOR}
        )
        for facilitator in facilitators:
            Membership.objects.update_or_create(
                user=facilitator, organization=organization, defaults={"role": Role.FACILITATOR}
            )
        people = [
            _ensure_user(
                f"participant{n}@demo.test",
                f"{_FIRST_NAMES[(n - 1) % len(_FIRST_NAMES)]} Demo-{n}",
                _PARTICIPANT_ZONES[(n - 1) % len(_PARTICIPANT_ZONES)],
                password_hash,
            )
            for n in range(1, participants + 1)
        ]
        demo_consent_ensure(people)
        for staff in [coordinator, *facilitators]:
            demo_totp_ensure(staff)
    return DemoPeople(organization, coordinator, facilitators, people)


# Staff need an authenticator app too (accounts/mfa.py). Every demo staff account shares this
# published secret, like the password: add it to any authenticator app to get their codes.
DEMO_TOTP_SECRET = "CALMWATERDEMOSTAFFSECRETTOTP2345"  # noqa: S105


def demo_totp_ensure(user: User) -> None:
    """Give a demo staff member an authenticator app with DEMO_TOTP_SECRET (stored encrypted)."""
    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if existing is None:
        TOTP.activate(user, DEMO_TOTP_SECRET)
    elif decrypt(existing.data["secret"]) != DEMO_TOTP_SECRET:
        existing.data = {**existing.data, "secret": encrypt(DEMO_TOTP_SECRET)}
        existing.save(update_fields=["data"])


def demo_totp_instructions(people: DemoPeople) -> list[str]:
    """What seed_demo prints so someone can add the demo staff to an authenticator app."""
    adapter = get_mfa_adapter()
    lines = [
        "Staff accounts also ask for a code from an authenticator app. Add this key to one "
        f"(the same for every demo staff account): {DEMO_TOTP_SECRET}",
        "or open (or turn into a QR code) the address for each account:",
    ]
    for staff in [people.coordinator, *people.facilitators]:
        lines.append(f"  {staff.email}: {adapter.build_totp_url(staff, DEMO_TOTP_SECRET)}")
    return lines


# Left without a consent record, so the demo shows the consent page on this person's first visit.
DEMO_PARTICIPANT_WITHOUT_CONSENT = "participant12@demo.test"


def demo_consent_ensure(participants: list[User]) -> None:
    """Every demo participant but one has accepted the current consent (and keeps research data)."""
    current = consent_current()
    accepted = set(
        ConsentRecord.objects.filter(user__in=participants, version=current.version).values_list(
            "user_id", flat=True
        )
    )
    now = timezone.now()
    ConsentRecord.objects.bulk_create(
        ConsentRecord(
            user=person,
            version=current.version,
            text_sha256=current.text_sha256,
            accepted_at=now,
            keep_research_data=True,
        )
        for person in participants
        if person.email != DEMO_PARTICIPANT_WITHOUT_CONSENT and person.pk not in accepted
    )
