from django.urls import path

from processing import views

app_name = "processing"
urlpatterns = [
    path("images/<objectid:image_id>/panel/", views.image_panel, name="image_panel"),
    path("images/<objectid:image_id>/edit/", views.editor, name="editor"),
    path("images/<objectid:image_id>/edit/preview/", views.editor_preview, name="editor_preview"),
    path("images/<objectid:image_id>/edit/save/", views.editor_save, name="editor_save"),
    path(
        "images/<objectid:image_id>/restore-original/",
        views.original_restore_view,
        name="original_restore",
    ),
    path("images/<objectid:image_id>/recognise/", views.image_recognise_view, name="recognise"),
    path(
        "images/<objectid:image_id>/remove-background/",
        views.background_remove_view,
        name="remove_background",
    ),
    path("images/<objectid:image_id>/stylise/", views.stylise_view, name="stylise"),
    path("images/<objectid:image_id>/hide-faces/", views.faces_hide_view, name="hide_faces"),
    path("versions/<objectid:version_id>/mask/", views.mask_touchup, name="mask_touchup"),
    path(
        "versions/<objectid:version_id>/mask/save/",
        views.mask_touchup_save,
        name="mask_touchup_save",
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
    path("styles/<slug:name>/thumb/", views.artwork_thumb, name="artwork_thumb"),
    path("download/", views.selection_download, name="selection_download"),
]
