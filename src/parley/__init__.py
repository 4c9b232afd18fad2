"""Parley: real-time chat and notifications for Django, built on Channels."""

__version__ = "0.1.0"
