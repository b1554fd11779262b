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


class AccessToken(models.Model):
    """A personal access token for the API. Only the sha256 of its secret is kept: the secret
    is shown once, when the token is made (accounts.services.token_create)."""

    class Scope(models.TextChoices):
        READ = "read", "Read only"
        READ_WRITE = "read-write", "Read and write"

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="access_tokens")
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)  # the secret's first characters, to recognise it
    scope = models.CharField(max_length=10, choices=Scope, default=Scope.READ)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def usable(self) -> bool:
        return not self.revoked and not self.expired

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.READ_WRITE
