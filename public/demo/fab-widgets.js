// As Flask-AppBuilder's ab.js does, on document ready: select2 on its selects, a datepicker on
// its date inputs (both from the npm registry, see src/dev/widgets.ts).
$(function () {
  $('.my_select2').select2({ width: '100%' });
  $('.appbuilder_date input').datepicker({ format: 'yyyy-mm-dd', autoclose: true });
});
