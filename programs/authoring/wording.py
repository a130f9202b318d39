"""Reminder wording an organization may change, and the checks that keep it safe to send.

Only reminders that go to participants may be reworded (never safety alerts, staff to-dos or
invitations: those say what they must). A reworded reminder keeps everything Stillwater writes
(the time, the place, the button, how to stop it): the organization changes its subject and adds
a short intro paragraph above the rest. An inbox, a lock screen or a shared family computer may
show either, so neither may say anything about health or about the course (its kind, its name,
what is measured), and neither may carry a link or markup.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# The participant reminders (sessions.notifications NotificationKind values; that app sits above
# this one, so the values are written here and a test keeps the two in step).
REWORDABLE_KINDS: dict[str, str] = {
    "session_24h": "Session coming up (the day before)",
    "session_1h": "Session coming up (an hour before)",
    "questionnaire_open": "Check-in ready",
    "questionnaire_closing": "Check-in closing soon",
    "practice_nudge": "Daily practice reminder",
    "missed_session": "Missed session: the material",
}
# What the rest of each reminder says whatever the wording (templates/emails/reminder-*), so the
# coordinator knows what their intro stands above.
STANDARD_TEXT: dict[str, str] = {
    "session_24h": "Session 3 is on Tuesday 15 September at 18:00 (London time). How to join. "
    "A calendar entry is attached.",
    "session_1h": "Session 3 is on Tuesday 15 September at 18:00 (London time). How to join. "
    "A calendar entry is attached.",
    "questionnaire_open": "Your check-in is ready. You can answer a few questions at a time and "
    "come back later. How long it takes, and until when it is open.",
    "questionnaire_closing": "Your check-in closes on … Anything you have already answered is "
    "saved.",
    "practice_nudge": "This is your daily reminder for home practice. Any length counts, and a "
    "day without is fine too.",
    "missed_session": "We missed you at session 3 on … The session's material and home practice "
    "are ready for you in Stillwater.",
}

SUBJECT_MAX_LENGTH = 80
INTRO_MAX_LENGTH = 300

# Words that say something about a person's health. No reminder may carry them anywhere (the
# notification tests scan every message for these).
HEALTH_WORDS: tuple[str, ...] = (
    r"multiple\s+sclerosis",
    r"sclerosis",
    r"\bMS\b",
    r"depress",
    r"anxi",
    r"fatigue",
    r"mood",
    r"PHQ",
    r"GAD",
    r"stress",
    r"mindful",
    r"suicid",
    r"self-harm",
    r"\bscores?\b",
    r"loneli",
    r"well-?being",
    r"health",
    r"diagnos",
    r"symptom",
    r"relapse",
    r"disab",
    r"disease",
    r"illness",
    r"neurolog",
    r"mental",
    r"emotion",
    r"therap",
    r"treatment",
    r"medic",
    r"clinic",
    r"patient",
    r"hospital",
)
# Words that say what kind of course it is or what it measures: fine inside Stillwater, not in
# a subject or intro that anyone near the person's screen may read.
COURSE_WORDS: tuple[str, ...] = (
    r"mbsr",
    r"\bier\b",
    r"meditat",
    r"body\s*scan",
    r"yoga",
    r"course",
    r"programme?",
    r"study",
    r"trial",
    r"screening",
    r"questionnaire",
    r"survey",
    r"cohort",
)
_WORDS = re.compile("|".join(f"(?:{word})" for word in (*HEALTH_WORDS, *COURSE_WORDS)), re.I)
# Anything a mail program would make a link of: a scheme, "www.", or a bare domain.
_LINK = re.compile(
    r"[a-z][a-z0-9+.-]*:\s*/|\b(?:javascript|data|vbscript|mailto|tel)\s*:|\bwww\.|"
    r"\b[a-z0-9-]+\.(?:com|org|net|uk|io|info|nhs|gov|edu|co|eu|me|app|ly)\b",
    re.I,
)
# HTML, Markdown links and template tags: the wording is sent as plain text.
_MARKUP = re.compile(r"[<>]|\]\(|\{\{|\{%|&#?\w+;")


@dataclass(frozen=True)
class Wording:
    subject: str
    intro: str


def wording_text_problems(text: str, *, max_length: int, single_line: bool) -> list[str]:
    """What is wrong with one subject or intro, each in words the coordinator can act on."""
    problems: list[str] = []
    if len(text) > max_length:
        problems.append(
            f"Keep it to {max_length} characters or fewer (it has {len(text)}): "
            "people read reminders on small screens."
        )
    if single_line and ("\n" in text or "\r" in text):
        problems.append("Write the subject on one line.")
    if any(
        unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"} and ch not in "\r\n" for ch in text
    ):
        problems.append("Take out the invisible control characters (tabs, direction marks).")
    found = sorted({m.group(0).lower() for m in _WORDS.finditer(text)})
    if found:
        words = ", ".join(f"“{word}”" for word in found)
        problems.append(
            f"Leave out {words}: an inbox or a lock screen may show this, so it must not say "
            "anything about health or what the course is."
        )
    if _LINK.search(text):
        problems.append(
            "Take the link out: the reminder has its own button into Stillwater, and links in "
            "reminders teach people to trust look-alike e-mails."
        )
    if _MARKUP.search(text):
        problems.append(
            "Write plain text: no HTML, Markdown links, entities or template tags (no < > [..]( "
            "or {{ )."
        )
    return problems


def wording_problems(kind: str, wording: Wording) -> dict[str, list[str]]:
    """{"subject": [...], "intro": [...]} of what stops this wording being saved or published;
    empty lists when it is safe."""
    if kind not in REWORDABLE_KINDS:
        return {"subject": ["This reminder cannot be reworded."], "intro": []}
    return {
        "subject": wording_text_problems(
            wording.subject, max_length=SUBJECT_MAX_LENGTH, single_line=True
        ),
        "intro": wording_text_problems(
            wording.intro, max_length=INTRO_MAX_LENGTH, single_line=False
        ),
    }


def wording_of(reminder_wording: object, kind: str) -> Wording | None:
    """A program's own wording of one reminder kind, or None when it keeps the shipped one
    (also for anything stored that is not a participant kind or not text)."""
    if kind not in REWORDABLE_KINDS or not isinstance(reminder_wording, dict):
        return None
    entry = reminder_wording.get(kind)
    if not isinstance(entry, dict):
        return None
    subject = entry.get("subject", "")
    intro = entry.get("intro", "")
    if not isinstance(subject, str) or not isinstance(intro, str):
        return None
    if not subject.strip() and not intro.strip():
        return None
    return Wording(subject=subject.strip(), intro=intro.strip())


def wording_publish_problems(reminder_wording: object) -> list[str]:
    """Why a program's stored reminder wording may not be published (one line each)."""
    if not reminder_wording:
        return []
    if not isinstance(reminder_wording, dict):
        return ["The reminder wording is damaged: save the reminders page again."]
    problems: list[str] = []
    for kind in sorted(reminder_wording):
        label = REWORDABLE_KINDS.get(kind)
        if label is None:
            problems.append(f"Reminders: “{kind}” cannot be reworded. Remove its wording.")
            continue
        wording = wording_of(reminder_wording, kind)
        if wording is None:
            continue
        for field, found in wording_problems(kind, wording).items():
            for problem in found:
                problems.append(f"Reminders, “{label}”, {field}: {problem}")
    return problems
