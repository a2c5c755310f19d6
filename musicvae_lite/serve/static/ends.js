// Choosing an input for musicvae_lite's page (app.js): an "end" is a fieldset with a menu of sources (an
// example, an upload, or a new sample) and the list of the windows the chosen file gives the model
// (/api/windows: bar, track, notes, meter), a tiny preview roll of the one picked. The Mixer's two ends, the
// Blender's four corners and each set panel's input (setpanel.js) are ends; `addEnds` puts their files and
// chosen windows (`window_a`, ...) into a request. A set panel's end may be set apart (`opts`): its own
// examples (`examples`, `family`: a drum panel's beats whatever the Model menu says), the whole file rather
// than a window (`whole`: no window list), a source "none" first (`optional`: a feel reference), a source
// "tap a rhythm" (`taps`: taps.js records key presses; the request gets `taps` instead of a file), and the
// form field its file goes in (`field`).
"use strict";

function makeEnd(container, label, example, opts = {}) {
  const node = $("#end-template").content.firstElementChild.cloneNode(true);
  $("legend", node).textContent = label;
  const select = $(".source", node), file = $(".file", node), status = $(".status", node);
  const family = opts.family || state.family;
  if (opts.optional) select.add(new Option("none", "none"));
  for (const ex of opts.examples || state.examples) select.add(new Option(ex.name, "example:" + ex.name));
  select.add(new Option("upload a MIDI file…", "upload"));
  if (opts.taps) select.add(new Option("tap a rhythm (any key)…", "taps"));
  if (!opts.whole) select.add(new Option(family === "drums" ? "sample a new beat" : "sample a new melody", "sample"));
  const end = { label, node, blob: null, name: "", window: $(".window", node), preview: $(".preview", node),
                windows: [], ticket: 0, taps: null, field: opts.field, whole: !!opts.whole, optional: !!opts.optional };
  end.ready = Promise.resolve();
  if (end.whole) $(".window-label", node).hidden = true;

  // the windows the chosen file gives the model, as a list to pick from (the first picked)
  async function listWindows() {
    const ticket = ++end.ticket;
    end.windows = [];
    end.window.replaceChildren();
    drawPreview(end);
    if (!end.blob || end.gone || end.whole) return; // an end the page has replaced asks nothing; nor a whole file
    const form = new FormData();
    form.append("file", end.blob, end.name);
    form.append("model", $("#model").value);
    const res = await api("/api/windows", form);
    if (ticket !== end.ticket) return; // another file was chosen meanwhile
    const unit = res.family === "drums" ? "hits" : "notes";
    const tracks = new Set(res.windows.map((w) => w.track));
    for (const w of res.windows) {
      const track = tracks.size > 1 && w.track ? `, track ${w.track}` : "";
      const meter = res.family !== "drums" && w.meter ? `, ${w.meter}` : "";
      const option = new Option(`bar ${w.bar}: ${w.count} ${unit}${track}${meter}`, String(w.index));
      if (w.track_name) option.title = `track ${w.track_name}`; // its name and instrument, on hover
      end.window.add(option);
    }
    if (res.total > res.windows.length) status.textContent = `the first ${res.windows.length} of ${res.total} windows`;
    end.windows = res.windows;
    end.window.value = "0";
    drawPreview(end);
  }
  end.refresh = () => {
    end.ready = listWindows().catch((e) => { status.textContent = e.message; });
    return end.ready;
  };
  end.window.addEventListener("change", () => drawPreview(end));

  async function choose(value) {
    status.textContent = "";
    end.taps = null;
    if (value === "none") {
      end.blob = null;
      end.name = "";
      await listWindows();
    } else if (value === "taps") {
      end.blob = null;
      await listWindows();
      end.taps = await Taps.record(end, (line) => { status.textContent = line; });
    } else if (value.startsWith("example:")) {
      const name = value.slice(8);
      end.blob = await blob((opts.examples || state.examples).find((e) => e.name === name).url);
      end.name = name + ".mid";
      await listWindows();
    } else if (value === "upload") {
      file.click();
    } else if (value === "sample") {
      status.textContent = "sampling…";
      const form = new FormData();
      form.append("n", "1");
      form.append("temperature", "0.5");
      form.append("model", $("#model").value);
      const meter = partnerMeter(end);
      if (meter) form.append("meter", meter); // a partner for a waltz is a waltz
      const res = await api("/api/sample", form);
      const first = Object.keys(res.files).find((n) => /_01\.mid$/.test(n));
      end.blob = await blob(res.files[first]);
      end.name = "sample.mid";
      await listWindows();
      status.textContent = "sampled";
    }
  }
  select.addEventListener("change", () => { end.ready = choose(select.value).catch((e) => { status.textContent = e.message; }); });
  if (opts.taps) { // tapped: the loop again, for another try
    const again = document.createElement("button");
    Object.assign(again, { type: "button", className: "retap", textContent: "tap again", hidden: true });
    select.addEventListener("change", () => { again.hidden = select.value !== "taps"; });
    again.addEventListener("click", () => { end.ready = choose("taps"); });
    select.after(again);
  }
  file.addEventListener("change", () => {
    if (file.files.length) {
      end.blob = file.files[0];
      end.name = file.files[0].name;
      status.textContent = end.name;
      end.refresh();
    }
  });
  select.value = example ? "example:" + example : select.options[0].value; // an optional end opens with none
  end.ready = choose(select.value).catch((e) => { status.textContent = e.message; });
  container.append(node);
  return end;
}

async function addEnds(form, ends) {
  const keys = "abcd";
  for (let i = 0; i < ends.length; i++) {
    const end = ends[i], field = end.field || keys[i];
    await end.ready;
    if (end.taps) { form.append("taps", end.taps.join(",")); continue; }
    if (!end.blob && end.optional) continue;
    if (!end.blob) throw new Error(`${end.label}: choose a ${state.family === "drums" ? "beat" : "melody"} first`);
    form.append(field, end.blob, end.name);
    if (!end.whole) form.append("window_" + field, String(end.window.value || 0));
  }
}

// the end's chosen window, small: a piano roll (or drum grid) of its notes
function drawPreview(end) {
  const w = end.windows.find((x) => String(x.index) === end.window.value);
  end.preview.hidden = !w;
  const tall = w && Rolls.rows(w).length > 1; // a long window's preview: its rows of 4 bars, twice as high
  end.preview.height = tall ? 72 : 36;
  end.preview.style.height = `${end.preview.height}px`;
  if (w) drawItem(end.preview.getContext("2d"), w, pitchRange([w]), 0, 0, end.preview.width, end.preview.height);
}

// The meter of the window chosen at another Mixer end (melodies only), for sampling a partner that can blend.
function partnerMeter(end) {
  if (state.family === "drums" || !state.mixerEnds.includes(end)) return null;
  const other = state.mixerEnds.find((e) => e !== end && e.windows && e.windows.length);
  const w = other ? other.windows[Number(other.window.value) || 0] : null;
  return w && w.meter ? w.meter : null;
}

