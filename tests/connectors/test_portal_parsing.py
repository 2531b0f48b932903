"""Parsers and crosswalk tables shared by the national-portal connectors."""

from __future__ import annotations

import struct
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.connectors._parsing import (
    as_text,
    clean_text,
    decode_wkb_point,
    is_placeholder,
    normalise_url,
    parse_bool,
    parse_date,
    parse_float,
    parse_moment,
    split_list,
    strip_html,
)
from hub.connectors._vocab import FlagCollector, load_tables, normalise_term
from hub.schema.vocab import (
    DifficultyLevel,
    ProjectCountry,
    ProjectParticipantAge,
    ProjectScienceType,
    ProjectStatus,
    ProjectUsFederalSponsor,
    ScientificProcessInvolved,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("Yes", True),
        ("yes", True),
        ("false\n", False),
        ("False", False),
        ("no", False),
        ("", None),
        ("maybe", None),
        (None, None),
        (True, True),
        (0, False),
    ],
)
def test_parse_bool_reads_every_spelling_and_keeps_unknown_apart(raw: object, expected: bool | None) -> None:
    """Loose booleans map to True/False, and empty or odd text stays unknown rather than false."""
    assert parse_bool(raw) is expected


def test_strip_html_keeps_paragraphs_and_decodes_entities() -> None:
    """EU-CS aims are HTML with CRLF and &nbsp;: the text keeps one line per paragraph."""
    text = strip_html("<p>Vespawatch targets&nbsp;beekeepers &amp; the public.</p>\r\n<p>Second <b>part</b></p>")
    assert text == "Vespawatch targets beekeepers & the public.\nSecond part"


def test_strip_html_of_markup_only_is_none() -> None:
    """A fragment with no text is absent, not an empty string."""
    assert strip_html("<p>\r\n</p>") is None
    assert clean_text("  \n ") is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("www.cowslips.eu", "https://www.cowslips.eu"),
        ("mruni.eu/en", "https://mruni.eu/en"),
        ("http://www.gripenet.pt/", "http://www.gripenet.pt/"),
        ("https://www.eyeonwater.org ", "https://www.eyeonwater.org"),
        ("*Website under construction, but", None),
        ("https://www.iccs.gr/en/ | https://i-sense.iccs.gr/", None),
        ("", None),
        ("ftp://example.org/file", None),
        (None, None),
    ],
)
def test_normalise_url_adds_a_scheme_or_refuses(raw: str | None, expected: str | None) -> None:
    """URLs without a scheme get https; text that is no address gives None."""
    assert normalise_url(raw) == expected


def test_parse_float_reads_strings_and_refuses_blanks() -> None:
    """Coordinates come as strings; blank or non-numeric text is absent."""
    assert parse_float("50.866595") == pytest.approx(50.866595)
    assert parse_float("") is None
    assert parse_float("n/a") is None
    assert parse_float(True) is None


def test_split_list_trims_and_deduplicates() -> None:
    """Cells like 'a, b,,  a.' become ['a', 'b']."""
    assert split_list("observation, identification,,  observation.\n") == ["observation", "identification"]
    assert split_list(None) == []


def test_decode_wkb_point_reads_a_carto_ewkb_point() -> None:
    """The S'COOL row of the CitizenScience.gov export is in Hampton, Virginia (SRID 4326)."""
    point = decode_wkb_point("0101000020E6100000357BA015181653C0D690B8C7D2834240")
    assert point.srid == 4326
    assert point.x == pytest.approx(-76.34522)
    assert point.y == pytest.approx(37.02987)


@given(
    x=st.floats(min_value=-180, max_value=180, allow_nan=False),
    y=st.floats(min_value=-90, max_value=90, allow_nan=False),
    big_endian=st.booleans(),
    srid=st.one_of(st.none(), st.integers(min_value=1, max_value=999_999)),
)
def test_decode_wkb_point_round_trips_any_point(x: float, y: float, big_endian: bool, srid: int | None) -> None:
    """Any point packed as (E)WKB in either byte order decodes to the same coordinates and SRID."""
    order = ">" if big_endian else "<"
    type_word = 1 | (0x20000000 if srid is not None else 0)
    raw = bytes([0 if big_endian else 1]) + struct.pack(order + "I", type_word)
    if srid is not None:
        raw += struct.pack(order + "I", srid)
    raw += struct.pack(order + "dd", x, y)
    point = decode_wkb_point(raw.hex())
    assert (point.x, point.y, point.srid) == (x, y, srid)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("zz01", "not hexadecimal"),
        ("0101", "too short"),
        ("0103000020E610000001000000050000000000000000000000000000000000000000", "not a Point"),
        ("0501000000000000000000F03F000000000000F03F", "byte order"),
    ],
)
def test_decode_wkb_point_says_what_is_wrong(raw: str, message: str) -> None:
    """Bad WKB raises ValueError naming the problem."""
    with pytest.raises(ValueError, match=message):
        decode_wkb_point(raw)


@pytest.mark.parametrize(
    ("raw", "expected", "precision"),
    [
        ("2015-09-14 17:01:51.038079+00", datetime(2015, 9, 14, 17, 1, 51, 38079, tzinfo=UTC), "time"),
        ("2020-12-18T17:22:29.027278Z", datetime(2020, 12, 18, 17, 22, 29, 27278, tzinfo=UTC), "time"),
        ("2018-02-01", datetime(2018, 2, 1, tzinfo=UTC), "day"),
        ("2010\n", datetime(2010, 1, 1, tzinfo=UTC), "year"),
        ("2011-10-1", datetime(2011, 10, 1, tzinfo=UTC), "day"),
        ("15.03.2021", datetime(2021, 3, 15, tzinfo=UTC), "day"),
        ("2021-03", datetime(2021, 3, 1, tzinfo=UTC), "month"),
        (2008, datetime(2008, 1, 1, tzinfo=UTC), "year"),
    ],
)
def test_parse_date_reads_every_portal_shape(raw: object, expected: datetime, precision: str) -> None:
    """Each date shape seen in the portals parses to UTC with the precision the source gave."""
    parsed = parse_date(raw)
    assert parsed is not None
    assert parsed.value == expected
    assert parsed.precision == precision


def test_parse_date_tries_the_callers_formats_first() -> None:
    """A US portal's 5/1/2015 is May 1st when the caller says so."""
    parsed = parse_date("5/1/2015\n", formats=("%m/%d/%Y",))
    assert parsed is not None
    assert parsed.value == datetime(2015, 5, 1, tzinfo=UTC)


@pytest.mark.parametrize("raw", ["", "Unknown", "sometime", "2021-13-40", None])
def test_parse_date_gives_none_for_unreadable(raw: object) -> None:
    """'Unknown' and garbage are absent, never a made-up date."""
    assert parse_date(raw) is None


_TABLE_VOCABULARIES = {
    "projectStatus": ProjectStatus,
    "projectScienceType": ProjectScienceType,
    "scientificProcessInvolved": ScientificProcessInvolved,
    "projectParticipantAge": ProjectParticipantAge,
    "projectCountry": ProjectCountry,
    "difficultyLevel": DifficultyLevel,
    "projectUsFederalSponsor": ProjectUsFederalSponsor,
}


@pytest.mark.parametrize(
    "platform", ["eucs", "citizenscience_gov", "inaturalist", "biocollect", "fromthepage", "countries"]
)
def test_every_crosswalk_label_is_an_exact_ppsr_label(platform: str) -> None:
    """A typo in a mapping file would publish a label PPSR does not know; every target must be in its vocabulary."""
    tables = load_tables(platform)
    assert tables, f"mappings/{platform}.yaml has no tables"
    for name, table in tables.items():
        vocabulary = _TABLE_VOCABULARIES.get(name)
        if vocabulary is None:
            continue
        allowed = {member.value for member in vocabulary}
        wrong = {label for labels in table.entries.values() for label in labels if label not in allowed}
        assert not wrong, f"mappings/{platform}.yaml table {name}: not PPSR labels: {sorted(wrong)}"


def test_table_lookup_normalises_case_and_underscores_and_flags_unknown_terms() -> None:
    """'Nature_Outdoors' finds 'nature_outdoors'; 'Kelp forests' is unknown and becomes a flag."""
    table = load_tables("citizenscience_gov")["projectScienceType"]
    flags = FlagCollector()
    labels = table.map_terms(["Nature_Outdoors", "education", "Kelp forests"], flags, source_field="project_topic")
    assert labels == ["Environmental Sciences - Environmental Science And Management"]
    assert flags.texts() == ["project_topic='Kelp forests': no PPSR projectScienceType for this value"]
    assert normalise_term("  Site_Selection   description. ") == "site selection description"


@pytest.mark.parametrize(
    ("raw", "pattern", "expected", "precision"),
    [
        ("February 2015", "%B %Y", datetime(2015, 2, 1, tzinfo=UTC), "month"),
        ("2012/9/1", "%Y/%m/%d", datetime(2012, 9, 1, tzinfo=UTC), "day"),
        ("2014-06-01 14:30", "%Y-%m-%d %H:%M", datetime(2014, 6, 1, 14, 30, tzinfo=UTC), "time"),
    ],
)
def test_a_callers_format_gives_its_own_precision(raw: str, pattern: str, expected: datetime, precision: str) -> None:
    """A month-and-year format is month precision, not a made-up day."""
    parsed = parse_date(raw, formats=(pattern,))
    assert parsed is not None
    assert (parsed.value, parsed.precision) == (expected, precision)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("None", True), (" n/a ", True), ("TBD", True), ("-", True), ("", False), ("Nonesuch", False), (None, False)],
)
def test_placeholders_are_recognised(raw: object, expected: bool) -> None:
    """Words that mean 'no value' are told apart from values (an empty cell is not a placeholder)."""
    assert is_placeholder(raw) is expected


@pytest.mark.parametrize(
    ("value", "stringify", "expected"),
    [
        (" Bees \n", False, "Bees"),
        ("  ", False, None),
        (3, False, None),
        ({}, False, None),
        (None, True, None),
        (3, True, "3"),
        (2.5, True, "2.5"),
        ("  x ", True, "x"),
    ],
)
def test_as_text_trims_and_reads_only_text_unless_asked(value, stringify, expected):
    """Blank and non-text fields are no text; a mapping's transforms read numbers as their digits."""
    assert as_text(value, stringify=stringify) == expected


@pytest.mark.parametrize(
    ("value", "loose", "zoned"),
    [
        ("2015-05-18T15:14:41.731Z", "2015-05-18T15:14:41.731000+00:00", "2015-05-18T15:14:41.731000+00:00"),
        ("2025-01-21 16:08:41 UTC", "2025-01-21T16:08:41+00:00", "2025-01-21T16:08:41+00:00"),
        ("2024-03-01T10:00:00+02:00", "2024-03-01T08:00:00+00:00", "2024-03-01T08:00:00+00:00"),
        ("2025-01-21T16:08:41", "2025-01-21T16:08:41+00:00", None),
        ("2008", "2008-01-01T00:00:00+00:00", None),
        ("05.06.2015", "2015-06-05T00:00:00+00:00", None),
        ("Unknown", None, None),
        (1684865281, None, None),
    ],
)
def test_parse_moment_reads_dates_and_with_zoned_only_stated_zones(value, loose, zoned):
    """parse_moment is parse_date's instant; ``zoned`` refuses what would be a guess at the zone."""
    for want, only_zoned in ((loose, False), (zoned, True)):
        got = parse_moment(value, zoned=only_zoned)
        assert (got.isoformat() if got else None) == want
