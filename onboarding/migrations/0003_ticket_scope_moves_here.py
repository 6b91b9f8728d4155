# Tickets' out-of-scope marks move here, rows and all (tickets 0006 then drops the old columns).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def copy_marks(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    TicketScope = apps.get_model("onboarding", "TicketScope")
    marked = Ticket.objects.filter(scope_category__isnull=False).values_list("pk", "scope_category_id", "out_of_scope_at",
                                                                            "updated_at")
    TicketScope.objects.bulk_create([TicketScope(ticket_id=pk, category_id=category_id, marked_at=at or updated)
                                     for pk, category_id, at, updated in marked.iterator()], batch_size=1000)


def copy_back(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    for scope in apps.get_model("onboarding", "TicketScope").objects.iterator():
        Ticket.objects.filter(pk=scope.ticket_id).update(scope_category_id=scope.category_id,
                                                         out_of_scope_at=scope.marked_at)


class Migration(migrations.Migration):

    dependencies = [
        ('onboarding', '0002_seed_from_guide'),
        ('tickets', '0005_incident_updates'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='TicketScope',
            fields=[
                ('ticket', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='scope', serialize=False, to='tickets.ticket')),
                ('marked_at', models.DateTimeField()),
                ('category', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='ticket_scopes', to='onboarding.scopecategory')),
                ('marked_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
        ),
        migrations.RunPython(copy_marks, copy_back),
    ]
