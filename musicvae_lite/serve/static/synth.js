// The built-in synthesizer of musicvae_lite (music/audio.py), in the page, so what plays here sounds the
// same as `mvae interpolate`'s WAV: additive partials under a plucked envelope, the same settings (read
// from /api/models), the same sample positions (Python rounds halves to even; so does this) and the same
// 0.9 peak. Melodies are laid out in turn as the stitched files lay them out (item.start_step).
"use strict";

const Synth = (() => {
  function roundHalfEven(x) {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
  }

  function stepSeconds(s) { return 60 / s.qpm / s.steps_per_quarter; }

  function numSamples(steps, s) {
    return roundHalfEven(steps * stepSeconds(s) * s.sample_rate) + roundHalfEven(s.release_s * s.sample_rate);
  }

  // one note: `sounding` samples under the decaying envelope, then the release fade (audio.py _note_tone)
  function noteTone(pitch, sounding, s) {
    const sr = s.sample_rate;
    const release = roundHalfEven(s.release_s * sr);
    const tone = new Float64Array(sounding + release);
    const f0 = 440 * Math.pow(2, (pitch - 69) / 12);
    const tau = s.decay_s === null ? Infinity : s.decay_s * Math.sqrt(440 / f0); // null: held (an organ, a pad)
    s.partials.forEach((amp, i) => {
      const k = i + 1;
      if (k * f0 >= s.nyquist_fraction * sr) return;
      const rate = (1 + 0.6 * (k - 1)) / tau;
      const w = 2 * Math.PI * k * f0;
      for (let j = 0; j < tone.length; j++) {
        const t = j / sr;
        tone[j] += amp * Math.exp(-t * rate) * Math.sin(w * t);
      }
    });
    const attack = Math.min(roundHalfEven(s.attack_s * sr), sounding);
    for (let j = 0; j < attack; j++) tone[j] *= 0.5 - 0.5 * Math.cos(Math.PI * j / attack);
    for (let j = 0; j < release; j++) tone[sounding + j] *= 0.5 + 0.5 * Math.cos(Math.PI * (j + 1) / release);
    return tone;
  }

  // notes [[pitch, start, end], ...] on the step grid over `totalSteps` -> Float32Array at s.sample_rate
  function render(notes, totalSteps, s) {
    const sr = s.sample_rate, stepS = stepSeconds(s);
    const audio = new Float64Array(numSamples(totalSteps, s));
    const cache = new Map();
    for (const [pitch, start, end] of notes) {
      const a = roundHalfEven(start * stepS * sr);
      const sounding = roundHalfEven(end * stepS * sr) - a;
      const key = pitch + ":" + sounding;
      if (!cache.has(key)) cache.set(key, noteTone(pitch, sounding, s));
      const tone = cache.get(key);
      const n = Math.min(tone.length, audio.length - a);
      for (let j = 0; j < n; j++) audio[a + j] += tone[j];
    }
    let peak = 0;
    for (let j = 0; j < audio.length; j++) peak = Math.max(peak, Math.abs(audio[j]));
    const out = new Float32Array(audio.length);
    const scale = peak > 0 ? s.peak / peak : 0;
    for (let j = 0; j < audio.length; j++) out[j] = audio[j] * scale;
    return out;
  }

  // items of one answer, in turn, as the stitched WAV plays them
  function renderItems(items, s) {
    const notes = [];
    let total = 0;
    for (const it of items) {
      for (const [p, a, b] of it.notes) notes.push([p, a + it.start_step, b + it.start_step]);
      total = Math.max(total, it.start_step + it.steps);
    }
    return render(notes, total, s);
  }

  // drum items (notes at each class's General MIDI pitch) -> Float32Array, as synthesize_drums renders them; a
  // performance's item (a humanized beat) gives each hit's velocity (0..1) and offset (in steps), else every
  // hit is on its step at the kit's velocity
  function renderDrums(items, kit, voices) {
    const sr = kit.sample_rate, stepS = stepSeconds(kit);
    const hits = [];
    let total = 0;
    for (const it of items) {
      it.notes.forEach(([p, a], k) => hits.push([Math.max(0, a + it.start_step + (it.offsets ? it.offsets[k] : 0)),
        kit.pitches.indexOf(p), it.velocities ? it.velocities[k] : kit.velocity]));
      total = Math.max(total, it.start_step + it.steps);
    }
    hits.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    const audio = new Float64Array(roundHalfEven(total * stepS * sr) + roundHalfEven(kit.tail_s * sr));
    for (const [onset, drum, velocity] of hits) {
      const a = roundHalfEven(onset * stepS * sr), voice = voices[drum];
      const n = Math.min(voice.length, audio.length - a);
      for (let j = 0; j < n; j++) audio[a + j] += velocity * voice[j];
    }
    let peak = 0;
    for (let j = 0; j < audio.length; j++) peak = Math.max(peak, Math.abs(audio[j]));
    const out = new Float32Array(audio.length), scale = peak > 0 ? kit.peak / peak : 0;
    for (let j = 0; j < audio.length; j++) out[j] = audio[j] * scale;
    return out;
  }

  return { render, renderItems, renderDrums, stepSeconds, roundHalfEven };
})();
