from django.apps import AppConfig


class ProcessingConfig(AppConfig):
    default_auto_field = "django_mongodb_backend.fields.ObjectIdAutoField"
    name = "processing"
