from django.apps import AppConfig


class EmailIntakeConfig(AppConfig):
    name = "email_intake"
    verbose_name = "Inbound email"

    def ready(self):
        from tickets import events

        from .outbound import SUBSCRIPTIONS

        for name, (handler, kinds) in SUBSCRIPTIONS.items():
            events.subscribe(name, handler, kinds=kinds)
