from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = "Programs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.signals import invitation_accepted

        from . import checks  # noqa: F401  (registers the instrument file check)
        from .receivers import activate_enrollments_on_invitation_accepted

        invitation_accepted.connect(
            activate_enrollments_on_invitation_accepted,
            dispatch_uid="programs.activate_enrollments_on_invitation_accepted",
        )
