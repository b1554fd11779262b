from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from accounts.forms import AdminLoginForm
from accounts.models import Invitation, User
from accounts.services import invitation_create, invitation_send

admin.site.register(User, UserAdmin)
admin.site.login_form = AdminLoginForm  # the login limiter of allauth's form, here too


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin[Invitation]):
    """Adding an invitation mails it; "Send again" mails it once more."""

    list_display = ["email", "invited_by", "created_at", "sent_at", "accepted_at", "accepted_by"]
    search_fields = ["email"]
    fields = ["email"]
    actions = ["send_again"]

    def save_model(
        self, request: HttpRequest, obj: Invitation, form: ModelForm[Invitation], change: bool
    ) -> None:
        if change:
            obj.save()
            return
        assert isinstance(request.user, User)  # noqa: S101 - the admin requires a login
        created = invitation_create(request=request, email=obj.email, invited_by=request.user)
        obj.pk, obj.token = created.pk, created.token
        self.message_user(request, f"Invitation sent to {created.email}.", messages.SUCCESS)

    @admin.action(description="Send again")
    def send_again(self, request: HttpRequest, queryset: QuerySet[Invitation]) -> None:
        sent = 0
        for invitation in queryset:
            if invitation.is_usable:
                invitation_send(request=request, invitation=invitation)
                sent += 1
        self.message_user(request, f"{sent} invitation(s) sent (used or expired ones skipped).")
