// Tapping a rhythm on the keyboard, for musicvae_lite's Drumify panel (panels.js; an end's source "tap a
// rhythm", ends.js): a 2-bar loop at the panel's tempo plays a click on every beat (the first of each bar
// higher), and each key pressed meanwhile is an onset, in 16th-note steps from the loop's start, read off the
// AudioContext's clock (the clicks' own). The onsets go to /api/drumify as `taps`; the server puts them on the
// 16th grid (each keeps its distance from its step as timing). Escape stops early; the end's preview shows
// the taps on the grid.
"use strict";

const Taps = (() => {
  const BARS = 2, STEPS = 16 * BARS, LEAD_S = 0.3; // the loop, and a moment before its first click
  const IGNORED = new Set(["Shift", "Control", "Alt", "Meta", "Tab", "CapsLock"]);
  let recording = null; // the end being tapped, while one is

  function click(ctx, high) {
    const sr = ctx.sampleRate, n = Math.round(0.03 * sr), buf = ctx.createBuffer(1, n, sr), d = buf.getChannelData(0);
    const f = high ? 1760 : 1320;
    for (let j = 0; j < n; j++) d[j] = 0.4 * Math.exp(-j / (0.006 * sr)) * Math.sin(2 * Math.PI * f * j / sr);
    return buf;
  }

  // the tempo the panel's Tempo box says (default 120 qpm)
  function qpm() {
    const box = document.querySelector("#drumify-qpm"), v = box ? Number(box.value) : NaN;
    return Number.isFinite(v) && v >= 30 && v <= 300 ? v : 120;
  }

  // record taps over the loop for `end`; `say(line)` reports; resolves with the onsets (steps, 2 decimals)
  function record(end, say) {
    if (recording) recording.stop();
    const ctx = audioContext(), stepS = 60 / qpm() / 4, t0 = ctx.currentTime + LEAD_S, onsets = [];
    const sources = [];
    for (let beat = 0; beat < STEPS / 4; beat++) {
      const src = ctx.createBufferSource();
      src.buffer = click(ctx, beat % 4 === 0);
      src.connect(ctx.destination);
      src.start(t0 + beat * 4 * stepS);
      sources.push(src);
    }
    say(`tap any key on the beat… (${BARS} bars at ${qpm()} qpm; Escape stops)`);
    if (document.activeElement) document.activeElement.blur(); // the keys are taps, not the source menu's
    return new Promise((resolve) => {
      let timer = null;
      const stop = () => {
        clearTimeout(timer);
        document.removeEventListener("keydown", key, true);
        for (const src of sources) try { src.stop(); } catch (e) { /* already ended */ }
        recording = null;
        const steps = onsets.map((s) => Math.round(s * 100) / 100);
        end.taps = steps;
        drawTaps(end, steps);
        say(steps.length ? `${steps.length} taps` : "no tap: tap again");
        resolve(steps.length ? steps : null);
      };
      const key = (e) => {
        if (e.repeat || IGNORED.has(e.key) || ["INPUT", "TEXTAREA"].includes(e.target.tagName)) return;
        e.preventDefault();
        e.stopPropagation(); // a tap, not the space bar's play
        if (e.key === "Escape") { stop(); return; }
        const step = (ctx.currentTime - t0) / stepS;
        if (step >= -0.5 && step < STEPS) onsets.push(step);
      };
      document.addEventListener("keydown", key, true);
      timer = setTimeout(stop, (LEAD_S + STEPS * stepS) * 1000 + 100);
      recording = { stop };
    });
  }

  // the taps on the grid, in the end's preview: one row (the closed hi-hat's)
  function drawTaps(end, steps) {
    const hat = state.kit ? state.kit.pitches[2] : 42;
    const grid = [...new Set(steps.map((s) => ((Math.floor(s + 0.5) % STEPS) + STEPS) % STEPS))].sort((a, b) => a - b);
    const item = { kind: "drums", steps: STEPS, bar_steps: 16, meter: "4/4", notes: grid.map((s) => [hat, s, s + 1]) };
    end.preview.hidden = !steps.length;
    if (steps.length) drawItem(end.preview.getContext("2d"), item, [0, 1], 0, 0, end.preview.width, end.preview.height);
    end.tapped = grid;
  }

  return { record, STEPS, recording: () => !!recording };
})();
