// glassnet's drawing code, one ES module shared by the playground page (app.js imports it) and
// the notebook live view (glassnet.inspect.LiveView appends its widget code to this source).
// Plain modern JavaScript, no library, no build step; every string is set with textContent.
// Functions take the elements they draw on and the data they draw: no page globals, no ids.

export const PALETTE = ["#f59322", "#0877bd", "#2ca02c", "#9467bd", "#d62728", "#8c564b"];
export const VARIANT_COLOURS = ["#0877bd", "#d62728", "#2ca02c", "#9467bd"];
export const MAX_LINKS = 256;

// ------------------------------------------------------------------ colours and images

export function diverging(u) {  // u in [-1, 1] -> [r, g, b]
  const c = u < 0 ? [245, 147, 34] : [8, 119, 189];
  const t = Math.min(1, Math.abs(u));
  return [255 + (c[0] - 255) * t, 255 + (c[1] - 255) * t, 255 + (c[2] - 255) * t];
}

export function hexRgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

export function classColour(k) { return PALETTE[k % PALETTE.length]; }

export function decodeBytes(b64) {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function decodeFloats(b64) {  // float32 little-endian, as the server sends weights
  return new Float32Array(decodeBytes(b64).buffer);
}

const scratches = new Map();  // "w x h" -> {canvas, img}: reused, never resized

export function imageOf(w, h, pixel) {  // pixel(i) -> [r, g, b]; returns a w x h canvas
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

export function paintImage(canvas, w, h, pixel) {
  const ctx = canvas.getContext("2d");
  ctx.imageSmoothingEnabled = w > 12;
  ctx.drawImage(imageOf(w, h, pixel), 0, 0, canvas.width, canvas.height);
}

export function paintBoundary(canvas, boundary, setup, withPoints) {
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

// Lays out the units of `setup` as absolutely placed <div class="unit"> in `net` (which holds
// the `links` canvas). Returns {nodes, lines}: nodes[l][j] = {x, y, el, size, thumb}, l = 0 the
// input layer; lines[l] a flat list of link segments, index i * units + j for W of layer l.
export function layout(net, links, setup) {
  for (const el of net.querySelectorAll(".unit, .layer-label")) el.remove();
  const sizes = [setup.n_inputs, ...setup.layers.map((l) => l.units)];
  const tallest = Math.max(...sizes.slice(1));
  net.style.height = `${Math.min(1400, Math.max(440, tallest * 22 + 40))}px`;
  const width = net.clientWidth, height = net.clientHeight;
  const names = ["input", ...setup.layers.map((l) => l.name)];
  const nCols = sizes.length;
  const nodes = [];
  const lines = [];
  for (let l = 0; l < nCols; l++) {
    const n = sizes[l];
    const x = 40 + (width - 80) * (nCols === 1 ? 0.5 : l / (nCols - 1));
    const slot = (height - 40) / n;
    const size = l === 0 ? Math.max(4, Math.min(26, slot - 3)) : Math.max(5, Math.min(42, slot - 4));
    const col = [];
    for (let j = 0; j < n; j++) {
      const y = 24 + slot * (j + 0.5);
      const el = document.createElement("div");
      el.className = l === 0 ? (setup.extent && (n === 2 || setup.input_thumbs)
        ? "unit input plane" : "unit input")
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
  const canvas = links;
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
  return { nodes, lines };
}

// Link width and depth of colour: |weight| on one absolute scale, the same for every layer and
// every frame (so regularization's shrinking shows): 0 is the thinnest, LINK_SCALE and above
// the thickest.
export const LINK_SCALE = 2;
export const LINK_WIDTHS = [0.6, 5.1];  // px at |w| = 0 and |w| >= LINK_SCALE (sparse layers)

// Draws the links of `lines` on `canvas` from the weights v.w; returns how many it drew.
export function drawLinks(canvas, lines, v) {
  const ctx = canvas.getContext("2d");
  const dpr = window.devicePixelRatio || 1;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const LEVELS = 8;
  let drawn = 0;
  for (let l = 0; l < lines.length; l++) {
    const W = v.w[2 * l], flat = lines[l];
    const max = LINK_SCALE;
    const dense = flat.length > MAX_LINKS;
    let floor = -1;  // dense layers: only the MAX_LINKS strongest links are drawn
    if (dense) floor = Float32Array.from(W, Math.abs).sort()[flat.length - MAX_LINKS];
    const buckets = new Map();
    for (let k = 0; k < flat.length; k++) {
      const w = W[k];
      if (!Number.isFinite(w) || Math.abs(w) < floor) continue;  // NaN/inf: not drawn
      const level = Math.round(LEVELS * Math.min(1, Math.abs(w) / max));
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
      ctx.lineWidth = dense ? 0.5 + 1.5 * t : LINK_WIDTHS[0] + (LINK_WIDTHS[1] - LINK_WIDTHS[0]) * t;
      ctx.stroke(buckets.get(key));
    }
  }
  return drawn;
}

export function nearestLink(lines, x, y) {  // the link under the pointer (within 4 px), or null
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

// Draws the network picture of variant `v` over a layout {nodes, lines} on the `links` canvas:
// links, unit thumbnails, flags. Returns {links, thumbs}: how many of each it drew.
export function drawNetwork(links, view, setup, v) {
  if (!v.w) return null;
  const { nodes, lines } = view;
  const nLayers = setup.layers.length;
  const linksDrawn = drawLinks(links, lines, v);
  // thumbnails, drawn on the same canvas as the links: the unit's output over the plane
  // (2-D data), else its incoming weights (an image for image data)
  const ctx = links.getContext("2d");
  let thumbs = 0;
  for (let l = 0; l < nLayers; l++) {
    const col = nodes[l + 1];
    const W = v.w[2 * l], nIn = W.length / col.length;
    const bytes = v.thumbs ? (v.thumbs[l].bytes || decodeBytes(v.thumbs[l].img)) : null;
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
  if (setup.input_thumbs) {  // the inputs: each feature over the plane (from the server)
    const T = setup.thumb, bytes = decodeBytes(setup.input_thumbs.img);
    nodes[0].forEach((node, f) => {
      const off = f * T * T;
      const image = imageOf(T, T, (i) => diverging(bytes[off + i] / 127.5 - 1));
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(image, node.x - node.size / 2, node.y - node.size / 2, node.size, node.size);
    });
  } else if (setup.extent && nodes[0].length === 2) {  // the inputs: x1 and x2 over the plane
    const T = setup.thumb;
    nodes[0].forEach((node, f) => {
      const image = imageOf(T, T, (i) => {
        const u = f === 0 ? (i % T) / (T - 1) : 1 - Math.floor(i / T) / (T - 1);
        return diverging(2 * u - 1);
      });
      ctx.drawImage(image, node.x - node.size / 2, node.y - node.size / 2, node.size, node.size);
    });
  }
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
  return { links: linksDrawn, thumbs };
}

// ------------------------------------------------------------------ panels

// The loss curves on `canvas`: pts = [[step, train_0, test_0, train_1, test_1, ...], ...]
// (null where a value is missing), nv variants; the x axis is labelled `unit` (steps).
export function drawCurve(canvas, pts, nv, unit = "step") {
  const ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height, pad = 28;
  ctx.clearRect(0, 0, W, H);
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
  ctx.fillText(`${unit} ${s0}`, pad, H - 4);
  const endLabel = `${unit} ${pts[pts.length - 1][0]}`;
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

export function fmt(x, digits = 4) { return x === null || x === undefined ? "-" : Number(x).toPrecision(digits); }
export function pct(x) { return x === null || x === undefined ? "-" : `${(100 * x).toFixed(1)}%`; }

export function drawConfusion(canvas, classes, counts) {  // on a canvas: cheap to redraw every frame
  const ctx = canvas.getContext("2d");
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
  for (let j = 0; j < k; j++) ctx.fillText(short(classes[j]), left + (j + 0.5) * cell, 21);
  ctx.textAlign = "right";
  for (let i = 0; i < k; i++) ctx.fillText(short(classes[i]), left - 4, top + (i + 0.5) * cell);
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
}

// The symmetry meter in `box`: one line per layer, "k distinct of n" and a bar.
// variants: the variants' names; lists[i]: variant i's [{layer, k, n, groups}, ...].
export function drawSymmetry(box, variants, lists) {
  while (box.firstChild) box.removeChild(box.firstChild);
  lists.forEach((symmetry, i) => {
    for (const s of symmetry) {
      const div = document.createElement("div");
      div.className = "meter" + (s.k === 1 && s.n > 1 ? " collapsed" : "");
      const label = variants.length > 1 ? `${variants[i]} · ` : "";
      div.textContent = `${label}${s.layer}: ${s.k} distinct of ${s.n}`;
      div.dataset.variant = String(i); div.dataset.layer = s.layer;
      div.dataset.k = String(s.k); div.dataset.n = String(s.n);
      const bar = document.createElement("div"); bar.className = "bar";
      const fill = document.createElement("div"); fill.style.width = `${100 * s.k / s.n}%`;
      bar.appendChild(fill); div.appendChild(bar); box.appendChild(div);
    }
  });
}

// The dead and saturated units in the list `list`: [{layer, unit, status, text}, ...].
export function drawFlagged(list, flagged) {
  while (list.firstChild) list.removeChild(list.firstChild);
  if (flagged.length === 0) {
    const li = document.createElement("li"); li.textContent = "none"; list.appendChild(li);
  }
  for (const f of flagged.slice(0, 200)) {
    const li = document.createElement("li");
    li.className = f.status;
    li.textContent = f.text;
    list.appendChild(li);
  }
}
