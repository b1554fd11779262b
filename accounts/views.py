"""The two links accounts mail: an invitation to sign up, and the one that attaches an address."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods

from accounts.adapter import INVITATION_SESSION_KEY
from accounts.http import AuthedRequest
from accounts.selectors import invitation_get_usable
from accounts.services import email_attach


@require_GET
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Remember the invitation in the session and go to the sign-up page."""
    found = invitation_get_usable(token=token)
    if found is None:
        return render(request, "account/invitation_invalid.html", status=404)
    request.session[INVITATION_SESSION_KEY] = token
    return redirect(f"{reverse('account_signup')}?{urlencode({'email': found.email})}")


@login_required
@require_http_methods(["GET", "POST"])
def email_attach_view(request: AuthedRequest, token: str) -> HttpResponse:
    """GET asks to confirm (a mail scanner opening the link attaches nothing); POST attaches."""
    if request.method == "GET":
        return render(request, "account/email_attach.html", {"token": token})
    try:
        address = email_attach(user=request.user, token=token)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"{address.email} is now an address of your account.")
    return redirect("account_email")
