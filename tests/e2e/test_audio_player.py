"""The guided-recording player on a participant's week page, in Chromium: reached and used by
keyboard alone, the speed changes the audio's playback rate, the transcript is on the page and on
its own page, and axe finds nothing at 1280 and at 320 px."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from programs.models import Enrollment
from sessions.demo.recordings import demo_recording_add
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import DESKTOP, sign_in
from tests.e2e.test_reports import courses

pytestmark = pytest.mark.e2e

__all__ = ["courses"]

PARTICIPANT = "participant1@demo.test"
PHONE = {"width": 320, "height": 640}
SCROLL_JS = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
SHOTS = os.environ.get("STILLWATER_SCREENSHOTS", "")


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


@pytest.fixture
def recording(courses):
    enrollment = Enrollment.objects.select_related("cohort__program").get(
        user=User.objects.get(email=PARTICIPANT), cohort__program__slug="mbsr-8-ms"
    )
    return demo_recording_add(
        program=enrollment.cohort.program, practice_code="body_scan", title="Body scan, short"
    )


def _tab_to(page: Page, selector: str, limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"Tab never reached {selector}")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "320"])
def test_participant_uses_the_player_by_keyboard(new_page, recording, viewport):
    page = new_page(viewport)
    sign_in(page, PARTICIPANT)
    page.goto("/me/weeks/1/")
    player = page.locator("figure.player")
    expect(player).to_have_count(1)
    expect(player.locator("figcaption")).to_have_text("Body scan, short, 30 seconds")
    # The speed choice appears once audio-player.js runs (no inline script under the CSP).
    speed = page.get_by_label("Playback speed")
    expect(speed).to_be_visible()
    assert_accessible(page)
    name = "week-player" + ("-320" if viewport == PHONE else "")
    shot(page, name)
    if SHOTS:
        player.screenshot(path=os.path.join(SHOTS, f"{name}-player.png"))
    if viewport == PHONE:
        content, width = page.evaluate(SCROLL_JS)
        assert content <= width, f"scrolls sideways at 320 px: {content}px in {width}px"

    # The audio answers (a range request, as the browser makes) with the recording's bytes.
    audio = page.locator("figure.player audio")
    page.wait_for_function(
        "() => document.querySelector('figure.player audio').readyState >= 1", timeout=10_000
    )
    assert page.evaluate("() => document.querySelector('figure.player audio').duration") == (
        pytest.approx(30, abs=0.5)
    )

    # Keyboard only: the audio's own controls, then the speed choice.
    _tab_to(page, "figure.player audio")
    _tab_to(page, "figure.player select")
    page.keyboard.press("ArrowDown")  # from 1 to 1.25
    expect(speed).to_have_value("1.25")
    assert audio.evaluate("a => a.playbackRate") == 1.25
    # Remembered: the next page load starts at the same speed.
    page.reload()
    assert_accessible(page)
    expect(page.get_by_label("Playback speed")).to_have_value("1.25")
    assert page.locator("figure.player audio").evaluate("a => a.playbackRate") == 1.25

    # The transcript is beside (or under) the player and reachable by keyboard.
    expect(player.get_by_role("heading", name="Transcript")).to_be_visible()
    _tab_to(page, ".transcript-text")
    expect(page.locator(".transcript-text")).to_contain_text("Find a comfortable position")
    _tab_to(page, "a[href*='/transcript/']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/recordings/{recording.pk}/transcript/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Transcript: Body scan, short")
    assert_accessible(page)
    shot(page, "transcript" + ("-320" if viewport == PHONE else ""))


def test_player_offers_to_resume_and_logs_the_minutes_listened(new_page, recording):
    page = new_page()
    sign_in(page, PARTICIPANT)
    page.goto("/me/weeks/1/")
    assert_accessible(page)
    page.evaluate(
        f"() => localStorage.setItem('stillwater:recording:{recording.pk}:position', '190')"
    )
    page.reload()
    resume = page.get_by_role("button", name="Resume from 3:10")
    expect(resume).to_be_visible()
    expect(page.get_by_role("button", name="Start from the beginning")).to_be_visible()
    assert_accessible(page)
    shot(page, "week-player-resume")
    page.get_by_role("button", name="Start from the beginning").click()
    expect(resume).to_be_hidden()

    log = page.locator("a[data-player-log]")
    href = log.get_attribute("href") or ""
    assert "practice=body_scan" in href
    page.goto(href.replace("practice=body_scan", "practice=body_scan&minutes=7"))
    assert_accessible(page)
    expect(page.get_by_label("Minutes")).to_have_value("7")
    expect(page.get_by_label("Body scan")).to_be_checked()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "320"])
def test_coordinator_uploads_a_recording_and_adds_its_transcript(
    new_page, demo, viewport, tmp_path
):
    from programs.authoring.services.versions import line_copy_from_shipped
    from sessions.demo.recordings import bell_wav
    from tests.authoring.audio_samples import PNG_BYTES
    from tests.factories import shipped_program

    line = line_copy_from_shipped(
        user=demo.coordinator,
        organization=demo.organization,
        source=shipped_program("mbsr-8-ms"),
        name="Our MBSR",
    )
    suffix = "-320" if viewport == PHONE else ""
    good = tmp_path / "body-scan.wav"
    good.write_bytes(bell_wav())
    bad = tmp_path / "picture.mp3"
    bad.write_bytes(PNG_BYTES)
    page = new_page(viewport)
    sign_in(page, demo.coordinator.email)
    page.goto(f"/programs/{line.pk}/draft/recordings/")
    assert_accessible(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Guided recordings of “Our MBSR”")

    # Not audio: refused with the reason, the title and transcript typed are kept.
    page.get_by_label("Practice", exact=True).select_option("body_scan")
    page.get_by_label("Title", exact=True).fill("Body scan, short")
    page.get_by_label("Audio file").set_input_files(str(bad))
    page.get_by_label("Transcript", exact=True).fill("[A bell rings.]")
    page.get_by_role("button", name="Upload the recording").click()
    page.wait_for_load_state()
    assert_accessible(page)
    expect(
        page.get_by_text("This file is not audio we can play: a PNG image").first
    ).to_be_visible()
    expect(page.get_by_label("Title", exact=True)).to_have_value("Body scan, short")
    expect(page.get_by_label("Transcript", exact=True)).to_have_value("[A bell rings.]")
    shot(page, "recordings-refused" + suffix)

    page.get_by_label("Audio file").set_input_files(str(good))
    page.get_by_label("Transcript", exact=True).fill("")
    page.get_by_role("button", name="Upload the recording").click()
    page.wait_for_load_state()
    assert_accessible(page)
    expect(page.get_by_text("Transcript missing:")).to_be_visible()
    shot(page, "recordings" + suffix)

    page.get_by_role("link", name="Change “Body scan, short”").click()
    page.wait_for_load_state()
    assert_accessible(page)
    shot(page, "recording-edit" + suffix)
    page.get_by_label("Transcript", exact=True).fill(
        "[A soft bell rings.] Find a comfortable position."
    )
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_load_state()
    assert_accessible(page)
    expect(page.get_by_text("Transcript added.")).to_be_visible()

    page.get_by_role("link", name="Change “Body scan, short”").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.get_by_role("link", name="Remove this recording…").click()
    page.wait_for_load_state()
    assert_accessible(page)
    shot(page, "recording-remove" + suffix)
    page.get_by_role("button", name="Yes, remove it").click()
    page.wait_for_load_state()
    assert_accessible(page)
    expect(page.get_by_text("No recording yet.").first).to_be_visible()
