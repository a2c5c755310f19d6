"""Uploaded files: capped (`MAX_UPLOAD`, 413 beyond), written under fixed names into a request's private
folder (never under the uploader's name), and named in messages by the uploader's file name reduced to
safe characters, with the server's own paths taken out of any error line."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import HTTPException, UploadFile

from musicvae_lite.errors import MvaeError
from musicvae_lite.serve.settings import MAX_UPLOAD
from musicvae_lite.serve.store import Result, ResultStore

_SAFE_NAME = re.compile(r"[^A-Za-z0-9 ._()+-]")


class Saved:
    """A request's uploads as written: the paths to give the verb, and what the user calls each."""

    def __init__(self, result: Result):
        self.result = result
        self.paths: list[str] = []
        self.names: dict[str, str] = {}

    async def add(self, upload: UploadFile, field: str) -> str:
        """Write `upload` as inputs/<field>.mid; returns its path."""
        shown = display_name(upload.filename, field)
        data = await upload.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            raise HTTPException(413, f"{shown}: the file is over {MAX_UPLOAD // (1024 * 1024)} MiB; MIDI melodies "
                                     f"are a few KB")
        path = self.result.inputs / f"{field}.mid"
        path.write_bytes(data)
        self.paths.append(str(path))
        self.names[str(path)] = shown
        return str(path)

    def shown(self, message: str) -> str:
        """`message` with the server's paths, and the bare file names a line may give instead (`a.mid is in
        3/4`), replaced by what the user knows them as."""
        for path, name in self.names.items():
            message = message.replace(path, name)
        for path, name in self.names.items():
            message = re.sub(rf"(?<![\w/.-]){re.escape(Path(path).name)}(?![\w.-])", lambda _, n=name: n, message)
        return message.replace(str(self.result.folder), "the output folder")

    @contextmanager
    def discarded_on_error(self, store: ResultStore) -> Iterator[None]:
        """Around a request's work: on any error its result is discarded from `store`, and a library error's
        line comes out `shown` (the uploads by the names the user gave them)."""
        try:
            yield
        except MvaeError as e:
            store.discard(self.result)
            raise MvaeError(self.shown(str(e))) from None
        except BaseException:
            store.discard(self.result)
            raise


def display_name(filename: str | None, field: str) -> str:
    """The upload's own file name, reduced to safe characters, for messages only."""
    base = _SAFE_NAME.sub("_", (filename or "").replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")[:80]
    return base or f"file {field}"
