// The set panels of musicvae_lite's page (setpanel.js): one `SetPanels.define` each, mounted as tabs after the
// Sampler. A new "one melody in, a set out" verb is a route in serve/routes/generate.py that answers through
// `generate`, and one spec here (its fields are the route's form fields). The drum panels (Groove, Drumify:
// serve/routes/drums.py) are specs of their own family: their inputs are the whole file, whatever the Model menu.
"use strict";

SetPanels.define({
  id: "variations", tab: "Variations", verb: "vary", route: "/api/vary", button: "Vary",
  hint: "Variations of one melody: its code moved part of the way towards random ones (amount 0: the model's " +
        "reconstruction, 1: new melodies). Click a roll to play it.",
  fields: [
    { name: "amount", label: "Amount", min: 0, max: 1, step: 0.05, value: 0.3 },
    { name: "n", label: "How many", min: 1, max: 16, step: 1, value: 8 },
    { name: "temperature", label: "Temperature", min: 0, max: 2, step: 0.1, value: 0 },
    { name: "seed", label: "Seed", type: "number", min: 0, max: 2147483647, placeholder: "random" },
  ],
  caption: (it) => (it.title === "input" ? "input" : `variation ${it.title}`),
});

SetPanels.define({
  id: "continue", tab: "Continue", verb: "continue", route: "/api/continue", button: "Continue",
  hint: "The bars after a melody, in its meter and key: with melody_16bar the melody and its continuation make " +
        "one 16-bar piece (a 2-bar model adds bars after a 2-bar window). Each roll is the melody, then what " +
        "follows it. Click a roll to play it.",
  fields: [
    { name: "bars", label: "Bars after it", type: "number", min: 1, max: 16, placeholder: "to 16 in all" },
    { name: "n", label: "How many", min: 1, max: 8, step: 1, value: 4 },
    { name: "temperature", label: "Temperature", min: 0, max: 2, step: 0.1, value: 0.5 },
    { name: "seed", label: "Seed", type: "number", min: 0, max: 2147483647, placeholder: "random" },
  ],
  caption: (it) => `continuation ${it.title}`,
});

SetPanels.define({
  id: "mine", tab: "Make it mine", verb: "sample", route: "/api/personalize", button: "Make it mine",
  hint: "A model of your own in seconds (MidiMe): a small VAE learns the codes of every window of one file " +
        "(16 at least) in the chosen model's space; these are samples of it. It joins the Model menu as mine-1, " +
        "mine-2, ...: blend, sample and vary with it (it lasts until the server stops).",
  label: "your melody",
  fields: [
    { name: "n", label: "Samples", min: 1, max: 16, step: 1, value: 8 },
    { name: "temperature", label: "Temperature", min: 0, max: 2, step: 0.1, value: 0.5 },
    { name: "seed", label: "Seed", type: "number", min: 0, max: 2147483647, placeholder: "random" },
  ],
  caption: (it) => `sample ${it.title || ""}`.trim(),
  shown: (answer) => addModel(answer.made, false),
});

SetPanels.define({
  id: "groove", tab: "Groove", verb: null, route: "/api/groove", button: "Groove",
  hint: "A beat played like a drummer (GrooVAE): the same hits, with a drummer's timing and dynamics, from the " +
        "bundled groove model; with a feel reference, the timing and dynamics of that performance. The first roll " +
        "is the beat as the model reads it (stiff), the second the beat played: A/B switches between them in time.",
  label: "beat", family: "drums", example: "funk", whole: true, ab: true,
  feel: { label: "feel reference (optional)", field: "feel" },
  fields: [
    { name: "temperature", label: "Temperature", min: 0, max: 2, step: 0.1, value: 0 },
    { name: "seed", label: "Seed", type: "number", min: 0, max: 2147483647, placeholder: "random" },
  ],
  caption: (it) => (it.title === "stiff" ? "A: stiff" : "B: played"),
});

SetPanels.define({
  id: "drumify", tab: "Drumify", verb: null, route: "/api/drumify", button: "Drumify",
  hint: "A beat from a rhythm (GrooVAE drumify): the onsets of a melody (any MIDI file), or a rhythm you tap on the " +
        "keyboard over a 2-bar loop at the tempo below (choose \"tap a rhythm\", then press any key on the clicks).",
  label: "melody or rhythm", family: "melody", example: "dance", whole: true, taps: true,
  fields: [
    { name: "qpm", label: "Tempo (taps)", type: "number", min: 30, max: 300, value: 120 },
    { name: "temperature", label: "Temperature", min: 0, max: 2, step: 0.1, value: 0 },
    { name: "seed", label: "Seed", type: "number", min: 0, max: 2147483647, placeholder: "random" },
  ],
  caption: () => "beat",
});
