from django.contrib import admin
from django.urls import include, path, re_path, register_converter

from imagesite import views
from imagesite.api import api, api_not_found
from imagesite.converters import ObjectIdConverter

register_converter(ObjectIdConverter, "objectid")

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("", include("gallery.urls")),
    path("", include("processing.urls")),
    path("", include("scraping.urls")),
    path("", include("library.urls")),
    path("", include("analytics.urls")),
    path("api/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", api_not_found),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
