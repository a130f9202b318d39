from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .audit import receivers_connect

        receivers_connect()
        # Connects the sign-in receiver that remembers a settled consent in the session.
        from . import consent  # noqa: F401
