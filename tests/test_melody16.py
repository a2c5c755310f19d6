"""16-bar melodies: the CPU presets (hierarchical and its flat baseline of equal size), the per-file
window cap of the data build, the too-short message, and the generation verbs on a tiny 16-bar
hierarchical model."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch
from midifiles import write_midi

from musicvae_lite.core.checkpoint import load_checkpoint, save_checkpoint
from musicvae_lite.core.family import Request
from musicvae_lite.errors import MvaeError
from musicvae_lite.music.errors import NoMelodyError
from musicvae_lite.music.melody.dataset import build_dataset
from musicvae_lite.music.melody.extract import ExtractConfig, extract_file
from musicvae_lite.music.melody.family import MelodyFamily
from musicvae_lite.music.melody.model import build_melody_vae, model_config_to_dict
from musicvae_lite.music.melody.presets import PRESETS, MelodyModelConfig
from musicvae_lite.music.networks.config import (
    HierarchicalDecoderConfig,
    LstmConductorConfig,
    LstmDecoderConfig,
    LstmEncoderConfig,
)


def params(cfg) -> int:
    return sum(p.numel() for p in build_melody_vae(cfg).parameters())


def tune(path, bars: int, seed: int):
    rng, notes, t = random.Random(seed), [], 0
    while t < bars * 16:
        length = rng.choice([2, 4, 4, 8])
        notes.append((rng.randint(55, 79), t, min(t + length, bars * 16)))
        t += length
    return write_midi(path, [notes])


def test_flat_baseline_matches_the_hierarchical_preset_in_size_and_budget():
    hier, flat = PRESETS["hier_mel_16bar_cpu"], PRESETS["flat_mel_16bar_cpu"]
    assert hier.model.hierarchical and not flat.model.hierarchical
    assert hier.model.bars == flat.model.bars == 16
    assert hier.train == flat.train
    assert abs(params(hier.model) / params(flat.model) - 1) < 0.01
    same = {k: v for k, v in model_config_to_dict(hier.model).items() if k != "decoder"}  # all but the decoder part
    assert same == {k: v for k, v in model_config_to_dict(flat.model).items() if k != "decoder"}


def test_warm_flat_baseline_is_at_least_the_hierarchical_size_and_shares_its_budget():
    hier, flat = PRESETS["hier_mel_16bar_warm"], PRESETS["flat_mel_16bar_warm"]
    assert hier.model.hierarchical and not flat.model.hierarchical and hier.train == flat.train
    assert 1.0 <= params(flat.model) / params(hier.model) < 1.1  # any size advantage is the baseline's
    same = {k: v for k, v in model_config_to_dict(hier.model).items() if k != "decoder"}  # all but the decoder part
    assert same == {k: v for k, v in model_config_to_dict(flat.model).items() if k != "decoder"}


def test_eval_unseen_by_leaves_out_the_files_another_dataset_trained_on(tiny16, tmp_path):
    files = [str(tune(tmp_path / f"t{i}.mid", 17 + i, 10 + i)) for i in range(6)]
    held = build_dataset(files, tmp_path / "d16", ExtractConfig(bars=16), eval_fraction=0.5, workers=1)
    assert held.windows["eval"] > 0
    with np.load(tmp_path / "d16" / "eval.npz") as e:
        eval_files = np.asarray(e["files"]).astype(str)[e["file_index"]]
    seen = sorted(set(eval_files.tolist()))[:1]  # one held-out file that the other dataset trains on
    build_dataset(seen + [f for f in files if f not in eval_files], tmp_path / "d2", ExtractConfig(bars=2),
                  eval_fraction=0.0, workers=1)
    family = MelodyFamily()
    whole = family.evaluate(tiny16, tmp_path / "d16", device="cpu", progress=False, options={})
    unseen = family.evaluate(tiny16, tmp_path / "d16", device="cpu", progress=False,
                             options={"unseen_by": tmp_path / "d2"})
    left_out = int((eval_files == seen[0]).sum())
    assert unseen.figures["left_out_seen"] == left_out > 0 and whole.figures["left_out_seen"] is None
    assert unseen.figures["windows"] == whole.figures["windows"] - left_out
    assert f"{left_out} left out" in unseen.lines[0]
    with pytest.raises(MvaeError, match="no train.npz"):
        family.evaluate(tiny16, tmp_path / "d16", device="cpu", progress=False, options={"unseen_by": tmp_path})


def test_windows_per_file_are_capped_evenly(tmp_path):
    long, short = tune(tmp_path / "long.mid", 40, 1), tune(tmp_path / "short.mid", 18, 2)
    plain = build_dataset([str(long), str(short)], tmp_path / "plain", ExtractConfig(bars=16), eval_fraction=0.0,
                          workers=1)
    capped = build_dataset([str(long), str(short)], tmp_path / "capped", ExtractConfig(bars=16), eval_fraction=0.0,
                           workers=1, max_windows_per_file=5)
    with np.load(tmp_path / "plain" / "train.npz") as p, np.load(tmp_path / "capped" / "train.npz") as c:
        files = [str(f) for f in c["files"]]
        per_file = {files[i]: c["start_bar"][c["file_index"] == i].tolist() for i in range(len(files))}
        assert per_file[str(short)] == p["start_bar"][p["file_index"] == files.index(str(short))].tolist()  # 3 < 5
        bars = per_file[str(long)]
        assert len(bars) == 5 and bars[0] == 0 and bars[-1] == max(p["start_bar"])  # first to last
        assert np.ptp(np.diff(bars)) <= 1  # evenly spaced
    assert capped.capped == {"max_windows_per_file": 5, "windows_dropped": plain.windows["train"] - capped.windows["train"]}
    with pytest.raises(MvaeError, match="at least 1"):
        build_dataset([str(long)], tmp_path / "x", ExtractConfig(bars=16), max_windows_per_file=0)


def test_a_file_too_short_for_16_bars_says_how_long_it_is(tmp_path):
    with pytest.raises(NoMelodyError, match="no melody of at least 16 bars: its melody lasts 5 bars"):
        extract_file(tune(tmp_path / "s.mid", 5, 0), ExtractConfig(bars=16))
    gappy = write_midi(tmp_path / "g.mid", [[(60, 4 * i, 4 * i + 4) for i in range(40)]
                                            + [(62, 200 + 4 * i, 204 + 4 * i) for i in range(40)]])
    with pytest.raises(NoMelodyError, match="spans 22.5 bars, but no 16 of them run without a rest"):
        extract_file(gappy, ExtractConfig(bars=16))


@pytest.fixture(scope="module")
def tiny16(tmp_path_factory):
    """An untrained tiny 16-bar hierarchical model, saved and loaded as a checkpoint."""
    torch.manual_seed(0)
    cfg = MelodyModelConfig(bars=16, z_size=8, encoder=LstmEncoderConfig((16,)),
                            decoder=HierarchicalDecoderConfig(LstmConductorConfig((16,)), LstmDecoderConfig((16,))))
    path = tmp_path_factory.mktemp("m") / "tiny16.pt"
    save_checkpoint(path, config={"task": {"family": "melody", "model": model_config_to_dict(cfg)}},
                    model=build_melody_vae(cfg).state_dict(), step=0)
    return MelodyFamily().load(load_checkpoint(path), "tiny16")


def test_16_bar_verbs_write_16_bar_melodies(tiny16, tmp_path):
    family = MelodyFamily()
    a, b = tune(tmp_path / "a.mid", 17, 3), tune(tmp_path / "b.mid", 16, 4)
    out = family.interpolate(tiny16, Request((str(a), str(b)), tmp_path / "i", options={"n": 3, "windows": (1, 0)}))
    assert [it["steps"] for it in out.items] == [256] * 3
    assert out.items[1]["start_step"] >= 256 and out.items[1]["start_step"] % 16 == 0  # on a bar line
    assert {p.suffix for p in out.paths} == {".mid", ".wav", ".png"}
    window = extract_file(a, ExtractConfig(bars=16)).events[1]
    again = family.reconstruct(tiny16, Request((str(a),), tmp_path / "r", options={"window": 1},
                                               formats=frozenset({"mid"})))
    assert again.items[0]["events"] == window.tolist() and all(p.suffix == ".mid" for p in again.paths)
    with pytest.raises(MvaeError, match="its melody lasts 5 bars"):
        family.interpolate(tiny16, Request((str(tune(tmp_path / "s.mid", 5, 5)), str(b)), tmp_path / "x"))


def bar(*pitches, hold: int = 3) -> list[int]:
    """A bar of note-ons (each followed by `hold` held steps), from MIDI pitches."""
    out = []
    for p in pitches:
        out += [p - 19] + [0] * hold
    return out


def test_structure_counts_exact_and_transposed_repeats():
    from musicvae_lite.music.melody.structure import (
        adjacent_similarity,
        bar_similarity,
        exact_repeats,
        transposed_repeats,
    )

    a, a_up, b, rest = bar(60, 62, 64, 65), bar(62, 64, 66, 67), bar(67, 65, 64, 62), [1] + [0] * 15
    song = np.array(a + a_up + a + b + rest + b, np.uint8)  # bars with notes: a a' a b b (the rest is not counted)
    assert exact_repeats(song) == pytest.approx(2 / 4)  # the third a and the second b
    assert transposed_repeats(song) == pytest.approx(1 / 4)  # a' (a up a tone)
    assert bar_similarity(song)[0] == pytest.approx(12 / 16)  # a vs a': the held steps agree
    assert adjacent_similarity(np.stack([song, song])) == pytest.approx([np.mean(bar_similarity(song))] * 2)
    wander = np.array(bar(60, 61, 62, 63) + bar(64, 66, 67, 69) + bar(70, 60, 65, 72) + bar(59, 71, 61, 68), np.uint8)
    assert exact_repeats(wander) == 0 and transposed_repeats(wander) == 0
    held = np.array(bar(60, hold=15) + [0] * 16 + [0] * 16, np.uint8)  # one note held on: nothing to count
    assert np.isnan(exact_repeats(held)) and np.isnan(transposed_repeats(held))
    with pytest.raises(MvaeError, match="whole bars"):
        exact_repeats(np.zeros(40, np.uint8))


def test_eval_subsets_spread_through_the_dataset():
    from musicvae_lite.music.sources import spread_indices as spread

    assert spread(10, None).tolist() == list(range(10)) and spread(10, 20).tolist() == list(range(10))
    assert spread(10, 3).tolist() == [0, 4, 9] or spread(10, 3).tolist() == [0, 5, 9]
    picked = spread(2759, 1024)
    assert len(picked) == 1024 and picked[0] == 0 and picked[-1] == 2758  # the last collection is reached
