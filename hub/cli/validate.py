"""``hub validate FILE``: check a JSON or JSON-LD document against the hub's standard and say what is wrong."""

from __future__ import annotations

from pathlib import Path

import click

from hub.schema.validation import DocumentReport, validate_bytes

__all__ = ["validate"]

_STATUSES = ("complete", "partial", "invalid")


def _print_report(report: DocumentReport, *, show_missing: bool, max_problems: int) -> None:
    for problem in report.problems:
        click.echo(str(problem))
    shown = 0
    for record in report.records:
        lines = [str(problem) for problem in record.problems]
        if show_missing and record.missing:
            lines.append(f"partial: {record.path}: PPSR Mandatory attributes missing: {', '.join(record.missing)}")
        for line in lines:
            if shown < max_problems:
                click.echo(line)
            shown += 1
    if shown > max_problems:
        click.echo(f"... {shown - max_problems} more problem lines (raise --max-problems to see them)")
    counts = report.counts()
    summary = ", ".join(f"{counts.get(status, 0)} {status}" for status in _STATUSES)
    click.echo(f"{len(report.records)} records: {summary}")
    common = report.common_problems()
    if common:
        click.echo("most frequent problems:")
        for text, count in common:
            click.echo(f"  {count:>5} x {text}")


@click.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--platform", default="ppsr", show_default=True, help="Platform slug for IRIs of PPSR records.")
@click.option("--strict", is_flag=True, help="Exit 1 when any record is invalid.")
@click.option("--missing/--no-missing", default=False, help="List each record's missing PPSR Mandatory attributes.")
@click.option("--max-problems", default=200, show_default=True, type=click.IntRange(min=0), help="Lines to print.")
def validate(file: Path, platform: str, strict: bool, missing: bool, max_problems: int) -> None:
    """Check FILE (hub JSON-LD, or PPSR Core JSON such as {"Project": [...]}) and print each problem with its JSON path.

    Exits 1 only when FILE cannot be read or parsed, or with --strict when a record is invalid.
    """
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"cannot read {file}: {exc.strerror or exc}") from exc
    report = validate_bytes(raw, platform=platform)
    _print_report(report, show_missing=missing, max_problems=max_problems)
    if not report.readable:
        raise click.ClickException(f"{file} is not a JSON document")
    if strict and report.counts().get("invalid", 0):
        raise SystemExit(1)
