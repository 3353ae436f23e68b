from django.contrib.auth.backends import ModelBackend

from assessment.models import User

BACKEND = "assessment.auth.ProfileLoadingBackend"


class ProfileLoadingBackend(ModelBackend):
    """Loads the consultant profile with the user, so pages need no extra query for it."""

    def get_user(self, user_id: int) -> User | None:
        user = User.objects.select_related("consultant_profile").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
