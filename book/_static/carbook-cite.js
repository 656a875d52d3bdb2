// Citation markers: show the cited passage beside its marker on hover, keyboard focus and tap.
// Without this script each marker is still a link to its numbered passage at the end of the page.
// When the page is printed, its questions are opened, so the paper shows their answers.
(function () {
  "use strict";
  var tip = null;
  var shownFor = null;

  function passageOf(marker) {
    var id = decodeURIComponent((marker.getAttribute("href") || "").slice(1));
    var entry = id && document.getElementById(id);
    if (!entry) return null;
    if (entry.dataset.passage) return entry.dataset.passage;  // the passage is quoted in full in the text above
    var quote = entry.querySelector("q");
    return quote ? quote.textContent : null;
  }

  function show(marker) {
    var text = passageOf(marker);
    if (!text) return;
    if (!tip) {
      tip = document.createElement("div");
      tip.id = "cb-cite-tip";
      tip.className = "cb-cite-tip";
      tip.setAttribute("role", "tooltip");
      document.body.appendChild(tip);
    }
    tip.textContent = "\u201c" + text + "\u201d";
    tip.hidden = false;
    var box = marker.getBoundingClientRect();
    var width = Math.min(420, document.documentElement.clientWidth - 16);
    tip.style.maxWidth = width + "px";
    var left = Math.max(8, Math.min(box.left + window.scrollX - 20, window.scrollX + document.documentElement.clientWidth - width - 8));
    tip.style.left = left + "px";
    tip.style.top = (box.bottom + window.scrollY + 6) + "px";
    marker.setAttribute("aria-describedby", "cb-cite-tip");
    shownFor = marker;
  }

  function hide() {
    if (tip) tip.hidden = true;
    if (shownFor) shownFor.removeAttribute("aria-describedby");
    shownFor = null;
  }

  var touched = false;
  var shownBeforeTap = null;  // focus on tap shows the tip: remember what was shown before the finger came down
  document.addEventListener("pointerdown", function (event) {
    touched = event.pointerType === "touch";
    shownBeforeTap = shownFor;
  }, true);

  document.addEventListener("click", function (event) {
    var marker = event.target.closest && event.target.closest(".cb-cite a");
    if (!marker) { hide(); return; }
    if (touched && shownBeforeTap !== marker) {  // first tap shows the passage; a second tap follows the link
      event.preventDefault();
      show(marker);
    }
  });
  document.addEventListener("mouseover", function (event) {
    var marker = event.target.closest && event.target.closest(".cb-cite a");
    if (marker && !touched) show(marker);
  });
  document.addEventListener("mouseout", function (event) {
    var marker = event.target.closest && event.target.closest(".cb-cite a");
    if (marker && !touched && marker === shownFor) hide();
  });
  document.addEventListener("focusin", function (event) {
    var marker = event.target.closest && event.target.closest(".cb-cite a");
    if (marker) show(marker); else hide();
  });
  document.addEventListener("keydown", function (event) { if (event.key === "Escape") hide(); });

  // A printed page shows every answer of its questions (opened while printing, closed again after).
  var opened = [];
  window.addEventListener("beforeprint", function () {
    opened = Array.prototype.filter.call(document.querySelectorAll("details[id^='q-']"), function (d) { return !d.open; });
    opened.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
})();
