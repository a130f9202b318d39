"""Participant pages of the sessions app."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
