from django.urls import path

from gallery import library_views, views, views_places

app_name = "gallery"
urlpatterns = [
    path("upload/", views.upload, name="upload"),
    path("upload/chunks/", views.chunked_start, name="chunked_start"),
    path("upload/chunks/<objectid:upload_id>/", views.chunked_upload, name="chunked_upload"),
    path("gallery/", views.gallery, name="gallery"),
    path("gallery/count/", views.gallery_count, name="gallery_count"),
    path("gallery/picker/", views.image_picker, name="image_picker"),
    path("gallery/delete/", views.images_delete_view, name="images_delete"),
    path("gallery/selection/", library_views.selection_apply, name="selection"),
    path("gallery/trash/empty/", library_views.trash_empty_view, name="trash_empty"),
    path("albums/", library_views.albums, name="albums"),
    path("albums/<objectid:album_id>/", library_views.album_detail, name="album_detail"),
    path("albums/<objectid:album_id>/edit/", library_views.album_edit, name="album_edit"),
    path(
        "albums/<objectid:album_id>/delete/", library_views.album_delete_view, name="album_delete"
    ),
    path("images/<objectid:image_id>/", views.image_detail, name="image_detail"),
    path("images/<objectid:image_id>/view/", views.image_viewer, name="image_viewer"),
    path("images/<objectid:image_id>/card/", views.image_card, name="image_card"),
    path("images/<objectid:image_id>/status/", views.image_status, name="image_status"),
    path("images/<objectid:image_id>/meta/", views.image_edit_meta, name="image_edit_meta"),
    path("images/<objectid:image_id>/delete/", views.image_delete_view, name="image_delete"),
    path(
        "images/<objectid:image_id>/favourite/",
        library_views.image_favourite,
        name="image_favourite",
    ),
    path("images/<objectid:image_id>/file/<str:kind>/", views.image_file, name="image_file"),
    path(
        "images/<objectid:image_id>/when-where/",
        views_places.image_when_where,
        name="image_when_where",
    ),
    path("gallery/edit/", views_places.images_when_where, name="images_when_where"),
    path("places/", views_places.places, name="places"),
    path("places/suggest/", views_places.place_suggest, name="place_suggest"),
]
