// A "one melody in, a set of melodies out" panel for musicvae_lite's page: an input (an end of ends.js: an
// example, an upload or a sample, and which of its windows), the verb's options as controls, a button that
// posts them to the verb's route, and the answer as piano rolls (each plays on a click, its playhead
// following the audio, and links to its own MIDI file), the verb's line and the stitched MIDI and WAV.
//
// A panel is data, not code: `SetPanels.define(spec)` (panels.js) describes one, `SetPanels.mount()` (app.js,
// once the page has started) builds its tab and its section. The spec:
//   id      the section's id, and the prefix of its elements' ids (`${id}-go`, `${id}-rolls`, `${id}-line`, ...)
//   tab     the tab's label;  verb  the verb the model must offer (/api/models `verbs`);  route  where to post
//   button  the button's label;  hint  a line above the input;  label  the input's legend (default: melody, or beat)
//   fields  the verb's options: {name, label, min, max, step, value} (a slider), {name, label, type: "number",
//           min, max, placeholder} (a box, left out of the request when empty), {name, label, type: "select",
//           options: [...], value}; each is sent under its `name`, with `model`, the file as `a` and `window_a`
//   caption (item, i) -> the caption of a roll (default: the server's title)
//   shown   (answer, panel) -> called once an answer is shown (e.g. to add a model the verb made to the menu)
// A panel of its own family (the drum panels: Groove, Drumify) also sets:
//   family  the examples its input offers ("drums", "melody"), whatever the Model menu holds; the input is
//           kept when the model changes;  example  the one it opens with;  verb null: offered with any model
//   whole   the verb takes the whole file (no window list);  taps  the input may be tapped (taps.js)
//   feel    {label, field}: a second, optional input (a feel reference), sent as `field`
//   ab      an A/B switch: the first two rolls loop, and the switch moves from one to the other in time
// The route answers as serve/routes/generate.py's `generate` does (items, each, lines, midi, wav).
"use strict";

const SetPanels = (() => {
  const specs = [], panels = [];

  function define(spec) { specs.push(spec); }

  // the controls of one field, and a function that adds its value to a request
  function control(panelId, f) {
    const label = document.createElement("label"), id = `${panelId}-${f.name}`;
    label.append(f.label + " ");
    let input;
    if (f.type === "select") {
      input = document.createElement("select");
      for (const o of f.options) input.add(new Option(String(o), String(o), false, String(o) === String(f.value)));
      label.append(input);
    } else {
      input = document.createElement("input");
      input.type = f.type === "number" ? "number" : "range";
      for (const k of ["min", "max", "step", "placeholder"]) if (f[k] !== undefined) input.setAttribute(k, f[k]);
      input.value = f.value === undefined ? "" : String(f.value);
      label.append(input);
      if (input.type === "range") {
        const out = document.createElement("output");
        out.id = id + "-out";
        out.textContent = input.value;
        input.addEventListener("input", () => { out.textContent = input.value; });
        label.append(" ", out);
      }
    }
    input.id = id;
    return [label, (form) => { if (input.value !== "") form.append(f.name, input.value); }];
  }

  function build(spec) {
    const p = { spec, id: spec.id, end: null, ends: [], result: null, source: null, playing: -1, startedAt: 0 };
    const tab = document.createElement("button");
    Object.assign(tab, { type: "button", className: "tab", textContent: spec.tab });
    tab.dataset.tab = spec.id;
    tab.setAttribute("aria-selected", "false");
    document.querySelector("header nav").append(tab);
    const section = document.createElement("section");
    Object.assign(section, { id: spec.id, className: "panel", hidden: true });
    section.innerHTML = `<p class="hint"></p><div class="ends" id="${spec.id}-ends"></div>
      <div class="controls"></div><p class="note" id="${spec.id}-note" hidden></p>
      <p class="error" id="${spec.id}-error" role="alert" hidden></p><p class="line" id="${spec.id}-line"></p>
      <div class="rolls" id="${spec.id}-rolls"></div>`;
    section.querySelector(".hint").textContent = spec.hint || "";
    const controls = section.querySelector(".controls"), adders = [];
    for (const f of spec.fields) {
      const [label, add] = control(spec.id, f);
      controls.append(label);
      adders.push(add);
    }
    p.button = document.createElement("button");
    Object.assign(p.button, { type: "button", id: `${spec.id}-go`, className: "primary", textContent: spec.button });
    controls.append(p.button);
    p.downloads = ["MIDI", "WAV"].map((kind) => {
      const a = document.createElement("a");
      Object.assign(a, { id: `${spec.id}-${kind.toLowerCase()}`, className: "download", textContent: kind, hidden: true });
      controls.append(a);
      return a;
    });
    if (spec.ab) {
      p.ab = document.createElement("button");
      Object.assign(p.ab, { type: "button", id: `${spec.id}-ab`, textContent: "A/B", disabled: true,
                            title: "switch between the first two, in time" });
      p.ab.addEventListener("click", () => switchAB(p));
      controls.append(p.ab);
    }
    document.querySelector("main").append(section);
    p.button.addEventListener("click", () => busy(p.button, () => run(p, adders)));
    return p;
  }

  async function run(p, adders) {
    showError(`#${p.id}-error`, "");
    try {
      const form = new FormData();
      await addEnds(form, p.ends);
      for (const add of adders) add(form);
      form.append("model", $("#model").value);
      stop(p);
      const res = await api(p.spec.route, form);
      if (res.items.some((it) => it.kind === "drums")) await loadVoices();
      show(p, res);
      if (p.spec.shown) p.spec.shown(res, p);
    } catch (e) { showError(`#${p.id}-error`, e.message); }
  }

  function show(p, res) {
    p.result = res;
    const caption = p.spec.caption || ((it) => it.title);
    showFigures($(`#${p.id}-rolls`), res.items, (i) => caption(res.items[i], i), (it, i) => play(p, i));
    if (p.spec.family) { // a drum panel's few grids: one a row, the whole width
      $(`#${p.id}-rolls`).classList.add("wide");
      document.querySelectorAll(`#${p.id}-rolls canvas.roll`).forEach((c) => { c.width = 960; c.height = Math.max(c.height, 160); });
    }
    document.querySelectorAll(`#${p.id}-rolls figure`).forEach((fig, i) => {
      if (!res.each || !res.each[i]) return;
      const a = document.createElement("a");
      Object.assign(a, { className: "download each", href: res.each[i], textContent: "MIDI" });
      a.download = res.each[i].split("/").pop();
      a.addEventListener("click", (e) => e.stopPropagation()); // a download, not a play
      fig.querySelector("figcaption").append(a);
    });
    $(`#${p.id}-line`).textContent = (res.lines || []).join(" ");
    if (p.ab) p.ab.disabled = res.items.length < 2;
    p.downloads.forEach((a, k) => {
      const url = k === 0 ? res.midi : res.wav;
      a.hidden = !url;
      if (url) { a.href = url; a.download = url.split("/").pop(); }
    });
    draw(p);
  }

  function draw(p, fraction = null) {
    if (!p.result) return;
    const items = p.result.items, range = pitchRange(items);
    document.querySelectorAll(`#${p.id}-rolls canvas.roll`).forEach((canvas, i) => {
      drawItem(canvas.getContext("2d"), items[i], range, 0, 0, canvas.width, canvas.height,
        i === p.playing ? fraction : null);
      canvas.parentElement.classList.toggle("playing", i === p.playing);
    });
  }

  // how far the playing item has played, in seconds
  function position(p) {
    return p.playing < 0 || !p.source ? 0 : state.ctx.currentTime - p.startedAt;
  }

  function tick(p) {
    if (p.playing < 0) return;
    const it = p.result.items[p.playing], length = it.end_s - it.start_s, at = state.ctx.currentTime - p.startedAt;
    draw(p, p.spec.ab ? (at % length) / length : Math.min(at / length, 1));
    requestAnimationFrame(() => tick(p));
  }

  function stop(p) {
    if (p.source) { p.source.onended = null; p.source.stop(); p.source = null; }
    p.playing = -1;
    draw(p);
  }

  // item i from its start, or from `from` seconds into it (a second click on the one playing stops it);
  // everything else stops. An A/B panel loops the item over its bars.
  function play(p, i, from = null) {
    const was = p.playing;
    stopEverything();
    if ((was === i && from === null) || !p.result) return;
    const ctx = audioContext(), src = ctx.createBufferSource(), it = p.result.items[i];
    src.buffer = bufferOf(renderAudio([{ ...it, start_step: 0 }]));
    src.loop = !!p.spec.ab;
    src.loopEnd = it.end_s - it.start_s;
    src.connect(ctx.destination);
    src.onended = () => { p.source = null; p.playing = -1; draw(p); };
    const at = from === null ? 0 : from % (it.end_s - it.start_s);
    src.start(0, at);
    Object.assign(p, { source: src, playing: i, startedAt: ctx.currentTime - at });
    requestAnimationFrame(() => tick(p));
  }

  // A/B: the other of the first two items, from where the playing one is (the first when none plays)
  function switchAB(p) {
    if (!p.result || p.result.items.length < 2) return;
    const playing = p.playing, at = playing >= 0 ? position(p) : 0;
    play(p, playing === 0 ? 1 : 0, at);
  }

  // a new input for the family's examples (`example`: the one it opens with); the answer is cleared. A panel
  // of its own family makes its inputs once, from its own examples, and keeps them.
  async function reset(p, example) {
    stop(p);
    const spec = p.spec;
    if (spec.family && p.end) { for (const end of p.ends) end.gone = false; return; }
    if (spec.family && !p.examples) p.examples = (await api(`/api/examples?family=${spec.family}`)).examples;
    p.result = null;
    $(`#${p.id}-ends`).replaceChildren();
    const opts = spec.family ? { examples: p.examples, family: spec.family, whole: spec.whole, taps: spec.taps } : {};
    const mine = spec.family && p.examples.some((e) => e.name === spec.example) ? spec.example : null;
    p.end = makeEnd($(`#${p.id}-ends`), spec.label || (state.family === "drums" ? "beat" : "melody"),
      mine || (spec.family ? p.examples[0].name : example), opts);
    p.ends = [p.end];
    if (spec.feel) {
      p.ends.push(makeEnd($(`#${p.id}-ends`), spec.feel.label, null,
        { ...opts, taps: false, optional: true, field: spec.feel.field }));
    }
    if (p.ab) p.ab.disabled = true;
    $(`#${p.id}-rolls`).replaceChildren();
    $(`#${p.id}-line`).textContent = "";
    for (const a of p.downloads) a.hidden = true;
    showError(`#${p.id}-error`, "");
  }

  // whether the model picked offers the verb (a panel with no verb works with any): if not, the button waits
  // and a note says why
  function offer(p, model, verbs) {
    const ok = !p.spec.verb || verbs.includes(p.spec.verb), note = $(`#${p.id}-note`);
    p.button.disabled = !ok;
    note.hidden = ok;
    note.textContent = ok ? "" : `${model} does not do this (${p.spec.verb}); pick another model in the Model menu`;
  }

  return {
    define,
    mount: () => { for (const spec of specs) panels.push(build(spec)); },
    all: () => panels,
    reset, offer, stop, play, switchAB,
    stopAll: () => panels.forEach(stop),
    state: (p) => ({ items: p.result ? p.result.items.length : 0, playing: p.playing, position: position(p),
                     line: $(`#${p.id}-line`).textContent }),
  };
})();
