// Drawing a window of music on a canvas, for musicvae_lite's page (app.js): a melody as a piano roll, a
// drum window as a grid of hits, each over its meter's bar lines and beats (the server's items give the
// meter: `bar_steps`, and `meter` as "6/8"). Rolls.drawItem draws one item into a rectangle of a 2-D
// context; Rolls.gridLines says where its lines fall (the browser test reads it). A long window (a 16-bar
// melody: 256 steps in 4/4) is folded by bars, `BARS_PER_ROW` bars a row, so that its notes stay readable;
// the playhead moves from row to row with the audio (Rolls.rows and Rolls.playheadAt say where).
"use strict";

const Rolls = (() => {
  function pitchRange(items) {
    let lo = 127, hi = 0;
    for (const it of items) for (const [p] of it.notes) { lo = Math.min(lo, p); hi = Math.max(hi, p); }
    if (lo > hi) { lo = 60; hi = 72; }
    return [lo - 2, hi + 2];
  }

  // the steps of an item's bar lines and of its other beats, from its meter (the server's items say it:
  // `bar_steps`, and `meter` as "6/8"), read as music/meter.py reads it on 4 steps a quarter: a simple
  // meter beats on its denominator's note, a compound one (6/8, 9/8, 12/8) on three of them
  function gridLines(item) {
    const bar = item.bar_steps || 16, m = /^(\d+)\/(\d+)$/.exec(item.meter || "4/4");
    const num = Number(m ? m[1] : 4), den = Number(m ? m[2] : 4), note = Math.max(1, 16 / den);
    const beat = Math.max(1, num % 3 === 0 && num > 3 && den >= 8 ? 3 * note : note);
    const bars = [], beats = [];
    for (let s = 0; s <= item.steps; s++) {
      if (s % bar === 0) bars.push(s); else if (s % beat === 0) beats.push(s);
    }
    return { bars, beats };
  }

  // one window in the rectangle (x, y, w, h) of a 2-D context: the paper, bar and beat lines, then
  // `cell(p, a, b, sw, k)` -> [x, y, w, h] of each note (the k-th) relative to the rectangle, then the playhead
  function drawWindow(g, item, x, y, w, h, cell, playhead) {
    const sw = w / item.steps, { bars, beats } = gridLines(item);
    g.fillStyle = "#fbfaf7";
    g.fillRect(x, y, w, h);
    for (const [steps, colour] of [[beats, "#e4e0d8"], [bars, "#9a958c"]]) {
      g.fillStyle = colour;
      for (const s of steps) g.fillRect(x + s * sw - (s === item.steps ? 1 : 0), y, 1, h);
    }
    g.fillStyle = "#2f6f8f";
    item.notes.forEach(([p, a, b], k) => {
      const [cx, cy, cw, ch] = cell(p, a, b, sw, k);
      g.fillRect(x + cx, y + cy, cw, ch);
    });
    if (playhead !== null) {
      g.fillStyle = "#d9480f";
      g.fillRect(x + playhead * w - 1, y, 2, h);
    }
  }

  // one melody as a piano roll, pitches lo..hi
  function drawRoll(g, item, [lo, hi], x, y, w, h, playhead = null) {
    const rh = h / (hi - lo + 1);
    drawWindow(g, item, x, y, w, h, (p, a, b, sw) =>
      [a * sw + 0.5, (hi - p) * rh, Math.max(1, (b - a) * sw - 1), Math.max(1, rh - 0.5)], playhead);
  }

  // one drum window as a grid: the kit's drums (`pitches`) as rows (kick at the bottom), a cell per hit; a
  // performance's hit (a humanized beat: `velocities`, `offsets`) moved by its offset, as tall as its velocity
  function drawDrums(g, item, pitches, x, y, w, h, playhead = null) {
    const rows = pitches.length, rh = h / rows;
    const vel = (k) => (item.velocities ? Math.max(0.25, item.velocities[k]) : 1);
    drawWindow(g, item, x, y, w, h, (p, a, b, sw, k) => {
      const ch = Math.max(1, (rh - 1) * vel(k)), at = a + (item.offsets ? item.offsets[k] : 0);
      return [at * sw + 0.5, (rows - pitches.indexOf(p)) * rh - 0.5 - ch, Math.max(1, sw - 1), ch];
    }, playhead);
  }

  function drawFlat(g, item, range, x, y, w, h, playhead, pitches) {
    if (item.kind === "drums") drawDrums(g, item, pitches, x, y, w, h, playhead);
    else drawRoll(g, item, range, x, y, w, h, playhead);
  }

  const BARS_PER_ROW = 4, ROW_GAP = 4; // a row of a folded roll: 4 bars (8 s of 4/4 at 120 qpm), 4 px apart

  // the rows a roll is folded into, as [first step, last step + 1]: one row up to BARS_PER_ROW bars
  function rows(item) {
    const per = (item.bar_steps || 16) * BARS_PER_ROW, out = [];
    if (item.steps <= per) return [[0, item.steps]];
    for (let s = 0; s < item.steps; s += per) out.push([s, Math.min(s + per, item.steps)]);
    return out;
  }

  // where the playhead is at `fraction` (0..1) of an item: its row and the fraction of that row's width
  function playheadAt(item, fraction) {
    const folded = rows(item), width = folded[0][1] - folded[0][0];
    const step = Math.min(Math.max(fraction, 0), 1) * item.steps;
    const row = Math.min(Math.floor(step / width), folded.length - 1);
    return { row, x: (step - folded[row][0]) / width };
  }

  // one item in (x, y, w, h): flat when it fits a row, else folded; each row as a window of its own steps
  function drawItem(g, item, range, x, y, w, h, playhead = null, pitches = []) {
    const folded = rows(item);
    if (folded.length === 1) { drawFlat(g, item, range, x, y, w, h, playhead, pitches); return; }
    const width = folded[0][1] - folded[0][0], rh = (h - ROW_GAP * (folded.length - 1)) / folded.length;
    const at = playhead === null ? null : playheadAt(item, playhead);
    g.clearRect(x, y, w, h);
    folded.forEach(([a, b], r) => {
      const kept = item.notes.map((n, k) => k).filter((k) => { const [, s, e = s + 1] = item.notes[k]; return s < b && e > a; });
      const notes = kept.map((k) => { const [p, s, e = s + 1] = item.notes[k]; return [p, Math.max(s, a) - a, Math.min(e, b) - a]; });
      const part = { ...item, steps: b - a, notes };
      for (const key of ["velocities", "offsets"]) if (item[key]) part[key] = kept.map((k) => item[key][k]);
      const head = at && at.row === r ? at.x * width / (b - a) : null;
      drawFlat(g, part, range, x, y + r * (rh + ROW_GAP), w * (b - a) / width, rh, head, pitches);
    });
  }

  return { pitchRange, gridLines, drawItem, rows, playheadAt, BARS_PER_ROW };
})();
