/* Chapter 5's page explorers: momentum on the ravine (explore_momentum) and the phase
 * diagram of heavy ball on one eigen-direction (explore_phase). The kit is in
 * downhill-explorers.js, the numbers in downhill-models.js.
 */
(function (root) {
  'use strict';
  var D = root.Downhill, F = D.figure, N = D.numerics, E = D.explorers, C = F.COLORS, fmt = F.fmtG;
  var path = E.path, diverged = E.diverged, minima = E.minima, floor = E.floor, range = E.range;
  var REGISTRY = E.REGISTRY;

  // --- chapter 5: momentum on the ravine (explore_momentum) ---------------------------------------
  var FLOOR = 1e-12;
  REGISTRY.momentum = {
    layout: function (width, narrow) { return E.twoPanels(width, narrow, { ratio: 0.52, top: 34 }); },
    setup: function (fig, L, p) {
      var b = p.bounds, s = N.quadratic(p.surface_H, p.w_star);
      L.path = fig.addAxes(L.a, { xlim: b[0], ylim: b[1], title: 'paths on the full-batch loss',
                                  xlabel: 'w₁', ylabel: 'w₂' });
      L.path.bands(s.value, p.levels);
      L.path.contours(F.grid(s.value, b[0], b[1], 140, 140), p.levels,
                      { color: '#000', opacity: 0.25, width: 0.7, static: true });
      minima(L.path, [p.w_star]);
      L.loss = fig.addAxes(L.b, { xlim: [0, p.steps], ylim: [FLOOR, 1e4], yscale: 'log', xlabel: 'step (one update)',
                                  ylabel: 'E(w) − E(w*)', yticks: [1e-12, 1e-8, 1e-4, 1, 1e4].map(Number), grid: true });
    },
    draw: function (fig, L, r, v, p) {
      var kind = r.nesterov ? 'Nesterov' : 'heavy ball', colors = [C[0], r.nesterov ? C[2] : C[1]];
      var legend = [];
      r.runs.slice().reverse().forEach(function (run, j) {
        var i = r.runs.length - 1 - j, t = run.trajectory, color = colors[i];
        var label = i === 0 ? 'plain SGD (β = 0)' : kind + ', β = ' + run.beta.toFixed(2);
        path(L.path, t.points, color, { dots: true });
        if (t.diverged) { diverged(L.path, t.divergedAt, color, j); label += ' (diverged at step ' + t.divergedAt + ')'; }
        L.loss.line(range(t.losses.length), floor(t.losses, FLOOR), { color: color, width: 1.6 });
        legend.unshift({ label: label, color: color });
      });
      L.loss.legend(legend, { loc: 'upper right' });
      var epochs = p.steps * v.batch_size / p.X.length;
      L.loss.text(0.5, 1.0, 'B = ' + v.batch_size + ': ' + p.steps + ' updates = ' + fmt(epochs, 3) + ' epochs',
                  { coords: 'axes', anchor: 'middle', dy: -7, size: 12.5, weight: 600 });
      L.loss.text(0.02, 0.03, theoryNote(r), { coords: 'axes', size: 11, color: '#333', box: true });
    },
    status: function (r) {
      var names = ['plain SGD', r.nesterov ? 'Nesterov' : 'heavy ball'];
      var parts = r.runs.map(function (run, i) {
        var t = run.trajectory, last = t.losses[t.losses.length - 1];
        return names[i] + (t.diverged ? ' diverged at step ' + t.divergedAt
          : last > t.losses[0] ? ' is blowing up (excess loss ' + fmt(last, 2) + ' after ' + t.steps + ' updates)'
            : ' reaches excess loss ' + fmt(last, 2));
      });
      return parts.join('; ') + '. ' + theoryNote(r) + '.';
    },
  };

  function theoryNote(r) {  // ch05 explorers._theory_note
    if (r.rate >= 1) return 'full batch: unstable (needs η < ' + fmt(r.limit, 3) + ', ρ = ' + r.rate.toFixed(3) + ')';
    return 'full batch: ρ = ' + r.rate.toFixed(3) + ' per step, stable if η < ' + fmt(r.limit, 3);
  }


  // --- explore_phase: pick a point of the phase diagram ----------------------------------------
  // ch05 figures.REGIME_COLORS
  var REGIME = { monotone: [166, 212, 242], oscillating: [184, 230, 212], 'sign-flipping': [245, 217, 166],
                 divergent: [217, 217, 217] };

  REGISTRY.phase = {
    layout: function (width, narrow) {
      var m = { left: 58, right: 12, top: 30, bottom: 46 };
      if (narrow) {
        var w = width - m.left - m.right, h1 = Math.round(w * 0.9), h2 = Math.round(w * 0.62), h3 = Math.round(w * 0.5);
        var a = { x: m.left, y: m.top, w: w, h: h1 };
        var b = { x: m.left, y: a.y + h1 + m.bottom + m.top, w: w, h: h2 };
        var c = { x: m.left, y: b.y + h2 + m.bottom + m.top, w: w, h: h3 };
        return { narrow: true, a: a, b: b, c: c, height: c.y + h3 + m.bottom };
      }
      var inner = width - m.left - m.right - 70, wa = Math.round(inner * 0.56), h = Math.round(Math.min(440, 0.52 * width));
      var hb = Math.round((h - m.bottom - m.top) * 0.55), hc = h - m.bottom - m.top - hb;
      var x2 = m.left + wa + 70;
      return { narrow: false, a: { x: m.left, y: m.top, w: wa, h: h }, b: { x: x2, y: m.top, w: inner - wa, h: hb },
               c: { x: x2, y: m.top + hb + m.bottom + m.top, w: inner - wa, h: hc }, height: m.top + h + m.bottom };
    },
    setup: function (fig, L, p, api) {
      var map = fig.addAxes(L.a, { xlim: [0, p.h_max], ylim: [0, 1], xlabel: 'h = ηλ (step × curvature)',
                                   ylabel: 'momentum β', title: 'pick a point (h, β)' });
      L.map = map;
      map.bands(function (q) { return q; }, [], { color: function (q) { return REGIME[N.regime(Math.max(q[0], 1e-9), Math.min(q[1], 0.999))]; } });
      var hc = D.models.linspace(0, 4, 200);
      map.line(hc, hc.map(function (h) { return Math.pow(1 - Math.sqrt(h), 2); }), { color: C[0], width: 2, static: true });
      map.line([2, 2 + 2 * 0.999], [0, 0.999], { color: '#000', width: 1.5, dash: '6 4', static: true });
      map.line([0, 2], [0, 0], { color: C[1], width: 4, static: true });
      // each label inside its region and the axes ('monotone' starts just right of the β axis)
      [['monotone', 0.05, 0.1, 'start'], ['oscillating', 1.2, 0.72, 'middle'], ['divergent', 3.4, 0.45, 'middle']].forEach(function (t) {
        map.text(t[1], t[2], t[0], { anchor: t[3], weight: 700, size: 12, static: true });
      });
      map.text(1.6, 0.035, 'sign-flipping', { anchor: 'middle', weight: 700, size: 10, static: true });
      map.legend([{ label: 'critical damping β = (1 − √h)²', color: C[0], width: 2 },
                  { label: 'stability limit h = 2 + 2β', color: '#000', dash: '6 4' },
                  { label: 'gradient descent (β = 0)', color: C[1], width: 4 }], { loc: 'upper left', static: true, size: 10 });  // the stability line ends top right
      L.z = fig.addAxes(L.b, { xlim: [-2.2, 1.2], ylim: [-1.2, 1.2], equal: true, xlabel: 'real part',
                               ylabel: 'imaginary part', title: 'eigenvalues of T', xticks: [-2, -1, 0, 1], yticks: [-1, 0, 1] });
      var t = D.models.linspace(0, 2 * Math.PI, 200);
      L.z.hline(0, { color: '#ccc', width: 0.6, static: true });
      L.z.vline(0, { color: '#ccc', width: 0.6, static: true });
      L.z.line(t.map(Math.cos), t.map(Math.sin), { color: '#000', width: 1, static: true });
      L.x = fig.addAxes(L.c, { xlim: [-0.5, p.steps + 0.5], ylim: [-1.6, 1.6], xlabel: 'step k', ylabel: 'xₖ',
                               yticks: [-1, 0, 1] });
      L.xBack = F.el('rect', { x: L.c.x, y: L.c.y, width: L.c.w, height: L.c.h }, L.x.back);
      // a click or a drag on the diagram picks the point
      var svg = fig.svg, dragging = false;
      function pick(e) {
        var box = svg.getBoundingClientRect(), q = map.invert(e.clientX - box.left, e.clientY - box.top);
        var h = Math.round(Math.min(p.h_max, Math.max(0.01, q[0])) * 100) / 100;
        var beta = Math.round(Math.min(0.99, Math.max(0, q[1])) * 100) / 100;
        api.set({ h: h, beta: beta });
      }
      function over(e) {
        var box = svg.getBoundingClientRect(), x = e.clientX - box.left, y = e.clientY - box.top, r = map.rect;
        return x >= r.x && x <= r.x + r.w && y >= r.y && y <= r.y + r.h;
      }
      svg.addEventListener('pointerdown', function (e) {
        if (!over(e)) return;
        dragging = true;
        svg.setPointerCapture(e.pointerId);
        pick(e);
        e.preventDefault();
      });
      svg.addEventListener('pointermove', function (e) { if (dragging) pick(e); });
      svg.addEventListener('pointerup', function () { dragging = false; });
      svg.addEventListener('pointercancel', function () { dragging = false; });
      svg.style.cursor = 'crosshair';
    },
    draw: function (fig, L, r, v) {
      L.map.markers([v.h], [v.beta], { size: 13, color: '#fff', edge: '#000', edgeWidth: 2.5 });
      var rb = Math.sqrt(v.beta), t = D.models.linspace(0, 2 * Math.PI, 100);
      if (rb > 0) L.z.line(t.map(function (a) { return rb * Math.cos(a); }), t.map(function (a) { return rb * Math.sin(a); }),
                           { color: C[0], width: 1.2, dash: '2 3' });
      var z = r.eigenvalues;
      L.z.markers([z[0][0], z[1][0]], [z[0][1], z[1][1]], { size: 10, color: C[1], edge: '#000' });
      L.z.text(0.03, 0.05, '|z₁| = ' + Math.hypot(z[0][0], z[0][1]).toFixed(3) + ', |z₂| = ' + Math.hypot(z[1][0], z[1][1]).toFixed(3),
               { coords: 'axes', size: 10.5, box: true });
      var c = REGIME[r.regime];
      L.xBack.setAttribute('fill', 'rgb(' + c.join(',') + ')');
      var k = E.range(r.errors.length), xs = r.errors.map(function (x) { return Math.max(-1.6, Math.min(1.6, x)); });
      var d = k.map(function (i) { return 'M' + L.x.X(i).toFixed(1) + ' ' + L.x.Y(0).toFixed(1) + 'V' + L.x.Y(xs[i]).toFixed(1); }).join('');
      F.el('path', { d: d, stroke: '#000', 'stroke-width': 1 }, L.x.dynamicData);
      L.x.hline(0, { color: '#000', width: 0.6 });
      L.x.markers(k, xs, { size: 4, color: '#000' });
      L.x.text(0.5, 1.0, r.regime + ': ρ = ' + r.rate.toFixed(3) + ' per step', { coords: 'axes', anchor: 'middle', dy: -7, size: 12, weight: 600 });
    },
    status: function (r) {
      var z = r.eigenvalues, complex = z[0][1] !== 0;
      var eig = complex ? 'a complex pair ' + fmt(z[0][0], 3) + ' ± ' + fmt(Math.abs(z[0][1]), 3) + 'i'
        : 'real eigenvalues ' + fmt(z[0][0], 3) + ' and ' + fmt(z[1][0], 3);
      return 'Regime ' + r.regime + ': ' + eig + ', rate ρ = ' + r.rate.toFixed(3) + ' per step' +
        (r.rate >= 1 ? ': the error grows.' : '.');
    },
  };
})(typeof globalThis !== 'undefined' ? globalThis : this);
