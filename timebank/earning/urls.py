from django.urls import path

from timebank.earning import views as claim_views

# Logging hours, claims, the approval queue, attendance, activities and sessions.
urlpatterns = [
    path("me/hours/", claim_views.log_hours, name="log_hours"),
    path("me/claims/", claim_views.my_claims_page, name="my_claims"),
    path("hours/", claim_views.claims_overview, name="claims_overview"),
    path("programmes/<slug:slug>/claims/", claim_views.claim_queue, name="claim_queue"),
    path("programmes/<slug:slug>/claims/<int:claim_id>/reject/", claim_views.claim_reject_page, name="claim_reject"),
    path("programmes/<slug:slug>/attendance/", claim_views.attendance_register, name="attendance_register"),
    path("programmes/<slug:slug>/activities/", claim_views.programme_activities, name="programme_activities"),
    path("programmes/<slug:slug>/sessions/", claim_views.programme_sessions, name="programme_sessions"),
]
