/* Chapter 6's page explorer: the seven optimizers raced on a badly scaled least-squares
 * problem, the same mini-batches for all (explore_race). The kit is in
 * downhill-explorers.js, the numbers in downhill-models.js.
 */
(function (root) {
  'use strict';
  var D = root.Downhill, F = D.figure, N = D.numerics, E = D.explorers, C = F.COLORS, fmt = F.fmtG;

  E.REGISTRY.race = {
    layout: function (width, narrow) { return E.twoPanels(width, narrow, { ratio: 0.52, top: 30, height: 0.42 }); },
    setup: function (fig, L, p) {
      var s = N.quadratic(p.surface_H, p.w_star), b = p.bounds;
      L.path = fig.addAxes(L.a, { xlim: b[0], ylim: b[1], xlabel: 'w₁', ylabel: 'w₂', title: 'paths on the full-batch loss' });
      L.path.bands(s.value, p.levels);
      L.path.contours(F.grid(s.value, b[0], b[1], 140, 140), p.levels, { color: '#000', opacity: 0.25, width: 0.7, static: true });
      E.minima(L.path, [p.w_star]);
      L.loss = fig.addAxes(L.b, { xlim: [0, p.steps], ylim: [1e-8, 1e3], yscale: 'log', xlabel: 'step',
                                  ylabel: 'excess loss E(w) − E(w*)', grid: true });
    },
    draw: function (fig, L, r, v, p) {
      L.loss.text(0.5, 1.0, 'loss per step, batch size B = ' + v.batch_size,
                  { coords: 'axes', anchor: 'middle', dy: -7, size: 12.5, weight: 600 });
      if (!r.runs.length) {
        L.path.text(0.5, 0.5, 'Pick one or more optimizers', { coords: 'axes', anchor: 'middle', valign: 'middle', size: 12, box: '#888' });
        L.loss.text(0.5, 0.5, 'no optimizer selected', { coords: 'axes', anchor: 'middle', valign: 'middle', size: 12, box: '#888' });
        return;
      }
      var legend = [], k = 0;
      r.runs.forEach(function (run) {
        var t = run.trajectory, c = C[p.names.indexOf(run.name)];
        var xs = t.points.map(function (q) { return q[0]; }), ys = t.points.map(function (q) { return q[1]; });
        L.path.line(xs, ys, { color: c, width: 1.6 });
        L.path.markers([xs[xs.length - 1]], [ys[ys.length - 1]], { shape: 'X', color: c, edge: '#000', size: 10 });
        var label = run.name + ', η = ' + fmt(run.lr, 2);
        if (t.diverged) { E.diverged(L.path, t.divergedAt, c, k++); label += ' (diverged at step ' + t.divergedAt + ')'; }
        L.loss.line(E.range(t.losses.length), E.floor(t.losses, 1e-12), { color: c, width: 1.5 });
        legend.push({ label: label, color: c });
      });
      L.path.markers([p.start[0]], [p.start[1]], { color: '#fff', edge: '#000', size: 9 });
      L.loss.legend(legend, { loc: 'lower left', size: 10 });
    },
    status: function (r) {
      if (!r.runs.length) return 'No optimizer selected.';
      return r.runs.map(function (run) {
        var t = run.trajectory;
        return run.name + ' (η = ' + fmt(run.lr, 2) + ') ' + (t.diverged ? 'diverged at step ' + t.divergedAt
          : 'ends at excess loss ' + fmt(t.losses[t.losses.length - 1], 2));
      }).join('; ') + '.';
    },
  };
})(typeof globalThis !== 'undefined' ? globalThis : this);
