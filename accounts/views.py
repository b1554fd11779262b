"""The two links accounts mail (an invitation to sign up, the one that attaches an address), and
the account page's personal access tokens: make one (its secret shown once), revoke one."""

from bson import ObjectId
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.adapter import INVITATION_SESSION_KEY
from accounts.forms import TokenForm
from accounts.http import AuthedRequest
from accounts.selectors import invitation_get_usable, token_get, token_list
from accounts.services import email_attach, token_create, token_revoke
from imagesite.http import found_or_404


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


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: AuthedRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    secret = ""
    if request.method == "POST" and form.is_valid():
        _, secret = token_create(
            owner=request.user,
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            expires_at=form.expires_at(),
        )
        form = TokenForm()
    context = {"form": form, "secret": secret, "tokens": token_list(owner_id=request.user.pk)}
    response = render(request, "accounts/tokens.html", context)
    response["Cache-Control"] = "no-store"  # the page may hold a secret
    return response


@login_required
@require_POST
def token_revoke_view(request: AuthedRequest, token_id: ObjectId) -> HttpResponse:
    token = found_or_404(token_get(owner_id=request.user.pk, token_id=token_id))
    token_revoke(token=token)
    messages.success(request, f"Revoked “{token.name}”: it no longer works.")
    return redirect("accounts:tokens")
