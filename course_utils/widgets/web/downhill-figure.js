/* A small SVG plotting kit for the page's explorers: axes with linear or log scales,
 * ticks and labels, lines, markers, text, legends, contour lines (marching squares) and
 * filled bands (a raster at the screen's pixel ratio, under the lines).
 *
 * Everything is drawn in CSS pixels at the size the figure has on the page, so text
 * keeps its size on a phone (the explorers lay their panels out for the width they
 * get) and lines stay crisp at any pixel ratio. Each axes has a static layer (drawn
 * once per layout) and a dynamic one (cleared at every redraw). No dependency.
 */
(function (root, factory) {
  'use strict';
  var api = factory();
  if (typeof module === 'object' && module.exports) module.exports = api;
  else { root.Downhill = root.Downhill || {}; root.Downhill.figure = api; }
})(typeof globalThis !== 'undefined' ? globalThis : this, function () {
  'use strict';

  var SVG = 'http://www.w3.org/2000/svg';
  // course_utils.plotting.COLORS: the Okabe–Ito palette
  var COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];
  var FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
  var SIZE = { tick: 11, label: 12, title: 12.5, note: 11, legend: 11 };

  function el(tag, attrs, parent) {
    var node = document.createElementNS(SVG, tag);
    for (var k in attrs) if (attrs[k] !== undefined && attrs[k] !== null) node.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(node);
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  var measurer = null;
  function textWidth(text, size, weight) {  // for legends and boxes, before the text is placed
    if (typeof document === 'undefined') return text.length * size * 0.55;
    measurer = measurer || document.createElement('canvas').getContext('2d');
    measurer.font = (weight || 'normal') + ' ' + size + 'px ' + FONT;
    return measurer.measureText(text).width;
  }

  // --- numbers as text ---------------------------------------------------------------------
  /* Python's format(x, '.Ng'): N significant digits, exponent form below 1e-4 or at
   * 10**N and beyond, trailing zeros dropped (as the live sliders' readouts show). */
  function fmtG(x, digits) {
    digits = digits || 3;
    if (!isFinite(x)) return x !== x ? 'nan' : (x > 0 ? 'inf' : '-inf');
    if (x === 0) return '0';
    var exp = Math.floor(Math.log10(Math.abs(x)));
    var rounded = Number(x.toPrecision(digits));
    exp = Math.floor(Math.log10(Math.abs(rounded)));
    if (exp < -4 || exp >= digits) {
      var m = (rounded / Math.pow(10, exp)).toFixed(digits - 1).replace(/\.?0+$/, '');
      return m + 'e' + (exp < 0 ? '-' : '+') + (Math.abs(exp) < 10 ? '0' : '') + Math.abs(exp);
    }
    return rounded.toFixed(Math.max(0, digits - 1 - exp)).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  }

  var SUPERSCRIPT = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶',
                      '7': '⁷', '8': '⁸', '9': '⁹' };
  function power10(e) {  // 10⁻³
    if (e === 0) return '1';
    if (e === 1) return '10';
    return '10' + String(e).split('').map(function (c) { return SUPERSCRIPT[c]; }).join('');
  }

  // --- ticks -------------------------------------------------------------------------------
  function niceTicks(lo, hi, approx) {
    var span = hi - lo, raw = span / Math.max(1, approx), mag = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 2.5, 5, 10].map(function (m) { return m * mag; })
      .find(function (s) { return s >= raw; }) || 10 * mag;
    var ticks = [], start = Math.ceil(lo / step - 1e-9);
    for (var k = start; k * step <= hi + 1e-9 * span; k++) ticks.push(Number((k * step).toPrecision(12)));
    return ticks;
  }

  function logTicks(lo, hi, maxTicks) {
    var a = Math.ceil(Math.log10(lo) - 1e-9), b = Math.floor(Math.log10(hi) + 1e-9);
    var every = Math.max(1, Math.ceil((b - a + 1) / (maxTicks || 7))), out = [];
    for (var e = a; e <= b; e++) if ((e - a) % every === 0) out.push(Math.pow(10, e));
    return out;
  }

  // --- clipping a polyline to a box (Liang–Barsky), so that far points draw sanely ----------
  function clipSegment(x0, y0, x1, y1, box) {
    var t0 = 0, t1 = 1, dx = x1 - x0, dy = y1 - y0;
    var p = [-dx, dx, -dy, dy], q = [x0 - box[0], box[2] - x0, y0 - box[1], box[3] - y0];
    for (var i = 0; i < 4; i++) {
      if (p[i] === 0) { if (q[i] < 0) return null; continue; }
      var r = q[i] / p[i];
      if (p[i] < 0) { if (r > t1) return null; if (r > t0) t0 = r; } else { if (r < t0) return null; if (r < t1) t1 = r; }
    }
    return [x0 + t0 * dx, y0 + t0 * dy, x0 + t1 * dx, y0 + t1 * dy];
  }

  function r1(v) { return Math.round(v * 10) / 10; }

  // --- axes ----------------------------------------------------------------------------------
  /* Axes(fig, rect, o): rect = {x, y, w, h} in CSS px; o: xlim, ylim, xscale, yscale
   * ('linear' or 'log'), xlabel, ylabel, title, xticks, yticks (values, or [values,
   * labels]), equal (same units on both axes, the box shrunk to fit), grid. */
  function Axes(fig, rect, o) {
    this.fig = fig;
    this.o = o;
    this.xscale = o.xscale || 'linear';
    this.yscale = o.yscale || 'linear';
    this.xlim = o.xlim;
    this.ylim = o.ylim;
    if (o.equal) {
      var sx = rect.w / (o.xlim[1] - o.xlim[0]), sy = rect.h / (o.ylim[1] - o.ylim[0]), s = Math.min(sx, sy);
      var w = s * (o.xlim[1] - o.xlim[0]), h = s * (o.ylim[1] - o.ylim[0]);
      rect = { x: rect.x + (rect.w - w) / 2, y: rect.y + (rect.h - h) / 2, w: w, h: h };
    }
    this.rect = rect;
    this.id = fig.uid + '-ax' + fig.axes.length;
    fig.axes.push(this);
    var defs = el('defs', {}, fig.static);
    var cp = el('clipPath', { id: this.id + '-clip' }, defs);
    el('rect', { x: rect.x, y: rect.y, width: rect.w, height: rect.h }, cp);
    this.back = el('g', {}, fig.static);
    this.staticData = el('g', { 'clip-path': 'url(#' + this.id + '-clip)' }, fig.static);
    this.keptData = el('g', { 'clip-path': 'url(#' + this.id + '-clip)' }, fig.static);
    this.frameLayer = el('g', {}, fig.static);
    this.dynamicData = el('g', { 'clip-path': 'url(#' + this.id + '-clip)' }, fig.dynamic);
    this.dynamicFree = el('g', {}, fig.dynamic);
    this.drawFrame();
  }

  Axes.prototype.X = function (x) {
    var a = this.xlim[0], b = this.xlim[1];
    var t = this.xscale === 'log' ? (Math.log10(x) - Math.log10(a)) / (Math.log10(b) - Math.log10(a))
      : (x - a) / (b - a);
    return this.rect.x + t * this.rect.w;
  };
  Axes.prototype.Y = function (y) {
    var a = this.ylim[0], b = this.ylim[1];
    var t = this.yscale === 'log' ? (Math.log10(y) - Math.log10(a)) / (Math.log10(b) - Math.log10(a))
      : (y - a) / (b - a);
    return this.rect.y + this.rect.h - t * this.rect.h;
  };
  // from pixels back to data (a pointer on the axes)
  Axes.prototype.invert = function (px, py) {
    var tx = (px - this.rect.x) / this.rect.w, ty = 1 - (py - this.rect.y) / this.rect.h;
    function back(t, lim, scale) {
      if (scale === 'log') return Math.pow(10, Math.log10(lim[0]) + t * (Math.log10(lim[1]) - Math.log10(lim[0])));
      return lim[0] + t * (lim[1] - lim[0]);
    }
    return [back(tx, this.xlim, this.xscale), back(ty, this.ylim, this.yscale)];
  };

  Axes.prototype.ticks = function (axis) {
    var o = this.o, given = axis === 'x' ? o.xticks : o.yticks, lim = axis === 'x' ? this.xlim : this.ylim;
    var scale = axis === 'x' ? this.xscale : this.yscale, values, labels;
    if (given && given.length === 2 && Array.isArray(given[0])) { values = given[0]; labels = given[1]; }
    else if (given) { values = given; }
    else if (scale === 'log') { values = logTicks(lim[0], lim[1], axis === 'x' ? 6 : Math.max(3, Math.floor(this.rect.h / 28))); }
    else { values = niceTicks(lim[0], lim[1], axis === 'x' ? Math.max(2, Math.floor(this.rect.w / 60)) : Math.max(2, Math.floor(this.rect.h / 40))); }
    if (!labels) {
      labels = values.map(function (v) {
        return scale === 'log' ? power10(Math.round(Math.log10(v))) : fmtG(v, 4).replace('-', '−');
      });
    }
    return [values, labels];
  };

  Axes.prototype.drawFrame = function () {
    var r = this.rect, o = this.o, f = this.frameLayer, self = this;
    el('rect', { x: r.x, y: r.y, width: r.w, height: r.h, fill: o.background || '#fff' }, this.back);
    var xt = this.ticks('x'), yt = this.ticks('y');
    xt[0].forEach(function (v, i) {
      var x = r1(self.X(v));
      if (x < r.x - 0.5 || x > r.x + r.w + 0.5) return;
      if (o.grid) el('line', { x1: x, x2: x, y1: r.y, y2: r.y + r.h, stroke: '#e4e4e4' }, self.back);
      el('line', { x1: x, x2: x, y1: r.y + r.h, y2: r.y + r.h + 4, stroke: '#333' }, f);
      text(f, x, r.y + r.h + 6 + SIZE.tick, xt[1][i], { anchor: 'middle', size: SIZE.tick });
    });
    yt[0].forEach(function (v, i) {
      var y = r1(self.Y(v));
      if (y < r.y - 0.5 || y > r.y + r.h + 0.5) return;
      if (o.grid) el('line', { x1: r.x, x2: r.x + r.w, y1: y, y2: y, stroke: '#e4e4e4' }, self.back);
      el('line', { x1: r.x - 4, x2: r.x, y1: y, y2: y, stroke: '#333' }, f);
      text(f, r.x - 6, y + SIZE.tick * 0.35, yt[1][i], { anchor: 'end', size: SIZE.tick });
    });
    el('rect', { x: r.x, y: r.y, width: r.w, height: r.h, fill: 'none', stroke: '#333', 'stroke-width': 0.8 }, f);
    if (o.xlabel) text(f, r.x + r.w / 2, r.y + r.h + 10 + SIZE.tick + SIZE.label, o.xlabel, { anchor: 'middle', size: SIZE.label });
    if (o.ylabel) {
      var widest = Math.max.apply(null, yt[1].map(function (s) { return textWidth(String(s), SIZE.tick); }).concat([0]));
      var x = r.x - widest - 12;
      text(f, x, r.y + r.h / 2, o.ylabel, { anchor: 'middle', size: SIZE.label, rotate: -90 });
    }
    if (o.title) text(f, r.x + r.w / 2, r.y - 7, o.title, { anchor: 'middle', size: SIZE.title, weight: 600 });
  };

  function points(ax, xs, ys) {
    var pts = [];
    for (var i = 0; i < xs.length; i++) {
      var px = ax.X(xs[i]), py = ax.Y(ys[i]);
      pts.push(isFinite(px) && isFinite(py) ? [px, py] : null);
    }
    return pts;
  }

  // A path through the points (gaps at non-finite ones), clipped to a margin around the axes.
  Axes.prototype.pathData = function (xs, ys) {
    var pts = points(this, xs, ys), r = this.rect, m = 20;
    var box = [r.x - m, r.y - m, r.x + r.w + m, r.y + r.h + m], d = [], last = null;
    for (var i = 1; i < pts.length; i++) {
      var a = pts[i - 1], b = pts[i];
      if (!a || !b) { last = null; continue; }
      var s = clipSegment(a[0], a[1], b[0], b[1], box);
      if (!s) { last = null; continue; }
      if (!last || last[0] !== s[0] || last[1] !== s[1]) d.push('M' + r1(s[0]) + ' ' + r1(s[1]));
      d.push('L' + r1(s[2]) + ' ' + r1(s[3]));
      last = [s[2], s[3]];
    }
    if (pts.length === 1 && pts[0]) d.push('M' + r1(pts[0][0]) + ' ' + r1(pts[0][1]));
    return d.join('');
  };

  /* Drawing that changes less often than the picture (contours that follow one control of
   * several): draw(layer) draws into a layer under the picture's data, and runs again only
   * when key differs from the last call's; fig.clear() keeps that layer. */
  Axes.prototype.kept = function (key, draw) {
    if (this.keptKey === key) return;
    clear(this.keptData);
    this.keptKey = key;
    draw(this.keptData);
  };

  Axes.prototype.layer = function (o) { return o && o.static ? this.staticData : this.dynamicData; };

  Axes.prototype.line = function (xs, ys, o) {
    o = o || {};
    return el('path', {
      d: this.pathData(xs, ys), fill: 'none', stroke: o.color || '#000', 'stroke-width': o.width || 1.5,
      'stroke-dasharray': o.dash, 'stroke-opacity': o.opacity, 'stroke-linejoin': 'round',
      'stroke-linecap': o.cap || 'butt', 'vector-effect': 'non-scaling-stroke',
    }, o.layer || this.layer(o));
  };

  var SHAPES = {
    o: function (s) { var r = s / 2; return 'M' + (-r) + ' 0a' + r + ' ' + r + ' 0 1 0 ' + s + ' 0a' + r + ' ' + r + ' 0 1 0 ' + (-s) + ' 0Z'; },
    X: function (s) {
      var a = s / 2, b = s / 6;
      return 'M' + (-a) + ' ' + (-a + b) + 'L' + (-a + b) + ' ' + (-a) + 'L0 ' + (-b) + 'L' + (a - b) + ' ' + (-a) +
        'L' + a + ' ' + (-a + b) + 'L' + b + ' 0L' + a + ' ' + (a - b) + 'L' + (a - b) + ' ' + a + 'L0 ' + b +
        'L' + (-a + b) + ' ' + a + 'L' + (-a) + ' ' + (a - b) + 'L' + (-b) + ' 0Z';
    },
    '*': function (s) {
      var d = '';
      for (var i = 0; i < 10; i++) {
        var r = i % 2 ? s * 0.22 : s * 0.55, t = -Math.PI / 2 + i * Math.PI / 5;
        d += (i ? 'L' : 'M') + r1(r * Math.cos(t)) + ' ' + r1(r * Math.sin(t));
      }
      return d + 'Z';
    },
    '^': function (s) { var a = s / 2; return 'M0 ' + (-a) + 'L' + a + ' ' + a + 'L' + (-a) + ' ' + a + 'Z'; },
    v: function (s) { var a = s / 2; return 'M0 ' + a + 'L' + a + ' ' + (-a) + 'L' + (-a) + ' ' + (-a) + 'Z'; },
  };

  // Markers at data points: shape 'o', 'X', '*', '^', 'v'; size in px; fill, edge.
  Axes.prototype.markers = function (xs, ys, o) {
    o = o || {};
    var d = relativeShapes(points(this, xs, ys), SHAPES[o.shape || 'o'](o.size || 5), this.rect);
    if (!d) return null;
    var parent = o.layer || (o.clip === false ? (o.static ? this.frameLayer : this.dynamicFree) : this.layer(o));
    return el('path', { d: d, fill: o.fill || o.color || '#000', stroke: o.edge || 'none',
                        'stroke-width': o.edgeWidth || 1, 'fill-opacity': o.opacity }, parent);
  };

  function relativeShapes(pts, shape, r) {
    // shape is an absolute path around (0, 0); translate it to each point
    var out = [];
    for (var i = 0; i < pts.length; i++) {
      var p = pts[i];
      if (!p || p[0] < r.x - 10 || p[0] > r.x + r.w + 10 || p[1] < r.y - 10 || p[1] > r.y + r.h + 10) continue;
      out.push(translatePath(shape, p[0], p[1]));
    }
    return out.join('');
  }

  function translatePath(d, dx, dy) {
    // absolute commands M/L with x y pairs, arcs 'a' relative (unchanged), Z
    return d.replace(/([ML])(-?[\d.e]+) (-?[\d.e]+)/g, function (all, c, x, y) {
      return c + r1(Number(x) + dx) + ' ' + r1(Number(y) + dy);
    });
  }

  /* Text at (x, y): coords 'data' (default) or 'axes' (0..1 across the axes) or 'px';
   * anchor start/middle/end; box: a white box behind it (with a coloured edge); fit: the
   * most px it may take across (its size shrinks to fit, to 9 px at least). */
  Axes.prototype.text = function (x, y, str, o) {
    o = o || {};
    var r = this.rect, px, py;
    if (o.coords === 'axes') { px = r.x + x * r.w; py = r.y + (1 - y) * r.h; }
    else if (o.coords === 'px') { px = x; py = y; }
    else { px = this.X(x); py = this.Y(y); }
    return text(o.layer || (o.static ? this.frameLayer : this.dynamicFree), px + (o.dx || 0), py + (o.dy || 0), str, o);
  };

  function text(parent, x, y, str, o) {
    o = o || {};
    var size = o.size || SIZE.note, lines = String(str).split('\n'), g = parent;
    if (o.fit) {  // at most o.fit px wide: a smaller size, down to 9 px
      var widest = Math.max.apply(null, lines.map(function (l) { return textWidth(l, size, o.weight); }));
      if (widest > o.fit) size = Math.max(9, Math.floor(10 * size * o.fit / widest) / 10);
    }
    if (o.box) {
      var w = Math.max.apply(null, lines.map(function (l) { return textWidth(l, size, o.weight); }));
      var h = lines.length * size * 1.25, pad = 3;
      var left = o.anchor === 'middle' ? x - w / 2 : o.anchor === 'end' ? x - w : x;
      var top = o.valign === 'top' ? y : o.valign === 'middle' ? y - h / 2 : y - h;
      g = el('g', {}, parent);
      el('rect', { x: r1(left - pad), y: r1(top - pad), width: r1(w + 2 * pad), height: r1(h + 2 * pad), rx: 3,
                   fill: '#fff', 'fill-opacity': 0.9, stroke: o.box === true ? 'none' : o.box }, g);
      y = top + size * 0.95;
    } else if (o.valign === 'top') {
      y += size * 0.95;
    } else if (o.valign === 'middle') {
      y += size * 0.35 - (lines.length - 1) * size * 0.625;
    } else if (lines.length > 1) {
      y -= (lines.length - 1) * size * 1.25;
    }
    var node = el('text', {
      x: r1(x), y: r1(y), 'font-size': size, 'text-anchor': o.anchor || 'start', fill: o.color || '#222',
      'font-weight': o.weight, 'font-style': o.italic ? 'italic' : undefined,
      transform: o.rotate ? 'rotate(' + o.rotate + ' ' + r1(x) + ' ' + r1(y) + ')' : undefined,
    }, g);
    if (lines.length === 1) node.textContent = str;
    else lines.forEach(function (l, i) { var t = el('tspan', { x: r1(x), dy: i ? size * 1.25 : 0 }, node); t.textContent = l; });
    return node;
  }

  // An arrow from (x0, y0) to (x1, y1) in data coordinates, its head a filled triangle.
  Axes.prototype.arrow = function (x0, y0, x1, y1, o) {
    o = o || {};
    var ax = this.X(x0), ay = this.Y(y0), bx = this.X(x1), by = this.Y(y1), color = o.color || '#000';
    var len = Math.hypot(bx - ax, by - ay), head = Math.min(o.head || 11, 0.8 * len);
    if (!(len > 0.5)) return null;
    var ux = (bx - ax) / len, uy = (by - ay) / len, cx = bx - ux * head, cy = by - uy * head;
    var layer = o.layer || this.layer(o), w = head * 0.45;
    var s = clipSegment(ax, ay, cx, cy, [-1e4, -1e4, 1e4, 1e4]);
    if (s) el('line', { x1: r1(s[0]), y1: r1(s[1]), x2: r1(s[2]), y2: r1(s[3]), stroke: color, 'stroke-width': o.width || 2 }, layer);
    if (Math.abs(bx) < 1e4 && Math.abs(by) < 1e4) {
      el('path', { d: 'M' + r1(bx) + ' ' + r1(by) + 'L' + r1(cx - uy * w) + ' ' + r1(cy + ux * w) + 'L' +
                      r1(cx + uy * w) + ' ' + r1(cy - ux * w) + 'Z', fill: color }, layer);
    }
    return true;
  };

  Axes.prototype.hline = function (y, o) { return this.line(this.xlim, [y, y], o); };
  Axes.prototype.vline = function (x, o) { return this.line([x, x], this.ylim, o); };

  /* A legend: entries {label, color, dash, width, marker, fill}; loc 'upper right',
   * 'upper left', 'lower left', 'lower right'. */
  Axes.prototype.legend = function (entries, o) {
    o = o || {};
    var size = o.size || SIZE.legend, r = this.rect, pad = 5, row = size * 1.35, sw = 22;
    var w = Math.max.apply(null, entries.map(function (e) { return textWidth(e.label, size); })) + sw + 3 * pad;
    w = Math.min(w, r.w - 8);
    var h = entries.length * row + pad, loc = o.loc || 'upper right';
    var x = loc.indexOf('right') >= 0 ? r.x + r.w - w - 4 : r.x + 4;
    var y = loc.indexOf('upper') >= 0 ? r.y + 4 : r.y + r.h - h - 4;
    var g = el('g', {}, o.static ? this.frameLayer : this.dynamicFree);
    el('rect', { x: r1(x), y: r1(y), width: r1(w), height: r1(h), rx: 3, fill: '#fff', 'fill-opacity': 0.92,
                 stroke: '#ccc' }, g);
    entries.forEach(function (e, i) {
      var cy = y + pad + row * i + row / 2 - 1;
      if (e.fill) {
        el('rect', { x: r1(x + pad), y: r1(cy - 5), width: sw, height: 10, fill: e.fill, stroke: e.edge || 'none' }, g);
      } else if (e.width !== 0) {
        el('line', { x1: r1(x + pad), x2: r1(x + pad + sw), y1: r1(cy), y2: r1(cy), stroke: e.color,
                     'stroke-width': e.width || 1.5, 'stroke-dasharray': e.dash }, g);
      }
      if (e.marker) {
        el('path', { d: translatePath(SHAPES[e.marker](e.markerSize || 7), x + pad + sw / 2, cy),
                     fill: e.markerFill || e.color, stroke: e.markerEdge || 'none' }, g);
      }
      text(g, x + 2 * pad + sw, cy + size * 0.35, e.label, { size: size });
    });
    return g;
  };

  // --- contours ------------------------------------------------------------------------------
  /* Contour lines of Z (rows over ys, columns over xs) at level: marching squares, the
   * segments joined into polylines (so that dashes run on). Returns [[xs], [ys]] pairs.
   * A crossing point is named by the grid edge it lies on (an integer), so that the
   * segments of neighbouring cells join by that name, not by a string of its coordinates. */
  var SADDLE = { 5: [[3, 2], [1, 0]], 10: [[0, 3], [2, 1]] };  // centre above the level
  var SADDLE_LOW = { 5: [[3, 0], [1, 2]], 10: [[0, 1], [2, 3]] };
  // edges of a cell: 0 bottom, 1 right, 2 top, 3 left; the segments of each corner case
  var CASES = { 1: [[3, 0]], 2: [[0, 1]], 3: [[3, 1]], 4: [[1, 2]], 6: [[0, 2]], 7: [[3, 2]],
                8: [[2, 3]], 9: [[2, 0]], 11: [[2, 1]], 12: [[1, 3]], 13: [[1, 0]], 14: [[0, 3]] };
  function contourLines(Z, xs, ys, level) { return contourLevels(Z, xs, ys, [level])[0]; }

  /* The contour lines of several levels in one pass over the cells: a cell whose corners
   * are all finite crosses level v when min(corners) <= v < max(corners), which is when
   * its corner case (which corners lie above v) is neither 0 nor 15. Returns, level by
   * level, what contourLines returns for it: the same segments in the same order. */
  function contourLevels(Z, xs, ys, levels) {
    var ny = ys.length, nx = xs.length;
    var order = [], segs = levels.map(function () { return []; });
    levels.forEach(function (v, k) { if (isFinite(v)) order.push(k); });  // a level of NaN has no line
    order.sort(function (a, b) { return levels[a] - levels[b]; });
    var sorted = order.map(function (k) { return levels[k]; }), n = sorted.length;
    for (var i = 0; i < ny - 1; i++) {
      var row = Z[i], up = Z[i + 1];
      for (var j = 0; j < nx - 1; j++) {
        var z0 = row[j], z1 = row[j + 1], z2 = up[j + 1], z3 = up[j];
        if (!(isFinite(z0) && isFinite(z1) && isFinite(z2) && isFinite(z3))) continue;
        var lo = Math.min(z0, z1, z2, z3), hi = Math.max(z0, z1, z2, z3);
        var a = 0, b = n;  // the first level >= lo
        while (a < b) { var mid = (a + b) >> 1; if (sorted[mid] < lo) a = mid + 1; else b = mid; }
        if (a === n || !(sorted[a] < hi)) continue;
        var base = i * nx + j;
        var edges = [2 * base, 2 * (base + 1) + 1, 2 * (base + nx), 2 * base + 1];  // b, r, t, l
        for (var m = a; m < n && sorted[m] < hi; m++) {
          var level = sorted[m];
          var c = (z0 > level ? 1 : 0) | (z1 > level ? 2 : 0) | (z2 > level ? 4 : 0) | (z3 > level ? 8 : 0);
          var pairs = CASES[c] || ((z0 + z1 + z2 + z3) / 4 > level ? SADDLE : SADDLE_LOW)[c], out = segs[order[m]];
          for (var k = 0; k < pairs.length; k++) out.push(edges[pairs[k][0]], edges[pairs[k][1]]);
        }
      }
    }
    var slots = new Int32Array(4 * nx * ny).fill(-1);  // per edge, the (at most two) segment ends on it
    return levels.map(function (level, k) { return joinSegments(segs[k], slots, Z, xs, ys, level); });
  }

  /* The segments (a flat list of edge pairs: segment k joins edges segs[2k] and segs[2k+1])
   * joined into polylines through their shared edges, each line in the order of its first
   * segment, then its crossing points. An edge lies on two cells and each cell has one
   * segment through it, so an edge holds at most two segment ends: slots[2 edge] and
   * slots[2 edge + 1] name them (2 k + end), and the line runs on through the other one.
   * slots is all -1 on entry and is left so. */
  function joinSegments(segs, slots, Z, xs, ys, level) {
    var count = segs.length >> 1, used = new Uint8Array(count), lines = [], nx = xs.length, q, e;
    for (q = 0; q < segs.length; q++) { e = 2 * segs[q]; slots[slots[e] < 0 ? e : e + 1] = q; }
    function walk(q, line) {  // from the segment end q, on through the edge it lies on
      for (;;) {
        var e = 2 * segs[q], other = slots[e] === q ? slots[e + 1] : slots[e];
        if (other < 0 || used[other >> 1]) return line;
        used[other >> 1] = 1;
        q = other ^ 1;  // the far end of the next segment
        line.push(segs[q]);
      }
    }
    function point(id, out) {  // the crossing on edge id: 2 (i nx + j) horizontal, + 1 vertical
      var cell = id >> 1, i0 = Math.floor(cell / nx), j0 = cell - i0 * nx;
      var i1 = (id & 1) ? i0 + 1 : i0, j1 = (id & 1) ? j0 : j0 + 1;
      var a = Z[i0][j0], t = (level - a) / (Z[i1][j1] - a);
      out[0].push(xs[j0] + t * (xs[j1] - xs[j0]));
      out[1].push(ys[i0] + t * (ys[i1] - ys[i0]));
    }
    for (var k = 0; k < count; k++) {
      if (used[k]) continue;
      used[k] = 1;
      var ahead = walk(2 * k + 1, [segs[2 * k], segs[2 * k + 1]]), back = walk(2 * k, []);  // ahead first
      var out = [[], []];
      for (var m = back.length - 1; m >= 0; m--) point(back[m], out);
      ahead.forEach(function (id) { point(id, out); });
      lines.push(out);
    }
    for (q = 0; q < segs.length; q++) { e = 2 * segs[q]; slots[e] = -1; slots[e + 1] = -1; }
    return lines;
  }

  function grid(f, xlim, ylim, nx, ny) {  // Z[i][j] = f([x_j, y_i]) on a regular grid
    var xs = [], ys = [], Z = [];
    for (var j = 0; j < nx; j++) xs.push(xlim[0] + (xlim[1] - xlim[0]) * j / (nx - 1));
    for (var i = 0; i < ny; i++) ys.push(ylim[0] + (ylim[1] - ylim[0]) * i / (ny - 1));
    for (i = 0; i < ny; i++) { var row = []; for (j = 0; j < nx; j++) row.push(f([xs[j], ys[i]])); Z.push(row); }
    return { xs: xs, ys: ys, Z: Z };
  }

  /* The contour lines of the grid g ({xs, ys, Z}) at levels, as one path of o.color, or
   * with o.colors (one colour per level) a path per level; returns the path(s). */
  Axes.prototype.contours = function (g, levels, o) {
    var self = this, lines = contourLevels(g.Z, g.xs, g.ys, levels), layer = o.layer || this.layer(o);
    function path(ls, color) {
      var d = ls.map(function (l) { return self.pathData(l[0], l[1]); }).join('');
      return el('path', { d: d, fill: 'none', stroke: color, 'stroke-width': o.width || 1,
                          'stroke-opacity': o.opacity, 'stroke-dasharray': o.dash }, layer);
    }
    if (o.colors) return lines.map(function (ls, k) { return path(ls, o.colors[k]); });
    return path([].concat.apply([], lines), o.color || '#000');
  };

  // viridis, sampled (matplotlib's colour map), for filled bands and coloured contour lines
  var VIRIDIS = [[68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142], [31, 158, 137],
                 [53, 183, 121], [109, 205, 89], [180, 222, 44], [253, 231, 37]];
  function viridis(t, alpha) {
    t = Math.min(1, Math.max(0, t));
    var x = t * (VIRIDIS.length - 1), i = Math.min(VIRIDIS.length - 2, Math.floor(x)), f = x - i;
    var c = [0, 1, 2].map(function (k) { return VIRIDIS[i][k] + f * (VIRIDIS[i + 1][k] - VIRIDIS[i][k]); });
    if (alpha !== undefined) c = c.map(function (v) { return 255 + alpha * (v - 255); });  // over white
    return c.map(Math.round);
  }
  function rgb(c) { return 'rgb(' + c[0] + ',' + c[1] + ',' + c[2] + ')'; }

  /* Filled bands between levels, as plotting.plot_contours draws them (viridis at alpha
   * 0.45 over white, one colour per band), rasterised at the screen's pixel ratio.
   * color(value) may replace the bands: it returns [r, g, b] for a value of f. */
  Axes.prototype.bands = function (f, levels, o) {
    o = o || {};
    var r = this.rect, ratio = Math.min(3, (typeof window !== 'undefined' && window.devicePixelRatio) || 1);
    var W = Math.max(1, Math.round(r.w * ratio)), H = Math.max(1, Math.round(r.h * ratio));
    var canvas = document.createElement('canvas');
    canvas.width = W; canvas.height = H;
    var ctx = canvas.getContext('2d'), img = ctx.createImageData(W, H), data = img.data;
    var n = levels.length, colors = [];
    for (var b = 0; b <= n && !o.color; b++) colors.push(viridis(b / n, 0.45));
    var color = o.color || function (v) {
      var lo = 0, hi = n;  // band = number of levels below v
      while (lo < hi) { var mid = (lo + hi) >> 1; if (levels[mid] < v) lo = mid + 1; else hi = mid; }
      return colors[lo];
    };
    for (var py = 0; py < H; py++) {
      for (var px = 0; px < W; px++) {
        var p = this.invert(r.x + (px + 0.5) / ratio, r.y + (py + 0.5) / ratio);
        var c = color(f(p)) || [255, 255, 255], k = 4 * (py * W + px);
        data[k] = c[0]; data[k + 1] = c[1]; data[k + 2] = c[2]; data[k + 3] = 255;
      }
    }
    ctx.putImageData(img, 0, 0);
    return el('image', { x: r.x, y: r.y, width: r.w, height: r.h, href: canvas.toDataURL('image/png'),
                         preserveAspectRatio: 'none' }, o.layer || this.staticData);
  };

  // --- the figure ------------------------------------------------------------------------------
  var COUNT = 0;
  /* Figure(container, width, height): an <svg> of that size in CSS px, with a static and
   * a dynamic layer; figure-level text goes through fig.text. */
  function Figure(container, width, height, label) {
    this.uid = 'dhf' + (++COUNT);
    this.width = width;
    this.height = height;
    this.axes = [];
    this.svg = el('svg', { width: width, height: height, viewBox: '0 0 ' + width + ' ' + height, role: 'img',
                           'font-family': FONT, class: 'downhill-svg' });
    this.title = el('title', {}, this.svg);
    this.title.textContent = label || '';
    this.static = el('g', {}, this.svg);
    this.dynamic = el('g', {}, this.svg);
    this.dynamicText = el('g', {}, this.svg);
    container.appendChild(this.svg);
  }
  Figure.prototype.addAxes = function (rect, o) { return new Axes(this, rect, o); };
  Figure.prototype.clear = function () {
    this.axes.forEach(function (ax) { clear(ax.dynamicData); clear(ax.dynamicFree); });
    clear(this.dynamicText);
  };
  Figure.prototype.text = function (x, y, str, o) {
    return text(o && o.static ? this.static : this.dynamicText, x, y, str, o);
  };
  Figure.prototype.remove = function () { if (this.svg.parentNode) this.svg.parentNode.removeChild(this.svg); };

  return { Figure: Figure, COLORS: COLORS, SIZE: SIZE, FONT: FONT, fmtG: fmtG, power10: power10,
           contourLines: contourLines, contourLevels: contourLevels, grid: grid, viridis: viridis, rgb: rgb, textWidth: textWidth,
           niceTicks: niceTicks, el: el };
});
