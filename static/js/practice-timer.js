/* Practice timer on a week page: a progressive enhancement over the "Log this practice" form.

   Without JavaScript the timer stays hidden and the form is filled in by hand. With it, the
   participant picks a practice and a length, and Start / Pause / Resume / Stop drive a large
   countdown. A screen reader hears only the start, a pause, one minute left and the end (a
   polite live region), never every second. The end bell is made with the Web Audio API: no
   audio file and no request. When the practice ends (or is stopped), its minutes are filled
   into the form, which the participant then saves. */
(function () {
  "use strict";

  var root = document.querySelector("[data-practice-timer]");
  var form = document.getElementById("log-form");
  if (!root || !form) {
    return;
  }

  var practiceSelect = root.querySelector("[data-timer-practice]");
  var lengthSelect = root.querySelector("[data-timer-length]");
  var digits = root.querySelector("[data-timer-digits]");
  var status = root.querySelector("[data-timer-status]");
  var buttons = {
    start: root.querySelector("[data-timer-start]"),
    pause: root.querySelector("[data-timer-pause]"),
    resume: root.querySelector("[data-timer-resume]"),
    stop: root.querySelector("[data-timer-stop]")
  };
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  var MINUTE = 60000;
  var state = "idle"; // idle, running or paused
  var totalMs = 0;
  var remainingMs = 0;
  var endAt = 0;
  var tick = null;
  var oneMinuteAnnounced = false;
  var audio = null;
  var bellVoices = [];

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function showTime(ms) {
    var seconds = Math.ceil(ms / 1000);
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var rest = seconds % 60;
    digits.textContent = hours ? hours + ":" + pad(minutes) + ":" + pad(rest) : minutes + ":" + pad(rest);
  }

  function minutesWords(n) {
    return n + (n === 1 ? " minute" : " minutes");
  }

  function announce(text) {
    // Emptying the region first makes a repeated message ("Timer paused.") be read again.
    status.textContent = "";
    window.setTimeout(function () {
      status.textContent = text;
    }, 100);
  }

  function show(names) {
    Object.keys(buttons).forEach(function (name) {
      buttons[name].hidden = names.indexOf(name) === -1;
    });
  }

  function selectedMinutes() {
    return parseInt(lengthSelect.value, 10) || 1;
  }

  function practiceName() {
    return practiceSelect.options[practiceSelect.selectedIndex].text;
  }

  function fillLengths() {
    var option = practiceSelect.options[practiceSelect.selectedIndex];
    var durations = (option.getAttribute("data-durations") || "").split(",").filter(Boolean);
    var previous = lengthSelect.value;
    lengthSelect.textContent = "";
    durations.forEach(function (value) {
      var item = document.createElement("option");
      item.value = value;
      item.textContent = minutesWords(parseInt(value, 10));
      lengthSelect.appendChild(item);
    });
    if (durations.indexOf(previous) !== -1) {
      lengthSelect.value = previous;
    }
    showTime(selectedMinutes() * MINUTE);
  }

  // --- the bell ---------------------------------------------------------------------------

  function audioReady() {
    // Browsers allow sound only after a click, so the context is made (or woken) by Start.
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) {
      return false;
    }
    if (!audio) {
      audio = new Context();
    }
    if (audio.state === "suspended") {
      audio.resume();
    }
    return true;
  }

  function scheduleBell(delaySeconds) {
    // Scheduled on the audio clock, which keeps time in a background tab where timers slow down.
    cancelBell();
    if (!audioReady()) {
      return;
    }
    var at = audio.currentTime + Math.max(0, delaySeconds);
    // A soft tone with two quieter overtones, fading over six seconds, like a small singing bowl.
    [[528, 0.16], [1056, 0.05], [1584, 0.025]].forEach(function (partial) {
      var oscillator = audio.createOscillator();
      var gain = audio.createGain();
      oscillator.type = "sine";
      oscillator.frequency.value = partial[0];
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(partial[1], at + 0.05);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 6);
      oscillator.connect(gain);
      gain.connect(audio.destination);
      oscillator.start(at);
      oscillator.stop(at + 6.2);
      bellVoices.push(oscillator);
    });
  }

  function cancelBell() {
    bellVoices.forEach(function (oscillator) {
      try {
        oscillator.stop();
      } catch (error) {
        // Already stopped: nothing to cancel.
      }
    });
    bellVoices = [];
  }

  // --- running ----------------------------------------------------------------------------

  function update() {
    remainingMs = Math.max(0, endAt - Date.now());
    showTime(remainingMs);
    if (!oneMinuteAnnounced && remainingMs <= MINUTE && remainingMs > 0) {
      oneMinuteAnnounced = true;
      announce("One minute left.");
    }
    if (remainingMs <= 0) {
      finish(true);
    }
  }

  function run() {
    endAt = Date.now() + remainingMs;
    scheduleBell(remainingMs / 1000);
    window.clearInterval(tick);
    tick = window.setInterval(update, 250);
    state = "running";
    practiceSelect.disabled = true;
    lengthSelect.disabled = true;
    show(["pause", "stop"]);
    buttons.pause.focus();
  }

  function start() {
    totalMs = selectedMinutes() * MINUTE;
    remainingMs = totalMs;
    // A one-minute practice has no "one minute left" moment to announce.
    oneMinuteAnnounced = totalMs <= MINUTE;
    run();
    announce("Timer started: " + minutesWords(selectedMinutes()) + " of " + practiceName() + ".");
  }

  function pause() {
    window.clearInterval(tick);
    cancelBell();
    remainingMs = Math.max(0, endAt - Date.now());
    state = "paused";
    show(["resume", "stop"]);
    buttons.resume.focus();
    announce("Timer paused.");
  }

  function resume() {
    run();
    announce("Timer resumed.");
  }

  function fillForm(minutes) {
    var choice = form.querySelector('input[name="practice"][value="' + practiceSelect.value + '"]');
    if (choice) {
      choice.checked = true;
    }
    var field = form.querySelector('input[name="minutes"]');
    if (field) {
      field.value = String(minutes);
    }
  }

  function finish(completed) {
    window.clearInterval(tick);
    if (state === "running") {
      remainingMs = Math.max(0, endAt - Date.now());
    }
    if (!completed) {
      cancelBell();
    }
    var practisedMs = completed ? totalMs : totalMs - remainingMs;
    var minutes = Math.round(practisedMs / MINUTE);
    state = "idle";
    practiceSelect.disabled = false;
    lengthSelect.disabled = false;
    show(["start"]);
    showTime(completed ? 0 : selectedMinutes() * MINUTE);

    var message;
    if (minutes >= 1) {
      fillForm(minutes);
      message = (completed ? "Time is up. Well done. " : "Timer stopped. ") +
        "The form below now shows " + minutesWords(minutes) + " of " + practiceName() +
        ": press “Save to my practice log” to keep it.";
    } else {
      message = "Timer stopped.";
    }
    announce(message);

    // Focus was on a button that is now hidden; take it to the form, where the next step is.
    var heading = document.getElementById("log-heading");
    var target = minutes >= 1 && heading ? heading : buttons.start;
    target.focus({ preventScroll: true });
    target.scrollIntoView({ behavior: reduceMotion ? "auto" : "smooth", block: "start" });
  }

  practiceSelect.addEventListener("change", fillLengths);
  lengthSelect.addEventListener("change", function () {
    showTime(selectedMinutes() * MINUTE);
  });
  buttons.start.addEventListener("click", start);
  buttons.pause.addEventListener("click", pause);
  buttons.resume.addEventListener("click", resume);
  buttons.stop.addEventListener("click", function () {
    finish(false);
  });
  // Timers are slowed in a hidden tab; catch up the moment the page is looked at again.
  document.addEventListener("visibilitychange", function () {
    if (state === "running" && !document.hidden) {
      update();
    }
  });

  fillLengths();
  root.hidden = false;
})();
