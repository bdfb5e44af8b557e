"""Stage 2, extract: an ``Article`` to its ``Extraction``.

``extraction`` (the ``Extractor``) runs the NLP pipelines (``nlp``, with the ``gazetteer``) and
the rule-based readers: ``entities``, ``quotes``, ``dates``, the event type, round and outcomes,
``participation`` and the frame (parties, venue, participants). ``rule_text`` holds the shared
text helpers of the rules; the rules' words and cues are data files under ``talkwire/data/``.
"""
