"""The event frame of one article, one module a question: who the parties are (``parties``), where
the event took place (``venue``), who took part and in which role (``participants``); ``cues``
holds the gazetteer's cue words they share, and ``build`` assembles the frame with the text
rules' fields (event type, round, outcomes). Labelling conventions: docs/labelling.md.
"""

from talkwire.processors.extract.frame.build import build_frame

__all__ = ["build_frame"]
