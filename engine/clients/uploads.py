"""Files uploaded for import, kept in the database until their import ends (a day at most).

The web request only stores the file (in pieces of at most ``CHUNK`` bytes, so a big file never
sits whole in memory) and answers; the worker of any host reads it back. Each host keeps a copy
on its own disk in ``cache_dir`` while it reads the file (previews, the import itself): the
readers of tables (CSV, XLSX) need a seekable file."""
from __future__ import annotations

import contextlib
import os
import re
import secrets
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from sqlalchemy.orm import Session

from engine.clients import error_texts  # noqa: F401  (registers the codes raised here)
from engine.shared.access import Actor
from engine.shared.clock import utcnow
from engine.shared.errors import NotFound
from engine.shared.notices import coded
from engine.shared.settings import VAR
from storage.models import StoredUpload
from storage.repositories import client_files as client_files_repo

Units = Callable[[], AbstractContextManager[Session]]

_UPLOAD_ID = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
#: an upload no import needs any more is forgotten after this long
UPLOAD_MAX_AGE = timedelta(days=1)
#: the size of one stored piece of an upload
CHUNK = 1024 * 1024
UPLOAD_DIR = VAR / "uploads"


class Uploads:
    """Uploaded files in the database, with this host's disk as a cache for reading them."""

    def __init__(self, command: Units, query: Units, cache_dir: Path,
                 now: Callable[[], datetime] | None = None) -> None:
        self.command = command
        self.query = query
        self.directory = cache_dir
        self._now = now

    def now(self) -> datetime:
        return (self._now or utcnow)()

    def save(self, actor: Actor, filename: str, stream: IO[bytes]) -> str:
        """Store the stream (read a piece at a time); the new upload's id."""
        upload_id = secrets.token_urlsafe(24)
        suffix = Path(filename).suffix.lower()[:16]
        size = 0
        with self.command() as s:
            client_files_repo.delete_uploads(s, client_files_repo.uploads_older_than(s, self.now() - UPLOAD_MAX_AGE))
            client_files_repo.add_upload(s, StoredUpload(id=upload_id, login=actor.login, filename=Path(filename).name[:300],
                                                         suffix=suffix, size=0, created_at=self.now()))
            seq = 0
            while piece := stream.read(CHUNK):
                client_files_repo.add_upload_chunk(s, upload_id, seq, piece)
                size += len(piece)
                seq += 1
            client_files_repo.set_upload_size(s, upload_id, size)
        self._forget_old_copies()
        return upload_id

    def get(self, actor: Actor, upload_id: str) -> tuple[Path, str]:
        """(path on this host, original file name) of the actor's own upload."""
        return self._local(upload_id, actor.login)

    def get_for_import(self, upload_id: str) -> tuple[Path, str]:
        """(path on this host, original file name) of an upload a queued import names."""
        return self._local(upload_id, None)

    def discard(self, upload_id: str) -> None:
        """Forget the upload: in the database and this host's copy."""
        if not _UPLOAD_ID.match(upload_id or ""):
            return
        with self.command() as s:
            client_files_repo.delete_uploads(s, [upload_id])
        self.drop_copy(upload_id)

    def drop_copy(self, upload_id: str) -> None:
        """Remove this host's copy (the stored upload stays for the worker)."""
        if _UPLOAD_ID.match(upload_id or ""):
            for path in self.directory.glob(f"{upload_id}*"):
                path.unlink(missing_ok=True)

    def _local(self, upload_id: str, login: str | None) -> tuple[Path, str]:
        gone = coded(NotFound, "import_upload_gone", {})
        if not _UPLOAD_ID.match(upload_id or ""):
            raise gone
        with self.query() as s:
            stored = client_files_repo.stored_upload(s, upload_id)
            if stored is None or (login is not None and stored.login != login):
                raise gone
            path = self.directory / f"{upload_id}{stored.suffix}"
            if not path.exists() or path.stat().st_size != stored.size:
                self._copy_here(s, stored, path)
            return path, stored.filename

    def _copy_here(self, session: Session, stored: StoredUpload, path: Path) -> None:
        """Write the stored pieces to this host's disk, atomically (a reader never sees half a file)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        handle, partial = tempfile.mkstemp(dir=self.directory, prefix=f".{stored.id}.")
        try:
            with os.fdopen(handle, "wb") as out:
                for seq in client_files_repo.upload_chunk_seqs(session, stored.id):
                    out.write(client_files_repo.upload_chunk(session, stored.id, seq))
            os.replace(partial, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(partial)
            raise

    def _forget_old_copies(self) -> None:
        if not self.directory.exists():
            return
        cutoff = time.time() - UPLOAD_MAX_AGE.total_seconds()
        for path in self.directory.iterdir():
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()
