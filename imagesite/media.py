"""Hand a private media file to the client once a view has checked who may see it."""

import mimetypes
from pathlib import PurePosixPath
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase


def private_file_response(
    *, name: str, download_name: str = "", as_attachment: bool = False
) -> HttpResponseBase:
    """Stream the file, or let the proxy send it (X-Accel-Redirect for nginx, X-Sendfile)."""
    if not name or not default_storage.exists(name):
        raise Http404("file not found")
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    filename = download_name or PurePosixPath(name).name
    response: HttpResponseBase
    if settings.MEDIA_ACCEL:
        response = HttpResponse(content_type=content_type)
        if settings.MEDIA_ACCEL == "nginx":
            response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_PREFIX + quote(name)
        else:
            response["X-Sendfile"] = default_storage.path(name)
        disposition = "attachment" if as_attachment else "inline"
        response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    else:
        response = FileResponse(
            default_storage.open(name, "rb"),
            as_attachment=as_attachment,
            filename=filename,
            content_type=content_type,
        )
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
