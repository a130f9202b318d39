"""The time zone picker: zones named by country and city, the likely ones first, old names gone
from the list but still working for whoever has one stored."""

from __future__ import annotations

import re
import unicodedata
import zoneinfo

import pytest
from django.urls import reverse

from accounts.forms import ProfileForm
from accounts.timezones import (
    ALL_ZONES,
    SUGGESTED,
    likely_zones,
    offered_zones,
    zone_canonical,
    zone_choices,
    zone_label,
)
from programs.forms import CohortForm
from tests.factories import CohortFactory, UserFactory
from tests.sessions.staff_cast import enroll, group_cohort

pytestmark = pytest.mark.django_db

# Names of the tz database that are only other names of a zone, or no place at all.
OLD_NAMES = ["GB-Eire", "W-SU", "US/Eastern", "Asia/Calcutta", "Europe/Kiev", "Etc/GMT+5", "UTC"]


def groups(html: str) -> dict[str, list[tuple[str, str]]]:
    """Each <optgroup> of a rendered select: its label and its (value, text) options."""
    found = {}
    for label, body in re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', html, re.S):
        found[label] = re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', body)
    return found


def profile_form_for(zone: str, data: dict[str, str] | None = None) -> ProfileForm:
    user = UserFactory.build(timezone=zone, full_name="Pat")
    return ProfileForm(data, instance=user)


def test_zones_are_named_by_country_and_city():
    assert zone_label("Europe/London") == "United Kingdom — London"
    assert zone_label("Europe/Paris") == "France — Paris"
    assert zone_label("Asia/Kolkata") == "India — Kolkata"
    # A country with several zones also says which kind of time each keeps.
    assert zone_label("America/Chicago") == "United States — Chicago (Central Time)"
    assert zone_label("America/New_York") == "United States — New York (Eastern Time)"


def test_no_old_name_or_fixed_offset_is_offered():
    offered = offered_zones()
    for name in OLD_NAMES:
        assert name not in offered
    assert not [name for name in offered if name.startswith("Etc/") or "/" not in name]
    # Every offered name is a real zone, no label is used twice, and no raw name shows through.
    known = zoneinfo.available_timezones()
    assert set(offered) <= known
    labels = [zone.label for zone in offered.values()]
    assert len(labels) == len(set(labels))
    assert not [label for label in labels if "/" in label or "_" in label]
    # Fewer, but every country's zones: London, Oslo and Mariehamn (Åland) all stay.
    assert 350 < len(offered) < 450
    assert {"Europe/London", "Europe/Oslo", "Europe/Mariehamn"} <= set(offered)


def test_the_full_list_is_in_the_order_people_read_the_names():
    labels = [label for _value, label in zone_choices()[1][1]]

    def read_as(label: str) -> str:
        plain = unicodedata.normalize("NFKD", label)
        return "".join(c for c in plain if not unicodedata.combining(c)).casefold()

    assert labels == sorted(labels, key=read_as)
    # "Åland Islands" sits among the A's, not after "Zimbabwe".
    assert labels.index("Åland Islands — Mariehamn") < labels.index("Albania — Tirana")


def test_old_names_stand_for_their_zone():
    assert zone_canonical("GB-Eire") == "Europe/London"
    assert zone_canonical("W-SU") == "Europe/Moscow"
    assert zone_canonical("US/Eastern") == "America/New_York"
    assert zone_canonical("Europe/London") == "Europe/London"
    assert zone_label("GB-Eire") == "United Kingdom — London"
    assert zone_label("UTC") == "UTC (Coordinated Universal Time)"


def test_a_uk_resident_sees_london_first(settings):
    settings.DEFAULT_USER_TIMEZONE = "Europe/London"
    found = groups(str(profile_form_for("Europe/London")["timezone"]))
    assert list(found) == [SUGGESTED, ALL_ZONES]
    assert found[SUGGESTED] == [("Europe/London", "United Kingdom — London")]
    assert re.search(
        r'<option value="Europe/London" selected>United Kingdom — London</option>',
        str(profile_form_for("Europe/London")["timezone"]),
    )


def test_suggested_are_the_current_zone_the_default_and_the_same_country(settings):
    settings.DEFAULT_USER_TIMEZONE = "Europe/London"
    suggested = likely_zones(current=["America/Denver"])
    assert suggested[:2] == ["America/Denver", "Europe/London"]
    rest = suggested[2:]
    assert "America/Chicago" in rest
    assert "America/New_York" in rest
    assert "Europe/Paris" not in rest
    # The rest of the country in reading order.
    assert [zone_label(n) for n in rest] == sorted(zone_label(n) for n in rest)


def test_an_old_name_stored_is_shown_as_its_zone_and_still_saves(settings):
    settings.DEFAULT_USER_TIMEZONE = "Europe/London"
    html = str(profile_form_for("GB-Eire")["timezone"])
    assert "GB-Eire" not in html
    assert '<option value="Europe/London" selected>United Kingdom — London</option>' in html

    data = {"full_name": "Pat", "preferred_name": "", "timezone": "GB-Eire", "phone": ""}
    form = profile_form_for("GB-Eire", data)
    assert form.is_valid(), form.errors
    # The same clock, under the name calendars use today.
    assert form.cleaned_data["timezone"] == "Europe/London"


def test_a_zone_that_is_not_a_place_is_kept_as_the_current_choice(settings):
    settings.DEFAULT_USER_TIMEZONE = "Europe/London"
    found = groups(str(profile_form_for("UTC")["timezone"]))
    assert found[SUGGESTED][0] == ("UTC", "UTC (Coordinated Universal Time)")
    data = {"full_name": "Pat", "preferred_name": "", "timezone": "UTC", "phone": ""}
    form = profile_form_for("UTC", data)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["timezone"] == "UTC"


def test_an_unknown_zone_is_refused_with_the_plain_message():
    data = {"full_name": "Pat", "preferred_name": "", "timezone": "Mars/Olympus", "phone": ""}
    form = profile_form_for("Europe/London", data)
    assert not form.is_valid()
    assert form.errors["timezone"] == ["Choose your time zone from the list."]


def test_the_profile_page_offers_the_named_zones(client, participant, settings):
    settings.DEFAULT_USER_TIMEZONE = "Europe/London"
    participant.timezone = "America/Chicago"
    participant.save()
    client.force_login(participant)
    page = client.get(reverse("profile")).text
    found = groups(page)
    assert found[SUGGESTED][:2] == [
        ("America/Chicago", "United States — Chicago (Central Time)"),
        ("Europe/London", "United Kingdom — London"),
    ]
    for name in OLD_NAMES:
        assert f'value="{name}"' not in page

    response = client.post(
        reverse("profile"),
        {"full_name": "Pat", "preferred_name": "", "timezone": "Europe/Oslo", "phone": ""},
        follow=True,
    )
    assert "Your details are saved" in response.text
    participant.refresh_from_db()
    assert participant.timezone == "Europe/Oslo"


def test_the_organizations_default_zone_is_suggested_next(
    client, organization, facilitator_user, participant
):
    organization.default_timezone = "Europe/Paris"
    organization.save()
    enroll(group_cohort(organization, [facilitator_user]), user=participant)
    client.force_login(participant)
    found = groups(client.get(reverse("profile")).text)
    assert found[SUGGESTED] == [
        ("Europe/London", "United Kingdom — London"),
        ("Europe/Paris", "France — Paris"),
    ]


def test_a_cohort_offers_its_own_zone_and_its_organizations_first(organization):
    organization.default_timezone = "Europe/Dublin"
    organization.save()
    cohort = CohortFactory(organization=organization, timezone="America/Toronto")
    form = CohortForm(memberships=[], cohort=cohort, initial=CohortForm.initial_for(cohort))
    suggested = groups(str(form["timezone"]))[SUGGESTED]
    assert suggested[:2] == [
        ("America/Toronto", "Canada — Toronto (Eastern Time)"),
        ("Europe/Dublin", "Ireland — Dublin"),
    ]
    assert {value for value, _label in suggested[2:]} >= {"America/Vancouver", "America/Halifax"}
    new = CohortForm(memberships=[], organization=organization, initial={"timezone": "Europe/Oslo"})
    assert [v for v, _ in groups(str(new["timezone"]))[SUGGESTED]] == [
        "Europe/Oslo",
        "Europe/Dublin",
    ]
