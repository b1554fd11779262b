from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("gallery", "0013_fill_month_terms")]

    operations = [
        migrations.AddIndex(
            model_name="image",
            index=models.Index(fields=["owner", "sha256"], name="gallery_ima_owner_i_c5a490_idx"),
        ),
    ]
