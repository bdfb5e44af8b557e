"""Stage 3, cluster: enriched articles to wire copies and ``CanonicalEvent``s.

``features`` computes what clustering compares (``fingerprint``: MinHash; ``embedding``: the
sentence encoder; ``reports``: outlet and display title). ``clustering`` folds each article into
its block (the step function) over ``block_state`` (the store, members and indexes), scoring
candidate events with ``scoring``, forgetting old days with ``eviction``, publishing ids,
redirects and tombstones with ``publishing``; ``event_vote`` builds each event by the weighted
vote of its reports; ``sizing`` cuts an event to the broker's message size.
"""
