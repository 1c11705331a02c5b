/* The notebook's page explorer: the page's explorer (downhill-explorers.js) as the
 * front-end of an anywidget (course_utils/widgets/live.py), so that JupyterLab draws it
 * at the browser's frame rate with the same code as the book, while the kernel keeps
 * the controls' values.
 *
 * The module is the page's scripts, downhill-keys.js, then this file (live.esm()). The model holds
 * `spec` (the explorer's name, controls and data: page.spec) and `values` (control name
 * -> value), which the kernel keeps in step with the Python explorer's controls. A value
 * moved by the reader is drawn at once and sent to the kernel when the control is let go
 * (a released slider, a menu, a check box) or has rested REST_MS (a key, a pause in a
 * drag): the kernel then sets its control, and the Python explorer redraws its own
 * picture once, not at every step of a drag. A value set in the kernel moves the control
 * and redraws. With no kernel behind it (a reopened notebook), the explorer still
 * computes and draws in the browser; nothing is sent.
 *
 * The keys of a focused control belong to it, not to the notebook: downhill-keys.js, just
 * before this file in the module.
 */
var REST_MS = 250;

function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

function render({ model, el }) {
  var D = globalThis.Downhill;
  var spec = model.get('spec'), values = model.get('values') || {};
  spec = Object.assign({}, spec, {
    controls: spec.controls.map(function (c) {
      return Object.assign({}, c, { value: c.name in values ? values[c.name] : c.value });
    }),
  });
  var root = document.createElement('div');
  root.className = 'downhill-page downhill-live';
  el.appendChild(root);
  D.explorers.mount(root, spec);
  var api = root.downhill;

  var timer = null, unsent = false;
  function send() {
    clearTimeout(timer);
    timer = null;
    if (!unsent) return;
    unsent = false;
    var now = {};
    spec.controls.forEach(function (c) { now[c.name] = api.values[c.name]; });
    model.set('values', now);
    try { model.save_changes(); } catch (err) { /* no kernel: the browser alone */ }
  }
  function moved() {
    unsent = true;
    clearTimeout(timer);
    timer = setTimeout(send, REST_MS);
  }
  function fromKernel() {
    var v = model.get('values') || {}, changes = {}, any = false;
    for (var k in v) {
      if (k in api.values && !same(v[k], api.values[k])) { changes[k] = v[k]; any = true; }
    }
    if (any) api.update(changes);
  }
  root.addEventListener('downhill:change', moved);
  root.addEventListener('change', send);  // let go: a released slider, a menu, a check box
  model.on('change:values', fromKernel);
  return function () {
    send();
    model.off('change:values', fromKernel);
  };
}

export default { render: render };
