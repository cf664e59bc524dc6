// Keel's own script for the web app (ADR 0048). No inline script anywhere: the CSP forbids them.
// It sends the session's CSRF token with htmx's requests, shows a loading indicator on anything
// slower than 300 ms, and drives the known-at slider. Every page works without it.
(function () {
  "use strict";
  var token = document.querySelector('meta[name="csrf-token"]');
  document.addEventListener("htmx:configRequest", function (event) {
    if (token) { event.detail.headers["X-CSRF-Token"] = token.content; }
  });

  var loading = document.getElementById("loading");
  var timer = null;
  function busy() {
    if (timer === null && loading) { timer = setTimeout(function () { loading.hidden = false; }, 300); }
  }
  function idle() {
    clearTimeout(timer);
    timer = null;
    if (loading) { loading.hidden = true; }
  }
  document.addEventListener("htmx:beforeRequest", busy);
  document.addEventListener("htmx:afterRequest", idle);
  document.addEventListener("submit", function (event) { if (!event.defaultPrevented) { busy(); } });
  window.addEventListener("pageshow", idle);

  // The known-at slider: moving it writes the log position into the field; letting go shows the
  // page as known then (the right end is now: the field is emptied).
  document.querySelectorAll("input[data-known-at]").forEach(function (slider) {
    var field = document.getElementById(slider.getAttribute("data-known-at"));
    if (!field) { return; }
    slider.addEventListener("input", function () { field.value = slider.value; });
    slider.addEventListener("change", function () {
      field.value = slider.value === slider.max ? "" : slider.value;
      slider.form.requestSubmit();
    });
  });
})();
