from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.models import User
from imagesite.health import health_report


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for whatever the page links: the site's SVG icon."""
    data = (settings.BASE_DIR / "static" / "favicon.svg").read_bytes()
    response = HttpResponse(data, content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_GET
def health(request: HttpRequest) -> HttpResponse:
    """Database, broker and worker status; 503 when one of them does not answer. Details
    (host names, errors) only for staff."""
    report = health_report()
    status = 200 if report.ok else 503
    detail = isinstance(request.user, User) and request.user.is_staff  # False when anonymous
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse(report.as_dict(detail=detail), status=status)
    return render(request, "health.html", {"report": report, "detail": detail}, status=status)
