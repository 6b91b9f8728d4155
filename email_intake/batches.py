"""Cutting a stream of messages into small batches for email_ingest_many (no Django here)."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

Key = TypeVar("Key")

# A batch commits once (the saving) and holds its messages' bytes and locks until then (the
# cost): 25 messages took 4 ms each on the 2-core VM, so a batch is done in about 0.1 s.
BATCH_MESSAGES = 25
# Bytes held at once. A larger message goes in a batch of its own, so one 25 MB attachment
# never keeps 24 more messages waiting in memory with it.
BATCH_BYTES = 4 * 1024 * 1024


def batches(messages: Iterable[tuple[Key, bytes]], *, max_messages: int = BATCH_MESSAGES,
            max_bytes: int = BATCH_BYTES) -> Iterator[list[tuple[Key, bytes]]]:
    """Consecutive (key, raw bytes) pairs in lists of at most `max_messages` and `max_bytes`
    (a message larger than that alone). Reads `messages` lazily: no more than one batch plus
    one message is held at a time."""
    batch: list[tuple[Key, bytes]] = []
    size = 0
    for key, raw in messages:
        if batch and (len(batch) >= max_messages or size + len(raw) > max_bytes):
            yield batch
            batch, size = [], 0
        batch.append((key, raw))
        size += len(raw)
    if batch:
        yield batch
