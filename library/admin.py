from django.contrib import admin
from django.http import HttpRequest

from library.models import LibraryFile, LibraryFolder, LibraryScan


@admin.register(LibraryFolder)
class LibraryFolderAdmin(admin.ModelAdmin[LibraryFolder]):
    list_display = ["path", "owner", "scheduled", "attached_by", "created_at"]
    list_filter = ["scheduled"]
    readonly_fields = ["path", "attached_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # attached from the library page, where the path is checked under the roots


@admin.register(LibraryScan)
class LibraryScanAdmin(admin.ModelAdmin[LibraryScan]):
    list_display = ["folder", "owner", "status", "queued_at", "files_seen", "imported", "failed"]
    list_filter = ["status"]


@admin.register(LibraryFile)
class LibraryFileAdmin(admin.ModelAdmin[LibraryFile]):
    list_display = ["relpath", "folder", "outcome", "reason", "missing_since"]
    list_filter = ["outcome"]
