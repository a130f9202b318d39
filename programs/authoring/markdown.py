"""Program materials are Markdown typed by coordinators; this is the one way they become HTML.

markdown-it-py renders CommonMark (raw HTML allowed through, so that it can be seen and
reported), then nh3 keeps an allowlist of tags, attributes and link schemes: no script, style,
iframe, event handler, `javascript:` or `data:` link ever reaches a page, whatever was typed.
The editor reports what was removed (`findings`) so a coordinator is not left wondering why a
part of their text does not show. The Content-Security-Policy (no inline script) is a second
wall, not the first.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "h3", "h4", "h5", "h6",
        "blockquote", "code", "pre", "a", "hr",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
# A page has its own h1 and a section heading (h2) above the material: "# Heading" in the
# material becomes h3, so the outline stays right for screen-reader users.
HEADING_SHIFT = 2
DANGEROUS_SCHEMES = ("javascript:", "data:", "vbscript:", "file:")

# markdown-it refuses to make these into links (the text stays as typed, harmless), but the
# editor should still say why the link does not work.
_MARKDOWN_LINK_SCHEME = re.compile(
    r"\]\(\s*<?\s*(javascript|data|vbscript|file)\s*:", re.IGNORECASE
)

_renderer = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})


def _legacy_paragraphs(text: str) -> str:
    # Content written before materials were Markdown has one paragraph per line and no blank
    # lines: keep each line its own paragraph instead of running them together.
    if "\n\n" in text:
        return text
    return "\n\n".join(line for line in text.split("\n") if line.strip())


def _render_raw(text: str) -> str:
    text = _legacy_paragraphs(text.replace("\r\n", "\n").replace("\r", "\n").strip())
    tokens = _renderer.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(6, int(token.tag[1]) + HEADING_SHIFT)
            token.tag = f"h{level}"
    return str(_renderer.renderer.render(tokens, _renderer.options, {}))


def render(text: str) -> SafeString:
    """The Markdown as safe HTML (empty for empty text)."""
    if not text or not text.strip():
        return mark_safe("")
    cleaned = nh3.clean(
        _render_raw(text),
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return mark_safe(cleaned)  # noqa: S308 - nh3's allowlist output


class _Inventory(HTMLParser):
    """What the raw rendering holds that the allowlist removes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.found.add(f"<{tag}> elements")
        allowed = ALLOWED_ATTRIBUTES.get(tag, set())
        for name, value in attrs:
            if name.startswith("on"):
                self.found.add(f"event handlers ({name})")
            elif name == "style":
                self.found.add("style attributes")
            elif name not in allowed and tag in ALLOWED_TAGS:
                self.found.add(f"{name} attributes")
            compact = "".join((value or "").split()).lower()
            if name in ("href", "src", "action", "formaction", "xlink:href") and compact.startswith(
                DANGEROUS_SCHEMES
            ):
                self.found.add(f"{compact.split(':', 1)[0]}: links")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_comment(self, data: str) -> None:
        self.found.add("HTML comments")


def findings(text: str) -> list[str]:
    """What `render` leaves out of this text, in words (“<script> elements”,
    “event handlers (onclick)”, “javascript: links”); empty when nothing is removed."""
    if not text or not text.strip():
        return []
    inventory = _Inventory()
    inventory.feed(_render_raw(text))
    inventory.close()
    for match in _MARKDOWN_LINK_SCHEME.finditer(text):
        inventory.found.add(f"{match.group(1).lower()}: links")
    return sorted(inventory.found)


def first_paragraph_text(text: str) -> str:
    """The first paragraph of the material as plain text (“This week: …” on the home page),
    with its Markdown and any markup taken out."""
    html = str(render(text))
    start = html.find("<p>")
    if start == -1:
        return ""
    end = html.find("</p>", start)
    plain = nh3.clean(html[start + 3 : end], tags=set())
    # nh3 leaves entities escaped; the template escapes again, so give it plain text.
    return " ".join(unescape(plain).split())
