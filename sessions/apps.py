from django.apps import AppConfig


class SessionsConfig(AppConfig):
    name = "sessions"
    # "sessions" is django.contrib.sessions' label; ours is part of table names and
    # migrations, so it is chosen once and never renamed.
    label = "program_sessions"
    verbose_name = "Sessions"
    default_auto_field = "django.db.models.BigAutoField"
