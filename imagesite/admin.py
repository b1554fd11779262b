from django.contrib.admin import AdminSite


class ImageSiteAdmin(AdminSite):
    site_header = "Image workshop administration"
    site_title = "Image workshop admin"
    index_title = "Moderation"
