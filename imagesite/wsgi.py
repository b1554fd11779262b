import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imagesite.settings")
application = get_wsgi_application()

from gallery.imaging.sandbox import pool_warm  # noqa: E402 - after Django is set up

pool_warm()  # the upload check's decode children start with the web process, not on its first upload
