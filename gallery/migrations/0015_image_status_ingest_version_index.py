from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("gallery", "0014_image_owner_sha256_index")]

    operations = [
        migrations.AddIndex(
            model_name="image",
            index=models.Index(
                fields=["status", "ingest_version"], name="gallery_ima_status_88a978_idx"
            ),
        ),
    ]
