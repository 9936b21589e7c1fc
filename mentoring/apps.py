from django.apps import AppConfig


class MentoringConfig(AppConfig):
    name = "mentoring"
    verbose_name = "Mentoring"

    def ready(self):
        from matching.services import match_accepted
        from mentoring.demo import build_mentoring_demo
        from mentoring.services import mentorship_start_from_match
        from timebank.common import demo

        # An accepted mentoring match starts its mentorship in the accepting transaction;
        # matching sends the signal and never imports this app.
        match_accepted.connect(mentorship_start_from_match, dispatch_uid="mentoring.start_from_accepted_match")
        demo.register(build_mentoring_demo)
