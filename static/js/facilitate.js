// The facilitator view at workshop pace. Tab moves from question to question (one press
// each, Shift+Tab back; each row of a grid is a question); digits 1-9 pick the n-th answer of the question that has the
// focus, 0 picks "does not apply"; N opens the question's note, Esc leaves it. Notes stay
// out of the Tab sequence. Without this script the page is an ordinary form.
(function () {
  "use strict";
  var form = document.querySelector("form[data-facilitate]");
  if (!form) return;

  function questions() {
    return Array.prototype.filter.call(
      form.querySelectorAll("[data-question]"),
      function (fieldset) { return !fieldset.hidden && fieldset.offsetParent !== null; }
    );
  }

  function choices(fieldset) {
    return fieldset.querySelectorAll("input.form-check-input:not([data-note-private])");
  }

  // Where the focus lands in a question: its ticked answer, else its first one.
  function entry(fieldset) {
    var inputs = choices(fieldset);
    for (var i = 0; i < inputs.length; i++) if (inputs[i].checked) return inputs[i];
    return inputs[0] || null;
  }

  function markSaved(fieldset) {
    var state = fieldset.querySelector("[data-save-state]");
    if (!state || state.textContent) return;
    var ticked = Array.prototype.some.call(choices(fieldset), function (i) { return i.checked; });
    if (!ticked) return;
    state.dataset.state = "saved";
    state.textContent = "✓ " + form.dataset.msgSaved;
    state.className = "small mb-0 mt-2 save-state text-success-emphasis";
  }

  // Notes are reachable with N (and by mouse), not with Tab.
  form.querySelectorAll("[data-question] details summary").forEach(function (summary) {
    summary.setAttribute("tabindex", "-1");
  });
  form.querySelectorAll("[data-question] details textarea, [data-question] [data-note-private]").forEach(function (field) {
    field.setAttribute("tabindex", "-1");
  });
  questions().forEach(markSaved);

  form.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var target = event.target;
    var fieldset = target.closest("[data-question]");
    if (!fieldset) return;
    var inNote = target.tagName === "TEXTAREA" || target.type === "text";
    if (event.key === "Escape" && inNote) {
      event.preventDefault();
      var back = entry(fieldset);
      if (back) back.focus();
      return;
    }
    if (inNote) return;
    if (event.key === "Tab") {
      var list = questions();
      var next = list[list.indexOf(fieldset) + (event.shiftKey ? -1 : 1)];
      if (!next) return;  // past the last question: on to the save button
      var input = entry(next);
      if (!input) return;
      event.preventDefault();
      input.focus();
      return;
    }
    if (event.key === "n" || event.key === "N") {
      var details = fieldset.querySelector("details");
      if (!details) return;
      event.preventDefault();
      details.open = true;
      var note = details.querySelector("textarea");
      if (note) note.focus();
      return;
    }
    if (!/^[0-9]$/.test(event.key)) return;
    var choice = null;
    if (event.key === "0") {
      choice = fieldset.querySelector("input[value='_na']");
    } else {
      var options = Array.prototype.filter.call(choices(fieldset), function (i) { return i.value !== "_na"; });
      choice = options[parseInt(event.key, 10) - 1] || null;
    }
    event.preventDefault();
    if (!choice) return;
    if (choice.type === "checkbox") {
      choice.checked = !choice.checked;
    } else {
      choice.checked = true;
    }
    choice.focus();
    choice.dispatchEvent(new Event("change", { bubbles: true }));
  });
})();
