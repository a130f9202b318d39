"""Studies: screening and waitlist, study set-up and randomization (coordinators), and what a
participant is told about their group."""

from django.urls import URLPattern, URLResolver

app_name = "trials"

urlpatterns: list[URLPattern | URLResolver] = []
