from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0004_job_progress"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="job", name="processing__kind_026789_idx"),
        migrations.AddIndex(
            model_name="job",
            index=models.Index(
                fields=["kind", "status", "owner", "queued_at"], name="processing__kind_9d61a2_idx"
            ),
        ),
    ]
