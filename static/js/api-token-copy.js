// The "Copy the token" button on the page shown once after making an API token:
// <button data-copy-target="ID" data-copy-status="ID" hidden>. Without JavaScript it stays
// hidden and the token can still be selected and copied by hand. The status element is a live
// region, so a screen reader hears "Copied" (or what to do instead).
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
        say(statusId, "Copied. Paste it into the program that uses it.");
      };
      var failed = function () {
        field.focus();
        field.select();
        say(statusId, "Could not copy. The token is selected: copy it with your device's copy command.");
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
