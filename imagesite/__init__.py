import django_stubs_ext

from imagesite.celery import app as celery_app

# Lets ModelAdmin[Model], ModelForm[Model] and django-stubs' other generics be subscripted at
# runtime; here, since this package loads before settings, apps, admin and forms.
django_stubs_ext.monkeypatch()

__all__ = ("celery_app",)
