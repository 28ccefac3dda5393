"""The one door: every state change of a case is a function marked @service.

A service runs in a transaction and appends its custody event through
`chain.custody_append`, which refuses to run outside a service and refuses a
second event in the same call (a nested service, such as the attachments of a
new entry, appends its own). Services that change nothing the chain is about say
why in `no_event=`; tests read it (tests/custody/test_door.py).
"""
from __future__ import annotations

import functools
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import transaction

from .actors import Actor


@dataclass
class _Call:
    name: str
    events: int = 0


_current: ContextVar[_Call | None] = ContextVar("liuzheng_service", default=None)


def service(fn=None, *, durable: bool = False, no_event: str = "", when=None):
    """Mark a state change. durable=True for a door nobody may call inside another
    transaction (STYLE.md habit 9): a caller that wraps it by mistake fails at once.

    when: a read, called with the same arguments before the transaction opens; False means
    there is nothing to record and the door returns None without a transaction. On SQLite
    every transaction takes the write lock, and the doors called on reads (a lawyer's page
    view, the audio player's ranges) must not queue behind an upload for nothing."""

    def wrap(fn):
        @functools.wraps(fn)
        def door(*args, **kwargs):
            # The one place a caller's User becomes an Actor: services see only Actors.
            if kwargs.get("actor") is not None:
                kwargs["actor"] = Actor.of(kwargs["actor"])
            if when is not None and not when(*args, **kwargs):
                return None
            token = _current.set(_Call(fn.__qualname__))
            try:
                with transaction.atomic(durable=durable):
                    return fn(*args, **kwargs)
            finally:
                _current.reset(token)

        door.is_service = True
        door.no_event = no_event
        return door

    return wrap(fn) if fn is not None else wrap


def in_service() -> bool:
    return _current.get() is not None


def claim_event() -> None:
    """Called by custody_append: the service it belongs to may append one event."""
    call = _current.get()
    if call is None:
        raise RuntimeError("custody_append outside a service: state changes go through a @service function")
    if call.events:
        raise RuntimeError(f"{call.name} appended a second custody event: one door, one event")
    call.events += 1
