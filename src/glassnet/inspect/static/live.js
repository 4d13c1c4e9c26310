// ------------------------------------------------------------------ glassnet LiveView widget
// The notebook widget's code. glassnet.inspect.live appends it to the playground's drawing
// module (play/static/netview.js), so the drawing functions used below (layout, drawNetwork,
// drawCurve, drawSymmetry, drawFlagged, paintImage, diverging, fmt, pct) are that module's own:
// one JavaScript source for the playground and the notebook. Strings are set as textContent.

function liveEl(tag, cls, text) {
  const el = document.createElement(tag);
  if (cls) el.className = cls;
  if (text !== undefined) el.textContent = text;
  return el;
}

function liveBytes(value) {  // a synced bytes value (DataView, ArrayBuffer or typed array)
  if (!value) return new Uint8Array(0);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return new Uint8Array(0);
}

// The frame's bytes, as glassnet.inspect.live lays them out: per drawn layer W (inputs x
// units, row by row) and b, then per layer the units' firing rates and weight norms (float32),
// then, when not every input is drawn, the first layer's weight images (int8, unit by unit).
function liveDecode(setup, blob) {
  const bytes = liveBytes(blob);
  let n = 0, prev = setup.n_inputs;
  for (const layer of setup.layers) { n += prev * layer.units + 3 * layer.units; prev = layer.units; }
  const copy = bytes.slice(0, 4 * n);
  const f = new Float32Array(copy.buffer, 0, Math.min(n, Math.floor(copy.byteLength / 4)));
  const w = [], firing = [], wnorm = [];
  let pos = 0;
  prev = setup.n_inputs;
  for (const layer of setup.layers) {
    const u = layer.units;
    w.push(f.subarray(pos, pos + prev * u)); pos += prev * u;
    w.push(f.subarray(pos, pos + u)); pos += u;
    prev = u;
  }
  for (const layer of setup.layers) {
    const u = layer.units;
    firing.push(f.subarray(pos, pos + u)); wnorm.push(f.subarray(pos + u, pos + 2 * u));
    pos += 2 * u;
  }
  let images = null;
  if (setup.images && setup.inputs && setup.layers.length) {
    images = new Int8Array(bytes.slice(4 * n).buffer);
  }
  return { w, firing, wnorm, images };
}

// flags and duplicate groups name units by their index in the layer; the picture by position
function livePositions(setup) {
  const maps = new Map();
  for (const layer of setup.layers) {
    const m = new Map();
    layer.shown.forEach((u, p) => m.set(u, p));
    maps.set(layer.name, m);
  }
  return maps;
}

function liveHideSnapshot(uid) {  // where the widget runs, its static twin is not needed
  const id = `glassnet-live-hide-${uid}`;
  if (document.getElementById(id)) return;
  const sel = `.glassnet-live-snapshot[data-glassnet-view="${uid}"]`;
  const style = document.createElement("style");
  style.id = id;
  style.textContent = `.jp-OutputArea-child:has(${sel}), .output_area:has(${sel}), ${sel} ` +
    "{ display: none !important; }";
  document.head.appendChild(style);
}

function render({ model, el }) {
  const root = liveEl("div", "glassnet-live");
  const head = liveEl("div", "gl-head");
  head.appendChild(liveEl("b", "", "glassnet"));
  head.appendChild(liveEl("span", "", " live view · "));
  const status = liveEl("span", "gl-status", "waiting for training…");
  head.appendChild(status);
  const notices = liveEl("div", "gl-notices");
  const body = liveEl("div", "gl-body");
  const netBox = liveEl("div", "gl-netbox");
  const net = liveEl("div", "gl-net");
  const links = liveEl("canvas", "gl-links");
  net.appendChild(links);
  netBox.appendChild(net);
  netBox.appendChild(liveEl("div", "gl-note", "links: blue positive, orange negative, " +
    "width = |weight|; outlines: red dead, gold saturated, purple duplicate units"));
  const side = liveEl("div", "gl-side");
  const lossBox = liveEl("div"), symBox = liveEl("div"), flagBox = liveEl("div");
  lossBox.appendChild(liveEl("h4", "", "Loss"));
  const curve = liveEl("canvas", "gl-curve");
  curve.width = 300; curve.height = 160;
  lossBox.appendChild(curve);
  lossBox.appendChild(liveEl("div", "gl-note", "solid: training loss, dashed: validation loss"));
  symBox.appendChild(liveEl("h4", "", "Symmetry meter"));
  const symmetry = liveEl("div", "gl-symmetry");
  symBox.appendChild(symmetry);
  flagBox.appendChild(liveEl("h4", "", "Dead and saturated units"));
  const flagged = liveEl("ul", "gl-flagged");
  flagBox.appendChild(flagged);
  for (const box of [lossBox, symBox, flagBox]) side.appendChild(box);
  body.appendChild(netBox); body.appendChild(side);
  const panels = liveEl("div", "gl-panels");
  const replay = liveEl("div", "gl-replay");
  replay.hidden = true;
  replay.appendChild(liveEl("span", "", "replay: epoch "));
  const slider = liveEl("input", "gl-slider");
  slider.type = "range"; slider.min = "0"; slider.step = "1";
  const at = liveEl("span", "gl-at");
  replay.appendChild(slider); replay.appendChild(at);
  for (const part of [head, notices, replay, body, panels]) root.appendChild(part);
  el.appendChild(root);

  // state a test (or a curious learner) may read: window.glassnetLive[uid]
  const G = { framesDrawn: 0, linksDrawn: 0, thumbsDrawn: 0, unitCanvases: 0, decoded: null,
    frame: null, setup: null };
  let view = { nodes: [], lines: [] }, width = 0, panelCanvases = [], pending = false;

  function relayout() {
    const setup = model.get("setup");
    if (!setup || !setup.layers) return;
    G.setup = setup;
    window.glassnetLive = window.glassnetLive || {};
    window.glassnetLive[setup.uid] = G;
    liveHideSnapshot(setup.uid);
    while (notices.firstChild) notices.removeChild(notices.firstChild);
    for (const text of setup.notices || []) notices.appendChild(liveEl("div", "gl-notice", text));
    width = net.clientWidth;
    if (width > 0 && setup.layers.length) view = layout(net, links, setup);
    netBox.hidden = setup.layers.length === 0;
    // the panels below the picture: weight images (image inputs), activation maps (2-D
    // inputs), firing rate and weight norm (other inputs)
    while (panels.firstChild) panels.removeChild(panels.firstChild);
    panelCanvases = [];
    if (setup.images && setup.layers.length) {
      const layer = setup.layers[0];
      panels.appendChild(liveEl("h4", "", `${layer.name}: each unit's incoming weights as an ` +
        `image (${setup.images[0]}x${setup.images[1]}; blue +, orange -)`));
      const grid = liveEl("div", "gl-grid gl-images");
      layer.shown.forEach((u) => {
        const cell = liveEl("div", "gl-cell");
        const c = liveEl("canvas", "gl-unit-image");
        c.width = 48; c.height = 48; c.title = `${layer.name}[${u}]`;
        cell.appendChild(c); cell.appendChild(liveEl("div", "gl-cap", String(u)));
        grid.appendChild(cell);
        panelCanvases.push({ kind: "image", canvas: c, l: 0, p: panelCanvases.length });
      });
      panels.appendChild(grid);
    }
    setup.layers.forEach((layer, l) => {
      const plane = Boolean(setup.extent);
      const fires = ["relu", "leaky_relu", "linear"].includes(layer.activation);
      panels.appendChild(liveEl("h4", "", plane
        ? `${layer.name}: each unit's activation over the input plane (blue +, orange -)`
        : `${layer.name}: each unit's ${fires ? "firing rate (green: share of the probe with " +
          "z > 0)" : "mean |activation| (green)"} and weight norm (blue: |w|, to the layer's largest)`));
      const grid = liveEl("div", `gl-grid ${plane ? "gl-maps" : "gl-meters"}`);
      layer.shown.forEach((u, p) => {
        const cell = liveEl("div", "gl-cell");
        const c = liveEl("canvas", plane ? "gl-unit-map" : "gl-unit-meter");
        c.width = plane ? 48 : 22; c.height = plane ? 48 : 40;
        cell.appendChild(c); cell.appendChild(liveEl("div", "gl-cap", String(u)));
        grid.appendChild(cell);
        panelCanvases.push({ kind: plane ? "map" : "meter", canvas: c, l, p, u, cell });
      });
      panels.appendChild(grid);
    });
    G.unitCanvases = panelCanvases.length;
  }

  function drawPanels(setup, dec, thumbs) {
    const T = setup.thumb;
    const maxNorm = dec.wnorm.map((a) => { let m = 1e-12; for (const x of a) if (Number.isFinite(x)) m = Math.max(m, x); return m; });
    for (const pc of panelCanvases) {
      if (pc.kind === "image") {
        const [h, w] = setup.images;
        let pixel;
        if (dec.images) {
          const off = pc.p * h * w;
          pixel = (i) => diverging(dec.images[off + i] / 127);
        } else {
          const W = dec.w[0], units = setup.layers[0].units;
          let max = 1e-12;
          for (let i = 0; i < h * w; i++) max = Math.max(max, Math.abs(W[i * units + pc.p]));
          pixel = (i) => diverging(W[i * units + pc.p] / max);
        }
        paintImage(pc.canvas, w, h, pixel);
      } else if (pc.kind === "map") {
        if (!thumbs[pc.l]) continue;
        const bytes = thumbs[pc.l].bytes, off = pc.p * T * T;
        paintImage(pc.canvas, T, T, (i) => diverging(bytes[off + i] / 127.5 - 1));
      } else {
        const ctx = pc.canvas.getContext("2d"), W = pc.canvas.width, H = pc.canvas.height;
        const fire = dec.firing[pc.l][pc.p], norm = dec.wnorm[pc.l][pc.p] / maxNorm[pc.l];
        ctx.clearRect(0, 0, W, H);
        ctx.fillStyle = "#f2f2f2"; ctx.fillRect(0, 0, W, H);
        if (Number.isFinite(fire)) {
          const h = Math.max(0, Math.min(1, Math.abs(fire))) * H;
          ctx.fillStyle = "#2ca02c"; ctx.fillRect(1, H - h, W / 2 - 1.5, h);
        }
        if (Number.isFinite(norm)) {
          const h = Math.max(0, Math.min(1, norm)) * H;
          ctx.fillStyle = "#0877bd"; ctx.fillRect(W / 2 + 0.5, H - h, W / 2 - 1.5, h);
        }
        pc.canvas.title = `${setup.layers[pc.l].name}[${pc.u}]: firing ${pct(fire)}, ` +
          `|w| ${fmt(dec.wnorm[pc.l][pc.p], 3)}`;
      }
    }
  }

  function draw() {
    pending = false;
    const setup = model.get("setup"), frame = model.get("frame");
    if (!setup || !setup.layers || !frame || frame.epoch === undefined) return;
    if (setup !== G.setup || net.clientWidth !== width) relayout();
    G.frame = frame;
    const dec = liveDecode(setup, model.get("weights"));
    G.decoded = dec;
    const thumbBytes = liveBytes(model.get("thumbs"));
    const T = setup.thumb;
    const thumbs = [];
    if (setup.extent && thumbBytes.length) {
      let off = 0;
      for (const layer of setup.layers) {
        const n = layer.units * T * T;
        thumbs.push({ bytes: thumbBytes.subarray(off, off + n) }); off += n;
      }
    }
    const epochs = frame.epochs ? ` of ${frame.epochs}` : "";
    const parts = [`epoch ${Number.isInteger(frame.epoch) ? frame.epoch : frame.epoch.toFixed(2)}${epochs}`,
      `step ${frame.step.toLocaleString("en")}`];
    if (frame.loss !== null) parts.push(`loss ${fmt(frame.loss)}`);
    if (frame.val_loss !== null) parts.push(`val_loss ${fmt(frame.val_loss)}`);
    if (frame.done) parts.push(frame.at === null ? "done" : "replay");
    status.textContent = parts.join(" · ");
    // the picture: the playground's network drawing, flags mapped to drawn positions
    const where = livePositions(setup);
    const v = {
      w: dec.w,
      thumbs: thumbs.length ? thumbs : null,
      flagged: (frame.flagged || []).filter((f) => where.get(f.layer) && where.get(f.layer).has(f.unit))
        .map((f) => ({ ...f, unit: where.get(f.layer).get(f.unit) })),
      symmetry: frame.symmetry.filter((s) => where.get(s.layer)).map((s) => ({ ...s,
        groups: s.groups.map((g) => g.filter((u) => where.get(s.layer).has(u))
          .map((u) => where.get(s.layer).get(u))) })),
    };
    if (setup.layers.length && view.nodes.length) {
      const counts = drawNetwork(links, view, setup, v);
      if (counts) { G.linksDrawn = counts.links; G.thumbsDrawn = counts.thumbs; }
    }
    let pts = model.get("curve") || [];
    if (frame.at !== null && frame.at !== undefined) pts = pts.filter((p) => p[0] <= frame.epoch);
    drawCurve(curve, pts, 1, "epoch");
    drawSymmetry(symmetry, ["model"], [frame.symmetry]);
    if (frame.flagged === null) {
      while (flagged.firstChild) flagged.removeChild(flagged.firstChild);
      flagged.appendChild(liveEl("li", "", "needs a probe: LiveView(X_train)"));
    } else drawFlagged(flagged, frame.flagged);
    drawPanels(setup, dec, thumbs);
    const records = model.get("records");
    replay.hidden = !frame.done || records < 2;
    if (frame.done) {
      slider.max = String(records - 1);
      const shown = frame.at === null || frame.at === undefined ? records - 1 : frame.at;
      if (document.activeElement !== slider) slider.value = String(shown);
      at.textContent = ` ${frame.epoch} of ${frame.epochs} (record ${shown + 1} of ${records})`;
    }
    G.framesDrawn += 1;
  }

  function soon() {
    if (!pending) { pending = true; requestAnimationFrame(draw); }
  }

  slider.addEventListener("input", () => {
    model.set("at", Number(slider.value));
    model.save_changes();
  });
  const names = ["setup", "frame", "weights", "thumbs", "curve", "records"];
  for (const name of names) model.on(`change:${name}`, soon);
  const resize = new ResizeObserver(() => { if (net.clientWidth !== width) soon(); });
  resize.observe(net);
  soon();
  return () => {
    resize.disconnect();
    for (const name of names) model.off(`change:${name}`, soon);
  };
}

export default { render };
