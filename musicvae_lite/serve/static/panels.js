// The set panels of musicvae_lite's page (setpanel.js): one `SetPanels.define` each, mounted as tabs after the
// Sampler. A new "one melody in, a set out" verb is a route in serve/routes/generate.py that answers through
// `generate`, and one spec here (its fields are the route's form fields).
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
