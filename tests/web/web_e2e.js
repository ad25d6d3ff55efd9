// Drives fabricd's web view in Debian's headless chromium (playwright-core).
//   node web_e2e.js check URL CONSOLE_FIFO OUT_DIR  - every node drawn, a
//       link's details on click, Unlink in ibsim shown down without reload
//   node web_e2e.js load URL OUT_DIR [RUNS]         - page load time
//   node web_e2e.js wait URL [SECONDS]              - until fabricd has swept
// Exits non-zero with "FAIL: why" on the first failed check.
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function fail(why) {
  console.error('FAIL: ' + why);
  process.exit(1);
}

async function until(what, fn, timeoutMs) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) fail(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function browser(outDir) {
  const profile = fs.mkdtempSync(path.join(outDir, 'profile-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: ARGS,
    ignoreDefaultArgs: ['--headless=new'], viewport: { width: 1600, height: 900 },
  });
  return { ctx, profile };
}

// The API's token, if fabricd asks for one (the page gets it as #token=).
const TOKEN = process.env.WEB_TOKEN || '';
const auth = () => (TOKEN ? { headers: { Authorization: 'Bearer ' + TOKEN } } : {});

async function apiGet(url, p) {
  const res = await fetch(new URL('/api/v1/' + p, url), auth());
  if (!res.ok) fail(`GET ${p}: ${res.status}`);
  return res.json();
}

async function check(url, fifo, outDir) {
  const { ctx } = await browser(outDir);
  const page = ctx.pages()[0] || (await ctx.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('requestfailed', (r) => errors.push('request failed: ' + r.url()));
  if (TOKEN) { // the page without the token is refused its data; with it, shown
    const r = await fetch(new URL('/api/v1/nodes', url));
    if (r.status !== 401) fail(`the API answered ${r.status} without the token`);
  }
  await page.goto(TOKEN ? url + '#token=' + encodeURIComponent(TOKEN) : url);
  await until('the page draws the fabric', () => page.evaluate(() => window.fabricView && window.fabricView.loadedAt > 0), 15000);

  // Every switch and host of the fabric is drawn, inside the canvas.
  const nodes = (await apiGet(url, 'nodes')).nodes;
  const drawn = await page.evaluate(() => window.fabricView.drawnNodes());
  const box = await page.locator('#topo').boundingBox();
  const byGuid = new Map(drawn.map((d) => [d.guid, d]));
  for (const n of nodes) {
    const d = byGuid.get(n.guid);
    if (!d) fail(`${n.type} ${n.desc} (${n.guid}) is not drawn`);
    const [x, y] = d.xy;
    if (x < box.x || x > box.x + box.width || y < box.y || y > box.y + box.height) fail(`${n.desc} is drawn outside the view (${x}, ${y})`);
  }
  const sw = nodes.filter((n) => n.type === 'switch').length;
  console.log(`drawn: ${nodes.length} nodes (${sw} switches, ${nodes.length - sw} CAs), all inside the view`);

  // Click a leaf-spine link: its details show both ends and its rate.
  const links = (await apiGet(url, 'links')).links;
  const tier = new Map(nodes.map((n) => [n.guid, n.tier]));
  const l = links.find((x) => x.state === 'up' && tier.get(x.a.guid) >= 1 && tier.get(x.b.guid) >= 1);
  if (!l) fail('no switch-to-switch link');
  const key = await page.evaluate((k) => {
    const ks = [...window.fabricView.model().links.keys()];
    return ks.find((x) => x === k);
  }, [l.a.guid + ':' + l.a.port, l.b.guid + ':' + l.b.port].sort().join('|'));
  if (!key) fail(`link ${l.a.desc}[${l.a.port}] - ${l.b.desc}[${l.b.port}] is not in the page's model`);
  const [cx, cy] = await page.evaluate((k) => window.fabricView.linkPoint(k), key);
  await page.mouse.click(cx, cy);
  await until('link details', () => page.locator('#detail-kind[data-kind=link]').count(), 5000);
  const shownKey = await page.locator('#detail-kind').getAttribute('data-key');
  if (shownKey !== key) fail(`clicked ${key}, details show ${shownKey}`);
  await until('link counters', () => page.locator('#details').textContent().then((t) => t.includes('Counters')), 5000);
  const text = await page.locator('#details').innerText();
  for (const want of [`${l.a.desc} [${l.a.port}]`, `${l.b.desc} [${l.b.port}]`, `${l.rate_gbps} Gb/s`, 'up', 'xmit_wait']) {
    if (!text.includes(want)) fail(`link details lack "${want}":\n${text}`);
  }
  console.log(`clicked link ${l.a.desc}[${l.a.port}] - ${l.b.desc}[${l.b.port}]: details and counters shown`);
  await page.screenshot({ path: path.join(outDir, 'web-link-details.png') });

  // Unlink it in ibsim: the page marks it down without a reload.
  await page.evaluate(() => { window.__noReload = true; });
  const sw_a = tier.get(l.a.guid) >= 1 ? l.a : l.b;
  const t0 = Date.now();
  fs.appendFileSync(fifo, `Unlink "S-${sw_a.guid.slice(2)}"[${sw_a.port}]\n`);
  await until('the link shown down', () => page.evaluate((k) => window.fabricView.linkState(k) === 'down', key), 30000);
  if (!(await page.evaluate(() => window.__noReload === true))) fail('the page reloaded');
  const dt = ((Date.now() - t0) / 1000).toFixed(1);
  await until('details say down', () => page.locator('#details').innerText().then((t) => t.includes('down since')), 5000);
  const worst = await page.locator('#worst').innerText();
  if (!worst.includes(`${l.a.desc} [${l.a.port}]`) || !worst.includes('down')) fail(`worst links lack the down link:\n${worst}`);
  const events = await page.locator('#events').innerText();
  console.log(`Unlink: the page marked the link down after ${dt} s without a reload; events panel:\n  ` +
    events.split('\n').slice(0, 3).join('\n  '));
  await page.screenshot({ path: path.join(outDir, 'web-link-down.png') });

  // A ring plan drawn over the topology.
  const hosts = nodes.filter((n) => n.host).map((n) => n.host).sort().filter((_, i) => i % 3 === 0).slice(0, 8);
  await page.fill('#ring-hosts', hosts.join('\n'));
  await page.click('#ring-plan');
  await until('the ring plan', () => page.locator('#ring-result').innerText().then((t) => t.includes('bottleneck')), 10000);
  console.log('ring: ' + (await page.locator('#ring-result').innerText()).split('\n')[0]);
  await page.screenshot({ path: path.join(outDir, 'web-ring.png') });
  // Congestion: PortXmitWait raised on another switch link between polls
  // (as test_core_sim.sh does) turns it congested on the page, first of
  // the up links in the worst list, coloured by congestion.
  // The link is one the ring plan uses, so fabricd re-plans and the page
  // follows the new plan.
  const planDoc = await apiGet(url, 'plans/1');
  const hop = planDoc.plan.links.find((x) => tier.get(x.from) >= 1 && tier.get(x.to) >= 1);
  if (!hop) fail('the ring plan uses no switch-to-switch link');
  const key2 = [hop.from + ':' + hop.from_port, hop.to + ':' + hop.to_port].sort().join('|');
  const e2 = { guid: hop.from, port: hop.from_port, desc: hop.from_desc };
  await page.selectOption('#colour-by', 'congestion');
  let bump = 0;
  const bumper = setInterval(() => {
    if (bump < 80) fs.appendFileSync(fifo, `PerformanceSet "S-${e2.guid.slice(2)}"[${e2.port}] PortCounters.PortXmitWait=${++bump * 50000000}\n`);
  }, 250);
  await until('the link shown congested', () => page.evaluate((k) => {
    const x = window.fabricView.model().links.get(k);
    return x && x.congested;
  }, key2), 30000);
  clearInterval(bumper);
  await until('the congested link among the worst', () => page.locator('#worst').innerText().then((t) =>
    t.split('\n').slice(0, 3).some((x) => x.includes(`${e2.desc} [${e2.port}]`))), 10000);
  const worst2 = (await page.locator('#worst').innerText()).split('\n').find((x) => x.includes(`${e2.desc} [${e2.port}]`));
  console.log(`congestion: ${e2.desc}[${e2.port}] -> ${hop.to_desc}[${hop.to_port}] shown congested (${worst2})`);
  await until('the ring overlay following the re-plan', () => page.locator('#ring-result').innerText().then((t) => t.includes('re-planned')), 15000);
  console.log('ring: ' + (await page.locator('#ring-result').innerText()).split('\n').slice(0, 3).join(' / '));
  await page.screenshot({ path: path.join(outDir, 'web-congested.png') });

  // Benchmark results (fcoll-perf --json) plotted on the page.
  const bench = path.join(outDir, 'fcoll-perf-sample.json');
  fs.writeFileSync(bench, JSON.stringify({ tool: 'fcoll-perf', nranks: 4, transports: ['self', 'tcp', 'tcp', 'tcp'],
    results: [1024, 65536, 4194304].map((size, i) => ({ collective: 'allreduce', size,
      out_of_place: { time_us: 10 * (i + 1), algbw_gbps: i + 1, busbw_gbps: 1.5 * (i + 1), wrong: 0 }, in_place: null })) }));
  await page.setInputFiles('#bench-files', bench);
  await until('the busbw plot', () => page.locator('#plots svg polyline').count(), 5000);
  const legend = await page.locator('#plots svg').textContent();
  if (!legend.includes('fcoll allreduce tcp (4 ranks)')) fail('plot legend: ' + legend);
  console.log('plot: fcoll-perf JSON drawn on the page');
  await page.screenshot({ path: path.join(outDir, 'web-plot.png'), fullPage: true });
  if (errors.length) fail('page errors:\n' + errors.join('\n'));
  await ctx.close();
}

async function load(url, outDir, runs) {
  const { ctx } = await browser(outDir);
  const page = ctx.pages()[0] || (await ctx.newPage());
  const times = [];
  let n = 0;
  for (let i = 0; i < runs; i++) {
    await page.goto(url);
    await until('the page draws the fabric', () => page.evaluate(() => window.fabricView && window.fabricView.loadedAt > 0), 30000);
    times.push(await page.evaluate(() => window.fabricView.loadedAt));
    const t = await page.evaluate(() => window.fabricView.timing);
    const nav = await page.evaluate(() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd);
    console.log(`  load ${i + 1}: ${times[i].toFixed(0)} ms = page ${nav.toFixed(0)} ms, API wait ${t.fetch.toFixed(0)} ms, ` +
      `model ${t.build.toFixed(0)} ms, first draw ${t.draw.toFixed(0)} ms`);
    n = await page.evaluate(() => window.fabricView.drawnNodes().length);
  }
  const nodes = (await apiGet(url, 'nodes')).nodes;
  if (n !== nodes.length) fail(`drew ${n} of ${nodes.length} nodes`);
  const hosts = nodes.filter((x) => x.type !== 'switch').length;
  const first = times[0], rest = times.slice(1).sort((a, b) => a - b);
  const median = rest.length ? rest[rest.length >> 1] : first;
  console.log(`page load (navigation start to fabric drawn) for ${nodes.length} nodes (${hosts} CAs): ` +
    `first (cold) ${first.toFixed(0)} ms, then median ${median.toFixed(0)} ms, max ${Math.max(...rest, first).toFixed(0)} ms ` +
    `over ${runs} loads (target < 1000 ms)`);
  await page.screenshot({ path: path.join(outDir, 'web-large.png') });
  // Zoomed out, switch links are aggregated per group pair; a click on one
  // lists its members.
  const agg = await page.evaluate(() => window.fabricView.aggregatePoint());
  if (!agg && nodes.length > 500) fail('no aggregated links in the zoomed-out view of the large fabric');
  if (agg) await page.mouse.click(agg.xy[0], agg.xy[1]);
  if (agg) {
    await until('aggregate details', () => page.locator('#detail-kind[data-kind=aggregate]').count(), 5000);
    const members = await page.locator('#agg-members li').count();
    if (members < 1) fail('the aggregate lists no member links');
    console.log(`aggregated view: a click on a line of ${agg.n} links lists ${members} members`);
  }
  // Search finds a host and zooms onto it.
  const host = nodes.filter((x) => x.host).map((x) => x.host).sort()[hosts >> 1];
  await page.fill('#search', host);
  await page.press('#search', 'Enter');
  await until('search shows ' + host, () => page.locator('#details').innerText().then((t) => t.includes(host)), 5000);
  console.log(`search: ${host} found and zoomed onto`);
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(outDir, 'web-large-zoomed.png') });
  await ctx.close();
}

// Until fabricd answers with a swept fabric and serves the page.
async function wait(url, seconds) {
  await until('fabricd\'s first sweep', async () => {
    try {
      const s = await (await fetch(new URL('/api/v1/status', url), auth())).json();
      return !!s.fabric;
    } catch (e) {
      return false;
    }
  }, seconds * 1000);
  const res = await fetch(url);
  const text = await res.text();
  if (!res.ok || !text.includes('fabricView') && !text.includes('/ui/app.js')) {
    fail(`fabricd does not serve the page at ${url} (${res.status}): its router must call fabd_web_serve()`);
  }
  // Only the page's own files: no way out of its folder.
  for (const p of ['/ui/%2e%2e%2fweb.cmake', '/ui/..%2F..%2FCMakeLists.txt', '/ui/.hidden', '/ui/nope.js']) {
    const r = await fetch(new URL(p, url));
    if (r.status !== 404) fail(`GET ${p}: ${r.status}, expected 404`);
  }
  const js = await fetch(new URL('/ui/app.js', url));
  if (!/javascript/.test(js.headers.get('content-type'))) fail('app.js served as ' + js.headers.get('content-type'));
}

const [mode, url, ...rest] = process.argv.slice(2);
const run = { check: () => check(url, rest[0], rest[1]), load: () => load(url, rest[0], Number(rest[1] || 5)),
  wait: () => wait(url, Number(rest[0] || 60)) }[mode];
if (!run) fail('usage: web_e2e.js check|load|wait URL ...');
run()
  .catch((e) => fail(e.stack || String(e)));
