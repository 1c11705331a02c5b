/* Chapter 1's page explorers: a surface and its Taylor models around a point with one
 * gradient step (explore_taylor), and gradient descent on a bowl of condition number κ
 * (explore_bowl_lr). The kit is in downhill-explorers.js, the numbers in
 * downhill-models.js; the pictures follow the Python explorers' drawings.
 */
(function (root) {
  'use strict';
  var D = root.Downhill, F = D.figure, N = D.numerics, E = D.explorers, C = F.COLORS, fmt = F.fmtG;

  function fmt4(x) { return isFinite(x) ? fmt(x, 4) : 'overflow'; }  // ch01 explorers._fmt

  // --- explore_taylor ------------------------------------------------------------------------
  function taylorGrid(s, n) { return F.grid(s.value, s.bounds[0], s.bounds[1], n, n); }

  function inside(levels, g) {  // plotting._contour: only the levels within the grid's range
    if (g.lo === undefined) {  // the grid's range, once
      g.lo = Infinity; g.hi = -Infinity;
      g.Z.forEach(function (row) { row.forEach(function (z) { if (isFinite(z)) { g.lo = Math.min(g.lo, z); g.hi = Math.max(g.hi, z); } }); });
    }
    return levels.filter(function (v) { return g.lo < v && v < g.hi; });
  }

  E.REGISTRY.taylor = {
    key: function (v) { return v.surface; },
    layout: function (width, narrow) {
      var L = E.twoPanels(width, narrow, { ratio: 0.51, top: 30, height: 0.45, extra: narrow ? 58 : 40,
                                           aspect1: 0.9, aspect2: 0.75 });
      L.report = L.height - (narrow ? 46 : 30);
      return L;
    },
    setup: function (fig, L, p, api, v) {
      var s = N.SURFACES[v.surface], lim = p.change_limits;
      L.surface = s;
      L.grid = taylorGrid(s, p.resolution);
      L.ax = fig.addAxes(L.a, { xlim: s.bounds[0], ylim: s.bounds[1], xlabel: 'w₁', ylabel: 'w₂' });
      L.ax.contours(L.grid, inside(p.levels[v.surface], L.grid), { color: C[0], width: 1, static: true });
      L.ax.legend([{ label: 'E(w)', color: C[0] }, { label: 'Taylor model', color: C[1], dash: '5 3' },
                   { label: 'step −η∇E(ŵ)', color: C[2], width: 2 }], { loc: 'upper right', static: true, size: 10 });
      L.ch = fig.addAxes(L.b, { xlim: [0, 1.5], ylim: lim, xticks: [0, 0.5, 1, 1.5], yticks: [-2, -1, 0, 1],
                                title: 'change of E over the step', xlabel: 'step size η′ as a fraction of η',
                                ylabel: 'change of E, in units of η‖∇E(ŵ)‖²' });
      L.ch.vline(1.0, { color: '#999', width: 0.8, static: true });
      L.ch.hline(0.0, { color: '#ccc', width: 0.8, static: true });
      L.ch.line([0, 1.5], [0, -1.5], { color: C[0], width: 1.6, dash: '6 3', static: true });
      L.ch.markers([1], [-1], { color: C[0], size: 7, static: true });
      L.legend2 = [{ label: 'true E', color: '#000', width: 2 }, { label: 'order 1', color: C[0], dash: '6 3' },
                   { label: 'order 2', color: C[1], dash: '7 3 2 3' }];
    },
    draw: function (fig, L, r, v, p) {
      var s = L.surface, ax = L.ax, ch = L.ch, w = r.w_hat, H = r.hessian, b = r.grad;
      ax.text(0.5, 1.0, (p.titles[v.surface] || s.name) + ': order-' + v.order + ' model',
              { coords: 'axes', anchor: 'middle', dy: -7, size: 12.5, weight: 600 });
      // the model's contours, at the surface's levels and through w_hat (thick): they move
      // with w_hat and the order, not with η
      ax.kept([v.surface, v.order, w[0], w[1]].join(' '), function (layer) {
        var T = { xs: L.grid.xs, ys: L.grid.ys, Z: [] };
        T.ys.forEach(function (y) {  // the model on the surface's grid
          var d1 = y - w[1];
          T.Z.push(T.xs.map(function (x) {
            var d0 = x - w[0], t = r.E_hat + b[0] * d0 + b[1] * d1;
            if (v.order === 2) t += 0.5 * (d0 * (H[0][0] * d0 + H[0][1] * d1) + d1 * (H[1][0] * d0 + H[1][1] * d1));
            return t;
          }));
        });
        ax.contours(L.grid, inside([r.E_hat], L.grid), { color: C[0], width: 2.4, layer: layer });
        ax.contours(T, inside(p.levels[v.surface], T), { color: C[1], width: 1.0, dash: '5 3', layer: layer });
        ax.contours(T, inside([r.E_hat], T), { color: C[1], width: 2.4, dash: '7 4', layer: layer });
      });
      ax.markers([w[0]], [w[1]], { color: '#000', size: 8 });
      ax.text(w[0], w[1], 'ŵ', { dx: 7, dy: -7, size: 14, box: true, italic: true });
      if (r.gg === 0) {
        ch.text(0.5, 0.5, '∇E(ŵ) = 0: a stationary point,\nthe step is zero', { coords: 'axes', anchor: 'middle', valign: 'middle', size: 12, box: true });
      } else {
        ax.arrow(w[0], w[1], r.w_new[0], r.w_new[1], { color: C[2], width: 2 });
        var bx = s.bounds;
        if (!(bx[0][0] <= r.w_new[0] && r.w_new[0] <= bx[0][1] && bx[1][0] <= r.w_new[1] && r.w_new[1] <= bx[1][1])) {
          ax.text(0.02, 0.02, 'the step lands outside, at (' + fmt(r.w_new[0], 3) + ', ' + fmt(r.w_new[1], 3) + ')',
                  { coords: 'axes', valign: 'bottom', color: C[2], size: 10.5, box: true });
        }
        ch.line(r.u, r.truth, { color: '#000', width: 2 });
        ch.line(r.u, r.u.map(function (u) { return -u + r.curvature * u * u; }), { color: C[1], width: 1.6, dash: '7 3 2 3' });
        var lim = p.change_limits, unit = v.lr * r.gg;
        [[r.E_new, '#000'], [r.E_quad, C[1]]].forEach(function (pair, k) {
          var y = (pair[0] - r.E_hat) / unit;
          if (lim[0] <= y && y <= lim[1]) {
            ch.markers([1.0], [y], { color: pair[1], size: 8 });
          } else {  // off the scale: a triangle at the edge, with the value
            var up = y > lim[1], edge = up ? lim[1] : lim[0];
            ch.markers([1.0], [edge], { shape: up ? '^' : 'v', color: pair[1], size: 10, clip: false });
            ch.text(1.0, edge, fmt(y, 3), { dx: k === 0 ? 8 : -8, dy: up ? 14 : -6, color: pair[1], size: 11,
                                            anchor: k === 0 ? 'start' : 'end' });
          }
        });
        ch.legend(L.legend2, { loc: 'lower left', size: 10 });
      }
      var line1 = 'ŵ = (' + w[0].toFixed(2) + ', ' + w[1].toFixed(2) + '),  E(ŵ) = ' + fmt4(r.E_hat);
      var line2 = 'after the step: ' + fmt4(r.E_new) + '   order 1: ' + fmt4(r.E_lin) + '   order 2: ' + fmt4(r.E_quad);
      if (L.narrow) line2 = 'after the step: ' + fmt4(r.E_new) + '\norder 1: ' + fmt4(r.E_lin) + '   order 2: ' + fmt4(r.E_quad);
      fig.text(fig.width / 2, L.report, line1 + '\n' + line2, { anchor: 'middle', valign: 'top', size: 12 });
    },
    status: function (r, v) {
      if (r.gg === 0) return 'ŵ is a stationary point: the gradient is zero and the step is empty.';
      var change = r.E_new - r.E_hat;
      return 'The step changes E by ' + fmt4(change) + ' (' + (change > 0 ? 'an increase' : 'a decrease') +
        '); order 1 predicts ' + fmt4(r.E_lin - r.E_hat) + ', order 2 ' + fmt4(r.E_quad - r.E_hat) + '.';
    },
  };

  // --- explore_bowl_lr -----------------------------------------------------------------------
  function geomspace(a, b, n) {
    var out = [];
    for (var i = 0; i < n; i++) out.push(a * Math.pow(b / a, i / (n - 1)));
    return out;
  }

  function verdict(r, eta) {  // ch01 explorers._verdict
    var ratio = eta / r.eta_crit;
    if (Math.abs(ratio - 1) <= 1e-9) return 'η = 2/λmax: the steep direction oscillates forever';
    if (ratio > 1) return 'η > 2/λmax: unstable, the steep direction grows';
    return 'η < 2/λmax: stable, E → E*';
  }

  E.REGISTRY.bowl = {
    layout: function (width, narrow) {
      return E.twoPanels(width, narrow, { ratio: 0.5, top: narrow ? 52 : 56, height: 0.4, aspect1: 0.85 });
    },
    setup: function (fig, L, p) {
      L.ax = fig.addAxes(L.a, { xlim: [-5, 5], ylim: [-5, 5], xlabel: 'w₁', ylabel: 'w₂' });
      L.gap = fig.addAxes(L.b, { xlim: [0, p.steps], ylim: p.gap_limits, yscale: 'log', xlabel: 'step k',
                                 ylabel: 'Eₖ − E* (log scale)', yticks: [1e-16, 1e-12, 1e-8, 1e-4, 1, 1e4] });
    },
    draw: function (fig, L, r, v, p) {
      var s = r.surface, t = r.trajectory, ax = L.ax, g = L.gap;
      var levels = geomspace(1e-3, 3.0, 12).map(function (f) { return r.gap[0] * f; });
      ax.kept(v.kappa + ' ' + r.gap[0], function (layer) {  // the bowl's contours move with κ, not η
        var colors = levels.map(function (level, i) { return F.rgb(F.viridis(i / (levels.length - 1))); });
        ax.contours(F.grid(s.value, [-5, 5], [-5, 5], 120, 120), levels, { colors: colors, width: 0.9, layer: layer });
      });
      E.path(ax, t.points, C[1], { dots: true });
      ax.text(0.5, 1.0, 'gradient descent, ' + t.steps + ' steps', { coords: 'axes', anchor: 'middle', dy: -7, size: 12.5, weight: 600 });
      var k = E.range(r.gap.length), low = p.gap_limits[0] / 10;
      g.line(k, E.floor(r.gap, low), { color: C[1], width: 1.5 });
      g.markers(k, E.floor(r.gap, low), { color: C[1], size: 4 });
      var env = k.map(function (i) { return r.gap[0] * Math.pow(r.rho, 2 * i); });
      g.line(k, env.map(function (e) { return e > low && e < 1e12 ? e : NaN; }), { color: '#666', width: 1, dash: '5 3' });
      g.text(0.5, 1.0, verdict(r, v.lr), { coords: 'axes', anchor: 'middle', dy: -7, size: 11.5, weight: 600,
                                         fit: g.rect.w + 12 });
      g.legend([{ label: 'Eₖ − E*', color: C[1], marker: 'o', markerSize: 5 },
                { label: 'ρ²ᵏ(E₀ − E*),  ρ = max|1 − ηλᵢ|', color: '#666', dash: '5 3', width: 1 }],
               { loc: 'lower left', size: 10 });
      if (t.diverged) { E.diverged(ax, t.divergedAt, C[1]); E.diverged(g, t.divergedAt, C[1]); }
      var head = 'λmin = 1, λmax = ' + fmt(v.kappa, 3) + ':  2/λmax = ' + fmt(r.eta_crit, 3) + ',  η = ' + fmt(v.lr, 3) +
        ',  ρ = ' + fmt(r.rho, 3);
      fig.text(fig.width / 2, 16, head, { anchor: 'middle', size: 12.5, fit: fig.width - 8 });
    },
    status: function (r, v) {
      var t = r.trajectory, last = r.gap[r.gap.length - 1];
      return verdict(r, v.lr) + ' (2/λmax = ' + fmt(r.eta_crit, 3) + ', ρ = ' + fmt(r.rho, 3) + '): ' +
        (t.diverged ? 'the run diverged at step ' + t.divergedAt : 'after ' + t.steps + ' steps E − E* = ' + fmt(last, 2)) + '.';
    },
  };
})(typeof globalThis !== 'undefined' ? globalThis : this);
