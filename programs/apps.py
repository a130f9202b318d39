from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = "Programs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from accounts.signals import invitation_accepted

        from . import checks  # noqa: F401  (registers the instrument file check)
        from .models import Enrollment
        from .person_codes import person_code_on_enrollment_created
        from .receivers import activate_enrollments_on_invitation_accepted

        invitation_accepted.connect(
            activate_enrollments_on_invitation_accepted,
            dispatch_uid="programs.activate_enrollments_on_invitation_accepted",
        )
        # A person code for every new enrollment's person, however the enrollment was made.
        post_save.connect(
            person_code_on_enrollment_created,
            sender=Enrollment,
            dispatch_uid="programs.person_code_on_enrollment_created",
        )
