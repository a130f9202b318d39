"""Checking that a form reports all its mistakes in one response (no "errors in rounds")."""

from __future__ import annotations

import re

from django.utils.html import escape

_SUMMARY = re.compile(r'<div class="error-summary".*?</div>', re.DOTALL)


def error_summary(page: str) -> str:
    """The error summary box at the top of the form, or fail when there is none."""
    found = _SUMMARY.search(page)
    assert found is not None, "the page has no error summary"
    return found.group(0)


def assert_all_reported(response, expected: dict[str, str | tuple[str, str]]) -> str:
    """Every message at once: in the summary, linking to its field's id, and beside the field.

    `expected` maps the id the summary link goes to (without "#") to the message, or to a pair
    (the summary's words, the words beside the field) where the summary adds "Question 3: ".
    Returns the page, for the checks of what was typed.
    """
    assert response.status_code == 200, response.status_code
    page = response.text
    summary = error_summary(page)
    beside_field = page.replace(summary, "")
    missing = []
    for anchor, message in expected.items():
        in_summary, beside = message if isinstance(message, tuple) else (message, message)
        links = re.findall(rf'<a href="#{re.escape(anchor)}">([^<]*)</a>', summary)
        if not any(escape(in_summary) in link for link in links):
            missing.append(f"summary link #{anchor} → {in_summary!r} (links: {links})")
        if escape(beside) not in beside_field:
            missing.append(f"{beside!r} beside its field")
    assert not missing, "not reported together:\n" + "\n".join(missing)
    return page
