"""The account page's personal access tokens: make one (its secret shown once), revoke one."""

from bson import ObjectId
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import TokenForm
from accounts.http import AuthedRequest
from accounts.selectors import token_get, token_list
from accounts.services import token_create, token_revoke
from imagesite.http import found_or_404


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
