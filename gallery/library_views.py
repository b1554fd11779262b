"""Albums, favourites, archive and trash: the album pages, the heart of a tile, and the
actions on a selection (the grid's, or one image's from its detail page)."""

from collections.abc import Callable

from bson import ObjectId
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from accounts.http import AuthedRequest
from gallery.forms import AlbumForm
from gallery.library import (
    album_add,
    album_cover_set,
    album_create,
    album_delete,
    album_remove,
    album_update,
    images_archive,
    images_delete_forever,
    images_favourite,
    images_restore,
    images_trash,
    trash_empty,
)
from gallery.models import Album, Image
from gallery.selectors import album_get, album_list, image_get
from gallery.views import gallery_response
from imagesite.converters import object_ids
from imagesite.http import found_or_404

Action = Callable[[AuthedRequest, list[ObjectId], Album | None], str]


def _owned_album(request: AuthedRequest, album_id: ObjectId) -> Album:
    return found_or_404(album_get(owner_id=request.user.pk, album_id=album_id))


def _plural(count: int) -> str:
    return f"{count} image{'s' if count != 1 else ''}"


@login_required
@require_http_methods(["GET", "POST"])
def albums(request: AuthedRequest) -> HttpResponse:
    """The owner's albums with their covers and counts; the form creates one."""
    form = AlbumForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        album = album_create(
            owner=request.user,
            name=form.cleaned_data["name"],
            description=form.cleaned_data["description"],
        )
        messages.success(request, f"Created the album {album.name}.")
        return redirect("gallery:album_detail", album.pk)
    context = {"albums": album_list(owner_id=request.user.pk), "form": form, "on_albums": True}
    return render(request, "gallery/albums.html", context)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def album_detail(request: AuthedRequest, album_id: ObjectId) -> HttpResponse:
    """An album is the gallery with one more term (`album:<id>`): the same filters, orders,
    paging and selection."""
    album = _owned_album(request, album_id)
    query = request.GET.copy()
    query["album"] = str(album.pk)
    page_url = reverse("gallery:album_detail", args=[album.pk])
    extra = {"album": album, "album_form": AlbumForm(instance=album)}
    return gallery_response(request, query=query, page_url=page_url, extra=extra)


@login_required
@require_POST
def album_edit(request: AuthedRequest, album_id: ObjectId) -> HttpResponse:
    """Rename and describe."""
    album = _owned_album(request, album_id)
    form = AlbumForm(request.POST, instance=Album(owner=request.user))
    if form.is_valid():
        album_update(
            album=album,
            name=form.cleaned_data["name"],
            description=form.cleaned_data["description"],
        )
        messages.success(request, "Saved the album.")
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("gallery:album_detail", album.pk)


@login_required
@require_POST
def album_delete_view(request: AuthedRequest, album_id: ObjectId) -> HttpResponse:
    album = _owned_album(request, album_id)
    album_delete(album=album)
    messages.success(request, f"Deleted the album {album.name}; its images are still here.")
    return redirect("gallery:albums")


@login_required
@require_POST
def image_favourite(request: AuthedRequest, image_id: ObjectId) -> HttpResponse:
    """The heart of a tile or of the detail page: on (favourite=1) or off; htmx swaps the
    heart, a plain form goes back to where it was sent from."""
    image = found_or_404(image_get(owner_id=request.user.pk, image_id=image_id))
    favourite = request.POST.get("favourite") == "1"
    images_favourite(owner=request.user, image_ids=[image.pk], favourite=favourite)
    image.favourite = favourite
    if request.htmx:
        return render(request, "gallery/library.html#heart", {"image": image})
    return _back(request)


@login_required
@require_POST
def trash_empty_view(request: AuthedRequest) -> HttpResponse:
    count = trash_empty(owner=request.user)
    messages.success(request, f"Deleted {_plural(count)} for good.")
    return redirect(f"{reverse('gallery:gallery')}?visibility={Image.Visibility.TRASH}")


# The selection's actions: each gets the owner's posted image ids (and the album of the page
# it was sent from, where it needs one) and says what it did.


def _album_of(request: AuthedRequest, album: Album | None) -> Album:
    """The album of the page the action was sent from, else the one it names (`album`);
    404 for another user's."""
    if album is not None:
        return album
    chosen = object_ids([request.POST.get("album", "")])
    if not chosen:
        raise ValidationError("Choose an album.")
    return _owned_album(request, chosen[0])


def _add(request: AuthedRequest, ids: list[ObjectId], album: Album | None) -> str:
    target = _album_of(request, None)  # the album chosen, also on an album's page
    added = album_add(album=target, image_ids=ids)
    return f"Added {_plural(added)} to {target.name}."


def _remove(request: AuthedRequest, ids: list[ObjectId], album: Album | None) -> str:
    target = _album_of(request, album)
    return f"Removed {_plural(album_remove(album=target, image_ids=ids))} from {target.name}."


def _cover(request: AuthedRequest, ids: list[ObjectId], album: Album | None) -> str:
    target = _album_of(request, album)
    image = image_get(owner_id=request.user.pk, image_id=ids[0]) if len(ids) == 1 else None
    if image is None:
        raise ValidationError("Select one image to be the cover.")
    album_cover_set(album=target, image=image)
    return f"{image.display_name} is the cover of {target.name}."


def _flag(service: Callable[..., int], message: str, **values: bool) -> Action:
    def act(request: AuthedRequest, ids: list[ObjectId], album: Album | None) -> str:
        return message.format(_plural(service(owner=request.user, image_ids=ids, **values)))

    return act


ACTIONS: dict[str, Action] = {
    "album_add": _add,
    "album_remove": _remove,
    "album_cover": _cover,
    "favourite": _flag(images_favourite, "Added {} to the favourites.", favourite=True),
    "unfavourite": _flag(images_favourite, "Took {} out of the favourites.", favourite=False),
    "archive": _flag(images_archive, "Archived {}.", archived=True),
    "unarchive": _flag(images_archive, "Moved {} back to the library.", archived=False),
    "trash": _flag(images_trash, "Moved {} to the trash."),
    "restore": _flag(images_restore, "Restored {}."),
    "delete_forever": _flag(images_delete_forever, "Deleted {} for good."),
}


@login_required
@require_POST
def selection_apply(request: AuthedRequest) -> HttpResponse:
    """One action (`action`) on the posted images (`ids`) of the owner, then back to the
    page (`next`). Other users' ids are ignored; nothing selected does nothing."""
    action = ACTIONS.get(request.POST.get("action", ""))
    ids = object_ids(request.POST.getlist("ids"))
    page_album = object_ids([request.POST.get("page_album", "")])
    album = _owned_album(request, page_album[0]) if page_album else None
    if action is None:
        messages.error(request, "Unknown action.")
    elif not ids:
        messages.info(request, "No images were selected.")
    else:
        try:
            messages.success(request, action(request, ids, album))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    return _back(request)


def _back(request: AuthedRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("gallery:gallery")
    return redirect(target)
