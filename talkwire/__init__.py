"""talkwire: a stream processor that turns news articles into canonical talks and negotiation events."""

__version__ = "0.1.0"
