from django.urls import path

from gallery import views

app_name = "gallery"
urlpatterns = [
    path("upload/", views.upload, name="upload"),
    path("upload/chunks/", views.chunked_start, name="chunked_start"),
    path("upload/chunks/<objectid:upload_id>/", views.chunked_upload, name="chunked_upload"),
    path("gallery/", views.gallery, name="gallery"),
    path("gallery/count/", views.gallery_count, name="gallery_count"),
    path("gallery/delete/", views.images_delete_view, name="images_delete"),
    path("images/<objectid:image_id>/", views.image_detail, name="image_detail"),
    path("images/<objectid:image_id>/card/", views.image_card, name="image_card"),
    path("images/<objectid:image_id>/status/", views.image_status, name="image_status"),
    path("images/<objectid:image_id>/meta/", views.image_edit_meta, name="image_edit_meta"),
    path("images/<objectid:image_id>/delete/", views.image_delete_view, name="image_delete"),
    path("images/<objectid:image_id>/file/<str:kind>/", views.image_file, name="image_file"),
]
