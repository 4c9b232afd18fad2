"""The shop's ASGI application: Django for HTTP, Parley for WebSockets.

Run it with ``uvicorn shop.asgi:application`` (or Daphne, Granian), or
``python manage.py runserver`` (Daphne, as ``daphne`` is an installed app).
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

import parley.asgi

application = parley.asgi.application()
