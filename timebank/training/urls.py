from django.urls import path

from timebank.training.views import records, self_service, volunteers

urlpatterns = [
    path("me/training/", self_service.my_training, name="my_training"),
    path("me/qualifications/", self_service.my_qualifications, name="my_qualifications"),
    # Coordinators: a programme's volunteers and catalogue.
    path("programmes/<slug:slug>/volunteers/", volunteers.programme_volunteers, name="programme_volunteers"),
    path("programmes/<slug:slug>/volunteers/register/", volunteers.volunteer_register_page, name="volunteer_register"),
    path("programmes/<slug:slug>/courses/", records.programme_courses, name="programme_courses"),
    path("programmes/<slug:slug>/checks/", records.programme_check_types, name="programme_check_types"),
    # Coordinators: one volunteer's record.
    path("volunteers/<int:pk>/", volunteers.volunteer_detail, name="volunteer_detail"),
    path("volunteers/<int:pk>/edit/", volunteers.volunteer_edit, name="volunteer_edit"),
    path(
        "volunteers/<int:pk>/memberships/<int:membership_id>/status/",
        volunteers.membership_status,
        name="membership_status",
    ),
    path("volunteers/<int:pk>/consents/give/", volunteers.volunteer_consent_give, name="volunteer_consent_give"),
    path(
        "volunteers/<int:pk>/consents/<int:consent_id>/withdraw/",
        volunteers.volunteer_consent_withdraw,
        name="volunteer_consent_withdraw",
    ),
    path("volunteers/<int:pk>/training/add/", records.training_add, name="training_add"),
    path("volunteers/<int:pk>/training/<int:record_id>/verify/", records.training_verify, name="training_verify"),
    path("volunteers/<int:pk>/training/<int:record_id>/evidence/", records.training_evidence, name="training_evidence"),
    path("volunteers/<int:pk>/checks/add/", records.check_add, name="check_add"),
    path("volunteers/<int:pk>/checks/<int:check_id>/verify/", records.check_verify, name="check_verify"),
]
