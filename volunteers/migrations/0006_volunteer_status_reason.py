from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("volunteers", "0005_volunteer_changed_on_reapplying"),
    ]

    operations = [
        migrations.RenameField(
            model_name="volunteer", old_name="rejection_reason", new_name="status_reason"
        ),
        migrations.AlterField(
            model_name="volunteer",
            name="status_reason",
            field=models.CharField(blank=True, max_length=500, verbose_name="reason"),
        ),
    ]
