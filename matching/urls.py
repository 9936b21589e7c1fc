from django.urls import path

from matching import views

urlpatterns = [
    path("matching/<slug:slug>/", views.programme_needs, name="programme_needs"),
    path("matching/<slug:slug>/tasks/new/", views.task_post, name="task_post"),
    path("matching/<slug:slug>/batch/", views.batch_start, name="batch_start"),
    path("matching/<slug:slug>/batch/progress/", views.batch_progress_by_key, name="batch_progress_by_key"),
    path("matching/needs/<int:need_id>/", views.need_detail, name="need_detail"),
    path("matching/needs/<int:need_id>/propose/", views.need_propose, name="need_propose"),
    path("matching/needs/<int:need_id>/exclude/", views.need_exclude, name="need_exclude"),
    path("matching/matches/<int:match_id>/<slug:action>/", views.match_action, name="match_action"),
    path("matching/batch-runs/<int:run_id>/", views.batch_run, name="batch_run"),
    path("matching/batch-runs/<int:run_id>/offer-all/", views.batch_offer_all, name="batch_offer_all"),
    path("me/matches/", views.my_matches, name="my_matches"),
    path("me/matches/<int:match_id>/<slug:answer>/", views.my_match_answer, name="my_match_answer"),
    path("me/tasks/", views.task_list, name="task_list"),
    path("me/tasks/<int:need_id>/signup/", views.task_signup, name="task_signup"),
]
