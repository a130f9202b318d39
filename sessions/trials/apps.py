from django.apps import AppConfig


class TrialsConfig(AppConfig):
    name = "sessions.trials"
    label = "trials"
    verbose_name = "Trials"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.signals import invitation_accepted

        from . import (
            checks,  # noqa: F401  (registers the screening file check)
            tasks,  # noqa: F401  (the beat step that expires waitlist offers)
        )
        from .receivers import offers_accepted_on_invitation_accepted

        invitation_accepted.connect(
            offers_accepted_on_invitation_accepted,
            dispatch_uid="trials.offers_accepted_on_invitation_accepted",
        )
