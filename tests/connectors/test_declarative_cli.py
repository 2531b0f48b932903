"""``hub mapping check|try``: a portal team checks its mapping file, and tries it on a saved API answer."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from hub.cli import main

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "mappings" / "iesaisties-lv.yaml"
PAGE = Path(__file__).parent / "fixtures" / "iesaisties_lv" / "wp_v2_projekti_page1.json"


def test_check_accepts_the_shipped_mapping():
    """The example mapping checks clean, with a one-line summary."""
    result = CliRunner().invoke(main, ["mapping", "check", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert result.output == "iesaisties-lv.yaml: ok: platform 'iesaisties-lv', 18 attributes, paging page\n"


def test_check_names_the_line_of_each_problem(tmp_path: Path) -> None:
    """A broken copy exits 1 and prints one line per problem with its line number."""
    text = EXAMPLE.read_text(encoding="utf-8")
    broken = text.replace("transforms: [strip_html]", "transforms: [strip_htm]", 1).replace(
        "style: page", "style: pages", 1
    )
    target = tmp_path / "broken.yaml"
    target.write_text(broken, encoding="utf-8")
    result = CliRunner().invoke(main, ["mapping", "check", str(target)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 2
    paging_line = broken[: broken.index("style: pages")].count("\n") + 1
    html_line = broken[: broken.index("[strip_htm]")].count("\n") + 1
    assert lines[0].startswith(f"broken.yaml line {paging_line} (listing.paging.style): Input should be")
    assert lines[1] == (
        f"broken.yaml line {html_line} (fields.projectName.transforms[0]): unknown transform 'strip_htm'; "
        "did you mean 'strip_html'?"
    )


def test_try_maps_a_saved_answer_to_the_records_it_would_publish():
    """Page 1 of the WordPress replay gives three JSON-LD projects; flags are on the records."""
    result = CliRunner().invoke(main, ["mapping", "try", str(EXAMPLE), str(PAGE)])
    assert result.exit_code == 0, result.output
    documents = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert [d["projectId"] for d in documents] == ["412", "418", "423"]
    assert documents[0]["projectStatus"] == "Active"
    assert (
        "acf.projekta_statuss='Arhivēts': not in the mapping's vocab table; left out" in documents[2]["dataQualityFlag"]
    )
    assert "3 records, 0 dead-lettered" in result.output
