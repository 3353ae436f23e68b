// Copy the resume link with one click; without JavaScript the field can be copied by hand.
(function () {
  "use strict";
  var button = document.querySelector("[data-copy-button]");
  var source = document.querySelector("[data-copy-source]");
  var status = document.querySelector("[data-copy-status]");
  if (!button || !source || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(source.value).then(
      function () { status.textContent = button.dataset.done || "✓"; },
      function () { source.select(); }
    );
  });
  source.addEventListener("focus", function () { source.select(); });
})();
