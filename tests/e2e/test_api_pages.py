"""The API pages in a real browser: the documentation loads everything from this site and passes
axe; a coordinator makes a token by keyboard (confirming the password), copies it with the
keyboard (a screen reader hears "Copied"), and revokes it."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, Request, expect

from accounts.demo import DEMO_PASSWORD
from sessions.api.models import ApiToken
from sessions.api.tokens import token_hash
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import sign_in
from tests.e2e.test_csp import CspWatch
from tests.e2e.test_layout import PHONE
from tests.e2e.test_reminder_pages import assert_no_sideways_scroll, tab_to, tab_to_field

pytestmark = pytest.mark.e2e

# Set STILLWATER_SCREENSHOTS=/some/dir to keep pictures of the pages for a human look.
SHOTS = os.environ.get("STILLWATER_SCREENSHOTS", "")


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def _both_widths(page: Page, name: str) -> None:
    """Scan and picture the page at 1280 px, then at 320 px (nothing scrolls sideways)."""
    assert_accessible(page)
    _shot(page, name)
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    assert_no_sideways_scroll(page)
    assert_accessible(page)
    _shot(page, f"{name}-320")
    if SHOTS:  # the first screenful too, at a size a person can read
        page.screenshot(path=os.path.join(SHOTS, f"{name}-320-top.png"))
    if size:
        page.set_viewport_size(size)


def test_the_docs_page_loads_nothing_from_elsewhere_and_passes_axe(new_page, live_server: Any):
    page = new_page()
    watch = CspWatch(page)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    failed: list[Request] = []
    page.on("requestfailed", lambda request: failed.append(request))

    page.goto(reverse("api_docs"))
    # Swagger UI has read the schema and drawn the calls.
    expect(page.locator(".opblock").first).to_be_visible()
    expect(page.get_by_text("/api/v1/", exact=False).first).to_be_visible()
    _both_widths(page, "api-docs")

    # A call opened by keyboard: its parameters and answers pass the scan too.
    summary = page.locator(".opblock-post .opblock-summary-control").first
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".opblock-post .opblock-body").first).to_be_visible()
    _both_widths(page, "api-docs-open")

    # "Authorize" (where a reader puts a token to try calls) opens a dialog that passes too.
    page.get_by_role("button", name=re.compile(r"^Authorize")).first.focus()
    page.keyboard.press("Enter")
    dialog = page.locator(".dialog-ux .modal-ux")
    expect(dialog).to_be_visible()
    _both_widths(page, "api-docs-authorize")

    assert requested, "the page made no request at all"
    elsewhere = [url for url in requested if not url.startswith(live_server.url)]
    assert elsewhere == [], elsewhere
    assert [r.url for r in failed] == []
    assert any(url.endswith(reverse("api_schema")) for url in requested)
    watch.assert_none()


def test_a_coordinator_makes_copies_and_revokes_a_token_by_keyboard(new_page, demo):
    organization = demo.organization
    page = new_page()
    watch = CspWatch(page)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, demo.coordinator.email)
    page.goto(reverse("coordinator_home"))
    assert_accessible(page)

    tab_to(page, "API tokens", limit=60)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("API tokens")
    assert_accessible(page)
    expect(page.get_by_role("link", name="Read the API documentation")).to_have_attribute(
        "href", reverse("api_docs")
    )

    # A mistake first: no name. The error is explained and the ticked scope kept.
    tab_to_field(page, "id_scopes_0")
    page.keyboard.press("Space")
    tab_to(page, "Make the token", limit=20)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # Making a token asks for the password first.
    page.wait_for_url(re.compile(r"/accounts/reauthenticate/"))
    assert_accessible(page)
    tab_to_field(page, "id_password")
    page.keyboard.type(DEMO_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_accessible(page)
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Give the token a name that says what it is for.")
    expect(page.get_by_label("Enroll participants")).to_be_checked()

    tab_to_field(page, "id_name")
    page.keyboard.type("Nightly REDCap sync")
    tab_to(page, "Make the token", limit=20)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Your new API token")
    secret = page.get_by_label("Token", exact=True).input_value()
    token = ApiToken.objects.get(organization=organization)
    assert token.key_hash == token_hash(secret)
    assert token.scopes == ["enroll", "read"]
    _both_widths(page, "api-token-made")

    # The copy button by keyboard: the clipboard has the token and the live region says so.
    tab_to(page, "Copy the token", limit=40)
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text(re.compile(r"^Copied"))
    assert page.evaluate("() => navigator.clipboard.readText()") == secret

    # Back to the list: the token is there, by its start only.
    page.get_by_role("link", name="Back to the API tokens").click()
    page.wait_for_url(f"**{reverse('api_page', args=[organization.slug])}")
    assert_accessible(page)
    expect(page.get_by_text(f"sw_{token.prefix}_…")).to_be_visible()
    assert secret not in page.content()
    _both_widths(page, "api-page")

    tab_to(page, "Revoke the token “Nightly REDCap sync”", limit=80)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_accessible(page)
    expect(page.get_by_role("status")).to_contain_text(
        "The token “Nightly REDCap sync” is revoked."
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    watch.assert_none()
