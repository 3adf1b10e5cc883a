// As Flask-AppBuilder's ab.js does, on document ready.
$(function () {
  $('.appbuilder_date input').datepicker({ format: 'yyyy-mm-dd', autoclose: true });
});
