/* The notebook's page explorer: the page's explorer (downhill-explorers.js) as the
 * front-end of an anywidget (course_utils/widgets/live.py), so that JupyterLab draws it
 * at the browser's frame rate with the same code as the book, while the kernel keeps
 * the controls' values.
 *
 * The module is the page's scripts followed by this file (live.esm()). The model holds
 * `spec` (the explorer's name, controls and data: page.spec) and `values` (control name
 * -> value), which the kernel keeps in step with the Python explorer's controls. A value
 * moved by the reader is drawn at once and sent to the kernel when the control is let go
 * (a released slider, a menu, a check box) or has rested REST_MS (a key, a pause in a
 * drag): the kernel then sets its control, and the Python explorer redraws its own
 * picture once, not at every step of a drag. A value set in the kernel moves the control
 * and redraws. With no kernel behind it (a reopened notebook), the explorer still
 * computes and draws in the browser; nothing is sent.
 *
 * The keys of a focused slider or menu (arrows, Home, End, Page Up/Down) belong to it,
 * not to the notebook. Lumino, JupyterLab's widget toolkit, matches every keydown
 * against the key bindings from the focused element up, and in command mode the
 * notebook binds ArrowLeft/Right/Up/Down to moving between cells, for any focused element
 * that is not a text field (selector `.jp-Notebook.jp-mod-commandMode:not(.jp-mod-readWrite)
 * :focus`; a range input is not `:read-write`). JupyterLab listens in the bubbling phase,
 * after the slider's own handler has taken the key (preventDefault, which lumino
 * respects); Notebook 7 listens in the capture phase on the document, before the slider,
 * and so swallows the arrows. Lumino skips the bindings of an element marked
 * `data-lm-suppress-shortcuts`; keepKeys, on the window in the capture phase (before the
 * document), marks the focused control so for that one keydown only, and only for the
 * keys the control uses: every other shortcut (Shift+Enter, Ctrl+S, Escape) still works
 * there, and the notebook's arrows work everywhere else.
 */
var REST_MS = 250;
var SUPPRESS = 'data-lm-suppress-shortcuts';
var CONTROL_KEYS = ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End', 'PageUp', 'PageDown'];
var CONTROLS = '.downhill-live input[type="range"], .downhill-live select';

function keepKeys(e) {
  var t = e.target;
  if (e.ctrlKey || e.altKey || e.metaKey || CONTROL_KEYS.indexOf(e.key) < 0) return;
  if (!t || !t.matches || !t.matches(CONTROLS) || t.hasAttribute(SUPPRESS)) return;
  t.setAttribute(SUPPRESS, '');
  setTimeout(function () { t.removeAttribute(SUPPRESS); }, 0);  // after this keydown
}
if (typeof window !== 'undefined' && !window.downhillKeepKeys) {  // once, however many widgets
  window.downhillKeepKeys = keepKeys;
  window.addEventListener('keydown', keepKeys, true);
}

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
