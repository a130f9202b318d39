"""The accessibility check every page in the browser suite goes through.

axe-core finds what a machine can find (contrast, names, landmarks, ARIA); the checks after
it hold Stillwater's own promises: one page heading, a main landmark, the skip link as the
first thing a keyboard reaches, and the "Get help" link on every page.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

# WCAG 2.2 AA, all of it that axe can test. No rule is switched off: a page that fails is fixed.
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"],
    },
    "resultTypes": ["violations"],
}

_axe = Axe()

# What the keyboard reaches, in document order; tabindex="-1" and disabled controls are skipped.
_FIRST_TAB_STOP_JS = """() => {
  const selector = 'a[href], area[href], button, input, select, textarea, summary, iframe, '
    + '[tabindex], [contenteditable=""], [contenteditable="true"]';
  for (const el of document.querySelectorAll(selector)) {
    if (el.disabled || el.tabIndex < 0 || el.getAttribute('type') === 'hidden') continue;
    if (el.closest('[inert], [hidden]')) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    return {text: el.textContent.trim(), href: el.getAttribute('href')};
  }
  return null;
}"""


def format_violations(violations: list[dict]) -> str:
    """One block per rule: id, what it asks for, and the selectors of the elements that break it."""
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation.get('impact')}): {violation['help']}")
        lines.append(f"  {violation.get('helpUrl', '')}")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}")
            summary = node.get("failureSummary", "").replace("\n", "\n       ")
            if summary:
                lines.append(f"       {summary}")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """Fail with a readable list unless the page has no WCAG 2.2 AA violations and the site frame."""
    # Scanning a half-loaded page would pass or fail by chance.
    page.wait_for_load_state("load")
    where = page.url

    results = _axe.run(page, options=AXE_OPTIONS)
    violations = results.response["violations"]
    assert not violations, (
        f"{len(violations)} accessibility rule(s) broken on {where}:\n"
        + format_violations(violations)
    )

    headings = page.locator("h1")
    texts = headings.all_inner_texts()
    assert len(texts) == 1, f"{where} should have exactly one <h1>, found {texts!r}"

    assert page.locator("main, [role='main']").count() == 1, f"{where} has no single main landmark"
    main_id = page.locator("main, [role='main']").get_attribute("id")

    first = page.evaluate(_FIRST_TAB_STOP_JS)
    assert first is not None, f"nothing on {where} can be reached with the keyboard"
    expected = {"text": "Skip to main content", "href": f"#{main_id}"}
    assert first == expected, f"the first Tab stop on {where} should be {expected}, found {first}"

    help_link = page.get_by_role("link", name="Get help", exact=True).first
    assert help_link.is_visible(), f"{where} has no visible 'Get help' link"

    journal = _journals.get(page)
    if journal is not None:
        journal.append(("scan", where))


# Each tracked page's document loads and scans, in the order they happened.
_journals: WeakKeyDictionary[Page, list[tuple[str, str]]] = WeakKeyDictionary()


def track_visits(page: Page) -> None:
    """Remember every document the page loads, so a page that skipped the scan can be named."""
    journal: list[tuple[str, str]] = []
    _journals[page] = journal
    # "load" fires once per document (not for #fragment jumps), before goto() or
    # wait_for_url() return, so it is always recorded ahead of that document's scan.
    page.on("load", lambda loaded: journal.append(("visit", loaded.url)))


def unscanned_visits(page: Page) -> list[str]:
    """Addresses of documents the page showed without assert_accessible() running on them."""
    missed: list[str] = []
    showing: str | None = None
    for kind, url in _journals.get(page, []):
        if kind == "visit":
            if showing is not None:
                missed.append(showing)
            showing = url if url.startswith("http") else None
        else:
            showing = None
    if showing is not None:
        missed.append(showing)
    return missed
