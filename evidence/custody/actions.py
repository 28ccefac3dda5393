"""Every custody action, named once. The values are stored in each event and covered by
its hash: never rename one (old chains would no longer verify), only add."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    CASE_CREATE = "case.create", _("case opened")
    CASE_UPDATE = "case.update", _("case edited")
    CASE_VIEW = "case.view", _("case viewed")
    CASE_SHARE = "case.share", _("lawyer invited")
    CASE_UNSHARE = "case.unshare", _("access withdrawn")
    INVITATION_ACCEPT = "invitation.accept", _("invitation accepted")
    ENTRY_CREATE = "entry.create", _("entry logged")
    ENTRY_UPDATE = "entry.update", _("entry edited")
    ENTRY_TRASH = "entry.trash", _("entry moved to the trash")
    ENTRY_RESTORE = "entry.restore", _("entry restored")
    ATTACHMENT_ADD = "attachment.add", _("file added")
    ATTACHMENT_VIEW = "attachment.view", _("file viewed")
    ATTACHMENT_DOWNLOAD = "attachment.download", _("file downloaded")
    TRANSCRIPT_SAVE = "transcript.save", _("transcript saved")
    ATTACHMENT_REDACT = "attachment.redact", _("redacted copy made")
    ATTACHMENT_DURATION = "attachment.duration", _("recording's duration read")
    BUNDLE_REQUEST = "bundle.request", _("bundle requested")
    BUNDLE_EXPORT = "bundle.export", _("bundle exported")
    BUNDLE_FAIL = "bundle.fail", _("bundle failed")
    BUNDLE_EXPIRE = "bundle.expire", _("bundle expired")
    BUNDLE_DOWNLOAD = "bundle.download", _("bundle downloaded")
    WITNESS_LINK_CREATE = "witness_link.create", _("witness link created")
    WITNESS_LINK_REVOKE = "witness_link.revoke", _("witness link revoked")
    WITNESS_SUBMIT = "witness.submit", _("witness submission received")
    WITNESS_ACCEPT = "witness.accept", _("witness submission accepted")
    WITNESS_REJECT = "witness.reject", _("witness submission rejected")
    COMPLAINT_SAVE = "complaint.save", _("complaint draft saved")
    IMPORT_CREATE = "import.create", _("backup imported")


# Someone other than the owner looking at or taking the evidence: the owner's access log.
ACCESS_LOG = [Action.CASE_VIEW, Action.ATTACHMENT_VIEW, Action.ATTACHMENT_DOWNLOAD, Action.BUNDLE_REQUEST,
              Action.BUNDLE_EXPORT, Action.BUNDLE_DOWNLOAD, Action.INVITATION_ACCEPT, Action.CASE_SHARE,
              Action.CASE_UNSHARE]

# The actions whose content_sha256 is the object's content after the change (a case's or an
# entry's snapshot, a file's bytes): what verify.py compares the stored object with.
CONTENT_ACTIONS = [Action.CASE_CREATE, Action.CASE_UPDATE, Action.ENTRY_CREATE, Action.ENTRY_UPDATE,
                   Action.ENTRY_TRASH, Action.ENTRY_RESTORE, Action.ATTACHMENT_ADD]
