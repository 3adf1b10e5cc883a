// On DOMContentLoaded: a plain date input, and one with altInput (a readable date shown, the ISO
// date submitted from the original input, which flatpickr turns into type=hidden).
document.addEventListener('DOMContentLoaded', function () {
  flatpickr('#due_date', { dateFormat: 'Y-m-d' });
  flatpickr('#ship_date', { dateFormat: 'Y-m-d', altInput: true, altFormat: 'F j, Y' });
});
