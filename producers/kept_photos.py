"""Photos chosen on a product form that failed for another reason, kept so the producer need
not choose the file again.

The file waits in the private storage (not served to anyone); the page carries a signed token
naming it and the producer, valid for a day. Saving the product uses it and deletes it;
files left behind by abandoned forms are removed after a day.
"""

from __future__ import annotations

import datetime
import os
import uuid
from dataclasses import dataclass

from django.core import signing
from django.core.files import File
from django.utils import timezone
from django.utils.text import get_valid_filename

from .models import Producer
from .private_files import private_storage

DIRECTORY = "kept-photos"
MAX_AGE = datetime.timedelta(days=1)
_SALT = "producers.kept-photo"


@dataclass(frozen=True)
class KeptPhoto:
    path: str  # in the private storage
    name: str  # the file name the producer chose
    token: str


def _storage():
    return private_storage()


def photo_keep(*, upload, producer: Producer) -> KeptPhoto:
    """Store an uploaded (already validated) photo for this producer's next try."""
    storage = _storage()
    _remove_expired(storage)
    name = os.path.basename(upload.name or "")[-100:] or "photo"
    upload.seek(0)
    path = storage.save(f"{DIRECTORY}/{uuid.uuid4().hex}-{get_valid_filename(name)}", upload)
    token = signing.dumps({"path": path, "name": name, "producer": producer.pk}, salt=_SALT)
    return KeptPhoto(path=path, name=name, token=token)


def photo_kept(*, token: str, producer: Producer) -> KeptPhoto | None:
    """The photo a token names, if it is genuine, recent, this producer's and still there."""
    if not token:
        return None
    try:
        data = signing.loads(token, salt=_SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    path = data.get("path", "")
    if data.get("producer") != producer.pk or not path.startswith(f"{DIRECTORY}/"):
        return None
    if not _storage().exists(path):
        return None
    return KeptPhoto(path=path, name=data.get("name") or "photo", token=token)


def photo_open(kept: KeptPhoto) -> File:
    """The kept file, open for reading, under the name the producer chose."""
    return File(_storage().open(kept.path, "rb"), name=kept.name)


def photo_discard(kept: KeptPhoto | None) -> None:
    if kept is not None:
        _storage().delete(kept.path)


def _remove_expired(storage) -> None:
    try:
        _dirs, files = storage.listdir(DIRECTORY)
    except FileNotFoundError:
        return
    limit = timezone.now() - MAX_AGE
    for name in files:
        path = f"{DIRECTORY}/{name}"
        try:
            if storage.get_modified_time(path) < limit:
                storage.delete(path)
        except FileNotFoundError:
            pass  # removed meanwhile by another request
