from django.urls import path

from processing import views

app_name = "processing"
urlpatterns = [
    path("images/<objectid:image_id>/edit/", views.editor, name="editor"),
    path("images/<objectid:image_id>/edit/preview/", views.editor_preview, name="editor_preview"),
    path("images/<objectid:image_id>/edit/save/", views.editor_save, name="editor_save"),
    path(
        "images/<objectid:image_id>/restore-original/",
        views.original_restore_view,
        name="original_restore",
    ),
    path("versions/<objectid:version_id>/status/", views.version_status, name="version_status"),
    path(
        "versions/<objectid:version_id>/file/<str:kind>/", views.version_file, name="version_file"
    ),
    path(
        "versions/<objectid:version_id>/restore/",
        views.version_restore_view,
        name="version_restore",
    ),
    path(
        "versions/<objectid:version_id>/delete/", views.version_delete_view, name="version_delete"
    ),
    path("batch/", views.batch, name="batch"),
]
