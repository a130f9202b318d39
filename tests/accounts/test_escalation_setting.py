"""Coordinators choose, on the organization settings page, how many working hours an open safety
flag waits before every coordinator is e-mailed; the change is audited like the others."""

from __future__ import annotations

import pytest

from accounts.models import AuditAction, AuditEvent
from tests.accounts.test_organization_settings import GOOD, _errors, _url, signed_in  # noqa: F401

pytestmark = pytest.mark.django_db

FIELD = "escalate_after_working_hours"


def test_the_page_shows_the_current_setting_with_its_meaning(signed_in, organization):  # noqa: F811
    text = signed_in.get(_url(organization)).text
    assert "Working hours before an open safety flag goes to every coordinator" in text
    assert "Monday to Friday, 09:00 to 17:00 in the default time zone" in text
    assert f'name="{FIELD}" value="8"' in text


def test_a_new_number_of_hours_is_saved_and_audited(signed_in, organization):  # noqa: F811
    response = signed_in.post(_url(organization), {**GOOD, FIELD: "16"}, follow=True)
    assert response.status_code == 200
    organization.refresh_from_db()
    assert organization.escalate_after_working_hours == 16
    event = AuditEvent.objects.filter(action=AuditAction.ORGANIZATION_CHANGED).latest("pk")
    assert event.details["changed"][FIELD] == [8, 16]


@pytest.mark.parametrize("typed", ["", "0", "-3", "81", "1.5", "eight", "99999999999999999999"])
def test_anything_but_a_whole_number_from_1_to_80_is_explained_and_nothing_is_saved(
    signed_in,  # noqa: F811
    organization,
    typed,
):
    response = signed_in.post(_url(organization), {**GOOD, FIELD: typed})
    assert response.status_code == 200
    assert "Enter a whole number of working hours from 1 to 80, e.g. 8 for one working day." in (
        _errors(response.text)
    )
    organization.refresh_from_db()
    assert organization.escalate_after_working_hours == 8
    assert organization.default_timezone != GOOD["default_timezone"]
