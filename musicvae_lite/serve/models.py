"""The models a server offers: the bundled models of every family whose verbs return items the page can
draw and play (`Family.web`), plus any the person starting the server names. A request picks one by
name and nothing else: it never names a path. Beside them the pool keeps the bundled models that are not
offered in the Model menu but that a panel uses by name (`tools`: GrooVAE's `groove` and `drumify`, for the
Groove and Drumify panels); `get(name, tool=True)` and `borrow(name, tool=True)` reach those alone. Each
model is loaded once, on first use, and used by one request at a time (a lock per model): decoding draws
from torch's random state, and two requests sharing it would make seeded results depend on timing."""

from __future__ import annotations

import copy
import os
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from musicvae_lite.errors import MvaeError


PAGE_VERBS = ("interpolate", "grid", "sample", "vary", "continue")  # the verbs the page's tabs and panels use


class UnknownModel(MvaeError):
    """A request named a model this server does not offer."""


@dataclass
class Served:
    name: str
    spec: str  # a bundled name, or the run folder / checkpoint given on the command line
    loaded: object | None = None  # families.Loaded, once loaded (the first replica)
    free: queue.SimpleQueue = field(default_factory=queue.SimpleQueue)  # replicas no request holds
    made: int = 0  # replicas made so far


class ModelPool:
    def __init__(self, extra: dict[str, str | Path] | None = None, *, bundled: bool = True,
                 replicas: int | None = None):
        from musicvae_lite import families

        self.replicas = max(1, replicas or min(os.cpu_count() or 1, 4))
        self._served: dict[str, Served] = {}
        self._tools: dict[str, Served] = {}  # bundled models a panel uses by name, not offered in the menu
        if bundled:
            from musicvae_lite.core.bundled import FOLDER

            for family in families.FAMILIES.values():
                if family.web:
                    for name, stem in family.bundled.items():
                        if (FOLDER / f"{stem}.pt").exists():
                            shelf = self._tools if name in family.not_on_web else self._served
                            shelf[name] = Served(name, name)
        for name, spec in (extra or {}).items():
            self._served[name] = Served(name, str(spec))
        if not self._served:
            raise MvaeError("no model to serve: this installation has no bundled model a web page can use; "
                            "give one with --model")
        self._load_lock = threading.Lock()
        for name in extra or {}:  # models named at start are checked at start
            self.get(name)

    def names(self) -> list[str]:
        return list(self._served)

    def add(self, name: str, spec: str | Path) -> dict:
        """Offer a model made while the server runs (a personalized one, by /api/personalize) under `name`,
        loaded now; what /api/models says of it."""
        with self._load_lock:
            if name in self._served:
                raise MvaeError(f"this server already offers a model called {name!r}")
            self._served[name] = Served(name, str(spec))
        return self.describe_one(name)

    def made(self, prefix: str) -> int:
        """How many models whose names start with `prefix` this server offers."""
        return sum(1 for name in self._served if name.startswith(prefix))

    def default(self) -> str:
        return "default" if "default" in self._served else next(iter(self._served))

    def get(self, name: str | None, tool: bool = False) -> Served:
        """The model `name` (None: the default), loaded; with `tool`, the bundled tool of that name."""
        name = name or self.default()
        served = (self._tools if tool else self._served).get(name)
        if served is None and tool:
            raise MvaeError(f"this installation has no bundled `{name}` model")
        if served is None:
            raise UnknownModel(f"unknown model {name!r}; this server offers: {', '.join(self._served)}")
        if served.loaded is None:
            with self._load_lock:
                if served.loaded is None:
                    from musicvae_lite import families

                    loaded = families.load(served.spec)
                    if not loaded.family.web:
                        raise MvaeError(f"{served.spec}: {loaded.family.name} models cannot be served "
                                        f"(the page draws and plays music families only)")
                    served.loaded = loaded
                    served.made = 1
                    served.free.put(loaded)
        return served

    @contextmanager
    def borrow(self, name: str | None, tool: bool = False) -> Iterator[object]:
        """A replica of the model `name` (a `families.Loaded`; with `tool`, of that bundled tool) for this
        request alone, returned after."""
        served = self.get(name, tool)
        try:
            replica = served.free.get_nowait()
        except queue.Empty:
            replica = None
            with self._load_lock:
                if served.made < self.replicas:
                    served.made += 1
                    replica = copy.copy(served.loaded)
                    replica.model = copy.deepcopy(served.loaded.model)
            if replica is None:
                replica = served.free.get()
        try:
            yield replica
        finally:
            served.free.put(replica)

    def describe(self) -> list[dict]:
        """What /api/models says of each model: its family, its length in bars (the page lays out its rolls,
        and its Blender refuses a long model, by it) and the page's verbs it offers. Reading the length loads
        the model (a tenth of a second; each model once)."""
        return [self.describe_one(name) for name in list(self._served)]

    def describe_one(self, name: str) -> dict:
        loaded = self.get(name).loaded
        verbs = loaded.family.verbs_for(loaded.model)  # a GrooVAE's own
        return {"name": name, "default": name == self.default(), "family": loaded.family.name,
                "bars": getattr(loaded.model.config, "bars", None),
                "verbs": [v for v in PAGE_VERBS if verbs.supports(v)]}
