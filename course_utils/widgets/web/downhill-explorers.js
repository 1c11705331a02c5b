/* The page's explorers: live controls, a figure drawn in the page, a spoken status.
 *
 * Each <div class="downhill-page"> that course_utils wrote (widgets/page.py) holds a
 * JSON specification: the explorer's name, its controls (kind, label, range, default,
 * from the ipywidgets' traits) and the data its model needs. mount() builds native
 * controls for it (range inputs, menus, check boxes: keyboard, pointer and touch for
 * free), runs the model (downhill-models.js) at every change and redraws the figure
 * (downhill-figure.js) in the next animation frame. Sliders are continuous; the arrow
 * keys move them by the live slider's step. The figure is laid out for the width it
 * gets: two panels side by side on a wide page, one above the other on a phone, text at
 * the same size. After every change the status line under the figure, an aria-live
 * region, says the new setting and what happened, and the figure's text alternative
 * says the same.
 *
 * An explorer here is {layout(width, narrow) -> {height, ...}, setup(fig, L, problem,
 * api, values), draw(fig, L, result, values, problem, api), status(result, values) ->
 * text, and optionally key(values)}: L is what layout returned plus the axes setup
 * made; setup runs again when the width or the key (say, the surface) changes.
 *
 * The root element says what happens: 'downhill:change' (detail.names) when the reader
 * moves a control, 'downhill:drawn' after every redraw; root.downhill.update(values)
 * moves controls from outside (the notebook's kernel, downhill-widget.js) without the
 * first event.
 */
(function (root) {
  'use strict';
  var D = root.Downhill, F = D.figure, N = D.numerics, C = F.COLORS, fmt = F.fmtG;
  var NARROW = 600;  // below this width (CSS px) the panels stack

  // --- controls ------------------------------------------------------------------------------
  function fromSlider(c, x) {  // the slider's position -> the control's value
    if (c.kind === 'log') return Math.pow(c.base, x);
    if (c.kind === 'int') return Math.round(x);
    if (c.kind === 'options') return c.options[Math.round(x)];
    return x;
  }
  function toSlider(c, v) {
    if (c.kind === 'log') return Math.log(v) / Math.log(c.base);
    if (c.kind === 'options') return Math.max(0, c.options.indexOf(v));
    return v;
  }
  function readout(c, v) {
    if (c.kind === 'log') return fmt(v, 3);
    if (c.kind === 'float') {
      var m = /^\.(\d+)f$/.exec(c.format || '.2f');
      return m ? v.toFixed(Number(m[1])) : fmt(v, 3);
    }
    return String(v);
  }
  function describe(c, v) {  // "momentum β 0.80", for the status and the alt text
    if (c.kind === 'checkbox') return c.label + (v ? ' on' : ' off');
    if (c.kind === 'multi') return c.label + ': ' + (v.length ? v.join(', ') : 'none');
    return c.label + ' ' + readout(c, v);
  }

  function slider(c, values, changed) {
    var row = document.createElement('label'), name = document.createElement('span');
    var input = document.createElement('input'), out = document.createElement('output');
    row.className = 'downhill-row';
    name.className = 'downhill-name';
    name.textContent = c.label;
    input.type = 'range';
    var discrete = c.kind === 'options' || c.kind === 'int';
    input.min = c.kind === 'options' ? 0 : c.min;
    input.max = c.kind === 'options' ? c.options.length - 1 : c.max;
    input.step = discrete ? (c.kind === 'int' ? c.step : 1) : 'any';
    input.value = toSlider(c, values[c.name]);
    input.setAttribute('aria-label', c.label);
    function show() {
      var v = values[c.name];
      out.textContent = readout(c, v);
      input.setAttribute('aria-valuetext', readout(c, v));
    }
    function set(x) {
      x = Math.min(Number(input.max), Math.max(Number(input.min), x));
      input.value = x;
      values[c.name] = fromSlider(c, Number(input.value));
      show();
      changed(c);
    }
    input.addEventListener('input', function () { set(Number(input.value)); });
    input.addEventListener('keydown', function (e) {  // the live slider's step, not a pixel's
      var step = discrete ? Number(input.step) : c.step, x = Number(input.value), to = null;
      if (e.key === 'ArrowRight' || e.key === 'ArrowUp') to = x + step;
      else if (e.key === 'ArrowLeft' || e.key === 'ArrowDown') to = x - step;
      else if (e.key === 'PageUp') to = x + 10 * step;
      else if (e.key === 'PageDown') to = x - 10 * step;
      else if (e.key === 'Home') to = Number(input.min);
      else if (e.key === 'End') to = Number(input.max);
      if (to === null) return;
      e.preventDefault();
      if (!discrete) to = Math.round(to / step) * step;  // back onto the live slider's grid
      set(Number(to.toPrecision(12)));
    });
    show();
    row.appendChild(name); row.appendChild(input); row.appendChild(out);
    row.downhillSet = { set: function (v) { input.value = toSlider(c, v); values[c.name] = v; show(); } };
    return row;
  }

  function menu(c, values, changed) {
    var row = document.createElement('label'), name = document.createElement('span');
    var select = document.createElement('select');
    row.className = 'downhill-row';
    name.className = 'downhill-name';
    name.textContent = c.label;
    c.options.forEach(function (o, i) {
      var opt = document.createElement('option');
      opt.value = String(i);
      opt.textContent = String(o);
      if (o === values[c.name]) opt.selected = true;
      select.appendChild(opt);
    });
    select.addEventListener('change', function () { values[c.name] = c.options[Number(select.value)]; changed(c); });
    row.appendChild(name); row.appendChild(select);
    row.downhillSet = { set: function (v) { select.value = String(c.options.indexOf(v)); values[c.name] = v; } };
    return row;
  }

  function checkbox(c, values, changed) {
    var row = document.createElement('label'), box = document.createElement('input');
    var name = document.createElement('span');
    row.className = 'downhill-row downhill-check';
    box.type = 'checkbox';
    box.checked = Boolean(values[c.name]);
    name.textContent = c.label;
    box.addEventListener('change', function () { values[c.name] = box.checked; changed(c); });
    row.appendChild(box); row.appendChild(name);
    row.downhillSet = { set: function (v) { box.checked = Boolean(v); values[c.name] = Boolean(v); } };
    return row;
  }

  function multi(c, values, changed) {  // several choices: a check box each
    var row = document.createElement('div'), name = document.createElement('span');
    var group = document.createElement('div'), boxes = [];
    row.className = 'downhill-row';
    name.className = 'downhill-name';
    name.textContent = c.label;
    group.className = 'downhill-multi';
    group.setAttribute('role', 'group');
    group.setAttribute('aria-label', c.label);
    c.options.forEach(function (o) {
      var label = document.createElement('label'), box = document.createElement('input');
      box.type = 'checkbox';
      box.checked = values[c.name].indexOf(o) >= 0;
      box.addEventListener('change', function () {
        values[c.name] = c.options.filter(function (x, i) { return boxes[i].checked; });
        changed(c);
      });
      boxes.push(box);
      label.appendChild(box);
      label.appendChild(document.createTextNode(' ' + o));
      group.appendChild(label);
    });
    row.appendChild(name); row.appendChild(group);
    row.downhillSet = { set: function (v) {
      boxes.forEach(function (b, i) { b.checked = v.indexOf(c.options[i]) >= 0; });
      values[c.name] = v.slice();
    } };
    return row;
  }

  function buildControls(spec, values, changed) {
    var box = document.createElement('div'), rows = {};
    box.className = 'downhill-controls';
    spec.controls.forEach(function (c) {
      var make = c.kind === 'menu' ? menu : c.kind === 'checkbox' ? checkbox : c.kind === 'multi' ? multi : slider;
      rows[c.name] = make(c, values, changed);
      box.appendChild(rows[c.name]);
    });
    return { box: box, rows: rows };
  }

  // --- one explorer on the page ----------------------------------------------------------------
  var REGISTRY = {};

  function mount(root, given) {  // given: the specification, else read from the page
    if (root.dataset.mounted) return;
    var spec = given || JSON.parse(root.querySelector('script.downhill-spec').textContent);
    var explorer = REGISTRY[spec.name], model = D.models[spec.name];
    if (!explorer || !model) return;
    root.dataset.mounted = '1';
    var problem = model.prepare(spec.data), values = {}, byName = {};
    spec.controls.forEach(function (c) { values[c.name] = c.value; byName[c.name] = c; });
    var pending = false, fig = null, L = null, width = 0, lastStatus = '', spoken = null, key = null;
    var controls = buildControls(spec, values, function (c) { request(); changed([c.name]); });
    var area = document.createElement('div'), status = document.createElement('p');
    area.className = 'downhill-figure';
    status.className = 'downhill-status';
    status.setAttribute('aria-live', 'polite');
    root.appendChild(controls.box);
    root.appendChild(area);
    root.appendChild(status);
    var api = {
      values: values, controls: controls, problem: problem, spec: spec, byName: byName,
      set: function (changes) {  // from the figure itself (a click on the phase diagram)
        api.update(changes);
        changed(Object.keys(changes));
      },
      update: function (changes) {  // from outside (the notebook's kernel): no event
        for (var k in changes) { controls.rows[k].downhillSet.set(changes[k]); }
        request();
      },
    };

    function changed(names) {  // the reader moved these controls: tell whoever listens
      root.dispatchEvent(new CustomEvent('downhill:change', { detail: { names: names } }));
    }

    function settings() {
      return spec.controls.map(function (c) { return describe(c, values[c.name]); }).join(', ');
    }

    function redraw() {
      pending = false;
      var w = Math.floor(area.clientWidth);
      if (!w) return;
      var k = explorer.key ? explorer.key(values) : '';
      if (!fig || w !== width || k !== key) {  // lay out again: a new width, or a new surface
        if (fig) fig.remove();
        width = w;
        key = k;
        L = explorer.layout(width, width < NARROW);
        fig = new F.Figure(area, width, L.height);
        explorer.setup(fig, L, problem, api, values);
      }
      fig.clear();
      var result = model.compute(problem, values);
      explorer.draw(fig, L, result, values, problem, api);
      var said = explorer.status(result, values, problem);
      var text = settings() + '. ' + said;
      fig.title.textContent = 'Explorer picture: ' + text;
      fig.svg.setAttribute('aria-label', 'Explorer picture: ' + text);
      if (text !== lastStatus) {
        lastStatus = text;
        // a screen reader hears the last setting of a drag once, not every step of it
        clearTimeout(spoken);
        status.classList.add('downhill-stale');
        spoken = setTimeout(function () { status.textContent = text; status.classList.remove('downhill-stale'); }, 250);
        if (!status.textContent) { status.textContent = text; }
      }
      root.dispatchEvent(new CustomEvent('downhill:drawn'));
    }

    function request() {
      if (pending) return;
      pending = true;
      requestAnimationFrame(redraw);
    }

    if (typeof ResizeObserver !== 'undefined') {
      new ResizeObserver(function () { if (Math.floor(area.clientWidth) !== width) request(); }).observe(area);
    }
    root.downhill = api;
    redraw();
    if (!fig) request();
  }

  function mountAll() {
    document.querySelectorAll('div.downhill-page').forEach(function (root) {
      try { mount(root); } catch (err) {  // one explorer's fault must not stop the others
        root.dataset.failed = String(err);
        if (typeof console !== 'undefined') console.warn('downhill explorer', err);
      }
    });
  }

  // --- shared pieces of the explorers' figures ---------------------------------------------------
  function twoPanels(width, narrow, o) {
    /* Two panels: side by side (ratio o.ratio of the left one), or stacked on a phone.
     * Margins leave room for tick labels and axis labels. */
    var m = { left: 62, right: 10, top: o.top || 30, bottom: 48, gap: 70 };
    if (narrow) {
      var w = width - m.left - m.right, h1 = Math.round(w * (o.aspect1 || 0.8)), h2 = Math.round(w * (o.aspect2 || 0.65));
      var a = { x: m.left, y: m.top, w: w, h: h1 };
      var b = { x: m.left, y: m.top + h1 + m.bottom + m.top + (o.between || 0), w: w, h: h2 };
      return { narrow: true, a: a, b: b, height: b.y + h2 + m.bottom + (o.extra || 0) };
    }
    var inner = width - m.left - m.right - m.gap, wa = Math.round(inner * (o.ratio || 0.5));
    var h = Math.round(Math.min(o.maxHeight || 420, Math.max(220, (o.height || 0.42) * width)));
    return { narrow: false, a: { x: m.left, y: m.top, w: wa, h: h },
             b: { x: m.left + wa + m.gap, y: m.top, w: inner - wa, h: h },
             height: m.top + h + m.bottom + (o.extra || 0) };
  }

  function path(ax, pts, color, o) {
    o = o || {};
    var xs = pts.map(function (p) { return p[0]; }), ys = pts.map(function (p) { return p[1]; });
    ax.line(xs, ys, { color: color, width: o.width || 1.5, opacity: o.opacity });
    if (o.dots) ax.markers(xs, ys, { shape: 'o', size: 4, color: color, opacity: o.opacity });
    ax.markers([xs[0]], [ys[0]], { shape: 'o', size: 9, color: color, edge: '#000' });
    ax.markers([xs[xs.length - 1]], [ys[ys.length - 1]], { shape: 'X', size: 11, color: color, edge: '#000' });
  }

  function diverged(ax, k, color, n) {  // plotting.mark_diverged
    ax.text(0.02, 0.97 - 0.09 * (n || 0), 'diverged at step ' + k,
            { coords: 'axes', valign: 'top', box: color, color: color, size: 11 });
  }

  function minima(ax, pts) {
    ax.markers(pts.map(function (p) { return p[0]; }), pts.map(function (p) { return p[1]; }),
               { shape: '*', size: 15, color: '#fff', edge: '#000', static: true });
  }

  function floor(values, lo) { return values.map(function (v) { return Math.max(v, lo); }); }
  function range(n) { var out = []; for (var i = 0; i < n; i++) out.push(i); return out; }

  D.explorers = { REGISTRY: REGISTRY, mount: mount, mountAll: mountAll, twoPanels: twoPanels, path: path,
                  diverged: diverged, minima: minima, floor: floor, range: range, describe: describe,
                  readout: readout };

  if (typeof document !== 'undefined') {
    // after every script of the page has run, so that each chapter's explorers are known
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mountAll);
    else setTimeout(mountAll, 0);
  }
})(typeof globalThis !== 'undefined' ? globalThis : this);
