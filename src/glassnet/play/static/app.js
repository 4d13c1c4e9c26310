// The glassnet playground's page: plain modern JavaScript, no library, no build step.
// Every string that reaches the page is set with textContent (never innerHTML).
// An ES module; the drawing code is netview.js, shared with the notebook's live view.
"use strict";

const TOKEN = document.querySelector('meta[name="glassnet-token"]').content;
const $ = (id) => document.getElementById(id);
const FIELDS = ["dataset", "n_samples", "noise", "n_classes", "test_fraction", "data_seed",
  "hidden", "activation", "initializer", "constant", "seed", "optimizer", "learning_rate",
  "batch_size", "regularization", "reg_rate", "dropout", "stop_epochs", "compare"];
const TEXT_FIELDS = ["dataset", "activation", "initializer", "optimizer", "compare",
  "regularization"];

// State the tests and the benchmark may read: window.glassnet.
const G = window.glassnet = {
  setup: null, frame: null, prevFrame: null, curve: [], framesDrawn: 0, connected: false,
  drawTimes: [], error: null,
  // what the page shows: the server views it asked for, the frame each panel was last drawn
  // from (frameSeq counts the frames received), the sizes of the last frames received
  views: null, viewsSent: 0, drawnFrom: {}, frameSeq: 0, frameBytes: [],
};

// the drawing module (its URL carries the token); window.glassnet exists before this wait
const NV = await import(`/static/netview.js?token=${encodeURIComponent(TOKEN)}`);
const { VARIANT_COLOURS, decodeFloats, fmt, pct } = NV;

// ------------------------------------------------------------------ requests

async function api(path, body) {
  const opts = { headers: { "X-Glassnet-Token": TOKEN } };
  if (body !== undefined) {
    opts.method = "POST";
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const response = await fetch(path, opts);
  let data = null;
  try { data = await response.json(); } catch (e) { data = null; }
  if (!response.ok) {
    throw new Error((data && data.error) || `${response.status} ${response.statusText}`);
  }
  return data;
}

function showError(message) {
  const box = $("error");
  G.error = message || null;
  box.textContent = message || "";
  box.hidden = !message;
}

async function act(path, body) {
  try {
    const data = await api(path, body);
    showError(null);
    return data;
  } catch (e) {
    showError(e.message);
    return null;
  }
}

async function download(path, filename) {
  await act("/api/control", { action: "pause" });
  const response = await fetch(path, { headers: { "X-Glassnet-Token": TOKEN } });
  if (!response.ok) { showError(`export failed: ${response.status}`); return; }
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement("a");
  a.href = url; a.download = filename;
  document.body.appendChild(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 5000);
}

// ------------------------------------------------------------------ settings

function readConfig() {
  const cfg = {};
  for (const key of FIELDS) {
    const el = $(key);
    if (TEXT_FIELDS.includes(key)) cfg[key] = el.value;
    else if (key === "hidden") {
      const text = el.value.trim();
      cfg.hidden = text === "" ? [] : text.split(/[\s,]+/).filter(Boolean).map(Number);
    } else if (key === "batch_size") cfg.batch_size = el.value === "full" ? null : Number(el.value);
    else cfg[key] = Number(el.value);
  }
  cfg.features = [...document.querySelectorAll("#features input")]
    .filter((el) => el.checked).map((el) => el.value);
  return cfg;
}

const PLANE_SETS = ["circles", "xor", "gaussians", "spirals", "moons", "plane", "mixture"];

// Which fields the settings show, from the settings themselves: called on every change of a
// control (before its request) and on every setup, so a field never falls out of step with
// its menu (a setup that arrives while a change is in flight must not leave it stale).
function updateVisibility(cfg) {
  const toy = [...PLANE_SETS, "coffee"].includes(cfg.dataset);
  for (const el of document.querySelectorAll(".toy")) el.hidden = !toy;
  for (const el of document.querySelectorAll(".noise")) el.hidden = !toy || cfg.dataset === "coffee";
  for (const el of document.querySelectorAll(".classes"))
    el.hidden = !["gaussians", "spirals"].includes(cfg.dataset);
  for (const el of document.querySelectorAll(".features")) el.hidden = !PLANE_SETS.includes(cfg.dataset);
  for (const el of document.querySelectorAll(".const")) el.hidden = cfg.initializer !== "constant";
  for (const el of document.querySelectorAll(".reg")) el.hidden = cfg.regularization === "none";
}

function writeConfig(cfg) {
  for (const key of FIELDS) {
    const el = $(key);
    if (key === "hidden") el.value = cfg.hidden.join(", ");
    else if (key === "batch_size") {
      const value = cfg.batch_size === null ? "full" : String(cfg.batch_size);
      if (![...el.options].some((o) => o.value === value)) {
        const o = document.createElement("option");
        o.value = value; o.textContent = value; el.appendChild(o);
      }
      el.value = value;
    } else el.value = String(cfg[key]);
  }
  const chosen = new Set(cfg.features || ["x1", "x2"]);
  for (const el of document.querySelectorAll("#features input")) el.checked = chosen.has(el.value);
  updateVisibility(cfg);
}

let pendingConfig = 0;  // settings sent and not yet answered: a setup must not overwrite them

async function applyConfig() {
  updateVisibility(readConfig());
  pendingConfig += 1;
  try {
    await act("/api/config", readConfig());
  } finally {
    pendingConfig -= 1;
  }
}

async function uploadCsv(file) {
  const box = $("csv-error");
  box.textContent = "";
  if (file.size > 2 * 1024 * 1024) { box.textContent = "the file is larger than 2 MiB"; return; }
  const text = await file.text();
  try {
    await api("/api/upload", { name: file.name, text });
    showError(null);
  } catch (e) {
    box.textContent = e.message;
  }
}

// ------------------------------------------------------------------ drawing (netview.js)

let view = { nodes: [], lines: [] };  // the network picture's layout: netview.layout

function layout(setup) { view = NV.layout($("net"), $("links"), setup); }

function drawNetwork(setup, v) {
  const counts = NV.drawNetwork($("links"), view, setup, v);
  if (counts) { G.linksDrawn = counts.links; G.thumbsDrawn = counts.thumbs; }
}

function nearestLink(x, y) { return NV.nearestLink(view.lines, x, y); }

function paintBoundary(canvas, boundary, setup, withPoints) {
  NV.paintBoundary(canvas, boundary, setup, withPoints);
}

function drawCurve(setup) { NV.drawCurve($("curve"), G.curve, setup.variants.length); }

const drawn = new Map();  // panel -> the JSON it shows: unchanged panels are not rebuilt

function unchanged(panel, data) {
  const key = JSON.stringify(data);
  if (drawn.get(panel) === key) return true;
  drawn.set(panel, key);
  return false;
}

function drawConfusion(setup, counts) {  // on a canvas: cheap to redraw every frame
  if (unchanged("confusion", counts)) return;
  NV.drawConfusion($("confusion"), setup.classes, counts);
  G.confusion = counts;
}

function drawSymmetry(setup, frame) {
  if (unchanged("symmetry", frame.variants.map((v) => v.symmetry))) return;
  NV.drawSymmetry($("symmetry"), setup.variants, frame.variants.map((v) => v.symmetry));
}

function drawFlagged(setup, v) {
  if (unchanged("flagged", v.flagged)) return;
  NV.drawFlagged($("flagged"), v.flagged);
}

// "discretize output": every point of the plane at full colour (its class, or for regression
// its sign), without the confidence shading
let solid = null;
function discrete(boundary, setup) {
  if (!$("discretize").checked) return boundary;
  const n = setup.grid * setup.grid;
  if (!solid || solid.n !== n) solid = { n, b64: btoa(String.fromCharCode(255).repeat(n)) };
  return { cls: boundary.cls, conf: solid.b64 };
}

// ------------------------------------------------------------------ typed weights

let editing = null;  // {weight, index} being typed

function openEditor(event, label, weight, index, current) {
  editing = { weight, index };
  const box = $("editor");
  $("editor-label").textContent = label;
  $("editor-value").value = current === null || current === undefined ? "" : String(current);
  $("editor-error").textContent = "";
  box.hidden = false;
  box.style.left = `${Math.min(event.clientX + 8, window.innerWidth - 340)}px`;
  box.style.top = `${event.clientY + 8}px`;
  $("editor-value").focus();
  $("editor-value").select();
}

async function submitEditor() {
  if (!editing) return;
  const text = $("editor-value").value.trim();
  const value = text === "" ? NaN : Number(text);
  if (!Number.isFinite(value) || Math.abs(value) > 3.4e38) {  // refused in place
    $("editor-error").textContent = `not a finite number: ${JSON.stringify(text.slice(0, 30))}`;
    return;
  }
  try {
    await api("/api/weight", { weight: editing.weight, index: editing.index, value });
    $("editor").hidden = true;
    editing = null;
  } catch (e) {
    $("editor-error").textContent = e.message;
  }
}

// ------------------------------------------------------------------ links to a run

async function copyLink() {
  const data = await act("/api/link");
  if (!data) return;
  const link = `${location.origin}/#${data.state}`;  // never the token
  G.link = link;
  $("link-box").hidden = false;
  $("link-text").value = link;
  $("link-text").select();
  try { await navigator.clipboard.writeText(link); } catch (e) { /* shown in the box */ }
}

async function openLinkFromUrl() {
  const state = location.hash.slice(1);
  if (!state) return;
  $("notice").textContent = "opening the run of the link…";
  const data = await act("/api/link", { state });
  const message = data && data.result ? data.result.message : null;
  $("notice").textContent = message || (data ? `opened the link's run at step ${data.result.step}` : "");
  G.linkOpened = data ? data.result : null;
}

let cardCanvases = [];

function layoutCards(setup) {
  const box = $("cards");
  while (box.firstChild) box.removeChild(box.firstChild);
  cardCanvases = [];
  $("cards-panel").hidden = setup.variants.length < 2;
  if (setup.variants.length < 2) return;
  setup.variants.forEach((name, i) => {
    const card = document.createElement("div");
    card.className = "card"; card.dataset.variant = String(i);
    const title = document.createElement("div"); title.className = "title";
    title.textContent = name;
    title.style.color = VARIANT_COLOURS[i % VARIANT_COLOURS.length];
    card.appendChild(title);
    let canvas = null;
    if (setup.extent) {
      canvas = document.createElement("canvas"); canvas.width = 150; canvas.height = 150;
      card.appendChild(canvas);
    }
    const text = document.createElement("div"); text.className = "text"; card.appendChild(text);
    card.addEventListener("click", () => act("/api/focus", { variant: i }));
    box.appendChild(card);
    cardCanvases.push({ card, canvas, text });
  });
}

function drawCards(setup, frame) {
  if (!frame.views.includes("cards")) return false;
  cardCanvases.forEach(({ card, canvas, text }, i) => {
    const v = frame.variants[i];
    card.classList.toggle("focus", i === frame.focus);
    if (canvas && v.boundary) paintBoundary(canvas, v.boundary, setup, false);
    const sym = v.symmetry.map((s) => `${s.layer} ${s.k}/${s.n}`).join(", ");
    const dead = v.flagged.filter((f) => f.status === "dead").length;
    text.textContent = `test loss ${fmt(v.test_loss, 3)}` +
      (v.test_acc !== null ? `, acc ${pct(v.test_acc)}` : "") +
      `\ndistinct: ${sym}\ndead units: ${dead}`;
    text.style.whiteSpace = "pre-line";
  });
  return true;
}

// ------------------------------------------------------------------ what the page shows

// Each panel is shown when it is open (its heading folds it), on screen and the tab visible.
// `server`: the server computes and sends that view's per-frame parts (session.VIEWS) only
// while some page shows it; the others are drawn here only while shown.
const PANELS = {
  network: { target: "net", panel: "net-panel", server: true },
  decision: { target: "decision-view", panel: "decision-panel", server: true },
  cards: { target: "cards", panel: "cards-panel", server: true },
  curve: { target: "curve", panel: "curve-panel" },
  symmetry: { target: "symmetry", panel: "symmetry-panel" },
  flagged: { target: "flagged", panel: "flagged-panel" },
};
const onScreen = {};  // panel -> intersecting the viewport (IntersectionObserver)
for (const name of Object.keys(PANELS)) onScreen[name] = true;
let socket = null;
let viewsTimer = null;

function isShown(name) {
  const panel = $(PANELS[name].panel);
  return document.visibilityState !== "hidden" && panel.open && !panel.hidden && onScreen[name];
}

function serverViews() {
  return Object.keys(PANELS).filter((name) => PANELS[name].server && isShown(name));
}

function sendViews() {  // debounced: scrolling sends one message when it settles
  clearTimeout(viewsTimer);
  viewsTimer = setTimeout(() => {
    const views = serverViews();
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    if (G.views && views.join() === G.views.join()) return;
    socket.send(JSON.stringify({ views }));
    G.views = views; G.viewsSent += 1;
  }, 100);
}

// A panel that comes into view is drawn at once from the last frame where that frame holds
// its parts; a server view that frame lacks comes in the full frame the server sends when
// the page asks for it (sendViews), never from an older frame.
function viewsChanged() {
  const frame = G.frame, setup = G.setup;
  if (setup && frame) {
    for (const name of Object.keys(PANELS)) {
      if (isShown(name) && G.drawnFrom[name] !== G.frameSeq) drawPanel(name, setup, frame);
    }
  }
  sendViews();
}

function watchPanels() {
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) onScreen[entry.target.dataset.view] = entry.isIntersecting;
    viewsChanged();
  }, { rootMargin: "60px" });
  for (const [name, { target, panel }] of Object.entries(PANELS)) {
    $(target).dataset.view = name;
    observer.observe($(target));
    $(panel).addEventListener("toggle", () => {
      if (name === "network" && $(panel).open && G.setup) layout(G.setup);  // it had no size
      G.drawnFrom[name] = null;
      viewsChanged();
    });
  }
  document.addEventListener("visibilitychange", viewsChanged);
}

// Draws one panel from `frame` if it is shown and the frame holds its parts; returns whether
// it drew (G.drawnFrom[name] records the frame).
function drawPanel(name, setup, frame) {
  if (!isShown(name)) return false;
  const v = frame.variants[frame.focus];
  let done = false;
  if (name === "network") {
    done = Boolean(v.w);
    if (done) drawNetwork(setup, v);
  } else if (name === "decision") {
    if (v.boundary) paintBoundary($("boundary"), discrete(v.boundary, setup), setup, true);
    if (v.confusion) drawConfusion(setup, v.confusion);
    done = frame.views.includes("decision");
  } else if (name === "cards") {
    done = drawCards(setup, frame);
  } else if (name === "curve") {
    drawCurve(setup); done = true;
  } else if (name === "symmetry") {
    drawSymmetry(setup, frame); done = true;
  } else if (name === "flagged") {
    drawFlagged(setup, v); done = true;
  }
  if (done) G.drawnFrom[name] = G.frameSeq;
  return done;
}

// ------------------------------------------------------------------ setup and frames

function onSetup(setup) {
  G.setup = setup; G.curve = []; G.frame = null; G.prevFrame = null;
  drawn.clear();
  $("csv-error").textContent = "";
  if (pendingConfig === 0) writeConfig(setup.config);
  else updateVisibility(readConfig());
  $("data-info").textContent = `${setup.description}; ${setup.m_train} train, ` +
    `${setup.m_test} test; ${setup.task}` +
    (setup.task !== "regression" ? ` (${setup.classes.length} classes)` : "");
  const plane = Boolean(setup.extent);
  $("boundary").hidden = !plane;
  $("confusion").hidden = plane || setup.task === "regression";
  $("decision-title").textContent = !plane ? "Confusion matrix (test set)"
    : setup.task === "regression" ? "Output over the plane (orange < 0 < blue; test points outlined)"
      : "Decision boundary (test points outlined)";
  $("discretize").parentElement.hidden = !plane;
  const [thin, thick] = NV.LINK_WIDTHS;
  $("link-scale").textContent = `|w| = 0: ${thin} px, |w| = ${NV.LINK_SCALE / 2}: ` +
    `${((thin + thick) / 2).toFixed(1)} px, |w| >= ${NV.LINK_SCALE}: ${thick} px ` +
    "(links of layers with many links are drawn thinner)";
  const legend = $("curve-legend");
  legend.textContent = setup.variants.map((name, i) => `${name}: colour ${i + 1}`).length > 1
    ? `solid: train, dashed: test; ${setup.variants.map((n, i) => `${["blue", "red", "green", "purple"][i]} = ${n}`).join(", ")}`
    : "solid: train loss, dashed: test loss";
  layout(setup);
  layoutCards(setup);
  $("unit-panel").hidden = true;
}

const SLOW_KEYS = ["train_acc", "test_acc", "symmetry", "flagged", "confusion", "meters"];
const KEY_VIEW = { confusion: "decision", meters: "network" };  // kept only while sent

function onFrame(message) {
  const setup = G.setup, frame = message.frame;
  if (!setup || frame.run_id !== setup.run_id) return;
  const t0 = performance.now();
  for (const p of message.curve) G.curve.push(p);
  // a light frame leaves out what changes slowly (accuracy, symmetry, flagged units, meters,
  // confusion): keep showing the last full frame's
  const last = G.frame;
  if (!frame.full && last && last.run_id === frame.run_id) {
    frame.variants.forEach((v, i) => {
      const before = last.variants[i];
      if (!before) return;
      for (const key of SLOW_KEYS) {
        if (KEY_VIEW[key] && !frame.views.includes(KEY_VIEW[key])) continue;  // not stale
        if (!(key in v) && key in before) v[key] = before[key];
      }
    });
  }
  G.prevFrame = G.frame; G.frame = frame; G.frameSeq += 1;
  const v = frame.variants[frame.focus];
  if (v.weights) v.w = v.weights.map(decodeFloats);
  const bs = setup.batch_size === null ? setup.m_train : Math.min(setup.batch_size, setup.m_train);
  $("counter").textContent = `step ${frame.step.toLocaleString("en")} · ` +
    `${frame.samples.toLocaleString("en")} samples · epoch ${frame.epoch.toFixed(2)} ` +
    `(${setup.steps_per_epoch} step${setup.steps_per_epoch === 1 ? "" : "s"} of ${bs} ` +
    "per epoch)";
  const play = $("play");
  play.textContent = frame.playing ? "Pause" : "Play";
  play.classList.toggle("playing", frame.playing);
  showError(frame.error || (G.error && !frame.error && G.error.startsWith("training") ? null : G.error));
  $("net-title").textContent = setup.variants.length > 1
    ? `In focus: ${setup.variants[frame.focus]} (click a card below to change)` : "";
  $("accuracy").textContent = `train loss ${fmt(v.train_loss)}, test loss ${fmt(v.test_loss)}` +
    (v.test_acc !== null ? `; accuracy train ${pct(v.train_acc)}, test ${pct(v.test_acc)}` : "");
  for (const name of Object.keys(PANELS)) drawPanel(name, setup, frame);  // what is shown
  G.framesDrawn += 1;
  const now = performance.now();
  G.drawTimes.push(now);
  if (G.drawTimes.length > 60) G.drawTimes.shift();
  G.lastDrawMs = now - t0;
}

function updateRates() {
  const times = G.drawTimes, now = performance.now();
  const recent = times.filter((t) => now - t < 2000);
  const fps = recent.length >= 2 ? (recent.length - 1) / ((recent[recent.length - 1] - recent[0]) / 1000) : 0;
  const f = G.frame;
  if (!G.rateBase || !f) G.rateBase = f ? { step: f.step, t: now } : null;
  let sps = 0;
  if (G.rateBase && f && now - G.rateBase.t > 900) {
    sps = (f.step - G.rateBase.step) / ((now - G.rateBase.t) / 1000);
    G.rateBase = { step: f.step, t: now };
    G.stepsPerSecond = Math.max(0, sps);
  }
  G.fps = fps;
  $("rates").textContent = f && f.playing
    ? `${fps.toFixed(0)} frames/s · ${Math.round(G.stepsPerSecond || 0).toLocaleString("en")} steps/s`
    : "";
}

function connect() {
  const ws = socket = new WebSocket(`ws://${location.host}/ws?token=${encodeURIComponent(TOKEN)}`);
  ws.onopen = () => {
    G.connected = true;
    G.views = Object.keys(PANELS).filter((name) => PANELS[name].server);  // the server's default
    sendViews();
  };
  ws.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "setup") { onSetup(message); return; }
    if (message.type === "error") { showError(message.error); return; }
    G.frameBytes.push(event.data.length);
    if (G.frameBytes.length > 50) G.frameBytes.shift();
    try { onFrame(message); } finally { ws.send("ack"); }
  };
  ws.onclose = () => {
    G.connected = false;
    $("counter").textContent = "disconnected: is glassnet play still running?";
    setTimeout(connect, 1500);
  };
}

// ------------------------------------------------------------------ hover and click

const tooltip = $("tooltip");

function showTip(event, text) {
  tooltip.textContent = text;
  tooltip.hidden = false;
  tooltip.style.left = `${event.clientX + 14}px`;
  tooltip.style.top = `${event.clientY + 10}px`;
}

function unitText(l, j) {
  const setup = G.setup, v = G.frame && G.frame.variants[G.frame.focus];
  if (!setup || !v) return "";
  if (l === 0) return `input ${setup.features[j] !== undefined ? setup.features[j] : j}`;
  const layer = setup.layers[l - 1], m = v.meters ? v.meters[l - 1] : null;
  const lines = [`${layer.name}[${j}]  (${layer.activation})`];
  if (m) {
    lines.push(`pre-activation z: ${fmt(m.zmin[j], 3)} .. ${fmt(m.zmax[j], 3)}`);
    if (m.firing) lines.push(`firing rate: ${pct(m.firing[j])}`);
    if (m.saturation) lines.push(`saturated on: ${pct(m.saturation[j])}`);
  }
  const bias = v.w ? v.w[2 * (l - 1) + 1][j] : null;
  lines.push(`bias: ${fmt(bias)}`);
  for (const f of v.flagged) if (f.layer === layer.name && f.unit === j) lines.push(f.status.toUpperCase());
  return lines.join("\n");
}

function linkText(l, i, j) {
  const setup = G.setup, v = G.frame && G.frame.variants[G.frame.focus];
  if (!setup || !v || !v.w) return "";
  const units = setup.layers[l - 1].units;
  const w = v.w[2 * (l - 1)][i * units + j];
  const from = l === 1 ? `input ${setup.features[i] !== undefined ? setup.features[i] : i}`
    : `${setup.layers[l - 2].name}[${i}]`;
  return `weight ${from} -> ${setup.layers[l - 1].name}[${j}]: ${fmt(w, 5)}`;
}

async function openHistory(l, j) {
  const setup = G.setup, frame = G.frame;
  if (!setup || !frame || l === 0) return;
  const layer = setup.layers[l - 1].name;
  const q = new URLSearchParams({ variant: frame.focus, layer, unit: j });
  const data = await act(`/api/unit?${q}`);
  if (!data) return;
  const h = data.result;
  $("unit-panel").hidden = false;
  $("unit-title").textContent = `${layer}[${j}] over training (NeuronRecorder, ${h.steps.length} records)`;
  const canvas = $("unit-chart"), ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height;
  ctx.clearRect(0, 0, W, H);
  const series = ["weight_norm", "bias", "act_mean", "firing_rate", "saturation", "grad_norm"];
  const colours = ["#0877bd", "#f59322", "#2ca02c", "#d62728", "#b8860b", "#9467bd"];
  const steps = h.steps, s1 = Math.max(1, steps[steps.length - 1] || 1);
  const shown = [];
  series.forEach((name, k) => {
    const ys = h.metrics[name];
    if (!ys || ys.every((y) => y === null)) return;
    let lo = Infinity, hi = -Infinity;
    for (const y of ys) if (y !== null) { lo = Math.min(lo, y); hi = Math.max(hi, y); }
    const span = hi - lo || 1;
    ctx.strokeStyle = colours[k]; ctx.lineWidth = 1.5; ctx.beginPath();
    let started = false;
    ys.forEach((y, r) => {
      if (y === null) return;
      const px = 4 + (W - 8) * Math.log1p(steps[r]) / Math.log1p(s1);
      const py = H - 6 - (H - 12) * (y - lo) / span;
      if (!started) { ctx.moveTo(px, py); started = true; } else ctx.lineTo(px, py);
    });
    ctx.stroke();
    shown.push(`${name} (${["blue", "orange", "green", "red", "gold", "purple"][k]}): ${fmt(lo, 3)} .. ${fmt(hi, 3)}`);
  });
  $("unit-legend").textContent = `steps 0..${s1} on a log scale; each line scaled to its ` +
    `own range: ${shown.join("; ")}`;
}

function hookEvents() {
  $("net").addEventListener("mousemove", (event) => {
    const unit = event.target.closest(".unit");
    if (unit) { showTip(event, unitText(+unit.dataset.layer, +unit.dataset.unit)); return; }
    const box = $("net").getBoundingClientRect();
    const seg = nearestLink(event.clientX - box.left, event.clientY - box.top);
    if (seg) showTip(event, linkText(seg[4], seg[5], seg[6]));
    else tooltip.hidden = true;
  });
  $("net").addEventListener("mouseleave", () => { tooltip.hidden = true; });
  $("net").addEventListener("click", (event) => {
    const setup = G.setup, v = G.frame && G.frame.variants[G.frame.focus];
    const unit = event.target.closest(".unit");
    if (unit) {
      const l = +unit.dataset.layer, j = +unit.dataset.unit;
      openHistory(l, j);
      if (l > 0 && setup && v && v.w) {
        openEditor(event, `bias of ${setup.layers[l - 1].name}[${j}]:`, 2 * (l - 1) + 1, j,
          v.w[2 * (l - 1) + 1][j]);
      }
      return;
    }
    const box = $("net").getBoundingClientRect();
    const seg = nearestLink(event.clientX - box.left, event.clientY - box.top);
    if (seg && setup && v && v.w) {
      const [, , , , l, i, j] = seg;
      const units = setup.layers[l - 1].units;
      openEditor(event, `${linkText(l, i, j)}; new value:`, 2 * (l - 1), i * units + j,
        v.w[2 * (l - 1)][i * units + j]);
    }
  });
  $("editor-set").addEventListener("click", submitEditor);
  $("editor-value").addEventListener("keydown", (event) => {
    if (event.key === "Enter") submitEditor();
    if (event.key === "Escape") { $("editor").hidden = true; editing = null; }
  });
  $("editor-cancel").addEventListener("click", () => { $("editor").hidden = true; editing = null; });
  $("speed").addEventListener("change", () => act("/api/speed",
    { steps_per_frame: Number($("speed").value) }));
  $("copy-link").addEventListener("click", copyLink);
  $("discretize").addEventListener("change", () => {
    if (G.setup && G.frame) drawPanel("decision", G.setup, G.frame);
  });
  for (const el of document.querySelectorAll("#features input")) el.addEventListener("change", applyConfig);
  // the spiral lesson: the right features make a small network enough (150 epochs: every
  // feature with 8 hidden units reaches about 96% test accuracy; x1, x2 with 16 + 16 about 74%)
  const spiral = (features, hidden) => {
    $("dataset").value = "spirals"; $("n_classes").value = "2"; $("noise").value = "0.05";
    $("hidden").value = hidden; $("optimizer").value = "adam"; $("learning_rate").value = "0.03";
    $("activation").value = "tanh";
    for (const el of document.querySelectorAll("#features input")) el.checked = features(el.value);
    applyConfig();
  };
  $("lesson-spiral").addEventListener("click", () => spiral(() => true, "8"));
  $("lesson-spiral-raw").addEventListener("click", () => spiral((f) => f === "x1" || f === "x2", "16, 16"));
  $("play").addEventListener("click", () => act("/api/control",
    { action: G.frame && G.frame.playing ? "pause" : "play" }));
  $("step").addEventListener("click", () => act("/api/control", { action: "step" }));
  $("step-epoch").addEventListener("click", () => act("/api/control", { action: "step_epoch" }));
  $("reset").addEventListener("click", () => act("/api/control", { action: "reset" }));
  $("new-init").addEventListener("click", () => act("/api/control", { action: "new_init" }));
  $("export-model").addEventListener("click", () => download("/api/export/model", "playground-model.glassnet"));
  $("export-script").addEventListener("click", () => download("/api/export/script", "playground_run.py"));
  for (const key of FIELDS) $(key).addEventListener("change", applyConfig);
  $("csv-file").addEventListener("change", (event) => {
    const file = event.target.files[0];
    if (file) uploadCsv(file);
  });
  window.addEventListener("resize", () => {
    if (G.setup) { layout(G.setup); if (G.frame) drawPanel("network", G.setup, G.frame); }
  });
}

hookEvents();
watchPanels();
connect();
openLinkFromUrl();
window.addEventListener("hashchange", openLinkFromUrl);  // a link pasted into an open page
setInterval(updateRates, 500);
