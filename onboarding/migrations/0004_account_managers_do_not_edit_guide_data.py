"""Account managers had been given edit rights on the guide's data (plan template, service
catalogue, support boundaries); that is policy for every customer, kept for engineering leads.
The post-migrate sync only adds permissions, so the grant is taken back here, once: a superuser
who gives it back in the admin later keeps it."""
from django.db import migrations

ROLE = "Account manager"
WITHDRAWN = ["change_plantemplate", "add_templateactivity", "change_templateactivity", "delete_templateactivity",
             "change_serviceoffering", "add_serviceoffering", "change_scopecategory", "add_scopecategory"]


def withdraw(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.permissions.through.objects.filter(
        group__name=ROLE, permission__content_type__app_label="onboarding", permission__codename__in=WITHDRAWN,
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("onboarding", "0003_ticket_scope_moves_here"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(withdraw, migrations.RunPython.noop)]
