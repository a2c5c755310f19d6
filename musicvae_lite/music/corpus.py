"""music21's bundled corpora written out as MIDI files: Essen folk songs, Bach chorales, and more.

`export_corpus("essen", out_dir)` turns every tune of a music21 corpus collection into one MIDI file,
in parallel, without overwriting what is already there, and reports what it wrote, what it left
alone and what it skipped (with the reason). It backs `mvae data corpus NAME -o DIR`.

Collections (`CORPORA`, plus any other music21 corpus folder by its name):
- `essen`: the Essen Folksong Collection (Schaffrath 1995), in the ABC edition that music21 bundles
  under `corpus/essenFolksong`: 31 files holding ~8,500 monophonic melodies. Every tune (every `X:`
  field of an ABC file) becomes one MIDI file, named `<abc file stem>_<X number>.mid`.
- `bach`: the 371 four-part chorales in Riemenschneider's numbering, looked up through music21's
  `corpus.chorales.ChoraleListRKBWV` (the list `corpus.chorales.Iterator` walks). Several
  Riemenschneider numbers name the same BWV setting, so this is 350 distinct files, each written
  once as `bwv<number>.mid`. Other Bach files in the corpus (alternative versions, `.krn` copies,
  BWV 846, the Roman-numeral analyses) are left out.
- `mix`: the wide melody mix (`MIX`), each collection into its own subfolder: Essen, Aird's Airs, the
  American fife and Northumbrian minstrelsy books (`miscFolk`), the Bach chorales (every voice is a
  track), Palestrina, Monteverdi, the trecento pieces and the string quartets (Beethoven, Haydn,
  Mozart). Never `RESERVED` (`oneills1850`, `ryansMammoth`): the project keeps those as an
  out-of-sample check, exported only when asked for by name. A piece the corpus holds in two formats
  (`.krn` beside `.mxl`) is exported once, from the `.mxl`.
- any other folder of music21's core corpus, e.g. `oneills1850`, `ryansMammoth`, `airdsAirs`,
  `nottingham-dataset` (music21 ships only one file of it), `mozart`: every file becomes one MIDI
  file (every tune, for ABC files), named after its path inside the folder.

Sources:
- music21 (Cuthbert & Ariza 2010, "music21: A Toolkit for Computer-Aided Musicology and Symbolic
  Music Data", ISMIR): `corpus.getComposer`, `corpus.chorales`, `converter.parse`,
  `midi.translate.streamToMidiFile`; https://www.music21.org/music21docs/
- The ABC standard 2.1 (Walshaw), section 2.2: a file holds tunes that each start with an `X:`
  field; lines before the first tune form a file header that applies to every tune.
- Known music21 10.5 trap: its ABC reader can put one TimeSignature object into several measures
  (~11% of Essen tunes); MIDI export then fails with "StreamException ... already found in this
  Stream" when it gathers the marks into one conductor track. `_unshare_marks` gives each measure
  its own copy first.
"""

from __future__ import annotations

import collections
import copy
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from musicvae_lite.errors import MvaeError
from musicvae_lite.files import atomic_write

SKIPPED_REPORT = "skipped.txt"  # name of the skip report written into the output folder
_CHUNKSIZE = 8  # tunes handed to a worker process at a time: small, so the progress bar moves


class CorpusError(MvaeError):
    """A user-facing failure of a corpus export (unknown name, music21 missing, bad folder)."""


@dataclass(frozen=True)
class CorpusSpec:
    """A curated collection: the name users type and the music21 corpus folder it comes from."""

    name: str  # what `mvae data corpus NAME` accepts
    folder: str  # music21 core corpus folder holding the files
    description: str  # one line for help texts


CORPORA: dict[str, CorpusSpec] = {
    "essen": CorpusSpec(
        "essen",
        "essenFolksong",
        "Essen Folksong Collection: ~8,500 folk melodies (ABC), one MIDI file per tune",
    ),
    "bach": CorpusSpec(
        "bach",
        "bach",
        "the 371 Riemenschneider four-part chorales (350 distinct BWV files), one MIDI file each",
    ),
}


MIX = ("essen", "airdsAirs", "miscFolk", "bach", "palestrina", "monteverdi", "trecento", "beethoven", "haydn",
       "mozart")  # `mvae data corpus mix`: every melodic collection, each into its own subfolder
RESERVED = ("oneills1850", "ryansMammoth")  # never trained or tuned on: the out-of-sample check


@dataclass
class CorpusReport:
    """What `export_corpus` did: paths sorted by name, `skipped` in corpus order as (tune id, reason)."""

    written: list[Path] = field(default_factory=list)  # MIDI files written by this run
    existing: list[Path] = field(default_factory=list)  # already present, left untouched
    skipped: list[tuple[str, str]] = field(default_factory=list)  # tunes music21 could not convert

    def skip_counts(self) -> dict[str, int]:
        """Skipped tunes counted by the kind of reason (the text before the reason's first colon)."""
        counts = collections.Counter(reason.split(":", 1)[0] for _, reason in self.skipped)
        return dict(counts.most_common())

    def summary(self) -> str:
        """One line for the command line, e.g. '8401 written, 0 existing, 113 skipped (...)'."""
        line = f"{len(self.written)} written, {len(self.existing)} existing, {len(self.skipped)} skipped"
        if self.skipped:
            line += " (" + ", ".join(f"{k}: {n}" for k, n in self.skip_counts().items()) + ")"
        return line


@dataclass(frozen=True)
class _Job:
    """One tune to convert: where it comes from and the MIDI file it becomes."""

    tune_id: str  # how reports name the tune, e.g. "essenFolksong/ballad10.abc X:13"
    source: Path  # the corpus file
    out_path: Path  # the MIDI file to write
    abc_text: str | None = None  # one ABC tune (with the file header); None: parse `source` whole


def _import_music21():
    """music21, or a CorpusError that says how to install it (imported lazily: it is slow and optional)."""
    try:
        import music21
    except ImportError:
        raise CorpusError(
            "music21 is not installed: pip install music21 (or pip install 'musicvae_lite[corpus]')"
        ) from None
    return music21


def _collection_folders() -> dict[str, str]:
    """music21 core corpus folders holding music, keyed by lower-cased name."""
    _import_music21()
    from music21 import common, corpus

    root = Path(common.getCorpusFilePath())
    folders = {p.relative_to(root).parts[0] for p in corpus.corpora.CoreCorpus().getPaths()}
    return {f.lower(): f for f in sorted(folders) if not f.startswith(("_", "."))}


def available_corpora() -> list[str]:
    """Every name `export_corpus` accepts: the curated ones first, then music21's corpus folders."""
    curated_folders = {spec.folder.lower() for spec in CORPORA.values()}
    others = [f for key, f in _collection_folders().items() if key not in curated_folders]
    return [*CORPORA, "mix", *others]


def _sanitize(text: str) -> str:
    """A file-name-safe version of `text`: letters, digits, '.', '-' and '_' only."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "untitled"


def _read_text(path: Path) -> str:
    """A corpus text file; the older ABC files are Latin-1 rather than UTF-8."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _split_abc(text: str) -> list[tuple[str, str]]:
    """An ABC file's tunes as (X field value, tune text with the file header prepended)."""
    parts = re.split(r"(?m)^(?=X:)", text)
    header = parts[0] if not parts[0].startswith("X:") else ""
    header = header if header.strip() else ""
    tunes = []
    for part in parts:
        if part.startswith("X:"):
            number = part[2:].split("\n", 1)[0].strip()
            tunes.append((number, header + part))
    return tunes


def _unique_name(stem: str, taken: set[str]) -> str:
    """`stem`.mid, or `stem`_2.mid, `stem`_3.mid, ... when an earlier tune already took the name."""
    name, k = f"{stem}.mid", 1
    while name in taken:
        k += 1
        name = f"{stem}_{k}.mid"
    taken.add(name)
    return name


def _bach_sources() -> list[Path]:
    """The distinct corpus files of the 371 Riemenschneider chorales, in Riemenschneider order."""
    from music21.corpus import chorales

    # exact file-name match: corpus.getWork("bach/bwv112.5") also returns bwv112.5-sc.mxl
    by_stem: dict[str, Path] = {}
    for path in _folder_sources("bach"):
        if path.stem not in by_stem or path.suffix != ".krn":  # MusicXML over a Humdrum copy
            by_stem[path.stem] = path
    by_number = chorales.ChoraleListRKBWV().byRiemenschneider
    paths: list[Path] = []
    for number in sorted(by_number):
        stem = f"bwv{by_number[number]['bwv']}"
        prefixed = [p for s, p in by_stem.items() if s.startswith(stem)]  # R126's "18.5-l" is bwv18.5-lz
        path = by_stem.get(stem) or (prefixed[0] if len(prefixed) == 1 else None)
        if path is not None and path not in paths:
            paths.append(path)
    return paths


def _folder_sources(folder: str) -> list[Path]:
    """Every music file music21 knows in one core corpus folder, sorted."""
    from music21 import common, corpus

    root = Path(common.getCorpusFilePath())
    return sorted(
        Path(p) for p in corpus.corpora.CoreCorpus().getPaths() if Path(p).relative_to(root).parts[0] == folder
    )


def _one_format(sources: list[Path]) -> list[Path]:
    """Sources without the `.krn` files that have an `.mxl` of the same piece beside them."""
    mxl = {p.with_suffix("") for p in sources if p.suffix.lower() == ".mxl"}
    return [p for p in sources if not (p.suffix.lower() == ".krn" and p.with_suffix("") in mxl)]


def _resolve(name: str) -> tuple[str, list[Path]]:
    """The corpus folder and source files behind a user-given name, or a CorpusError listing valid names."""
    _import_music21()
    key = name.strip().lower()
    if key in CORPORA:
        folder = CORPORA[key].folder
        return folder, (_bach_sources() if key == "bach" else _folder_sources(folder))
    folders = _collection_folders()
    if key in folders:
        return folders[key], _one_format(_folder_sources(folders[key]))
    raise CorpusError(f"unknown corpus {name!r}; choose one of: {', '.join(available_corpora())}")


def _plan(folder: str, sources: list[Path], out_dir: Path, limit: int | None) -> list[_Job]:
    """One job per tune, in corpus order, with stable unique output names; at most `limit` jobs."""
    from music21 import common

    root = Path(common.getCorpusFilePath()) / folder
    jobs: list[_Job] = []
    taken: set[str] = set()
    for source in sources:
        rel = source.relative_to(root)
        stem = _sanitize("_".join([*rel.parts[:-1], rel.stem]))
        label = f"{folder}/{rel.as_posix()}"
        if source.suffix.lower() == ".abc":
            for number, text in _split_abc(_read_text(source)):
                out = out_dir / _unique_name(f"{stem}_{_sanitize(number)}", taken)
                jobs.append(_Job(f"{label} X:{number}", source, out, text))
        else:
            jobs.append(_Job(label, source, out_dir / _unique_name(stem, taken)))
    return jobs if limit is None else jobs[:limit]


def _unshare_marks(score) -> int:
    """Give every measure its own copy of time/key signatures and tempo marks it shares with another.

    music21's ABC reader can insert one TimeSignature object into several measures; its MIDI export
    then tries to insert that object twice into the conductor track and raises StreamException.
    Returns how many marks were copied.
    """
    from music21 import key, meter, stream, tempo

    seen: set[int] = set()
    copied = 0
    for measure in score.recurse().getElementsByClass(stream.Measure):
        marks = measure.getElementsByClass((meter.TimeSignature, key.KeySignature, tempo.TempoIndication))
        for mark in list(marks):
            if id(mark) in seen:
                measure.replace(mark, copy.deepcopy(mark), allDerived=False)
                copied += 1
            else:
                seen.add(id(mark))
    return copied


def score_to_midi(score) -> bytes:
    """A music21 Score as Standard MIDI File bytes, after `_unshare_marks` (music21's errors pass through)."""
    from music21 import midi

    _unshare_marks(score)
    return midi.translate.streamToMidiFile(score).writestr()


def _one_line(stage: str, err: BaseException) -> str:
    """'<stage> <ExceptionType>: <message>' on one line, cut to 200 characters."""
    message = " ".join(str(err).split())
    return f"{stage} {type(err).__name__}: {message}"[:200]


def _midi_bytes(job: _Job) -> tuple[bytes | None, str | None]:
    """The tune as Standard MIDI File bytes, or (None, reason) when music21 cannot read or export it."""
    from music21 import converter, stream

    try:
        if job.abc_text is not None:
            parsed = converter.parse(job.abc_text, format="abc")
        else:
            parsed = converter.parse(job.source)
    except Exception as err:  # music21 raises many unrelated types on bad input; each becomes a skip
        return None, _one_line("parse", err)
    if isinstance(parsed, stream.Opus):
        if len(parsed.scores) != 1:
            return None, f"parse: an opus of {len(parsed.scores)} scores in a non-ABC file"
        parsed = parsed.scores[0]
    if not parsed.recurse().notes:
        return None, "empty: no notes"
    try:
        return score_to_midi(parsed), None
    except Exception as err:  # as above: report, never stop the export
        return None, _one_line("export", err)


def _run_job(job: _Job) -> tuple[str, Path, str | None]:
    """Convert and write one tune (runs in a worker process): (tune id, path, skip reason or None)."""
    data, reason = _midi_bytes(job)
    if data is not None:
        atomic_write(job.out_path, lambda f: f.write(data))
    return job.tune_id, job.out_path, reason


def _write_skip_report(out_dir: Path, skipped: list[tuple[str, str]]) -> None:
    """`skipped.txt` in the output folder: one 'tune id<TAB>reason' line per skipped tune."""
    lines = [f"# {len(skipped)} tunes skipped by the last export into this folder (tune id, reason)"]
    lines += [f"{tune}\t{reason}" for tune, reason in skipped]
    text = ("\n".join(lines) + "\n").encode("utf-8")
    atomic_write(out_dir / SKIPPED_REPORT, lambda f: f.write(text))


def _collect(results, report: CorpusReport, bar) -> None:
    """Sort worker results into the report, advancing the progress bar."""
    for tune_id, path, reason in results:
        if reason is None:
            report.written.append(path)
        else:
            report.skipped.append((tune_id, reason))
        bar.update(1)


def export_corpus(
    name: str,
    out_dir: str | os.PathLike,
    *,
    limit: int | None = None,
    workers: int | None = None,
    force: bool = False,
    progress: bool = True,
) -> CorpusReport:
    """Write every tune of music21 corpus `name` as a MIDI file into `out_dir`.

    name: "essen", "bach" or a music21 core corpus folder (see `available_corpora()`).
    limit: convert only the first `limit` tunes, in corpus order (files already present count).
    workers: processes to convert with (default os.cpu_count(); 1 converts in this process).
    force: rewrite files that already exist; otherwise they are left alone and listed as `existing`.
    progress: show a tqdm progress bar.
    Tunes music21 cannot parse or export are skipped, listed in the report and in `skipped.txt`.
    Raises CorpusError for an unknown name, a missing music21 or an output path that is a file.
    """
    if limit is not None and limit < 0:
        raise CorpusError(f"limit must be 0 or more, not {limit}")
    if name.strip().lower() == "mix":
        return _export_mix(Path(out_dir), limit=limit, workers=workers, force=force, progress=progress)
    folder, sources = _resolve(name)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise CorpusError(f"output path {out} exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)

    jobs = _plan(folder, sources, out, limit)
    report = CorpusReport()
    todo = []
    for job in jobs:
        if job.out_path.exists() and not force:
            report.existing.append(job.out_path)
        else:
            todo.append(job)

    from tqdm import tqdm

    n_workers = max(1, min(workers or os.cpu_count() or 1, len(todo)))
    bar = tqdm(total=len(todo), desc=f"corpus {name}", unit="tune", disable=not progress)
    try:
        if n_workers == 1:
            _collect(map(_run_job, todo), report, bar)
        else:
            import multiprocessing

            with multiprocessing.Pool(n_workers) as pool:
                _collect(pool.imap_unordered(_run_job, todo, chunksize=_CHUNKSIZE), report, bar)
    finally:
        bar.close()

    order = {job.tune_id: i for i, job in enumerate(jobs)}  # report in corpus order, not finish order
    report.written.sort()
    report.existing.sort()
    report.skipped.sort(key=lambda item: order[item[0]])
    _write_skip_report(out, report.skipped)
    return report



def _export_mix(out: Path, **options) -> CorpusReport:
    """Every collection of `MIX` into its own subfolder of `out`; one report for all (`limit` is per
    collection)."""
    if any(r.lower() in (m.lower() for m in MIX) for r in RESERVED):
        raise CorpusError("the mix must not hold a reserved collection")  # a guard against editing MIX wrongly
    total = CorpusReport()
    for name in MIX:
        report = export_corpus(name, out / name, **options)
        total.written += report.written
        total.existing += report.existing
        total.skipped += [(f"{name}: {tune}", reason) for tune, reason in report.skipped]
    return total
