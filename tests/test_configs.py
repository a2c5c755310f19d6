"""Configs you can read: a preset's encoder and decoder are parts (music/networks/config.py), the old flat
form every checkpoint before had still loads and builds the same networks, every sequence model records its
grid, and `--set` takes the old names, paths into the parts, and any order."""

from __future__ import annotations

import json

from dataclasses import asdict, replace
from types import SimpleNamespace

import pytest
import torch

from musicvae_lite.core.bundled import FOLDER
from musicvae_lite.core.checkpoint import load_checkpoint
from musicvae_lite.core.config import config_to_dict, override, setting_names
from musicvae_lite.core.vae import VAE
from musicvae_lite.errors import MvaeError
from musicvae_lite.families import get
from musicvae_lite.music.drums.groove.presets import PRESETS as GROOVE_PRESETS
from musicvae_lite.music.drums.groove.presets import GrooveDecoderConfig, GrooveModelConfig
from musicvae_lite.music.drums.presets import PRESETS as DRUM_PRESETS
from musicvae_lite.music.drums.presets import DrumModelConfig
from musicvae_lite.music.melody.encoding import NUM_CLASSES, STEPS_PER_BAR
from musicvae_lite.music.melody.model import build_melody_vae, model_config_from_dict
from musicvae_lite.music.melody.presets import PRESETS, MelodyModelConfig
from musicvae_lite.music.networks.config import (
    CodeConductorConfig,
    DenseLevelsConfig,
    GridConfig,
    HierarchicalDecoderConfig,
    HierarchicalEncoderConfig,
    LstmConductorConfig,
    LstmDecoderConfig,
    LstmEncoderConfig,
    LstmLevelsConfig,
)
from musicvae_lite.music.networks.hierarchical_decoder import HierarchicalDecoder
from musicvae_lite.music.networks.hierarchical_encoder import HierarchicalEncoder
from musicvae_lite.music.networks.lstm_decoder import CategoricalLstmDecoder
from musicvae_lite.music.networks.lstm_encoder import BidirectionalLstmEncoder

BUNDLED = sorted(FOLDER.glob("*.pt"))
ALL_PRESETS = {**PRESETS, **DRUM_PRESETS, **GROOVE_PRESETS}


def family_of(stem: str):
    return get("melody" if stem.startswith("mel_") else "drums")


def shapes(module: torch.nn.Module) -> dict[str, tuple[int, ...]]:
    return {k: tuple(v.shape) for k, v in module.state_dict().items()}


def flat_reference_vae(s: dict) -> VAE:
    """What `build_melody_vae` built from a flat config before configs had parts (its logic as it was, kept
    here as the oracle): the networks straight from the flat settings."""
    segments, steps = s["bars"] // s["segment_bars"], s["segment_bars"] * STEPS_PER_BAR
    if s["encoder_upper_sizes"] or s["segment_z"]:
        enc = HierarchicalEncoder(NUM_CLASSES, s["encoder_sizes"], s["segment_z"] or s["z_size"],
                                  s["encoder_upper_sizes"], s["z_size"], num_segments=segments, segment_steps=steps,
                                  dense=s["dense_codes"])
    else:
        enc = BidirectionalLstmEncoder(NUM_CLASSES, s["encoder_sizes"], s["z_size"])
    if s["conductor_sizes"] or s["segment_z"]:
        dec = HierarchicalDecoder(NUM_CLASSES, s["decoder_sizes"], s["conductor_sizes"], s["z_size"],
                                  num_bars=segments, steps_per_bar=steps, code_size=s["segment_z"],
                                  independent_bars=bool(s["segment_z"]), dense_conductor=s["dense_codes"])
    else:
        dec = CategoricalLstmDecoder(NUM_CLASSES, s["decoder_sizes"], s["z_size"], max_steps=16 * s["bars"])
    return VAE(enc, dec)


# -- old checkpoints ------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_every_bundled_checkpoint_loads_and_its_config_round_trips(path):
    state = load_checkpoint(path)
    stored = state.config["task"]["model"]
    flat = "encoder_sizes" in stored  # written before configs had parts (all but the meter-reading default)
    assert flat != ("encoder" in stored)
    family = family_of(path.stem)
    cfg = family.model_config_from_dict(stored)
    assert cfg.grid == GridConfig(4, 16)  # no grid stored: 4 steps a quarter, 16 a bar
    assert family.model_config_from_dict(config_to_dict(cfg)) == cfg  # the new form, back again
    if flat:
        assert {k: v for k, v in cfg.settings().items() if k in stored} == {
            k: tuple(v) if isinstance(v, list) else v for k, v in stored.items()}  # the old form, setting by setting
    else:  # the new form, field by field; a field added since the checkpoint was written takes its default
        dumped = json.loads(json.dumps(config_to_dict(cfg)))
        assert {k: v for k, v in dumped.items() if k in stored} == stored
        added = set(dumped) - set(stored)
        default = json.loads(json.dumps(config_to_dict(type(cfg)())))
        assert {k: dumped[k] for k in added} == {k: default[k] for k in added}
    model = family.load(state, path.stem)  # strict load_state_dict: the weights fit the networks built
    assert shapes(model.vae) == {k: tuple(v.shape) for k, v in state.model.items()}


@pytest.mark.parametrize("name", list(PRESETS))
def test_an_old_flat_dict_builds_the_same_networks_as_before(name):
    cfg = PRESETS[name].model
    flat = cfg.settings()
    assert model_config_from_dict({k: v for k, v in flat.items() if not k.startswith("steps_per_")}) == cfg
    assert shapes(build_melody_vae(cfg)) == shapes(flat_reference_vae(flat))


@pytest.mark.parametrize("changes", [
    {"encoder_upper_sizes": (8,)},  # a hierarchical encoder without codes, and a flat decoder
    {"encoder_upper_sizes": (8,), "conductor_sizes": (6, 7), "segment_bars": 2, "bars": 4},
    {"segment_z": 5, "dense_codes": True, "encoder_upper_sizes": (9,), "conductor_sizes": (), "bars": 4,
     "segment_bars": 2},
    {"segment_z": 5, "encoder_upper_sizes": (9,), "conductor_sizes": (10,), "train_on_codes": True},
])
def test_other_flat_compositions_build_as_before(changes):
    flat = {**PRESETS["mel_2bar_tiny"].model.settings(), **changes}
    cfg = model_config_from_dict(flat)
    assert shapes(build_melody_vae(cfg)) == shapes(flat_reference_vae(flat))
    assert model_config_from_dict(config_to_dict(cfg)) == cfg and cfg.settings() == flat


@pytest.mark.parametrize("changes, message", [
    ({"dense_codes": True}, "need segment codes"),
    ({"train_on_codes": True}, "need segment codes"),
    ({"segment_z": 8}, "needs LSTM layers over the segments"),
    ({"conductor_sizes": (8,), "segment_bars": 3}, "does not divide"),
    ({"encoder_sizes": ()}, "at least one layer"),
    ({"z_sizes": 3}, "unknown settings: z_sizes"),
])
def test_flat_combinations_that_never_made_sense_give_one_line(changes, message):
    with pytest.raises(MvaeError, match=message):
        model_config_from_dict({**PRESETS["mel_2bar_tiny"].model.settings(), **changes})


# -- the parts --------------------------------------------------------------------------------------------

def test_the_codes_preset_reads_off_its_config():
    cfg = PRESETS["hier_mel_16bar_codes"].model
    assert cfg.encoder == HierarchicalEncoderConfig(segment=LstmEncoderConfig((256,)), upper=DenseLevelsConfig(),
                                                    segment_bars=2, segment_z=128)
    assert cfg.decoder == HierarchicalDecoderConfig(conductor=CodeConductorConfig(128, DenseLevelsConfig()),
                                                    core=LstmDecoderConfig((256, 256)), segment_bars=2)
    assert PRESETS["hierdec_mel_16bar"].model.decoder.conductor == LstmConductorConfig((1024, 1024))
    stored = config_to_dict(cfg)
    assert stored["decoder"]["conductor"] == {"type": "codes", "code_size": 128,
                                              "levels": {"type": "dense", "hidden": ()}}


def test_combinations_that_make_no_sense_cannot_be_built():
    with pytest.raises(ValueError, match="train_on_codes needs segment codes"):
        MelodyModelConfig(train_on_codes=True)  # a flat model has no codes to train on
    codes = PRESETS["hier_mel_16bar_codes"].model
    with pytest.raises(ValueError, match="train_on_codes needs"):  # codes of two sizes cannot be compared
        replace(codes, encoder=replace(codes.encoder, segment_z=64))
    with pytest.raises(ValueError, match="does not divide"):
        replace(codes, bars=15)
    with pytest.raises(ValueError, match="at least one layer"):
        LstmConductorConfig(())
    with pytest.raises(ValueError, match="between 0 and 1"):
        GrooveModelConfig(hit_threshold=1.0)
    with pytest.raises(MvaeError, match="type 'codes' is not one of 'lstm', 'hierarchical'"):
        model_config_from_dict({**config_to_dict(codes), "encoder": {"type": "codes", "code_size": 3}})


@pytest.mark.parametrize("name", list(ALL_PRESETS))
def test_every_preset_records_its_grid_round_trips_and_describes_its_parts(name):
    preset = ALL_PRESETS[name]
    cfg = preset.model
    family = get("melody" if name in PRESETS else "drums")
    stored = config_to_dict(cfg)
    assert stored["grid"] == {"steps_per_quarter": 4, "steps_per_bar": 16}
    assert family.model_config_from_dict(stored) == cfg
    assert family.model_config_from_dict(cfg.settings()) == cfg  # the flat form says every preset
    line = family.describe_preset(preset)
    encoder = cfg.encoder.segment if isinstance(cfg.encoder, HierarchicalEncoderConfig) else cfg.encoder
    decoder = cfg.decoder.core if isinstance(cfg.decoder, HierarchicalDecoderConfig) else cfg.decoder
    assert f"enc {list(encoder.sizes)}" in line and f"dec {list(decoder.sizes)}" in line
    assert f"z {cfg.z_size}" in line and f"{cfg.bars} bars" in line


def test_old_drum_and_groove_dicts_load():
    old_drums = {"bars": 2, "z_size": 16, "encoder_sizes": [32], "decoder_sizes": [32], "free_bits": 0.0}
    cfg = get("drums").model_config_from_dict(old_drums)
    assert isinstance(cfg, DrumModelConfig) and cfg.encoder.sizes == (32,) and cfg.free_bits == 0.0
    old_groove = {**asdict(GROOVE_PRESETS["groove_2bar_tiny"].model), "control": True, "masked": True}
    del old_groove["encoder"], old_groove["decoder"], old_groove["grid"]
    old_groove.update(encoder_sizes=[32], decoder_sizes=[32])
    cfg = get("drums").model_config_from_dict(old_groove)
    assert cfg.decoder == GrooveDecoderConfig((32,), masked=True, control=True) and cfg.control
    with pytest.raises(MvaeError, match="view must be one of"):
        get("drums").model_config_from_dict({**old_groove, "view": "piano"})


# -- --set ------------------------------------------------------------------------------------------------

def test_set_takes_the_old_names_in_any_order():
    tiny = PRESETS["mel_2bar_tiny"]
    hier = override(tiny, ["conductor_sizes=16"]).model  # a flat model given a conductor
    assert hier.decoder == HierarchicalDecoderConfig(LstmConductorConfig((16,)), LstmDecoderConfig((64,)))
    # each of these alone would be refused (segment_z without levels); together they make a code model
    sets = ["bars=8", "encoder_upper_sizes=16", "segment_bars=2", "segment_z=16", "conductor_sizes=16",
            "train_on_codes=true"]
    codes = override(tiny, sets).model
    assert override(tiny, sets[::-1]).model == codes
    assert codes.train_on_codes and codes.decoder.conductor == CodeConductorConfig(16, LstmLevelsConfig((16,)))
    assert codes.encoder.upper == LstmLevelsConfig((16,)) and codes.bars == 8


def test_set_takes_paths_into_the_parts():
    codes = PRESETS["hier_mel_16bar_codes"]
    changed = override(codes, ["decoder.core.sizes=64,64", "encoder.upper.hidden=32", "z_size=64", "steps=5"])
    assert changed.model.decoder.core.sizes == (64, 64) and changed.model.encoder.upper.hidden == (32,)
    assert changed.model.z_size == 64 and changed.train.steps == 5
    names = setting_names(codes.model)
    assert "decoder.conductor.code_size" in names and "conductor_sizes" in names
    groove = override(GROOVE_PRESETS["groove_2bar_tiny"], ["view=drumify", "control=true", "masked=true"]).model
    assert groove.view == "drumify" and groove.decoder == GrooveDecoderConfig((32,), masked=True, control=True)


@pytest.mark.parametrize("item, message", [
    ("decoder=3", "a part, not a setting"),
    ("decoder.core=3", "a part, not a setting"),
    ("decoder.core.size=3", "unknown setting"),
    ("decoder.type=lstm", "unknown setting"),
    ("encoder.upper.sizes=x", "not a valid tuple"),
    ("decoder.segment_bars=3", "does not divide"),
    ("segment_z=4", "needs LSTM layers over the segments"),
])
def test_set_errors_name_the_setting(item, message):
    with pytest.raises(MvaeError, match=message):
        override(PRESETS["hier_mel_16bar_codes_lstm"] if "segment_z" not in item else PRESETS["mel_2bar_tiny"],
                 [item])


def test_a_composition_the_flat_names_cannot_say_is_set_by_path():
    odd = replace(PRESETS["mel_2bar_tiny"].model, encoder=HierarchicalEncoderConfig(upper=DenseLevelsConfig((8,))))
    with pytest.raises(ValueError, match="no flat form"):
        odd.settings()  # dense levels without segment codes: the flat form had no word for it
    preset = replace(PRESETS["mel_2bar_tiny"], model=odd)
    assert override(preset, ["encoder.segment.sizes=4"]).model.encoder.segment.sizes == (4,)
    with pytest.raises(MvaeError, match="unknown setting"):
        override(preset, ["encoder_sizes=4"])
    assert model_config_from_dict(config_to_dict(odd)) == odd


@pytest.mark.parametrize("name", ["mel_2bar_tiny", "drums_2bar_tiny", "groove_2bar_tiny"])
def test_a_model_is_built_on_the_grid_its_config_records(name):
    from musicvae_lite.music.drums.groove.model import build_groove_vae
    from musicvae_lite.music.drums.model import build_drum_vae

    build = {"mel": build_melody_vae, "drums": build_drum_vae, "groove": build_groove_vae}[name.split("_")[0]]
    from musicvae_lite.music.meter import model_meter

    preset = override(ALL_PRESETS[name], ["grid.steps_per_bar=12"])  # a 3/4 bar: recorded and used
    assert preset.model.grid == GridConfig(4, 12) and preset.model.steps == 12 * preset.model.bars
    assert isinstance(build(preset.model), VAE)
    assert model_meter(SimpleNamespace(config=preset.model)).label == "3/4"
    with pytest.raises(MvaeError, match="no whole number of eighth notes"):
        build(override(ALL_PRESETS[name], ["grid.steps_per_bar=13"]).model)
    assert isinstance(build(ALL_PRESETS[name].model), VAE)
