// The page: a Melody Mixer and a 4-corner Blender over musicvae_lite's JSON API (serve/app.py), after
// MusicVAE's Melody Mixer and Beat Blender demos, for melody and drum models alike. It uses only the API;
// audio is rendered in the page by synth.js, the same synthesizer (or drum kit) as the server's WAV. Each
// end (ends.js) lists the windows its file gives the model (/api/windows: bar, track, notes, meter, a small
// preview) to pick one. The Sampler draws new melodies in a chosen meter; every melody says its meter, and
// piano rolls draw the meter's bar lines and beats, a long melody's folded by bars (rolls.js). The set panels
// (setpanel.js, defined in panels.js: Variations, Continue, Make it mine; Groove and Drumify, the drum panels)
// take one melody (or beat) and show what a verb makes of it. A 16-bar model plays in the Mixer, the Sampler
// and the panels; the Blender keeps to 2-bar models and says so, and with a drum model it may humanize its
// cells (the groove model's velocities and timing, which the page plays). window.mvae exposes state for the
// browser test.
"use strict";

const $ = (sel, root = document) => root.querySelector(sel);
const state = {
  synth: null, kit: null, voices: null, models: {}, family: "melody", bars: 2, layout: "", examples: [], ctx: null,
  mixer: { result: null, buffer: null, source: null, startedAt: 0, offset: 0, playing: false, shown: -1 },
  blender: { result: null, n: 0, cell: 0, buffers: new Map(), source: null, playing: false },
  sampler: { result: null, source: null, playing: -1 },
};

// -- API --------------------------------------------------------------------------------------------

async function api(path, form) {
  const res = await fetch(path, form ? { method: "POST", body: form } : {});
  let body = null;
  try { body = await res.json(); } catch (e) { body = { error: `${res.status} ${res.statusText}` }; }
  if (!res.ok) throw new Error(body.error || `${res.status} ${res.statusText}`);
  return body;
}

async function blob(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return res.blob();
}

function showError(id, message) {
  const el = $(id);
  el.textContent = message || "";
  el.hidden = !message;
}

// -- drawing ----------------------------------------------------------------------------------------

const { pitchRange, gridLines } = Rolls;

function drawItem(g, item, range, x, y, w, h, playhead = null) {
  Rolls.drawItem(g, item, range, x, y, w, h, playhead, state.kit ? state.kit.pitches : []);
  Chords.drawNames(g, item, x, y, w, h);
}

// what the page plays for items: the melody synthesizer or the drum kit, as the server's WAV, at the
// tempo the server wrote them at (the inputs' own, kept by the outputs)
function renderAudio(items) {
  const qpm = (s) => ({ ...s, qpm: items.length && items[0].qpm ? items[0].qpm : s.qpm });
  return items.length && items[0].kind === "drums"
    ? Synth.renderDrums(items, qpm(state.kit), state.voices)
    : Chords.mix(items, Synth.renderItems(items, qpm(state.synth)), qpm(state.synth));
}

function drawMixer(playing = -1, fraction = 0) {
  const res = state.mixer.result;
  if (!res) return;
  const range = pitchRange(res.items);
  document.querySelectorAll("#rolls canvas.roll").forEach((canvas, i) => {
    const g = canvas.getContext("2d");
    drawItem(g, res.items[i], range, 0, 0, canvas.width, canvas.height, i === playing ? fraction : null);
    canvas.parentElement.classList.toggle("playing", i === playing);
  });
}

// a figure per item in `container`: its caption (`title(i)`, then a melody's meter) over a canvas for its
// roll (a long one folded by bars, across the whole width); a click calls `clicked(item, i)`
function showFigures(container, items, title, clicked) {
  container.replaceChildren();
  items.forEach((it, i) => {
    const fig = document.createElement("figure");
    const canvas = document.createElement("canvas"), rows = Rolls.rows(it).length;
    canvas.className = "roll";
    canvas.width = rows > 1 ? 960 : 480; // a long melody: the whole width, a row of 4 bars per 72 pixels
    canvas.height = rows > 1 ? rows * 72 : 96;
    fig.classList.toggle("long", rows > 1);
    const cap = document.createElement("figcaption");
    cap.textContent = title(i);
    if (it.kind !== "drums" && it.meter) {
      const meter = document.createElement("span");
      meter.className = "meter";
      meter.textContent = it.meter;
      cap.append(meter);
    }
    fig.append(cap, canvas);
    fig.addEventListener("click", () => clicked(it, i));
    container.append(fig);
  });
}

function showDownloads(pairs) {
  for (const [id, url] of pairs) {
    const a = $(id);
    a.hidden = !url;
    if (url) { a.href = url; a.download = url.split("/").pop(); }
  }
}

function showMixer(res) {
  state.mixer.result = res;
  state.mixer.buffer = null;
  const last = res.items.length - 1;
  showFigures($("#rolls"), res.items, (i) => (i === 0 ? "A" : i === last ? "B" : `step ${i + 1}`),
    (it) => playMixer(it.start_s));
  drawMixer();
  showDownloads([["#download-midi", res.midi], ["#download-wav", res.wav]]);
  $("#play").disabled = false;
}

// -- the sampler: n new melodies in the meter picked, each played on a click -----------------------------

function drawSamples() {
  const sm = state.sampler, res = sm.result;
  if (!res) return;
  const range = pitchRange(res.items);
  document.querySelectorAll("#samples canvas.roll").forEach((canvas, i) => {
    drawItem(canvas.getContext("2d"), res.items[i], range, 0, 0, canvas.width, canvas.height);
    canvas.parentElement.classList.toggle("playing", i === sm.playing);
  });
}

function stopSampler() {
  const sm = state.sampler;
  if (sm.source) { sm.source.onended = null; sm.source.stop(); sm.source = null; }
  sm.playing = -1;
  drawSamples();
}

function playSample(i) {
  const sm = state.sampler, playing = sm.playing;
  stopEverything();
  if (playing === i) return; // a second click stops it
  const ctx = audioContext(), src = ctx.createBufferSource();
  src.buffer = bufferOf(renderAudio([{ ...sm.result.items[i], start_step: 0 }]));
  src.connect(ctx.destination);
  src.onended = () => { sm.source = null; sm.playing = -1; drawSamples(); };
  src.start();
  sm.source = src;
  sm.playing = i;
  drawSamples();
}

function showSamples(res) {
  stopSampler();
  state.sampler.result = res;
  showFigures($("#samples"), res.items, (i) => String(i + 1), (it, i) => playSample(i));
  drawSamples();
  showDownloads([["#download-samples", res.midi]]);
}

// -- playing ----------------------------------------------------------------------------------------

function audioContext() {
  if (!state.ctx) state.ctx = new AudioContext();
  if (state.ctx.state === "suspended") state.ctx.resume();
  return state.ctx;
}

function bufferOf(samples) {
  const ctx = audioContext();
  const buf = ctx.createBuffer(1, samples.length, state.synth.sample_rate);
  buf.copyToChannel(samples, 0);
  return buf;
}

function mixerPosition() {
  const m = state.mixer;
  return m.playing ? state.ctx.currentTime - m.startedAt : m.offset;
}

function stopMixer(keepPosition) {
  const m = state.mixer;
  if (m.source) { m.source.onended = null; m.source.stop(); m.source = null; }
  if (m.playing) m.offset = keepPosition ? state.ctx.currentTime - m.startedAt : 0;
  m.playing = false;
  $("#play").textContent = "Play";
}

function playMixer(from = null) {
  const m = state.mixer;
  if (!m.result) return;
  stopEverything();
  if (!m.buffer) m.buffer = bufferOf(renderAudio(m.result.items));
  const ctx = audioContext();
  const offset = from !== null ? from : m.offset >= m.buffer.duration ? 0 : m.offset;
  const src = ctx.createBufferSource();
  src.buffer = m.buffer;
  src.connect(ctx.destination);
  src.onended = () => { m.source = null; m.playing = false; m.offset = 0; $("#play").textContent = "Play"; drawMixer(); };
  src.start(0, offset);
  m.source = src;
  m.startedAt = ctx.currentTime - offset;
  m.playing = true;
  $("#play").textContent = "Pause";
  requestAnimationFrame(tickMixer);
}

function tickMixer() {
  const m = state.mixer;
  if (!m.playing) return;
  const pos = mixerPosition();
  const items = m.result.items;
  let index = -1, fraction = 0;
  items.forEach((it, i) => {
    if (pos >= it.start_s && pos < it.end_s) { index = i; fraction = (pos - it.start_s) / (it.end_s - it.start_s); }
  });
  drawMixer(index, fraction);
  const fig = index >= 0 && index !== m.shown ? document.querySelectorAll("#rolls figure")[index] : null;
  if (fig && fig.classList.contains("long")) fig.scrollIntoView({ block: "nearest" }); // a long roll: into view
  m.shown = index;
  requestAnimationFrame(tickMixer);
}

// one thing plays at a time: whatever plays stops (the Mixer keeps its place)
function stopEverything() {
  stopMixer(true);
  stopBlender();
  stopSampler();
  SetPanels.stopAll();
}

function toggleMixer() {
  if (state.mixer.playing) stopMixer(true); else playMixer();
}

// -- the blender ------------------------------------------------------------------------------------

function drawBlender() {
  const b = state.blender, res = b.result;
  if (!res) return;
  const canvas = $("#grid"), g = canvas.getContext("2d");
  const n = b.n, size = canvas.width / n, pad = 3, range = pitchRange(res.items);
  g.fillStyle = "#ece8df";
  g.fillRect(0, 0, canvas.width, canvas.height);
  res.items.forEach((it, i) => {
    const r = Math.floor(i / n), c = i % n;
    drawItem(g, it, range, c * size + pad, r * size + pad, size - 2 * pad, size - 2 * pad);
    if (i === b.cell) {
      g.strokeStyle = b.playing ? "#d9480f" : "#2f6f8f";
      g.lineWidth = 3;
      g.strokeRect(c * size + 1.5, r * size + 1.5, size - 3, size - 3);
    }
  });
}

function placePuck() {
  const b = state.blender, canvas = $("#grid"), puck = $("#puck");
  const size = canvas.clientWidth / b.n, r = Math.floor(b.cell / b.n), c = b.cell % b.n;
  puck.style.left = `${(c + 0.5) * size}px`;
  puck.style.top = `${(r + 0.5) * size}px`;
  $("#cell-label").textContent = `cell ${r + 1},${c + 1}`;
}

function setCell(cell) {
  const b = state.blender;
  if (cell === b.cell) return;
  b.cell = cell;
  placePuck();
  if (b.playing) loopCell();
  drawBlender();
}

function cellBuffer(i) {
  const b = state.blender;
  if (!b.buffers.has(i)) {
    const it = b.result.items[i];
    b.buffers.set(i, bufferOf(renderAudio([{ ...it, start_step: 0 }])));
  }
  return b.buffers.get(i);
}

function loopCell() {
  const b = state.blender;
  if (b.source) { b.source.stop(); b.source = null; }
  const ctx = audioContext(), it = b.result.items[b.cell];
  const src = ctx.createBufferSource();
  src.buffer = cellBuffer(b.cell);
  src.loop = true;
  src.loopStart = 0;
  src.loopEnd = it.steps * Synth.stepSeconds(state.synth);
  src.connect(ctx.destination);
  src.start();
  b.source = src;
}

function stopBlender() {
  const b = state.blender;
  if (b.source) { b.source.stop(); b.source = null; }
  b.playing = false;
  $("#loop").textContent = "Play";
  drawBlender();
}

function toggleBlender() {
  const b = state.blender;
  if (!b.result) return;
  if (b.playing) { stopBlender(); return; }
  stopEverything();
  b.playing = true;
  loopCell();
  $("#loop").textContent = "Stop";
  drawBlender();
}

function showBlender(res, n) {
  const b = state.blender;
  stopBlender();
  b.result = res;
  b.n = n;
  b.buffers = new Map();
  b.cell = Math.floor(n / 2) * n + Math.floor(n / 2);
  $("#grid-wrap").hidden = false;
  $("#loop").disabled = false;
  const a = $("#download-grid");
  a.hidden = !res.midi;
  if (res.midi) { a.href = res.midi; a.download = "grid.mid"; }
  drawBlender();
  placePuck();
}

function dragPuck() {
  const canvas = $("#grid"), puck = $("#puck");
  let dragging = false;
  const move = (e) => {
    const rect = canvas.getBoundingClientRect(), n = state.blender.n;
    const x = Math.min(Math.max(e.clientX - rect.left, 0), rect.width - 1);
    const y = Math.min(Math.max(e.clientY - rect.top, 0), rect.height - 1);
    puck.style.left = `${x}px`;
    puck.style.top = `${y}px`;
    const cell = Math.floor(y / rect.height * n) * n + Math.floor(x / rect.width * n);
    if (cell !== state.blender.cell) setCell(cell);
  };
  const start = (e) => { if (!state.blender.result) return; dragging = true; puck.setPointerCapture?.(e.pointerId); move(e); };
  puck.addEventListener("pointerdown", start);
  canvas.addEventListener("pointerdown", start);
  window.addEventListener("pointermove", (e) => { if (dragging) move(e); });
  window.addEventListener("pointerup", () => { if (dragging) { dragging = false; placePuck(); } });
  puck.addEventListener("keydown", (e) => {
    const b = state.blender, r = Math.floor(b.cell / b.n), c = b.cell % b.n;
    const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    if (!moves[e.key]) return;
    e.preventDefault();
    const [dr, dc] = moves[e.key];
    setCell(Math.min(Math.max(r + dr, 0), b.n - 1) * b.n + Math.min(Math.max(c + dc, 0), b.n - 1));
  });
}

// -- wiring -----------------------------------------------------------------------------------------

// every end of the page: the Mixer's, the Blender's corners and each set panel's input
function allEnds() { return [...state.mixerEnds, ...state.corners, ...SetPanels.all().map((p) => p.end)]; }

function endsOf(panel) {
  return panel === "mixer" ? state.mixerEnds : panel === "blender" ? state.corners
    : [SetPanels.all().find((p) => p.id === panel).end];
}

async function busy(button, work) {
  const label = button.textContent;
  button.disabled = true;
  button.textContent = "working…";
  try { await work(); } finally { button.disabled = false; button.textContent = label; }
}

// the drum kit's voices (fetched once, when drums are first shown: a drum model, or a drum panel's answer)
async function loadVoices() {
  if (state.voices) return;
  const raw = await (await fetch(state.kit.url)).arrayBuffer();
  const all = new Float64Array(raw);
  let at = 0;
  state.voices = state.kit.lengths.map((n) => { const v = all.subarray(at, at + n); at += n; return v; });
}

// the examples each family's ends and corners open with (A, B; or the four corners), and a 16-bar model's
const PREFERRED = { melody: ["morning", "evening", "dance", "lullaby"], drums: ["rock", "funk", "halftime", "bossa"],
                    long: ["harbour", "sunrise", "waltz", "jig"] };
const BLENDER_BARS = 2; // the Blender's grid is laid out for 2-bar cells

// the ends, corners and panels for a model's family and length (its examples, its windows); results cleared
async function loadLayout(family, bars) {
  if (state.mixerEnds) for (const end of allEnds()) end.gone = true; // they ask the server nothing more
  Object.assign(state, { family, bars, layout: `${family}:${bars}` });
  state.examples = (await api(`/api/examples?family=${family}`)).examples;
  if (family === "drums") await loadVoices();
  const names = state.examples.map((e) => e.name), preferred = PREFERRED[bars > 2 ? "long" : family] || [];
  const pick = (i) => (names.includes(preferred[i]) ? preferred[i] : names[i % Math.max(names.length, 1)]);
  for (const id of ["#mixer-ends", "#blender-ends"]) $(id).replaceChildren();
  state.mixerEnds = [makeEnd($("#mixer-ends"), "A", pick(0)), makeEnd($("#mixer-ends"), "B", pick(1))];
  state.corners = ["top left", "top right", "bottom left", "bottom right"].map((label, i) =>
    makeEnd($("#blender-ends"), label, pick(i)));
  await Promise.all(SetPanels.all().map((p) => SetPanels.reset(p, pick(0))));
  stopMixer(false);
  stopBlender();
  stopSampler();
  state.mixer.result = null;
  state.blender.result = null;
  state.sampler.result = null;
  $("#meter-label").hidden = family === "drums"; // the drum models know 4/4 only
  $("#humanize-label").hidden = family !== "drums"; // the groove model plays drums
  $("#rolls").replaceChildren();
  $("#samples").replaceChildren();
  $("#grid-wrap").hidden = true;
  $("#play").disabled = true;
  $("#loop").disabled = true;
  const long = bars > BLENDER_BARS; // the Blender refuses a long model, and says so
  $("#blend").disabled = long;
  $("#blender-note").hidden = !long;
  $("#blender-note").textContent = long ? `The Blender blends ${BLENDER_BARS}-bar windows; ${$("#model").value} is a ` +
    `${bars}-bar model: pick a ${BLENDER_BARS}-bar model in the Model menu (the Mixer takes ${bars} bars).` : "";
  for (const id of ["#download-midi", "#download-wav", "#download-grid", "#download-samples"]) $(id).hidden = true;
}

// the tabs show their panel; the space bar plays and pauses what the visible panel shows
function wireTabsAndKeys() {
  $("header nav").addEventListener("click", (e) => {
    const tab = e.target.closest(".tab");
    if (!tab) return;
    document.querySelectorAll(".tab").forEach((t) => t.setAttribute("aria-selected", String(t === tab)));
    document.querySelectorAll("main > .panel").forEach((panel) => { panel.hidden = panel.id !== tab.dataset.tab; });
    if (tab.dataset.tab === "blender" && state.blender.result) placePuck();
  });
  document.addEventListener("keydown", (e) => {
    if (e.code !== "Space" || ["INPUT", "SELECT", "TEXTAREA", "BUTTON"].includes(e.target.tagName)) return;
    e.preventDefault();
    if (!$("#mixer").hidden) toggleMixer();
    else if (!$("#blender").hidden) toggleBlender();
    else if (!$("#sampler").hidden && state.sampler.result) playSample(Math.max(state.sampler.playing, 0));
    for (const p of SetPanels.all()) if (!$("#" + p.id).hidden && p.result) SetPanels.play(p, Math.max(p.playing, 0));
  });
}

// a model in the Model menu (one the server offers, or one Make it mine made: selected when `select`)
function addModel(m, select = false) {
  state.models[m.name] = m;
  const length = m.bars && m.bars !== 2 ? `, ${m.bars} bars` : "";
  $("#model").add(new Option(`${m.name} (${m.family}${length})`, m.name, false, m.default || select));
  if (select) $("#model").dispatchEvent(new Event("change"));
}

async function main() {
  const models = await api("/api/models");
  state.synth = models.synth;
  state.kit = models.drum_kit;
  for (const m of models.models) if (m.verbs.includes("interpolate")) addModel(m);
  SetPanels.mount();
  const chosen = () => state.models[$("#model").value];
  const offer = () => { for (const p of SetPanels.all()) SetPanels.offer(p, chosen().name, chosen().verbs); };
  await loadLayout(chosen().family, chosen().bars);
  offer();
  $("#model").addEventListener("change", () => {
    const m = chosen();
    offer();
    if (`${m.family}:${m.bars}` !== state.layout) loadLayout(m.family, m.bars).catch((e) => showError("#mixer-error", e.message));
    else for (const end of allEnds()) end.refresh(); // the windows are the model's
  });

  for (const id of ["steps", "temperature", "sample-n", "sample-temperature"]) {
    $("#" + id).addEventListener("input", () => { $(`#${id}-out`).textContent = $("#" + id).value; });
  }
  $("#interpolate").addEventListener("click", () => busy($("#interpolate"), async () => {
    showError("#mixer-error", "");
    try {
      const form = new FormData();
      await addEnds(form, state.mixerEnds);
      form.append("n", $("#steps").value);
      form.append("temperature", $("#temperature").value);
      form.append("model", $("#model").value);
      Chords.append(form, $("#chords"));
      stopMixer(false);
      showMixer(await api("/api/interpolate", form));
    } catch (e) { showError("#mixer-error", e.message); }
  }));
  $("#play").addEventListener("click", toggleMixer);

  $("#blend").addEventListener("click", () => busy($("#blend"), async () => {
    showError("#blender-error", "");
    try {
      const form = new FormData(), n = Number($("#grid-n").value);
      await addEnds(form, state.corners);
      form.append("n", String(n));
      form.append("model", $("#model").value);
      if (!$("#humanize-label").hidden && $("#humanize").checked) form.append("humanize", "true");
      showBlender(await api("/api/grid", form), n);
    } catch (e) { showError("#blender-error", e.message); }
  }));
  $("#loop").addEventListener("click", toggleBlender);
  dragPuck();

  $("#sample").addEventListener("click", () => busy($("#sample"), async () => {
    showError("#sampler-error", "");
    try {
      const form = new FormData();
      form.append("n", $("#sample-n").value);
      form.append("temperature", $("#sample-temperature").value);
      form.append("model", $("#model").value);
      if (!$("#meter-label").hidden) form.append("meter", $("#meter").value);
      Chords.append(form, $("#sample-chords"));
      showSamples(await api("/api/sample", form));
    } catch (e) { showError("#sampler-error", e.message); }
  }));

  wireTabsAndKeys();
  document.body.dataset.ready = "true";
}

window.mvae = {
  state: () => ({
    audio: state.ctx ? state.ctx.state : "none",
    mixer: { playing: state.mixer.playing, position: state.mixer.result ? mixerPosition() : 0,
             rolls: document.querySelectorAll("#rolls canvas.roll").length },
    blender: { playing: state.blender.playing, cell: state.blender.cell, n: state.blender.n },
    ends: state.mixerEnds.map((e) => ({ windows: e.windows.length, window: e.window.value })),
    sampler: { playing: state.sampler.playing, samples: document.querySelectorAll("#samples canvas.roll").length },
    panels: Object.fromEntries(SetPanels.all().map((p) => [p.id, SetPanels.state(p)])),
    blend: !$("#blend").disabled,
  }),
  // the windows listed at each end of a panel ("mixer", "blender" or a set panel's id): option texts, the one picked
  windows: (panel) => endsOf(panel).map((e) => ({ listed: [...e.window.options].map((o) => o.textContent),
                                                 window: e.window.value, preview: !e.preview.hidden })),
  // where the Mixer's rolls are folded and where the playhead is: rows per roll, the playing roll's row
  rolls: () => state.mixer.result.items.map((it) => Rolls.rows(it).length),
  playhead: () => {
    const m = state.mixer, pos = mixerPosition(), i = m.result.items.findIndex((it) => pos >= it.start_s && pos < it.end_s);
    const it = m.result.items[i];
    return i < 0 ? null : { item: i, ...Rolls.playheadAt(it, (pos - it.start_s) / (it.end_s - it.start_s)) };
  },
  playMixerFrom: (seconds) => playMixer(seconds),
  // each sample's steps and meter, and the bar lines and beats its roll draws
  samples: () => state.sampler.result.items.map((it) => ({ steps: it.steps, meter: it.meter, ...gridLines(it) })),
  // the Blender's cells as the server gave them (notes, and a humanized cell's velocities and offsets)
  cells: () => state.blender.result.items,
  cellSamples: (i, stride = 1) => Array.from(cellBuffer(i).getChannelData(0).filter((_, k) => k % stride === 0)),
  // a set panel's items (by its id), and the audio this page plays for item i (every `stride`-th sample)
  items: (panel) => SetPanels.all().find((p) => p.id === panel).result.items,
  itemSamples: (panel, i, stride = 1) => {
    const it = SetPanels.all().find((p) => p.id === panel).result.items[i];
    return Array.from(renderAudio([{ ...it, start_step: 0 }]).filter((_, k) => k % stride === 0));
  },
  taps: (panel) => { const end = SetPanels.all().find((p) => p.id === panel).end; return { taps: end.taps, grid: end.tapped }; },
  // the answer's event lists: the Mixer's, or a set panel's (by its id)
  steps: (panel) => (panel ? SetPanels.all().find((p) => p.id === panel).result : state.mixer.result).steps,
  // the mix as this page plays it, every `stride`-th sample (the browser test compares it with the WAV)
  mixSamples: (stride = 1) => {
    const s = renderAudio(state.mixer.result.items);
    return Array.from(s.filter((_, i) => i % stride === 0));
  },
};

main().catch((e) => showError("#mixer-error", `could not start: ${e.message}`));
