"""One example of each published entity, with values in the platforms' real shapes.

Used by the documentation (docs/standard.md shows their JSON-LD), the round-trip tests and the benchmark.
No value here is personal data: the contributor is a pseudonym made with a throw-away key.
"""

from __future__ import annotations

from pydantic import SecretStr

from hub.schema.anonymise import Pseudonymiser
from hub.schema.base import HubModel
from hub.schema.iris import mint_iri, platform_iri
from hub.schema.models import (
    ContactPoint,
    Contribution,
    ContributionActivity,
    ContributionStatistics,
    ContributionType,
    Contributor,
    DataAccuracyDeclarations,
    DataService,
    Dataset,
    Link,
    MethodSpecification,
    Network,
    Organisation,
    ParticipationFees,
    Platform,
    Project,
    ProjectFunding,
    ProjectFundingSourceType,
    ProjectGeographicLocation,
    ProjectMedia,
    ProjectParticipants,
    ProjectRecord,
    TextualBody,
)

__all__ = ["EXAMPLE_PSEUDONYMISER", "examples"]

#: A pseudonymiser with a key that is public on purpose: examples only, never production.
EXAMPLE_PSEUDONYMISER = Pseudonymiser(SecretStr("example-key-not-a-secret-0000"))

_SCISTARTER_ID = "9b873aa0-0c23-53d5-95ae-c12902e8cae7"
_PROJECT = mint_iri("project", "scistarter", _SCISTARTER_ID)
_ZOONIVERSE_PROJECT = mint_iri("project", "zooniverse", 12345)
_BIOCOLLECT_PROJECT = mint_iri("project", "biocollect", "abc123")


def examples() -> dict[str, HubModel]:
    """A fresh example of each entity, keyed by a short name."""
    project = Project(
        iri=_PROJECT,
        project_id=_SCISTARTER_ID,
        project_date_created="2022-06-23T18:00:32Z",
        project_last_updated_date="2022-06-24T07:32:57Z",
        project_name="Time to Restore: Connecting People, Plants, and Pollinators",
        project_name_i18n={"es": "Tiempo para restaurar: personas, plantas y polinizadores"},
        project_aim="Help pollinators by tracking flowering and seed timing of plants",
        project_description="When planting to support pollinators, timing matters.",
        project_task="Track flowering and seed timing of one or more nectar plants where you live",
        project_status="Active",
        difficulty_level="Medium",
        has_tag=["Participate from home", "Suitable for children"],
        keyword=["flowering", "phenology", "pollinators", "seeds"],
        project_start_date="2022-06-23T07:00:00Z",
        project_planned_end_date="2025-12-31T07:00:00Z",
        project_duration="P3Y6M",
        project_science_type=["Biological Sciences - Ecology"],
        un_regions=["Americas \u2013 North America (003)"],
        project_country=["United States of America (the)"],
        scientific_process_involved=["Observation", "Data entry"],
        project_url="https://www.usanpn.org/TimetoRestore",
        language="en",
        project_responsible_party_name="USA National Phenology Network",
        project_responsible_party_contact_email="info@example.org",
        responsible_party=mint_iri("organisation", "scistarter", "usa-npn-4711"),
        contact_point=[
            ContactPoint(
                contact_name="Project team",
                means_of_contact="Website",
                contact_details="https://www.usanpn.org/contact",
                contact_point_type="general enquiries",
            )
        ],
        project_geographic_location=[
            ProjectGeographicLocation(
                project_pin_latitude=31.90111986552033,
                project_pin_longitude=-99.23453852487283,
                project_geographic_coverage={
                    "type": "Polygon",
                    "coordinates": [[[-109.05, 36.98], [-102.04, 36.99], [-102.05, 31.99], [-109.05, 36.98]]],
                },
            )
        ],
        project_media=[
            ProjectMedia(
                project_media_type="Image URL",
                project_media_file="https://orrery-media.s3.amazonaws.com/attr/2022-06/NPN.jpg",
                project_media_credit="USA-NPN",
            )
        ],
        participation_fees=ParticipationFees(participation_fee_applicable=False),
        project_funding=[
            ProjectFunding(
                project_funding_source="National Science Foundation",
                project_funding_source_percentage_amount=60.0,
                project_funding_source_type=ProjectFundingSourceType(funding_source_type_subset_b="NSF Grants"),
            )
        ],
        project_participants=ProjectParticipants(
            project_participants_number_of_active=420, project_participant_age=["General public", "Families"]
        ),
        number_of_scientific_publications=3,
        project_external_id=["scistarter:6984"],
        project_original_repository=["SciStarter"],
        hosted_on=[platform_iri("scistarter")],
        same_as=["https://scistarter.org/time-to-restore-connecting-people-plants-and-polli"],
    )
    record = ProjectRecord(
        iri=mint_iri("record", "scistarter", _SCISTARTER_ID),
        primary_topic=_PROJECT,
        identifier=_SCISTARTER_ID,
        was_attributed_to=platform_iri("scistarter"),
        was_derived_from="https://scistarter.org/api/project/9b873aa0-0c23-53d5-95ae-c12902e8cae7",
        generated_at_time="2024-05-01T10:00:07Z",
        was_generated_by=mint_iri("harvest", "scistarter", "2024-05-01T10:00:00Z"),
    )
    organisation = Organisation(
        iri=mint_iri("organisation", "eu-citizen-science", 42),
        name="Natural History Museum",
        url="https://www.nhm.ac.uk",
        member_of=[mint_iri("network", "hub", "ecsa")],
        same_as=["https://ror.org/039zvsn29"],
        hosted_on=[platform_iri("eu-citizen-science")],
    )
    network = Network(
        iri=mint_iri("network", "hub", "ecsa"),
        name="European Citizen Science Association",
        url="https://www.ecsa.ngo",
        has_member=[mint_iri("organisation", "eu-citizen-science", 42)],
    )
    platform = Platform(
        iri=platform_iri("zooniverse"),
        name="Zooniverse",
        url="https://www.zooniverse.org",
        service=[
            DataService(
                iri=mint_iri("service", "zooniverse", "panoptes"), endpoint_url="https://www.zooniverse.org/api"
            )
        ],
    )
    classification = Contribution(
        iri=mint_iri("contribution", "zooniverse", 611591158),
        contribution_type=ContributionType.CLASSIFICATION,
        project=_ZOONIVERSE_PROJECT,
        workflow=mint_iri("workflow", "zooniverse", 28090),
        workflow_version="4.4",
        target=[mint_iri("subject", "zooniverse", 98765432)],
        body=[TextualBody(value="T0: Yes", format="text/plain")],
        raw_annotation=[{"task": "T0", "value": 0}],
        contributor=EXAMPLE_PSEUDONYMISER.agent_iri("zooniverse", "424242"),
        created="2025-01-21T16:08:41Z",
        was_generated_by=ContributionActivity(
            started_at_time="2025-01-21T16:06:58.517Z", ended_at_time="2025-01-21T16:08:41.259Z"
        ),
        gold_standard=False,
        license="https://creativecommons.org/licenses/by/4.0/",
    )
    observation = Contribution(
        iri=mint_iri("contribution", "biocollect", "4f6c2a8e-1b7d-4c1e-9a57-0f1e2d3c4b5a"),
        contribution_type=ContributionType.OBSERVATION,
        project=_BIOCOLLECT_PROJECT,
        dataset=mint_iri("dataset", "biocollect", "def456"),
        basis_of_record="HumanObservation",
        occurrence_id="urn:uuid:4f6c2a8e-1b7d-4c1e-9a57-0f1e2d3c4b5a",
        event_date="2024-03-02",
        scientific_name="Phascolarctos cinereus",
        occurrence_status="present",
        individual_count=1,
        decimal_latitude=-28.2,
        decimal_longitude=153.5,
        coordinate_uncertainty_in_meters=1000,
        data_generalizations="Coordinates rounded to 0.1 degree by the hub",
        recorded_by=EXAMPLE_PSEUDONYMISER.agent_iri("biocollect", "u-77"),
        created="2024-03-02T09:14:00Z",
    )
    contributor = Contributor(
        iri=EXAMPLE_PSEUDONYMISER.agent_iri("zooniverse", "424242"), hosted_on=[platform_iri("zooniverse")]
    )
    statistics = ContributionStatistics(
        iri=mint_iri("statistics", "zooniverse", "12345/2025-01"),
        project=_ZOONIVERSE_PROJECT,
        period_start="2025-01-01T00:00:00Z",
        period_end="2025-02-01T00:00:00Z",
        classification_count=15321,
        active_volunteer_count=812,
    )
    dataset = Dataset(
        iri=mint_iri("dataset", "biocollect", "def456"),
        identifier="def456",
        title="Koala sightings 2024",
        abstract="Opportunistic koala sightings submitted by volunteers.",
        date_submitted="2024-01-10T00:00:00Z",
        modified="2024-04-01T00:00:00Z",
        dataset_status="Active - published - partially verified",
        access_rights="Open access",
        rights_holder="Example Council",
        license="Creative Commons Attribution (4.0) international (CC-BY 4.0)",
        dateset_start_date="2024-01-01T00:00:00Z",
        method_type="Opportunistic/ad-hoc observation",
        data_access_method=["Application Programming Interface (API)"],
        method_specification=MethodSpecification(sampling_protocol_method="Fauna survey - Active search"),
        data_accuracy_declarations=DataAccuracyDeclarations(spatial_accuracy="Medium"),
        language=["en"],
        project=_BIOCOLLECT_PROJECT,
    )
    link = Link.between(
        _PROJECT,
        mint_iri("project", "eu-citizen-science", 311),
        score=0.93,
        evidence=["same project URL", "title similarity 0.91"],
        method="hub-matcher 1",
    )
    return {
        "project": project,
        "project_record": record,
        "organisation": organisation,
        "network": network,
        "platform": platform,
        "classification": classification,
        "observation": observation,
        "contributor": contributor,
        "statistics": statistics,
        "dataset": dataset,
        "link": link,
    }
