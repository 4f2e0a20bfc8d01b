"""Referral file uploads kept to the intake's limit: at most MAX_FILE_BYTES + 1 bytes of a file
are kept (in memory), the rest of the body is read and dropped, so a file over the limit is
refused by its size (413) without being held whole, in memory or on disk."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from . import intake


class CappedUploadHandler(FileUploadHandler):
    """Keeps the first `limit + 1` bytes of each uploaded file: enough to tell it is too large."""

    def __init__(self, request=None, limit: int | None = None):
        super().__init__(request)
        self.limit = intake.MAX_FILE_BYTES if limit is None else limit

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()
        self.kept = 0

    def receive_data_chunk(self, raw_data, start):
        room = self.limit + 1 - self.kept
        if room > 0:
            part = raw_data[:room]
            self.buffer.write(part)
            self.kept += len(part)
        return None  # no other handler keeps it either

    def file_complete(self, file_size):
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=self.kept,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


def cap_uploads(request, limit: int | None = None) -> None:
    """Install the capped handler on a Django request before its body is read."""
    request.upload_handlers = [CappedUploadHandler(request, limit)]
