"""Private files: uploads and documents that only some users may download (product import
files; later invoices and purchase orders).

They live in `STORAGES["private"]` (`PRIVATE_ROOT`, outside `MEDIA_ROOT`, never served by
URL), under random names (`<directory>/<uuid4 hex>`): the name a user chose is kept in the
database for display and for the download's file name. A view checks the user's right first
and then answers `private_file_response`. Nothing here knows who may read what.
"""

from __future__ import annotations

import uuid

from django.core.files.storage import Storage, storages
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils.deconstruct import deconstructible


def private_storage() -> Storage:
    """The storage of private files (a callable, so a FileField can name it in migrations)."""
    return storages["private"]


@deconstructible
class RandomName:
    """A FileField's `upload_to`: `<directory>/<uuid4 hex>`, whatever the uploaded name was,
    so no one can guess a file's name from what was uploaded."""

    def __init__(self, directory: str) -> None:
        self.directory = directory.strip("/")

    def __call__(self, instance, filename: str) -> str:
        return f"{self.directory}/{uuid.uuid4().hex}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RandomName) and other.directory == self.directory

    def __hash__(self) -> int:
        return hash(self.directory)


def private_file_response(file: FieldFile, filename: str) -> FileResponse:
    """Send a private file as a download named `filename`; 404 when it is missing.

    The browser always saves it (`Content-Disposition: attachment`), never guesses its type
    (`nosniff`) and no shared cache keeps it. Check the user's right before calling this.
    """
    if not file or not file.storage.exists(file.name):
        raise Http404
    response = FileResponse(file.open("rb"), as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
