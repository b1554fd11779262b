# The Job model moved here from processing; its collection (processing_job) and indexes stay
# as processing's migrations made them, so this changes the state only.

import django.db.models.deletion
import django.utils.timezone
import django_mongodb_backend.fields
from django.conf import settings
from django.db import migrations, models


def content_type_move(apps, schema_editor):
    """Permissions and admin history of jobs keep pointing at the model under its new app."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="jobs", model="job").exists():
        ContentType.objects.filter(app_label="processing", model="job").update(app_label="jobs")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('gallery', '0001_initial'),
        ('processing', '0002_drop_job_progress'),
        ('contenttypes', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.CreateModel(
            name='Job',
            fields=[
                ('id', django_mongodb_backend.fields.ObjectIdAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('ingest', 'Ingest'), ('recognise', 'Object recognition'), ('render', 'Save edit'), ('remove_background', 'Background removal'), ('stylise', 'Style transfer'), ('snapshot', 'Analytics snapshot'), ('scrape', 'Web import')], max_length=20)),
                ('status', models.CharField(choices=[('queued', 'Queued'), ('started', 'Started'), ('succeeded', 'Succeeded'), ('failed', 'Failed')], default='queued', max_length=10)),
                ('queued_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('started_at', models.DateTimeField(blank=True, null=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('duration_ms', models.PositiveIntegerField(blank=True, null=True)),
                ('error', models.TextField(blank=True)),
                ('image', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='jobs', to='gallery.image')),
                ('owner', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='jobs', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'db_table': 'processing_job',
                'indexes': [models.Index(fields=['image', '-queued_at'], name='processing__image_i_b92f57_idx'), models.Index(fields=['owner', '-queued_at'], name='processing__owner_i_5827d2_idx'), models.Index(fields=['kind', 'status'], name='processing__kind_026789_idx')],
            },
        )]),
        migrations.RunPython(content_type_move, migrations.RunPython.noop),
    ]
