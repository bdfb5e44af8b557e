"""The pure domain: parsing, extraction, deduplication and clustering.

Nothing in this package imports Kafka or Faust: every module is plain functions and typed
records (see ``records``), testable offline.
"""
