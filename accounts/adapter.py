"""The project's allauth adapter: who may sign up (REGISTRATION), the first account is the
administrator, and the one login limiter (accounts/ratelimit.py)."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.forms import BaseForm
from django.http import HttpRequest

from accounts.models import User
from accounts.ratelimit import login_attempt_start, login_attempts_clear
from accounts.selectors import invitation_get_usable
from accounts.services import invitation_accept

INVITATION_SESSION_KEY = "accounts_invitation"


def registration_open(*, request: HttpRequest) -> bool:
    """REGISTRATION "open": anyone; "invite": with an invitation; "closed": nobody. Until the first
    account exists, sign-up is open (but when "closed"): that account becomes the administrator."""
    mode = settings.REGISTRATION
    if mode == "closed":
        return False
    if mode == "open" or not User.objects.exists():
        return True
    token = request.session.get(INVITATION_SESSION_KEY, "")
    return invitation_get_usable(token=token) is not None


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return registration_open(request=request)

    def save_user(
        self, request: HttpRequest, user: AbstractBaseUser, form: BaseForm, commit: bool = True
    ) -> AbstractBaseUser:
        first = not User.objects.exists()
        saved = super().save_user(request, user, form, commit=False)
        if first and isinstance(saved, User):
            saved.is_staff = saved.is_superuser = True  # the installation's administrator
        if commit:
            saved.save()
            token = request.session.pop(INVITATION_SESSION_KEY, "")
            invitation = invitation_get_usable(token=token)
            if invitation is not None and isinstance(saved, User):
                invitation_accept(invitation=invitation, user=saved)
        return saved

    def authenticate(self, request: HttpRequest, **credentials: Any) -> AbstractBaseUser | None:
        login = str(credentials.get("email") or credentials.get("username") or "")
        attempt = login_attempt_start(request=request, login=login)
        if attempt is None:
            raise self.validation_error("too_many_login_attempts")
        user = super().authenticate(request, **credentials)
        if user is not None:
            attempt.succeeded()
        return user

    def _delete_login_attempts_cached_email(self, request: HttpRequest, **credentials: Any) -> None:
        # After a password reset through the account's email: its failures are forgiven.
        login_attempts_clear(login=str(credentials.get("email") or ""))
