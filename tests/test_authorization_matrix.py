"""Every URL pattern of the project × every persona × safe and unsafe methods.

Generated from the URL resolver: a pattern without a row in EXPECTED fails
`test_every_url_pattern_has_an_expectation`, so a new view cannot ship without
deciding who may use it. Decisions:

- Admin: Django generates a pattern per registered model and wraps every one
  (but its log-in page) in `admin_view`, so one rule covers the namespace and
  every admin pattern is requested. No persona is staff.
- Static files are served by WhiteNoise before URL resolution (files under
  static/ only), so they have no pattern here.
- i18n (`set_language`) is a plain redirect for everyone.

A persona's lawyers are logged in with both factors (TOTP), as they must be to
open a client case; a lawyer without the second factor is tested in test_sharing.
`stale_lawyer` has an export grant but entered the code an hour ago: reading is as for
`lawyer_export`; exporting and downloading a bundle send them to enter a fresh code (302,
where it lands is checked in tests/sharing/test_export_recheck.py).
The witness is an anonymous visitor who holds a witness link's token; everyone
else who requests the witness page uses a token of the right shape that is not one.
"""
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver
from django.utils import timezone

from .conftest import _client_for, _user, grant, make_upload, verified_client
from .media_samples import png_bytes, wav_bytes

PERSONAS = ["other_borrower", "lawyer_view", "lawyer_export", "stale_lawyer", "revoked_lawyer", "expired_lawyer",
            "witness", "anonymous", "owner"]  # the owner last: its POSTs may change what the others would see
LOGIN = 302  # to the log-in page (checked in `check`)
_ = None  # placeholder used by row()


def row(owner, view=None, export=None, stranger=(404, 404), anon=(LOGIN, LOGIN), witness=None, stale=None):
    """Expected (GET, POST) statuses per persona; a stranger is another borrower,
    a revoked lawyer or an expired one; `stale`: the export lawyer with an old second factor."""
    view = view or stranger
    export = export or view
    return {"owner": owner, "lawyer_view": view, "lawyer_export": export, "stale_lawyer": stale or export,
            "other_borrower": stranger,
            "revoked_lawyer": stranger, "expired_lawyer": stranger, "anonymous": anon, "witness": witness or anon}


def everyone(get, post):
    return row((get, post), stranger=(get, post), anon=(get, post))


def logged_in(get, post):
    return row((get, post), stranger=(get, post))


OWNER_ONLY = row((200, 200))  # a form: GET shows it, an empty POST shows the errors
OWNER_POST_ONLY = row((405, 302), stranger=(405, 404), anon=(LOGIN, LOGIN))
READ = row((200, 200), view=(200, 200))
EXPORT = row((200, 200), view=(404, 404), export=(200, 200))
FRESH_EXPORT = row((200, 200), view=(404, 404), export=(200, 200), stale=(302, 302))  # a fresh code first

EXPECTED = {
    # --- i18n and accounts
    "set_language": everyone(302, 302),
    # --- the installable app (issue 14): public, nothing of anyone's data, GET only
    "manifest": everyone(200, 405),
    "service_worker": everyone(200, 405),
    "offline": everyone(200, 405),
    "signup": row((302, 302), stranger=(302, 302), anon=(200, 200)),
    "login": row((302, 302), stranger=(302, 302), anon=(200, 200)),
    "logout": row((405, 302), stranger=(405, 302), anon=(405, 302)),
    "profile": logged_in(200, 200),
    # Borrowers have no second factor (optional); the lawyers have one already (a new one replaces it).
    "otp_setup": logged_in(200, 200),
    # The lawyers are verified: straight on. The others have no device: sent to set one up.
    "otp_verify": logged_in(302, 302),
    # Needs the second factor: lawyers (all verified here) get new codes, borrowers are sent to set it up.
    "recovery_codes_new": row((405, 302), view=(405, 200), stranger=(405, 302)) | {
        "revoked_lawyer": (405, 200), "expired_lawyer": (405, 200)},
    # POST only; without a device (borrowers here) or as a lawyer: back to the profile.
    "otp_disable": logged_in(405, 302),
    "password_change": logged_in(200, 200),
    "password_change_done": logged_in(200, 405),
    "password_reset": everyone(200, 200),
    "password_reset_done": everyone(200, 405),
    "password_reset_confirm": everyone(200, 200),
    "password_reset_complete": everyone(200, 405),
    # --- cases (lawyers create their own cases like anyone; shared ones are listed apart)
    "case_list": logged_in(200, 200),
    "case_create": logged_in(200, 200),
    # The share target's landing: lists only the user's own cases. Its POST (the share sheet's,
    # no CSRF token) is never read: a See Other to the GET for everyone.
    "share_landing": row((200, 303), stranger=(200, 303), anon=(LOGIN, 303)),
    "case_detail": READ,
    "case_edit": OWNER_ONLY,
    "case_trash": READ,
    # Recomputing the custody chain changes nothing: whoever may read the case may ask for it.
    "case_chain_check": row((405, 302), view=(405, 302), stranger=(405, 404)),
    "entry_create": OWNER_ONLY,
    "entry_detail": READ,
    "entry_edit": OWNER_ONLY,
    "entry_history": READ,
    "entry_trash": OWNER_POST_ONLY,
    "entry_restore": OWNER_POST_ONLY,
    "attachment_file": READ,
    "attachment_thumbnail": READ,
    "attachment_playable": READ,
    # A redacted copy: a lawyer with access may view it; only the owner makes one (an empty
    # POST makes a copy with no box: a See Other to the entry).
    "attachment_redacted": READ,
    "attachment_redact": row((200, 302)),
    # The upright picture the redact page draws on (a turned photo's): the owner's, like the page;
    # any method reads it, like the other file views.
    "attachment_redact_preview": OWNER_ONLY,
    "transcript_edit": OWNER_ONLY,
    "bundle_create": row((405, 302), view=(405, 404), export=(405, 302), stranger=(405, 404), stale=(405, 302)),
    "bundle_status": EXPORT,
    "bundle_download": FRESH_EXPORT,
    "bundle_verify": everyone(200, 200),
    "healthz": everyone(200, 405),  # GET only; names nothing of any case (tests/test_healthz.py)
    "signing_key": everyone(200, 200),
    # --- rules, statistics, complaint kit: read with the case; suggestions and saving drafts write
    "case_statistics": READ,
    "case_findings": READ,
    "text_signals": row((405, 200), stranger=(405, 404)),
    "complaint_list": READ,
    "complaint_edit": row((200, 302), view=(200, 404)),  # an empty POST saves the generated draft
    "complaint_download": READ,
    # --- sharing: the owner's business; a lawyer sees neither the grants nor other lawyers
    "case_sharing": OWNER_ONLY,
    "invitation_revoke": OWNER_POST_ONLY,
    "access_revoke": OWNER_POST_ONLY,
    "invitation_enter": logged_in(200, 200),
    # An open invitation: the owner cannot invite themself (410), a borrower is not a lawyer (403),
    # any lawyer holding it may accept it (each cell gets its own invitation).
    "invitation_accept": row((410, 410), view=(200, 302), stranger=(403, 403)) | {
        "revoked_lawyer": (200, 302), "expired_lawyer": (200, 302)},
    # Private notes: lawyers with a live grant only; not even the owner reads them.
    "lawyer_notes": row((404, 404), view=(200, 200)),
    # --- witnesses
    "witness_links": OWNER_ONLY,
    "witness_link_detail": row((200, 200)),
    "witness_link_qr": row((200, 200)),
    "witness_link_revoke": OWNER_POST_ONLY,
    "witness_inbox": row((200, 200)),
    "submission_accept": OWNER_POST_ONLY,
    "submission_reject": OWNER_POST_ONLY,
    # No account needed: the token is the key. Without the right token, a 404 page.
    "backup_upload": OWNER_ONLY,
    "backup_preview": OWNER_ONLY,  # an empty POST shows "choose at least one number"
    "witness_submit": row((404, 404), stranger=(404, 404), anon=(404, 404), witness=(200, 200)),
}
ADMIN = everyone(302, 302)  # to the admin log-in: no persona is staff
ADMIN_LOGIN = everyone(200, 200)


def patterns(resolver=None, prefix="", namespace=""):
    """(key, route, url_name) for every pattern; key is the name, or the route when unnamed."""
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from patterns(p, prefix + str(p.pattern), ns)
        else:
            route = prefix + str(p.pattern)
            yield (f"{namespace}{p.name}" if p.name else route), route, namespace


def expectation(key, namespace):
    if namespace.startswith("admin:"):
        return ADMIN_LOGIN if key == "admin:login" else ADMIN
    return EXPECTED.get(key)


ALL = list(patterns())


def test_every_url_pattern_has_an_expectation():
    missing = [key for key, _, ns in ALL if expectation(key, ns) is None]
    assert not missing, f"URL patterns without a row in the authorization matrix: {missing}"
    stale = set(EXPECTED) - {key for key, _, _ in ALL}
    assert not stale, f"rows for patterns that no longer exist: {stale}"


@pytest.fixture
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class World:
    """One case with everything in it, and a client per persona."""

    def __init__(self):
        from evidence.bundle.services import bundle_request
        from evidence.cases.services import case_create, entry_create
        from evidence.sharing.services import case_share
        from evidence.witness.services import witness_link_create, witness_submission_create

        self.owner = _user("owner")
        users = {"other_borrower": _user("other_borrower")}
        for name in ("lawyer_view", "lawyer_export", "stale_lawyer", "revoked_lawyer", "expired_lawyer"):
            users[name] = _user(name, role="lawyer")
        self.users = users
        self.case = case_create(owner=self.owner, lender="借呗")
        self.entry, _ = entry_create(
            case=self.case, actor=self.owner, kind="call", occurred_at=timezone.now(), number="95188",
            uploads=[make_upload(self.owner, "a.png", png_bytes()), make_upload(self.owner, "b.wav", wav_bytes())])
        self.image = self.entry.attachments.get(kind="image")
        self.audio = self.entry.attachments.get(kind="audio")
        from evidence.cases.services import playable_copy_make
        from tests.media_samples import recording_bytes
        self.amr = entry_create(
            case=self.case, actor=self.owner, kind="call", occurred_at=timezone.now(), number="95188",
            uploads=[make_upload(self.owner, "c.amr", recording_bytes(0.5))])[0].attachments.get()
        playable_copy_make(self.amr.pk)
        from evidence.cases.services import redacted_copy_create
        redacted_copy_create(attachment=self.image, actor=self.owner, boxes=[])
        self.access = grant(self.case, users["lawyer_view"], "view")
        grant(self.case, users["lawyer_export"], "export")
        grant(self.case, users["stale_lawyer"], "export")
        grant(self.case, users["revoked_lawyer"], "export", revoked=True)
        grant(self.case, users["expired_lawyer"], "export", expired=True)
        self.invitation, _ = case_share(case=self.case, actor=self.owner, level="view")
        self.link = witness_link_create(case=self.case, actor=self.owner, name="妈妈",
                                                 expires_at=timezone.now() + timedelta(days=1), max_submissions=5)
        self.submission = witness_submission_create(link=self.link, ip="127.0.0.1", user_agent="t",
                                                    name="李阿姨", consent=True)
        self.bundle = bundle_request(case=self.case, actor=self.owner, selection={})
        from evidence.imports.services import stage
        from tests.imports.samples import calls_backup
        self.backup = stage(case=self.case, actor=self.owner,
                            upload=make_upload(self.owner, "calls.xml", calls_backup()))
        self.clients = {name: (verified_client(u, verified_ago=3600 if name == "stale_lawyer" else 0)
                               if u.is_lawyer else _client_for(u)) for name, u in users.items()}
        self.clients["owner"] = _client_for(self.owner)
        self.clients["anonymous"] = Client()
        self.clients["witness"] = Client()

    def url(self, route, key, persona):
        from evidence.bundle.services import bundle_build
        from evidence.sharing.services import case_share

        values = {
            "case_id": self.case.pk, "entry_id": self.entry.pk, "attachment_id": self.image.pk,
            "bundle_id": self.bundle.pk, "invitation_id": self.invitation.pk, "access_id": self.access.pk,
            "link_id": self.link.pk, "submission_id": self.submission.pk, "import_id": self.backup.pk,
            "uidb64": "MQ", "object_id": "1", "pk": "1", "id": "1", "app_label": "accounts", "url": "nothing/",
            "content_type_id": "1", "channel": "police", "fmt": "pdf",
        }
        if key == "transcript_edit":
            values["attachment_id"] = self.audio.pk
        if key == "attachment_playable":
            values["attachment_id"] = self.amr.pk
        if key == "bundle_download":
            bundle_build(bundle=self.bundle)  # a real ZIP to download
        if key == "invitation_accept":
            values["token"] = case_share(case=self.case, actor=self.owner, level="view")[1]
        elif key == "witness_submit":
            values["token"] = self.link.token if persona == "witness" else "Z" * 43
        else:
            values["token"] = "set-password"
        route = route.replace("^", "").replace("$", "")
        route = re.sub(r"\(\?P<app_label>[^)]*\)", "accounts", route)
        route = re.sub(r"\(\?P<url>[^)]*\)", "nothing/", route)
        return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)


def check(world, key, route, namespace):
    expected = expectation(key, namespace)
    wrong = []
    for persona in PERSONAS:
        client = world.clients[persona]
        for method, want in zip(("get", "post"), expected[persona]):
            url = world.url(route, key, persona)
            response = getattr(client, method)(url)
            got = response.status_code
            if got != want:
                wrong.append(f"{persona} {method.upper()} {url}: {got}, expected {want}")
            elif got == 302 and want is LOGIN and persona in ("anonymous", "witness") and \
                    not namespace.startswith("admin:") and key not in ("set_language", "logout"):
                if "/accounts/login/" not in response["Location"]:
                    wrong.append(f"{persona} {method.upper()} {url}: redirected to {response['Location']}")
    return wrong


NAMED = sorted({key for key, _, ns in ALL if not ns.startswith("admin:")})


@pytest.mark.parametrize("key", NAMED)
def test_authorization_matrix(key, db, fast_hasher):
    world = World()
    wrong = []
    for k, route, ns in ALL:
        if k == key:
            wrong += check(world, k, route, ns)
    assert not wrong, "\n".join(wrong)


def test_authorization_matrix_admin(db, fast_hasher):
    world = World()
    wrong = []
    for key, route, ns in ALL:
        if ns.startswith("admin:"):
            wrong += check(world, key, route, ns)
    assert not wrong, "\n".join(wrong)
