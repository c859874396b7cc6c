// mockexam exam page: autosave, countdown, keyboard. The page works without this script (plain forms);
// this only makes it quicker and safer. The server holds the deadline: the countdown is display only.
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  // ---- countdown, warnings at 15 and 5 minutes (announced once each, not every second)
  var timer = document.getElementById("timer");
  if (timer) {
    var remaining = parseInt(timer.dataset.remaining, 10) || 0;
    var endsAt = Date.now() + remaining * 1000;
    var alertBox = document.getElementById("timer-alert");
    var warnBox = document.getElementById("time-warning");
    var warned = { 15: remaining <= 15 * 60, 5: remaining <= 5 * 60 };
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    var tick = function () {
      var left = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
      timer.textContent = Math.floor(left / 3600) + ":" + pad(Math.floor(left % 3600 / 60)) + ":" + pad(left % 60);
      [15, 5].forEach(function (m) {
        if (!warned[m] && left <= m * 60) {
          warned[m] = true;
          var msg = m + " minutes left.";
          if (alertBox) alertBox.textContent = msg;
          if (warnBox) { warnBox.textContent = msg + " Answers are saved as you go."; warnBox.hidden = false; }
        }
      });
      if (left <= 300) timer.classList.add("low");
      if (left <= 0) {
        clearInterval(handle);
        // The server finishes the attempt at the deadline; going there shows the results.
        setTimeout(function () { window.location.href = timer.dataset.expiredUrl; }, 1500);
      }
    };
    var handle = setInterval(tick, 1000);
    tick();
  }

  // ---- autosave
  var form = document.getElementById("answer-form");
  if (!form) return;
  var stateEl = document.getElementById("save-state");
  var pending = null, inFlight = false, retryDelay = 1000;
  var show = function (text, isError) {
    stateEl.textContent = text;
    stateEl.classList.toggle("error", !!isError);
  };
  var body = function () {
    var params = new URLSearchParams();
    params.append("csrf", csrf);
    form.querySelectorAll('input[name="choice"]:checked').forEach(function (i) { params.append("choice", i.value); });
    if (document.getElementById("flagged").checked) params.append("flagged", "on");
    return params;
  };
  var send = function () {
    if (inFlight) return;
    var params = pending; pending = null;
    if (!params) return;
    inFlight = true;
    show("Saving…");
    fetch(form.action, {
      method: "POST",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf,
                 "Content-Type": "application/x-www-form-urlencoded" },
      body: params.toString(), credentials: "same-origin"
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) { return { res: res, data: data }; });
    }).then(function (r) {
      inFlight = false;
      if (r.res.redirected && r.res.url.indexOf("/signin") !== -1) {
        // Signed out (elsewhere, or the session ended): retrying cannot help; say what to do.
        pending = null;
        show("You are signed out, so this answer was not saved. Sign in again in another tab, then choose it again; answers saved before are kept.", true);
        return;
      }
      if (r.res.ok && r.data.saved) {
        retryDelay = 1000;
        show(pending ? "Saving…" : "Answer saved.");
        var a = document.getElementById("answered-count"), f = document.getElementById("flagged-count");
        if (a) a.textContent = r.data.answered;
        if (f) f.textContent = r.data.flagged;
        send();
      } else if (r.res.status === 409) {
        show(r.data.error || "This attempt is finished.", true);
        if (r.data.redirect) setTimeout(function () { window.location.href = r.data.redirect; }, 4000);
      } else if (r.res.status >= 400 && r.res.status < 500) {
        show((r.data.error || "The answer was refused.") + " Reload the page.", true);
      } else {
        throw new Error("server error " + r.res.status);
      }
    }).catch(function () {
      // Lost connection or server error: keep the latest answer and retry; never drop it silently.
      inFlight = false;
      if (!pending) pending = params;
      show("Not saved: connection problem. Retrying in " + Math.round(retryDelay / 1000) + " s…", true);
      setTimeout(send, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    });
  };
  var queueSave = function () { pending = body(); send(); };
  form.addEventListener("change", queueSave);
  window.addEventListener("online", send);
  window.addEventListener("beforeunload", function (e) {
    if (pending || inFlight) { e.preventDefault(); e.returnValue = ""; }
  });
  // Navigating with the buttons posts the form itself (which saves too): no unsaved-change prompt then.
  form.addEventListener("submit", function () { pending = null; inFlight = false; });

  // ---- keyboard: 1-9 / A-H choose, N or → next, P or ← previous, F flag, R review
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.tagName === "TEXTAREA" || (t.tagName === "INPUT" && /text|email|password|search/.test(t.type)))) return;
    var inputs = form.querySelectorAll('input[name="choice"]');
    var k = e.key, idx = -1;
    if (/^[1-9]$/.test(k)) idx = parseInt(k, 10) - 1;
    else if (/^[a-hA-H]$/.test(k) && !/^[fFnNpPrR]$/.test(k)) idx = k.toUpperCase().charCodeAt(0) - 65;
    if (idx >= 0 && idx < inputs.length) {
      var input = inputs[idx];
      input.checked = input.type === "radio" ? true : !input.checked;
      input.focus();
      queueSave();
      e.preventDefault();
      return;
    }
    var click = function (id) { var b = document.getElementById(id); if (b) { b.click(); e.preventDefault(); } };
    if (k === "n" || k === "N" || k === "ArrowRight") click("next");
    else if (k === "p" || k === "P" || k === "ArrowLeft") click("prev");
    else if (k === "r" || k === "R") click("review");
    else if (k === "f" || k === "F") {
      var flag = document.getElementById("flagged");
      flag.checked = !flag.checked; queueSave(); e.preventDefault();
    }
  });
})();
