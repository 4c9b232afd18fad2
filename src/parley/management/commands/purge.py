"""``parley purge``: delete the messages past their retention now
(``PARLEY_RETENTION``, see ``parley.services.retention``), batch after
batch until none is left, and print how many went.

The sweeper thread of ``parley worker`` (and of each server process that
runs tasks inline) does the same a batch at a time; run this once after
lowering a limit, or from cron where no worker runs.
"""

from typing import Any

from django.core.management.base import BaseCommand

from parley.conf import parley_settings
from parley.services import retention


class Command(BaseCommand):
    help = "Delete the messages older than their room kind's PARLEY_RETENTION now."

    def handle(self, *args: Any, **options: Any) -> None:
        if not retention.limits():
            self.stdout.write("PARLEY_RETENTION keeps every message: nothing to do.")
            return
        batch = parley_settings.RETENTION_BATCH
        total = 0
        while True:
            purged = retention.purge(batch=batch)
            total += purged
            if purged < batch:
                break
        self.stdout.write(f"Purged {total} message(s).")
