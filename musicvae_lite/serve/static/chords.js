// Chords on the page (issue 23): the progression fields of the Mixer and the Sampler (sent as `chords`, for a
// model that reads chords), the chord track of the answer's items played under the melody as the server's
// WAV plays it (music/chord_track.py: General MIDI program 48's timbre, mixed at 0.45 of the melody's level,
// scaled back to the melody's peak) and the chord names written over the bars of each roll.
"use strict";

const Chords = (() => {
  const PROGRAM = 48, GAIN = 0.45, COLOUR = "#8a3b12"; // chord_track.CHORD_PROGRAM, CHORD_GAIN; plots.CHORD_COLOR
  let drawn = []; // the names the last roll drawn shows (the browser test reads them)

  // the field's progression, when it holds one, as the request's `chords`
  function append(form, input) {
    const text = input.value.trim();
    if (text) form.append("chords", text);
  }

  function timbre(s) {
    const t = s.timbres[Math.floor(PROGRAM / 8)];
    return { ...s, partials: t.partials, decay_s: t.decay_s, attack_s: t.attack_s };
  }

  // the melody's audio `tune` (Synth.renderItems of `items`) with the items' chord tracks under it
  function mix(items, tune, s) {
    const notes = [];
    let total = 0;
    for (const it of items) {
      for (const [p, a, b] of it.chord_notes || []) notes.push([p, a + it.start_step, b + it.start_step]);
      total = Math.max(total, it.start_step + it.steps);
    }
    if (!notes.length) return tune;
    const under = Synth.render(notes, total, timbre(s));
    const out = new Float64Array(Math.max(tune.length, under.length));
    let want = 0, peak = 0;
    for (let j = 0; j < tune.length; j++) { out[j] += tune[j]; want = Math.max(want, Math.abs(tune[j])); }
    for (let j = 0; j < under.length; j++) out[j] += GAIN * under[j];
    for (let j = 0; j < out.length; j++) peak = Math.max(peak, Math.abs(out[j]));
    const scale = peak > 0 ? (want || s.peak) / peak : 1, mixed = new Float32Array(out.length);
    for (let j = 0; j < out.length; j++) mixed[j] = out[j] * scale;
    return mixed;
  }

  // the names of an item's chords (`chords`: [step, name] at each change) along the top of its roll
  function drawNames(g, item, x, y, w, h) {
    if (!item.chords || Rolls.rows(item).length > 1) return;
    g.save();
    g.fillStyle = COLOUR;
    g.font = `bold ${Math.max(10, Math.round(h / 6))}px sans-serif`; // a sixth of the roll: readable once scaled
    g.textBaseline = "top";
    drawn = [];
    for (const [step, name] of item.chords) {
      if (name === "?") continue;
      g.fillText(name, x + (step / item.steps) * w + 2, y + 1);
      drawn.push(name);
    }
    g.restore();
  }

  return { append, mix, drawNames, drawn: () => drawn };
})();
