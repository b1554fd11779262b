from bson import ObjectId
from django.contrib.auth.models import AbstractUser
from django_mongodb_backend.fields import ObjectIdField


class User(AbstractUser):
    # A plain ObjectIdField, not ObjectIdAutoField: allauth calls int(pk) on IntegerField subclasses.
    id = ObjectIdField(primary_key=True, default=ObjectId, editable=False, db_column="_id")

    def __str__(self) -> str:
        return self.email or self.username
