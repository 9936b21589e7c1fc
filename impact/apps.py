from django.apps import AppConfig


class ImpactConfig(AppConfig):
    name = "impact"
    verbose_name = "Impact statements"

    def ready(self):
        from impact.demo import build_impact_demo
        from timebank.common import demo

        demo.register(build_impact_demo)
