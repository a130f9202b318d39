"""A participant's week in Chromium, through the pages only and by keyboard alone.

Aisha (participant1 of the demo) has MS and a tremor: she uses the keyboard, never the mouse.
She signs in and finds the questionnaires before the course at the top of her home page. She
chooses to start with "Well-being", answers two questions and half of a third, and chooses
"Save and come back later"; she signs out. In a second sitting she signs in again, carries on
where she stopped, checks her answers (in words) and sends them; does "Feeling alone"; and in
"Worry and anxiety" skips a question she would rather not answer, sees "Not answered" when she
checks, and sends. All done, she goes back home and logs today's practice.

Every page is scanned by axe (WCAG 2.2 AA), and each kind of page is also read at 320 px wide
and at 200% zoom (a 1280 by 800 screen zoomed to 200% lays pages out in 640 by 400 CSS pixels):
no sideways scrolling, no accessibility problems.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.demo import DEMO_PASSWORD, DemoPeople, demo_people_ensure
from programs.models import MeasurementKind
from sessions.demo.courses import demo_courses_ensure
from sessions.models import PracticeLog
from sessions.questionnaires.models import Assessment, Response
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import DESKTOP
from tests.factories import ship_programs

pytestmark = pytest.mark.e2e

PHONE = {"width": 320, "height": 640}
ZOOMED_200 = {"width": DESKTOP["width"] // 2, "height": DESKTOP["height"] // 2}
# Three short questionnaires, so the whole set is answered here: about 5 minutes in all.
SET = ["ucla3", "who5", "gad7"]

FOCUSED_JS = r"""() => {
  const el = document.activeElement;
  return {
    tag: el.tagName,
    id: el.id,
    type: el.getAttribute('type') || '',
    // Visually hidden words ("Start: Well-being") come out of innerText with a space before them.
    text: (el.innerText || el.value || '').replace(/\s+/g, ' ').replace(/ :/g, ':').trim(),
  };
}"""
SCROLL_JS = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"


@pytest.fixture
def week(live_server) -> tuple[DemoPeople, Assessment]:
    """The demo: participant1's group began weeks ago and the team kept her questionnaires before
    the course open; here the set is three short questionnaires, none answered yet."""
    ship_programs()
    people = demo_people_ensure(participants=2)
    demo_courses_ensure(people=people)
    assessment = Assessment.objects.get(
        enrollment__user=people.participants[0],
        measurement_point__kind=MeasurementKind.BASELINE,
    )
    Response.objects.filter(assessment=assessment).delete()
    assessment.instruments = SET
    assessment.completed_at = None
    assessment.closes_at = max(assessment.closes_at, timezone.now() + dt.timedelta(days=7))
    assessment.save(update_fields=["instruments", "completed_at", "closes_at"])
    return people, assessment


# --- the keyboard -------------------------------------------------------------------------------


def _focused(page: Page) -> dict[str, str]:
    return page.evaluate(FOCUSED_JS)


def tab_until(page: Page, matches: Callable[[dict[str, str]], bool], *, back: bool = False) -> None:
    """Press Tab (or Shift+Tab) until the focused element matches, as a keyboard user would."""
    seen = []
    for _ in range(80):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        focused = _focused(page)
        if matches(focused):
            return
        seen.append(focused["text"][:40] or focused["id"])
    raise AssertionError(f"Tab never reached the element on {page.url}: {seen}")


def tab_to(page: Page, text: str, *, back: bool = False) -> None:
    """Tab to the link or button whose words start with `text`."""
    tab_until(
        page, lambda el: el["tag"] in ("A", "BUTTON") and el["text"].startswith(text), back=back
    )


def press(page: Page, text: str) -> None:
    """Tab to a link or button and press Enter; the next page is scanned."""
    tab_to(page, text)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_accessible(page)


def choose(page: Page, position: int) -> None:
    """Tab into the answers and choose the one at `position` (0 is the first) with arrow keys."""
    tab_until(page, lambda el: el["id"].startswith("id_answer_"))
    if not page.locator("input[name=answer]:checked").count():
        # Tab lands on the first answer, not chosen yet: Space chooses it.
        page.keyboard.press("Space")
    current = int(_focused(page)["id"].rsplit("_", 1)[1])
    for _ in range(abs(position - current)):
        page.keyboard.press("ArrowDown" if position > current else "ArrowUp")
    expect(page.locator(f"#id_answer_{position}")).to_be_checked()


def answer(page: Page, position: int) -> None:
    """Choose an answer and continue (Enter on the chosen answer sends the form's first button)."""
    choose(page, position)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_accessible(page)


def sign_in(page: Page, email: str) -> None:
    page.goto("/accounts/login/")
    assert_accessible(page)
    tab_until(page, lambda el: el["id"] == "id_login")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    assert _focused(page)["id"] == "id_password"
    page.keyboard.type(DEMO_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_accessible(page)


def sign_out(page: Page) -> None:
    press(page, "Sign out")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


# --- reflow -------------------------------------------------------------------------------------


def reads_everywhere(page: Page) -> None:
    """At 320 px and at 200% zoom: nothing scrolls sideways and axe finds nothing; then back."""
    for size in (PHONE, ZOOMED_200):
        page.set_viewport_size(size)
        content, width = page.evaluate(SCROLL_JS)
        assert content <= width, f"{page.url} scrolls sideways at {size}: {content}px in {width}px"
        assert_accessible(page)
    page.set_viewport_size(DESKTOP)


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def task(page: Page, name: str):
    """A row of the questionnaire list, found by the questionnaire's plain name."""
    questionnaires = page.get_by_role("list", name="The questionnaires")
    return questionnaires.get_by_role("listitem").filter(has_text=name)


# --- the week -----------------------------------------------------------------------------------


def test_a_participant_does_the_baseline_in_two_sittings_and_logs_practice_by_keyboard(
    new_page, week
):
    people, assessment = week
    aisha = people.participants[0]
    page = new_page()

    # --- first sitting: home leads with the questionnaires ----------------------------------
    sign_in(page, aisha.email)
    expect(heading(page)).to_contain_text("Hello")
    questionnaires = page.get_by_role("link", name=re.compile(r"^Questionnaires before the course"))
    expect(questionnaires).to_be_visible()
    expect(page.get_by_role("listitem").filter(has=questionnaires)).to_contain_text("Not started")
    reads_everywhere(page)
    press(page, "Questionnaires before the course")

    # The list: three questionnaires by plain name, time for each and in all, in any order.
    expect(heading(page)).to_have_text("Your questionnaires")
    main = page.get_by_role("main")
    expect(main).to_contain_text("3 questionnaires")
    expect(main).to_contain_text("About 5 minutes in all.")
    expect(main).not_to_contain_text(re.compile(r"UCLA|WHO-5|GAD-7"))
    expect(task(page, "Well-being")).to_contain_text("5 questions, about 2 minutes")
    expect(task(page, "Well-being")).to_contain_text("Not started")
    reads_everywhere(page)

    # She chooses to begin with "Well-being", the second in the list.
    press(page, "Start: Well-being")
    expect(heading(page)).to_have_text(re.compile("cheerful and in good spirits"))
    expect(main).to_contain_text("Well-being: question 1 of 5")
    expect(main).to_contain_text("Questionnaires: 0 of 3 done, about 5 minutes left")
    reads_everywhere(page)
    answer(page, 1)  # Most of the time
    answer(page, 2)  # More than half of the time
    expect(main).to_contain_text("Well-being: question 3 of 5")

    # Half-way through the third, she has had enough for today: what she chose is kept.
    choose(page, 3)
    press(page, "Save and come back later")
    expect(heading(page)).to_have_text("Your questionnaires")
    expect(page.get_by_role("status")).to_contain_text("Everything you have answered is saved.")
    expect(task(page, "Well-being")).to_contain_text("Started")
    expect(task(page, "Well-being")).to_contain_text("3 of 5 questions done")
    assert Response.objects.get(assessment=assessment, instrument="who5").answers == {
        "1": 4,
        "2": 3,
        "3": 2,
    }
    sign_out(page)

    # --- second sitting, another day ------------------------------------------------------
    page.context.close()
    page = new_page()
    main = page.get_by_role("main")
    sign_in(page, aisha.email)
    press(page, "Questionnaires before the course")
    expect(heading(page)).to_have_text("Your questionnaires")
    # The big button carries on with what she began.
    press(page, "Carry on")
    expect(main).to_contain_text("Well-being: question 4 of 5")
    answer(page, 0)  # All of the time
    answer(page, 5)  # At no time

    # Check your answers: her words, never numbers; then send.
    expect(heading(page)).to_have_text("Check your answers")
    answers = main.locator(".answer-row dd:not(.answer-change)")
    expect(answers).to_have_text(
        [
            "Most of the time",
            "More than half of the time",
            "Less than half of the time",
            "All of the time",
            "At no time",
        ]
    )
    reads_everywhere(page)
    press(page, "Send answers")
    expect(heading(page)).to_have_text("Your questionnaires")
    expect(page.get_by_role("status")).to_contain_text(
        "Your answers to “Well-being” are sent. 1 of 3 done."
    )
    expect(task(page, "Well-being")).to_contain_text("Sent")
    expect(main).to_contain_text("About 5 minutes in all; about 3 minutes left.")

    # "Feeling alone" next, her choice again.
    press(page, "Start: Feeling alone")
    for position in (0, 1, 0):
        answer(page, position)
    expect(heading(page)).to_have_text("Check your answers")
    press(page, "Send answers")
    expect(page.get_by_role("status")).to_contain_text("2 of 3 done.")

    # "Worry and anxiety": she skips a question. Skip is a link on its own line, past Continue.
    press(page, "Start: Worry and anxiety")
    answer(page, 1)
    answer(page, 0)
    expect(main).to_contain_text("Worry and anxiety: question 3 of 8")
    tab_to(page, "Continue")
    tab_to(page, "Skip this question")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_accessible(page)
    expect(main).to_contain_text("Worry and anxiety: question 4 of 8")
    reads_everywhere(page)
    for position in (1, 0, 2, 0, 0):
        answer(page, position)
    expect(heading(page)).to_have_text("Check your answers")
    expect(main.locator(".answer-row").nth(2)).to_contain_text("Not answered")
    expect(main.locator(".answer-row").nth(3)).to_contain_text("Several days")
    press(page, "Send answers")

    # All three sent.
    expect(heading(page)).to_have_text("Thank you")
    reads_everywhere(page)
    assessment.refresh_from_db()
    assert assessment.completed_at is not None
    assert Response.objects.get(assessment=assessment, instrument="gad7").answers["3"] is None

    # --- then today's practice, from home -------------------------------------------------
    press(page, "Back to your course")
    # Home says the questionnaires are done (its wording is the home page's own).
    done = page.get_by_role("listitem").filter(has_text="Questionnaires before the course")
    expect(done).to_contain_text(re.compile("Completed|Done|Sent", re.I))
    press(page, "Log practice")
    expect(heading(page)).to_have_text("Log practice")
    reads_everywhere(page)
    before = PracticeLog.objects.filter(enrollment__user=aisha).count()
    tab_until(page, lambda el: el["type"] == "radio" and el["id"].startswith("id_practice_"))
    page.keyboard.press("Space")
    tab_until(page, lambda el: el["id"] == "id_minutes")
    page.keyboard.type("20")
    tab_to(page, "Save to my practice log")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_accessible(page)
    expect(page.get_by_role("status")).to_be_visible()
    assert PracticeLog.objects.filter(enrollment__user=aisha).count() == before + 1
    assert PracticeLog.objects.filter(enrollment__user=aisha).latest("pk").minutes == 20
