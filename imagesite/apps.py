"""Django's contrib apps and allauth with ObjectId primary keys (their migrations live in
imagesite/mongo_migrations, generated for this backend)."""

from allauth.account.apps import AccountConfig
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth.apps import AuthConfig
from django.contrib.contenttypes.apps import ContentTypesConfig

OBJECT_ID = "django_mongodb_backend.fields.ObjectIdAutoField"


class MongoAdminConfig(AdminConfig):
    default_auto_field = OBJECT_ID
    default_site = "imagesite.admin.ImageSiteAdmin"


class MongoAuthConfig(AuthConfig):
    default_auto_field = OBJECT_ID


class MongoContentTypesConfig(ContentTypesConfig):
    default_auto_field = OBJECT_ID


class MongoAccountConfig(AccountConfig):
    default_auto_field = OBJECT_ID
