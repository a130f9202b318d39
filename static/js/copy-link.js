// "Copy" buttons for a link or a token shown in a field:
// <button data-copy-target="ID" data-copy-status="ID" data-copy-done="…" data-copy-failed="…" hidden>.
// The button stays hidden without JavaScript (the text can still be selected and copied by hand);
// the status element is a live region, so a screen reader hears that the copy worked, or what
// to do instead. The messages come from the button, so each page says what it copied.
(function () {
  "use strict";

  function say(statusId, text) {
    var status = statusId && document.getElementById(statusId);
    if (status) {
      // Emptied first, so a second copy is announced again.
      status.textContent = "";
      window.setTimeout(function () { status.textContent = text; }, 50);
    }
  }

  function copyBySelection(field) {
    field.focus();
    field.select();
    try {
      return document.execCommand("copy");
    } catch (err) {
      return false;
    }
  }

  document.querySelectorAll("button[data-copy-target]").forEach(function (button) {
    var field = document.getElementById(button.dataset.copyTarget);
    if (!field) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var statusId = button.dataset.copyStatus;
      var done = function () {
        button.focus();
        say(statusId, button.dataset.copyDone || "Copied.");
      };
      var failed = function () {
        field.focus();
        field.select();
        say(statusId, button.dataset.copyFailed || "Could not copy. The text is selected: copy it with your device's copy command.");
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () {
          if (copyBySelection(field)) { done(); } else { failed(); }
        });
      } else if (copyBySelection(field)) {
        done();
      } else {
        failed();
      }
    });
  });
})();
