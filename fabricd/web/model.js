// The fabric as the page draws it: nodes by tier, links keyed by their two
// ends, and a layered layout (hosts at the bottom, leaves, then each upper
// tier ordered by where its neighbours below sit).
'use strict';
const model = (() => {
  const HOST_PITCH = 12, HOST_BOX = 9, SLOT_GAP = 14, SW_H = 18;
  let TIER_GAP = 170;

  const linkKey = (a, b) => {
    const x = a.guid + ':' + a.port, y = b.guid + ':' + b.port;
    return x < y ? x + '|' + y : y + '|' + x;
  };
  const natural = (a, b) => a.localeCompare(b, undefined, { numeric: true });

  function build(nodesDoc, linksDoc) {
    const nodes = new Map();
    for (const n of nodesDoc.nodes) {
      nodes.set(n.guid, Object.assign({}, n, {
        label: n.host || n.desc || n.guid, isHost: n.type !== 'switch', links: [],
      }));
    }
    const links = new Map();
    for (const l of linksDoc.links) {
      const ab = l.ab || {}, ba = l.ba || {};
      const link = Object.assign({}, l, {
        key: linkKey(l.a, l.b),
        utilization: Math.max(ab.utilization || 0, ba.utilization || 0),
        congestion: Math.max(ab.congestion || 0, ba.congestion || 0),
        errorRate: Math.max(ab.error_rate || 0, ba.error_rate || 0),
        erroring: !!(ab.erroring || ba.erroring),
        congested: !!(ab.congested || ba.congested),
      });
      const na = nodes.get(l.a.guid), nb = nodes.get(l.b.guid);
      if (!na || !nb) continue; // a down link to a node gone from the fabric
      link.na = na; link.nb = nb;
      links.set(link.key, link);
      na.links.push(link); nb.links.push(link);
    }
    markDegraded(links);
    spreadParallel(links);
    const m = { nodes, links, tiers: [], sweep: linksDoc.sweep };
    layout(m);
    return m;
  }

  // A link is degraded when it runs slower than the fastest link between
  // the same two tiers.
  function markDegraded(links) {
    const best = new Map();
    const pair = (l) => Math.min(l.na.tier, l.nb.tier) + '-' + Math.max(l.na.tier, l.nb.tier);
    for (const l of links.values()) best.set(pair(l), Math.max(best.get(pair(l)) || 0, l.rate_gbps));
    for (const l of links.values()) l.degraded = l.state !== 'down' && l.rate_gbps < best.get(pair(l));
  }

  // Parallel cables between the same two nodes are drawn side by side.
  function spreadParallel(links) {
    const byPair = new Map();
    for (const l of links.values()) {
      const k = l.na.guid < l.nb.guid ? l.na.guid + l.nb.guid : l.nb.guid + l.na.guid;
      if (!byPair.has(k)) byPair.set(k, []);
      byPair.get(k).push(l);
    }
    for (const group of byPair.values()) {
      group.sort((a, b) => a.a.port - b.a.port);
      group.forEach((l, i) => { l.off = (i - (group.length - 1) / 2) * 3; });
    }
  }

  function neighbours(n) {
    return n.links.map((l) => (l.na === n ? l.nb : l.na));
  }

  function layout(m) {
    const all = [...m.nodes.values()];
    const top = Math.max(1, ...all.map((n) => n.tier));
    const tiers = [];
    for (let t = 0; t <= top + 1; t++) tiers.push([]);
    for (const n of all) tiers[n.tier >= 0 ? n.tier : top + 1].push(n);
    if (!tiers[top + 1].length) tiers.pop();

    // Leaves by name; hosts in a block under their leaf.
    const leaves = tiers[1].sort((a, b) => natural(a.label, b.label));
    const under = new Map(leaves.map((l) => [l, []]));
    const loose = [];
    for (const h of tiers[0]) {
      const leaf = neighbours(h).find((x) => under.has(x));
      (leaf ? under.get(leaf) : loose).push(h);
    }
    let x = 0;
    // Wide fabrics get taller tiers, so that the fitted view is not a strip.
    TIER_GAP = Math.max(170, (leaves.length * 60) / (2.2 * Math.max(2, tiers.length - 1)));
    const slots = leaves.map((leaf) => ({ leaf, hosts: under.get(leaf) }));
    if (loose.length) slots.push({ leaf: null, hosts: loose });
    for (const s of slots) {
      s.hosts.sort((a, b) => natural(a.label, b.label));
      const cols = Math.max(2, Math.ceil(Math.sqrt(s.hosts.length / 2)));
      const w = Math.max(44, cols * HOST_PITCH);
      s.hosts.forEach((h, i) => {
        h.w = h.h = HOST_BOX;
        h.x = x + (w - cols * HOST_PITCH) / 2 + (i % cols) * HOST_PITCH + HOST_PITCH / 2;
        h.y = 40 + Math.floor(i / cols) * HOST_PITCH;
      });
      if (s.leaf) Object.assign(s.leaf, { x: x + w / 2, y: -TIER_GAP / 2, w: Math.min(w - 4, 60), h: SW_H });
      x += w + SLOT_GAP;
    }
    m.width = Math.max(x - SLOT_GAP, 100);
    tiers[0] = slots.flatMap((s) => s.hosts);

    // Upper tiers: by the mean x of their neighbours below, spread evenly.
    for (let t = 2; t < tiers.length; t++) {
      const below = new Set(tiers[t - 1]);
      const bary = (n) => {
        const xs = neighbours(n).filter((y) => below.has(y)).map((y) => y.x);
        return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : m.width / 2;
      };
      for (const n of tiers[t]) n.bary = bary(n);
      tiers[t].sort((a, b) => a.bary - b.bary || natural(a.label, b.label));
      const pitch = m.width / tiers[t].length;
      tiers[t].forEach((n, i) => Object.assign(n, {
        x: (i + 0.5) * pitch, y: -TIER_GAP / 2 - (t - 1) * TIER_GAP, w: Math.max(8, Math.min(pitch - 4, 60)), h: SW_H,
      }));
    }
    tiers.forEach((tier, t) => tier.forEach((n, i) => { n.tierIndex = i; n.row = t; }));
    m.tiers = tiers;
    m.tierGap = TIER_GAP;
    m.rowLinks = [...m.links.values()].some((l) => !l.na.isHost && l.na.row === l.nb.row); // drawn as arcs
    m.height = TIER_GAP * (tiers.length - 1) + 40 + HOST_PITCH * 12;
  }

  // Nodes whose label, description, GUID or LID matches the query.
  function search(m, q) {
    q = q.trim().toLowerCase();
    if (!q) return [];
    const lid = /^\d+$/.test(q) ? Number(q) : -1;
    const hex = q.replace(/^0x/, '');
    return [...m.nodes.values()].filter((n) => n.lid === lid || n.label.toLowerCase().includes(q) ||
      (n.desc || '').toLowerCase().includes(q) || (hex.length >= 4 && /^[0-9a-f]+$/.test(hex) && n.guid.includes(hex)));
  }

  return { build, search, linkKey };
})();
