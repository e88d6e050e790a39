from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt


class AccountResetHandler(AxesDatabaseHandler):
    """Axes's database handler, with a successful login clearing only that account's failures.

    Axes clears every failure matching any lockout parameter, the address included, so logging
    in to an account one owns would wipe the failures one's address ran up against another
    person's name, and buy a fresh round of guesses at that person's password.
    """

    def reset_user_attempts(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count
