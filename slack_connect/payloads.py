"""The shape of what Slack posts, checked after the signature and before anything is stored.

Slack sends ids as short text (channel C0…, user U0…, ts "1700000000.000100", event id Ev0…).
Anything else (an `event` that is not an object, a number for `text`, a NUL character, an id
longer than the column that keeps it) cannot come from Slack, so it is refused with a 400 that
says which field is wrong, and nothing is recorded. Well-formed payloads of kinds we do not
handle are still answered 200 "ignored", as Slack expects (it retries anything else).
"""
from __future__ import annotations

from rest_framework import serializers

from common.fields import StrictCharField

from .models import SlackEvent, SlackThread

TEXT_MAX = 40_000  # Slack's own limit on a message's text
# "command:<trigger_id>" is recorded as a SlackEvent id (slack_connect.commands).
TRIGGER_ID_MAX = SlackEvent._meta.get_field("event_id").max_length - len("command:")
CHANNEL_MAX = SlackThread._meta.get_field("channel").max_length
TS_MAX = SlackThread._meta.get_field("thread_ts").max_length
USER_MAX = 32  # accounts.User.slack_user_id


def _text(max_length: int, **kwargs) -> StrictCharField:
    return StrictCharField(max_length=max_length, required=False, allow_blank=True, trim_whitespace=False, **kwargs)


class MessageEventSerializer(serializers.Serializer):
    type = _text(100)
    subtype = _text(100)
    bot_id = _text(USER_MAX)
    channel = _text(CHANNEL_MAX)
    user = _text(USER_MAX)
    text = _text(TEXT_MAX)
    ts = _text(TS_MAX)
    thread_ts = _text(TS_MAX)


class EventEnvelopeSerializer(serializers.Serializer):
    type = _text(100)
    challenge = _text(200)
    event_id = _text(SlackEvent._meta.get_field("event_id").max_length)
    # Any event is an object; only message events (the ones handled) are checked field by field.
    event = serializers.DictField(required=False)


class CommandSerializer(serializers.Serializer):
    command = _text(100)
    text = _text(TEXT_MAX)
    channel_id = _text(CHANNEL_MAX)
    user_id = _text(USER_MAX)
    trigger_id = _text(TRIGGER_ID_MAX)


def problems(errors, prefix: str = "") -> str:
    """DRF's error tree as one line: "event.text: Not a valid string."."""
    parts = []
    for field, detail in errors.items():
        name = f"{prefix}{field}"
        if isinstance(detail, dict):
            parts.append(problems(detail, prefix=f"{name}."))
        else:
            parts.append(f"{name}: {' '.join(str(item) for item in detail)}")
    return "; ".join(parts)


def _checked(serializer_class, data, prefix: str = "") -> tuple[dict | None, str]:
    serializer = serializer_class(data=data)
    if serializer.is_valid():
        return dict(serializer.validated_data), ""
    return None, problems(serializer.errors, prefix)


def event_envelope(data) -> tuple[dict | None, str]:
    """(the Events API payload's known fields, "") or (None, what is wrong with it)."""
    payload, error = _checked(EventEnvelopeSerializer, data)
    if error:
        return None, error
    if payload.get("type") == "event_callback":
        if "event" not in payload:
            return None, "event: An event_callback carries an event."
        if payload["event"].get("type") == "message":
            payload["event"], error = _checked(MessageEventSerializer, payload["event"], prefix="event.")
    return (None, error) if error else (payload, "")


def command(form) -> tuple[dict | None, str]:
    """(the slash command's known fields, "") or (None, what is wrong with it)."""
    return _checked(CommandSerializer, {key: form.get(key) for key in CommandSerializer._declared_fields
                                        if key in form})
