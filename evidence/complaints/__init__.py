"""The complaint kit: drafts generated from a case, edited, saved, rendered as .docx and PDF."""
