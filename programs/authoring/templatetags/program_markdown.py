from django import template
from django.utils.safestring import SafeString

from programs.authoring import markdown as markdown_module

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    """`{{ program_session.material|markdown }}`: the material as sanitized HTML."""
    return markdown_module.render(text or "")
