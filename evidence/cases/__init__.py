"""Cases and their evidence: entries, attachments, revisions, trash, transcripts, the timeline."""
