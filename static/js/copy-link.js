// "Copy link" buttons: <button data-copy-target="ID" data-copy-status="ID" hidden>.
// The button stays hidden without JavaScript (the text can still be selected and copied by hand);
// the status element is a live region, so a screen reader hears that the copy worked.
(function () {
  "use strict";

  function say(statusId, text) {
    var status = statusId && document.getElementById(statusId);
    if (status) {
      status.textContent = text;
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
      var done = function () { say(statusId, "Link copied. Now paste it into your calendar."); };
      var failed = function () {
        field.focus();
        field.select();
        say(statusId, "Could not copy. The link is selected: copy it with your device's copy command.");
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
