/* Chapter 4's page explorers: SGD with a learning-rate schedule and its noise ball
 * (explore_schedule), and a noisy descent over a cliff with and without clipping
 * (explore_cliff). The kit is in downhill-explorers.js, the numbers in
 * downhill-models.js; the pictures follow the Python explorers' drawings.
 */
(function (root) {
  'use strict';
  var D = root.Downhill, F = D.figure, N = D.numerics, E = D.explorers, C = F.COLORS, fmt = F.fmtG;

  function plainPath(ax, pts, color, width) {  // ch04 explorers._path: a line, start and end
    var xs = pts.map(function (q) { return q[0]; }), ys = pts.map(function (q) { return q[1]; });
    ax.line(xs, ys, { color: color, width: width || 1.4 });
    ax.markers([xs[0]], [ys[0]], { color: color, edge: '#000', size: 8 });
    ax.markers([xs[xs.length - 1]], [ys[ys.length - 1]], { shape: 'X', color: color, edge: '#000', size: 10 });
  }

  function mean(a) { var s = 0; for (var i = 0; i < a.length; i++) s += a[i]; return s / a.length; }

  // --- explore_schedule ----------------------------------------------------------------------
  E.REGISTRY.schedule = {
    layout: function (width, narrow) { return E.twoPanels(width, narrow, { ratio: 0.47, top: 30, height: 0.46 }); },
    setup: function (fig, L, p) {
      var s = N.quadratic(p.surface_H, p.w_star), box = p.box;
      L.path = fig.addAxes(L.a, { xlim: box[0], ylim: box[1], xlabel: 'w₁', ylabel: 'w₂' });
      L.path.bands(s.value, p.levels);
      L.path.contours(F.grid(s.value, box[0], box[1], 140, 140), p.levels,
                      { color: '#000', opacity: 0.25, width: 0.7, static: true });
      E.minima(L.path, [p.w_star]);
      L.loss = fig.addAxes(L.b, { xlim: [0, p.steps], ylim: [p.floor, 1e2], yscale: 'log', xlabel: 'step t',
                                  ylabel: 'E(wₜ) − E* (solid), ηₜ (dashed)', grid: true,
                                  title: 'full-batch excess loss and learning rate' });
    },
    draw: function (fig, L, r, v, p) {
      L.path.text(0.5, 1.0, 'SGD paths, batch size B = ' + v.batch_size,
                  { coords: 'axes', anchor: 'middle', dy: -7, size: 12.5, weight: 600 });
      var pathLegend = [], lossLegend = [], t = E.range(p.steps);
      r.names.forEach(function (name) {
        var faint = name === 'constant' && r.names.length > 1, color = faint ? '#737373' : C[0];
        var width = faint ? 1.0 : 1.5, run = r.runs[name], traj = run.trajectory;
        plainPath(L.path, traj.points, color, width);
        pathLegend.push({ label: name, color: color, width: width });
        var tail = traj.losses.slice(-Math.max(1, Math.floor(p.steps / 6)));
        var text = name + ': mean of the last ' + tail.length + ' steps ' + fmt(mean(tail), 2);
        if (traj.diverged) {
          text = name + ': diverged';
          E.diverged(L.loss, traj.divergedAt, faint ? '#000' : color, faint ? 0 : r.names.length - 1);
        }
        L.loss.line(E.range(traj.losses.length), E.floor(traj.losses, p.floor), { color: color, width: width });
        L.loss.line(t, E.floor(run.rates, p.floor), { color: color, width: width, dash: '5 3' });
        lossLegend.push({ label: text, color: color, width: width });
      });
      L.path.legend(pathLegend, { loc: 'upper left', size: 10 });
      L.loss.legend(lossLegend, { loc: 'lower left', size: 10 });
    },
    status: function (r, v) {
      // one run is the schedule the settings already name; two are told apart by name
      var one = r.names.length === 1;
      return r.names.map(function (name) {
        var traj = r.runs[name].trajectory, tail = traj.losses.slice(-50);
        var said = traj.diverged ? 'diverged at step ' + traj.divergedAt
          : 'excess loss about ' + fmt(mean(tail), 2) + ' over the last ' + tail.length + ' steps';
        return one ? said.charAt(0).toUpperCase() + said.slice(1) : name + ': ' + said;
      }).join('; ') + '.';
    },
  };

  // --- explore_cliff -------------------------------------------------------------------------
  function offBox(ax, pts, color, k) {  // ch04 explorers._off_box
    var xl = ax.xlim, yl = ax.ylim, out = false, best = -1, at = 0;
    pts.forEach(function (q, i) {
      if (q[0] < xl[0] || q[0] > xl[1] || q[1] < yl[0] || q[1] > yl[1]) out = true;
      var size = Math.abs(q[0]) + Math.abs(q[1]);
      if (size > best) { best = size; at = i; }
    });
    if (!out) return;
    var q = pts[at];
    ax.text(0.02, 0.03 + 0.09 * k, 'thrown off the plot to (' + fmt(q[0], 3) + ', ' + fmt(q[1], 3) + ') at step ' + at,
            { coords: 'axes', valign: 'bottom', color: color, size: 10, box: color });
  }

  E.REGISTRY.cliff = {
    layout: function (width, narrow) {
      return E.twoPanels(width, narrow, { ratio: 0.57, top: 30, height: 0.42, aspect1: 0.62 });
    },
    setup: function (fig, L, p) {
      var s = N.SURFACES.cliff, b = s.bounds;
      L.path = fig.addAxes(L.a, { xlim: b[0], ylim: b[1], xlabel: 'w₁', ylabel: 'w₂' });
      L.path.bands(s.value, p.levels);
      L.path.contours(F.grid(s.value, b[0], b[1], 150, 100), p.levels,
                      { color: '#000', opacity: 0.25, width: 0.7, static: true });
      E.minima(L.path, s.minima);
      L.dist = fig.addAxes(L.b, { xlim: [0, p.steps], ylim: [1e-6, 1e4], yscale: 'log', xlabel: 'step',
                                  ylabel: 'distance to the minimum ‖w − w*‖', grid: true,
                                  title: 'how far from the minimum' });
    },
    draw: function (fig, L, r, v, p) {
      var colors = [C[1], C[0]], legend = [];
      r.runs.forEach(function (run, k) {
        var label = run.clip === null ? 'no clipping' : 'clipped at c = ' + fmt(run.clip, 6), t = run.trajectory;
        plainPath(L.path, t.points, colors[k]);
        offBox(L.path, t.points, colors[k], k);
        if (t.diverged) E.diverged(L.dist, t.divergedAt, colors[k], k);
        L.dist.line(E.range(run.dist.length), E.floor(run.dist, 1e-6), { color: colors[k], width: 1.5 });
        legend.push({ label: label, color: colors[k] });
      });
      var title = r.noise === 0 ? 'B = N = ' + p.N + ': exact gradients'
        : 'B = ' + v.batch_size + ': gradient noise ' + fmt(r.noise, 2) + ' per coordinate';
      L.path.text(0.5, 1.0, title, { coords: 'axes', anchor: 'middle', dy: -7, size: 12.5, weight: 600 });
      L.path.legend(legend, { loc: 'upper left', size: 10 });
      L.dist.legend(legend, { loc: 'upper right', size: 10 });
    },
    status: function (r) {
      return r.runs.map(function (run) {
        var t = run.trajectory, d = run.dist[run.dist.length - 1];
        var far = Math.max.apply(null, run.dist);
        return (run.clip === null ? 'without clipping' : 'clipped at c = ' + fmt(run.clip, 6)) + ': ' +
          (t.diverged ? 'diverged at step ' + t.divergedAt
            : 'ends ' + fmt(d, 2) + ' from the minimum, at most ' + fmt(far, 3) + ' away');
      }).join('; ') + '.';
    },
  };
})(typeof globalThis !== 'undefined' ? globalThis : this);
