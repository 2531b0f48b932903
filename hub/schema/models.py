"""The entities the hub publishes, as pydantic models whose JSON keys are PPSR Core 2020.0 attribute names.

Every PPSR "Mandatory" attribute that platforms routinely leave out is optional here: a Project or Dataset says how
far it conforms (``conformance``: ``complete`` or ``partial``) instead of carrying invented "Unknown" values.
Only what the hub cannot do without is required: the IRI and, for a project, its id and name.

Python names are snake_case; the JSON key is the camelCase alias (``project_name`` <-> ``projectName``) or an
explicit alias. Both are accepted on input.
"""

from __future__ import annotations

import hashlib
import re
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    PlainSerializer,
    computed_field,
    model_validator,
)

from hub.schema.base import HubModel, Iri, Node, WebUrl
from hub.schema.iris import mint_iri
from hub.schema.vocab import (
    AccessRights,
    AccuracyLevel,
    DataAccessMethod,
    DataQualityAssuranceMethod,
    DatasetLicense,
    DatasetStatus,
    DatasetUpdateFrequency,
    DifficultyLevel,
    FundingSourceTypeSubsetA,
    FundingSourceTypeSubsetB,
    HasTag,
    MeansOfContact,
    MethodType,
    ProjectAssociatedPartyRole,
    ProjectCountry,
    ProjectMediaType,
    ProjectParticipantAge,
    ProjectScienceType,
    ProjectStatus,
    ProjectUsFederalSponsor,
    SamplingProtocolMethodEcology,
    ScientificProcessInvolved,
    UnRegion,
    license_iri,
)

__all__ = [
    "PPSR_CORE_ATTRIBUTES",
    "Conformance",
    "ContactPoint",
    "Contribution",
    "ContributionActivity",
    "ContributionStatistics",
    "ContributionType",
    "Contributor",
    "DataAccuracyDeclarations",
    "DataManagementPlan",
    "DataService",
    "Dataset",
    "DatasetAssociatedMedia",
    "Link",
    "MethodSpecification",
    "Network",
    "Organisation",
    "ParticipationFees",
    "Platform",
    "Project",
    "ProjectAssociatedParty",
    "ProjectFunding",
    "ProjectFundingSourceType",
    "ProjectGeographicLocation",
    "ProjectMedia",
    "ProjectParticipants",
    "ProjectRecord",
    "TextualBody",
]

#: Where the PPSR Core project attributes are defined; every Project states it conforms to it.
PPSR_CORE_ATTRIBUTES = "https://core.citizenscience.org/docs/project/core-attributes"
PPSR_DATASET_MODEL = "https://core.citizenscience.org/docs/dataset"

Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
Count = Annotated[int, Field(ge=0)]
# ISO 8601 duration as PPSR writes it ("P3Y0M0DT0H0M0S"); years and months do not fit a timedelta.
_DURATION = re.compile(r"^-?P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")


def _check_duration(value: str) -> str:
    if not _DURATION.match(value):
        raise ValueError(f"{value!r} is not an ISO 8601 duration such as 'P3Y0M0DT0H0M0S'")
    return value


Duration = Annotated[str, AfterValidator(_check_duration)]
# BCP 47 language tag ("en", "pt-BR"). PPSR's definition conflates language and character set, and real PPSR
# data says "UTF-8": a character set is refused rather than published as a language.
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_CHARSET = re.compile(r"^(utf|ucs|iso|ascii|us-ascii|latin|windows|cp|ibm)[-_]?\d*", re.IGNORECASE)


def _check_language(value: str) -> str:
    if _CHARSET.match(value):
        raise ValueError(f"{value!r} is a character set, not a language; use a BCP 47 tag such as 'en'")
    if not _LANGUAGE.match(value):
        raise ValueError(f"{value!r} is not a BCP 47 language tag such as 'en' or 'pt-BR'")
    return value


LanguageTag = Annotated[str, AfterValidator(_check_language)]
Text = Annotated[str, Field(min_length=1)]


def _missing(model: Node, names: tuple[str, ...]) -> list[str]:
    """JSON keys of the attributes in ``names`` (Python names) that are absent or empty."""
    fields = type(model).model_fields
    out = []
    for name in names:
        value = getattr(model, name)
        # Type checks, not ``value == []``: comparing a nested model to a list runs pydantic's __eq__ in Python.
        if value is None or (isinstance(value, list | str) and not value):
            out.append(fields[name].alias or name)
    return out


# ---------------------------------------------------------------------------------------------------------------
# Project (PPSR Project Metadata Model) and its nested classes
# ---------------------------------------------------------------------------------------------------------------


class ContactPoint(Node):
    """PPSR ``contactPoint``: how to contact the project (vcard:Kind)."""

    TYPES: ClassVar[tuple[str, ...]] = ("ContactPoint",)

    contact_name: Text | None = None
    means_of_contact: MeansOfContact | None = None
    contact_details: Text | None = None
    # PPSR's contactPointType vocabulary is "to be determined": free text until it is.
    contact_point_type: Text | None = None


class ProjectMedia(Node):
    """PPSR ``projectMedia``: a logo, image, audio or video of the project."""

    TYPES: ClassVar[tuple[str, ...]] = ("ProjectMedia",)

    project_media_type: ProjectMediaType | None = None
    project_media_file: Iri
    project_media_credit: Text | None = None


class ProjectGeographicLocation(Node):
    """PPSR ``projectGeographicLocation``: the project's pin and/or its GeoJSON footprint."""

    TYPES: ClassVar[tuple[str, ...]] = ("ProjectGeographicLocation",)

    project_pin_latitude: Latitude | None = None
    project_pin_longitude: Longitude | None = None
    project_geographic_coverage: dict[str, Any] | None = Field(None, description="A GeoJSON geometry or feature.")
    project_geographic_coverage_centroid_latitude: Latitude | None = None
    project_geographic_coverage_centroid_longitude: Longitude | None = None

    @model_validator(mode="after")
    def _pin_is_a_pair(self) -> ProjectGeographicLocation:
        if (self.project_pin_latitude is None) != (self.project_pin_longitude is None):
            raise ValueError("projectPinLatitude and projectPinLongitude come together or not at all")
        return self


class ProjectAssociatedParty(Node):
    """PPSR extension ``projectAssociatedParty``: a partner, sponsor or collaborator."""

    TYPES: ClassVar[tuple[str, ...]] = ("ProjectAssociatedParty",)

    project_associated_party_id: Text | None = None
    project_associated_party_name: Text | None = None
    project_us_federal_sponsor: ProjectUsFederalSponsor | None = None
    project_associated_party_role: ProjectAssociatedPartyRole | None = None


class ParticipationFees(Node):
    """PPSR extension ``participationFees``."""

    TYPES: ClassVar[tuple[str, ...]] = ("ParticipationFees",)

    participation_fee_applicable: bool
    participation_fee_amount: Annotated[float, Field(ge=0)] | None = None


class ProjectFundingSourceType(Node):
    """PPSR extension ``projectFundingSourceType`` (Australian subset A, US subset B)."""

    TYPES: ClassVar[tuple[str, ...]] = ("ProjectFundingSourceType",)

    funding_source_type_subset_a: FundingSourceTypeSubsetA | None = Field(None, alias="fundingSourceTypeSubsetA")
    funding_source_type_subset_b: FundingSourceTypeSubsetB | None = Field(None, alias="fundingSourceTypeSubsetB")


class ProjectFunding(Node):
    """PPSR extension ``projectFunding``: one funding source."""

    TYPES: ClassVar[tuple[str, ...]] = ("ProjectFunding",)

    project_funding_source: Text | None = None
    project_funding_source_percentage_amount: Annotated[float, Field(ge=0, le=100)] | None = None
    project_funding_source_currency_amount: Annotated[float, Field(ge=0)] | None = None
    project_funding_source_type: ProjectFundingSourceType | None = None


class ProjectParticipants(Node):
    """PPSR extension ``projectParticipants``: how many take part, and who."""

    TYPES: ClassVar[tuple[str, ...]] = ("ProjectParticipants",)

    project_participants_number_of_active: Count | None = None
    project_participants_total_registered: Count | None = None
    project_participant_age: list[ProjectParticipantAge] = Field(default_factory=list)


class Conformance(StrEnum):
    """How far a record meets its PPSR model: every Mandatory attribute present, or some missing."""

    COMPLETE = "complete"
    PARTIAL = "partial"


class Project(HubModel):
    """A citizen-science project as listed on one platform (PPSR PMM core and extension attributes).

    One IRI per platform listing: ``{base}/id/project/{platform}/{native id}``. The same real-world project on
    another platform is another Project, linked by a `Link` (``schema:sameAs``).
    """

    ENTITY: ClassVar[Literal["projects"]] = "projects"
    TYPES: ClassVar[tuple[str, ...]] = ("Project", "ResearchProject")
    COMPUTED_KEYS: ClassVar[frozenset[str]] = frozenset(
        {"type", "jsonld_type", "conformance", "conformsTo", "conforms_to"}
    )
    #: PPSR core attributes marked Mandatory (projectMedia is Optional in the table, despite the JSON Schema).
    MANDATORY: ClassVar[tuple[str, ...]] = (
        "project_id",
        "project_date_created",
        "project_last_updated_date",
        "project_name",
        "project_aim",
        "project_description",
        "project_status",
        "project_start_date",
        "project_duration",
        "project_science_type",
        "language",
        "project_responsible_party_name",
        "project_responsible_party_contact_email",
        "contact_point",
        "project_geographic_location",
    )

    # PMM core attributes
    project_id: Text = Field(description="The platform's own identifier of the project.")
    project_date_created: AwareDatetime | None = None
    project_last_updated_date: AwareDatetime | None = None
    project_name: Text
    project_aim: Text | None = None
    project_description: Text | None = None
    has_tag: list[HasTag] = Field(default_factory=list)
    difficulty_level: DifficultyLevel | None = None
    keyword: list[Text] = Field(default_factory=list)
    project_status: ProjectStatus | None = None
    project_start_date: AwareDatetime | None = None
    project_end_date: AwareDatetime | None = None
    project_duration: Duration | None = None
    project_science_type: list[ProjectScienceType] = Field(default_factory=list)
    project_url: WebUrl | None = None
    un_regions: list[UnRegion] = Field(default_factory=list)
    language: LanguageTag | None = None
    project_locality: Text | None = None
    project_responsible_party_name: Text | None = None
    project_responsible_party_contact_email: Text | None = None
    contact_point: list[ContactPoint] = Field(default_factory=list)
    project_media: list[ProjectMedia] = Field(default_factory=list)
    project_geographic_location: list[ProjectGeographicLocation] = Field(default_factory=list)
    activity: list[Iri] = Field(default_factory=list, description="Dataset/activity IRIs (PPSR DMM link).")

    # PMM extension attributes
    project_external_id: list[Text] = Field(default_factory=list)
    belongs_to_programme: Iri | None = None
    project_original_repository: list[Text] = Field(default_factory=list)
    project_how_to_participate: Text | None = None
    project_task: Text | None = None
    project_intended_outcomes: list[Text] = Field(default_factory=list)
    project_outcome: list[Text] = Field(default_factory=list)
    scientific_process_involved: list[ScientificProcessInvolved] = Field(default_factory=list)
    number_of_scientific_publications: Count | None = None
    number_of_other_publications: Count | None = None
    project_additional_information: Text | None = None
    project_country: list[ProjectCountry] = Field(default_factory=list)
    project_equipment: Text | None = None
    project_external_links: list[WebUrl] = Field(default_factory=list)
    project_planned_start_date: AwareDatetime | None = None
    project_planned_end_date: AwareDatetime | None = None
    # PPSR's projectResearchType vocabulary is "not yet defined": free text until it is.
    project_research_type: Text | None = None
    project_scientific_collaborators: list[Text] = Field(default_factory=list)
    project_associated_party: list[ProjectAssociatedParty] = Field(default_factory=list)
    participation_fees: ParticipationFees | None = None
    project_funding: list[ProjectFunding] = Field(default_factory=list)
    project_participants: ProjectParticipants | None = None

    # Translations (JSON-LD language maps): {"lv": "...", "en": "..."}; same RDF properties as the plain keys.
    project_name_i18n: dict[LanguageTag, Text] = Field(default_factory=dict, alias="projectName_i18n")
    project_aim_i18n: dict[LanguageTag, Text] = Field(default_factory=dict, alias="projectAim_i18n")
    project_description_i18n: dict[LanguageTag, Text] = Field(default_factory=dict, alias="projectDescription_i18n")
    project_how_to_participate_i18n: dict[LanguageTag, Text] = Field(
        default_factory=dict, alias="projectHowToParticipate_i18n"
    )
    project_task_i18n: dict[LanguageTag, Text] = Field(default_factory=dict, alias="projectTask_i18n")

    # hub extensions
    hosted_on: list[Iri] = Field(default_factory=list, description="Platform IRIs that list this project.")
    responsible_party: Iri | None = Field(None, description="Organisation IRI of projectResponsiblePartyName.")
    same_as: list[Iri] = Field(default_factory=list, description="The listing's own page(s) on its platform.")

    def missing_mandatory(self) -> list[str]:
        """PPSR names of the Mandatory core attributes this record does not have."""
        return _missing(self, self.MANDATORY)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def conformance(self) -> Conformance:
        """``complete`` when every PPSR Mandatory core attribute is present, else ``partial``."""
        return Conformance.PARTIAL if self.missing_mandatory() else Conformance.COMPLETE

    @computed_field(alias="conformsTo")  # type: ignore[prop-decorator]
    @property
    def conforms_to(self) -> list[str]:
        """The PPSR Core model the record follows."""
        return [PPSR_CORE_ATTRIBUTES]


class ProjectRecord(HubModel):
    """The hub's harvest of one platform listing (``dcat:CatalogRecord``): where and when it came from."""

    ENTITY: ClassVar[Literal["projects"]] = "projects"
    TYPES: ClassVar[tuple[str, ...]] = ("ProjectRecord",)
    HASH_EXCLUDE: ClassVar[frozenset[str]] = frozenset({"generated_at_time", "was_generated_by"})

    primary_topic: Iri = Field(description="The Project IRI this record describes.")
    identifier: Text = Field(description="The platform's native id of the listing.")
    was_attributed_to: Iri = Field(description="The platform IRI.")
    was_derived_from: WebUrl = Field(description="The source API URL the listing was read from.")
    generated_at_time: AwareDatetime = Field(description="Harvest time.")
    was_generated_by: Iri = Field(description="IRI of the connector run (``harvest`` class).")


# ---------------------------------------------------------------------------------------------------------------
# Organisations, networks, platforms
# ---------------------------------------------------------------------------------------------------------------


class Organisation(HubModel):
    """An organisation responsible for or partnering in projects (schema:Organization, org:Organization)."""

    ENTITY: ClassVar[Literal["organisations"]] = "organisations"
    TYPES: ClassVar[tuple[str, ...]] = ("Organization", "FormalOrganization")

    name: Text
    url: WebUrl | None = None
    description: Text | None = None
    member_of: list[Iri] = Field(default_factory=list, description="Network IRIs.")
    same_as: list[Iri] = Field(default_factory=list, description="ROR IRI and other authority records.")
    hosted_on: list[Iri] = Field(default_factory=list, description="Platform IRIs that list this organisation.")


class Network(HubModel):
    """An association of citizen-science actors: CSA, ECSA, ACSA, national networks."""

    ENTITY: ClassVar[Literal["organisations"]] = "organisations"
    TYPES: ClassVar[tuple[str, ...]] = ("Network", "Organization")

    name: Text
    url: WebUrl | None = None
    description: Text | None = None
    has_member: list[Iri] = Field(default_factory=list)
    member_of: list[Iri] = Field(default_factory=list)
    same_as: list[Iri] = Field(default_factory=list)


class DataService(Node):
    """A platform's API (``dcat:DataService``)."""

    TYPES: ClassVar[tuple[str, ...]] = ("DataService",)

    iri: Iri = Field(alias="id")
    endpoint_url: WebUrl = Field(alias="endpointURL")


class Platform(HubModel):
    """A citizen-science platform the hub harvests (Zooniverse, SciStarter, EU-Citizen.Science...)."""

    ENTITY: ClassVar[Literal["platforms"]] = "platforms"
    TYPES: ClassVar[tuple[str, ...]] = ("Platform", "WebApplication", "Catalog")

    name: Text
    url: WebUrl
    description: Text | None = None
    service: list[DataService] = Field(default_factory=list)


# ---------------------------------------------------------------------------------------------------------------
# Contributions and contributors
# ---------------------------------------------------------------------------------------------------------------


class ContributionType(StrEnum):
    """What a volunteer contributed; the value is the hub class term."""

    CLASSIFICATION = "hub:Classification"
    TRANSCRIPTION = "hub:Transcription"
    TAG = "hub:Tag"
    OBSERVATION = "hub:Observation"


_MOTIVATION = {
    ContributionType.CLASSIFICATION: "oa:classifying",
    ContributionType.TRANSCRIPTION: "oa:describing",
    ContributionType.TAG: "oa:tagging",
}


class TextualBody(Node):
    """A Web Annotation body holding text: the answer, transcription or tag."""

    TYPES: ClassVar[tuple[str, ...]] = ("TextualBody",)

    value: str
    format: Text | None = Field(None, description="Media type, e.g. text/plain.")
    language: LanguageTag | None = None


class ContributionActivity(Node):
    """The volunteer's work session that produced a contribution (``prov:Activity``)."""

    TYPES: ClassVar[tuple[str, ...]] = ("Activity",)

    started_at_time: AwareDatetime | None = None
    ended_at_time: AwareDatetime | None = None


class Contribution(HubModel):
    """One volunteer contribution.

    A classification, transcription or tag is a Web Annotation (``oa:Annotation``) on a subject; an observation is
    a Darwin Core occurrence. The contributor is a pseudonymous IRI (``hub.schema.anonymise``) or absent.
    """

    ENTITY: ClassVar[Literal["contributions"]] = "contributions"

    contribution_type: ContributionType
    project: Iri
    created: AwareDatetime | None = None
    contributor: Iri | None = Field(None, description="Pseudonymous agent IRI; never a name or raw user id.")
    license: Iri | None = None
    was_derived_from: Iri | None = None
    was_generated_by: ContributionActivity | None = None

    # Web Annotation (classification, transcription, tag)
    workflow: Iri | None = None
    workflow_version: Text | None = None
    target: list[Iri] = Field(default_factory=list, description="The subject(s) (image, page, sound) annotated.")
    body: list[TextualBody] = Field(default_factory=list)
    raw_annotation: Any = Field(None, description="The platform's annotation JSON, verbatim (rdf:JSON).")
    gold_standard: bool | None = None
    expert: bool | None = None

    # Darwin Core occurrence (observation)
    dataset: Iri | None = None
    basis_of_record: Text | None = None
    occurrence_id: Text | None = Field(None, alias="occurrenceID")
    event_date: Text | None = Field(None, description="ISO 8601 date, time or interval, as Darwin Core allows.")
    scientific_name: Text | None = None
    taxon_id: Text | None = Field(None, alias="taxonID")
    occurrence_status: Literal["present", "absent"] | None = None
    individual_count: Count | None = None
    decimal_latitude: Latitude | None = None
    decimal_longitude: Longitude | None = None
    coordinate_uncertainty_in_meters: Annotated[float, Field(gt=0)] | None = None
    data_generalizations: Text | None = None
    information_withheld: Text | None = None
    recorded_by: Iri | None = Field(None, description="Pseudonymous agent IRI (dwciri:recordedBy).")

    @model_validator(mode="after")
    def _fits_its_kind(self) -> Contribution:
        if self.contribution_type is ContributionType.OBSERVATION:
            if self.target or self.body:
                raise ValueError("an observation has no annotation target or body; use the Darwin Core fields")
        elif self.basis_of_record is not None or self.scientific_name is not None:
            raise ValueError(
                f"{self.contribution_type.value} is an annotation; Darwin Core fields are for observations"
            )
        if (self.decimal_latitude is None) != (self.decimal_longitude is None):
            raise ValueError("decimalLatitude and decimalLongitude come together or not at all")
        return self

    def jsonld_types(self) -> tuple[str, ...]:
        """``Contribution, Annotation, Entity``, or ``Contribution, Occurrence, Entity`` for observations."""
        if self.contribution_type is ContributionType.OBSERVATION:
            return ("Contribution", "Occurrence", "Entity")
        return ("Contribution", "Annotation", "Entity")

    COMPUTED_KEYS: ClassVar[frozenset[str]] = frozenset({"type", "jsonld_type", "motivation"})

    @computed_field  # type: ignore[prop-decorator]
    @property
    def motivation(self) -> str | None:
        """The Web Annotation motivation: ``oa:classifying``, ``oa:describing`` or ``oa:tagging``."""
        return _MOTIVATION.get(self.contribution_type)

    def partition_key(self) -> str:
        """The project IRI, so a project's contributions stay in order in one partition."""
        return self.project


class Contributor(HubModel):
    """A pseudonymous volunteer: an IRI and the platform, nothing else (no name, e-mail or profile)."""

    ENTITY: ClassVar[Literal["contributions"]] = "contributions"
    TYPES: ClassVar[tuple[str, ...]] = ("Contributor", "Agent")

    hosted_on: list[Iri] = Field(default_factory=list, description="The platform IRI the pseudonym belongs to.")


class ContributionStatistics(HubModel):
    """Aggregate contribution counts of one project over one period."""

    ENTITY: ClassVar[Literal["statistics"]] = "statistics"
    TYPES: ClassVar[tuple[str, ...]] = ("ContributionStatistics",)
    HASH_EXCLUDE: ClassVar[frozenset[str]] = frozenset({"generated_at_time"})

    project: Iri
    period_start: AwareDatetime
    period_end: AwareDatetime
    classification_count: Count | None = None
    transcription_count: Count | None = None
    observation_count: Count | None = None
    active_volunteer_count: Count | None = None
    generated_at_time: AwareDatetime | None = None

    @model_validator(mode="after")
    def _period_is_ordered(self) -> ContributionStatistics:
        if self.period_end <= self.period_start:
            raise ValueError("periodEnd must be after periodStart")
        return self

    # No partition_key override: the statistics topic is compacted, so each record is keyed by its own IRI
    # (which names project and period); keying by the project would keep only the latest period.


# ---------------------------------------------------------------------------------------------------------------
# Datasets (PPSR Dataset Metadata Model)
# ---------------------------------------------------------------------------------------------------------------


def _license_from_iri(value: Any) -> Any:
    # Published documents carry the licence IRI; models hold the PPSR label.
    if isinstance(value, str):
        for label in DatasetLicense:
            if license_iri(label) == value:
                return label
    return value


LicenseLabel = Annotated[
    DatasetLicense,
    BeforeValidator(_license_from_iri),
    PlainSerializer(license_iri, return_type=str, when_used="json"),
]


class MethodSpecification(Node):
    """PPSR DMM ``methodSpecification``: the sampling protocol."""

    TYPES: ClassVar[tuple[str, ...]] = ("MethodSpecification",)

    sampling_protocol_domain: Text | None = None
    sampling_protocol_method: SamplingProtocolMethodEcology | Text | None = None
    method_abstract: Text | None = None
    method_url: WebUrl | None = None
    method_doc_url: WebUrl | None = None


class DatasetAssociatedMedia(Node):
    """PPSR DMM ``datasetAssociatedMedia``."""

    TYPES: ClassVar[tuple[str, ...]] = ("DatasetAssociatedMedia",)

    dataset_associated_media_type: ProjectMediaType | None = None
    dataset_associated_media_file: Iri
    dataset_associated_media_credit: Text | None = None


class DataAccuracyDeclarations(Node):
    """PPSR DMM ``dataAccuracyDeclarations``."""

    TYPES: ClassVar[tuple[str, ...]] = ("DataAccuracyDeclarations",)

    spatial_accuracy: AccuracyLevel | None = None
    temporal_accuracy: AccuracyLevel | None = None
    species_identification_accuracy: AccuracyLevel | None = None
    non_taxonomic_accuracy: AccuracyLevel | None = None


class DataManagementPlan(Node):
    """PPSR DMM ``dataManagementPlan``."""

    TYPES: ClassVar[tuple[str, ...]] = ("DataManagementPlan",)

    is_data_management_policy_documented: bool
    data_management_policy_description: Text | None = None
    data_management_policy_url: WebUrl | None = Field(None, alias="dataManagementPolicyURL")
    data_management_policy_document: WebUrl | None = None
    data_management_principles_conformance: Text | None = None


class Dataset(HubModel):
    """A collection of a project's observations (PPSR DMM); DMM's ``dcterms:*`` names are the JSON keys."""

    ENTITY: ClassVar[Literal["datasets"]] = "datasets"
    TYPES: ClassVar[tuple[str, ...]] = ("Dataset",)
    COMPUTED_KEYS: ClassVar[frozenset[str]] = frozenset(
        {"type", "jsonld_type", "conformance", "conformsTo", "conforms_to"}
    )
    MANDATORY: ClassVar[tuple[str, ...]] = (
        "identifier",
        "date_submitted",
        "modified",
        "dataset_status",
        "title",
        "abstract",
        "access_rights",
        "rights_holder",
        "license",
        "dateset_start_date",
        "method_type",
        "data_access_method",
        "method_specification",
    )

    # DMM core terms
    activity_id: Text | None = None
    identifier: Text = Field(alias="dcterms:identifier")
    date_submitted: AwareDatetime | None = Field(None, alias="dcterms:dateSubmitted")
    modified: AwareDatetime | None = Field(None, alias="dcterms:modified")
    dataset_status: DatasetStatus | None = None
    title: Text = Field(alias="dcterms:title")
    abstract: Text | None = Field(None, alias="dcterms:abstract")
    access_rights: AccessRights | None = Field(None, alias="dcterms:accessRights")
    bibliographic_citation: Text | None = Field(None, alias="dcterms:bibliographicCitation")
    rights_holder: Text | None = Field(None, alias="dcterms:rightsHolder")
    license: LicenseLabel | None = Field(None, alias="dcterms:license")
    language: list[LanguageTag] = Field(default_factory=list, alias="dcterms:language")
    dateset_start_date: AwareDatetime | None = Field(None, description="PPSR's own spelling, typo kept.")
    dataset_end_date: AwareDatetime | None = None
    method_type: MethodType | None = None
    data_access_method: list[DataAccessMethod] = Field(default_factory=list)
    method_specification: MethodSpecification | None = None

    # DMM extension terms (PPSR's cosi:hasHypothesis / cosi:hasInstrument: "cosi" has no namespace to map to)
    dataset_update_frequency: DatasetUpdateFrequency | None = None
    dataset_external_url: list[WebUrl] = Field(default_factory=list)
    download_url: WebUrl | None = Field(None, alias="dcat:downloadURL")
    dataset_geographic_coverage: dict[str, Any] | None = None
    has_hypothesis: Text | None = None
    has_instrument: list[Text] = Field(default_factory=list)
    data_quality_assurance_method: list[DataQualityAssuranceMethod] = Field(default_factory=list)
    data_quality_assurance_description: Text | None = None
    usage_guide: Text | None = None
    activity_count: Count | None = None
    dataset_associated_media: list[DatasetAssociatedMedia] = Field(default_factory=list)
    data_accuracy_declarations: DataAccuracyDeclarations | None = None
    data_management_plan: DataManagementPlan | None = None

    # hub extensions
    project: Iri | None = Field(None, description="The project IRI that collected the dataset.")
    hosted_on: list[Iri] = Field(default_factory=list)

    def missing_mandatory(self) -> list[str]:
        """PPSR names of the Mandatory DMM core terms this record does not have."""
        return _missing(self, self.MANDATORY)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def conformance(self) -> Conformance:
        """``complete`` when every PPSR DMM Mandatory core term is present, else ``partial``."""
        return Conformance.PARTIAL if self.missing_mandatory() else Conformance.COMPLETE

    @computed_field(alias="conformsTo")  # type: ignore[prop-decorator]
    @property
    def conforms_to(self) -> list[str]:
        """The PPSR Dataset Metadata Model."""
        return [PPSR_DATASET_MODEL]


# ---------------------------------------------------------------------------------------------------------------
# Links between listings
# ---------------------------------------------------------------------------------------------------------------


class Link(HubModel):
    """A reified ``schema:sameAs`` between two listings of the same project, with the matcher's evidence.

    The statement is an ``rdf:Statement`` (subject, predicate, object), so the assertion and its score live
    together and a consumer can accept or ignore it.
    """

    ENTITY: ClassVar[Literal["links"]] = "links"
    TYPES: ClassVar[tuple[str, ...]] = ("Link", "Statement")
    COMPUTED_KEYS: ClassVar[frozenset[str]] = frozenset({"type", "jsonld_type", "predicate"})

    subject: Iri
    object: Iri
    score: Annotated[float, Field(ge=0, le=1)]
    evidence: list[Text] = Field(default_factory=list, description="Why the matcher links them, one reason each.")
    method: Text | None = Field(None, description="The matcher and its version.")

    @classmethod
    def between(cls, a: str, b: str, *, score: float, evidence: list[str], method: str | None = None) -> Link:
        """The link of two listings; its IRI depends only on the unordered pair, so re-matching upserts."""
        first, second = sorted((a, b))
        digest = hashlib.sha256(f"{first}\n{second}".encode()).hexdigest()[:32]
        return cls(
            iri=mint_iri("link", "hub", digest),
            subject=first,
            object=second,
            score=score,
            evidence=evidence,
            method=method,
        )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def predicate(self) -> str:
        """Always ``schema:sameAs``: the listings describe the same real-world project."""
        return "schema:sameAs"

    @model_validator(mode="after")
    def _two_listings(self) -> Link:
        if self.subject == self.object:
            raise ValueError("a link needs two different listings")
        return self
