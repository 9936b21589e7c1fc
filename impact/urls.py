from django.urls import path

from impact import views

urlpatterns = [
    path("impact/", views.statements, name="impact_statements"),
    path("impact/statements/<int:pk>/", views.statement_detail, name="impact_statement"),
    path("impact/statements/<int:pk>/statement.<str:kind>", views.statement_download, name="impact_download"),
    path("impact/<slug:slug>/inputs/", views.impact_inputs, name="impact_inputs"),
    path("impact/<slug:slug>/costs/", views.cost_new, name="impact_cost_new"),
    path("impact/<slug:slug>/outcomes/", views.outcome_new, name="impact_outcome_new"),
    path(
        "impact/<slug:slug>/outcomes/<int:outcome_id>/records/",
        views.outcome_record_new,
        name="impact_outcome_record_new",
    ),
    path("impact/<slug:slug>/narrative/", views.narrative_edit, name="impact_narrative"),
]
