from django.apps import AppConfig


class ScrapingConfig(AppConfig):
    default_auto_field = "django_mongodb_backend.fields.ObjectIdAutoField"
    name = "scraping"
