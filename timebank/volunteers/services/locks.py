from timebank.volunteers.models import VolunteerProfile


def volunteer_lock(volunteer: VolunteerProfile) -> None:
    """Lock the volunteer's profile row until the end of the database transaction; call
    inside `transaction.atomic`, and lock several volunteers in primary-key order.

    FOR NO KEY UPDATE, not FOR UPDATE: every row that points at the profile (a claim, a
    voucher, a gift) takes FOR KEY SHARE on it when it is written, and FOR UPDATE would
    make that wait on this lock while this transaction waits on theirs: a deadlock
    (PostgreSQL; tests/spending/test_spending.py races the paths to show it)."""
    VolunteerProfile.objects.select_for_update(no_key=True).only("pk").get(pk=volunteer.pk)
