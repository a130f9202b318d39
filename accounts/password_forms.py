"""allauth's password forms, reporting every mistake at once (settings.ACCOUNT_FORMS).

allauth compares the two new passwords only when the first one has passed the password rules,
so "too short" came first and "not the same" only on the next try: a second round for nothing.
Here the comparison is made on what was typed as well, and both are said together.
"""

from __future__ import annotations

import copy
from typing import Any, TypeVar

from allauth.account import forms as allauth_forms
from django import forms
from django.utils.translation import gettext as _

from .forms import PASSWORD_MAX_LENGTH, AllauthHouseWords, LengthLimitValidator

FormClass = TypeVar("FormClass", bound=type[forms.Form])


def _length_limited(form_class: FormClass) -> FormClass:
    """Every password box of the form refuses more than PASSWORD_MAX_LENGTH characters, in words.

    allauth's fields have no limit, and hashing a megabyte "password" costs the server seconds.
    The fields are copied first: allauth's own form classes hold the originals.
    """
    for name, field in list(form_class.base_fields.items()):
        if isinstance(field, forms.CharField) and field.max_length is None:
            limited = copy.deepcopy(field)
            limited.max_length = PASSWORD_MAX_LENGTH
            limited.validators = [*field.validators, LengthLimitValidator(PASSWORD_MAX_LENGTH)]
            form_class.base_fields[name] = limited
    return form_class


class _BothPasswordMistakesAtOnce:
    data: Any
    errors: Any

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean()  # type: ignore[misc]
        first, second = self.data.get("password1", ""), self.data.get("password2", "")
        rules_failed = "password1" in self.errors and "password2" not in self.errors
        if rules_failed and first and second and first != second:
            # allauth's own words, so the page reads the same whichever check spoke.
            self.add_error(  # type: ignore[attr-defined]
                "password2", _("You must type the same password each time.")
            )
        return cleaned


@_length_limited
class ChangePasswordForm(
    AllauthHouseWords, _BothPasswordMistakesAtOnce, allauth_forms.ChangePasswordForm
):
    """Change a known password: a wrong current one, a weak and a mismatched new one, together."""


@_length_limited
class SetPasswordForm(
    AllauthHouseWords, _BothPasswordMistakesAtOnce, allauth_forms.SetPasswordForm
):
    """Set a first password, with both mistakes said at once."""


@_length_limited
class ResetPasswordKeyForm(
    AllauthHouseWords, _BothPasswordMistakesAtOnce, allauth_forms.ResetPasswordKeyForm
):
    """Choose a new password from the e-mailed link, with both mistakes said at once."""
