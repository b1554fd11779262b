from django.urls import path

from library import views

app_name = "library"
urlpatterns = [
    path("library/", views.folders, name="folders"),
    path("library/<objectid:folder_id>/", views.folder_detail, name="folder_detail"),
    path("library/<objectid:folder_id>/scan/", views.folder_scan, name="folder_scan"),
    path("library/<objectid:folder_id>/detach/", views.folder_detach_view, name="folder_detach"),
    path("library/scans/<objectid:scan_id>/", views.scan_progress, name="scan_progress"),
    path("library/scans/<objectid:scan_id>/pause/", views.scan_pause_view, name="scan_pause"),
    path("library/scans/<objectid:scan_id>/resume/", views.scan_resume_view, name="scan_resume"),
]
