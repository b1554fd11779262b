"""The user's pk moves from a field `id` beside a driver-made `_id` into `_id` itself.

AlterField alone would $rename id to _id, which MongoDB refuses (_id is immutable), so the
state changes here and accounts.pk_move rewrites the documents. Foreign keys hold the pk's
value, which stays the same, so nothing else is rewritten.
"""

import bson.objectid
import django_mongodb_backend.fields
from django.db import migrations

from accounts.pk_move import user_documents_pk_to_field, user_documents_pk_to_id


def users_pk_to_id(apps, schema_editor):
    user = apps.get_model("accounts", "User")
    user_documents_pk_to_id(users=schema_editor.get_collection(user._meta.db_table))


def users_pk_to_field(apps, schema_editor):
    # Both directions see the state before this migration: the pk field still has column `id`.
    user = apps.get_model("accounts", "User")
    users = schema_editor.get_collection(user._meta.db_table)
    user_documents_pk_to_field(users=users)
    if not any(info["key"] == [("id", 1)] for info in users.index_information().values()):
        schema_editor._add_field_unique(user, user._meta.pk)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="user",
                    name="id",
                    field=django_mongodb_backend.fields.ObjectIdField(
                        db_column="_id",
                        default=bson.objectid.ObjectId,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
            ],
            database_operations=[
                migrations.RunPython(users_pk_to_id, users_pk_to_field, elidable=False),
            ],
        ),
    ]
