"""Which levels carry a 16-bar window's eight 2-bar codes through z fastest: the levers behind
`hier_mel_16bar_codes` (music/networks/code_training.py), measured side by side in one run.

  python benchmarks/bench_code_levels.py --data datasets/mix16 --steps 600
  python benchmarks/bench_code_levels.py --data datasets/mix16 --variant dense:learning_rate=3e-3 --steps 3000

The 2-bar model (`--short`, the bundled `default`) encodes `--train` (6,000) training windows and `--eval`
(512) held-out windows once, segment by segment (no transposition); each variant, warm-started from it like
`mvae train --warm-start`, then trains its upper levels on those codes (batch 64, Adam at a constant learning
rate, seed 0, gradients clipped at 1, the preset's KL settings) and is scored on the held-out codes: code
error (RMS over the dimensions the 2-bar model is sure of, posterior sd < 0.5), KL in bits, and teacher-forced
accuracy of the events the 2-bar decoder writes from the predicted codes (first 128 held-out windows).
Variants (`--variant NAME[:key=value,...]`, repeatable; default: all five): `dense` (one linear map each way:
the preset's levels), `dense_lr3` (at the preset's learning rate 3e-3), `dense_hidden` (a 1024-unit tanh layer
each way), `lstm` (a BiLSTM [256] over the codes and a conductor [256, 256], as `hier_mel_16bar_codes_lstm`),
`lstm_lr3`; all at 1e-3 unless named; `key=value` sets a model setting or `learning_rate`.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

LSTM = {"dense_codes": False, "encoder_upper_sizes": (256,), "conductor_sizes": (256, 256)}
VARIANTS = {
    "dense": {"learning_rate": 1e-3},
    "dense_lr3": {"learning_rate": 3e-3},
    "dense_hidden": {"encoder_upper_sizes": (1024,), "conductor_sizes": (1024,), "learning_rate": 1e-3},
    "lstm": {**LSTM, "learning_rate": 1e-3},
    "lstm_lr3": {**LSTM, "learning_rate": 3e-3},
}


def parse_variant(text: str) -> tuple[str, dict]:
    name, _, rest = text.partition(":")
    settings = dict(VARIANTS.get(name, {}))
    for item in filter(None, rest.split(",")):
        key, _, value = item.partition("=")
        settings[key] = tuple(int(v) for v in value.split("+")) if key.endswith("_sizes") else (
            value.lower() == "true" if key == "dense_codes" else float(value))
    return name + (f":{rest}" if rest else ""), settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="a 16-bar dataset folder")
    parser.add_argument("--short", default="default", help="the 2-bar model whose codes are carried")
    parser.add_argument("--variant", action="append", help="NAME[:key=value,...] (sizes as 256+256); repeatable")
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--train", type=int, default=6000, help="training windows encoded")
    parser.add_argument("--eval", type=int, default=512, help="held-out windows encoded")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    import torch

    from musicvae_lite.core.runs import warm_weights
    from musicvae_lite.core.vae import Posterior
    from musicvae_lite.errors import MvaeError
    from musicvae_lite.families import load
    from musicvae_lite.music.networks.code_training import code_loss_of, segment_codes
    from musicvae_lite.music.melody.data import load_melody_data
    from musicvae_lite.music.melody.model import build_melody_vae
    from musicvae_lite.music.melody.presets import get_preset

    torch.set_num_threads(args.threads)
    try:
        short = load(args.short, family="melody").model.vae
        data = load_melody_data(args.data, 16)
    except MvaeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    preset = get_preset("hier_mel_16bar_codes")
    model_keys = set(preset.model.settings())  # the flat names (music/melody/config.py)
    rng = np.random.default_rng(0)
    train = torch.from_numpy(data.train[rng.choice(len(data.train), min(args.train, len(data.train)),
                                                   replace=False)].astype(np.int64))
    held = torch.from_numpy(data.eval[np.linspace(0, len(data.eval) - 1, min(args.eval, len(data.eval))).astype(int)]
                            .astype(np.int64))

    def build(model_cfg):
        torch.manual_seed(0)
        vae = build_melody_vae(model_cfg)
        weights, _ = warm_weights(vae.state_dict(), short.state_dict())
        vae.load_state_dict(weights)
        return vae

    t0 = time.perf_counter()
    encoder = build(preset.model)

    def codes_of(x):
        parts = [segment_codes(encoder, x[i:i + 256]) for i in range(0, len(x), 256)]
        return Posterior(torch.cat([p.mu for p in parts]), torch.cat([p.logvar for p in parts]))

    train_codes, held_codes = codes_of(train), codes_of(held)
    encoded_s = time.perf_counter() - t0
    sure = (0.5 * held_codes.logvar).exp() < 0.5
    results = {}
    for text in args.variant or list(VARIANTS):
        name, settings = parse_variant(text)
        model_cfg = type(preset.model).from_settings(
            {**preset.model.settings(), **{k: v for k, v in settings.items() if k in model_keys}})
        lr = float(settings.get("learning_rate", 1e-3))
        vae = build(model_cfg).train()
        params = [p for n, p in vae.named_parameters() if not n.startswith(("encoder.segments.", "decoder.core."))]
        opt = torch.optim.Adam(params, lr)
        g = torch.Generator().manual_seed(0)
        t = time.perf_counter()
        for step in range(args.steps):
            idx = torch.randint(0, len(train), (64,), generator=g)
            batch = Posterior(train_codes.mu[idx], train_codes.logvar[idx])
            loss = code_loss_of(vae, batch, step=step)["loss"]
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
        seconds = time.perf_counter() - t
        vae.eval()
        with torch.no_grad():
            post = vae.encoder.from_segments(held_codes.mu)
            codes = vae.decoder.bar_embeddings(post.mu)
            error = float((codes - held_codes.mu)[sure].pow(2).mean().sqrt())
            x = held[:128]
            accuracy = float((vae.decoder(post.mu[:128], x).argmax(-1) == x).float().mean())
        results[name] = {"code_error": error, "kl_bits": float(post.kl().mean()) / math.log(2),
                         "teacher_forced": accuracy, "seconds": seconds, "learning_rate": lr}
    baseline = float(held_codes.mu[sure].pow(2).mean().sqrt())  # predicting zeros
    if args.json:
        print(json.dumps({"steps": args.steps, "zero_code_error": baseline, "encode_s": encoded_s, "results": results}))
        return 0
    print(f"{len(train)} training / {len(held)} held-out windows encoded by {args.short} in {encoded_s:.0f} s; "
          f"{args.steps} steps at batch 64 each; code error of all-zero codes {baseline:.3f}")
    print(f"{'variant':<34}{'lr':>8}{'code error':>12}{'KL bits':>9}{'teacher-forced':>16}{'seconds':>9}")
    for name, r in results.items():
        print(f"{name:<34}{r['learning_rate']:>8.0e}{r['code_error']:>12.3f}{r['kl_bits']:>9.0f}"
              f"{r['teacher_forced']:>16.3f}{r['seconds']:>9.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
