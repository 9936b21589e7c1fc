from django.core.management.base import BaseCommand

from ledger.selectors import ledger_verify


class Command(BaseCommand):
    help = "Check every ledger invariant. Exits 0 when all hold, 1 with a report of every fault."

    def handle(self, *args, **options):
        report = ledger_verify()
        summary = (
            f"{report.accounts_checked} accounts, {report.transactions_checked} transactions, "
            f"{report.postings_checked} postings checked"
        )
        if report.ok:
            self.stdout.write(self.style.SUCCESS(f"Ledger OK: {summary}."))
            return
        self.stdout.write(self.style.ERROR(f"Ledger FAULTY: {len(report.problems)} problem(s); {summary}."))
        for problem in report.problems:
            self.stdout.write(f"  - {problem}")
        raise SystemExit(1)
