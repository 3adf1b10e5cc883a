// As Flask-AppBuilder's ab.js does, on document ready.
$(function () {
  $('.my_select2').select2({ width: '100%' });
});
