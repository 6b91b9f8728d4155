"""File names stored before tickets.filenames could hold bidi overrides ("\u202egnp.exe" shown
as "exe.png"): store them as the sanitiser would have. Only changed rows are written."""
from django.db import migrations

from tickets.filenames import safe_filename


def clean_names(apps, schema_editor):
    Attachment = apps.get_model("tickets", "Attachment")
    for pk, name in Attachment.objects.values_list("pk", "filename").iterator(chunk_size=2000):
        clean = safe_filename(name)
        if clean != name:
            Attachment.objects.filter(pk=pk).update(filename=clean)


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0006_scope_moves_to_onboarding"),
    ]

    operations = [
        migrations.RunPython(clean_names, migrations.RunPython.noop, elidable=True),
    ]
