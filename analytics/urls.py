from django.urls import path

from analytics import views

app_name = "analytics"
urlpatterns = [
    path("analytics/", views.dashboard, name="dashboard"),
    path("analytics/recompute/", views.recompute, name="recompute"),
    path("analytics/jobs/<objectid:job_id>/", views.job_progress, name="job_progress"),
    path("analytics/<objectid:snapshot_id>/charts/<slug:name>.svg", views.chart, name="chart"),
    path(
        "analytics/<objectid:snapshot_id>/tables/<slug:name>.csv", views.table_csv, name="table_csv"
    ),
]
