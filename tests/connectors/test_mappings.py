"""The Zooniverse and SciStarter crosswalk tables only hold exact PPSR labels."""

from __future__ import annotations

from enum import StrEnum

import pytest

from hub.connectors._vocab import load_tables
from hub.schema import DifficultyLevel, ProjectScienceType, ProjectStatus, ScientificProcessInvolved

VOCABULARY: dict[str, type[StrEnum]] = {
    "projectStatus": ProjectStatus,
    "difficultyLevel": DifficultyLevel,
    "projectScienceType": ProjectScienceType,
    "oppTopics": ProjectScienceType,
    "scientificProcessInvolved": ScientificProcessInvolved,
}


@pytest.mark.parametrize("platform", ["zooniverse", "scistarter"])
def test_every_label_is_a_ppsr_label(platform):
    """Each table maps to labels of the PPSR vocabulary it is named after."""
    tables = load_tables(platform)
    assert tables
    for name, table in tables.items():
        allowed = {member.value for member in VOCABULARY[name]}
        wrong = {term: labels for term, labels in table.entries.items() if not set(labels) <= allowed}
        assert not wrong, f"mappings/{platform}.yaml table {name}: not PPSR labels: {wrong}"


def test_every_science_near_me_topic_is_decided():
    """Every topic in the Circuit OpenAPI enum has an entry (a label or a deliberate nothing)."""
    topics = [
        "agriculture", "animals", "archaeology_and_cultural", "art", "astronomy_and_space", "awards", "biology",
        "birds", "chemistry", "climate_and_weather", "computers_and_technology", "crowd_funding", "design",
        "disaster_response", "ecology_and_environment", "education", "engineering", "food", "general_science",
        "geography", "geology_and_earth_science", "health_and_medicine", "insects_and_pollinators", "mathematics",
        "nature_and_outdoors", "ocean_water_marine", "paleontology", "physics", "policy", "psychology", "religion",
        "robotics", "social_science", "sound", "technology", "transportation",
    ]  # fmt: skip
    table = load_tables("scistarter")["oppTopics"]
    assert [t for t in topics if table.lookup(t) is None] == []
