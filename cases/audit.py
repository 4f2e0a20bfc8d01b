"""Who the audit trail names. Requests get this from pghistory's middleware; services called from
tasks, commands and the shell say it themselves with `acting_as`."""

import contextlib

import pghistory


@contextlib.contextmanager
def acting_as(actor, **extra):
    """Attach the acting user (and any extra facts) to every audit row written inside."""
    user_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    with pghistory.context(user=user_id, **extra):
        yield
