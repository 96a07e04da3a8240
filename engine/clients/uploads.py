"""Files uploaded for import, kept on this server's disk until their import ends (a day at most)."""
from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from pathlib import Path
from typing import IO

from engine.shared.access import Actor
from engine.shared.errors import NotFound
from engine.shared.settings import VAR

_UPLOAD_ID = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
UPLOAD_MAX_AGE = 24 * 3600.0
UPLOAD_DIR = VAR / "uploads"


class Uploads:
    """Files uploaded for import, kept on this server's disk until their import ends (a day at most)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def save(self, actor: Actor, filename: str, stream: IO[bytes]) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._forget_old()
        upload_id = secrets.token_urlsafe(24)
        suffix = Path(filename).suffix.lower()
        with (self.directory / f"{upload_id}{suffix}").open("wb") as out:
            shutil.copyfileobj(stream, out, 1 << 20)
        (self.directory / f"{upload_id}.json").write_text(json.dumps(
            {"filename": Path(filename).name[:300], "login": actor.login, "suffix": suffix}))
        return upload_id

    def get(self, actor: Actor, upload_id: str) -> tuple[Path, str]:
        """(path, original file name) of the actor's own upload."""
        meta_path = self.directory / f"{upload_id}.json"
        if not _UPLOAD_ID.match(upload_id or "") or not meta_path.exists():
            raise NotFound("no such uploaded file: upload it again")
        meta = json.loads(meta_path.read_text())
        if meta["login"] != actor.login:
            raise NotFound("no such uploaded file: upload it again")
        return self.directory / f"{upload_id}{meta['suffix']}", meta["filename"]

    def discard(self, upload_id: str) -> None:
        if _UPLOAD_ID.match(upload_id or ""):
            for path in self.directory.glob(f"{upload_id}*"):
                path.unlink(missing_ok=True)

    def _forget_old(self) -> None:
        cutoff = time.time() - UPLOAD_MAX_AGE
        for path in self.directory.glob("*.json"):
            if path.stat().st_mtime < cutoff:
                self.discard(path.stem)


