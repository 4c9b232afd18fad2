"""The standalone Parley project: settings, URLs and the ASGI application."""
