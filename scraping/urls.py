from django.urls import path

from scraping import views

app_name = "scraping"
urlpatterns = [
    path("import/", views.sources, name="sources"),
    path("import/<objectid:source_id>/", views.source_detail, name="source_detail"),
    path("import/<objectid:source_id>/run/", views.source_run, name="source_run"),
    path("import/<objectid:source_id>/resume/", views.source_resume_view, name="source_resume"),
    path("import/<objectid:source_id>/delete/", views.source_delete, name="source_delete"),
    path("import/runs/<objectid:run_id>/", views.run_progress, name="run_progress"),
    path("import/runs/<objectid:run_id>/details/", views.run_detail, name="run_detail"),
    path("import/runs/<objectid:run_id>/cancel/", views.run_cancel_view, name="run_cancel"),
    path("import/items/<objectid:item_id>/import/", views.item_import_view, name="item_import"),
]
