// The glassnet playground's page: plain modern JavaScript, no library, no build step.
// Every string that reaches the page is set with textContent (never innerHTML).
"use strict";

const TOKEN = document.querySelector('meta[name="glassnet-token"]').content;
const $ = (id) => document.getElementById(id);
const PALETTE = ["#f59322", "#0877bd", "#2ca02c", "#9467bd", "#d62728", "#8c564b"];
const VARIANT_COLOURS = ["#0877bd", "#d62728", "#2ca02c", "#9467bd"];
const FIELDS = ["dataset", "n_samples", "noise", "n_classes", "test_fraction", "data_seed",
  "hidden", "activation", "initializer", "constant", "seed", "optimizer", "learning_rate",
  "batch_size", "regularization", "reg_rate", "dropout", "stop_epochs", "compare"];
const TEXT_FIELDS = ["dataset", "activation", "initializer", "optimizer", "compare",
  "regularization"];

// State the tests and the benchmark may read: window.glassnet.
const G = window.glassnet = {
  setup: null, frame: null, prevFrame: null, curve: [], framesDrawn: 0, connected: false,
  drawTimes: [], error: null,
};

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
  return cfg;
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
  const toy = ["circles", "xor", "gaussians", "spirals", "moons", "coffee"].includes(cfg.dataset);
  for (const el of document.querySelectorAll(".toy")) el.hidden = !toy;
  for (const el of document.querySelectorAll(".noise")) el.hidden = !toy || cfg.dataset === "coffee";
  for (const el of document.querySelectorAll(".classes"))
    el.hidden = !["gaussians", "spirals"].includes(cfg.dataset);
  for (const el of document.querySelectorAll(".const")) el.hidden = cfg.initializer !== "constant";
  for (const el of document.querySelectorAll(".reg")) el.hidden = cfg.regularization === "none";
}

let pendingConfig = 0;  // settings sent and not yet answered: a setup must not overwrite them

async function applyConfig() {
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

// ------------------------------------------------------------------ colours and images

function diverging(u) {  // u in [-1, 1] -> [r, g, b]
  const c = u < 0 ? [245, 147, 34] : [8, 119, 189];
  const t = Math.min(1, Math.abs(u));
  return [255 + (c[0] - 255) * t, 255 + (c[1] - 255) * t, 255 + (c[2] - 255) * t];
}

function hexRgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function classColour(k) { return PALETTE[k % PALETTE.length]; }

function decodeBytes(b64) {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function decodeFloats(b64) {  // float32 little-endian, as the server sends weights
  return new Float32Array(decodeBytes(b64).buffer);
}

const scratches = new Map();  // "w x h" -> {canvas, img}: reused, never resized

function imageOf(w, h, pixel) {  // pixel(i) -> [r, g, b]; returns a w x h canvas
  const key = `${w}x${h}`;
  let s = scratches.get(key);
  if (!s) {
    const canvas = document.createElement("canvas");
    canvas.width = w; canvas.height = h;
    const ctx = canvas.getContext("2d");
    s = { canvas, ctx, img: ctx.createImageData(w, h) };
    scratches.set(key, s);
  }
  const data = s.img.data;
  for (let i = 0; i < w * h; i++) {
    const [r, g, b] = pixel(i);
    data[4 * i] = r; data[4 * i + 1] = g; data[4 * i + 2] = b; data[4 * i + 3] = 255;
  }
  s.ctx.putImageData(s.img, 0, 0);
  return s.canvas;
}

function paintImage(canvas, w, h, pixel) {
  const ctx = canvas.getContext("2d");
  ctx.imageSmoothingEnabled = w > 12;
  ctx.drawImage(imageOf(w, h, pixel), 0, 0, canvas.width, canvas.height);
}

function paintBoundary(canvas, boundary, setup, withPoints) {
  const n = setup.grid;
  const cls = decodeBytes(boundary.cls), conf = decodeBytes(boundary.conf);
  const regression = setup.task === "regression";
  paintImage(canvas, n, n, (i) => {
    const t = conf[i] / 255;
    if (regression) return diverging(cls[i] ? t : -t);
    const c = hexRgb(classColour(cls[i]));
    const a = 0.15 + 0.55 * t;
    return [255 + (c[0] - 255) * a, 255 + (c[1] - 255) * a, 255 + (c[2] - 255) * a];
  });
  if (!withPoints || !setup.points) return;
  const ctx = canvas.getContext("2d");
  const [x0, x1, y0, y1] = setup.extent;
  const W = canvas.width, H = canvas.height;
  const r = Math.max(1.5, W / 110);
  const draw = (pts, ys, test) => {
    for (let i = 0; i < pts.length; i++) {
      const px = (pts[i][0] - x0) / (x1 - x0) * W, py = (y1 - pts[i][1]) / (y1 - y0) * H;
      ctx.beginPath(); ctx.arc(px, py, r, 0, 2 * Math.PI);
      const y = ys[i];
      ctx.fillStyle = regression ? `rgb(${diverging(Math.tanh(y)).join(",")})` : classColour(y);
      ctx.fill();
      ctx.lineWidth = test ? 1.4 : 0.6;
      ctx.strokeStyle = test ? "#000" : "#fff";
      ctx.stroke();
    }
  };
  draw(setup.points.train, setup.points.train_y, false);
  draw(setup.points.test, setup.points.test_y, true);
}

// ------------------------------------------------------------------ the network picture

let nodes = [];   // nodes[l][j]: {x, y, el, canvas}; l = 0 is the input layer
let lines = [];   // lines[l]: flat list of <line>, index i * units + j for W of layer l

function layout(setup) {
  const net = $("net");
  for (const el of net.querySelectorAll(".unit, .layer-label")) el.remove();
  const sizes = [setup.n_inputs, ...setup.layers.map((l) => l.units)];
  const tallest = Math.max(...sizes.slice(1));
  net.style.height = `${Math.min(1400, Math.max(440, tallest * 22 + 40))}px`;
  const width = net.clientWidth, height = net.clientHeight;
  const names = ["input", ...setup.layers.map((l) => l.name)];
  const nCols = sizes.length;
  nodes = [];
  lines = [];
  for (let l = 0; l < nCols; l++) {
    const n = sizes[l];
    const x = 40 + (width - 80) * (nCols === 1 ? 0.5 : l / (nCols - 1));
    const slot = (height - 40) / n;
    const size = l === 0 ? Math.max(4, Math.min(26, slot - 3)) : Math.max(5, Math.min(42, slot - 4));
    const col = [];
    for (let j = 0; j < n; j++) {
      const y = 24 + slot * (j + 0.5);
      const el = document.createElement("div");
      el.className = l === 0 ? (setup.extent && n === 2 ? "unit input plane" : "unit input")
        : "unit";
      el.style.left = `${x - size / 2}px`; el.style.top = `${y - size / 2}px`;
      el.style.width = `${size}px`; el.style.height = `${size}px`;
      el.dataset.layer = String(l); el.dataset.unit = String(j);
      net.appendChild(el);
      col.push({ x, y, el, size, thumb: l > 0 && size >= 10 });
    }
    const label = document.createElement("div");
    label.className = "layer-label";
    label.style.left = `${x}px`; label.style.top = "2px";
    const info = l === 0 ? null : setup.layers[l - 1];
    const act = l === 0 ? `${n} features` : `${n} ${info.activation}` +
      (info.dropout > 0 ? `, dropout ${info.dropout}` : "") +
      (sizes[l - 1] * n > MAX_LINKS ? `; ${MAX_LINKS}/${sizes[l - 1] * n} strongest links` : "");
    label.textContent = `${names[l]} (${act})`;
    net.appendChild(label);
    nodes.push(col);
  }
  // links are drawn on one canvas (thousands of them for digits), grouped by colour and width
  const canvas = $("links");
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * dpr); canvas.height = Math.round(height * dpr);
  canvas.style.width = `${width}px`; canvas.style.height = `${height}px`;
  for (let l = 1; l < nCols; l++) {
    const flat = [];
    for (let i = 0; i < sizes[l - 1]; i++) {
      for (let j = 0; j < sizes[l]; j++) {
        const a = nodes[l - 1][i], b = nodes[l][j];
        flat.push([a.x + a.size / 2, a.y, b.x - b.size / 2, b.y, l, i, j]);
      }
    }
    lines.push(flat);
  }
}

const MAX_LINKS = 256;

function drawLinks(v) {
  const canvas = $("links"), ctx = canvas.getContext("2d");
  const dpr = window.devicePixelRatio || 1;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const LEVELS = 8;
  let drawn = 0;
  for (let l = 0; l < lines.length; l++) {
    const W = v.w[2 * l], flat = lines[l];
    let max = 1e-12;
    for (const w of W) if (Number.isFinite(w)) max = Math.max(max, Math.abs(w));
    const dense = flat.length > MAX_LINKS;
    let floor = -1;  // dense layers: only the MAX_LINKS strongest links are drawn
    if (dense) floor = Float32Array.from(W, Math.abs).sort()[flat.length - MAX_LINKS];
    const buckets = new Map();
    for (let k = 0; k < flat.length; k++) {
      const w = W[k];
      if (!Number.isFinite(w) || Math.abs(w) < floor) continue;  // NaN/inf: not drawn
      const level = Math.round(LEVELS * Math.abs(w) / max);
      const key = (w >= 0 ? 1 : -1) * (level + 1);
      let path = buckets.get(key);
      if (!path) { path = new Path2D(); buckets.set(key, path); }
      const [x1, y1, x2, y2] = flat[k];
      path.moveTo(x1, y1); path.lineTo(x2, y2);
      drawn += 1;
    }
    // weakest first, so strong links lie on top; opaque colours (blended with white here)
    // raster much faster than transparent strokes
    for (const key of [...buckets.keys()].sort((a, b) => Math.abs(a) - Math.abs(b))) {
      const t = (Math.abs(key) - 1) / LEVELS;
      const alpha = (dense ? 0.12 : 0.25) + 0.75 * t;
      const c = key > 0 ? [8, 119, 189] : [245, 147, 34];
      ctx.strokeStyle = `rgb(${c.map((x) => Math.round(255 + (x - 255) * alpha)).join(",")})`;
      ctx.lineWidth = (dense ? 0.5 : 0.6) + (dense ? 1.5 : 4.5) * t;
      ctx.stroke(buckets.get(key));
    }
  }
  G.linksDrawn = drawn;
}

function nearestLink(x, y) {  // the link under the pointer (within 4 px), or null
  let best = null, bestD = 16;
  for (const flat of lines) {
    for (const seg of flat) {
      const [x1, y1, x2, y2] = seg;
      const dx = x2 - x1, dy = y2 - y1;
      const t = Math.max(0, Math.min(1, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)));
      const ex = x1 + t * dx - x, ey = y1 + t * dy - y, d = ex * ex + ey * ey;
      if (d < bestD) { bestD = d; best = seg; }
    }
  }
  return best;
}

function drawNetwork(setup, v) {
  if (!v.w) return;
  const nLayers = setup.layers.length;
  drawLinks(v);
  // thumbnails, drawn on the same canvas as the links: the unit's output over the plane
  // (2-D data), else its incoming weights (an image for image data)
  const ctx = $("links").getContext("2d");
  let thumbs = 0;
  for (let l = 0; l < nLayers; l++) {
    const col = nodes[l + 1];
    const W = v.w[2 * l], nIn = W.length / col.length;
    const bytes = v.thumbs ? decodeBytes(v.thumbs[l].img) : null;
    const T = setup.thumb;
    const shape = l === 0 && setup.image_shape ? setup.image_shape : [1, nIn];
    for (let j = 0; j < col.length; j++) {
      const node = col[j];
      if (!node.thumb) continue;
      let image;
      if (bytes) {
        const off = j * T * T;
        image = imageOf(T, T, (i) => diverging(bytes[off + i] / 127.5 - 1));
      } else {
        let max = 1e-12;
        for (let i = 0; i < nIn; i++) max = Math.max(max, Math.abs(W[i * col.length + j]));
        image = imageOf(shape[1], shape[0], (i) => diverging(W[i * col.length + j] / max));
      }
      ctx.imageSmoothingEnabled = image.width > 12;
      ctx.drawImage(image, node.x - node.size / 2, node.y - node.size / 2, node.size, node.size);
      thumbs += 1;
    }
  }
  if (setup.extent && nodes[0].length === 2) {  // the inputs: x1 and x2 over the plane
    const T = setup.thumb;
    nodes[0].forEach((node, f) => {
      const image = imageOf(T, T, (i) => {
        const u = f === 0 ? (i % T) / (T - 1) : 1 - Math.floor(i / T) / (T - 1);
        return diverging(2 * u - 1);
      });
      ctx.drawImage(image, node.x - node.size / 2, node.y - node.size / 2, node.size, node.size);
    });
  }
  G.thumbsDrawn = thumbs;
  const flagged = new Map(v.flagged.map((f) => [`${f.layer}:${f.unit}`, f.status]));
  const dups = new Set();
  for (const s of v.symmetry) for (const g of s.groups) for (const u of g) dups.add(`${s.layer}:${u}`);
  for (let l = 0; l < nLayers; l++) {
    const name = setup.layers[l].name;
    nodes[l + 1].forEach((node, j) => {
      const status = flagged.get(`${name}:${j}`);
      node.el.classList.toggle("dead", status === "dead");
      node.el.classList.toggle("saturated", status === "saturated");
      node.el.classList.toggle("dup", dups.has(`${name}:${j}`));
    });
  }
}

// ------------------------------------------------------------------ panels

function drawCurve(setup) {
  const canvas = $("curve"), ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height, pad = 28;
  ctx.clearRect(0, 0, W, H);
  const pts = G.curve;
  const nv = setup.variants.length;
  if (pts.length === 0) return;
  let max = 0;
  for (const p of pts) for (let k = 1; k < p.length; k++) if (p[k] !== null) max = Math.max(max, p[k]);
  max = max || 1;
  const s0 = pts[0][0], s1 = Math.max(pts[pts.length - 1][0], s0 + 1);
  const X = (s) => pad + (W - pad - 6) * (s - s0) / (s1 - s0);
  const Y = (v) => H - 16 - (H - 24) * v / max;
  ctx.strokeStyle = "#ccc"; ctx.lineWidth = 1;
  ctx.beginPath(); ctx.moveTo(pad, 6); ctx.lineTo(pad, H - 16); ctx.lineTo(W - 4, H - 16); ctx.stroke();
  ctx.fillStyle = "#666"; ctx.font = "10px sans-serif";
  ctx.fillText(max.toPrecision(2), 2, 12); ctx.fillText("0", 14, H - 16);
  ctx.fillText(`step ${s0}`, pad, H - 4);
  const endLabel = `step ${pts[pts.length - 1][0]}`;
  ctx.fillText(endLabel, W - 6 - ctx.measureText(endLabel).width, H - 4);
  for (let v = 0; v < nv; v++) {
    for (const test of [false, true]) {
      const k = 1 + 2 * v + (test ? 1 : 0);
      ctx.strokeStyle = VARIANT_COLOURS[v % VARIANT_COLOURS.length];
      ctx.setLineDash(test ? [4, 3] : []);
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      let started = false;
      for (const p of pts) {
        if (p[k] === null) continue;
        if (!started) { ctx.moveTo(X(p[0]), Y(p[k])); started = true; } else ctx.lineTo(X(p[0]), Y(p[k]));
      }
      ctx.stroke();
    }
  }
  ctx.setLineDash([]);
}

function fmt(x, digits = 4) { return x === null || x === undefined ? "-" : Number(x).toPrecision(digits); }
function pct(x) { return x === null || x === undefined ? "-" : `${(100 * x).toFixed(1)}%`; }

const drawn = new Map();  // panel -> the JSON it shows: unchanged panels are not rebuilt

function unchanged(panel, data) {
  const key = JSON.stringify(data);
  if (drawn.get(panel) === key) return true;
  drawn.set(panel, key);
  return false;
}

function drawConfusion(setup, counts) {  // on a canvas: cheap to redraw every frame
  if (unchanged("confusion", counts)) return;
  const canvas = $("confusion"), ctx = canvas.getContext("2d");
  const k = counts.length, left = 58, top = 30;
  const cell = Math.max(12, Math.min(28, Math.floor((canvas.width - left - 4) / k)));
  const height = top + k * cell + 4;
  if (canvas.height !== height) canvas.height = height;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  let max = 1;
  for (const row of counts) for (const c of row) max = Math.max(max, c);
  ctx.font = `${Math.min(11, cell - 3)}px sans-serif`;
  ctx.textAlign = "center"; ctx.textBaseline = "middle";
  const short = (name) => (name.length > 7 ? `${name.slice(0, 6)}…` : name);
  ctx.fillStyle = "#666";
  ctx.fillText("predicted →", left + (k * cell) / 2, 8);
  for (let j = 0; j < k; j++) ctx.fillText(short(setup.classes[j]), left + (j + 0.5) * cell, 21);
  ctx.textAlign = "right";
  for (let i = 0; i < k; i++) ctx.fillText(short(setup.classes[i]), left - 4, top + (i + 0.5) * cell);
  ctx.save(); ctx.translate(9, top + (k * cell) / 2); ctx.rotate(-Math.PI / 2);
  ctx.textAlign = "center"; ctx.fillText("true", 0, 0); ctx.restore();
  ctx.textAlign = "center";
  counts.forEach((row, i) => row.forEach((c, j) => {
    const t = c / max;
    ctx.fillStyle = `rgb(${(i === j ? diverging(t) : diverging(-t)).map(Math.round).join(",")})`;
    ctx.fillRect(left + j * cell, top + i * cell, cell - 1, cell - 1);
    ctx.fillStyle = t > 0.55 ? "#fff" : "#222";
    ctx.fillText(String(c), left + (j + 0.5) * cell, top + (i + 0.5) * cell);
  }));
  G.confusion = counts;
}

function drawSymmetry(setup, frame) {
  if (unchanged("symmetry", frame.variants.map((v) => v.symmetry))) return;
  const box = $("symmetry");
  while (box.firstChild) box.removeChild(box.firstChild);
  frame.variants.forEach((v, i) => {
    for (const s of v.symmetry) {
      const div = document.createElement("div");
      div.className = "meter" + (s.k === 1 && s.n > 1 ? " collapsed" : "");
      const label = setup.variants.length > 1 ? `${setup.variants[i]} · ` : "";
      div.textContent = `${label}${s.layer}: ${s.k} distinct of ${s.n}`;
      div.dataset.variant = String(i); div.dataset.layer = s.layer;
      div.dataset.k = String(s.k); div.dataset.n = String(s.n);
      const bar = document.createElement("div"); bar.className = "bar";
      const fill = document.createElement("div"); fill.style.width = `${100 * s.k / s.n}%`;
      bar.appendChild(fill); div.appendChild(bar); box.appendChild(div);
    }
  });
}

function drawFlagged(setup, v) {
  if (unchanged("flagged", v.flagged)) return;
  const list = $("flagged");
  while (list.firstChild) list.removeChild(list.firstChild);
  if (v.flagged.length === 0) {
    const li = document.createElement("li"); li.textContent = "none"; list.appendChild(li);
  }
  for (const f of v.flagged.slice(0, 200)) {
    const li = document.createElement("li");
    li.className = f.status;
    li.textContent = f.text;
    list.appendChild(li);
  }
}

let cardCanvases = [];

function layoutCards(setup) {
  const box = $("cards");
  while (box.firstChild) box.removeChild(box.firstChild);
  cardCanvases = [];
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
}

// ------------------------------------------------------------------ setup and frames

function onSetup(setup) {
  G.setup = setup; G.curve = []; G.frame = null; G.prevFrame = null;
  drawn.clear();
  $("csv-error").textContent = "";
  if (pendingConfig === 0) writeConfig(setup.config);
  $("data-info").textContent = `${setup.description}; ${setup.m_train} train, ` +
    `${setup.m_test} test; ${setup.task}` +
    (setup.task !== "regression" ? ` (${setup.classes.length} classes)` : "");
  const plane = Boolean(setup.extent);
  $("boundary").hidden = !plane;
  $("confusion").hidden = plane || setup.task === "regression";
  $("decision-title").textContent = plane ? "Decision boundary (test points outlined)" :
    "Confusion matrix (test set)";
  const legend = $("curve-legend");
  legend.textContent = setup.variants.map((name, i) => `${name}: colour ${i + 1}`).length > 1
    ? `solid: train, dashed: test; ${setup.variants.map((n, i) => `${["blue", "red", "green", "purple"][i]} = ${n}`).join(", ")}`
    : "solid: train loss, dashed: test loss";
  layout(setup);
  layoutCards(setup);
  $("unit-panel").hidden = true;
}

function onFrame(message) {
  const setup = G.setup, frame = message.frame;
  if (!setup || frame.run_id !== setup.run_id) return;
  const t0 = performance.now();
  for (const p of message.curve) G.curve.push(p);
  G.prevFrame = G.frame; G.frame = frame;
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
  drawNetwork(setup, v);
  if (v.boundary) paintBoundary($("boundary"), v.boundary, setup, true);
  if (v.confusion) drawConfusion(setup, v.confusion);
  $("accuracy").textContent = `train loss ${fmt(v.train_loss)}, test loss ${fmt(v.test_loss)}` +
    (v.test_acc !== null ? `; accuracy train ${pct(v.train_acc)}, test ${pct(v.test_acc)}` : "");
  drawCurve(setup);
  drawSymmetry(setup, frame);
  drawFlagged(setup, v);
  drawCards(setup, frame);
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
  const ws = new WebSocket(`ws://${location.host}/ws?token=${encodeURIComponent(TOKEN)}`);
  ws.onopen = () => { G.connected = true; };
  ws.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "setup") { onSetup(message); return; }
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
    const unit = event.target.closest(".unit");
    if (unit) openHistory(+unit.dataset.layer, +unit.dataset.unit);
  });
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
  window.addEventListener("resize", () => { if (G.setup) { layout(G.setup); if (G.frame) drawNetwork(G.setup, G.frame.variants[G.frame.focus]); } });
}

hookEvents();
connect();
setInterval(updateRates, 500);
