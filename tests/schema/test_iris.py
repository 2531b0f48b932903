from __future__ import annotations

from urllib.parse import quote, unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.errors import SchemaError
from hub.schema.iris import BASE, mint_iri, parse_iri, platform_iri


def test_iri_has_the_documented_pattern():
    """An IRI is {base}/id/{class}/{platform}/{native id}."""
    assert mint_iri("project", "zooniverse", 405) == f"{BASE}/id/project/zooniverse/405"
    assert platform_iri("scistarter") == f"{BASE}/id/platform/scistarter"


def test_native_id_is_one_percent_encoded_segment():
    """A slash or space in a native id cannot add a path segment."""
    iri = mint_iri("dataset", "biocollect", "a/b c")
    assert iri.endswith("/dataset/biocollect/a%2Fb%20c")
    assert parse_iri(iri) == ("dataset", "biocollect", "a%2Fb%20c")


@pytest.mark.parametrize("native_id", ["", "   "])
def test_empty_native_id_is_refused(native_id):
    """Without the platform's own id there is no stable IRI."""
    with pytest.raises(SchemaError, match="empty"):
        mint_iri("project", "zooniverse", native_id)


@pytest.mark.parametrize(
    ("entity_class", "platform", "match"),
    [("projects", "zooniverse", "entity class"), ("project", "Zoo Niverse", "platform slug")],
)
def test_bad_class_or_platform_is_refused(entity_class, platform, match):
    """Unknown classes and malformed platform slugs are errors naming the value."""
    with pytest.raises(SchemaError, match=match):
        mint_iri(entity_class, platform, "1")


def test_foreign_iri_does_not_parse():
    """parse_iri only accepts IRIs the hub minted."""
    with pytest.raises(SchemaError, match="not under"):
        parse_iri("https://example.org/id/project/x/1")


@given(st.text(min_size=1).filter(lambda s: s.strip()))
def test_native_id_round_trips(native_id):
    """Any non-empty native id is recoverable from its IRI, so two ids never share an IRI."""
    _, _, encoded = parse_iri(mint_iri("contribution", "zooniverse", native_id))
    assert unquote(encoded) == native_id.strip()


@given(st.text(alphabet=st.characters(codec="utf-8"), min_size=1).filter(lambda s: s.strip()) | st.integers(0))
def test_native_id_is_encoded_as_quote_encodes_it(native_id):
    """The fast path for plain ids gives the segment `quote` gives, so no IRI already published changes."""
    _, _, encoded = parse_iri(mint_iri("subject", "zooniverse", native_id))
    assert encoded == quote(str(native_id).strip(), safe="-._~")


def test_a_refused_platform_slug_stays_refused_after_good_ones():
    """Remembering checked slugs never lets a malformed one through."""
    mint_iri("project", "zooniverse", "1")
    with pytest.raises(SchemaError, match="platform slug"):
        mint_iri("project", "Zooniverse", "1")
