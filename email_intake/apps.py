from django.apps import AppConfig


class EmailIntakeConfig(AppConfig):
    name = "email_intake"
    verbose_name = "Inbound email"

    def ready(self):
        from tickets import events

        from .outbound import REPLY_EVENTS, staff_replies_mail

        events.subscribe("email_intake.staff_replies_mail", staff_replies_mail, kinds=REPLY_EVENTS)
