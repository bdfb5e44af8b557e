"""``make bench`` / ``talkwire bench``: throughput, latency, state and scaling ratios on the local broker."""
