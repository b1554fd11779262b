from bson import ObjectId
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django_mongodb_backend.fields import ObjectIdField


class User(AbstractUser):
    # A plain ObjectIdField, not ObjectIdAutoField: allauth calls int(pk) on IntegerField subclasses.
    id = ObjectIdField(primary_key=True, default=ObjectId, editable=False, db_column="_id")

    def __str__(self) -> str:
        return self.email or self.username


class Invitation(models.Model):
    """Staff invite a person to sign up while REGISTRATION is "invite" (accounts/services.py)."""

    email = models.EmailField()
    token = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    accepted_at = models.DateTimeField(null=True, blank=True, editable=False)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    def __str__(self) -> str:
        return self.email

    @property
    def is_usable(self) -> bool:
        age = timezone.now() - self.created_at
        return self.accepted_at is None and age.days < settings.INVITATION_VALID_DAYS
