"""Pseudonymous contributors and the removal of personal fields from raw platform records.

A contributor becomes ``{base}/id/agent/{platform}/{token}``, the token a keyed HMAC-SHA256 of the platform's user
id. The same volunteer on the same platform always gets the same IRI (contributions stay linkable), but without
the secret nobody can go from the IRI back to the user id, nor test a guess of it. Names, e-mails, IP addresses,
sessions, user agents and viewports are dropped before a record reaches a model or a topic.
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Mapping
from typing import Any, Final

from pydantic import SecretStr

from hub.errors import SchemaError
from hub.schema.iris import ID_BASE

__all__ = ["PERSONAL_KEYS", "Pseudonymiser", "strip_personal"]

#: Keys whose values identify or locate a person, dropped at any depth of a raw record (case-insensitive).
#: Raw user ids are among them: connectors turn them into agent IRIs first, then strip.
PERSONAL_KEYS: Final = frozenset(
    {
        "user_name",
        "user_id",
        "user",
        "user_ids",
        "username",
        "login",
        "display_name",
        "real_name",
        "credited_name",
        "name_of_user",
        "user_ip",
        "ip",
        "ip_address",
        "remote_ip",
        "email",
        "e_mail",
        "user_email",
        "session",
        "session_id",
        "user_agent",
        "viewport",
        "user_language",
        "avatar_src",
        "user_login",
        "user_display_name",
    }
)

# 26 base32 characters = 130 bits: collisions stay negligible across every volunteer of every platform.
_TOKEN_CHARS = 26
# Whole 5-byte base32 groups covering the token's 26 characters (130 bits).
_TOKEN_SOURCE_BYTES = 20


class Pseudonymiser:
    """Turns platform user ids (or anonymous session ids) into pseudonymous agent IRIs.

    Args:
        secret: the HMAC key, ``HubSettings.anonymisation_secret``; at least 16 bytes.
    """

    def __init__(self, secret: SecretStr | bytes) -> None:
        key = secret.get_secret_value().encode() if isinstance(secret, SecretStr) else bytes(secret)
        if len(key) < 16:
            raise SchemaError("the anonymisation secret must be at least 16 bytes long")
        self._key = key

    def __repr__(self) -> str:
        return "Pseudonymiser(secret=**********)"

    def _token(self, domain: str, platform: str, value: str) -> str:
        # Domain separation: a user id and a session id that happen to be equal must not give the same token,
        # nor the same user id on two platforms.
        message = f"{domain}\x1f{platform}\x1f{value}".encode()
        # hmac.digest is the one-shot C path (no HMAC object per call), and base32 encodes each 5 bytes on their
        # own, so the token's 26 characters are those of the digest's first 20 bytes: the same token at a third of
        # the cost (an export asks for one per row).
        digest = hmac.digest(self._key, message, "sha256")
        return base64.b32encode(digest[:_TOKEN_SOURCE_BYTES]).decode("ascii").lower()[:_TOKEN_CHARS]

    def token(self, platform: str, user_id: str | int) -> str:
        """The pseudonymous token of a platform user id (lower-case base32, 130 bits)."""
        text = str(user_id).strip()
        if not text:
            raise SchemaError(f"empty user id on {platform}: a logged-out volunteer has no agent IRI")
        return self._token("user", platform, text)

    def agent_iri(self, platform: str, user_id: str | int) -> str:
        """``{base}/id/agent/{platform}/{token}`` for a logged-in volunteer.

        Raises:
            SchemaError: the user id is empty.
        """
        return f"{ID_BASE}agent/{platform}/{self.token(platform, user_id)}"

    def session_agent_iri(self, platform: str, session_id: str) -> str:
        """An agent IRI for one logged-out session (``{base}/id/agent/{platform}/s{token}``).

        Each session is a separate agent, so sessions of one person cannot be joined through the hub.

        Raises:
            SchemaError: the session id is empty.
        """
        text = session_id.strip()
        if not text:
            raise SchemaError(f"empty session id on {platform}")
        return f"{ID_BASE}agent/{platform}/s{self._token('session', platform, text)}"


def strip_personal(record: Mapping[str, Any], *, extra_keys: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A copy of a raw record without personal fields, at any depth (lists of dicts included).

    Args:
        record: a verbatim platform record.
        extra_keys: more keys to drop for this platform (lower-case).
    """
    dropped = PERSONAL_KEYS | extra_keys
    return {key: _strip(value, dropped) for key, value in record.items() if key.lower() not in dropped}


def _strip(value: Any, dropped: frozenset[str]) -> Any:
    if isinstance(value, Mapping):
        return {key: _strip(item, dropped) for key, item in value.items() if str(key).lower() not in dropped}
    if isinstance(value, list):
        return [_strip(item, dropped) for item in value]
    return value
