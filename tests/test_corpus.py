"""Tests for musicvae_lite.music.corpus: music21 corpora exported as MIDI files."""


import pytest

music21 = pytest.importorskip("music21")
pretty_midi = pytest.importorskip("pretty_midi")
symusic = pytest.importorskip("symusic")

from musicvae_lite.music.corpus import (  # noqa: E402  (after the importorskip guards)
    CORPORA,
    SKIPPED_REPORT,
    CorpusError,
    CorpusReport,
    available_corpora,
    export_corpus,
    score_to_midi,
)

# A 3/4 tune with an over-full bar: music21 10.5's ABC reader puts one TimeSignature object into
# several measures, and its MIDI export raises "StreamException ... already found in this Stream".
# Reduced from Essen ballad10.abc X:13, one of ~11% of Essen tunes that do this.
SHARED_TIME_SIGNATURE_ABC = "X:1\nM:3/4\nL:1/16\nK:G\nA2 | A2A2B2A2A2d4 | c2B2A2G4A2\n"


@pytest.mark.parametrize("workers", [1, 2])
def test_essen_tunes_become_readable_midi_files(tmp_path, workers):
    report = export_corpus("essen", tmp_path, limit=4, workers=workers, progress=False)
    assert isinstance(report, CorpusReport)
    assert len(report.written) == 4 and not report.existing and not report.skipped
    assert [p.name for p in report.written] == sorted(p.name for p in report.written)
    for path in report.written:
        assert path.parent == tmp_path and path.suffix == ".mid"
        assert symusic.Score(str(path)).note_num() > 0
        assert sum(len(i.notes) for i in pretty_midi.PrettyMIDI(str(path)).instruments) > 0
    assert {p.name for p in tmp_path.glob("*.mid")} == {p.name for p in report.written}
    assert not list(tmp_path.glob(".*.tmp"))  # atomic writes leave no temporary files behind
    assert (tmp_path / SKIPPED_REPORT).exists()


def test_names_are_stable_across_runs(tmp_path):
    first = export_corpus("essen", tmp_path / "a", limit=3, workers=1, progress=False)
    second = export_corpus("essen", tmp_path / "b", limit=3, workers=1, progress=False)
    assert [p.name for p in first.written] == [p.name for p in second.written]
    assert all(p.name.startswith("altdeu10_") for p in first.written)  # <abc file stem>_<X number>


def test_shared_time_signature_trap_is_handled():
    from music21 import converter, meter, stream

    score = converter.parse(SHARED_TIME_SIGNATURE_ABC, format="abc")
    owners = [
        id(ts)
        for m in score.recurse().getElementsByClass(stream.Measure)
        for ts in m.getElementsByClass(meter.TimeSignature)
    ]
    assert len(owners) > len(set(owners)), "the tune no longer shares a TimeSignature between measures"
    n_notes = len(score.recurse().notes)

    data = score_to_midi(score)  # music21's own streamToMidiFile raises StreamException here

    midi_notes = symusic.Score.from_midi(data).note_num()
    assert 0 < midi_notes <= n_notes  # tied notes merge into one MIDI note


def test_existing_files_are_not_overwritten_without_force(tmp_path):
    first = export_corpus("essen", tmp_path, limit=2, workers=1, progress=False)
    target = first.written[0]
    target.write_bytes(b"keep me")

    again = export_corpus("essen", tmp_path, limit=2, workers=1, progress=False)
    assert again.written == [] and again.existing == first.written
    assert target.read_bytes() == b"keep me"

    forced = export_corpus("essen", tmp_path, limit=2, workers=1, force=True, progress=False)
    assert forced.written == first.written and forced.existing == []
    assert symusic.Score(str(target)).note_num() > 0


def test_unknown_corpus_names_the_valid_ones(tmp_path):
    with pytest.raises(CorpusError) as err:
        export_corpus("no-such-corpus", tmp_path, progress=False)
    message = str(err.value)
    assert "no-such-corpus" in message and "\n" not in message
    for name in CORPORA:
        assert name in message
    assert not list(tmp_path.iterdir())


def test_available_corpora_lists_curated_then_music21_folders():
    names = available_corpora()
    assert names[: len(CORPORA)] == list(CORPORA)
    assert "oneills1850" in names and "essenFolksong" not in names
    assert len(names) == len(set(names))


def test_the_mix_exports_each_collection_into_its_folder_and_never_a_reserved_one(tmp_path, monkeypatch):
    from musicvae_lite.music import corpus

    assert "mix" in available_corpora()
    assert not {r.lower() for r in corpus.RESERVED} & {m.lower() for m in corpus.MIX}
    monkeypatch.setattr(corpus, "MIX", ("essen", "airdsAirs"))  # two quick collections stand in for all
    report = export_corpus("mix", tmp_path, limit=1, workers=1, progress=False)
    assert len(report.written) == 2
    assert {p.parent.name for p in report.written} == {"essen", "airdsAirs"}
    monkeypatch.setattr(corpus, "MIX", ("essen", "ryansMammoth"))
    with pytest.raises(CorpusError, match="reserved"):
        export_corpus("mix", tmp_path, limit=1, workers=1, progress=False)


def test_a_piece_in_two_formats_is_exported_once():
    from pathlib import Path

    from musicvae_lite.music.corpus import _one_format

    files = [Path("q/op18/m1.krn"), Path("q/op18/m1.mxl"), Path("q/op18/m2.krn"), Path("q/op132.mxl")]
    assert _one_format(files) == [Path("q/op18/m1.mxl"), Path("q/op18/m2.krn"), Path("q/op132.mxl")]
