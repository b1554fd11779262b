from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    default_auto_field = "django_mongodb_backend.fields.ObjectIdAutoField"
    name = "analytics"
