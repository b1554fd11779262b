from django.apps import AppConfig


class LibraryConfig(AppConfig):
    default_auto_field = "django_mongodb_backend.fields.ObjectIdAutoField"
    name = "library"
    verbose_name = "Server folders"
