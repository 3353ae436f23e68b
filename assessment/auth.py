from allauth.account.auth_backends import AuthenticationBackend
from django.http import HttpRequest

from assessment.models import User

BACKEND = "assessment.auth.ProfileLoadingBackend"


class AuthenticatedRequest(HttpRequest):
    """The request of a view behind `login_required`: its user is logged in (for type checks;
    the django-stubs recipe)."""

    user: User


class ProfileLoadingBackend(AuthenticationBackend):
    """django-allauth's backend (log in by e-mail address) that loads the consultant profile
    with the user, so pages need no extra query for it."""

    def get_user(self, user_id: int) -> User | None:
        user = User.objects.select_related("consultant_profile").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
