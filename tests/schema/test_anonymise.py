from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import SecretStr

from hub.config import HubSettings
from hub.errors import SchemaError
from hub.schema.anonymise import Pseudonymiser, strip_personal
from hub.schema.iris import ID_BASE

SECRET = SecretStr("a-test-secret-of-enough-length")


def test_agent_iri_is_stable_and_keyed():
    """The same user gets the same IRI; another key or platform gives another one."""
    one = Pseudonymiser(SECRET)
    iri = one.agent_iri("zooniverse", "108")
    assert iri == Pseudonymiser(SECRET).agent_iri("zooniverse", 108)
    assert iri.startswith(f"{ID_BASE}agent/zooniverse/")
    assert iri != Pseudonymiser(SecretStr("another-secret-of-enough-length")).agent_iri("zooniverse", "108")
    assert iri != one.agent_iri("inaturalist", "108")


def test_token_has_at_least_128_bits_and_hides_the_id():
    """26 base32 characters (130 bits), and the raw id does not appear."""
    token = Pseudonymiser(SECRET).token("zooniverse", "108")
    assert len(token) == 26
    assert "108" not in token


def test_session_pseudonym_differs_from_user_pseudonym():
    """A session id equal to a user id still gives a distinct agent."""
    pseudonymiser = Pseudonymiser(SECRET)
    assert pseudonymiser.session_agent_iri("zooniverse", "108") != pseudonymiser.agent_iri("zooniverse", "108")


def test_empty_ids_and_short_secrets_are_refused():
    """No IRI for a missing user id; no HMAC with a toy key."""
    with pytest.raises(SchemaError, match="empty user id"):
        Pseudonymiser(SECRET).agent_iri("zooniverse", " ")
    with pytest.raises(SchemaError, match="16 bytes"):
        Pseudonymiser(b"short")


def test_secret_comes_from_settings_and_is_not_printed():
    """The settings' secret works as the key and never shows in repr."""
    settings = HubSettings()
    pseudonymiser = Pseudonymiser(settings.anonymisation_secret)
    assert settings.anonymisation_secret.get_secret_value() not in repr(pseudonymiser)


def test_strip_personal_removes_personal_keys_at_any_depth():
    """User names, ids, IPs, sessions, user agents and viewports are gone, the rest kept."""
    raw = {
        "classification_id": 1,
        "user_name": "someone",
        "user_id": "108",
        "user_ip": "1.2.3.4",
        "metadata": {"session": "s", "user_agent": "ua", "viewport": {"w": 1}, "started_at": "t"},
        "links": [{"user": "108", "project": "5"}],
        "Email": "a@example.org",
    }
    assert strip_personal(raw) == {"classification_id": 1, "metadata": {"started_at": "t"}, "links": [{"project": "5"}]}


def test_pseudonyms_are_those_already_published():
    """Stable IRIs: the agents minted for a key never change (they are on the topics and in partners' stores)."""
    pseudonymiser = Pseudonymiser(SECRET)
    assert pseudonymiser.agent_iri("zooniverse", "108") == f"{ID_BASE}agent/zooniverse/w7eyahsuqcbu3e45svucih4dza"
    assert pseudonymiser.session_agent_iri("zooniverse", "ab12") == (
        f"{ID_BASE}agent/zooniverse/sxn4hgzgmya6arpjkjixxw352fp"
    )
    assert pseudonymiser.token("inaturalist", "Ünïcode id") == "idymrdhvwofs3h2jbvcglkkymq"


@given(platform=st.text(min_size=1, max_size=20), user_id=st.text(min_size=1, max_size=40))
def test_the_token_is_the_first_26_base32_characters_of_the_whole_hmac(platform: str, user_id: str) -> None:
    """The fast path (one-shot HMAC, 20 of the digest's bytes encoded) gives the textbook token."""
    assume(user_id.strip())
    key = SECRET.get_secret_value().encode()
    message = f"user\x1f{platform}\x1f{user_id.strip()}".encode()
    whole = base64.b32encode(hmac.new(key, message, hashlib.sha256).digest()).decode("ascii").lower()

    assert Pseudonymiser(SECRET).token(platform, user_id) == whole[:26]
