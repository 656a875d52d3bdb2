// What every page of the book runs, in one file the browser keeps from page to page:
// - the theme's download menu, opened and closed as Bootstrap's script would (its 80 kB are not sent
//   for this; tooltips fall back to the buttons' own titles);
// - the theme's own scripts (data-after-paint), loaded once the page has been read and painted, so that
//   running them never holds back the first paint of the page's text;
// - Sphinx's highlighting of the words a search found (data-highlight), loaded in order only for a reader
//   who arrived from a search (Sphinx's search page leaves the words in localStorage; older links carry
//   them as ?highlight=).
// Addresses in data-* are relative to this file.
(function () {
  "use strict";
  var self = document.currentScript;

  function load(names, into, ordered) {
    (names || "").split(" ").filter(Boolean).forEach(function (name) {
      var script = document.createElement("script");
      script.src = new URL(name, self.src).href;
      if (ordered) script.async = false;
      into.append(script);
    });
  }

  if (localStorage.getItem("sphinx_highlight_terms") || new URLSearchParams(location.search).has("highlight")) {
    load(self.dataset.highlight, document.head, true);
  }
  document.addEventListener("DOMContentLoaded", function () {
    requestAnimationFrame(function () { setTimeout(function () { load(self.dataset.afterPaint, document.body, false); }); });
  });

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest('[data-bs-toggle="dropdown"]');
    document.querySelectorAll('[data-bs-toggle="dropdown"][aria-expanded="true"]').forEach(function (open) {
      if (open !== toggle) { open.setAttribute("aria-expanded", "false"); open.nextElementSibling.classList.remove("show"); }
    });
    if (toggle) toggle.setAttribute("aria-expanded", String(toggle.nextElementSibling.classList.toggle("show")));
  });
  document.addEventListener("keydown", function (event) {
    var open = document.querySelector('[data-bs-toggle="dropdown"][aria-expanded="true"]');
    if (event.key === "Escape" && open) { open.click(); open.focus(); }
  });
})();
