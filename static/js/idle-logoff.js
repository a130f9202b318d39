// Automatic logoff warning (accounts/idle.py, templates/_idle_dialog.html).
// <body data-idle-seconds-left data-idle-limit-seconds data-idle-warning-seconds
//       data-idle-keep-alive-url> says how long this session has left. Before it ends, a modal
// <dialog> offers "Stay signed in" (POST to the keep-alive address, as often as wanted) and
// "Sign out". When the time is up, the script first asks the server how long is left (another
// tab may have been used meanwhile); if the session has ended it reloads the page, which the
// server answers with the sign-in page and a link back here.
(function () {
  "use strict";

  var body = document.body;
  var dialog = document.getElementById("idle-dialog");
  if (!dialog || !body.dataset.idleSecondsLeft || typeof dialog.showModal !== "function") {
    return;
  }
  var keepAliveUrl = body.dataset.idleKeepAliveUrl;
  var limitMs = Number(body.dataset.idleLimitSeconds) * 1000;
  var warningMs = Number(body.dataset.idleWarningSeconds) * 1000;
  var deadline = Date.now() + Number(body.dataset.idleSecondsLeft) * 1000;
  var stayButton = dialog.querySelector("[data-idle-stay]");
  var countdown = dialog.querySelector("[data-idle-countdown]");
  var announce = dialog.querySelector("[data-idle-announce]");
  var problem = dialog.querySelector("[data-idle-problem]");
  var tokenField = dialog.querySelector("input[name=csrfmiddlewaretoken]");
  var busy = false;
  var saidLastMinute = false;

  function describe(ms) {
    var seconds = Math.max(0, Math.ceil(ms / 1000));
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    var parts = [];
    if (minutes) {
      parts.push(minutes + (minutes === 1 ? " minute" : " minutes"));
    }
    if (rest || !minutes) {
      parts.push(rest + (rest === 1 ? " second" : " seconds"));
    }
    return parts.join(" ");
  }

  function say(text) {
    // Emptied first, so the same words are announced again when they come back.
    announce.textContent = "";
    window.setTimeout(function () { announce.textContent = text; }, 100);
  }

  function open(left) {
    problem.hidden = true;
    countdown.textContent = describe(left);
    dialog.showModal();
    stayButton.focus();
    saidLastMinute = left <= 60000;
    say("You will be signed out in " + describe(left) + ". Choose Stay signed in to carry on.");
  }

  function close() {
    if (dialog.open) {
      dialog.close();
    }
  }

  function reloadHere() {
    // Without the #fragment: assigning the same address with one would only scroll.
    window.location.assign(window.location.href.split("#")[0]);
  }

  function request(method) {
    var headers = {"X-Requested-With": "fetch"};
    if (method === "POST") {
      headers["X-CSRFToken"] = tokenField ? tokenField.value : "";
    }
    // "manual": a signed-out session answers with a redirect to the sign-in page, which the
    // script handles by reloading this page rather than fetching that one out of sight.
    return window.fetch(keepAliveUrl, {
      method: method, headers: headers, credentials: "same-origin", redirect: "manual"
    });
  }

  function stay() {
    if (busy) {
      return;
    }
    busy = true;
    request("POST").then(function (response) {
      busy = false;
      if (response.status === 204) {
        deadline = Date.now() + limitMs;
        close();
      } else {
        reloadHere();
      }
    }, function () {
      busy = false;
      problem.hidden = false;
      say(problem.textContent);
    });
  }

  function timeUp() {
    busy = true;
    request("GET").then(function (response) {
      busy = false;
      if (response.status !== 200) {
        reloadHere();
        return null;
      }
      return response.json().then(function (data) {
        var left = Number(data.seconds_left) * 1000;
        // Used in another tab meanwhile: keep counting from the server's figure.
        deadline = Date.now() + (left > 0 ? left : 1000);
        if (left > warningMs) {
          close();
        }
      });
    }, function () {
      // Offline: the server ends the session on time anyway; try again shortly.
      busy = false;
      deadline = Date.now() + 5000;
    });
  }

  function tick() {
    var left = deadline - Date.now();
    if (busy) {
      return;
    }
    if (left <= 0) {
      timeUp();
      return;
    }
    if (left <= warningMs) {
      if (!dialog.open) {
        open(left);
      } else {
        countdown.textContent = describe(left);
        if (!saidLastMinute && left <= 60000) {
          saidLastMinute = true;
          say("1 minute left before you are signed out.");
        }
      }
    }
  }

  stayButton.addEventListener("click", stay);
  // Escape would only hide the warning and leave the session to end: the person is clearly
  // here, so it counts as "Stay signed in".
  dialog.addEventListener("cancel", function (event) {
    event.preventDefault();
    stay();
  });
  window.setInterval(tick, 1000);
})();
