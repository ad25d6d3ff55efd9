// The fabricd API as the page uses it: JSON over fetch, with the bearer
// token taken from the URL (#token=...) or remembered from an earlier visit.
'use strict';
const api = (() => {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) localStorage.setItem('fabricd-token', decodeURIComponent(m[1]));
  const token = () => localStorage.getItem('fabricd-token') || '';

  async function call(path, opts = {}) {
    const headers = Object.assign({}, opts.headers);
    if (token()) headers.Authorization = 'Bearer ' + token();
    const res = await fetch('/api/v1/' + path, Object.assign({}, opts, { headers, cache: 'no-store' }));
    const body = await res.json().catch(() => ({}));
    if (res.status === 401) {
      const t = prompt('fabricd asks for its API token');
      if (t) { localStorage.setItem('fabricd-token', t); return call(path, opts); }
    }
    if (!res.ok) throw new Error((body.error && body.error.message) || res.status + ' ' + res.statusText);
    return body;
  }
  // The first load's requests start now, while the other scripts load.
  const early = new Map(['nodes', 'links', 'status'].map((p) => [p, call(p)]));
  for (const r of early.values()) r.catch(() => {});
  return {
    get(path) {
      const r = early.get(path);
      early.delete(path);
      return r || call(path);
    },
    post: (path, obj) => call(path, { method: 'POST', body: JSON.stringify(obj),
                                      headers: { 'Content-Type': 'application/json' } }),
  };
})();
