"""Witness links: a person the collector contacted sends what they received, without an account."""
