"""Advance booking notices (ABN) to the receiving country's mission.

One notice per version: the original when the movement officer sends it, then an amended one
for each change of the booking (`notice_booking_changed`, called by the booking services),
saying what changed. The text is written once, when the notice is made, from the booking and
its travel group as a mission may read it (`movements.mission`), in the mission's language, and
kept (the notice pages show it). A Celery task (`movements.tasks`), queued on commit, sends it
through Django's mail settings outside every transaction and lock (claim, send, record), retrying
with a doubling wait; each try is a NoticeAttempt. After the last retry the notice is "failed",
kept whole, and can be sent again. Every write locks the case first, then its own row
(`movements.locks`). Escort changes and rebookings make their notices by themselves.

The mission acknowledges through the API or through the link in the e-mail: a signed token
naming the notice and the link's expiry. Only its hash is stored; it works once.
"""

from __future__ import annotations

import datetime
import hashlib
from typing import NamedTuple

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from cases.audit import acting_as
from cases.choices import Sex
from core.background import enqueue_on_commit
from core.errors import ApplicationError, DuplicateRecord, NotPermitted, existing_record
from movements import events, listeners
from movements.airports import airport_time
from movements.choices import (
    OPEN_BOOKING_STATUSES,
    BookingStatus,
    EscortKind,
    EscortRole,
    NoticeKind,
    NoticeStatus,
)
from movements.locks import lock_case, lock_own
from movements.mission import booking_for_mission, condition_label
from movements.models import Booking, BookingNotice, MissionContact, NoticeAttempt
from movements.permissions import can_manage_movements

ACK_SALT = "movements.booking-notice-ack"
DEFAULT_NOTICE_LANGUAGE = "en"


class NoticeRefused(ApplicationError):
    status_code = 409


# ---------------------------------------------------------------------------------------------
# The acknowledgement link


def ack_token(notice: BookingNotice) -> str:
    """The link's token: the notice and its expiry, signed with the site's secret key."""
    expires = int(notice.token_expires_at.timestamp())
    return signing.Signer(salt=ACK_SALT).sign_object({"n": notice.pk, "e": expires})


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def ack_url(notice: BookingNotice) -> str:
    path = reverse("movements:notice_ack_link", kwargs={"token": ack_token(notice)})
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def _new_link(notice: BookingNotice) -> None:
    notice.token_expires_at = timezone.now() + datetime.timedelta(
        days=settings.NOTICE_ACK_LINK_DAYS
    )
    notice.ack_token_hash = _hash(ack_token(notice))
    notice.token_used_at = None


def notice_for_link(token: str) -> BookingNotice:
    """The notice a link names, whether or not it can still be used; ApplicationError (code
    bad_link) when the token is not ours or is not the notice's current link."""
    try:
        data = signing.Signer(salt=ACK_SALT).unsign_object(token)
    except signing.BadSignature as error:
        raise NoticeRefused(_("This link is not valid."), code="bad_link") from error
    notice = (
        BookingNotice.objects.select_related("booking__case__destination_country")
        .filter(pk=data.get("n"), ack_token_hash=_hash(token))
        .first()
    )
    if notice is None:
        raise NoticeRefused(
            _("This link is no longer valid: a newer notice was sent."), code="bad_link"
        )
    return notice


# ---------------------------------------------------------------------------------------------
# The text


def notice_text(
    booking: Booking,
    *,
    kind: str,
    sequence: int,
    what_changed: str = "",
    language: str = DEFAULT_NOTICE_LANGUAGE,
):
    """Subject and body of a notice, from what the mission is told of the booking now
    (`movements.mission.booking_for_mission`: no free-text reason, no medical detail beyond the
    travel conditions), written in `language` (the mission's), whatever the officer's own."""
    told = booking_for_mission(booking)
    departure = told["departure_date"]
    flights = told["flights"]
    travellers = told["travellers"]
    with override(language or DEFAULT_NOTICE_LANGUAGE):
        title = (
            _("AMENDED advance booking notification")
            if kind == NoticeKind.AMENDED
            else _("Advance booking notification")
        )
        subject = f"{title} #{sequence}: {told['case_number']} ({told['unhcr_case_number']}), " + (
            f"{len(travellers)} " + _("travellers") + f", {departure.isoformat()}"
        )
        lines = [title + f" #{sequence}", ""]
        if kind == NoticeKind.AMENDED:
            lines += [_("What changed:"), *[f"  - {c}" for c in what_changed.splitlines()], ""]
        lines += [
            _("Case: %(case)s (UNHCR %(unhcr)s), from %(location)s to %(country)s")
            % {
                "case": told["case_number"],
                "unhcr": told["unhcr_case_number"],
                "location": told["location"],
                "country": told["destination_country_name"],
            },
            _("Booking reference: %(ref)s; status: %(status)s")
            % {
                "ref": told["booking_reference"] or "-",
                "status": BookingStatus(told["status"]).label,
            },
        ]
        if told["travel_group"]:
            lines.append(_("Travel group: %(group)s") % {"group": told["travel_group"]})
        lines += ["", _("Itinerary:")]
        for s in flights:
            lines.append(
                f"  {s['order']}. {s['carrier']} {s['flight_number']} {s['from_airport']} "
                f"{airport_time(s['departs_at'], s['from_timezone'])} -> {s['to_airport']} "
                f"{airport_time(s['arrives_at'], s['to_timezone'])}"
            )
        if flights:
            last = flights[-1]
            lines.append(
                _("Arrival: %(airport)s at %(time)s")
                % {
                    "airport": last["to_airport"],
                    "time": airport_time(last["arrives_at"], last["to_timezone"]),
                }
            )
        else:
            lines.append(_("  (no itinerary yet)"))
        lines += ["", _("Travellers:")]
        for number, t in enumerate(travellers, 1):
            sex = str(Sex(t["sex"]).label) if t["sex"] in Sex.values else t["sex"]
            needs = [condition_label(c) for c in t["conditions"]]
            lines.append(
                f"  {number}. {t['family_name'].upper()}, {t['given_name']}; {sex}; "
                + _("age %(age)d") % {"age": t["age"]}
                + f" ({t['date_of_birth'].isoformat()}); "
                + t["nationality"]
                + (f"; {_('ticket')} {t['ticket_number']}" if t["ticket_number"] else "")
                + (f"; {_('needs')}: {', '.join(needs)}" if needs else "")
            )
        lines += ["", _("Escorts:")]
        lines += [
            f"  - {e['name']}: {EscortRole(e['role']).label}, {EscortKind(e['kind']).label}"
            + (f" ({e['contact']})" if e["contact"] else "")
            for e in told["escorts"]
        ] or ["  " + _("none")]
    return subject[:250], "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Writes


def _require_officer(actor) -> None:
    if not can_manage_movements(actor):
        raise NotPermitted(_("Only movement officers and administrators send booking notices."))


def _contact(booking: Booking) -> MissionContact | None:
    return MissionContact.objects.filter(country_id=booking.case.destination_country_id).first()


def _recipient(booking: Booking) -> MissionContact:
    contact = _contact(booking)
    if contact is None:
        raise ApplicationError(
            _(
                "No mission address is recorded for %(country)s: an administrator adds it under "
                "Movements, Mission contacts."
            )
            % {"country": booking.case.destination_country},
            code="no_mission_contact",
        )
    return contact


def _create(
    *, booking, kind, actor, recipient, what_changed="", language=DEFAULT_NOTICE_LANGUAGE
) -> BookingNotice:
    latest = booking.notices.order_by("-sequence").first()
    sequence = (latest.sequence + 1) if latest else 1
    subject, body = notice_text(
        booking, kind=kind, sequence=sequence, what_changed=what_changed, language=language
    )
    notice = BookingNotice(
        booking=booking,
        sequence=sequence,
        kind=kind,
        what_changed=what_changed,
        recipient=recipient,
        subject=subject,
        body=body,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    notice.save()
    _new_link(notice)
    notice.save(update_fields=["ack_token_hash", "token_expires_at", "token_used_at"])
    events.event_notice_queued(notice=notice, actor=actor)
    _queue(notice)
    return notice


def _queue(notice: BookingNotice) -> None:
    from movements.tasks import deliver_booking_notice

    enqueue_on_commit(deliver_booking_notice, notice.pk)


def _case_id_of_booking(booking: Booking | int) -> int:
    pk = booking if isinstance(booking, int) else booking.pk
    case_id = Booking.objects.filter(pk=pk).values_list("case_id", flat=True).first()
    if case_id is None:
        raise Booking.DoesNotExist
    return case_id


def _case_id_of_notice(notice: BookingNotice | int) -> int:
    pk = notice if isinstance(notice, int) else notice.pk
    case_id = BookingNotice.objects.filter(pk=pk).values_list("booking__case_id", flat=True).first()
    if case_id is None:
        raise BookingNotice.DoesNotExist
    return case_id


def notice_send(*, actor, booking: Booking) -> BookingNotice:
    """Write the original advance booking notice of an open booking and queue its sending for
    when the transaction commits (the case locked first, then the booking). Refused (409, nothing
    changed) when one was already made (`duplicate`: changes are sent as amended notices, a
    failed one is re-sent), when the booking is not open, or when no mission address is recorded
    for the destination."""
    _require_officer(actor)
    with transaction.atomic(), acting_as(actor):
        lock_case(_case_id_of_booking(booking))
        locked = lock_own(Booking, booking.pk, related=("case__destination_country",))
        if locked.status not in OPEN_BOOKING_STATUSES:
            raise NoticeRefused(
                _("The booking is “%(status)s”: no notice is sent for it.")
                % {"status": locked.get_status_display()},
                code="booking_not_open",
            )
        made = locked.notices.order_by("sequence").first()
        if made is not None:
            raise DuplicateRecord(
                _(
                    "The notice of this booking was already made: a change of the booking sends "
                    "an amended notice, and a failed notice is sent again from its page."
                ),
                existing=existing_record(
                    "booking_notice",
                    made,
                    url=reverse("movements:notice_detail", kwargs={"pk": made.pk}),
                    api="api-movement-notice",
                ),
            )
        contact = _recipient(locked)
        return _create(
            booking=locked,
            kind=NoticeKind.ORIGINAL,
            actor=actor,
            recipient=contact.email,
            language=contact.language,
        )


def notice_for_rebooking(*, actor, booking: Booking, replaced: Booking) -> BookingNotice | None:
    """A rebooking tells the mission by itself: when the cancelled booking it follows had been
    notified, the new booking's original notice is made and queued (on commit). Call inside the
    booking service's transaction, the case already locked."""
    if not replaced.notices.exists():
        return None
    contact = _contact(booking)
    if contact is None:
        return None
    return _create(
        booking=booking,
        kind=NoticeKind.ORIGINAL,
        actor=actor,
        recipient=contact.email,
        language=contact.language,
    )


def _describe(changes) -> str:
    if isinstance(changes, str):
        return changes.strip()
    if isinstance(changes, dict):
        lines = []
        for name, value in changes.items():
            if isinstance(value, list | tuple) and len(value) == 2:
                lines.append(f"{name}: {value[0]} -> {value[1]}")
            else:
                lines.append(f"{name}: {value}")
        return "\n".join(lines)
    return "\n".join(str(c) for c in changes).strip()


def booking_facts(booking: Booking) -> dict:
    """What the mission was told of a booking that can change, in words (lazy: written in the
    mission's language when the notice is made): before and after a change, `booking_changes`
    keeps what differs."""
    return {
        gettext_lazy("booking reference"): booking.booking_reference or "-",
        gettext_lazy("status"): BookingStatus(booking.status).label,
        gettext_lazy("flight date"): booking.departure_date.isoformat(),
    }


def booking_changes(before: dict, after: dict, *, tickets: int = 0) -> dict:
    """{what: (before, after)} for each fact that differs, and how many ticket numbers changed."""
    changes = {k: (before[k], after[k]) for k in after if str(before.get(k)) != str(after[k])}
    if tickets:
        changes[gettext_lazy("ticket numbers")] = _TicketsChanged(tickets)
    return changes


class _TicketsChanged:
    """“n changed”, written when the notice is (in the mission's language)."""

    def __init__(self, count: int):
        self.count = count

    def __str__(self):
        return _("%(count)d changed") % {"count": self.count}


def notice_booking_changed(booking: Booking, changes, *, actor=None) -> BookingNotice | None:
    """Tell the mission that a booking it was notified of changed: an amended notice saying
    what changed (in the mission's language), queued on commit. `changes` is a text, a list of
    lines, or a dict {field: (before, after)} (lazy words are written in the mission's
    language). Nothing is sent when no notice was made for the booking yet (the original, when
    sent, carries the booking as it is then). Call inside the booking service's transaction
    (the case locked), after the change is saved."""
    latest = booking.notices.order_by("-sequence").first()
    if latest is None:
        return None
    contact = _contact(booking)
    language = contact.language if contact else DEFAULT_NOTICE_LANGUAGE
    with override(language):
        what = _describe(changes)
    if not what:
        return None
    with transaction.atomic(), acting_as(actor):
        return _create(
            booking=booking,
            kind=NoticeKind.AMENDED,
            actor=actor,
            recipient=contact.email if contact else latest.recipient,
            what_changed=what,
            language=language,
        )


def notice_resend(*, actor, notice: BookingNotice) -> BookingNotice:
    """Queue a failed notice again (same text, a fresh link), counting its tries from zero; the
    case locked first, then the notice. Refused (409 `not_failed`, nothing changed) unless the
    notice failed."""
    _require_officer(actor)
    with transaction.atomic(), acting_as(actor):
        lock_case(_case_id_of_notice(notice))
        locked = lock_own(BookingNotice, notice.pk, related=("booking__case",))
        if locked.status != NoticeStatus.FAILED:
            raise NoticeRefused(
                _("Only a failed notice is sent again; this one is “%(status)s”.")
                % {"status": locked.get_status_display()},
                code="not_failed",
            )
        locked.status = NoticeStatus.QUEUED
        locked.attempts = 0
        locked.claimed_at = None
        _new_link(locked)
        locked.save(
            update_fields=[
                "status",
                "attempts",
                "claimed_at",
                "ack_token_hash",
                "token_expires_at",
                "token_used_at",
                "updated_at",
            ]
        )
        events.event_notice_requeued(notice=locked, actor=actor)
        _queue(locked)
    return locked


class Delivery(NamedTuple):
    """What one try did: sent (True), refused by the mail server (False) or nothing to do
    (None: already sent, acknowledged, failed, or being sent by another worker); and the
    notice's tries so far."""

    sent: bool | None
    attempts: int


def claim_expiry() -> datetime.timedelta:
    """How long a claim keeps other workers off a notice: past the mail server's timeout."""
    return datetime.timedelta(seconds=2 * (settings.EMAIL_TIMEOUT or 30) + 60)


def _claim(notice_id: int) -> BookingNotice | None:
    """Take a queued notice to send, in a short transaction of its own: one row, SKIP LOCKED
    (it waits for no one, so it needs no case lock to keep the order). None: nothing to do."""
    now = timezone.now()
    with transaction.atomic():
        notice = (
            BookingNotice.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("booking__case")
            .filter(pk=notice_id, status=NoticeStatus.QUEUED)
            .filter(
                models.Q(claimed_at__isnull=True) | models.Q(claimed_at__lt=now - claim_expiry())
            )
            .first()
        )
        if notice is None:
            return None
        notice.claimed_at = now
        notice.save(update_fields=["claimed_at"])
    return notice


def notice_deliver(notice_id: int) -> Delivery:
    """One try at sending a queued notice (the worker's job), in three steps so that no lock is
    held while the mail server is talked to: claim the notice (a short transaction), send
    (outside every transaction), record the try and its result (a second short transaction,
    the case locked first, then the notice). Two tasks for one notice never both send: the
    second finds it claimed."""
    notice = _claim(notice_id)
    if notice is None:
        attempts = (
            BookingNotice.objects.filter(pk=notice_id).values_list("attempts", flat=True).first()
        )
        return Delivery(None, attempts or 0)
    claimed_at = notice.claimed_at
    language = (
        MissionContact.objects.filter(country_id=notice.booking.case.destination_country_id)
        .values_list("language", flat=True)
        .first()
    )
    message = EmailMessage(
        subject=notice.subject,
        body=notice.body + "\n\n" + _ack_paragraph(notice, language=language),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notice.recipient],
        headers={"X-Booking-Notice": f"{notice.pk}-{notice.sequence}"},
    )
    now = timezone.now()
    error_text = ""
    try:
        message.send(fail_silently=False)
    except Exception as error:  # any failure of the mail server is recorded, then retried
        error_text = f"{type(error).__name__}: {error}"[:2000]
    return _record_delivery(notice_id, claimed_at=claimed_at, at=now, error=error_text)


def _record_delivery(notice_id: int, *, claimed_at, at, error: str) -> Delivery:
    with transaction.atomic():
        lock_case(_case_id_of_notice(notice_id))
        notice = lock_own(BookingNotice, notice_id, related=("booking__case",))
        if notice.status != NoticeStatus.QUEUED or notice.claimed_at != claimed_at:
            # Re-sent or taken over meanwhile: the try is still on record.
            NoticeAttempt.objects.create(notice=notice, at=at, ok=not error, error=error)
            return Delivery(None, notice.attempts)
        NoticeAttempt.objects.create(notice=notice, at=at, ok=not error, error=error)
        notice.attempts += 1
        notice.claimed_at = None
        if error:
            notice.last_error = error
            notice.save(update_fields=["attempts", "last_error", "claimed_at", "updated_at"])
            return Delivery(False, notice.attempts)
        notice.status = NoticeStatus.SENT
        notice.sent_at = at
        notice.last_error = ""
        notice.save(
            update_fields=[
                "attempts",
                "status",
                "sent_at",
                "last_error",
                "claimed_at",
                "updated_at",
            ]
        )
        events.event_notice_sent(notice=notice)
        listeners.notice_issued(notice=notice)
    return Delivery(True, notice.attempts)


def _ack_paragraph(notice: BookingNotice, *, language: str | None = None) -> str:
    with override(language or DEFAULT_NOTICE_LANGUAGE):
        return _(
            "Please acknowledge receipt by opening this link (it works once, until %(date)s):\n"
            "%(url)s\nor through the API: POST /api/v1/movements/notices/%(id)d/acknowledge/"
        ) % {
            "date": timezone.localtime(notice.token_expires_at).strftime("%Y-%m-%d"),
            "url": ack_url(notice),
            "id": notice.pk,
        }


def notice_mark_failed(notice_id: int) -> bool:
    """After the last retry: the notice is failed, kept whole, shown on the movements pages and
    can be sent again. Returns whether it changed."""
    with transaction.atomic():
        lock_case(_case_id_of_notice(notice_id))
        notice = lock_own(BookingNotice, notice_id, related=("booking__case",))
        if notice.status != NoticeStatus.QUEUED:
            return False
        notice.status = NoticeStatus.FAILED
        notice.claimed_at = None
        notice.save(update_fields=["status", "claimed_at", "updated_at"])
        events.event_notice_failed(notice=notice)
    return True


def notice_acknowledge(
    *, notice: BookingNotice, acknowledged_by: str, token: str | None = None, actor=None
) -> BookingNotice:
    """Record the mission's acknowledgement, through the API (`actor`, a partner or officer) or
    the e-mail's link (`token`: works once, until it expires). Refused with nothing changed: a
    notice already acknowledged, not sent yet, a used or expired link."""
    acknowledged_by = (acknowledged_by or "").strip()[:150]
    with transaction.atomic(), acting_as(actor):
        lock_case(_case_id_of_notice(notice))
        locked = lock_own(BookingNotice, notice.pk, related=("booking__case",))
        now = timezone.now()
        if token is not None:
            if locked.ack_token_hash != _hash(token):
                raise NoticeRefused(_("This link is not valid."), code="bad_link")
            if locked.token_used_at is not None:
                raise NoticeRefused(
                    _("This link was already used on %(date)s: nothing was changed.")
                    % {"date": timezone.localtime(locked.token_used_at).strftime("%Y-%m-%d %H:%M")},
                    code="link_used",
                )
            if locked.token_expires_at is None or locked.token_expires_at < now:
                raise NoticeRefused(
                    _("This link expired: nothing was changed. Ask the office for a new one."),
                    code="link_expired",
                )
        if locked.status == NoticeStatus.ACKNOWLEDGED:
            raise NoticeRefused(
                _("This notice was already acknowledged on %(date)s.")
                % {"date": timezone.localtime(locked.acknowledged_at).strftime("%Y-%m-%d %H:%M")},
                code="already_acknowledged",
            )
        if locked.status != NoticeStatus.SENT:
            raise NoticeRefused(
                _("This notice has not been sent yet (it is “%(status)s”).")
                % {"status": locked.get_status_display()},
                code="not_sent",
            )
        if not acknowledged_by:
            acknowledged_by = (
                getattr(getattr(actor, "partner_profile", None), "organisation", "")
                or (actor.get_username() if actor is not None else "")
                or _("the mission (e-mail link)")
            )
        locked.status = NoticeStatus.ACKNOWLEDGED
        locked.acknowledged_at = now
        locked.acknowledged_by = acknowledged_by
        fields = ["status", "acknowledged_at", "acknowledged_by", "updated_at"]
        if token is not None:
            locked.token_used_at = now
            fields.append("token_used_at")
        locked.save(update_fields=fields)
        events.event_notice_acknowledged(
            notice=locked, actor=actor, via="link" if token is not None else "api"
        )
    return locked


def stale_after() -> datetime.timedelta:
    """How long a queued notice may go untouched before its task is taken as lost: longer than
    the longest wait between two tries, plus ten minutes."""
    longest = settings.NOTICE_RETRY_SECONDS * 2 ** max(settings.NOTICE_SEND_RETRIES - 1, 0)
    return datetime.timedelta(seconds=2 * longest + 600)


def notices_requeue_stale() -> list[int]:
    """Queue again the notices still "queued" whose task was lost (a broker restart, a worker
    killed): none stays queued forever. A duplicate task sends nothing twice (notice_deliver
    locks the row and sends only a queued notice). Returns the ids queued."""
    cutoff = timezone.now() - stale_after()
    ids = list(
        BookingNotice.objects.filter(status=NoticeStatus.QUEUED, updated_at__lt=cutoff)
        .order_by("id")
        .values_list("id", flat=True)[:500]
    )
    with transaction.atomic():
        # Touch them so the next sweep waits a full period again.
        BookingNotice.objects.filter(pk__in=ids).update(updated_at=timezone.now())
        for pk in ids:
            from movements.tasks import deliver_booking_notice

            enqueue_on_commit(deliver_booking_notice, pk)
    return ids
