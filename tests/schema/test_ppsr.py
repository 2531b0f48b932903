from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.schema.iris import mint_iri
from hub.schema.ppsr import ImportResult, project_from_ppsr, repair_text


def _results(document: dict[str, Any]) -> list[ImportResult]:
    return [
        project_from_ppsr(record, platform="jrc-inventory", path=f"$.Project[{i}]")
        for i, record in enumerate(document["Project"])
    ]


def test_statuses_of_the_fixture(ppsr_document):
    """Published quirks make records partial; broken values make them invalid; nothing crashes."""
    assert [r.status for r in _results(ppsr_document)] == [
        "partial",
        "partial",
        "invalid",
        "complete",
        "invalid",
        "invalid",
    ]


def test_unknown_and_charset_are_omitted_not_published(ppsr_document):
    """ "Unknown" dates/durations and "UTF-8" as language are dropped with a warning at their JSON path."""
    result = _results(ppsr_document)[0]
    assert result.project is not None
    assert result.project.project_end_date is None
    assert result.project.project_duration is None
    assert result.project.language is None
    paths = {p.path: p for p in result.problems}
    assert "placeholder 'Unknown'" in paths["$.Project[0].projectEndDate"].message
    assert "character set" in paths["$.Project[0].language"].message
    assert {"projectDuration", "language", "projectGeographicLocation"} <= set(result.project.missing_mandatory())


def test_shapes_are_normalised(ppsr_document):
    """A single contactPoint object and a science-type string become lists; "" and {} mean absent."""
    project = _results(ppsr_document)[0].project
    assert project is not None
    assert project.iri == mint_iri("project", "jrc-inventory", "1")
    assert [c.means_of_contact for c in project.contact_point] == ["Email"]
    assert [str(t) for t in project.project_science_type] == [
        "Environmental Sciences - Environmental Science And Management"
    ]
    assert project.project_media == []
    assert project.project_geographic_location == []


def test_mis_decoded_text_is_repaired(ppsr_document):
    """UTF-8 read as cp1252 upstream is decoded back, with a warning."""
    result = _results(ppsr_document)[1]
    assert result.project is not None
    assert result.project.project_name == "Espèces invasives en Wallonie"
    assert result.project.project_description == "Invasive species \u2013 where they are."
    assert any("mis-decoded" in p.message for p in result.problems)
    assert repair_text("plain text") is None


def test_broken_values_are_dropped_and_reported_as_errors(ppsr_document):
    """A bad enum, URL or unknown attribute costs that attribute only, with path and value."""
    result = _results(ppsr_document)[2]
    assert result.project is not None
    errors = {p.path: p for p in result.problems if p.severity == "error"}
    assert errors["$.Project[2].projectStatus"].value == "Ongoing"
    assert errors["$.Project[2].contactPoint[0].meansOfContact"].value == "Fax"
    assert errors["$.Project[2].projectUrl"].value == "www.example.org/air"
    assert "not a PPSR Core attribute" in errors["$.Project[2].projectFavouriteColour"].message
    assert result.project.keyword == ["air", "NO2", "streets"]
    assert result.project.project_start_date is not None
    assert any("without a time zone" in p.message for p in result.problems)


def test_records_without_identity_are_invalid(ppsr_document):
    """No projectId, or not an object: no project, one error each."""
    no_id, not_object = _results(ppsr_document)[4:]
    assert no_id.project is None
    assert no_id.problems[0].path == "$.Project[4].projectId"
    assert not_object.project is None
    assert "JSON object" in not_object.problems[0].message


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
_keys = st.sampled_from(["projectId", "projectName", "projectStatus", "contactPoint", "projectStartDate", "keyword"])


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_keys | st.text(max_size=12), _json, max_size=8))
def test_importer_never_raises(record):
    """Any JSON object gives a result, never an exception."""
    result = project_from_ppsr(record)
    assert result.status in {"complete", "partial", "invalid"}
