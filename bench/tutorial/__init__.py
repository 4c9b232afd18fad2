"""The Channels tutorial's chat, rebuilt as the benchmark's reference.

Its consumer is the tutorial's ``ChatConsumer`` (the asynchronous version,
https://channels.readthedocs.io/en/latest/tutorial/part_3.html) unchanged:
one ``group_send`` per message to the group ``chat_<room>``, no sign-in
required, nothing stored. Only the settings differ: the channel layer comes
from ``TUTORIAL_CHANNEL_LAYER_URL`` so that it runs on the same layer as
Parley.
"""
