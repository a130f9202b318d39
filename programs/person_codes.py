"""Person codes: the pseudonym that ties one person's enrollments in one organization together.

Exports name an enrollment by its participant code, drawn anew in every cohort; without a
second code the same person in two cohorts looks like two people. The person code is kept per
organization (never shared between them, so two organizations' exports cannot be linked
through it) and drawn at random (it says nothing about the person).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import IntegrityError, transaction

from .models import Enrollment, PersonCode
from .services import CODE_ALPHABET

PERSON_CODE_PREFIX = "PS"
PERSON_CODE_LENGTH = 6
PERSON_CODE_ATTEMPTS = 20


def person_code_generate() -> str:
    """A new random person code such as "PS-7K3Q9M" (one character longer than participant codes)."""
    characters = "".join(secrets.choice(CODE_ALPHABET) for _ in range(PERSON_CODE_LENGTH))
    return f"{PERSON_CODE_PREFIX}-{characters}"


def person_code_ensure(*, organization_id: int, user_id: int) -> str:
    """The person's code in the organization, drawn the first time they are enrolled there."""
    for _attempt in range(PERSON_CODE_ATTEMPTS):
        existing = PersonCode.objects.filter(
            organization_id=organization_id, user_id=user_id
        ).first()
        if existing is not None:
            return existing.code
        try:
            with transaction.atomic():
                return PersonCode.objects.create(
                    organization_id=organization_id, user_id=user_id, code=person_code_generate()
                ).code
        except IntegrityError:
            # The person got a code a moment ago (found on the next pass), or the code drawn
            # is taken by someone else (drawn again).
            continue
    raise RuntimeError("No free person code could be drawn.")  # pragma: no cover


def person_code_on_enrollment_created(
    sender: Any, *, instance: Enrollment, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    """Every enrollment, however it is made (a service, the demo, a fixture), has a person code."""
    if created and not raw:
        person_code_ensure(
            organization_id=instance.cohort.organization_id, user_id=instance.user_id
        )
