"""The partner's side of its credentials: clients from the API's document or from flags, and what is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from hub.config import KafkaSettings, StreamSettings
from hub.errors import KafkaSecurityError
from hub.security.partner_access import access_from_document, access_from_file, access_from_flags
from hub.security.partner_users import PartnerCredentials, partner_grant
from hub.stream.kafka import KafkaClients

HUB = KafkaClients(
    "kafka1.example:9093",
    KafkaSettings(security_protocol="SASL_SSL", sasl_username="citsci-hub", sasl_password=SecretStr("hub-pw")),
)


def _document() -> dict[str, Any]:
    """What POST /partners/ecsa/credentials answers (hub.api.partner_credentials), built the same way."""
    grant = partner_grant(StreamSettings(topic_prefix="site-a"), "ecsa")
    credentials = PartnerCredentials(grant=grant, password=SecretStr("partner-pw"))
    return {
        "partner": "ecsa",
        "username": credentials.username,
        "password": "partner-pw",
        "topic_prefix": grant.topic_prefix,
        "group_prefix": grant.group_prefix,
        "clients": credentials.client_configs(HUB),
    }


def test_the_document_gives_the_partners_clients_and_the_hubs_topic_prefix() -> None:
    access = access_from_document(_document(), where="ecsa.json")
    assert access.username == "partner.ecsa"
    assert access.topic_prefix == "site-a.partner.ecsa."
    assert access.stream_prefix == "site-a"
    s = access.clients.security
    assert (access.clients.bootstrap, s.security_protocol, s.sasl_mechanism) == (
        "kafka1.example:9093",
        "SASL_SSL",
        "SCRAM-SHA-512",
    )
    assert s.sasl_username == "partner.ecsa"
    assert s.sasl_password is not None
    assert s.sasl_password.get_secret_value() == "partner-pw"


def test_a_password_and_an_address_given_override_the_documents() -> None:
    document = {**_document(), "password": None}
    with pytest.raises(KafkaSecurityError, match=r"ecsa\.json: no password; .*PARTNER_KAFKA_PASSWORD"):
        access_from_document(document, where="ecsa.json")
    access = access_from_document(document, where="ecsa.json", password="kept-elsewhere", bootstrap="k:1")
    assert access.clients.bootstrap == "k:1"
    assert access.clients.security.sasl_password == SecretStr("kept-elsewhere")


def test_a_document_of_another_kind_is_refused_naming_the_field(tmp_path: Path) -> None:
    with pytest.raises(KafkaSecurityError, match=r"x\.json: no username"):
        access_from_document({"token": "abc"}, where="x.json")
    plaintext = _document()
    plaintext["clients"]["aiokafka"]["security_protocol"] = "PLAINTEXT"
    with pytest.raises(KafkaSecurityError, match="security_protocol is PLAINTEXT, not a SASL_"):
        access_from_document(plaintext, where="x.json")
    with pytest.raises(KafkaSecurityError, match="expected a JSON object"):
        access_from_document([1, 2], where="x.json")
    with pytest.raises(KafkaSecurityError, match="cannot read the client config"):
        access_from_file(tmp_path / "absent.json")


def test_flags_sign_in_with_scram_and_need_the_password() -> None:
    access = access_from_flags("k:9092", "partner.ecsa", "pw", tls=False)
    assert access.clients.security.security_protocol == "SASL_PLAINTEXT"
    assert access_from_flags("k:9093", "partner.ecsa", "pw", tls=True).clients.security.security_protocol == "SASL_SSL"
    assert access.stream_prefix is None
    with pytest.raises(KafkaSecurityError, match=r"'partner\.ecsa' needs its password in PARTNER_KAFKA_PASSWORD"):
        access_from_flags("k:9092", "partner.ecsa", None, tls=False)
