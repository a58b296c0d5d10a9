"""What CI needs around findings: the diff-base gate, baselines, fingerprints, shards and
fixes."""
