from django.apps import AppConfig


class GalleryConfig(AppConfig):
    default_auto_field = "django_mongodb_backend.fields.ObjectIdAutoField"
    name = "gallery"
