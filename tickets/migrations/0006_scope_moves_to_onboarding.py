# Support boundaries moved to onboarding.TicketScope (its 0003 copied the rows first): the ticket
# core references no app above it.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0005_incident_updates'),
        ('onboarding', '0003_ticket_scope_moves_here'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='ticket',
            name='out_of_scope_at',
        ),
        migrations.RemoveField(
            model_name='ticket',
            name='scope_category',
        ),
    ]
