from django.apps import AppConfig


class MentoringConfig(AppConfig):
    name = "mentoring"
    verbose_name = "Mentoring"

    def ready(self):
        # Connects the receiver that turns an accepted mentoring match into a mentorship.
        from mentoring import services  # noqa: F401
        from mentoring.demo import build_mentoring_demo
        from timebank.common import demo

        demo.register(build_mentoring_demo)
