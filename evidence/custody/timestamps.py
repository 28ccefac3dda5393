"""Trusted timestamps (RFC 3161) for files and custody-chain heads.

A court asks when a piece of evidence existed (互联网法院规定 art 11 names the
trusted timestamp). Each new file's SHA-256 and each case's custody-chain head
get a token from a time-stamping authority, in the background: the user never
waits for a TSA, and an unreachable TSA only delays the token (retry with
backoff), it never loses the item.

Many pending hashes go into one request through a Merkle tree (evidence.lib.merkle),
so 1,000 uploads cost one round trip, not 1,000; a single pending hash is
timestamped directly, which `openssl ts -verify -digest` checks with no extra step.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import time
import urllib.error
import urllib.request
from datetime import timedelta

from asn1crypto import pem, tsp, x509
from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django_tasks import task
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError, handle_tsp_response
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko_certvalidator import ValidationContext

from evidence.lib import merkle
from evidence.models import Case, CustodyEvent, Timestamp, TimestampToken

log = logging.getLogger("liuzheng.timestamps")
MAX_RESPONSE_BYTES = 1024 * 1024
MAX_BACKOFF = timedelta(hours=1)


class TimestampError(Exception):
    """The TSA could not be reached, or its answer was refused."""


def tsa_urls() -> list[str]:
    """The TSAs to ask, in order: LIUZHENG_TSA_URLS when set, else the public services of
    LIUZHENG_TSA_DEFAULT_URLS (docs/integrity.md) unless LIUZHENG_TSA_DEFAULTS is off."""
    if settings.LIUZHENG_TSA_URLS:
        return list(settings.LIUZHENG_TSA_URLS)
    if getattr(settings, "LIUZHENG_TSA_DEFAULTS", False):
        return list(getattr(settings, "LIUZHENG_TSA_DEFAULT_URLS", []))
    return []


def tsa_configured() -> bool:
    return bool(tsa_urls())


def _ca_file() -> str:
    """The PEM the tokens must chain to: LIUZHENG_TSA_CA_FILE, or, for the default public
    TSAs, the system's trust store."""
    if settings.LIUZHENG_TSA_CA_FILE:
        return settings.LIUZHENG_TSA_CA_FILE
    if not settings.LIUZHENG_TSA_URLS and tsa_configured():
        return getattr(settings, "LIUZHENG_TSA_SYSTEM_CA_FILE", "")
    return ""


def tsa_ca_pem() -> bytes:
    """What goes into a bundle as keys/tsa-chain.pem (b"" when there is none)."""
    path = _ca_file()
    if not path:
        return b""
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        log.warning("TSA CA file %s cannot be read", path)
        return b""


# --------------------------------------------------------------------------- requests for a timestamp


def file_timestamp_request(attachment):
    if not tsa_configured():
        return None
    stamp = Timestamp.objects.create(case=attachment.case, subject=Timestamp.Subject.FILE, attachment=attachment,
                                     digest=attachment.sha256, next_try_at=timezone.now())
    _enqueue_on_commit()
    return stamp


def chain_timestamp_request(case: Case):
    """Ask for the chain head to be stamped; one pending request per case is enough,
    because the worker stamps whatever the head is when it runs."""
    if not tsa_configured():
        return None
    if Timestamp.objects.filter(case=case, subject=Timestamp.Subject.CHAIN, token__isnull=True).exists():
        return None
    stamp = Timestamp.objects.create(case=case, subject=Timestamp.Subject.CHAIN, next_try_at=timezone.now())
    _enqueue_on_commit()
    return stamp


def _enqueue_on_commit(run_after=None):
    def enqueue():
        try:
            (stamp_pending_task.using(run_after=run_after) if run_after else stamp_pending_task).enqueue()
        except Exception:  # the queue being down must not fail the upload; the sweep retries
            log.exception("Could not enqueue the timestamp task")

    transaction.on_commit(enqueue)


@task()
def stamp_pending_task():
    return stamp_pending()


# --------------------------------------------------------------------------- the worker


def _backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def stamp_pending(limit: int = 20000) -> dict:
    """Stamp everything due in one TSA request. Returns counts (for logs and benchmarks)."""
    now = timezone.now()
    due = list(Timestamp.objects.filter(token__isnull=True, next_try_at__lte=now).order_by("pk")[:limit])
    if not due:
        return {"requests": 0, "stamped": 0, "failed": 0}
    chains = [s for s in due if s.subject == Timestamp.Subject.CHAIN]
    if chains:
        # Every case's chain head in one query, not one query per pending chain stamp.
        newest = CustodyEvent.objects.filter(case_id=OuterRef("case_id")).order_by("-seq").values("seq")[:1]
        heads = {e.case_id: e for e in CustodyEvent.objects.filter(
            case_id__in={s.case_id for s in chains}, seq=Subquery(newest))}
        for stamp in chains:
            head = heads.get(stamp.case_id)
            stamp.event, stamp.digest = head, head.hash
    digests = sorted({bytes.fromhex(s.digest) for s in due})
    root, paths = merkle.build(digests)
    path_of = {d.hex(): p for d, p in zip(digests, paths)}
    try:
        der, url, gen_time, tsa_name = request_token(root)
    except TimestampError as exc:
        for stamp in due:
            stamp.attempts += 1
            stamp.next_try_at = now + _backoff(stamp.attempts)
            stamp.last_error = str(exc)[:2000]
        Timestamp.objects.bulk_update(due, ["attempts", "next_try_at", "last_error", "event", "digest"])
        log.warning("Timestamping %d item(s) failed, will retry: %s", len(due), exc)
        retry_at = min(s.next_try_at for s in due)
        _enqueue_on_commit(run_after=retry_at)
        return {"requests": 1, "stamped": 0, "failed": len(due)}
    with transaction.atomic():
        # Exactly once: another worker (or this task's re-run after its worker was killed) may
        # have stamped some of these while we waited for the TSA. Only the rows still without a
        # token are ours (SQLite: this transaction holds the write lock from BEGIN; PostgreSQL:
        # the rows are locked), and a token that would cover none of them is not kept.
        free = set(Timestamp.objects.select_for_update().filter(pk__in=[s.pk for s in due], token__isnull=True)
                   .values_list("pk", flat=True))
        mine = [s for s in due if s.pk in free]
        if not mine:
            log.info("Timestamp batch of %d item(s) already stamped elsewhere; token dropped", len(due))
            return {"requests": 1, "stamped": 0, "failed": 0}
        token = TimestampToken.objects.create(der=der, digest=root.hex(), tsa_url=url, tsa_name=tsa_name,
                                              gen_time=gen_time)
        for stamp in mine:
            stamp.token = token
            stamp.merkle_path = path_of[stamp.digest]
            stamp.stamped_at = now
            stamp.last_error = ""
        Timestamp.objects.bulk_update(mine, ["token", "merkle_path", "stamped_at", "last_error", "event", "digest"])
    return {"requests": 1, "stamped": len(mine), "failed": 0}


# --------------------------------------------------------------------------- talking to a TSA


def request_token(digest: bytes):
    """Try each configured TSA in turn, LIUZHENG_TSA_ATTEMPTS rounds:
    (response DER, url, gen_time, tsa name)."""
    errors = []
    urls = tsa_urls()
    rounds = max(1, getattr(settings, "LIUZHENG_TSA_ATTEMPTS", 1)) if urls else 0
    for attempt in range(rounds):
        if attempt:
            time.sleep(min(2 ** (attempt - 1), 5))
        for url in urls:
            try:
                der, gen_time, name = _request(url, digest)
                return der, url, gen_time, name
            except TimestampError as exc:
                errors.append(f"{url}: {exc}")
    raise TimestampError("; ".join(errors) or "no TSA configured")


def _post(url: str, query: bytes) -> bytes:
    http_req = urllib.request.Request(url, data=query, method="POST",
                                      headers={"Content-Type": "application/timestamp-query"})
    try:
        with urllib.request.urlopen(http_req, timeout=settings.LIUZHENG_TSA_TIMEOUT) as resp:
            body = resp.read(MAX_RESPONSE_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise TimestampError(f"unreachable ({exc})") from exc
    if len(body) > MAX_RESPONSE_BYTES:
        raise TimestampError("answer too large")
    return body


def post_query(query: bytes) -> bytes:
    """A ready-made TimeStampReq (pyHanko's PDF timestamps) to the TSAs in order: the answer."""
    errors = []
    for url in tsa_urls():
        try:
            return _post(url, query)
        except TimestampError as exc:
            errors.append(f"{url}: {exc}")
    raise TimestampError("; ".join(errors) or "no TSA configured")


def _request(url: str, digest: bytes):
    nonce, req = TimeStamper().request_cms(digest, "sha256")
    body = _post(url, req.dump())
    try:
        response = tsp.TimeStampResp.load(body)
        token = handle_tsp_response(response, nonce)
        der = response.dump(force=False)
    except TimestampRequestError as exc:
        raise TimestampError(str(exc)) from exc
    except Exception as exc:  # asn1crypto parses lazily and raises many kinds on garbage
        raise TimestampError(f"not an RFC 3161 answer ({exc.__class__.__name__})") from exc
    gen_time, name = validate_token(token, digest)
    return der, gen_time, name


def _trust_roots():
    path = _ca_file()
    if not path:
        return None
    roots = []
    with open(path, "rb") as f:
        for _, _, der in pem.unarmor(f.read(), multiple=True):
            roots.append(x509.Certificate.load(der))
    return roots


_CONFIGURED = object()


def _run(coro):
    """pyHanko's validator is async; run it from sync code, even when this thread
    already has an event loop running (an async view, a Playwright-driven test)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def validate_token(token, digest: bytes, *, now=None, roots=_CONFIGURED, check_time=True):
    """Refuse a token unless it is intact, over our digest, from a timeStamping
    certificate (chaining to `roots`: by default LIUZHENG_TSA_CA_FILE when set)
    and, on arrival, dated close to now. Bundle verification passes the bundle's
    own keys/tsa-chain.pem and does not check the time (old tokens are the point)."""
    try:
        signed_data = token["content"]
        tst_info = signed_data["encap_content_info"]["content"].parsed
        imprint = tst_info["message_imprint"]
        if imprint["hash_algorithm"]["algorithm"].native != "sha256" or imprint["hashed_message"].native != digest:
            raise TimestampError("token is for another hash")
        if roots is _CONFIGURED:
            roots = _trust_roots()
        embedded = [c.chosen for c in signed_data["certificates"] or [] if c.name == "certificate"]
        context = ValidationContext(trust_roots=roots if roots is not None else embedded,
                                    other_certs=embedded, allow_fetching=False, revocation_mode="soft-fail")
        status = _run(validate_tst_signed_data(signed_data, context, lambda alg: digest))
    except TimestampError:
        raise
    except Exception as exc:
        raise TimestampError(f"token cannot be validated ({exc.__class__.__name__}: {exc})") from exc
    if not status.get("intact") or not status.get("valid"):
        raise TimestampError("token signature is not valid")
    if roots is not None and status.get("trust_problem_indic") is not None:
        raise TimestampError("token does not chain to the configured TSA CA")
    cert = status["signing_cert"]
    eku = cert.extended_key_usage_value
    if eku is None or "time_stamping" not in eku.native:
        raise TimestampError("TSA certificate lacks the timeStamping purpose")
    gen_time = tst_info["gen_time"].native
    skew = abs((now or timezone.now()) - gen_time)
    if check_time and skew > timedelta(seconds=settings.LIUZHENG_TSA_MAX_SKEW):
        raise TimestampError(f"token time {gen_time.isoformat()} is {skew} away from now")
    name = cert.subject.native.get("common_name") or cert.subject.human_friendly
    return gen_time, name


def latest_chain_timestamp(case: Case):
    return (Timestamp.objects.filter(case=case, subject=Timestamp.Subject.CHAIN, token__isnull=False)
            .select_related("token", "event").order_by("-stamped_at").first())
