"""Polling IMAP mailboxes: each message is stored (email_ingest_many) before it is marked or
moved, so a crash between the two leaves it in the mailbox to be fetched again — and the same
Message-ID stored twice is still one message."""
from __future__ import annotations

import imaplib
import logging
from collections import Counter

from .batches import batches
from .services import email_ingest_many

logger = logging.getLogger(__name__)


def _connect(config: dict) -> imaplib.IMAP4:
    cls = imaplib.IMAP4_SSL if config.get("ssl", True) else imaplib.IMAP4
    conn = cls(config["host"], int(config.get("port") or (993 if config.get("ssl", True) else 143)),
               timeout=float(config.get("timeout", 30)))
    conn.login(config["user"], config["password"])
    return conn


def _done(conn: imaplib.IMAP4, uid: bytes, processed_folder: str | None) -> None:
    if processed_folder:
        typ, _ = conn.uid("MOVE", uid, processed_folder)
        if typ == "OK":
            return
        # Servers without MOVE: copy, then flag and expunge the original.
        conn.uid("COPY", uid, processed_folder)
        conn.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)")
        conn.expunge()
    else:
        conn.uid("STORE", uid, "+FLAGS.SILENT", r"(\Seen)")


def poll_mailbox(config: dict, *, limit: int = 200) -> Counter:
    """Fetch up to `limit` unseen messages from one configured mailbox, store them in small
    batches (one commit each), and mark each one only once its batch is stored. Returns outcome
    counts."""
    counts: Counter = Counter()
    conn = _connect(config)
    try:
        folder, processed = config.get("folder", "INBOX"), config.get("processed_folder") or None
        if processed:
            conn.create(processed)  # "already exists" is an answer, not an error
        typ, _ = conn.select(folder)
        if typ != "OK":
            raise imaplib.IMAP4.error(f"cannot select {folder}")
        typ, data = conn.uid("SEARCH", None, "UNSEEN")
        uids = (data[0] or b"").split()[:limit]
        for batch in batches(_fetched(conn, uids, counts)):
            results = email_ingest_many([raw for _, raw in batch], mailbox=config["name"])
            for (uid, _), result in zip(batch, results):
                if isinstance(result, Exception):  # left unmarked: fetched again, deduplicated by Message-ID
                    logger.error("email intake: %s uid %s could not be stored", config["name"], uid,
                                 exc_info=result)
                    counts["not_stored"] += 1
                    continue
                _done(conn, uid, processed)
                counts[result.outcome] += 1
    finally:
        try:
            conn.logout()
        except (imaplib.IMAP4.error, OSError):
            pass
    return counts


def _fetched(conn: imaplib.IMAP4, uids: list[bytes], counts: Counter):
    """(uid, raw bytes) of each message, fetched one at a time as the batches need them."""
    for uid in uids:
        typ, fetched = conn.uid("FETCH", uid, "(BODY.PEEK[])")  # PEEK: not \Seen until stored
        raw = next((part[1] for part in fetched if isinstance(part, tuple)), None)
        if typ != "OK" or raw is None:
            counts["fetch_failed"] += 1
            continue
        yield uid, raw
