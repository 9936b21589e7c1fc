"""Write an impact statement to a file, for an operator or a scheduled job.

    manage.py impact_statement --programme tenants --start 2026-01-01 --end 2026-12-31 --output statement.pdf
    manage.py impact_statement --programme tenants --start ... --end ... --format json --output -

The figures are the ones a funder downloads (prepared for whoever --prepared-for names),
computed the same way; nothing is stored.
"""

import datetime as dt
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from impact.documents import checksum_of, figures_csv, figures_json, statement_pdf
from impact.figures import statement_figures
from timebank.accounts.models import Programme


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Dates are written YYYY-MM-DD, not {value!r}.") from exc


class Command(BaseCommand):
    help = "Write the impact statement of a programme (or several) for a period as PDF, CSV or JSON."

    def add_arguments(self, parser):
        parser.add_argument("--programme", action="append", required=True, help="A programme's slug; repeat for more")
        parser.add_argument("--start", required=True, help="First day, YYYY-MM-DD")
        parser.add_argument("--end", required=True, help="Last day, YYYY-MM-DD")
        parser.add_argument("--output", required=True, help="File to write, or - for standard output")
        parser.add_argument("--format", choices=("pdf", "csv", "json"), default="pdf")
        parser.add_argument("--prepared-for", default="The programme's funders")
        parser.add_argument("--demographics", action="store_true", help="Include aggregated demographics")

    def handle(self, *args, **options):
        start, end = _date(options["start"]), _date(options["end"])
        if end < start:
            raise CommandError("--end must not be before --start.")
        slugs = options["programme"]
        programmes = list(Programme.objects.filter(slug__in=slugs).select_related("organisation"))
        missing = sorted(set(slugs) - {p.slug for p in programmes})
        if missing:
            raise CommandError(f"No programme with the slug {', '.join(missing)}.")
        figures = statement_figures(
            programmes,
            start=start,
            end=end,
            prepared_for=options["prepared_for"],
            include_demographics=options["demographics"],
        )
        text = figures_json(figures)
        checksum = checksum_of(text)
        kind = options["format"]
        if kind == "json":
            body = text.encode()
        elif kind == "csv":
            body = figures_csv(figures).encode()
        else:
            body = statement_pdf(figures, checksum=checksum, built_on=timezone.localdate())
        if options["output"] == "-":
            sys.stdout.buffer.write(body)
            sys.stdout.flush()
        else:
            with open(options["output"], "wb") as handle:
                handle.write(body)
            self.stderr.write(f"Wrote {options['output']} ({kind}, {len(body):,} bytes), figures sha256 {checksum}")
