/* Guided-recording players (templates/authoring/_player.html): a progressive enhancement over
   the browser's own <audio controls>.

   - Playback speed (0.75× to 1.5×), remembered for every recording on this device.
   - Where the person stopped is kept per recording (localStorage); next time they choose
     "Resume from 3:10" or "Start from the beginning" rather than being moved without asking.
   - The minutes actually spent listening (wall-clock, so 1.5× speed counts as it felt) go into
     the "Log this practice" link, which opens the practice log form prefilled. */
(function () {
  "use strict";

  var SPEED_KEY = "stillwater:playback-speed";
  var SPEEDS = ["0.75", "1", "1.25", "1.5"];

  function read(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  function write(key, value) {
    try {
      if (value === null) { window.localStorage.removeItem(key); } else { window.localStorage.setItem(key, value); }
    } catch (e) { /* storage full or blocked: the player still works, it just forgets */ }
  }
  function clock(seconds) {
    var whole = Math.floor(seconds);
    var h = Math.floor(whole / 3600);
    var m = Math.floor((whole % 3600) / 60);
    var s = whole % 60;
    var mm = h ? (m < 10 ? "0" + m : String(m)) : String(m);
    return (h ? h + ":" : "") + mm + ":" + (s < 10 ? "0" + s : s);
  }

  function setup(root) {
    var audio = root.querySelector("[data-player-audio]");
    if (!audio) { return; }
    var positionKey = "stillwater:recording:" + root.getAttribute("data-recording") + ":position";
    var speedField = root.querySelector("[data-player-speed-field]");
    var speed = root.querySelector("[data-player-speed]");
    var resume = root.querySelector("[data-player-resume]");
    var log = root.querySelector("[data-player-log]");
    var listened = 0;
    var lastTick = null;
    var lastSaved = 0;

    var saved = read(SPEED_KEY);
    if (SPEEDS.indexOf(saved) === -1) { saved = "1"; }
    speed.value = saved;
    audio.defaultPlaybackRate = Number(saved);
    audio.playbackRate = Number(saved);
    speedField.hidden = false;
    speed.addEventListener("change", function () {
      audio.playbackRate = Number(speed.value);
      audio.defaultPlaybackRate = Number(speed.value);
      write(SPEED_KEY, speed.value);
    });
    // Some browsers reset the rate when the source loads.
    audio.addEventListener("loadedmetadata", function () { audio.playbackRate = Number(speed.value); });

    var position = Number(read(positionKey) || 0);
    if (position > 5) {
      var continueButton = root.querySelector("[data-player-continue]");
      // One text node: a flex button would drop the space before a separate element.
      continueButton.textContent = "Resume from " + clock(position);
      resume.hidden = false;
      continueButton.addEventListener("click", function () {
        audio.currentTime = position;
        resume.hidden = true;
        audio.play();
        audio.focus();
      });
      root.querySelector("[data-player-restart]").addEventListener("click", function () {
        audio.currentTime = 0;
        write(positionKey, null);
        resume.hidden = true;
        audio.play();
        audio.focus();
      });
    }

    function tick() {
      var now = Date.now();
      if (lastTick !== null && !audio.paused) {
        var step = (now - lastTick) / 1000;
        if (step > 0 && step < 5) { listened += step; }
      }
      lastTick = audio.paused ? null : now;
      if (audio.currentTime - lastSaved > 5 || audio.currentTime < lastSaved) {
        lastSaved = audio.currentTime;
        write(positionKey, String(Math.floor(audio.currentTime)));
      }
      if (log && listened >= 30) {
        var url = new URL(log.href, window.location.href);
        url.searchParams.set("minutes", String(Math.max(1, Math.round(listened / 60))));
        log.href = url.pathname + url.search;
      }
    }
    audio.addEventListener("play", function () { lastTick = Date.now(); resume.hidden = true; });
    audio.addEventListener("timeupdate", tick);
    audio.addEventListener("pause", function () {
      tick();
      write(positionKey, String(Math.floor(audio.currentTime)));
    });
    audio.addEventListener("ended", function () {
      tick();
      write(positionKey, null);
    });
  }

  var players = document.querySelectorAll("[data-audio-player]");
  for (var i = 0; i < players.length; i += 1) { setup(players[i]); }
})();
