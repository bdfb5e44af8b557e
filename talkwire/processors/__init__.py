"""The pure domain, one sub-package a stage of the pipeline, in order:

1. ``parse``   — a raw message to an ``Article`` (format, text clean-up, language);
2. ``extract`` — an ``Article`` to its ``Extraction`` (entities, quotes, dates, event type,
   round, outcomes, and the frame: parties, venue, participants);
3. ``cluster`` — enriched articles to wire copies and ``CanonicalEvent``s (fingerprints,
   embeddings, candidate search, scoring, the event vote);
4. ``tracks``  — events to negotiation ``Track``s.

Shared by the stages: ``records`` (the one schema module), ``errors``, ``dead_letters``,
``data_files`` (the one loader of the word lists and cues under ``talkwire/data/``) and
``event_kinds``. ``pipeline`` replays the stages offline; ``evaluation`` and ``baseline`` score them.

Nothing in this package imports Kafka or Faust: every module is plain functions and typed
records (see ``records``), testable offline.
"""
