"""Supervision is held in the supervision groups (the supervision app) from now on: a course of
the kind "supervision group" is no longer offered. Its sessions already planned or held stay, so
her history and certificate keep them; the coordinator cancels a planned one if she wants."""

from django.db import migrations, models


def stop_offering(apps, schema_editor):
    Course = apps.get_model("courses", "Course")
    Course.objects.filter(kind="supervision").update(is_active=False)


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0007_gathering_cancel_waiting_list"),
    ]

    operations = [
        migrations.AlterField(
            model_name="course",
            name="kind",
            field=models.CharField(
                choices=[
                    ("basic", "Basic course"),
                    ("specialisation", "Specialisation course"),
                    ("supervision", "Supervision group (as a course, retired)"),
                ],
                max_length=20,
                verbose_name="kind",
            ),
        ),
        # Reversing offers nothing again: a national admin decides that in the catalogue.
        migrations.RunPython(stop_offering, migrations.RunPython.noop),
    ]
