// Glue: loads the fabric, keeps it live (events long poll, and a refresh
// of the links' rates every few seconds), wires search, ring and plots.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const REFRESH_MS = 5000;
  let waitS = 20; // long poll; 0 (plain polling) if fabricd's max-wait is lower
  let m = null, latest = 0, loading = null;

  async function load() {
    const t0 = performance.now();
    const [nodes, links, status] = await Promise.all([api.get('nodes'), api.get('links'), api.get('status')]);
    const t1 = performance.now();
    m = model.build(nodes, links);
    const t2 = performance.now();
    view.setModel(m);
    window.fabricView.timing = { fetch: t1 - t0, build: t2 - t1, draw: performance.now() - t2 };
    const sel = view.selected; // re-mapped onto the new model: refresh its details
    if (sel) panels.show(sel.key ? { link: sel, quiet: true } : { node: sel, quiet: true });
    panels.showWorst(m);
    panels.showSummary(status);
    if (plan) {
      const next = await ring.follow(plan);
      if (plan && next !== plan) view.setRing(plan = next);
    }
    window.fabricView.loadedAt = performance.now();
    window.fabricView.sweep = links.sweep;
  }
  // One load at a time; a request made while one runs starts another after it.
  function reload() {
    if (loading) return loading.then(() => reload());
    loading = load().catch((e) => { panels.showLive(false); console.warn(e); })
      .finally(() => { loading = null; });
    return loading;
  }

  async function followEvents() {
    for (;;) {
      try {
        const doc = await api.get(`events?since=${latest}&wait=${latest ? waitS : 0}&max=500`);
        if (!waitS) await new Promise((r) => setTimeout(r, 2000));
        panels.showLive(true);
        if (doc.events.length) {
          panels.addEvents(doc.events);
          if (latest) await reload();
        }
        latest = Math.max(latest, doc.latest);
      } catch (e) {
        if (/^wait:/.test(e.message)) waitS = 0;
        panels.showLive(false);
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
  }

  panels.onSelect = (p) => { view.select(p.link || p.node || null); panels.show(p); };
  window.fabricView = {
    model: () => m,
    // What the canvas drew: every node and link, with its screen position.
    drawnNodes: () => (m ? [...m.nodes.values()].map((n) => ({ guid: n.guid, label: n.label, type: n.type, xy: view.screenOf(n.x, n.y) })) : []),
    linkPoint(key) {
      const l = m && m.links.get(key);
      return l && view.screenOf(...view.midOf(l));
    },
    // The middle of the largest aggregated line (zoomed out), or null.
    aggregatePoint() {
      const g = [...view.aggregates].sort((a, b) => b.links.length - a.links.length)[0];
      return g ? { n: g.links.length, xy: view.screenOf(...view.midOfAggregate(g)) } : null;
    },
    linkState: (key) => (m && m.links.get(key) ? m.links.get(key).state : null),
    focus: (guid) => view.focus(m.nodes.get(guid)),
    loadedAt: 0,
  };

  view.setPick((p) => { view.select(p ? p.link || p.node || null : null); panels.show(p); });
  $('fit').onclick = () => view.fit();
  $('colour-by').onchange = (e) => { view.setColourBy(e.target.value); panels.showLegend(e.target.value); };
  $('search').onkeydown = (e) => {
    if (e.key !== 'Enter' || !m) return;
    const hits = model.search(m, e.target.value);
    view.setHighlight(hits);
    if (hits.length) { view.focus(hits[0]); view.select(hits[0]); panels.show({ node: hits[0] }); }
  };
  let plan = null;
  $('ring-plan').onclick = async () => view.setRing(plan = await ring.plan());
  $('ring-clear').onclick = () => { view.setRing(plan = null); $('ring-result').textContent = ''; };
  $('bench-files').onchange = async (e) => {
    const series = [];
    for (const f of e.target.files) series.push(...plot.parse(f.name, await f.text()));
    $('plots').innerHTML = '<div class="plot">' + plot.svg(series, 'busbw vs message size') + '</div>';
  };

  panels.showLegend('utilization');
  reload().then(() => {
    followEvents();
    setInterval(() => { if (!loading) reload(); }, REFRESH_MS);
  });
})();
