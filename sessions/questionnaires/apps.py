"""Questionnaires as they are answered: assessments, responses, corrections, safety events, results."""

from django.apps import AppConfig


class QuestionnairesConfig(AppConfig):
    name = "sessions.questionnaires"
    label = "questionnaires"
    verbose_name = "Questionnaires"
    default_auto_field = "django.db.models.BigAutoField"
