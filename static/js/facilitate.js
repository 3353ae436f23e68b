// Keyboard shortcuts for the facilitator view: digits 1-9 pick the n-th answer of the
// question that has the focus, 0 picks "does not apply".
(function () {
  "use strict";
  var form = document.querySelector("form[data-facilitate]");
  if (!form) return;
  form.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (!/^[0-9]$/.test(event.key)) return;
    var target = event.target;
    if (target.tagName === "TEXTAREA" || target.type === "text") return;
    var fieldset = target.closest("fieldset[data-question]");
    if (!fieldset) return;
    var inputs = fieldset.querySelectorAll("input.form-check-input:not([data-note-private])");
    var choice = null;
    if (event.key === "0") {
      choice = fieldset.querySelector("input[value='_na']");
    } else {
      var options = Array.prototype.filter.call(inputs, function (i) { return i.value !== "_na"; });
      choice = options[parseInt(event.key, 10) - 1] || null;
    }
    if (!choice) return;
    event.preventDefault();
    if (choice.type === "checkbox") {
      choice.checked = !choice.checked;
    } else {
      choice.checked = true;
    }
    choice.focus();
    choice.dispatchEvent(new Event("change", { bubbles: true }));
  });
})();
