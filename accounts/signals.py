"""Signals other apps listen to (accounts cannot call them: they sit above it)."""

from django.dispatch import Signal

# Sent once a client's account activation is committed (accounts.tasks,
# through the outbox: once, even after a crash); kwargs: user.
user_activated = Signal()
