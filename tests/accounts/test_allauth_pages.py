"""allauth's pages in the house style: plain sentence-case headings, labels without colons, no
placeholder repeating a label, and an error summary that links to each field on bad input."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.factories import PASSWORD, UserFactory, facilitator
from tests.form_errors import error_summary
from tests.reauthentication import record_reauthentication

pytestmark = pytest.mark.django_db

# Capitals allowed after the first word: names, not Title Case.
PROPER_NOUNS = {"Stillwater", "I", "Google", "Microsoft", "Authenticator"}


class _Page(HTMLParser):
    """The parts of a page these checks read: title, headings, labels, inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.title = ""
        self.h1: list[str] = []
        self.labels: dict[str, str] = {}  # the id a label is for -> its text
        self.placeholders: dict[str, str] = {}  # input id -> placeholder
        self._text: list[str] | None = None
        self._label_for = ""
        self._tag = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag in {"title", "h1", "label"}:
            self._tag, self._text, self._label_for = tag, [], attr.get("for") or ""
        if tag in {"input", "textarea"} and attr.get("placeholder") is not None:
            self.placeholders[attr.get("id") or attr.get("name") or ""] = attr["placeholder"] or ""

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._text is None or tag != self._tag:
            return
        text = " ".join("".join(self._text).split())
        if tag == "title":
            self.title = text
        elif tag == "h1":
            self.h1.append(text)
        else:
            self.labels[self._label_for] = text
        self._text = None


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def assert_sentence_case(text: str) -> None:
    words = re.findall(r"[A-Za-z][\w'-]*", text)
    shouting = [w for w in words[1:] if w[0].isupper() and w not in PROPER_NOUNS]
    assert not shouting, f"{text!r} is not in sentence case: {shouting}"


def assert_house_style(html: str, *, heading: str, title: str | None = None) -> _Page:
    page = parse(html)
    assert page.h1 == [heading]
    assert page.title == f"{title or heading} · Stillwater"
    assert_sentence_case(heading)
    assert_sentence_case(title or heading)
    for label in page.labels.values():
        assert not label.endswith(":"), f"label {label!r} ends with a colon"
        assert_sentence_case(label)
    for input_id, placeholder in page.placeholders.items():
        assert placeholder != page.labels.get(input_id), f"placeholder repeats label {input_id}"
    return page


def assert_summary_links(html: str, field_ids: list[str]) -> None:
    summary = error_summary(html)
    assert "There is a problem" in summary
    links = re.findall(r'<a href="#([^"]+)">', summary)
    assert links == field_ids
    # At the top: above every field (and the QR code), where it is seen first.
    main = html.split('id="main"', 1)[1]
    assert main.index('class="error-summary"') < min(
        main.find(marker) for marker in ("<label", 'class="qr-code"') if marker in main
    )


# --- the people and the state each page needs -------------------------------------------------


@dataclass
class Visit:
    """Where a page is, once `arrive` has put the client in the state that reaches it."""

    arrive: Callable[[Client, pytest.FixtureRequest], str]
    heading: str
    title: str | None = None
    bad_input: dict[str, str] | None = None
    error_fields: list[str] = field(default_factory=list)


def _participant(client: Client) -> User:
    user = UserFactory(email="pat@example.org", full_name="Pat Participant")
    client.force_login(user)
    return user


def _staff(client: Client, **kwargs: object) -> User:
    user = facilitator(user__email="fay@example.org", **kwargs)
    client.force_login(user)
    return user


def anonymous(name: str) -> Callable[[Client, pytest.FixtureRequest], str]:
    return lambda client, request: reverse(name)


def as_participant(name: str, *, reauthenticated: bool = False) -> Callable[..., str]:
    def arrive(client: Client, request: pytest.FixtureRequest) -> str:
        user = _participant(client)
        if reauthenticated:
            record_reauthentication(client, user)
        return reverse(name)

    return arrive


def as_staff(name: str, *, reauthenticated: bool = False, codes: bool = False) -> Callable:
    def arrive(client: Client, request: pytest.FixtureRequest) -> str:
        user = _staff(client)
        if reauthenticated:
            record_reauthentication(client, user)
        if codes:
            RecoveryCodes.activate(user)
        return reverse(name)

    return arrive


def login_code_sent(client: Client, request: pytest.FixtureRequest) -> str:
    user = UserFactory(email="pat@example.org")
    client.post(reverse("account_request_login_code"), {"email": user.email})
    return reverse("account_confirm_login_code")


def staff_at_second_step(client: Client, request: pytest.FixtureRequest) -> str:
    user = facilitator(user__email="fay@example.org")
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.url == reverse("mfa_authenticate")
    return reverse("mfa_authenticate")


def reset_link_followed(client: Client, request: pytest.FixtureRequest) -> str:
    user = UserFactory(email="pat@example.org")
    mailoutbox = request.getfixturevalue("mailoutbox")
    client.post(reverse("account_reset_password"), {"email": user.email})
    link = re.search(r"https?://testserver(\S+/password/reset/key/\S+/)", mailoutbox[-1].body)
    assert link is not None
    followed = client.get(link[1], follow=True)
    return followed.redirect_chain[-1][0]


def bad_reset_key(client: Client, request: pytest.FixtureRequest) -> str:
    return reverse("account_reset_password_from_key", kwargs={"uidb36": "1", "key": "not-a-key"})


def bad_confirmation_key(client: Client, request: pytest.FixtureRequest) -> str:
    return reverse("account_confirm_email", args=["not-a-real-key"])


PAGES: dict[str, Visit] = {
    "sign in": Visit(
        anonymous("account_login"),
        "Sign in",
        bad_input={"login": "", "password": ""},
        error_fields=["id_login", "id_password"],
    ),
    "request sign-in code": Visit(
        anonymous("account_request_login_code"),
        "E-mail me a sign-in code",
        bad_input={"email": "not an address"},
        error_fields=["id_email"],
    ),
    "enter sign-in code": Visit(
        login_code_sent,
        "Type your sign-in code",
        bad_input={"code": ""},
        error_fields=["id_code"],
    ),
    "two-step check": Visit(
        staff_at_second_step,
        "Sign in: second step",
        bad_input={"code": "000000"},
        error_fields=["id_code"],
    ),
    "reauthenticate with password": Visit(
        as_participant("account_reauthenticate"),
        "Check it's you",
        bad_input={"password": "not the password"},
        error_fields=["id_password"],
    ),
    "reauthenticate with app": Visit(
        as_staff("mfa_reauthenticate"),
        "Check it's you",
        bad_input={"code": "000000"},
        error_fields=["id_code"],
    ),
    "password reset": Visit(
        anonymous("account_reset_password"),
        "Forgotten your password?",
        bad_input={"email": "not an address"},
        error_fields=["id_email"],
    ),
    "password reset done": Visit(anonymous("account_reset_password_done"), "Check your e-mail"),
    "password reset from key": Visit(
        reset_link_followed,
        "Choose a new password",
        bad_input={"password1": "short", "password2": "shorter"},
        error_fields=["id_password1", "id_password2"],
    ),
    "password reset with a used key": Visit(bad_reset_key, "This link no longer works"),
    "password reset from key done": Visit(
        anonymous("account_reset_password_from_key_done"), "Your password is changed"
    ),
    "password change": Visit(
        as_participant("account_change_password"),
        "Change your password",
        bad_input={"oldpassword": "wrong", "password1": "short", "password2": "other"},
        error_fields=["id_oldpassword", "id_password1", "id_password2"],
    ),
    "sign out": Visit(as_participant("account_logout"), "Sign out"),
    "e-mail addresses": Visit(
        as_participant("account_email"),
        "Your e-mail addresses",
        bad_input={"action_add": "", "email": "not an address"},
        error_fields=["id_email"],
    ),
    "e-mail confirmation, bad link": Visit(bad_confirmation_key, "Confirm your e-mail address"),
    "e-mail verification sent": Visit(
        anonymous("account_email_verification_sent"), "Confirm your e-mail address"
    ),
    "account inactive": Visit(anonymous("account_inactive"), "This account is closed"),
    "sign-up closed": Visit(
        anonymous("account_signup"),
        "Joining Stillwater is by invitation",
        "Joining Stillwater is by invitation",
    ),
    "two-factor index": Visit(as_staff("mfa_index"), "Two-factor authentication"),
    "authenticator app set-up": Visit(
        as_participant("mfa_activate_totp", reauthenticated=True),
        "Set up an authenticator app",
        bad_input={"code": "000000"},
        error_fields=["id_code"],
    ),
    "authenticator app turn-off": Visit(
        as_staff("mfa_deactivate_totp", reauthenticated=True), "Turn off the authenticator app"
    ),
    "recovery codes": Visit(
        as_staff("mfa_view_recovery_codes", reauthenticated=True, codes=True), "Your recovery codes"
    ),
    "new recovery codes": Visit(
        as_staff("mfa_generate_recovery_codes", reauthenticated=True, codes=True),
        "Make new recovery codes",
    ),
}


@pytest.mark.parametrize("name", PAGES)
def test_page_speaks_plainly_in_the_house_style(client, request, name):
    visit = PAGES[name]
    url = visit.arrive(client, request)

    response = client.get(url)

    assert response.status_code == 200
    assert_house_style(response.text, heading=visit.heading, title=visit.title)
    assert 'class="error-summary"' not in response.text


@pytest.mark.parametrize("name", [name for name, visit in PAGES.items() if visit.bad_input])
def test_bad_input_is_summarised_at_the_top_with_links_to_the_fields(client, request, name):
    visit = PAGES[name]
    url = visit.arrive(client, request)
    assert visit.bad_input is not None

    response = client.post(url, visit.bad_input)

    assert response.status_code == 200
    assert_house_style(response.text, heading=visit.heading, title=visit.title)
    assert_summary_links(response.text, visit.error_fields)


def test_wrong_password_at_sign_in_is_in_the_summary(client):
    UserFactory(email="pat@example.org")

    response = client.post(
        reverse("account_login"), {"login": "pat@example.org", "password": "not it"}
    )

    assert response.status_code == 200
    assert "are not correct" in error_summary(response.text)


def test_recovery_codes_download_is_still_a_text_file(client):
    as_staff("mfa_download_recovery_codes", reauthenticated=True, codes=True)(client, None)  # type: ignore[arg-type]

    response = client.get(reverse("mfa_download_recovery_codes"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")


def test_house_words_checks_can_fail():
    """The checks above catch what they are for: Title Case, colons, repeated placeholders."""
    with pytest.raises(AssertionError):
        assert_sentence_case("Confirm Access")
    page = '<title>Sign in · Stillwater</title><h1>Sign in</h1><label for="e">Email:</label>'
    with pytest.raises(AssertionError, match="colon"):
        assert_house_style(page, heading="Sign in")
    page = (
        '<title>Sign in · Stillwater</title><h1>Sign in</h1><label for="e">Email</label>'
        '<input id="e" placeholder="Email">'
    )
    with pytest.raises(AssertionError, match="placeholder"):
        assert_house_style(page, heading="Sign in")
