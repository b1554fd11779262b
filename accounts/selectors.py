from allauth.account.models import EmailAddress
from django.db.models import Q

from accounts.models import Invitation, User


def email_owner(*, email: str) -> User | None:
    """The account an address belongs to: verified on it, or the address it signed up with.
    An unverified secondary address is only a claim and belongs to nobody."""
    email = email.strip().lower()
    address = (
        EmailAddress.objects.filter(Q(verified=True) | Q(primary=True), email__iexact=email)
        .select_related("user")
        .first()
    )
    if address is not None:
        user: User = address.user
        return user
    return User.objects.filter(email__iexact=email).first()


def invitation_get_usable(*, token: str) -> Invitation | None:
    invitation = Invitation.objects.filter(token=token).first() if token else None
    return invitation if invitation is not None and invitation.is_usable else None
