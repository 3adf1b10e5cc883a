// Tom Select's documented setup, on DOMContentLoaded; the multi-select with the remove_button plugin (an × per item).
document.addEventListener('DOMContentLoaded', function () {
  new TomSelect('#status', {});
  new TomSelect('#labels', { plugins: ['remove_button'] });
});
