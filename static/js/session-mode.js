// The session-mode form (<form data-session-mode>): shows only the fields of the way of meeting
// chosen in the radio group. Without JavaScript every field stays visible, each with a hint
// saying which way of meeting it is for, and the server ignores the ones not chosen.
(function () {
  "use strict";

  document.querySelectorAll("form[data-session-mode]").forEach(function (form) {
    var radios = form.querySelectorAll('input[type="radio"][name="modality"]');
    var groups = form.querySelectorAll("[data-mode-for]");

    function update() {
      var chosen = "";
      radios.forEach(function (radio) {
        if (radio.checked) {
          chosen = radio.value;
        }
      });
      groups.forEach(function (group) {
        // A field with an error stays visible, so the message is never hidden.
        var hasError = group.querySelector(".errorlist") !== null;
        group.hidden = Boolean(chosen) && group.dataset.modeFor !== chosen && !hasError;
      });
    }

    radios.forEach(function (radio) {
      radio.addEventListener("change", update);
    });
    update();
  });
})();
