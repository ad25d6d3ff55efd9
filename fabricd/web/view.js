// The topology canvas: draws the model, pans (drag), zooms (wheel), picks
// the node or link under a click. Links between switches are drawn one by
// one when there is room, else aggregated between groups of neighbouring
// switches (one line per group pair, as wide as the count, coloured by the
// worst member). Down links are always drawn on their own.
'use strict';
const view = (() => {
  const canvas = document.getElementById('topo');
  const ctx = canvas.getContext('2d');
  let m = null, scale = 1, ox = 0, oy = 0, colourBy = 'utilization';
  let selected = null, highlight = new Set(), ring = null, aggregates = [], onPick = () => {};
  const MIN_SW_PX = 24; // below this spacing, switch links are aggregated

  const toScreen = (x, y) => [x * scale + ox, y * scale + oy];
  const toWorld = (sx, sy) => [(sx - ox) / scale, (sy - oy) / scale];

  function resize() {
    const r = canvas.getBoundingClientRect(), d = window.devicePixelRatio || 1;
    canvas.width = Math.max(1, r.width * d); canvas.height = Math.max(1, r.height * d);
    ctx.setTransform(d, 0, 0, d, 0, 0);
    draw();
  }

  function fit() {
    if (!m) return;
    const r = canvas.getBoundingClientRect();
    const top = -m.tierGap * (m.tiers.length - 1) - 20 - (m.rowLinks ? 120 : 0), h = m.height + 40 + (m.rowLinks ? 120 : 0);
    scale = Math.min((r.width - 110) / m.width, (r.height - 20) / h);
    ox = 90 + (r.width - 100 - m.width * scale) / 2;
    oy = 10 - top * scale;
    draw();
  }

  // Group size per tier so that groups are at least MIN_SW_PX apart.
  function groupSize(tier) {
    if (tier.length < 2) return 1;
    const px = (m.width / tier.length) * scale;
    return px >= MIN_SW_PX ? 1 : Math.ceil(MIN_SW_PX / px);
  }

  function buildAggregates() {
    aggregates = [];
    const gs = m.tiers.map((t, i) => (i === 0 ? 1 : groupSize(t)));
    const groups = new Map();
    for (const l of m.links.values()) {
      if (l.na.isHost || l.nb.isHost) continue;
      const ga = gs[l.na.row], gb = gs[l.nb.row];
      if (ga === 1 && gb === 1) continue;
      const ka = l.na.row + ':' + Math.floor(l.na.tierIndex / ga), kb = l.nb.row + ':' + Math.floor(l.nb.tierIndex / gb);
      const key = ka < kb ? ka + '-' + kb : kb + '-' + ka;
      let g = groups.get(key);
      if (!g) groups.set(key, g = { key, links: [], xa: 0, ya: 0, xb: 0, yb: 0 });
      const [p, q] = ka < kb ? [l.na, l.nb] : [l.nb, l.na];
      g.links.push(l); g.xa += p.x; g.ya += p.y; g.xb += q.x; g.yb += q.y;
    }
    for (const g of groups.values()) {
      const n = g.links.length;
      g.xa /= n; g.ya /= n; g.xb /= n; g.yb /= n;
      g.utilization = Math.max(...g.links.map((l) => l.utilization));
      g.congestion = Math.max(...g.links.map((l) => l.congestion));
      g.down = g.links.filter((l) => l.state === 'down').length;
      g.state = 'up';
      aggregates.push(g);
    }
    return gs;
  }

  // Links within one row (a torus, switches of one tier) bulge upwards as
  // arcs so that they do not lie on top of each other.
  const bulge = (x1, y1, x2, y2) => (Math.abs(y1 - y2) < 1 && Math.abs(x1 - x2) > 1 ? Math.min(Math.abs(x2 - x1) / 4, 120) : 0);

  function line(x1, y1, x2, y2) {
    const [a, b] = toScreen(x1, y1), [c, d] = toScreen(x2, y2), h = bulge(x1, y1, x2, y2) * scale;
    ctx.beginPath(); ctx.moveTo(a, b);
    if (h) ctx.quadraticCurveTo((a + c) / 2, b - 2 * h, c, d); else ctx.lineTo(c, d);
    ctx.stroke();
  }

  // The middle of a line or arc, in world coordinates.
  const mid = (x1, y1, x2, y2) => [(x1 + x2) / 2, (y1 + y2) / 2 - bulge(x1, y1, x2, y2)];

  function drawLink(l, width) {
    const ha = l.na.isHost ? l.na.h / 2 : 0, hb = l.nb.isHost ? l.nb.h / 2 : 0;
    const o = l.off || 0;
    const own = l.degraded ? colour.degraded : colour.ofLink(l, colourBy);
    if (ring && ring.keys.has(l.key)) { // the ring's path, with the link's own state on top
      ctx.strokeStyle = colour.ring; ctx.lineWidth = Math.max(width, 3) + (own === colour.idle ? 0 : 2);
      ctx.setLineDash([]);
      line(l.na.x + o, l.na.y - ha, l.nb.x + o, l.nb.y - hb);
      width = own === colour.idle ? 0 : 2;
    }
    ctx.strokeStyle = own;
    ctx.lineWidth = width;
    ctx.setLineDash(l.state === 'down' ? [6, 4] : l.degraded ? [3, 2] : []);
    if (width) line(l.na.x + o, l.na.y - ha, l.nb.x + o, l.nb.y - hb);
    if (l.state === 'down') { // an X at the middle
      const [mx, my] = toScreen(...mid(l.na.x + o, l.na.y, l.nb.x + o, l.nb.y));
      ctx.setLineDash([]); ctx.lineWidth = 2; ctx.strokeStyle = colour.down;
      ctx.beginPath(); ctx.moveTo(mx - 5, my - 5); ctx.lineTo(mx + 5, my + 5);
      ctx.moveTo(mx + 5, my - 5); ctx.lineTo(mx - 5, my + 5); ctx.stroke();
    }
    if (ring && ring.bottleneck === l.key) { // the ring's bottleneck, labelled
      const [mx, my] = toScreen(...mid(l.na.x + o, l.na.y, l.nb.x + o, l.nb.y));
      ctx.setLineDash([]); ctx.strokeStyle = colour.bottleneck; ctx.lineWidth = Math.max(width, 3) + 3;
      line(l.na.x + o, l.na.y - ha, l.nb.x + o, l.nb.y - hb);
      ctx.fillStyle = colour.bottleneck; ctx.font = 'bold 11px system-ui, sans-serif'; ctx.textAlign = 'left';
      ctx.fillText('bottleneck', mx + 6, my - 6);
    }
    if (selected === l) {
      ctx.setLineDash([]); ctx.strokeStyle = 'rgba(30,120,255,.45)'; ctx.lineWidth = width + 6;
      line(l.na.x + o, l.na.y, l.nb.x + o, l.nb.y);
    }
  }

  function drawNode(n) {
    const [sx, sy] = toScreen(n.x, n.y), w = Math.max(2, n.w * scale), h = Math.max(2, n.h * scale);
    const bad = n.links.some((l) => l.state === 'down');
    ctx.fillStyle = n.isHost ? (ring && ring.hosts.has(n.label) ? colour.ring : '#5b6b7c') : '#2f4a66';
    ctx.fillRect(sx - w / 2, sy - h / 2, w, h);
    if (bad) { // a node with a down link: red frame
      ctx.strokeStyle = colour.down; ctx.lineWidth = 2; ctx.setLineDash([]);
      ctx.strokeRect(sx - w / 2 - 1, sy - h / 2 - 1, w + 2, h + 2);
    }
    if (highlight.has(n) || selected === n) {
      ctx.strokeStyle = '#1e78ff'; ctx.lineWidth = 3; ctx.setLineDash([]);
      ctx.strokeRect(sx - w / 2 - 3, sy - h / 2 - 3, w + 6, h + 6);
    }
    const fits = n.isHost ? 12 * scale > 46 : w > 34;
    if (fits) {
      ctx.fillStyle = n.isHost ? '#1d232b' : '#fff';
      ctx.font = (n.isHost ? 10 : 11) + 'px system-ui, sans-serif';
      ctx.textAlign = 'center'; ctx.textBaseline = 'middle';
      if (n.isHost) ctx.fillText(n.label, sx, sy + h / 2 + 7, 12 * scale - 2);
      else ctx.fillText(n.label, sx, sy, w - 4);
    }
  }

  function draw() {
    const r = canvas.getBoundingClientRect();
    ctx.clearRect(0, 0, r.width, r.height);
    if (!m) return;
    const gs = buildAggregates();
    const swWidth = Math.max(1, Math.min(3, scale * 1.5));
    for (const g of aggregates) {
      ctx.strokeStyle = colour.ofLink(g, colourBy);
      ctx.lineWidth = Math.min(12, 1 + Math.log2(g.links.length)) * Math.min(1, scale * 2 + 0.3);
      ctx.setLineDash([]);
      line(g.xa, g.ya, g.xb, g.yb);
    }
    const aggregated = (l) => !l.na.isHost && !l.nb.isHost && (gs[l.na.row] > 1 || gs[l.nb.row] > 1);
    const later = [];
    for (const l of m.links.values()) {
      if (l.state === 'down' || (ring && ring.keys.has(l.key)) || selected === l) later.push(l);
      else if (!aggregated(l)) drawLink(l, l.na.isHost || l.nb.isHost ? Math.min(2, Math.max(1, scale)) : swWidth);
    }
    for (const l of later) drawLink(l, swWidth + 1);
    for (const l of m.links.values()) if (l.congested && !later.includes(l) && !aggregated(l)) drawLink(l, swWidth + 2);
    for (const tier of m.tiers) for (const n of tier) drawNode(n);
    ctx.setLineDash([]);
    drawTierNames();
  }

  // "hosts", "leaf", "spine", "core" (or "tier N") at the left of each row.
  function drawTierNames() {
    const top = m.tiers.length - 1;
    ctx.fillStyle = '#7a8590'; ctx.font = '11px system-ui, sans-serif'; ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
    m.tiers.forEach((tier, t) => {
      if (!tier.length) return;
      const name = t === 0 ? 'hosts' : t === 1 ? 'leaf' : t === top && t === 3 ? 'core' : t === 2 ? 'spine' : 'tier ' + t;
      const [sx, sy] = toScreen(0, tier[0].y);
      ctx.fillText(`${name} (${tier.length})`, Math.max(60, sx - 8), sy);
    });
  }

  // Distance from a point to a line or arc (arcs as 16 segments).
  function distTo(px, py, x1, y1, x2, y2) {
    const h = bulge(x1, y1, x2, y2);
    if (!h) return distToSegment(px, py, x1, y1, x2, y2);
    let best = Infinity, qx = x1, qy = y1;
    for (let i = 1; i <= 16; i++) {
      const t = i / 16, u = 1 - t;
      const rx = u * u * x1 + 2 * u * t * ((x1 + x2) / 2) + t * t * x2, ry = u * u * y1 + 2 * u * t * (y1 - 2 * h) + t * t * y2;
      best = Math.min(best, distToSegment(px, py, qx, qy, rx, ry));
      qx = rx; qy = ry;
    }
    return best;
  }

  function distToSegment(px, py, x1, y1, x2, y2) {
    const dx = x2 - x1, dy = y2 - y1, len = dx * dx + dy * dy;
    const t = len ? Math.max(0, Math.min(1, ((px - x1) * dx + (py - y1) * dy) / len)) : 0;
    return Math.hypot(px - x1 - t * dx, py - y1 - t * dy);
  }

  // The node, link or aggregate at a screen point, or null.
  function pick(sx, sy) {
    if (!m) return null;
    const [wx, wy] = toWorld(sx, sy), slack = 3 / scale;
    for (const tier of m.tiers) for (const n of tier) {
      if (Math.abs(wx - n.x) <= n.w / 2 + slack && Math.abs(wy - n.y) <= n.h / 2 + slack) return { node: n };
    }
    const gs = m.tiers.map((t, i) => (i === 0 ? 1 : groupSize(t)));
    let best = null, bestD = 6 / scale;
    for (const l of m.links.values()) {
      if (l.state !== 'down' && !l.na.isHost && !l.nb.isHost && (gs[l.na.row] > 1 || gs[l.nb.row] > 1)) continue;
      const o = l.off || 0, d = distTo(wx, wy, l.na.x + o, l.na.y, l.nb.x + o, l.nb.y);
      if (d < bestD) { bestD = d; best = { link: l }; }
    }
    for (const g of aggregates) {
      const d = distTo(wx, wy, g.xa, g.ya, g.xb, g.yb);
      if (d < bestD) { bestD = d; best = { aggregate: g }; }
    }
    return best;
  }

  // Interaction: drag pans, wheel zooms about the pointer, click picks.
  let drag = null;
  canvas.addEventListener('mousedown', (e) => { drag = { x: e.offsetX, y: e.offsetY, moved: false }; });
  canvas.addEventListener('mousemove', (e) => {
    if (!drag) return;
    const dx = e.offsetX - drag.x, dy = e.offsetY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 2) drag.moved = true;
    if (drag.moved) { ox += dx; oy += dy; drag.x = e.offsetX; drag.y = e.offsetY; draw(); }
  });
  canvas.addEventListener('mouseup', (e) => {
    if (drag && !drag.moved) onPick(pick(e.offsetX, e.offsetY));
    drag = null;
  });
  canvas.addEventListener('wheel', (e) => {
    e.preventDefault();
    const k = Math.exp(-e.deltaY * 0.0015);
    ox = e.offsetX - (e.offsetX - ox) * k; oy = e.offsetY - (e.offsetY - oy) * k; scale *= k;
    draw();
  }, { passive: false });
  window.addEventListener('resize', resize);

  return {
    setModel(next) {
      const first = !m;
      m = next;
      if (selected) selected = selected.key ? m.links.get(selected.key) || null : m.nodes.get(selected.guid) || null;
      highlight = new Set([...highlight].map((n) => m.nodes.get(n.guid)).filter(Boolean));
      if (first) { resize(); fit(); } else draw();
    },
    // Centres the view on a node, zoomed in so that its label shows.
    focus(n) {
      const r = canvas.getBoundingClientRect();
      scale = Math.max(scale, 5);
      ox = r.width / 2 - n.x * scale; oy = r.height / 2 - n.y * scale;
      draw();
    },
    select(x) { selected = x; draw(); },
    setHighlight(nodes) { highlight = new Set(nodes); draw(); },
    setRing(r) { ring = r; draw(); },
    setColourBy(by) { colourBy = by; draw(); },
    setPick(f) { onPick = f; },
    fit, draw,
    screenOf(x, y) { const r = canvas.getBoundingClientRect(), [a, b] = toScreen(x, y); return [a + r.left, b + r.top]; },
    get scale() { return scale; },
    get selected() { return selected; },
    get aggregates() { return aggregates; },
    midOf: (l) => mid(l.na.x + (l.off || 0), l.na.y, l.nb.x + (l.off || 0), l.nb.y),
    midOfAggregate: (g) => mid(g.xa, g.ya, g.xb, g.yb),
  };
})();
