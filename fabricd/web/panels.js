// The side panels: details of what was clicked (with its ports' counters),
// the worst links, and the event log.
'use strict';
const panels = (() => {
  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
  const pct = (v) => (100 * (v || 0)).toFixed(1) + ' %';
  const rate = (b) => (b >= 1e9 ? (b / 1e9).toFixed(2) + ' GB/s' : b >= 1e6 ? (b / 1e6).toFixed(2) + ' MB/s' : (b || 0).toFixed(0) + ' B/s');
  const kv = (rows) => '<table class="kv">' + rows.map(([k, v]) => `<tr><td>${esc(k)}</td><td>${v}</td></tr>`).join('') + '</table>';
  const end = (e) => `${esc(e.desc || e.guid)} [${e.port}]`;
  const when = (t) => new Date(t * 1000).toLocaleTimeString();
  let onSelect = () => {};

  function dirRows(name, d) {
    if (!d) return [];
    return [[name, `util ${pct(d.utilization)}, congestion ${pct(d.congestion)}, errors ${(d.error_rate || 0).toFixed(2)}/s` +
      (d.congested ? ' <b class="bad">congested</b>' : '') + (d.erroring ? ' <b class="bad">erroring</b>' : '')]];
  }

  function counterRows(p) {
    const c = p.counters;
    if (!c) return [[`${esc(p.desc)} [${p.port}]`, `${esc(p.state)}, no counters`]];
    return [[`${esc(p.desc)} [${p.port}]`,
      `${esc(p.state)} ${esc(p.width)} ${esc(p.speed)}${p.lid ? ', lid ' + p.lid : ''}<br>` +
      `xmit ${rate(c.xmit_bytes_per_s)}, rcv ${rate(c.rcv_bytes_per_s)}<br>` +
      `xmit_wait ${(c.xmit_wait_per_s || 0).toFixed(0)}/s (total ${c.xmit_wait}), errors ${(c.errors_per_s || 0).toFixed(2)}/s<br>` +
      `symbol ${c.symbol_errors}, rcv_err ${c.rcv_errors}, discards ${c.xmit_discards}, link_downed ${c.link_downed}`]];
  }

  async function counters(guid, ports) {
    try {
      const doc = await api.get('ports?node=' + encodeURIComponent(guid));
      return doc.ports.filter((p) => !ports || ports.includes(p.port)).flatMap(counterRows);
    } catch (e) {
      return [['counters', esc(e.message)]];
    }
  }

  async function showNode(n, quiet) {
    const rows = [['name', esc(n.label)], ['type', esc(n.type)], ['description', esc(n.desc)], ['GUID', esc(n.guid)],
      ['LID', n.lid], ['tier', n.tier], ['ports', n.ports]];
    const down = n.links.filter((l) => l.state === 'down').length;
    rows.push(['links', `${n.links.length}` + (down ? ` <b class="bad">${down} down</b>` : '')]);
    const head = `<h2>Details</h2><div id="detail-kind" data-kind="node" data-guid="${esc(n.guid)}"></div>`;
    if (!quiet) $('details').innerHTML = head + kv(rows) + '<p class="hint">loading counters…</p>';
    const c = await counters(n.guid, null);
    $('details').innerHTML = head + kv(rows) + '<h2>Ports</h2>' + kv(c);
  }

  async function showLink(l, quiet) {
    const rows = [['link', `${end(l.a)} ↔ ${end(l.b)}`],
      ['state', l.state === 'down' ? `<b class="bad">down</b> since ${when(l.since)}` : '<b class="good">up</b>'],
      ['rate', `${esc(l.width)} ${esc(l.speed)} = ${l.rate_gbps} Gb/s` + (l.degraded ? ' <b class="bad">degraded</b>' : '')],
      ...dirRows(`${l.a.desc} → ${l.b.desc}`, l.ab), ...dirRows(`${l.b.desc} → ${l.a.desc}`, l.ba)];
    const head = `<h2>Details</h2><div id="detail-kind" data-kind="link" data-key="${esc(l.key)}"></div>`;
    if (!quiet) $('details').innerHTML = head + kv(rows) + '<p class="hint">loading counters…</p>';
    const c = (await counters(l.a.guid, [l.a.port])).concat(await counters(l.b.guid, [l.b.port]));
    $('details').innerHTML = head + kv(rows) + '<h2>Counters</h2>' + kv(c);
  }

  function showAggregate(g) {
    const worst = [...g.links].sort((x, y) => score(y) - score(x));
    $('details').innerHTML = '<h2>Details</h2><div id="detail-kind" data-kind="aggregate"></div>' +
      kv([['links', g.links.length], ['down', g.down], ['max utilization', pct(g.utilization)], ['max congestion', pct(g.congestion)]]) +
      '<h2>Members (worst first)</h2><ol id="agg-members">' +
      worst.slice(0, 50).map((l, i) => `<li data-i="${i}">${end(l.a)} ↔ ${end(l.b)}</li>`).join('') + '</ol>';
    $('agg-members').onclick = (e) => { const i = e.target.dataset.i; if (i) onSelect({ link: worst[i] }); };
  }

  const score = (l) => (l.state === 'down' ? 10 : 0) + (l.erroring ? 2 : 0) + (l.degraded ? 1 : 0) + Math.max(l.congestion, l.utilization);

  function showWorst(m) {
    const worst = [...m.links.values()].filter((l) => score(l) >= 0.01).sort((a, b) => score(b) - score(a)).slice(0, 12);
    $('worst').innerHTML = worst.length ? worst.map((l, i) =>
      `<li data-i="${i}" class="${l.state === 'down' ? 'bad' : ''}">${end(l.a)} ↔ ${end(l.b)}: ` +
      (l.state === 'down' ? 'down' : `util ${pct(l.utilization)}, cong ${pct(l.congestion)}${l.erroring ? ', erroring' : ''}`) + '</li>').join('')
      : '<li class="hint">no busy, congested or down links</li>';
    $('worst').onclick = (e) => { const i = e.target.dataset.i; if (i) onSelect({ link: worst[i] }); };
  }

  const events = [];
  function addEvents(list) {
    events.unshift(...list.slice().reverse());
    events.splice(200);
    $('events').innerHTML = events.map((e) =>
      `<li class="ev-${esc(e.type)}" title="${esc(e.type)}">${when(e.time)} ${esc(e.message || e.type)}</li>`).join('');
  }

  function showLive(live) {
    $('live').className = 'live ' + (live ? 'on' : 'off');
    $('live').title = live ? 'live: following fabricd' : 'not connected to fabricd';
  }

  function showSummary(status) {
    const f = status && status.fabric;
    $('summary').textContent = f ? `${f.shape}, ${f.hosts} hosts, ${f.switches} switches, ${f.links} links` +
      (status.health.down_links ? `, ${status.health.down_links} down` : '') + `, sweep ${f.sweep}` : 'no fabric yet';
  }

  function showLegend(by) {
    $('legend').innerHTML = `${esc(by)}: <span style="background:${colour.idle}"></span>idle` +
      `<span style="background:${colour.scale(0.1)}"></span>low<span style="background:${colour.scale(0.5)}"></span>mid` +
      `<span style="background:${colour.scale(1)}"></span>high<span style="background:${colour.degraded}"></span>degraded` +
      `<span style="background:${colour.down}"></span>down`;
  }

  return {
    show(p) {
      if (!p) return;
      if (p.node) showNode(p.node, p.quiet); else if (p.link) showLink(p.link, p.quiet); else if (p.aggregate) showAggregate(p.aggregate);
    },
    showWorst, addEvents, showSummary, showLive, showLegend,
    set onSelect(f) { onSelect = f; },
  };
})();
