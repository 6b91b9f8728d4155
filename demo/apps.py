from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo and scale data (`seed_demo`). At the top of the layers: it builds through every
    app's services, and nothing imports it."""
    name = "demo"
    verbose_name = "Demo data"
