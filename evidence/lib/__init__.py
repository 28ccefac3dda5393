"""Small shared pieces with no tables and no knowledge of cases: canonical JSON, the
Chinese labels of printed documents, tokens, rate limits, Merkle trees, time zones."""
