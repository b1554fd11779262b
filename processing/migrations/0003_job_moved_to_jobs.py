# Job moved to the jobs app with its collection: the state changes, the documents stay.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('processing', '0002_drop_job_progress'),
        ('jobs', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name='Job')]),
    ]
