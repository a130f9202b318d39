"""How every form in Stillwater renders: labels and legends without the colon Django adds.

The house style (and GOV.UK's) writes labels as plain words, "Crisis contacts", never
"Crisis contacts:". Django appends its label suffix in BoundField.label_tag, so the rule is
kept once here, through the renderer every form uses (settings.FORM_RENDERER), rather than
in each form's __init__ where a new form would forget it.
"""

from __future__ import annotations

from typing import Any

from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import SafeString


class HouseBoundField(BoundField):
    def label_tag(
        self,
        contents: str | None = None,
        attrs: dict[str, Any] | None = None,
        label_suffix: str | None = None,
        tag: str | None = None,
    ) -> SafeString:
        # A caller that asks for a suffix on purpose still gets it.
        return super().label_tag(contents, attrs, "" if label_suffix is None else label_suffix, tag)


class HouseFormRenderer(DjangoTemplates):
    bound_field_class = HouseBoundField
