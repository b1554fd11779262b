# The gallery's user fixtures, shared here rather than moved (tests/conftest.py is session-wide).
from tests.gallery.conftest import other_user, user, user_client

__all__ = ["other_user", "user", "user_client"]
