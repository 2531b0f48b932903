"""The keys that encrypt connector secrets at rest, and where the hub finds them.

A ``Keyring`` holds one or more Fernet keys (AES-128-CBC with an HMAC-SHA256, from the ``cryptography``
package): the first encrypts, every one decrypts, so records written before a rotation stay readable while it
runs. Each ciphertext names the key that made it: ``hub-secret:v1:<key id>:<Fernet token>``, the key id being
the first 12 hex digits of the key's SHA-256, so a value under a key the hub does not hold is told apart from a
damaged one, and the error can say which key is missing.

The keys come from ``HUB_SECRETS_KEY`` (comma-separated, newest first). When it is unset, a development hub
keeps them in ``<state_dir>/secrets.keys`` (mode 0600, one key per line, newest first), generated on first use;
with ``HUB_PRODUCTION=true`` an unset ``HUB_SECRETS_KEY`` is refused, since a key generated on one machine would
leave every other role unable to run its connectors.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from hub.config import HubSettings
from hub.errors import SecretsKeyError

__all__ = [
    "ENCRYPTED_PREFIX",
    "KEY_FILE_NAME",
    "Keyring",
    "encrypted_key_id",
    "generate_key",
    "is_encrypted",
    "key_file",
    "load_keyring",
    "write_key_file",
]

ENCRYPTED_PREFIX = "hub-secret:v1:"
KEY_FILE_NAME = "secrets.keys"
_KEY_ID_CHARS = 12


def generate_key() -> str:
    """A new random Fernet key (32 bytes, url-safe base64), for ``HUB_SECRETS_KEY`` or the key file."""
    return Fernet.generate_key().decode()


def _key_id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:_KEY_ID_CHARS]


def is_encrypted(value: object) -> bool:
    """True for a value this module encrypted (a string with the ``hub-secret:v1:`` prefix)."""
    return isinstance(value, str) and value.startswith(ENCRYPTED_PREFIX)


def encrypted_key_id(value: str) -> str:
    """The id of the key that encrypted ``value``.

    Raises:
        SecretsKeyError: ``value`` is not a ciphertext of this module.
    """
    body = value.removeprefix(ENCRYPTED_PREFIX)
    key_id, sep, _ = body.partition(":")
    if not is_encrypted(value) or not sep or len(key_id) != _KEY_ID_CHARS:
        raise SecretsKeyError(f"not an encrypted secret (expected {ENCRYPTED_PREFIX}<key id>:<token>)")
    return key_id


@dataclass(frozen=True)
class _Key:
    key_id: str
    fernet: Fernet


class Keyring:
    """Fernet keys by id: the first encrypts, all decrypt.

    Args:
        keys: Fernet keys, newest first.
        source: where they came from (``HUB_SECRETS_KEY`` or the key file), for error messages.

    Raises:
        SecretsKeyError: no key, or one that is not a Fernet key; the message says which entry and where.
    """

    def __init__(self, keys: Sequence[str], *, source: str) -> None:
        if not keys:
            raise SecretsKeyError(f"{source} holds no key; make one with `hub secrets generate-key`")
        self.source = source
        self._keys: dict[str, _Key] = {}
        for position, key in enumerate(keys, start=1):
            try:
                fernet = Fernet(key.encode())
            except ValueError as exc:
                raise SecretsKeyError(
                    f"{source}: key {position} of {len(keys)} is not a Fernet key (32 url-safe base64-encoded "
                    "bytes); make one with `hub secrets generate-key`"
                ) from exc
            self._keys.setdefault(_key_id(key), _Key(_key_id(key), fernet))
        self.current_id = _key_id(keys[0])
        self._raw = tuple(dict.fromkeys(keys))

    @property
    def key_ids(self) -> list[str]:
        """Every key's id, the encrypting one first."""
        return list(self._keys)

    @property
    def keys(self) -> tuple[str, ...]:
        """The keys themselves, newest first (for writing the key file)."""
        return self._raw

    def encrypt(self, plaintext: str) -> str:
        """``plaintext`` encrypted with the current key, as ``hub-secret:v1:<key id>:<token>``."""
        token = self._keys[self.current_id].fernet.encrypt(plaintext.encode()).decode()
        return f"{ENCRYPTED_PREFIX}{self.current_id}:{token}"

    def decrypt(self, value: str) -> str:
        """The plaintext of a value ``encrypt`` made, with whichever of the keys made it.

        Raises:
            SecretsKeyError: the key that made it is not in this keyring, or the value was altered or damaged.
        """
        key_id = encrypted_key_id(value)
        key = self._keys.get(key_id)
        if key is None:
            raise SecretsKeyError(
                f"encrypted with key {key_id}, which is not among the keys of {self.source} "
                f"({', '.join(self.key_ids)}); add that key (after the current one) to decrypt it"
            )
        token = value.removeprefix(f"{ENCRYPTED_PREFIX}{key_id}:")
        try:
            return key.fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise SecretsKeyError(f"the value under key {key_id} is damaged or was altered; store it again") from exc


def key_file(settings: HubSettings) -> Path:
    """Where a development hub keeps its keys: ``<state_dir>/secrets.keys``."""
    return settings.state_dir / KEY_FILE_NAME


def write_key_file(path: Path, keys: Sequence[str]) -> None:
    """Replace the key file with ``keys`` (newest first), readable by its owner only, in one atomic step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    # Created with 0600 from the start, so the keys are never readable by others, not even for a moment.
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write("".join(f"{key}\n" for key in keys))
        partial.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise


def _read_key_file(path: Path) -> list[str]:
    try:
        text = path.read_text()
    except OSError as exc:
        raise SecretsKeyError(f"cannot read the secrets key file {path}: {exc}") from exc
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _development_keys(path: Path) -> list[str]:
    if path.exists():
        return _read_key_file(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Two roles starting at once (hub up's, or two workers on one state dir) must agree on one key, and neither may
    # read the file before its key is in it: the key is written to a private file first, then linked into place.
    # A link, unlike a rename, never replaces a key file another role made meanwhile; the one that loses reads it.
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=path.parent)  # mode 0600, unique
    partial = Path(name)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(generate_key() + "\n")
        with contextlib.suppress(FileExistsError):
            os.link(partial, path)
    finally:
        with contextlib.suppress(OSError):
            partial.unlink()
    return _read_key_file(path)


def load_keyring(settings: HubSettings) -> Keyring:
    """The keys connector secrets are encrypted with: ``HUB_SECRETS_KEY``, or the development key file.

    Raises:
        SecretsKeyError: ``HUB_PRODUCTION=true`` without ``HUB_SECRETS_KEY``, or a key that is not a Fernet key.
    """
    if settings.secrets_key is not None:
        keys = [part.strip() for part in settings.secrets_key.get_secret_value().split(",") if part.strip()]
        return Keyring(keys, source="HUB_SECRETS_KEY")
    if settings.production:
        raise SecretsKeyError(
            "HUB_PRODUCTION=true needs HUB_SECRETS_KEY, the key that encrypts connector secrets (the same on every "
            "role); make one with `hub secrets generate-key` and keep it in your secret store"
        )
    path = key_file(settings)
    return Keyring(_development_keys(path), source=str(path))
