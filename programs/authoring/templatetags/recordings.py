from django import template

from programs.authoring.audio import length_words

register = template.Library()


@register.filter(name="recording_length")
def recording_length(seconds: float) -> str:
    """`{{ recording.duration_seconds|recording_length }}`: “20 min”, “45 seconds”."""
    return length_words(seconds or 0)
