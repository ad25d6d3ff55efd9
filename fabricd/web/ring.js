// Ring plans drawn over the topology: hosts typed or pasted (a list or a
// hostfile), planned by fabricd, the ring's links and bottleneck shown.
'use strict';
const ring = (() => {
  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

  // Hostfile lines keep their first word; '#' starts a comment.
  const parseHosts = (text) => text.split('\n').map((l) => l.replace(/#.*/, '').trim())
    .flatMap((l) => (/\bslots=|\bmax_slots=/.test(l) ? [l.split(/\s+/)[0]] : l.split(/[\s,]+/))).filter(Boolean);

  async function plan() {
    const hosts = parseHosts($('ring-hosts').value);
    if (hosts.length < 2) { $('ring-result').textContent = 'enter at least two hosts'; return null; }
    $('ring-result').textContent = 'planning…';
    try {
      const r = await api.post('ring', { hosts });
      const p = r.plan, b = p.bottleneck;
      const keys = new Set(p.links.map((l) => model.linkKey({ guid: l.from, port: l.from_port }, { guid: l.to, port: l.to_port })));
      $('ring-result').innerHTML = `<p>plan ${r.id}: ${p.hosts} hosts, busbw ≈ <b>${p.busbw_gbps.toFixed(1)} Gb/s</b> ` +
        `of ${p.fastest_gbps} Gb/s, ${p.total_hops} hops${p.optimal ? ' (optimal)' : ''}</p>` +
        (b ? `<p>bottleneck: <b>${esc(b.from_desc)} [${b.from_port}] → ${esc(b.to_desc)} [${b.to_port}]</b>, ${b.flows} flows</p>` : '') +
        `<p>order: ${r.order.map(esc).join(' → ')}</p>`;
      return { keys, hosts: new Set(r.order), bottleneck: b && model.linkKey({ guid: b.from, port: b.from_port }, { guid: b.to, port: b.to_port }) };
    } catch (e) {
      $('ring-result').innerHTML = `<p class="bad">${esc(e.message)}</p>`;
      return null;
    }
  }
  return { plan, parseHosts };
})();
