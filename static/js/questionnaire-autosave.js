// A whole questionnaire on one page (templates/questionnaires/questionnaire_all.html): each
// answer is saved the moment it is chosen, so nothing is lost by following a link, closing the
// tab or being signed out. <form data-autosave-url> names the address that takes one answer
// (POST item=<number>&answer=<value>, with the form's CSRF token; see
// sessions/views/questionnaires.py questionnaire_answer_save). The status line
// (<p role="status" data-autosave-status>) says "Saved" politely; a refused answer gets its
// message beside the question. While a choice is not yet saved, leaving the page asks first.
// Without JavaScript the page still works: "Save and come back later" saves every choice.
(function () {
  "use strict";

  var form = document.querySelector("form[data-autosave-url]");
  if (!form || typeof window.fetch !== "function") {
    return;
  }
  var url = form.dataset.autosaveUrl;
  var status = form.querySelector("[data-autosave-status]");
  var tokenField = form.querySelector("input[name=csrfmiddlewaretoken]");
  // Question number → the value chosen last and not yet sent (the newest choice wins).
  var waiting = {};
  // Question numbers whose chosen answer is not confirmed saved.
  var unsaved = {};
  var busy = false;
  var submitting = false;

  function itemOf(input) {
    var match = /^q(\d+)$/.exec(input.name);
    return match ? match[1] : null;
  }

  function chosenValue(item) {
    var checked = form.querySelector("input[name=q" + item + "]:checked");
    return checked ? checked.value : null;
  }

  function say(text) {
    if (!status) {
      return;
    }
    // Emptied first, so the same words ("Saved") are announced again each time.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 100);
  }

  function fieldsetOf(item) {
    var input = form.querySelector("input[name=q" + item + "]");
    return input ? input.closest("fieldset") : null;
  }

  function showProblem(item, text) {
    var fieldset = fieldsetOf(item);
    if (!fieldset) {
      return;
    }
    var message = fieldset.querySelector("[data-autosave-error]");
    if (!message) {
      message = document.createElement("p");
      message.className = "error-message";
      message.id = "q" + item + "-autosave-error";
      message.setAttribute("data-autosave-error", "");
      var list = fieldset.querySelector(".radio-list");
      fieldset.insertBefore(message, list);
      var described = fieldset.getAttribute("aria-describedby");
      fieldset.setAttribute("aria-describedby", (described ? described + " " : "") + message.id);
    }
    message.textContent = text;
  }

  function clearProblem(item) {
    var fieldset = fieldsetOf(item);
    var message = fieldset && fieldset.querySelector("[data-autosave-error]");
    if (!message) {
      return;
    }
    var described = (fieldset.getAttribute("aria-describedby") || "")
      .split(" ").filter(function (id) { return id && id !== message.id; }).join(" ");
    if (described) {
      fieldset.setAttribute("aria-describedby", described);
    } else {
      fieldset.removeAttribute("aria-describedby");
    }
    message.remove();
  }

  function notSaved(item, reason) {
    var text = "Your answer to question " + item + " is not saved yet. " + reason;
    showProblem(item, text);
    say(text);
  }

  function send(item, value) {
    var body = new FormData();
    body.append("item", item);
    body.append("answer", value);
    // "manual": a session that has ended answers with a redirect to the sign-in page, which
    // must not be fetched out of sight and mistaken for a saved answer.
    return window.fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      redirect: "manual",
      headers: {
        "X-CSRFToken": tokenField ? tokenField.value : "",
        "X-Requested-With": "fetch",
        "Accept": "application/json"
      }
    }).then(function (response) {
      if (response.type === "opaqueredirect" || response.status === 0) {
        return {saved: false, error: "You may have been signed out. Use “Save and come back later”: after signing in again your choices are kept."};
      }
      return response.json().catch(function () {
        return {saved: false, error: "Please try again, or use “Save and come back later”."};
      });
    });
  }

  function pump() {
    if (busy) {
      return;
    }
    var items = Object.keys(waiting);
    if (!items.length) {
      return;
    }
    var item = items[0];
    var value = waiting[item];
    delete waiting[item];
    busy = true;
    send(item, value).then(function (result) {
      busy = false;
      // A newer choice for the same question is already waiting: its own answer will speak.
      if (!(item in waiting)) {
        if (result.saved) {
          if (chosenValue(item) === value) {
            delete unsaved[item];
          }
          clearProblem(item);
          say("Saved");
        } else {
          notSaved(item, result.error || "");
        }
      }
      pump();
    }, function () {
      busy = false;
      notSaved(item, "There is no connection at the moment. Choose it again, or use “Save and come back later”, once you are back online.");
      pump();
    });
  }

  form.addEventListener("change", function (event) {
    var input = event.target;
    if (!input || input.type !== "radio" || !input.checked) {
      return;
    }
    var item = itemOf(input);
    if (item === null) {
      return;
    }
    unsaved[item] = true;
    waiting[item] = input.value;
    pump();
  });

  // Either button sends every choice with the form itself: nothing is lost by leaving then.
  form.addEventListener("submit", function () {
    submitting = true;
  });

  window.addEventListener("beforeunload", function (event) {
    if (submitting || !Object.keys(unsaved).length) {
      return undefined;
    }
    event.preventDefault();
    // Older browsers show the question only when returnValue is set.
    event.returnValue = "";
    return "";
  });
})();
