from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = "Matching"

    def ready(self):
        from matching.demo import build_matching_demo
        from timebank.common import demo

        demo.register(build_matching_demo)
