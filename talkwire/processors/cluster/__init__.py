"""Stage 3, cluster: enriched articles to wire copies and ``CanonicalEvent``s.

``features`` computes what clustering compares (``fingerprint``: MinHash; ``embedding``: the
sentence encoder; ``reports``: outlet and display title); ``clustering`` joins articles to
events and builds them; ``sizing`` cuts an event to the broker's message size.
"""
