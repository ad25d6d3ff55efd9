// Plots of benchmark results as SVG text (no DOM: the page inserts it, and
// scripts/plot-bench.js runs the same code under Node). Input: fcoll-perf
// --json documents (one per transport) and nccl-tests-style tables from the
// peers measured in the same run (MPI, Gloo), each as {name, text}.
'use strict';
const plot = (() => {
  // One series per input: [{label, points: [[bytes, busbw GB/s], ...]}].
  function parse(name, text) {
    const t = text.trim();
    if (t.startsWith('{')) {
      const doc = JSON.parse(t);
      const tl = [...new Set((doc.transports || []).filter((x) => x !== 'self'))].join('+') || 'fcoll';
      const byColl = new Map();
      for (const r of doc.results || []) {
        const res = r.out_of_place || r.in_place;
        if (!res) continue;
        const label = `fcoll ${r.collective} ${tl} (${doc.nranks} ranks)`;
        if (!byColl.has(label)) byColl.set(label, []);
        byColl.get(label).push([r.size, res.busbw_gbps]);
      }
      return [...byColl].map(([label, points]) => ({ label, points }));
    }
    // A table: '# title' then rows "size count type redop root time algbw busbw ...".
    const title = (t.split('\n').find((l) => /^#\s*\S/.test(l)) || '# ' + name).replace(/^#\s*/, '');
    const points = t.split('\n').filter((l) => /^\s*\d/.test(l)).map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length >= 8).map((f) => [Number(f[0]), Number(f[7])]);
    return points.length ? [{ label: title.split(',').slice(0, 2).join(','), points }] : [];
  }

  const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
  const sizeLabel = (b) => (b >= 1 << 30 ? b / (1 << 30) + 'G' : b >= 1 << 20 ? b / (1 << 20) + 'M' : b >= 1024 ? b / 1024 + 'K' : b + '');
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

  // busbw against message size (log2 x axis) as an SVG document.
  function svg(series, title, W = 720, H = 420) {
    const L = 60, R = 20, T = 34, B = 46 + 16 * series.length;
    const pts = series.flatMap((s) => s.points).filter(([x]) => x > 0);
    if (!pts.length) return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="60"><text x="10" y="30">no results</text></svg>`;
    const x0 = Math.floor(Math.log2(Math.min(...pts.map((p) => p[0])))), x1 = Math.ceil(Math.log2(Math.max(...pts.map((p) => p[0]))));
    const top = Math.max(1e-9, ...pts.map((p) => p[1]));
    const mag = 10 ** Math.floor(Math.log10(top / 5)), ystep = [1, 2, 2.5, 5, 10].map((k) => k * mag).find((v) => top / v <= 6);
    const ymax = Math.ceil(top / ystep) * ystep;
    const h = H - T - B, w = W - L - R;
    const X = (b) => L + ((Math.log2(b) - x0) / Math.max(1, x1 - x0)) * w, Y = (v) => T + h - (v / ymax) * h;
    const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
      `<rect width="${W}" height="${H}" fill="#fff"/>`, `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14">${esc(title)}</text>`];
    const step = Math.max(1, Math.ceil((x1 - x0) / 12));
    for (let e = x0; e <= x1; e += step) {
      out.push(`<line x1="${X(2 ** e)}" y1="${T}" x2="${X(2 ** e)}" y2="${T + h}" stroke="#eee"/>`,
        `<text x="${X(2 ** e)}" y="${T + h + 14}" text-anchor="middle">${sizeLabel(2 ** e)}</text>`);
    }
    for (let v = 0; v <= ymax + ystep / 2; v += ystep) {
      out.push(`<line x1="${L}" y1="${Y(v)}" x2="${L + w}" y2="${Y(v)}" stroke="#eee"/>`,
        `<text x="${L - 6}" y="${Y(v) + 4}" text-anchor="end">${+v.toPrecision(3)}</text>`);
    }
    out.push(`<rect x="${L}" y="${T}" width="${w}" height="${h}" fill="none" stroke="#888"/>`,
      `<text x="${L + w / 2}" y="${T + h + 30}" text-anchor="middle">message size (bytes)</text>`,
      `<text transform="translate(16 ${T + h / 2}) rotate(-90)" text-anchor="middle">busbw (GB/s)</text>`);
    series.forEach((s, i) => {
      const c = PALETTE[i % PALETTE.length], p = s.points.filter(([x]) => x > 0).sort((a, b) => a[0] - b[0]);
      out.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${p.map(([x, y]) => `${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join(' ')}"/>`);
      for (const [x, y] of p) out.push(`<circle cx="${X(x).toFixed(1)}" cy="${Y(y).toFixed(1)}" r="2.5" fill="${c}"/>`);
      const ly = T + h + 44 + 16 * i;
      out.push(`<line x1="${L}" y1="${ly - 4}" x2="${L + 24}" y2="${ly - 4}" stroke="${c}" stroke-width="2"/>`,
        `<text x="${L + 30}" y="${ly}">${esc(s.label)}</text>`);
    });
    out.push('</svg>');
    return out.join('\n');
  }
  return { parse, svg };
})();
if (typeof module !== 'undefined') module.exports = plot;
