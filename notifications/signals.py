"""Hooks around a send, for the app that owns a channel's conventions.

slack_connect uses them to keep a ticket's updates in one Slack thread: before a post it looks
up the ticket's thread (known only once the first post was accepted), after the first post it
records the thread Slack gave back. The outbox itself stays channel-agnostic.
"""
from django.dispatch import Signal

# The context key that names the ticket whose Slack thread a post belongs in (slack_connect.threads
# reads it at send time). Here so that any app can ask for threading without importing Slack's.
THREAD_TICKET = "thread_ticket_id"

# (notification) just before the provider is called; receivers may set keys of
# notification.context in memory. An exception here is a failed attempt, retried as usual.
before_send = Signal()

# (notification, provider_id) once the provider accepted it. Sent robustly: a receiver's error
# is logged and does not turn a delivered message into a failed one.
sent = Signal()
