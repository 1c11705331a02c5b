/* What each page explorer computes, apart from drawing: one model per explorer.
 *
 * A model is prepare(data) -> problem (the data course_utils shipped, decoded once)
 * and compute(problem, values) -> the numbers the figure shows, for the values of the
 * explorer's controls (keyed by the Python control names). Each mirrors the Python
 * explorer of the same name, which stays the reference: tests/widgets/
 * test_page_numerics.py runs these models in Node over every explorer's grid of
 * settings and compares them with course_utils. Pure numerics: no DOM here.
 */
(function (root, factory) {
  'use strict';
  var N = typeof module === 'object' && module.exports ? require('./downhill-numerics.js')
    : root.Downhill.numerics;
  var api = factory(N);
  if (typeof module === 'object' && module.exports) module.exports = api;
  else root.Downhill.models = api;
})(typeof globalThis !== 'undefined' ? globalThis : this, function (N) {
  'use strict';

  function decodeAll(data) {  // every array of the data (at any depth) decoded
    if (data === null || typeof data !== 'object' || Array.isArray(data)) return data;
    if (data.dtype) return N.decode(data);
    var out = {};
    for (var key in data) out[key] = decodeAll(data[key]);
    return out;
  }

  function leastSquares(d) {  // least_squares.LeastSquares, as the page holds it
    return { X: d.X, y: d.y, H: d.H, w_star: d.w_star };
  }

  function norm2(v) { return Math.sqrt(v[0] * v[0] + v[1] * v[1]); }

  // --- chapter 1: explore_taylor ----------------------------------------------------------
  function linspace(a, b, n) {  // numpy.linspace: arange * step + start, the end exact
    var step = (b - a) / (n - 1), out = new Array(n);
    for (var i = 0; i < n; i++) out[i] = i * step + a;
    out[n - 1] = b;
    return out;
  }

  var taylor = {
    prepare: function (data) { return decodeAll(data); },
    /* ch01 explorers.step_predictions and _draw_taylor's curves: the step
     * -lr grad E(w_hat) from the point at (u1, u2) of the box, its true change and the
     * order-1 and order-2 predictions, and the true change along the ray. */
    compute: function (p, v) {
      var s = N.SURFACES[v.surface], b = s.bounds;
      var w = [b[0][0] + v.u1 * (b[0][1] - b[0][0]), b[1][0] + v.u2 * (b[1][1] - b[1][0])];
      var g = s.grad(w), H = s.hessian(w), eta = v.lr;
      var Hg = [g[0] * H[0][0] + g[1] * H[1][0], g[0] * H[0][1] + g[1] * H[1][1]];  // (b @ H)
      var gHg = Hg[0] * g[0] + Hg[1] * g[1], gg = g[0] * g[0] + g[1] * g[1];
      var E_hat = s.value(w), w_new = [w[0] - eta * g[0], w[1] - eta * g[1]];
      var E_lin = E_hat - eta * gg, E_quad = E_lin + 0.5 * (eta * eta) * gHg;
      var out = { w_hat: w, grad: g, hessian: H, E_hat: E_hat, E_new: s.value(w_new), E_lin: E_lin,
                  E_quad: E_quad, w_new: w_new, gg: gg };
      if (gg === 0) return out;
      var u = linspace(0.0, 1.5, 120), unit = eta * gg, truth = new Array(u.length);
      for (var i = 0; i < u.length; i++) {
        var step = u[i] * eta;
        truth[i] = (s.value([w[0] - step * g[0], w[1] - step * g[1]]) - E_hat) / unit;
      }
      out.u = u;
      out.truth = truth;
      out.curvature = 0.5 * eta * gHg / gg;
      return out;
    },
  };

  // --- chapter 1: explore_bowl_lr ----------------------------------------------------------
  var bowl = {
    prepare: function (data) { return decodeAll(data); },
    /* ch01 explorers.bowl_run: gradient descent on bowl(1, kappa, pi/6, start=(-4, 3)). */
    compute: function (p, v) {
      var steps = p.steps, s = N.bowl(1.0, v.kappa, Math.PI / 6, { start: [-4.0, 3.0] });
      var traj = N.run(N.SGD({ lr: v.lr }), s.grad, s.start, steps, { lossFn: s.value, bound: 100.0 });
      var minValue = s.value(s.center), gap = traj.losses.map(function (E) { return E - minValue; });
      var rho = Math.max(Math.abs(1.0 - v.lr * 1.0), Math.abs(1.0 - v.lr * v.kappa));
      return { surface: s, trajectory: traj, gap: gap, eta_crit: 2.0 / v.kappa, rho: rho };
    },
  };

  // --- chapter 4: explore_schedule ---------------------------------------------------------
  var schedule = {
    prepare: function (data) { return decodeAll(data); },
    /* ch04 explorers._sgd (noisy.sgd_run): plain SGD with the schedule, the batches of
     * minibatch_gradients (shuffled even for B = N), the full-batch excess loss
     * recorded; the constant rate on the same batches beside any other schedule. */
    compute: function (p, v) {
      var problem = leastSquares(p), surface = N.quadratic(p.surface_H, p.w_star);
      var names = v.schedule === 'constant' ? ['constant'] : ['constant', v.schedule], runs = {};
      names.forEach(function (name) {
        var sched = N.makeSchedule(name, v.lr, p.steps);
        var grad = N.minibatchGradients(problem, v.batch_size, p.perms);
        var traj = N.run(N.SGD({ lr: v.lr }), grad, p.start, p.steps,
                         { lossFn: surface.value, schedule: sched, bound: 1e3 });
        var rates = [];
        for (var k = 0; k < p.steps; k++) rates.push(sched(k));
        runs[name] = { trajectory: traj, rates: rates };
      });
      return { runs: runs, names: names };
    },
  };

  // --- chapter 4: explore_cliff ------------------------------------------------------------
  var cliff = {
    prepare: function (data) { return decodeAll(data); },
    /* ch04 explorers._cliff_run: SGD over the cliff with the gradient noise of
     * noisy.noisy_gradient (the draws shipped), without and with clipping at c. */
    compute: function (p, v) {
      var s = N.SURFACES.cliff, noise = N.standardError(p.sigma, v.batch_size, p.N);
      var clips = [null];
      if (v.clip !== 'off') clips.push(v.clip);
      var runs = clips.map(function (c) {
        var grad = N.noisyGradient(s.grad, noise, p.xi);
        var traj = N.run(N.SGD({ lr: v.lr }), grad, s.start, p.steps, { clipNorm: c, bound: 1e3 });
        var wStar = s.minima[0];
        var dist = traj.points.map(function (w) { return norm2([w[0] - wStar[0], w[1] - wStar[1]]); });
        return { clip: c, trajectory: traj, dist: dist };
      });
      return { runs: runs, noise: noise };
    },
  };

  // --- chapter 5: explore_momentum ----------------------------------------------------------
  /* ch05 experiments.momentum_path: SGD(lr, momentum=beta, nesterov) on the ravine, the
   * batches of minibatch_gradients (none for B = N), the excess loss recorded. */
  function momentumPath(p, lr, beta, B, steps, nesterov) {
    var problem = leastSquares(p), n = p.X.length;
    var opt = N.SGD({ lr: lr, momentum: beta, nesterov: Boolean(nesterov) && beta > 0 });
    var grad = B === n ? N.fullGradient(problem) : N.minibatchGradients(problem, B, p.perms);
    return N.run(opt, grad, p.start, steps, { lossFn: N.excessLoss(problem), bound: 1e4 });
  }

  var momentum = {
    prepare: function (data) { return decodeAll(data); },
    compute: function (p, v) {
      var nesterov = Boolean(v.nesterov) && v.beta > 0, runs = [];
      runs.push({ beta: 0, nesterov: false, trajectory: momentumPath(p, v.lr, 0.0, v.batch_size, p.steps, false) });
      if (v.beta > 0) {
        runs.push({ beta: v.beta, nesterov: nesterov,
                    trajectory: momentumPath(p, v.lr, v.beta, v.batch_size, p.steps, nesterov) });
      }
      return { runs: runs, nesterov: nesterov, rate: N.momentumRate(v.lr, v.beta, p.lam, nesterov),
               limit: N.maxStableLr(v.beta, p.lam[p.lam.length - 1], nesterov) };
    },
  };

  // --- chapter 5: explore_phase --------------------------------------------------------------
  var phase = {
    prepare: function (data) { return decodeAll(data); },
    /* ch05 dynamics: heavy ball on one eigen-direction with h = eta lambda: the
     * eigenvalues of the iteration matrix, the regime, the rate and the errors x_k. */
    compute: function (p, v) {
      return { eigenvalues: N.iterationEigenvalues(v.h, v.beta, false), regime: N.regime(v.h, v.beta),
               rate: N.momentumRate(1.0, v.beta, [v.h], false),
               errors: N.eigenErrors(v.h, v.beta, 1.0, p.steps, false) };
    },
  };

  // --- chapter 6: explore_race -----------------------------------------------------------------
  var race = {
    prepare: function (data) { return decodeAll(data); },
    /* ch06 race.race_lrs and race.race: each chosen optimizer with torch's defaults and
     * its learning rate (shared, or scaled by its default over Adam's), on the same
     * batches of minibatch_gradients, the excess loss recorded. */
    compute: function (p, v) {
      var problem = leastSquares(p), surface = N.quadratic(p.surface_H, p.w_star), runs = [];
      var scaled = v.rates === p.rate_modes[1];
      if (v.rates !== p.rate_modes[0] && !scaled) throw new RangeError('rates must be one of ' + p.rate_modes.join(', '));
      v.optimizers.forEach(function (name) {
        var lr = scaled ? v.lr * p.default_lrs[name] / p.default_lrs.Adam : v.lr;
        var grad = N.minibatchGradients(problem, v.batch_size, p.perms);
        var opt = N.OPTIMIZERS[name]({ lr: lr });
        runs.push({ name: name, lr: lr, trajectory: N.run(opt, grad, p.start, p.steps, { lossFn: surface.value }) });
      });
      return { runs: runs };
    },
  };

  return { race: race, taylor: taylor, bowl: bowl, schedule: schedule, cliff: cliff, momentum: momentum,
           phase: phase, linspace: linspace };
});
