"""Bring in what the phone already holds: SMS and call-log backups (docs/import.md)."""
