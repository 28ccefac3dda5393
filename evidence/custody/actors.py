"""Who did something to a case: a user, a witness link, or a system job.

The label is written into every custody event and covered by its hash, so its
format never changes: "user:<id>:<username>", "witness:<link id>", "system[:<job>]".
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    kind: str  # "user", "witness" or "system"
    user: object | None = None  # the User, for kind "user"
    ref: str = ""  # the witness link id, or the job's name

    @classmethod
    def of(cls, who) -> Actor:
        """An Actor from an Actor or a User. Anything else is a bug: say who acted."""
        if isinstance(who, Actor):
            return who
        if getattr(who, "pk", None) is not None and hasattr(who, "username"):
            return cls("user", user=who)
        raise TypeError(f"not an actor: {who!r} (pass a User or an Actor)")

    @classmethod
    def witness(cls, link) -> Actor:
        return cls("witness", ref=str(link.pk))

    @classmethod
    def system(cls, job: str = "") -> Actor:
        return cls("system", ref=job)

    @property
    def user_or_none(self):
        return self.user if self.kind == "user" else None

    @property
    def label(self) -> str:
        if self.kind == "user":
            return f"user:{self.user.pk}:{self.user.username}"
        if self.kind == "witness":
            return f"witness:{self.ref}"
        return f"system:{self.ref}" if self.ref else "system"
