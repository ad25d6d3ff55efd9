// Ring plans drawn over the topology: hosts typed or pasted (a list or a
// hostfile), planned by fabricd, the ring's links and bottleneck shown.
// fabricd re-plans when a link the plan uses goes down or congested; the
// overlay follows the plan that replaced it.
'use strict';
const ring = (() => {
  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
  const key = (from, fromPort, to, toPort) => model.linkKey({ guid: from, port: fromPort }, { guid: to, port: toPort });

  // Hostfile lines keep their first word; '#' starts a comment.
  const parseHosts = (text) => text.split('\n').map((l) => l.replace(/#.*/, '').trim())
    .flatMap((l) => (/\bslots=|\bmax_slots=/.test(l) ? [l.split(/\s+/)[0]] : l.split(/[\s,]+/))).filter(Boolean);

  // The overlay for a plan document (POST ring or GET plans/ID).
  function show(r, note) {
    const p = r.plan, b = p.bottleneck;
    $('ring-result').innerHTML = (note ? `<p class="bad">${esc(note)}</p>` : '') +
      `<p>plan ${r.id}${r.valid ? '' : ' <b class="bad">invalid: ' + esc(r.invalid_reason || '') + '</b>'}: ` +
      `${p.hosts} hosts, busbw ≈ <b>${p.busbw_gbps.toFixed(1)} Gb/s</b> of ${p.fastest_gbps} Gb/s, ` +
      `${p.total_hops} hops${p.optimal ? ' (optimal)' : ''}</p>` +
      (b ? `<p>bottleneck: <b>${esc(b.from_desc)} [${b.from_port}] → ${esc(b.to_desc)} [${b.to_port}]</b>, ${b.flows} flows</p>` : '') +
      `<p>order: ${r.order.map(esc).join(' → ')}</p>`;
    return {
      id: r.id, keys: new Set(p.links.map((l) => key(l.from, l.from_port, l.to, l.to_port))), hosts: new Set(r.order),
      bottleneck: b && key(b.from, b.from_port, b.to, b.to_port),
    };
  }

  async function plan() {
    const hosts = parseHosts($('ring-hosts').value);
    if (hosts.length < 2) { $('ring-result').textContent = 'enter at least two hosts'; return null; }
    $('ring-result').textContent = 'planning…';
    try {
      return show(await api.post('ring', { hosts }));
    } catch (e) {
      $('ring-result').innerHTML = `<p class="bad">${esc(e.message)}</p>`;
      return null;
    }
  }

  // The overlay of the plan that now stands for cur (cur itself when
  // fabricd has not replaced it).
  async function follow(cur) {
    try {
      const r = await api.get('plans/' + cur.id);
      if (!r.replaced_by) return r.valid ? cur : show(r);
      return show(await api.get('plans/' + r.replaced_by), `re-planned: plan ${r.replaced_by} replaced ${r.id}` +
        (r.invalid_reason ? ` (${r.invalid_reason})` : ''));
    } catch (e) {
      return cur;
    }
  }
  return { plan, follow, parseHosts };
})();
