"""Signals other apps listen to (accounts cannot call them: they sit above it)."""

from django.dispatch import Signal

# Sent after commit when a client's account is activated; kwargs: user.
user_activated = Signal()
