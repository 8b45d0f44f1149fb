"""Webhooks: an organisation's URLs that hear about its imports' status changes.

Each status change that commits is sent to every webhook of the import's organisation that
asked for its event: a signed JSON POST, sent in the background (through the WebhookQueue
port) and retried there; every attempt is logged in webhook_deliveries. Sending never holds
up, nor fails, the import that changed.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, event, inspect
from sqlmodel import Session, col, select

from domain.accounts.access import require_role
from domain.accounts.auth import Principal
from domain.db import Database
from domain.errors import BadInput, NotFound
from domain.pipeline.lifecycle import summary
from domain.rules.mapping import missing_required
from domain.models import Import, ImportMode, Role, Webhook, WebhookDelivery, as_utc, utcnow
from domain.options import ReadOptions
from domain.ports import WebhookQueue
from domain.settings import Settings
from domain.status import ImportStatus
from domain.rules.types import get_type

log = logging.getLogger(__name__)

MAX_WEBHOOKS = 20  # per organisation
MAX_URL_CHARS = 2000
SECRET_CHARS = (16, 200)
MAX_ERROR_CHARS = 500
KEEP_DELIVERIES = timedelta(days=30)  # the log of older attempts is dropped as new ones come
CHANGES_KEY = "importer.import_status_changes"


class WebhookEvent(str, enum.Enum):
    IMPORT_STATUS_CHANGED = "IMPORT_STATUS_CHANGED"  # every change of an import's status
    IMPORT_FINISHED = "IMPORT_FINISHED"  # IMPORTED, ROLLED_BACK or ERRORED: nothing more will happen by itself


FINISHED = frozenset({ImportStatus.IMPORTED, ImportStatus.ROLLED_BACK, ImportStatus.ERRORED})


class DeliveryFailed(Exception):
    """The receiver could not be reached or answered 5xx: worth another attempt."""


# managing webhooks (admins)


def create_webhook(db: Database, settings: Settings, principal: Principal, url: str,
                   events: list[WebhookEvent], secret: str) -> Webhook:
    require_role(principal, Role.ADMIN)
    url = check_url(url.strip(), allow_private=settings.webhook_allow_private)
    if not events:
        raise BadInput("Choose at least one event: " + ", ".join(e.value for e in WebhookEvent) + ".")
    if not SECRET_CHARS[0] <= len(secret) <= SECRET_CHARS[1]:
        raise BadInput(f"Give a secret of {SECRET_CHARS[0]} to {SECRET_CHARS[1]} characters: "
                       "each delivery is signed with it (README, Webhooks).")
    with db.write() as session:
        count = len(session.exec(select(Webhook.id).where(Webhook.organisation_id == principal.organisation_id)).all())
        if count >= MAX_WEBHOOKS:
            raise BadInput(f"Your organisation has {count} webhooks, the most it may have; delete one first.")
        webhook = Webhook(organisation_id=principal.organisation_id, url=url, secret=secret,
                          events=sorted({e.value for e in events}), created_by_id=principal.user_id)
        session.add(webhook)
    return webhook


def list_webhooks(db: Database, principal: Principal) -> list[Webhook]:
    require_role(principal, Role.ADMIN)
    with db.read() as session:
        return list(session.exec(select(Webhook).where(Webhook.organisation_id == principal.organisation_id)
                                 .order_by(col(Webhook.created_at))).all())


def delete_webhook(db: Database, principal: Principal, webhook_id: uuid.UUID) -> None:
    require_role(principal, Role.ADMIN)
    with db.write() as session:
        webhook = _owned(session, principal, webhook_id)
        session.exec(delete(WebhookDelivery).where(col(WebhookDelivery.webhook_id) == webhook.id))
        session.delete(webhook)


def list_deliveries(db: Database, principal: Principal, webhook_id: uuid.UUID, *, first: int) -> list[WebhookDelivery]:
    """The webhook's latest delivery attempts, newest first."""
    require_role(principal, Role.ADMIN)
    with db.read() as session:
        webhook = _owned(session, principal, webhook_id)
        return list(session.exec(select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook.id)
                                 .order_by(col(WebhookDelivery.created_at).desc()).limit(max(0, first))).all())


def _owned(session: Session, principal: Principal, webhook_id: uuid.UUID) -> Webhook:
    webhook = session.get(Webhook, webhook_id)
    if webhook is None or webhook.organisation_id != principal.organisation_id:
        raise NotFound("webhook", webhook_id)
    return webhook


def check_url(url: str, *, allow_private: bool) -> str:
    """The URL if it is http(s) and every address its host resolves to is public (or private
    ones are allowed), else BadInput saying why."""
    if len(url) > MAX_URL_CHARS or any(char.isspace() or not char.isprintable() for char in url):
        raise BadInput(f"A webhook URL has at most {MAX_URL_CHARS} characters, and no spaces or control characters.")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (a port out of range raises here)
    except ValueError as error:
        raise BadInput(f"The webhook URL cannot be read ({error}).") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadInput("A webhook URL starts with http:// or https:// and names a host.")
    if parts.username is not None or parts.password is not None:
        raise BadInput("A webhook URL carries no user name or password: the receiver checks the signature instead.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, ValueError) as error:
        raise BadInput(f"The webhook URL's host {parts.hostname!r} cannot be resolved ({error}).") from None
    for *_, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if not allow_private and _is_private(address):
            raise BadInput(f"The webhook URL's host {parts.hostname!r} is at {address}, a private, loopback or "
                           "link-local address: webhooks go to public addresses only (the operator may allow "
                           "private ones with IMPORTER_WEBHOOK_ALLOW_PRIVATE).")
    return url


def _is_private(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


# what is sent


def public_fields(record: Import) -> dict[str, Any]:
    """The import's fields as the API shows them (names in camelCase, enums by name)."""
    options = ReadOptions.from_json(record.options)
    return {
        "id": str(record.id), "type": record.type.upper(), "mode": ImportMode(record.mode).name,
        "status": ImportStatus(record.status).name, "filename": record.filename, "sheet": record.sheet,
        "headers": list(record.headers), "mapping": [dict(entry) for entry in record.mapping],
        "missingRequiredFields": missing_required(record.mapping, get_type(record.type)),
        "totalRows": record.total_rows, "importedRows": record.imported_rows,
        "failedValidationRows": record.failed_validation_rows, "failedImportRows": record.failed_import_rows,
        "rolledBackRows": record.rolled_back_rows, "rollbackConflictRows": record.rollback_conflict_rows,
        "progress": record.progress, "errorMessage": record.error_message, "errorCode": record.error_code,
        "premierCoreMappingId": record.premier_core_mapping_id,
        "createdAt": _time(record.created_at), "updatedAt": _time(record.updated_at),
        "validatedAt": _time(record.validated_at), "importedAt": _time(record.imported_at),
        "rolledBackAt": _time(record.rolled_back_at), "encoding": record.encoding, "headerRow": record.header_row,
        "dateOrder": options.date_order.name if options.date_order else None,
        "decimalSeparator": options.decimal_separator, "summary": summary(record),
        "autoStart": ({"minConfidence": options.auto_start.min_confidence, "policy": options.auto_start.policy.name}
                      if options.auto_start else None),
    }


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else as_utc(moment).isoformat()


def sign(secret: str, timestamp: str, body: str) -> str:
    """X-Importer-Signature: HMAC-SHA256 of "<timestamp>.<body>" with the webhook's secret."""
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"sha256={digest}"


# noticing status changes: in the transaction that makes them, sent once it commits


@dataclass(frozen=True)
class StatusChange:
    import_id: uuid.UUID
    organisation_id: uuid.UUID
    status: ImportStatus
    fields: dict[str, Any]


@event.listens_for(Session, "after_flush")
def _note_status_changes(session: Session, _flush_context: object) -> None:
    for record in (*session.new, *session.dirty):
        if isinstance(record, Import) and inspect(record).attrs.status.history.added:
            session.info.setdefault(CHANGES_KEY, []).append(
                StatusChange(record.id, record.organisation_id, ImportStatus(record.status), public_fields(record)))


class WebhookAnnouncer:
    """Called after each committed write (Database.after_write): queues one delivery per status
    change and webhook that asked for its event. A failure here is logged, never raised."""

    def __init__(self, db: Database, queue: WebhookQueue) -> None:
        self.db = db
        self.queue = queue

    def __call__(self, session: Session) -> None:
        changes: list[StatusChange] = session.info.pop(CHANGES_KEY, [])
        if changes:
            try:
                self._announce(changes)
            except Exception:  # the import's change stands whatever happens to its webhooks
                log.exception("could not queue the webhooks of %d status change(s)", len(changes))

    def _announce(self, changes: list[StatusChange]) -> None:
        with self.db.read() as session:
            webhooks = session.exec(select(Webhook).where(
                col(Webhook.organisation_id).in_({change.organisation_id for change in changes}))).all()
        for change in changes:
            for name in events_of(change.status):
                body = json.dumps({"event": name, "import": change.fields}, separators=(",", ":"))
                for webhook in webhooks:
                    if webhook.organisation_id == change.organisation_id and name in webhook.events:
                        self.queue.deliver_webhook(webhook.id, change.import_id, name, body)


def events_of(status: ImportStatus) -> list[str]:
    """The events a change to `status` is."""
    finished = [WebhookEvent.IMPORT_FINISHED.value] if status in FINISHED else []
    return [WebhookEvent.IMPORT_STATUS_CHANGED.value, *finished]


def watch_status_changes(db: Database, queue: WebhookQueue) -> None:
    """Send webhooks for the status changes made through `db`."""
    db.after_write.append(WebhookAnnouncer(db, queue))


# sending


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer (3xx), not followed: it could lead to an address refused here."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())


@dataclass(frozen=True)
class Attempt:
    """How one delivery attempt went: the answer's status code, or why none came."""

    status_code: int | None = None
    error: str | None = None
    retry: bool = False


class WebhookSender:
    """Sends one delivery and logs the attempt; raises DeliveryFailed when it is worth retrying
    (no answer, or a 5xx answer)."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    def deliver(self, webhook_id: uuid.UUID, import_id: uuid.UUID, event_name: str, body: str, *,
                attempt: int) -> None:
        with self.db.read() as session:
            webhook = session.get(Webhook, webhook_id)
        if webhook is None:
            return  # deleted since
        outcome = self._post(webhook, event_name, body)
        with self.db.write() as session:
            if session.get(Webhook, webhook_id) is not None:
                session.add(WebhookDelivery(webhook_id=webhook_id, import_id=import_id, event=event_name,
                                            status_code=outcome.status_code, error=outcome.error, attempt=attempt))
                session.exec(delete(WebhookDelivery).where(col(WebhookDelivery.webhook_id) == webhook_id,
                                                           col(WebhookDelivery.created_at) < utcnow() - KEEP_DELIVERIES))
        if outcome.retry:
            raise DeliveryFailed(outcome.error or f"the receiver answered {outcome.status_code}")

    def _post(self, webhook: Webhook, event_name: str, body: str) -> Attempt:
        try:  # again at each attempt: the host may resolve elsewhere now
            check_url(webhook.url, allow_private=self.settings.webhook_allow_private)
        except BadInput as refused:
            return Attempt(error=_short(f"refused: {refused.message}"))
        timestamp = str(int(time.time()))
        request = urllib.request.Request(webhook.url, data=body.encode(), method="POST", headers={
            "Content-Type": "application/json", "User-Agent": "importer-webhooks",
            "X-Importer-Event": event_name, "X-Importer-Timestamp": timestamp,
            "X-Importer-Signature": sign(webhook.secret, timestamp, body),
        })
        try:
            with _OPENER.open(request, timeout=self.settings.webhook_timeout_seconds) as response:
                return Attempt(status_code=response.status)
        except urllib.error.HTTPError as answer:
            return Attempt(status_code=answer.code, retry=answer.code >= 500)
        except (urllib.error.URLError, OSError) as failure:
            return Attempt(error=_short(f"no answer: {getattr(failure, 'reason', failure)}"), retry=True)


def _short(text: str) -> str:
    return text if len(text) <= MAX_ERROR_CHARS else text[:MAX_ERROR_CHARS - 1] + "…"
