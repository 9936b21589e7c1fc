from django.urls import path

from mentoring import views

urlpatterns = [
    path("me/mentorships/", views.my_mentorships, name="my_mentorships"),
    path("mentoring/<slug:slug>/", views.programme_mentorships, name="programme_mentorships"),
    path("mentoring/<slug:slug>/new/", views.mentorship_new, name="mentorship_new"),
    path("mentorships/<int:mentorship_id>/", views.mentorship_detail, name="mentorship_detail"),
    path("mentorships/<int:mentorship_id>/sessions/new/", views.session_new, name="session_new"),
    path("mentorships/<int:mentorship_id>/goals/new/", views.goal_new, name="goal_new"),
    path("mentorships/<int:mentorship_id>/review/", views.goals_review, name="goals_review"),
    path("mentorships/<int:mentorship_id>/close/", views.mentorship_close, name="mentorship_close"),
    path("mentorships/<int:mentorship_id>/check-ins/", views.check_in_new, name="check_in_new"),
    path("people/<int:person_id>/export.json", views.person_export, name="person_export"),
    path("people/<int:person_id>/erase/", views.person_erase, name="person_erase"),
    path("sessions/<int:session_id>/edit/", views.session_edit, name="session_edit"),
]
