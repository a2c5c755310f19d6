// Drawing a window of music on a canvas, for musicvae_lite's page (app.js): a melody as a piano roll, a
// drum window as a grid of hits, each over its meter's bar lines and beats (the server's items give the
// meter: `bar_steps`, and `meter` as "6/8"). Rolls.drawItem draws one item into a rectangle of a 2-D
// context; Rolls.gridLines says where its lines fall (the browser test reads it).
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
  // `cell(p, a, b, sw)` -> [x, y, w, h] of each note relative to the rectangle, then the playhead
  function drawWindow(g, item, x, y, w, h, cell, playhead) {
    const sw = w / item.steps, { bars, beats } = gridLines(item);
    g.fillStyle = "#fbfaf7";
    g.fillRect(x, y, w, h);
    for (const [steps, colour] of [[beats, "#e4e0d8"], [bars, "#9a958c"]]) {
      g.fillStyle = colour;
      for (const s of steps) g.fillRect(x + s * sw - (s === item.steps ? 1 : 0), y, 1, h);
    }
    g.fillStyle = "#2f6f8f";
    for (const [p, a, b] of item.notes) {
      const [cx, cy, cw, ch] = cell(p, a, b, sw);
      g.fillRect(x + cx, y + cy, cw, ch);
    }
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

  // one drum window as a grid: the kit's drums (`pitches`) as rows (kick at the bottom), a cell per hit
  function drawDrums(g, item, pitches, x, y, w, h, playhead = null) {
    const rows = pitches.length, rh = h / rows;
    drawWindow(g, item, x, y, w, h, (p, a, b, sw) =>
      [a * sw + 0.5, (rows - 1 - pitches.indexOf(p)) * rh + 0.5, Math.max(1, sw - 1), Math.max(1, rh - 1)],
      playhead);
  }

  function drawItem(g, item, range, x, y, w, h, playhead = null, pitches = []) {
    if (item.kind === "drums") drawDrums(g, item, pitches, x, y, w, h, playhead);
    else drawRoll(g, item, range, x, y, w, h, playhead);
  }

  return { pitchRange, gridLines, drawItem };
})();
