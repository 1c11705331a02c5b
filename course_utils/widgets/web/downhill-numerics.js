/* Downhill's numerics in the browser: the course's optimizers, schedules, clipping,
 * surfaces and stepping loop, ported line by line from course_utils (the reference).
 *
 * Every rule here is a copy of a Python function, named in the comment above it, in
 * the same order of operations, so that a run in the page follows course_utils to
 * rounding (tests/widgets/test_page_numerics.py runs both on every explorer's grid of
 * settings and compares the trajectories to 1e-9). Nothing here draws: the explorers
 * (downhill-models.js, downhill-explorers.js) call it. Vectors are plain arrays of numbers.
 * No random numbers are drawn here: mini-batch orders and gradient noise come from
 * course_utils, shipped with the page (decode()).
 *
 * Loaded as a classic script it defines window.Downhill.numerics; under Node,
 * require() returns the same object.
 */
(function (root, factory) {
  'use strict';
  var api = factory();
  if (typeof module === 'object' && module.exports) {
    module.exports = api;
  } else {
    root.Downhill = root.Downhill || {};
    root.Downhill.numerics = api;
  }
})(typeof globalThis !== 'undefined' ? globalThis : this, function () {
  'use strict';

  // --- argument checks: course_utils._validate's messages -------------------------------
  function check(name, value, lo, hi, loOpen, hiOpen) {
    if (typeof value !== 'number' || !isFinite(value) ||
        (lo !== undefined && (loOpen ? value <= lo : value < lo)) ||
        (hi !== undefined && (hiOpen ? value >= hi : value > hi))) {
      var interval = (loOpen ? '(' : '[') + (lo === undefined ? '-inf' : lo) + ', ' +
        (hi === undefined ? 'inf' : hi) + (hiOpen || hi === undefined ? ')' : ']');
      throw new RangeError(name + ' must be in ' + interval + ', got ' + value);
    }
    return value;
  }

  function zeros(n) { var z = new Array(n); for (var i = 0; i < n; i++) z[i] = 0; return z; }

  // --- optimizers: course_utils.optimizers, torch.optim's rules ---------------------------
  // Each has lr, init(w) -> state and update(w, g, state, lr) -> [w, state], pure.
  function withDecay(opt, rule) {
    // Optimizer.update: the L2 penalty added to the gradient, then the rule
    opt.update = function (w, g, s, lr) {
      if (opt.weight_decay) {
        var gd = new Array(g.length);
        for (var i = 0; i < g.length; i++) gd[i] = g[i] + opt.weight_decay * w[i];
        g = gd;
      }
      return rule(w, g, s, lr === undefined || lr === null ? opt.lr : lr);
    };
    return opt;
  }

  function betas(b) {
    if (!Array.isArray(b) || b.length !== 2) throw new RangeError('betas must be a pair (beta1, beta2)');
    return [check('betas[0]', b[0], 0, 1, false, true), check('betas[1]', b[1], 0, 1, false, true)];
  }

  function opt(o, name, value) { return o && o[name] !== undefined ? o[name] : value; }

  // optimizers.SGD
  function SGD(o) {
    var self = {
      name: 'SGD',
      lr: check('lr', opt(o, 'lr', 1e-3), 0, undefined, true),
      momentum: check('momentum', opt(o, 'momentum', 0), 0, 1, false, true),
      dampening: check('dampening', opt(o, 'dampening', 0), 0, 1),
      weight_decay: check('weight_decay', opt(o, 'weight_decay', 0), 0),
      nesterov: Boolean(opt(o, 'nesterov', false)),
    };
    if (self.nesterov && (self.momentum === 0 || self.dampening !== 0)) {
      throw new RangeError('nesterov=True requires momentum > 0 and dampening == 0');
    }
    self.init = function (w) { return { t: 0, v: zeros(w.length) }; };
    return withDecay(self, function (w, g, s, lr) {
      var mu = self.momentum, v = s.v, n = w.length, out = new Array(n), i;
      if (mu) {  // torch clones g into the buffer at the first step
        v = new Array(n);
        for (i = 0; i < n; i++) v[i] = s.t === 0 ? g[i] : mu * s.v[i] + (1 - self.dampening) * g[i];
        var d = new Array(n);
        for (i = 0; i < n; i++) d[i] = self.nesterov ? g[i] + mu * v[i] : v[i];
        g = d;
      }
      for (i = 0; i < n; i++) out[i] = w[i] - lr * g[i];
      return [out, { t: s.t + 1, v: v }];
    });
  }

  // optimizers.Adagrad
  function Adagrad(o) {
    var self = {
      name: 'Adagrad',
      lr: check('lr', opt(o, 'lr', 1e-2), 0, undefined, true),
      lr_decay: check('lr_decay', opt(o, 'lr_decay', 0), 0),
      weight_decay: check('weight_decay', opt(o, 'weight_decay', 0), 0),
      initial_accumulator_value: check('initial_accumulator_value', opt(o, 'initial_accumulator_value', 0), 0),
      eps: check('eps', opt(o, 'eps', 1e-10), 0),
    };
    self.init = function (w) {
      var G = zeros(w.length);
      for (var i = 0; i < G.length; i++) G[i] += self.initial_accumulator_value;
      return { t: 0, G: G };
    };
    return withDecay(self, function (w, g, s, lr) {
      var t = s.t + 1, lr_t = lr / (1 + (t - 1) * self.lr_decay), n = w.length;
      var G = new Array(n), out = new Array(n);
      for (var i = 0; i < n; i++) {
        G[i] = s.G[i] + g[i] * g[i];
        out[i] = w[i] - lr_t * (g[i] / (Math.sqrt(G[i]) + self.eps));
      }
      return [out, { t: t, G: G }];
    });
  }

  // optimizers.RMSProp
  function RMSProp(o) {
    var self = {
      name: 'RMSProp',
      lr: check('lr', opt(o, 'lr', 1e-2), 0, undefined, true),
      alpha: check('alpha', opt(o, 'alpha', 0.99), 0, 1, false, true),
      eps: check('eps', opt(o, 'eps', 1e-8), 0),
      weight_decay: check('weight_decay', opt(o, 'weight_decay', 0), 0),
      momentum: check('momentum', opt(o, 'momentum', 0), 0, 1, false, true),
      centered: Boolean(opt(o, 'centered', false)),
    };
    self.init = function (w) {
      return { t: 0, v: zeros(w.length), gbar: zeros(w.length), b: zeros(w.length) };
    };
    return withDecay(self, function (w, g, s, lr) {
      var a = self.alpha, n = w.length, i;
      var v = new Array(n), gbar = self.centered ? new Array(n) : s.gbar, denom = new Array(n);
      for (i = 0; i < n; i++) {
        v[i] = a * s.v[i] + (1 - a) * (g[i] * g[i]);
        if (self.centered) gbar[i] = a * s.gbar[i] + (1 - a) * g[i];
        denom[i] = Math.sqrt(self.centered ? v[i] - gbar[i] * gbar[i] : v[i]) + self.eps;
      }
      var out = new Array(n);
      if (self.momentum > 0) {
        var b = new Array(n);
        for (i = 0; i < n; i++) {
          b[i] = self.momentum * s.b[i] + g[i] / denom[i];
          out[i] = w[i] - lr * b[i];
        }
        return [out, { t: s.t + 1, v: v, gbar: gbar, b: b }];
      }
      for (i = 0; i < n; i++) out[i] = w[i] - lr * (g[i] / denom[i]);
      return [out, { t: s.t + 1, v: v, gbar: gbar, b: s.b }];
    });
  }

  // optimizers.Adadelta
  function Adadelta(o) {
    var self = {
      name: 'Adadelta',
      lr: check('lr', opt(o, 'lr', 1.0), 0, undefined, true),
      rho: check('rho', opt(o, 'rho', 0.9), 0, 1),
      eps: check('eps', opt(o, 'eps', 1e-6), 0),
      weight_decay: check('weight_decay', opt(o, 'weight_decay', 0), 0),
    };
    self.init = function (w) { return { t: 0, v: zeros(w.length), u: zeros(w.length) }; };
    return withDecay(self, function (w, g, s, lr) {
      var rho = self.rho, eps = self.eps, n = w.length;
      var v = new Array(n), u = new Array(n), out = new Array(n);
      for (var i = 0; i < n; i++) {
        v[i] = rho * s.v[i] + (1 - rho) * (g[i] * g[i]);
        var delta = Math.sqrt(s.u[i] + eps) / Math.sqrt(v[i] + eps) * g[i];
        u[i] = rho * s.u[i] + (1 - rho) * (delta * delta);
        out[i] = w[i] - lr * delta;
      }
      return [out, { t: s.t + 1, v: v, u: u }];
    });
  }

  // optimizers.Adam
  function Adam(o) {
    var self = {
      name: 'Adam',
      lr: check('lr', opt(o, 'lr', 1e-3), 0, undefined, true),
      betas: betas(opt(o, 'betas', [0.9, 0.999])),
      eps: check('eps', opt(o, 'eps', 1e-8), 0),
      weight_decay: check('weight_decay', opt(o, 'weight_decay', 0), 0),
      amsgrad: Boolean(opt(o, 'amsgrad', false)),
    };
    self.init = function (w) {
      return { t: 0, m: zeros(w.length), v: zeros(w.length), v_max: zeros(w.length) };
    };
    return withDecay(self, function (w, g, s, lr) {
      var b1 = self.betas[0], b2 = self.betas[1], t = s.t + 1, n = w.length;
      var m = new Array(n), v = new Array(n), vmax = self.amsgrad ? new Array(n) : s.v_max;
      var out = new Array(n), bc2 = Math.sqrt(1 - Math.pow(b2, t)), step = lr / (1 - Math.pow(b1, t));
      for (var i = 0; i < n; i++) {
        m[i] = b1 * s.m[i] + (1 - b1) * g[i];
        v[i] = b2 * s.v[i] + (1 - b2) * (g[i] * g[i]);
        if (self.amsgrad) vmax[i] = Math.max(s.v_max[i], v[i]);
        var denom = Math.sqrt(self.amsgrad ? vmax[i] : v[i]) / bc2 + self.eps;
        out[i] = w[i] - step * (m[i] / denom);
      }
      return [out, { t: t, m: m, v: v, v_max: vmax }];
    });
  }

  // optimizers.Adamax
  function Adamax(o) {
    var self = {
      name: 'Adamax',
      lr: check('lr', opt(o, 'lr', 2e-3), 0, undefined, true),
      betas: betas(opt(o, 'betas', [0.9, 0.999])),
      eps: check('eps', opt(o, 'eps', 1e-8), 0),
      weight_decay: check('weight_decay', opt(o, 'weight_decay', 0), 0),
    };
    self.init = function (w) { return { t: 0, m: zeros(w.length), u: zeros(w.length) }; };
    return withDecay(self, function (w, g, s, lr) {
      var b1 = self.betas[0], b2 = self.betas[1], t = s.t + 1, n = w.length;
      var m = new Array(n), u = new Array(n), out = new Array(n), step = lr / (1 - Math.pow(b1, t));
      for (var i = 0; i < n; i++) {
        m[i] = b1 * s.m[i] + (1 - b1) * g[i];
        u[i] = Math.max(b2 * s.u[i], Math.abs(g[i]) + self.eps);
        out[i] = w[i] - step * (m[i] / u[i]);
      }
      return [out, { t: t, m: m, u: u }];
    });
  }

  // optimizers.Nadam
  function Nadam(o) {
    var self = {
      name: 'Nadam',
      lr: check('lr', opt(o, 'lr', 2e-3), 0, undefined, true),
      betas: betas(opt(o, 'betas', [0.9, 0.999])),
      eps: check('eps', opt(o, 'eps', 1e-8), 0),
      weight_decay: check('weight_decay', opt(o, 'weight_decay', 0), 0),
      momentum_decay: check('momentum_decay', opt(o, 'momentum_decay', 4e-3), 0),
    };
    self.init = function (w) { return { t: 0, m: zeros(w.length), v: zeros(w.length), mu_product: 1.0 }; };
    return withDecay(self, function (w, g, s, lr) {
      var b1 = self.betas[0], b2 = self.betas[1], t = s.t + 1, psi = self.momentum_decay;
      var mu = b1 * (1 - 0.5 * Math.pow(0.96, t * psi));
      var muNext = b1 * (1 - 0.5 * Math.pow(0.96, (t + 1) * psi));
      var P = s.mu_product * mu, n = w.length, m = new Array(n), v = new Array(n), out = new Array(n);
      var c1 = lr * (1 - mu) / (1 - P), c2 = lr * muNext / (1 - P * muNext);
      var bc2 = 1 - Math.pow(b2, t);
      for (var i = 0; i < n; i++) {
        m[i] = b1 * s.m[i] + (1 - b1) * g[i];
        v[i] = b2 * s.v[i] + (1 - b2) * (g[i] * g[i]);
        var d = Math.sqrt(v[i] / bc2) + self.eps;
        out[i] = w[i] - c1 * (g[i] / d) - c2 * (m[i] / d);
      }
      return [out, { t: t, m: m, v: v, mu_product: P }];
    });
  }

  var OPTIMIZERS = { SGD: SGD, Adagrad: Adagrad, RMSProp: RMSProp, Adadelta: Adadelta,
                     Adam: Adam, Adamax: Adamax, Nadam: Nadam };

  // --- schedules: course_utils.schedules ---------------------------------------------------
  var schedules = {
    constant: function (lr) { return function () { return lr; }; },
    step_decay: function (lr, stepSize, gamma) {
      return function (t) { return lr * Math.pow(gamma, Math.floor(t / stepSize)); };
    },
    exponential: function (lr, gamma) { return function (t) { return lr * Math.pow(gamma, t); }; },
    inverse_time: function (lr, decay) { return function (t) { return lr / (1 + decay * t); }; },
    cosine: function (lr, T, lrMin) {
      lrMin = lrMin || 0.0;
      return function (t) { return lrMin + (lr - lrMin) * (1 + Math.cos(Math.PI * Math.min(t, T) / T)) / 2; };
    },
    warmup: function (base, tw, f0) {
      f0 = f0 === undefined ? 1 / 3 : f0;
      return function (t) { return base(t) * (f0 + (1 - f0) * Math.min(t, tw) / tw); };
    },
  };
  schedules.warmup_cosine = function (lr, T) {
    return schedules.warmup(schedules.cosine(lr, T, 0.0), Math.max(1, Math.floor(T / 10)), 1 / 3);
  };

  // schedules.make_schedule
  function makeSchedule(name, lr, T) {
    check('lr', lr, 0, undefined, true);
    if (name === 'step') return schedules.step_decay(lr, Math.ceil(T / 3), 0.1);
    if (name === 'exponential') return schedules.exponential(lr, Math.pow(0.01, 1 / T));
    if (name === '1/t') return schedules.inverse_time(lr, 9 / T);
    if (name === 'cosine') return schedules.cosine(lr, T, 0.0);
    if (name === 'warmup+cosine') return schedules.warmup_cosine(lr, T);
    if (name === 'constant') return schedules.constant(lr);
    throw new RangeError('schedule must be one of constant, step, exponential, 1/t, cosine, ' +
                         'warmup+cosine, got ' + name);
  }

  // --- clipping: course_utils.clipping ---------------------------------------------------
  function maxAbs(g) {  // np.maximum.reduce(np.abs(g)): a nan anywhere gives nan
    var m = 0;
    for (var i = 0; i < g.length; i++) {
      var a = Math.abs(g[i]);
      if (a !== a) return NaN;
      if (a > m) m = a;
    }
    return m;
  }

  function globalNorm(g) {  // clipping.global_norm, with its scale factor
    var scale = maxAbs(g);
    if (scale === 0 || !isFinite(scale)) return scale;
    var sum = 0;
    for (var i = 0; i < g.length; i++) { var x = g[i] / scale; sum += x * x; }
    return scale * Math.sqrt(sum);
  }

  function clipByGlobalNorm(g, maxNorm) {  // clipping.clip_by_global_norm -> [clipped, norm]
    var norm = globalNorm(g), coef = Math.min(maxNorm / (norm + 1e-6), 1.0), out = new Array(g.length);
    for (var i = 0; i < g.length; i++) out[i] = g[i] * coef;
    return [out, norm];
  }

  // --- the stepping loop: optimizers.run on training.Descent -------------------------------
  /* run(optimizer, gradFn, w0, steps, {lossFn, schedule, clipNorm, bound}) follows
   * optimizers.run: step k takes eta_k = schedule(k) (or the optimizer's lr), the
   * gradient at w_k (clipped if asked) and the optimizer's update; the run stops,
   * diverged at k, at the first step whose gradient is not finite, whose new point is
   * not finite or leaves |w_i| <= bound, or whose loss is not finite. */
  function run(optimizer, gradFn, w0, steps, o) {
    o = o || {};
    var bound = o.bound === undefined ? 1e6 : o.bound, lossFn = o.lossFn, schedule = o.schedule;
    var w = w0.slice(), state = optimizer.init(w), points = [w], norms = [], divergedAt = null;
    var losses = lossFn ? [lossFn(w)] : null;
    for (var k = 0; k < steps; k++) {
      var lr = schedule ? check('schedule(' + k + ')', schedule(k), 0) : optimizer.lr;
      var g = gradFn(w), norm, gStep;
      if (o.clipNorm === undefined || o.clipNorm === null) {
        norm = globalNorm(g); gStep = g;
      } else {
        var c = clipByGlobalNorm(g, o.clipNorm); gStep = c[0]; norm = c[1];
      }
      var ok = isFinite(norm), next = null;
      if (ok) {
        next = optimizer.update(w, gStep, state, lr);
        var size = maxAbs(next[0]);
        ok = isFinite(size) && size <= bound;
      }
      if (!ok) { divergedAt = k; break; }
      var loss = lossFn ? lossFn(next[0]) : null;
      if (lossFn && !isFinite(loss)) { divergedAt = k; break; }
      w = next[0]; state = next[1];
      points.push(w); norms.push(norm);
      if (lossFn) losses.push(loss);
    }
    return { points: points, losses: losses, gradNorms: norms, diverged: divergedAt !== null,
             divergedAt: divergedAt, steps: points.length - 1 };
  }

  // --- surfaces: course_utils.surfaces (value, grad, hessian of w = [x, y]) ---------------
  function sigmoid(z) { var e = Math.exp(-Math.abs(z)); return (z >= 0 ? 1.0 : e) / (1.0 + e); }
  function softplus(z) { return Math.max(z, 0.0) + Math.log1p(Math.exp(-Math.abs(z))); }
  function sq(x) { return x * x; }

  /* surfaces._quadratic: E = 1/2 (w - c)^T H (w - c), H symmetrised as (H + H^T)/2;
   * bowl(lamMin, lamMax, angle) builds H = R diag(lamMin, lamMax) R^T in numpy's order. */
  function matmul2(A, B) {
    return [[A[0][0] * B[0][0] + A[0][1] * B[1][0], A[0][0] * B[0][1] + A[0][1] * B[1][1]],
            [A[1][0] * B[0][0] + A[1][1] * B[1][0], A[1][0] * B[0][1] + A[1][1] * B[1][1]]];
  }

  function quadratic(H, c, o) {
    o = o || {};
    var S = [[(H[0][0] + H[0][0]) / 2, (H[0][1] + H[1][0]) / 2],
             [(H[1][0] + H[0][1]) / 2, (H[1][1] + H[1][1]) / 2]];
    c = c || [0, 0];
    return {
      name: o.name || 'quadratic', H: S, center: c, bounds: o.bounds, start: o.start,
      minima: [c], eigenvalues: o.eigenvalues,
      value: function (w) {  // einsum('i,ij,j', d, H, d) / 2
        var d0 = w[0] - c[0], d1 = w[1] - c[1];
        return 0.5 * (d0 * S[0][0] * d0 + d0 * S[0][1] * d1 + d1 * S[1][0] * d0 + d1 * S[1][1] * d1);
      },
      grad: function (w) {  // (w - c) @ H
        var d0 = w[0] - c[0], d1 = w[1] - c[1];
        return [d0 * S[0][0] + d1 * S[1][0], d0 * S[0][1] + d1 * S[1][1]];
      },
      hessian: function () { return [S[0].slice(), S[1].slice()]; },
    };
  }

  function bowl(lamMin, lamMax, angle, o) {
    o = o || {};
    var cs = Math.cos(angle), sn = Math.sin(angle), R = [[cs, -sn], [sn, cs]];
    var H = matmul2(matmul2(R, [[lamMin, 0], [0, lamMax]]), [[cs, sn], [-sn, cs]]);
    var c = o.center || [0, 0];
    return quadratic(H, c, {
      name: o.name || 'bowl', eigenvalues: [lamMin, lamMax], start: o.start || [c[0] - 4, c[1] + 3],
      bounds: o.bounds || [[c[0] - 5, c[0] + 5], [c[1] - 5, c[1] + 5]],
    });
  }

  function surface(name, value, grad, hessian, start, minima, bounds) {
    return { name: name, value: value, grad: grad, hessian: hessian, start: start, minima: minima,
             bounds: bounds };
  }

  var WELL_M = [[2.0, 1.5], [-2.0, 2.0], [-1.8, -2.0], [2.2, -1.8]];
  var WELL_D = [2.0, 1.5, 1.2, 0.8], WELL_S = [0.8, 0.7, 0.9, 0.6];

  function wellParts(w) {
    var d = [], g = [];
    for (var k = 0; k < 4; k++) {
      var dk = [w[0] - WELL_M[k][0], w[1] - WELL_M[k][1]];
      d.push(dk);
      g.push(WELL_D[k] * Math.exp(-(dk[0] * dk[0] + dk[1] * dk[1]) / (2 * sq(WELL_S[k]))));
    }
    return [d, g];
  }

  var SURFACES = {
    saddle: surface('saddle',
      function (w) { var x = w[0], y = w[1]; return Math.pow(x, 4) / 4 - x * x / 2 + y * y / 2; },
      function (w) { var x = w[0]; return [Math.pow(x, 3) - x, w[1]]; },
      function (w) { return [[3 * (w[0] * w[0]) - 1, 0.0], [0.0, 1.0]]; },
      [0.001, 1.5], [[1.0, 0.0], [-1.0, 0.0]], [[-2.0, 2.0], [-2.0, 2.0]]),
    rosenbrock: surface('rosenbrock',
      function (w) { var x = w[0], y = w[1]; return sq(1 - x) + 100 * sq(y - x * x); },
      function (w) {
        var x = w[0], y = w[1];
        return [2 * (x - 1) - 400 * x * (y - x * x), 200 * (y - x * x)];
      },
      function (w) { var x = w[0], y = w[1]; return [[2 - 400 * y + 1200 * (x * x), -400 * x], [-400 * x, 200.0]]; },
      [-1.5, 2.0], [[1.0, 1.0]], [[-2.0, 2.0], [-1.0, 3.0]]),
    himmelblau: surface('himmelblau',
      function (w) { var x = w[0], y = w[1]; return sq(x * x + y - 11) + sq(x + y * y - 7); },
      function (w) {
        var x = w[0], y = w[1], u = x * x + y - 11, r = x + y * y - 7;
        return [4 * x * u + 2 * r, 2 * u + 4 * y * r];
      },
      function (w) {
        var x = w[0], y = w[1];
        return [[12 * (x * x) + 4 * y - 42, 4 * (x + y)], [4 * (x + y), 4 * x + 12 * (y * y) - 26]];
      },
      [-0.5, -1.5],
      [[3.0, 2.0], [-2.805118086952745, 3.131312518250573], [-3.779310253377747, -3.283185991286170],
       [3.584428340330492, -1.848126526964404]],
      [[-5.0, 5.0], [-5.0, 5.0]]),
    wells: surface('wells',
      function (w) {
        var p = wellParts(w), s = 0;
        for (var k = 0; k < 4; k++) s += p[1][k];
        return 0.05 * (w[0] * w[0] + w[1] * w[1]) - s;
      },
      function (w) {
        var p = wellParts(w), gx = 0, gy = 0;
        for (var k = 0; k < 4; k++) {
          var f = p[1][k] / sq(WELL_S[k]);
          gx += f * p[0][k][0]; gy += f * p[0][k][1];
        }
        return [0.1 * w[0] + gx, 0.1 * w[1] + gy];
      },
      function (w) {
        var p = wellParts(w), H = [[0, 0], [0, 0]];
        for (var k = 0; k < 4; k++) {
          var s2 = sq(WELL_S[k]), f = p[1][k] / s2, d = p[0][k];
          for (var i = 0; i < 2; i++) {
            for (var j = 0; j < 2; j++) H[i][j] += f * ((i === j ? 1 : 0) - d[i] * d[j] / s2);
          }
        }
        return [[0.1 + H[0][0], H[0][1]], [H[1][0], 0.1 + H[1][1]]];
      },
      [1.0, -1.0],
      [[1.9376986336893014, 1.4532733752790525], [-1.936198381597634, 1.9360903469779145],
       [-1.6841944071501105, -1.8713254148129448], [2.1030000575378374, -1.7195142401189245]],
      [[-4.0, 4.0], [-4.0, 4.0]]),
    cliff: surface('cliff',
      function (w) {
        var x = w[0], y = w[1];
        return x * x / 4 + y * y / 2 + 5 * (softplus(20 * (x - 1)) - softplus(20 * (x - 3)));
      },
      function (w) {
        var x = w[0];
        return [x / 2 + 100 * (sigmoid(20 * (x - 1)) - sigmoid(20 * (x - 3))), w[1]];
      },
      function (w) {
        var s1 = sigmoid(20 * (w[0] - 1)), s3 = sigmoid(20 * (w[0] - 3));
        return [[0.5 + 2000 * (s1 * (1 - s1) - s3 * (1 - s3)), 0.0], [0.0, 1.0]];
      },
      [5.0, 2.0], [[-4.122273249966882e-07, 0.0]], [[-9.0, 6.0], [-4.0, 4.0]]),
  };
  SURFACES.bowl = bowl(1.0, 4.0, Math.PI / 6, { name: 'bowl' });
  SURFACES.ravine = bowl(1.0, 100.0, Math.PI / 6, { name: 'ravine', start: [-4.0, -1.0],
                                                    bounds: [[-5.0, 5.0], [-4.0, 4.0]] });

  // surfaces._plateau: E separates in p = x + y and q = y - x
  function plateauPQ(x, y) {
    var t = 0.8, A = Math.tanh(x + y), B = Math.tanh(y - x);
    return [(A - t) * (1 - A * A), (B + t) * (1 - B * B),
            (1 - A * A) * ((1 - A * A) - 2 * A * (A - t)), (1 - B * B) * ((1 - B * B) - 2 * B * (B + t))];
  }
  SURFACES.plateau = surface('plateau',
    function (w) { var x = w[0], y = w[1]; return 0.5 * sq(Math.tanh(x + y) - 0.8) + 0.5 * sq(Math.tanh(y - x) + 0.8); },
    function (w) { var d = plateauPQ(w[0], w[1]); return [d[0] - d[1], d[0] + d[1]]; },
    function (w) { var d = plateauPQ(w[0], w[1]); return [[d[2] + d[3], d[2] - d[3]], [d[2] - d[3], d[2] + d[3]]]; },
    [-3.0, -0.5], [[Math.log(3.0), 0.0]], [[-4.0, 3.0], [-3.5, 3.5]]);

  // --- least squares: course_utils.least_squares, with the batches shipped -------------------
  /* A problem is {X: [[x0, x1], ...], y: [...], H, w_star}. The batches of
   * least_squares.minibatch_gradients are chunks of B indices of one shuffled epoch
   * after another; the permutations (numpy's, seeded) come from course_utils. */
  function batchGradient(X, y, idx, w) {  // X_B^T (X_B w - y_B) / B
    var B = idx.length, r = new Array(B), g0 = 0, g1 = 0, j;
    for (j = 0; j < B; j++) { var x = X[idx[j]]; r[j] = x[0] * w[0] + x[1] * w[1] - y[idx[j]]; }
    for (j = 0; j < B; j++) { g0 += X[idx[j]][0] * r[j]; g1 += X[idx[j]][1] * r[j]; }
    return [g0 / B, g1 / B];
  }

  function minibatchGradients(problem, B, perms) {
    var N = problem.X.length, epoch = 0, start = 0, all = [];
    for (var i = 0; i < N; i++) all.push(i);
    if (B === undefined || B === null) B = N;
    return function (w) {
      if (start >= N) { epoch += 1; start = 0; }
      if (epoch >= perms.length) throw new RangeError('the page holds ' + perms.length + ' epochs of batches, a run asked for more');
      var idx = perms[epoch].slice(start, start + B);
      start += B;
      return batchGradient(problem.X, problem.y, idx, w);
    };
  }

  function fullGradient(problem) {  // X^T (X w - y) / N, no shuffle (momentum_path, B = N)
    var all = [];
    for (var i = 0; i < problem.X.length; i++) all.push(i);
    return function (w) { return batchGradient(problem.X, problem.y, all, w); };
  }

  function excessLoss(problem) {  // 0.5 * d @ H @ d, d = w - w*
    var H = problem.H, c = problem.w_star;
    return function (w) {
      var d0 = w[0] - c[0], d1 = w[1] - c[1];
      var u0 = d0 * H[0][0] + d1 * H[1][0], u1 = d0 * H[0][1] + d1 * H[1][1];
      return 0.5 * (u0 * d0 + u1 * d1);
    };
  }

  /* ch04 noisy.noisy_gradient: the exact gradient plus s_B xi, the normal draws xi
   * shipped (one pair per call, the same for every B). */
  function noisyGradient(grad, s, xi) {
    var k = 0;
    return function (w) {
      if (k >= xi.length) throw new RangeError('the page holds ' + xi.length + ' noise draws, a run asked for more');
      var g = grad(w), z = xi[k++], out = new Array(g.length);
      for (var i = 0; i < g.length; i++) out[i] = g[i] + s * z[i];
      return out;
    };
  }

  // ch03 stochastic.standard_error: sigma / sqrt(B) * sqrt((N - B) / (N - 1))
  function standardError(sigma, B, N) {
    var se = sigma / Math.sqrt(B);
    return N === undefined ? se : se * Math.sqrt((N - B) / (N - 1));
  }

  // --- momentum on a quadratic: ch05 theory and dynamics ----------------------------------
  function coefficients(h, beta, nesterov) {  // dynamics._coefficients: z^2 - a z + c
    return nesterov ? [(1 + beta) * (1 - h), beta * (1 - h)] : [1 + beta - h, beta + 0 * h];
  }

  function radius(a, c) {  // theory._radius
    var disc = a * a - 4 * c;
    return disc < 0 ? Math.sqrt(Math.abs(c)) : (Math.abs(a) + Math.sqrt(Math.max(disc, 0.0))) / 2;
  }

  function momentumRate(lr, beta, lams, nesterov) {  // theory.heavy_ball_rate / nesterov_rate
    var best = -Infinity;
    for (var i = 0; i < lams.length; i++) {
      var ac = coefficients(lr * lams[i], beta, nesterov);
      best = Math.max(best, radius(ac[0], ac[1]));
    }
    return best;
  }

  function maxStableLr(beta, lamMax, nesterov) {  // theory.max_stable_lr
    return (nesterov ? (2 + 2 * beta) / (1 + 2 * beta) : 2 + 2 * beta) / lamMax;
  }

  /* dynamics.iteration_eigenvalues: z = (a +- sqrt(a^2 - 4c)) / 2, larger modulus first,
   * as [[re, im], [re, im]]. */
  function iterationEigenvalues(h, beta, nesterov) {
    var ac = coefficients(h, beta, nesterov), a = ac[0], c = ac[1], disc = a * a - 4 * c;
    var sign = a < 0 ? -1.0 : 1.0;
    if (disc >= 0) {
      var r = Math.sqrt(disc);
      return [[(a + sign * r) / 2, 0], [(a - sign * r) / 2, 0]];
    }
    var im = Math.sqrt(-disc);
    return [[a / 2, sign * im / 2], [a / 2, -sign * im / 2]];
  }

  function regime(h, beta) {  // dynamics.regime
    if (h >= 2 + 2 * beta) return 'divergent';
    if (!(beta <= sq(1 - Math.sqrt(h)))) return 'oscillating';
    return h <= 1 ? 'monotone' : 'sign-flipping';
  }

  function eigenErrors(h, beta, x0, steps, nesterov) {  // dynamics.eigen_errors, lr = 1, lam = h
    var ac = coefficients(h, beta, nesterov), a = ac[0], c = ac[1];
    var first = 1.0 * h * (nesterov ? 1 + beta : 1.0);
    var xs = [x0, (1 - first) * x0];
    for (var k = 0; k < steps - 1; k++) xs.push(a * xs[xs.length - 1] - c * xs[xs.length - 2]);
    return xs.slice(0, steps + 1);
  }

  // --- data shipped by course_utils: numbers in base64, bit for bit ---------------------------
  function bytes(text) {
    if (typeof atob === 'function') {
      var s = atob(text), out = new Uint8Array(s.length);
      for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
      return out;
    }
    return new Uint8Array(Buffer.from(text, 'base64'));  // Node
  }

  /* decode({dtype, shape, data}) -> nested arrays: the arrays that course_utils ships
   * (widgets.page.encode), float64 little-endian or small unsigned integers. */
  function decode(spec) {
    if (spec === null || typeof spec !== 'object' || !spec.dtype) return spec;
    var raw = bytes(spec.data), flat;
    if (spec.dtype === 'float64') {
      var view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      flat = new Array(raw.byteLength / 8);
      for (var i = 0; i < flat.length; i++) flat[i] = view.getFloat64(8 * i, true);
    } else if (spec.dtype === 'uint8') {
      flat = Array.prototype.slice.call(raw);
    } else if (spec.dtype === 'uint16') {
      var v16 = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      flat = new Array(raw.byteLength / 2);
      for (var j = 0; j < flat.length; j++) flat[j] = v16.getUint16(2 * j, true);
    } else {
      throw new RangeError('unknown dtype ' + spec.dtype);
    }
    return reshape(flat, spec.shape);
  }

  function reshape(flat, shape) {
    if (shape.length <= 1) return flat;
    var inner = 1;
    for (var i = 1; i < shape.length; i++) inner *= shape[i];
    var out = [];
    for (var k = 0; k < shape[0]; k++) out.push(reshape(flat.slice(k * inner, (k + 1) * inner), shape.slice(1)));
    return out;
  }

  return {
    check: check, OPTIMIZERS: OPTIMIZERS, SGD: SGD, Adagrad: Adagrad, RMSProp: RMSProp,
    Adadelta: Adadelta, Adam: Adam, Adamax: Adamax, Nadam: Nadam,
    schedules: schedules, makeSchedule: makeSchedule,
    globalNorm: globalNorm, clipByGlobalNorm: clipByGlobalNorm, run: run,
    SURFACES: SURFACES, quadratic: quadratic, bowl: bowl,
    batchGradient: batchGradient, minibatchGradients: minibatchGradients, fullGradient: fullGradient,
    excessLoss: excessLoss, noisyGradient: noisyGradient, standardError: standardError,
    momentumRate: momentumRate, maxStableLr: maxStableLr, iterationEigenvalues: iterationEigenvalues,
    regime: regime, eigenErrors: eigenErrors, decode: decode,
  };
});
