// On document ready, with ISO dates (what hosts that post dates as yyyy-mm-dd use).
$(function () {
  $('input.datepicker').datepicker({ dateFormat: 'yy-mm-dd' });
});
