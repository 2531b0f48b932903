from __future__ import annotations

import pytest

from hub.schema import vocab


@pytest.mark.parametrize(
    ("enum", "size"),
    [
        (vocab.ProjectStatus, 6),
        (vocab.DifficultyLevel, 3),
        (vocab.HasTag, 5),
        (vocab.ScientificProcessInvolved, 19),
        (vocab.ProjectScienceType, 110),
        (vocab.UnRegion, 18),
        (vocab.MeansOfContact, 4),
        (vocab.ProjectMediaType, 6),
        (vocab.ProjectParticipantAge, 6),
        (vocab.ProjectUsFederalSponsor, 28),
        (vocab.ProjectAssociatedPartyRole, 5),
        (vocab.FundingSourceTypeSubsetA, 9),
        (vocab.FundingSourceTypeSubsetB, 9),
        (vocab.ProjectCountry, 249),
        (vocab.DatasetStatus, 18),
        (vocab.DataAccessMethod, 9),
        (vocab.DatasetUpdateFrequency, 18),
        (vocab.DataQualityAssuranceMethod, 7),
        (vocab.SamplingProtocolMethodEcology, 41),
    ],
)
def test_vocabularies_have_every_ppsr_term(enum, size):
    """Each PPSR 2020.0 vocabulary is complete."""
    assert len(enum) == size


def test_labels_are_verbatim_including_ppsr_typos():
    """Labels are PPSR's exact strings: the missing parenthesis and the en dashes stay."""
    assert vocab.ProjectStatus.NOT_YET_STARTED.value == "Not yet started"
    assert vocab.UnRegion.ASIA_CENTRAL_ASIA_143.value == "Asia - Central Asia 143)"
    assert vocab.UnRegion.AMERICAS_SOUTH_AMERICA_005.value == "Americas \u2013 South America (005)"
    assert vocab.ProjectScienceType("Physical Sciences - Astronomical And Space Sciences")
    assert vocab.ProjectCountry("United Kingdom of Great Britain and Northern Ireland (the)")
    assert vocab.ScientificProcessInvolved("DIY hacking/making")


def test_licence_labels_map_to_creative_commons_iris():
    """A PPSR licence label has an IRI for RDF."""
    label = vocab.DatasetLicense("Creative Commons zero (CC 0)")
    assert vocab.license_iri(label) == "https://creativecommons.org/publicdomain/zero/1.0/"
