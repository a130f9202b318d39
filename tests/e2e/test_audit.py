"""The audit log page in a browser: readable, searchable and accessible, on a phone too."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import AuditAction, AuditEvent
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in
from tests.e2e.test_layout import PHONE

pytestmark = pytest.mark.e2e


def test_coordinator_searches_the_audit_log(new_page, demo):
    facilitator = demo.facilitators[0]
    # A failed sign-in, then the facilitator's own: both belong to this organization's log.
    attempt = new_page()
    attempt.goto("/accounts/login/")
    assert_accessible(attempt)
    attempt.get_by_label("Email").fill(facilitator.email)
    attempt.get_by_label("Password").fill("not the password")
    attempt.get_by_role("button", name="Sign in", exact=True).click()
    expect(attempt.get_by_role("alert").first).to_be_visible()
    assert_accessible(attempt)
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).count() == 1

    page = new_page()
    sign_in(page, demo.coordinator.email)
    page.goto(reverse("coordinator_home"))
    assert_accessible(page)
    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    assert_accessible(page)
    table = page.get_by_role("table")
    expect(table.get_by_role("cell", name="Sign-in failed")).to_have_count(1)

    page.get_by_label("What happened").select_option("login_failed")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(2)  # header + one
    expect(page.get_by_role("table")).to_contain_text(facilitator.email)
    assert_accessible(page)

    # A search that cannot be right comes back with the problem, focused, and the choices kept.
    page.get_by_label("From").fill("2026-10-05")
    page.get_by_label("Until").fill("2026-10-01")
    page.get_by_role("button", name="Search").click()
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("The last day is before the first day")
    assert page.title().startswith("Error:")
    assert_accessible(page)

    narrow = new_page(viewport=PHONE)
    sign_in(narrow, demo.coordinator.email)
    narrow.goto(reverse("audit_log"))
    assert_accessible(narrow)
    content, viewport = narrow.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert content <= viewport
