"""A participant's week page plays the practice's guided recordings, with the transcript beside
the player and a link that logs the practice with the minutes listened."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.urls import reverse

from programs.authoring.models import Recording
from sessions.demo.recordings import demo_recording_add
from sessions.services.schedule import schedule_sync_for_cohort
from tests.factories import CohortFactory, EnrollmentFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db

BEFORE_COURSE = dt.datetime(2026, 8, 1, tzinfo=dt.UTC)
AFTER_WEEK_1 = dt.datetime(2026, 9, 3, 12, tzinfo=dt.UTC)
WEEK_1 = reverse("program_sessions:week_detail", args=[1])


@pytest.fixture(autouse=True)
def _own_media_folder(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def enrollment(organization):
    program = ProgramFactory(organization=organization, status="published", sessions=2)
    cohort = CohortFactory(organization=organization, program=program)
    with time_machine.travel(BEFORE_COURSE):
        schedule_sync_for_cohort(cohort=cohort)
    return EnrollmentFactory(cohort=cohort, user=UserFactory())


def _add(program, count: int, *, first: int = 0) -> list[Recording]:
    return [
        demo_recording_add(program=program, practice_code="body_scan", title=f"Body scan {n}")
        for n in range(first, first + count)
    ]


@time_machine.travel(AFTER_WEEK_1)
def test_the_week_page_shows_a_player_with_speed_transcript_and_log_link(client, enrollment):
    (recording,) = _add(enrollment.cohort.program, 1)
    client.force_login(enrollment.user)
    content = client.get(WEEK_1).content.decode()
    figure = content[content.index('<figure class="player"') : content.index("</figure>")]
    caption = re.search(r"<figcaption[^>]*>(.*?)</figcaption>", figure, re.S)
    assert caption is not None
    assert re.sub(r"<[^>]+>", "", caption.group(1)) == "Body scan 0, 30 seconds"
    assert '<audio controls preload="metadata"' in figure
    audio_url = reverse("authoring:recording_audio", args=[recording.pk])
    assert f'<source src="{audio_url}" type="audio/wav">' in figure
    speed_id = f"player-speed-{recording.pk}"
    assert f'<label for="{speed_id}">Playback speed</label>' in figure
    times = "\N{MULTIPLICATION SIGN}"
    options = re.findall(r"<option value=\"[^\"]+\"[^>]*>([^<]+)</option>", figure)
    assert options == [f"{n}{times}" for n in ("0.75", "1", "1.25", "1.5")]
    assert re.search(r"<h4 id=\"transcript-\d+\">Transcript</h4>", figure)
    assert "Find a comfortable position" in figure
    transcript_url = reverse("authoring:recording_transcript", args=[recording.pk])
    assert f'href="{transcript_url}"' in figure
    log = re.search(r'<a [^>]*href="([^"]+)" data-player-log>Log this practice', figure)
    assert log is not None
    query = parse_qs(urlsplit(unescape(log.group(1))).query)
    assert query["practice"] == ["body_scan"]
    assert query["next"] == [WEEK_1]
    assert "js/audio-player" in content


@time_machine.travel(AFTER_WEEK_1)
def test_a_week_without_recordings_has_no_player(client, enrollment):
    client.force_login(enrollment.user)
    content = client.get(WEEK_1).content.decode()
    assert 'figure class="player"' not in content
    assert "audio-player.js" not in content


@time_machine.travel(AFTER_WEEK_1)
def test_another_versions_recording_is_not_shown(client, enrollment, organization):
    other = ProgramFactory(organization=organization, status="published")
    _add(other, 1)
    client.force_login(enrollment.user)
    assert 'figure class="player"' not in client.get(WEEK_1).content.decode()


@time_machine.travel(AFTER_WEEK_1)
def test_the_week_page_makes_the_same_queries_for_1_or_6_recordings(
    client, enrollment, django_assert_max_num_queries
):
    client.force_login(enrollment.user)
    _add(enrollment.cohort.program, 1)
    client.get(WEEK_1)  # warm caches (consent, site settings)
    with django_assert_max_num_queries(40) as one:
        client.get(WEEK_1)
    _add(enrollment.cohort.program, 6, first=1)
    with django_assert_max_num_queries(len(one.captured_queries)) as six:
        content = client.get(WEEK_1).content.decode()
    assert content.count('<figure class="player"') == 7
    assert len(six.captured_queries) == len(one.captured_queries)


@time_machine.travel(AFTER_WEEK_1)
def test_the_log_form_starts_with_the_practice_and_the_minutes_listened(client, enrollment):
    client.force_login(enrollment.user)
    create = reverse("program_sessions:practice_create")
    content = client.get(f"{create}?practice=body_scan&minutes=12").content.decode()
    assert re.search(r'<input type="number" name="minutes" value="12"', content)
    assert re.search(r'name="practice" value="body_scan"[^>]*checked', content)
    for bad in ("0", "abc", "-3", "100000"):
        content = client.get(f"{create}?practice=body_scan&minutes={bad}").content.decode()
        assert re.search(r'<input type="number" name="minutes"', content)
        assert not re.search(r'<input type="number" name="minutes" value=', content)
