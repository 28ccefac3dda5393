"""Sharing a case with lawyers: invitations, grants, revocation, the access log, notes."""
