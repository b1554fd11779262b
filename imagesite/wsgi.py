import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imagesite.settings")
application = get_wsgi_application()

from gallery.imaging.sandbox import pool_warm  # noqa: E402 - after Django is set up

pool_warm()  # the upload check's decode children start with the web process, not on its first upload

# What start-up made (Django, the apps and their imports) lives as long as the process: frozen,
# full collections skip it instead of walking it all again, 50-100 ms in the middle of a request.
gc.collect()
gc.freeze()
