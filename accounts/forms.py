"""allauth's forms with the project's rules (ACCOUNT_FORMS), the admin's login form, and the
access-token form."""

import statistics
import time
from collections import deque
from datetime import date, datetime
from datetime import time as clock_time
from typing import Any

from allauth.account.forms import AddEmailForm, ResetPasswordForm, SignupForm
from allauth.account.models import EmailAddress
from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from accounts.models import AccessToken, User
from accounts.ratelimit import login_attempt_start
from accounts.selectors import email_owner
from accounts.services import TAKEN, email_attach_send, email_claims_release

TOO_MANY = "Too many failed login attempts. Try again later."
# What creating an account took lately in this process (ProjectSignupForm.try_save)
_new_account_s: deque[float] = deque([0.5], maxlen=9)


class ProjectSignupForm(SignupForm):
    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"]
        email_claims_release(email=email)  # a squatter's unproved claim must not block the owner
        value: str = super().clean_email()
        return value

    def try_save(self, request: HttpRequest) -> tuple[User | None, HttpResponse | None]:
        """Both answers take as long (F11). A new account hashes its password and writes
        several documents; for an address that has an account already, allauth only mails its
        owner. So that path hashes the password too (thrown away) and then waits out the rest
        of what creating an account has lately taken in this process."""
        started = time.monotonic()
        if self.account_already_exists:
            make_password(self.cleaned_data.get("password1") or "")
        result: tuple[User | None, HttpResponse | None] = super().try_save(request)
        took = time.monotonic() - started
        if self.account_already_exists:
            time.sleep(max(0.0, statistics.median(_new_account_s) - took))
        else:  # the median of the last few: one slow sign-up does not set the pace
            _new_account_s.append(took)
        return result


class ProjectAddEmailForm(AddEmailForm):
    """An address joins the account only from the link mailed to it (accounts/services.py),
    and never one that belongs to another account."""

    def clean_email(self) -> str:
        value: str = super().clean_email()
        owner = email_owner(email=value)
        if owner is not None and self.user is not None and owner.pk != self.user.pk:
            raise ValidationError(TAKEN)
        return value

    def save(self, request: HttpRequest) -> EmailAddress:
        assert isinstance(self.user, User)  # noqa: S101 - allauth's form always has it
        email_attach_send(request=request, user=self.user, email=self.cleaned_data["email"])
        return EmailAddress(user=self.user, email=self.cleaned_data["email"])  # not stored


class ProjectResetPasswordForm(ResetPasswordForm):
    def clean_email(self) -> str:
        email_claims_release(email=self.cleaned_data["email"])  # the reset goes to owners only
        value: str = super().clean_email()
        return value


class AdminLoginForm(AdminAuthenticationForm):
    """The admin's login under the same limiter as allauth's (accounts/ratelimit.py)."""

    def clean(self) -> dict[str, Any]:
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if not username or not password:
            return super().clean()
        assert self.request is not None  # noqa: S101 - the admin's login view passes it
        attempt = login_attempt_start(request=self.request, login=username)
        if attempt is None:
            raise ValidationError(TOO_MANY, code="too_many_login_attempts")
        cleaned = super().clean()  # raises for a wrong password: the attempt stays counted
        attempt.succeeded()
        return cleaned


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What it is for, e.g. “phone uploader”.")
    scope = forms.ChoiceField(choices=AccessToken.Scope.choices, initial=AccessToken.Scope.READ)
    expires_on = forms.DateField(
        required=False,
        label="Expires on",
        help_text="Leave empty for a token that does not expire.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_expires_on(self) -> date | None:
        day: date | None = self.cleaned_data.get("expires_on")
        if day is not None and day <= timezone.localdate():
            raise forms.ValidationError("Choose a day after today.")
        return day

    def expires_at(self) -> datetime | None:
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        return datetime.combine(day, clock_time.min, tzinfo=timezone.get_current_timezone())
