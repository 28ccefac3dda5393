from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from evidence.custody.services import user_erase


class Command(BaseCommand):
    help = (
        "Crypto-erase a user: destroy their data key, delete their rows and blobs. Their data "
        "cannot be recovered, even from backups, once the master key in use today is retired "
        "(run rotate_master_key afterwards)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, username, yes=False, **options):
        User = get_user_model()
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user {username!r}.")
        if not yes and input(f"Erase {username} and all their evidence for ever? Type the username: ") != username:
            raise CommandError("Not confirmed; nothing was erased.")
        blobs = user_erase(user=user)
        self.stdout.write(f"Erased {username}: data key destroyed, {blobs} blob(s) deleted.")
