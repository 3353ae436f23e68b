// Saves each answer as it is given and shows or hides follow-up questions.
// The page works without this script: the form posts every answer on "next".
(function () {
  "use strict";
  var form = document.querySelector("form[data-questionnaire]");
  if (!form || !window.fetch || !window.FormData) return;
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var messages = form.dataset;

  // A question is a fieldset, or a row of a grid's table; both carry data-question.
  function fieldsetOf(element) { return element.closest("[data-question]"); }

  function isHidden(element) { return element.closest("[hidden]") !== null; }

  function chosenValues(fieldset) {
    var name = "q-" + fieldset.dataset.question;
    return Array.prototype.map.call(
      fieldset.querySelectorAll("input[name='" + name + "']:checked"),
      function (input) { return input.value; }
    );
  }

  function applyConditions() {
    form.querySelectorAll("fieldset[data-condition-question]").forEach(function (fieldset) {
      var parent = form.querySelector("[data-question='" + fieldset.dataset.conditionQuestion + "']");
      if (!parent) return;
      var wanted = fieldset.dataset.conditionAny.split(" ");
      var shown = !isHidden(parent) && chosenValues(parent).some(function (v) { return wanted.indexOf(v) >= 0; });
      fieldset.hidden = !shown;
      fieldset.classList.remove("condition-off");
    });
  }

  function keepExclusive(input) {
    if (input.type !== "checkbox" || !input.checked) return;
    var fieldset = fieldsetOf(input);
    fieldset.querySelectorAll("input[type=checkbox][name='" + input.name + "']").forEach(function (other) {
      if (other === input) return;
      if (input.hasAttribute("data-exclusive") || other.hasAttribute("data-exclusive")) other.checked = false;
    });
  }

  function showProgress(data) {
    var text = document.querySelector("[data-progress-text]");
    var bar = document.querySelector("[data-progress-bar]");
    if (text) text.textContent = messages.msgProgress
      .replace("%(answered)s", data.answered).replace("%(applicable)s", data.applicable);
    if (bar) {
      bar.setAttribute("aria-valuenow", data.percent);
      var fill = bar.firstElementChild;
      fill.className = fill.className.replace(/\bw-pct-\d+\b/, "w-pct-" + data.percent);
    }
  }

  function save(fieldset) {
    var state = fieldset.querySelector("[data-save-state]");
    var values = chosenValues(fieldset);
    if (!values.length && fieldset.dataset.kind !== "multiple") return;
    var body = new FormData();
    body.append("question", fieldset.dataset.question);
    values.forEach(function (value) { body.append("option", value); });
    var note = fieldset.querySelector("textarea");
    if (note) body.append("note", note.value);
    var notePrivate = fieldset.querySelector("[data-note-private]");
    if (notePrivate) {
      body.append("note_private_field", "1");
      if (notePrivate.checked) body.append("note_private", "1");
    }
    state.textContent = messages.msgSaving;
    state.dataset.state = "saving";
    state.className = "small mb-0 mt-2 save-state text-body-secondary";
    fetch(form.dataset.saveUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (reply) {
      if (!reply.ok) {
        state.dataset.state = "failed";
        state.textContent = reply.data.error || messages.msgFailed;
        state.className = "small mb-0 mt-2 save-state text-danger";
        if (reply.data.results) window.location.assign(reply.data.results);
        return;
      }
      state.dataset.state = "saved";
      var badge = fieldset.querySelector("[data-unconfirmed-badge]");
      if (badge) badge.parentNode.remove();
      state.textContent = "✓ " + messages.msgSaved;
      state.className = "small mb-0 mt-2 save-state text-success-emphasis";
      showProgress(reply.data);
    }).catch(function () {
      state.dataset.state = "failed";
      state.textContent = messages.msgFailed;
      state.className = "small mb-0 mt-2 save-state text-danger";
    });
  }

  form.addEventListener("change", function (event) {
    var input = event.target;
    var fieldset = fieldsetOf(input);
    if (!fieldset) return;
    if (input.tagName === "INPUT") {
      keepExclusive(input);
      applyConditions();
    }
    save(fieldset);
  });
  applyConditions();
})();
