"""Time zones as people know them: "United Kingdom — London", with the likely ones first.

What is stored stays an IANA name (Europe/London), as calendars and the browser know it. What
people read is a country and a city, from Babel's copy of the Unicode CLDR data, which also
says which country each zone belongs to and which old names (GB-Eire, W-SU, US/Eastern) are
only other names of a zone. Only the zones people live in are offered: old names and the
fixed offsets (Etc/GMT+5, EST5EDT) are left out of the list, but someone whose stored zone is
one of them keeps it (an old name is shown as the zone it stands for).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from babel import Locale
from babel.core import get_global
from babel.dates import get_timezone_location, get_timezone_name
from django.conf import settings
from django.utils.translation import to_locale

SUGGESTED = "Suggested"
ALL_ZONES = "All time zones"
# What every zone's name is made of: the country, then the city. "—" reads as a pause in a
# screen reader, where "/" would be read out as "slash".
SEPARATOR = " — "
# Not places: the server's own setting and a placeholder zone of the tz database.
_NOT_ZONES = frozenset({"localtime", "Factory"})
# CLDR's code for "no country" (the fixed offsets under Etc/) and for "the world".
_NO_COUNTRY = frozenset({"ZZ", "001"})
_UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "UCT", "Zulu"})


@dataclass(frozen=True)
class Zone:
    name: str
    country: str
    label: str
    sort_key: str


@cache
def _locale() -> Locale:
    return Locale.parse(to_locale(settings.LANGUAGE_CODE))


@cache
def known_zones() -> frozenset[str]:
    """Every name the tz database knows, old names included: all of them may be stored."""
    return frozenset(zoneinfo.available_timezones() - _NOT_ZONES)


def zone_canonical(name: str) -> str:
    """The zone an old name stands for (GB-Eire → Europe/London); any other name unchanged."""
    aliases: Mapping[str, str] = get_global("zone_aliases")
    return aliases.get(name, name)


def _sort_key(text: str) -> str:
    # Alphabetical as people read it: "Åland Islands" among the A's, "Côte d'Ivoire" among the C's.
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _name_of(name: str, country: str, several: bool) -> str:
    locale = _locale()
    city = get_timezone_location(name, locale=locale, return_city=True)
    label = f"{locale.territories.get(country, country)}{SEPARATOR}{city}"
    if several:
        # In a country with several zones the kind of time tells them apart: someone in
        # Dallas finds "Central Time", though Chicago is not their city. A name that only
        # repeats the city ("Moscow Time") or the country says nothing more.
        generic = get_timezone_name(name, locale=locale)
        kind = generic.removesuffix(" Time")
        if generic != get_timezone_location(name, locale=locale) and not (
            kind in city or city in kind
        ):
            label = f"{label} ({generic})"
    return label


@cache
def offered_zones() -> dict[str, Zone]:
    """The zones people choose from, by IANA name, in the order people read their names."""
    territories: Mapping[str, str] = get_global("zone_territories")
    names = {
        name
        for name in known_zones()
        if zone_canonical(name) == name and territories.get(name, "ZZ") not in _NO_COUNTRY
    }
    per_country: dict[str, int] = {}
    for name in names:
        per_country[territories[name]] = per_country.get(territories[name], 0) + 1
    zones = []
    for name in names:
        country = territories[name]
        label = _name_of(name, country, per_country[country] > 1)
        zones.append(Zone(name, country, label, _sort_key(label)))
    zones.sort(key=lambda zone: (zone.sort_key, zone.name))
    return {zone.name: zone for zone in zones}


def zone_offered(name: str) -> str | None:
    """The offered zone a stored name is shown as (itself or what an old name stands for)."""
    canonical = zone_canonical(name)
    return canonical if canonical in offered_zones() else None


def zone_label(name: str) -> str:
    """What people read for a stored zone name: "United Kingdom — London", or for a zone
    that is not a place, such as UTC, its plain name."""
    offered = zone_offered(name)
    if offered is not None:
        return offered_zones()[offered].label
    if name in _UTC_NAMES:
        return "UTC (Coordinated Universal Time)"
    # A fixed offset or an old US rule (Etc/GMT+5, EST5EDT): its name, and the offset it has
    # now, since "Etc/GMT+5" is five hours *behind* UTC.
    try:
        offset = dt.datetime.now(tz=zoneinfo.ZoneInfo(name)).strftime("%z")
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return name
    sign = "\N{MINUS SIGN}" if offset.startswith("-") else "+"
    return f"{name.replace('_', ' ')} (UTC{sign}{offset[1:3]}:{offset[3:5]})"


def likely_zones(*, current: Iterable[str] = (), defaults: Iterable[str] = ()) -> list[str]:
    """The zones to offer first: the ones given (the person's current zone first), the
    organization's default (Stillwater's when none is given), then the other zones of the
    current zone's country.

    A name that is not offered, such as UTC, stays (it is what someone has), and an old
    name becomes the zone it stands for.
    """
    zones = offered_zones()
    found: list[str] = []
    for name in [*current, *(list(defaults) or [settings.DEFAULT_USER_TIMEZONE])]:
        if name in known_zones():
            shown = zone_offered(name) or name
            if shown not in found:
                found.append(shown)
    if found and found[0] in zones:
        country = zones[found[0]].country
        found += [z.name for z in zones.values() if z.country == country and z.name not in found]
    return found


def zone_choices(
    *, current: Iterable[str] = (), defaults: Iterable[str] = ()
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Choices for a select: a "Suggested" group, then every offered zone."""
    suggested = likely_zones(current=current, defaults=defaults)
    return [
        (SUGGESTED, [(name, zone_label(name)) for name in suggested]),
        (ALL_ZONES, [(zone.name, zone.label) for zone in offered_zones().values()]),
    ]
