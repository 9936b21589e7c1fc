from timebank.volunteers.models import VolunteerProfile


def volunteer_lock(volunteer: VolunteerProfile) -> None:
    """Lock the volunteer's profile row until the end of the database transaction; call
    inside `transaction.atomic`, and lock several volunteers in primary-key order."""
    VolunteerProfile.objects.select_for_update().only("pk").get(pk=volunteer.pk)
