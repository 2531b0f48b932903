"""A partner's grant and the client configurations it is handed."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from hub.config import KafkaSettings, StreamSettings
from hub.errors import KafkaSecurityError, StreamError
from hub.security.client_config import confluent_config, java_properties, kcat_config
from hub.security.partner_users import PartnerCredentials, PartnerGrant, partner_grant
from hub.stream.kafka import KafkaClients
from hub.stream.topics import partner_topic

CLUSTER = KafkaClients(
    "127.0.0.1:9092,127.0.0.1:9093",
    KafkaSettings(security_protocol="SASL_PLAINTEXT", sasl_username="hub", sasl_password=SecretStr("hub-pw")),
)


def test_the_grant_covers_the_partners_topics_and_no_one_elses() -> None:
    stream = StreamSettings(topic_prefix="ccs")
    grant = partner_grant(stream, "ecsa")
    assert grant.username == "partner.ecsa"
    assert grant.topic_prefix == "ccs.partner.ecsa."
    assert partner_topic(stream, "ecsa", "contributions").startswith(grant.topic_prefix)
    assert not partner_topic(stream, "ecsa-x", "projects").startswith(grant.topic_prefix)
    operations = sorted((str(a.restype), str(a.operation), str(a.resource_pattern_type)) for a in grant.acls())
    assert operations == [
        ("ResourceType.GROUP", "AclOperation.READ", "ResourcePatternType.PREFIXED"),
        ("ResourceType.TOPIC", "AclOperation.DESCRIBE", "ResourcePatternType.PREFIXED"),
        ("ResourceType.TOPIC", "AclOperation.READ", "ResourcePatternType.PREFIXED"),
    ]
    assert {a.principal for a in grant.acls()} == {"User:partner.ecsa"}


def test_an_invalid_partner_name_is_refused() -> None:
    with pytest.raises(StreamError, match=r"invalid partner 'a\.b'"):
        partner_grant(StreamSettings(), "a.b")


@pytest.mark.parametrize("prefix", ["c", "ccs.", "ccs.partner.", "ccs.partner.p", "ccs.partner.px."])
def test_a_prefix_wider_than_one_partner_is_refused(prefix: str) -> None:
    with pytest.raises(KafkaSecurityError, match=r"must name the partner and end with '\.'"):
        PartnerGrant("p", "partner.p", prefix, "ccs.partner.p.")


def test_the_partner_configurations_carry_its_own_credentials_only() -> None:
    creds = PartnerCredentials(partner_grant(StreamSettings(), "ecsa"), SecretStr("partner-pw"))
    configs = creds.client_configs(CLUSTER)
    assert configs["confluent_kafka"] == {
        "bootstrap.servers": "127.0.0.1:9092,127.0.0.1:9093",
        "security.protocol": "SASL_PLAINTEXT",
        "sasl.mechanism": "SCRAM-SHA-512",
        "client.id": "partner.ecsa",
        "sasl.username": "partner.ecsa",
        "sasl.password": "partner-pw",
    }
    assert configs["aiokafka"]["sasl_plain_username"] == "partner.ecsa"
    assert configs["aiokafka"]["sasl_mechanism"] == "SCRAM-SHA-512"
    assert 'username="partner.ecsa" password="partner-pw";' in configs["java_properties"]
    assert "sasl.username=partner.ecsa\n" in configs["kcat"]
    assert "hub-pw" not in repr(configs)
    assert (configs["topic_prefix"], configs["group_prefix"]) == ("ccs.partner.ecsa.", "ccs.partner.ecsa.")


def test_tls_files_reach_every_client(tmp_path: object) -> None:
    tls = KafkaClients(
        "broker:9093",
        KafkaSettings(
            security_protocol="SASL_SSL", sasl_username="u", sasl_password=SecretStr("p"), ssl_cafile="/ca.pem"
        ),
    )
    assert confluent_config(tls)["ssl.ca.location"] == "/ca.pem"
    assert java_properties(tls)["ssl.truststore.location"] == "/ca.pem"
    assert "ssl.ca.location=/ca.pem\n" in kcat_config(tls)
