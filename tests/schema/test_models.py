from __future__ import annotations

import hashlib
from typing import Any, get_args

import orjson
import pytest
from pydantic import BaseModel

from hub.errors import RecordValidationError, SchemaError
from hub.schema import (
    ENTITY_MODELS,
    VOCABULARIES,
    Conformance,
    Contribution,
    Dataset,
    HasTag,
    HubModel,
    Link,
    MeansOfContact,
    Project,
    ProjectMediaType,
    ProjectRecord,
    ProjectScienceType,
    ProjectStatus,
    ScientificProcessInvolved,
    UnRegion,
)
from hub.schema.base import CONTEXT_URL
from hub.schema.examples import examples
from hub.schema.iris import mint_iri

IRI = mint_iri("project", "scistarter", "abc")


def test_every_entity_declares_its_topic():
    """ENTITY names one of the hub's entity topics."""
    topics = {"projects", "organisations", "platforms", "datasets", "links", "contributions", "statistics"}
    assert {model.ENTITY for model in ENTITY_MODELS} <= topics


def test_validation_error_names_the_field_path_and_the_value():
    """A bad vocabulary value is reported with its JSON path, the value and a close PPSR label."""
    with pytest.raises(RecordValidationError) as info:
        Project(iri=IRI, project_id="abc", project_name="x", contact_point=[{"meansOfContact": "E-mail"}])
    assert "$.contact_point[0].meansOfContact" in str(info.value)
    assert "'E-mail'" in str(info.value)
    assert "did you mean 'Email'" in str(info.value)
    assert info.value.errors[0]["input"] == "E-mail"
    assert isinstance(info.value, SchemaError)


def test_the_nearest_label_is_searched_once_per_distinct_bad_value():
    """Real inventories repeat the same bad values; the second record with one reuses the first one's search."""
    from hub.schema import base

    def bad(index: int) -> None:
        with pytest.raises(RecordValidationError, match="did you mean 'Email'"):
            Project(iri=IRI, project_id=f"p{index}", project_name="x", contact_point=[{"meansOfContact": "E-mail!"}])

    bad(0)
    searched = base._nearest_label.cache_info().misses
    for index in range(1, 50):
        bad(index)
    assert base._nearest_label.cache_info().misses == searched


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("language", "UTF-8", "character set"),
        ("project_duration", "Unknown", "ISO 8601 duration"),
        ("project_start_date", "Unknown", "datetime"),
        ("project_url", "www.example.org", r"http\(s\) URL"),
        ("project_start_date", "2020-01-01T00:00:00", "timezone"),
        ("project_name_i18n", {"UTF-8": "x"}, "character set"),
    ],
)
def test_placeholders_and_malformed_values_are_refused(field, value, message):
    """Typed fields never hold "Unknown" or a charset: the model refuses them with the reason."""
    with pytest.raises(RecordValidationError, match=message):
        Project(iri=IRI, project_id="abc", project_name="x", **{field: value})


def test_unknown_attribute_is_refused():
    """A key that is not a hub attribute is an error, not silently kept or dropped."""
    with pytest.raises(RecordValidationError, match="projectColour"):
        Project.model_validate({"id": IRI, "projectId": "abc", "projectName": "x", "projectColour": "green"})


def test_conformance_reports_missing_mandatory_attributes():
    """A project missing PPSR Mandatory attributes is partial and says which; the example is complete."""
    bare = Project(iri=IRI, project_id="abc", project_name="x")
    assert bare.conformance is Conformance.PARTIAL
    assert "projectStatus" in bare.missing_mandatory()
    assert bare.to_jsonld()["conformance"] == "partial"
    example = examples()["project"]
    assert isinstance(example, Project)
    assert example.conformance is Conformance.COMPLETE


def test_keys_are_ppsr_attribute_names():
    """The JSON uses PPSR's exact names, typo included."""
    doc = examples()["project"].to_jsonld()
    assert {"projectName", "projectResponsiblePartyContactEmail", "projectScienceType", "unRegions"} <= set(doc)
    dataset = examples()["dataset"].to_jsonld()
    assert {"datesetStartDate", "dcterms:title", "dcterms:license"} <= set(dataset)
    assert dataset["dcterms:license"] == "https://creativecommons.org/licenses/by/4.0/"


def test_content_hash_ignores_harvest_time_only():
    """Re-harvesting an unchanged listing gives the same hash; a changed value does not."""
    record = examples()["project_record"]
    assert isinstance(record, ProjectRecord)
    later = record.model_copy(update={"generated_at_time": record.generated_at_time.replace(year=2030)})
    assert later.content_hash() == record.content_hash()
    moved = record.model_copy(update={"was_derived_from": "https://example.org/other"})
    assert moved.content_hash() != record.content_hash()


def _defined_jsonld_and_hash(model: HubModel) -> tuple[bytes, str]:
    """What the value and the hash are by definition: orjson over pydantic's Python dump (the hashes on the topics)."""
    dump = model.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    content = model.model_dump(
        mode="json", exclude_none=True, exclude_defaults=True, exclude=set(type(model).HASH_EXCLUDE) or None
    )
    value = orjson.dumps({"@context": CONTEXT_URL, **dump})
    return value, hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _awkward_contribution() -> Contribution:
    """Floats, non-ASCII, control characters, offsets and nesting: what pydantic's JSON and orjson could disagree on."""
    return Contribution(
        iri=mint_iri("contribution", "zooniverse", "9"),
        contribution_type="hub:Classification",
        project=mint_iri("project", "zooniverse", "1"),
        created="2025-01-02T03:04:05.001+05:30",
        was_generated_by={"started_at_time": "2025-01-02T03:04:05Z", "ended_at_time": "2025-01-02T03:05:05.5-03:00"},
        target=[mint_iri("subject", "zooniverse", "ü")],
        body=[{"value": "Réponse \u2028 «oui»\x1f </script>"}],
        raw_annotation=[{"value": [1e-7, 1e16, 1e22, 0.1, -0.0, 123456789.123456789, 5e-324, 2**63 - 1, None, True]}],
        data_quality_flag=["gold_standard='TRÜE': not a boolean"],
    )


def test_jsonld_and_hash_are_orjson_over_the_python_dump():
    """The fast path (pydantic's JSON, read back for the hash) gives byte for byte the defined value and hash."""
    items = {**examples(), "awkward": _awkward_contribution()}
    assert any(type(model).HASH_EXCLUDE for model in items.values())
    for name, model in items.items():
        expected = _defined_jsonld_and_hash(model)
        assert model.jsonld_and_hash() == expected, name
        assert (model.to_jsonld_bytes(), model.content_hash()) == expected, name
        assert orjson.loads(model.to_jsonld_bytes()) == model.to_jsonld(), name


def test_partition_keys():
    """Records are keyed by their IRI; contributions and statistics by their project."""
    items = examples()
    assert items["project"].partition_key() == items["project"].iri
    assert items["classification"].partition_key() == mint_iri("project", "zooniverse", 12345)
    assert items["statistics"].partition_key() == items["statistics"].iri  # compacted topic: one key per period


@pytest.mark.parametrize("name", sorted(examples()))
def test_jsonld_reads_back_to_the_same_model(name):
    """from_jsonld(to_jsonld(x)) == x for every entity."""
    model = examples()[name]
    assert type(model).from_jsonld(model.to_jsonld()) == model


def test_contribution_kinds_keep_to_their_fields():
    """Observations have no annotation target; annotations have no Darwin Core fields."""
    classification = examples()["classification"]
    assert isinstance(classification, Contribution)
    assert classification.to_jsonld()["motivation"] == "oa:classifying"
    with pytest.raises(RecordValidationError, match="annotation"):
        Contribution.from_jsonld({**classification.to_jsonld(), "basisOfRecord": "X"})


def test_link_iri_does_not_depend_on_order():
    """Matching A with B or B with A gives the same link record."""
    a, b = mint_iri("project", "scistarter", "1"), mint_iri("project", "eu-citizen-science", "2")
    assert Link.between(a, b, score=0.5, evidence=[]).iri == Link.between(b, a, score=0.5, evidence=[]).iri
    with pytest.raises(RecordValidationError, match="two different"):
        Link.between(a, a, score=1, evidence=[])


PPSR_PROJECT_ATTRIBUTES = (
    "projectId",
    "projectDateCreated",
    "projectLastUpdatedDate",
    "projectName",
    "projectAim",
    "projectDescription",
    "hasTag",
    "difficultyLevel",
    "keyword",
    "projectStatus",
    "projectStartDate",
    "projectEndDate",
    "projectDuration",
    "projectScienceType",
    "projectUrl",
    "unRegions",
    "language",
    "projectLocality",
    "projectResponsiblePartyName",
    "projectResponsiblePartyContactEmail",
    "contactPoint",
    "contactName",
    "meansOfContact",
    "contactDetails",
    "contactPointType",
    "projectMedia",
    "projectMediaType",
    "projectMediaFile",
    "projectMediaCredit",
    "projectGeographicLocation",
    "projectPinLatitude",
    "projectPinLongitude",
    "projectGeographicCoverage",
    "projectGeographicCoverageCentroidLatitude",
    "projectGeographicCoverageCentroidLongitude",
    "activity",
    "projectExternalId",
    "belongsToProgramme",
    "projectOriginalRepository",
    "projectHowToParticipate",
    "projectTask",
    "projectIntendedOutcomes",
    "projectOutcome",
    "scientificProcessInvolved",
    "numberOfScientificPublications",
    "numberOfOtherPublications",
    "projectAdditionalInformation",
    "projectCountry",
    "projectEquipment",
    "projectExternalLinks",
    "projectPlannedStartDate",
    "projectPlannedEndDate",
    "projectResearchType",
    "projectScientificCollaborators",
    "projectAssociatedParty",
    "projectAssociatedPartyId",
    "projectAssociatedPartyName",
    "projectUsFederalSponsor",
    "projectAssociatedPartyRole",
    "participationFees",
    "participationFeeApplicable",
    "participationFeeAmount",
    "projectFunding",
    "projectFundingSource",
    "projectFundingSourcePercentageAmount",
    "projectFundingSourceCurrencyAmount",
    "projectFundingSourceType",
    "fundingSourceTypeSubsetA",
    "fundingSourceTypeSubsetB",
    "projectParticipants",
    "projectParticipantsNumberOfActive",
    "projectParticipantsTotalRegistered",
    "projectParticipantAge",
)
PPSR_DATASET_ATTRIBUTES = (
    "activityId",
    "dcterms:identifier",
    "dcterms:dateSubmitted",
    "dcterms:modified",
    "datasetStatus",
    "dcterms:title",
    "dcterms:abstract",
    "dcterms:accessRights",
    "dcterms:bibliographicCitation",
    "dcterms:rightsHolder",
    "dcterms:license",
    "dcterms:language",
    "datesetStartDate",
    "datasetEndDate",
    "methodType",
    "dataAccessMethod",
    "methodSpecification",
    "samplingProtocolDomain",
    "samplingProtocolMethod",
    "methodAbstract",
    "methodUrl",
    "methodDocUrl",
    "datasetUpdateFrequency",
    "datasetExternalUrl",
    "dcat:downloadURL",
    "datasetGeographicCoverage",
    "hasHypothesis",
    "hasInstrument",
    "dataQualityAssuranceMethod",
    "dataQualityAssuranceDescription",
    "usageGuide",
    "activityCount",
    "datasetAssociatedMedia",
    "datasetAssociatedMediaType",
    "datasetAssociatedMediaFile",
    "datasetAssociatedMediaCredit",
    "dataAccuracyDeclarations",
    "spatialAccuracy",
    "temporalAccuracy",
    "speciesIdentificationAccuracy",
    "nonTaxonomicAccuracy",
    "dataManagementPlan",
    "isDataManagementPolicyDocumented",
    "dataManagementPolicyDescription",
    "dataManagementPolicyURL",
    "dataManagementPolicyDocument",
    "dataManagementPrinciplesConformance",
)


def _keys(model: type[BaseModel], seen: set[type[BaseModel]] | None = None) -> set[str]:
    """JSON keys of a model and of every model nested in it."""
    seen = seen if seen is not None else set()
    if model in seen:
        return set()
    seen.add(model)
    keys = set()
    for name, info in model.model_fields.items():
        keys.add(info.alias or name)
        for arg in _nested_models(info.annotation):
            keys |= _keys(arg, seen)
    return keys


def _nested_models(annotation: object) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _nested_models(arg)]


def test_every_ppsr_attribute_is_a_key_with_its_exact_name():
    """All PPSR 2020.0 project (core + extension) and dataset attributes are modelled under PPSR's names."""
    assert set(PPSR_PROJECT_ATTRIBUTES) - _keys(Project) == set()
    assert set(PPSR_DATASET_ATTRIBUTES) - _keys(Dataset) == set()


def _with(key: str, label: str) -> dict[str, Any]:
    data: dict[str, Any] = {"id": IRI, "projectId": "abc", "projectName": "x"}
    if key == "meansOfContact":
        data["contactPoint"] = [{"meansOfContact": label}]
    elif key == "projectMediaType":
        data["projectMedia"] = [{"projectMediaType": label, "projectMediaFile": "https://example.org/a.png"}]
    else:
        data[key] = label if key == "projectStatus" else [label]
    return data


@pytest.mark.parametrize(
    ("key", "enum"),
    [
        ("projectStatus", ProjectStatus),
        ("projectScienceType", ProjectScienceType),
        ("unRegions", UnRegion),
        ("meansOfContact", MeansOfContact),
        ("projectMediaType", ProjectMediaType),
        ("hasTag", HasTag),
        ("scientificProcessInvolved", ScientificProcessInvolved),
    ],
)
def test_vocabulary_attributes_take_exactly_the_ppsr_labels(key, enum):
    """Every PPSR label of the attribute's vocabulary is accepted and published verbatim; a variant is refused."""
    assert VOCABULARIES[key] is enum
    for member in enum:
        assert member.value in Project.model_validate(_with(key, member.value)).to_jsonld_bytes().decode()
    with pytest.raises(RecordValidationError, match=key):
        Project.model_validate(_with(key, next(iter(enum)).value.upper() + "!"))
