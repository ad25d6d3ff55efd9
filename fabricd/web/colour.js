// Colours of the view: a green-yellow-red scale for 0..1 and the marks for
// down, degraded and erroring links.
'use strict';
const colour = {
  down: '#d7191c',
  degraded: '#e6861a',
  idle: '#9aa6b2',
  ring: '#6a3cc9',
  bottleneck: '#b0127a',
  scale(v) { // 0 green .. 0.5 yellow .. 1 red
    v = Math.max(0, Math.min(1, v || 0));
    const h = 130 * (1 - v);
    return `hsl(${h.toFixed(0)}, 75%, ${v < 0.02 ? 60 : 45}%)`;
  },
  // The colour of a link (or an aggregate of links) by the chosen metric.
  ofLink(l, by) {
    if (l.state === 'down') return colour.down;
    const v = by === 'congestion' ? l.congestion : l.utilization;
    return v < 0.005 ? colour.idle : colour.scale(v);
  },
};
