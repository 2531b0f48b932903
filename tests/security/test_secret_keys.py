"""The keys of connector secrets: encryption with a key id, several keys, wrong and missing keys, where keys live."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from hub.config import HubSettings
from hub.errors import SecretsKeyError
from hub.runtime import check_secrets_keys
from hub.security import secret_keys
from hub.security.secret_keys import (
    ENCRYPTED_PREFIX,
    Keyring,
    encrypted_key_id,
    generate_key,
    is_encrypted,
    key_file,
    load_keyring,
)

OLD, NEW = generate_key(), generate_key()


def test_a_secret_round_trips_and_its_ciphertext_names_the_key() -> None:
    """Encrypting gives a prefixed ciphertext carrying the key id, which decrypts to the plaintext."""
    keyring = Keyring([NEW], source="test")
    sealed = keyring.encrypt("platform-token-123")
    assert sealed.startswith(ENCRYPTED_PREFIX)
    assert "platform-token-123" not in sealed
    assert encrypted_key_id(sealed) == keyring.current_id
    assert keyring.decrypt(sealed) == "platform-token-123"
    assert sealed != keyring.encrypt("platform-token-123"), "each encryption is fresh (random IV)"


def test_the_first_key_encrypts_and_every_key_decrypts() -> None:
    """A keyring with a new and an old key reads values of both and writes with the new one."""
    old = Keyring([OLD], source="test")
    both = Keyring([NEW, OLD], source="test")
    under_old = old.encrypt("s")
    assert both.decrypt(under_old) == "s"
    assert encrypted_key_id(both.encrypt("s")) == both.current_id != old.current_id
    assert both.key_ids == [both.current_id, old.current_id]


def test_a_value_under_a_key_the_keyring_lacks_says_which_key() -> None:
    """Decrypting with the wrong keys names the missing key id and the keys held, not a bare crypto error."""
    under_old = Keyring([OLD], source="test").encrypt("s")
    new = Keyring([NEW], source="HUB_SECRETS_KEY")
    with pytest.raises(
        SecretsKeyError, match=rf"key {encrypted_key_id(under_old)}, which is not among .*HUB_SECRETS_KEY"
    ):
        new.decrypt(under_old)


def test_an_altered_ciphertext_is_refused() -> None:
    """A ciphertext with one character changed fails its HMAC and says it was damaged."""
    keyring = Keyring([NEW], source="test")
    sealed = keyring.encrypt("s")
    altered = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
    with pytest.raises(SecretsKeyError, match="damaged or was altered"):
        keyring.decrypt(altered)
    with pytest.raises(SecretsKeyError, match="not an encrypted secret"):
        keyring.decrypt("plain text")
    assert not is_encrypted("plain text")


def test_a_bad_key_is_refused_naming_its_position() -> None:
    """A HUB_SECRETS_KEY entry that is not a Fernet key is refused, saying which one and how to make one."""
    settings = HubSettings(secrets_key=SecretStr(f"{NEW},not-a-key"))
    with pytest.raises(SecretsKeyError, match=r"HUB_SECRETS_KEY: key 2 of 2 is not a Fernet key.*generate-key"):
        load_keyring(settings)


def test_the_environment_keys_are_used_newest_first() -> None:
    """HUB_SECRETS_KEY=<new>,<old> encrypts with <new> and reads both."""
    keyring = load_keyring(HubSettings(secrets_key=SecretStr(f"{NEW}, {OLD}")))
    assert keyring.source == "HUB_SECRETS_KEY"
    assert keyring.current_id == Keyring([NEW], source="x").current_id
    assert len(keyring.key_ids) == 2


def test_development_generates_a_private_key_file_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without HUB_SECRETS_KEY a development hub makes <state>/secrets.keys, mode 0600, and keeps using it."""
    monkeypatch.delenv("HUB_SECRETS_KEY")
    settings = HubSettings(state_dir=tmp_path / "state")
    first = load_keyring(settings)
    path = key_file(settings)
    assert path == tmp_path / "state" / "secrets.keys"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_keyring(settings).current_id == first.current_id
    assert first.decrypt(load_keyring(settings).encrypt("s")) == "s"


def test_a_role_starting_while_another_makes_the_key_file_never_finds_it_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers on one state dir: the key file appears with its key in it, and the second role keeps the first's.

    The second role is played from inside the first one's key generation, the moment a half-made file would show.
    """
    monkeypatch.delenv("HUB_SECRETS_KEY")
    settings = HubSettings(state_dir=tmp_path / "state")
    path = key_file(settings)
    other: list[Keyring] = []
    calls: list[str] = []

    def generate_while_another_role_starts() -> str:
        calls.append("generate")
        if len(calls) == 1:
            other.append(load_keyring(settings))  # the other role, meanwhile: it makes the file itself
        return generate_key()

    monkeypatch.setattr(secret_keys, "generate_key", generate_while_another_role_starts)
    first = load_keyring(settings)

    assert first.current_id == other[0].current_id
    assert len(path.read_text().split()) == 1
    assert [p.name for p in path.parent.iterdir()] == ["secrets.keys"]


def test_production_without_a_key_is_refused_at_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """HUB_PRODUCTION=true with no HUB_SECRETS_KEY stops the start with what to do, and writes no key file."""
    monkeypatch.delenv("HUB_SECRETS_KEY")
    monkeypatch.setenv("HUB_PRODUCTION", "true")
    settings = HubSettings(state_dir=tmp_path)
    with pytest.raises(SecretsKeyError, match=r"HUB_PRODUCTION=true needs HUB_SECRETS_KEY.*generate-key"):
        check_secrets_keys(settings)
    assert not key_file(settings).exists()
    check_secrets_keys(HubSettings(state_dir=tmp_path, secrets_key=SecretStr(NEW)))
