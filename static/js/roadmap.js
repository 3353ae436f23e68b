// The results page's roadmap fold sums the phases up; the steps themselves are a page of their
// own (the link in the fold, which works without JavaScript). When the fold is opened, that
// page is fetched once and its step list takes the place of the summary.
(function () {
  "use strict";
  var fold = document.querySelector("details[data-roadmap][data-roadmap-src]");
  if (!fold || !window.fetch || !window.DOMParser) return;
  var loading = false;

  function load() {
    if (loading || !fold.open) return;
    loading = true;
    var summary = fold.querySelector("[data-roadmap-steps]");
    fold.setAttribute("aria-busy", "true");
    fetch(fold.dataset.roadmapSrc, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        var steps = new DOMParser().parseFromString(html, "text/html").querySelector("[data-roadmap-steps]");
        if (!steps || !summary) throw new Error("no steps");
        summary.replaceWith(document.importNode(steps, true));
        fold.setAttribute("data-roadmap-loaded", "");
      })
      .catch(function () {
        loading = false;  // the link in the fold still leads to the steps; try again next time
      })
      .then(function () { fold.removeAttribute("aria-busy"); });
  }

  fold.addEventListener("toggle", load);
  load();  // opened already, e.g. through the #roadmap anchor
})();
