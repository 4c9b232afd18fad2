"""``parley token <username> [--name NAME]``: create an API token.

Prints the token (``pt_...``) once, alone on standard output (a reminder goes
to standard error), so a script can capture it::

    TOKEN=$(parley token alice --name bot)

Only its hash is kept: a lost token cannot be shown again, only revoked (on
``/settings/tokens/``) and replaced.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from parley.services import tokens
from parley.wire.errors import ParleyError

DEFAULT_NAME = "parley token"


class Command(BaseCommand):
    help = "Create an API token for a user and print it (only this once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="the user the token signs in as")
        parser.add_argument(
            "--name",
            default=DEFAULT_NAME,
            help=f"what the token is for (default: {DEFAULT_NAME!r})",
        )

    def handle(self, *args, username: str, name: str, **options) -> None:
        user_model = get_user_model()
        try:
            user = user_model._default_manager.get_by_natural_key(username)
        except user_model.DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None
        if not getattr(user, "is_active", True):
            raise CommandError(
                f"User {username!r} is inactive; its tokens would not work."
            )
        try:
            token, plaintext = tokens.create_token(user=user, name=name)
        except ParleyError as error:
            raise CommandError(error.message) from None
        self.stdout.write(plaintext)
        if options["verbosity"] > 0:
            # On stderr, so that stdout holds the token alone.
            self.stderr.write(
                f"Token {token.name!r} for {username}: store it now, it is not "
                "shown again."
            )
