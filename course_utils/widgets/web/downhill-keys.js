/* The keys of a focused control of an explorer in the notebook belong to the control.
 *
 * Lumino, JupyterLab's widget toolkit, matches every keydown against the key bindings from
 * the focused element up, and in command mode the notebook binds ArrowLeft/Right/Up/Down to
 * moving between cells, for any focused element that is not a text field (selector
 * `.jp-Notebook.jp-mod-commandMode:not(.jp-mod-readWrite) :focus`: a range input or a
 * slider's handle is not `:read-write`). JupyterLab listens in the bubbling phase, after the
 * slider's own handler has taken the key (its preventDefault, which lumino respects);
 * Notebook 7 listens in the capture phase on the document, before the slider, and so
 * swallows the arrows (jupyter/notebook#7716; ipywidgets' sliders alike). Lumino skips the
 * bindings of an element marked `data-lm-suppress-shortcuts`: keepKeys, on the window in
 * the capture phase (before the document), marks the focused control so for that one
 * keydown only, and only for the keys a control uses. Every other shortcut (Shift+Enter,
 * Ctrl+S) still works there, and the notebook's arrows work everywhere else.
 *
 * Loaded by the page explorers' module (live.esm) and, for the explorers that the kernel
 * draws, by a widget that shows nothing (live.KeyGuard).
 */
var SUPPRESS = 'data-lm-suppress-shortcuts';
var CONTROL_KEYS = ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End', 'PageUp', 'PageDown'];
// a page explorer's sliders and menus; a kernel-drawn explorer's (ipywidgets) slider
// handles and menus
var CONTROLS = ['.downhill-live input[type="range"]', '.downhill-live select',
                '.downhill-explorer .noUi-handle', '.downhill-explorer select'].join(', ');

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
