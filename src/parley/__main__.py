"""The ``parley`` command: Django's ``django-admin`` on Parley's settings.

``parley migrate``, ``parley createsuperuser``, ``parley shell -c ...`` and
``parley serve`` (migrate, then run the ASGI server). ``DJANGO_SETTINGS_MODULE``
still wins when set, so an embedding project can use it too.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parley.site.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
