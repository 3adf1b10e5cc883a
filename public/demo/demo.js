// Demo pages only: a "host app session" per browser tab. Picks a demo user (?as=bob or the
// picker), then loads tandem.js exactly as a host page would, with this user's token URL.
(function () {
  var USERS = [
    ['alice', 'Alice Martin'],
    ['bob', 'Bob Okafor'],
    ['carol', 'Carol Lindqvist'],
    ['dave', 'Dave Nguyen'],
    ['erin', 'Erin Reader (read-only)'],
  ];
  var params = new URLSearchParams(location.search);
  var user = params.get('as') || sessionStorage.getItem('tandem-demo-user');
  if (user && !USERS.some(function (u) { return u[0] === user; })) user = null;
  if (user) sessionStorage.setItem('tandem-demo-user', user);

  function withUser(href, as) {
    var u = new URL(href, location.href);
    u.searchParams.set('as', as);
    return u.pathname + u.search;
  }

  function picker() {
    var host = document.getElementById('demo-user');
    if (!host) return;
    var label = document.createElement('label');
    label.textContent = 'Signed in as ';
    var select = document.createElement('select');
    select.id = 'demo-user-select';
    var none = document.createElement('option');
    none.value = '';
    none.textContent = '— pick a demo user —';
    select.append(none);
    USERS.forEach(function (u) {
      var o = document.createElement('option');
      o.value = u[0];
      o.textContent = u[1];
      if (u[0] === user) o.selected = true;
      select.append(o);
    });
    select.addEventListener('change', function () {
      if (!select.value) return;
      sessionStorage.setItem('tandem-demo-user', select.value);
      location.href = withUser(location.href, select.value);
    });
    label.append(select);
    host.append(label);
    var other = user === 'bob' ? 'alice' : 'bob';
    var a = document.createElement('a');
    a.href = withUser(location.href, other);
    a.target = '_blank';
    a.rel = 'noopener';
    a.textContent = 'Open this page as ' + other + ' in another window';
    host.append(' ', a);
    document.querySelectorAll('a[data-keep-user]').forEach(function (link) {
      if (user) link.href = withUser(link.getAttribute('href'), user);
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', picker);
  else picker();

  if (!user || document.documentElement.dataset.noTandem !== undefined) return;
  var s = document.createElement('script');
  s.src = '/tandem.js';
  s.defer = true;
  s.dataset.tokenUrl = '/api/v1/dev/token?user=' + encodeURIComponent(user);
  // Embedding options, settable from the URL to try them: ?lang=de, ?theme=auto.
  if (params.get('lang')) s.dataset.lang = params.get('lang');
  if (params.get('theme')) s.dataset.theme = params.get('theme');
  document.head.append(s);
})();
