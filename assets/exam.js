// mockexam exam page: autosave, countdown, keyboard. The page works without this script (plain forms);
// this only makes it quicker and safer. The server holds the deadline: the countdown is display only.
//
// Answers are never dropped silently: every choice is kept in localStorage until the server confirms it,
// retried while the connection is down, resent after signing in again, and a save from a stale tab (the
// item's revision moved on) shows the newer answer instead of overwriting it.
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

  var form = document.getElementById("answer-form");
  if (!form) return;
  var attempt = form.dataset.attempt, position = parseInt(form.dataset.position, 10);
  var count = parseInt(form.dataset.count, 10), needed = parseInt(form.dataset.needed, 10) || 1;
  var multiple = form.dataset.multiple === "true";
  var stateEl = document.getElementById("save-state");
  var revisionEl = document.getElementById("revision");
  var incompleteEl = document.getElementById("incomplete");
  var words = ["zero", "one", "TWO", "THREE", "FOUR", "FIVE"];
  var show = function (text, isError) {
    stateEl.textContent = text;
    stateEl.classList.toggle("error", !!isError);
  };
  var choices = function () { return form.querySelectorAll('input[name="choice"]'); };
  var store = {
    key: function (p) { return "mockexam:pending:" + attempt + ":" + p; },
    put: function (p, v) { try { localStorage.setItem(store.key(p), JSON.stringify(v)); } catch (e) { /* private mode */ } },
    get: function (p) { try { return JSON.parse(localStorage.getItem(store.key(p)) || "null"); } catch (e) { return null; } },
    drop: function (p) { try { localStorage.removeItem(store.key(p)); } catch (e) { /* ignore */ } },
    positions: function () {
      var out = [];
      try {
        for (var i = 0; i < localStorage.length; i++) {
          var k = localStorage.key(i), prefix = "mockexam:pending:" + attempt + ":";
          if (k && k.indexOf(prefix) === 0) out.push(parseInt(k.slice(prefix.length), 10));
        }
      } catch (e) { /* ignore */ }
      return out;
    }
  };

  // ---- "You chose 3; this question needs TWO" at once, for multiple response
  var updateIncomplete = function () {
    if (!multiple || !incompleteEl) return;
    var n = form.querySelectorAll('input[name="choice"]:checked').length;
    var word = words[needed] || String(needed);
    if (n > 0 && n !== needed) {
      incompleteEl.textContent = "You chose " + n + "; this question needs " + word +
        ". It is saved, but it can only score with exactly " + word + " chosen.";
      incompleteEl.hidden = false;
    } else {
      incompleteEl.hidden = true;
      incompleteEl.textContent = "";
    }
  };

  // ---- autosave
  var current = function () {
    var chosen = [];
    form.querySelectorAll('input[name="choice"]:checked').forEach(function (i) { chosen.push(i.value); });
    // "live": chosen on this page; it is sent with the latest revision this page has confirmed.
    return { choices: chosen, flagged: document.getElementById("flagged").checked, revision: revisionEl.value, live: true };
  };
  var params = function (v) {
    var p = new URLSearchParams();
    p.append("csrf", csrf);
    v.choices.forEach(function (c) { p.append("choice", c); });
    if (v.flagged) p.append("flagged", "on");
    if (v.revision !== undefined && v.revision !== null && v.revision !== "") p.append("revision", v.revision);
    return p;
  };
  var apply = function (chosen, flagged) {
    choices().forEach(function (i) { i.checked = chosen.indexOf(parseInt(i.value, 10)) !== -1; });
    document.getElementById("flagged").checked = !!flagged;
    updateIncomplete();
  };
  var signInUrl = "/signin?next=" + encodeURIComponent("/attempts/" + attempt + "/q/" + position);
  var signedOut = function () {
    stateEl.innerHTML = "";
    var text = document.createTextNode("You are signed out, so this answer is not saved yet. It is kept on this device: ");
    var link = document.createElement("a");
    link.href = signInUrl; link.textContent = "sign in again";
    stateEl.appendChild(text); stateEl.appendChild(link);
    stateEl.appendChild(document.createTextNode(" and it will be saved. Answers saved before are kept."));
    stateEl.classList.add("error");
  };

  var pending = null, inFlight = false, retryDelay = 1000, afterSave = null;
  var post = function (p, v) {
    return fetch("/attempts/" + attempt + "/q/" + p, {
      method: "POST",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf,
                 "Content-Type": "application/x-www-form-urlencoded" },
      body: params(v).toString(), credentials: "same-origin"
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) { return { res: res, data: data }; });
    });
  };
  var send = function () {
    if (inFlight) return;
    var v = pending; pending = null;
    if (!v) { if (afterSave) { var go = afterSave; afterSave = null; go(); } return; }
    // Saves go one at a time: a choice made while the previous save was in flight takes its revision.
    if (v.live) v.revision = revisionEl.value;
    inFlight = true;
    show("Saving…");
    post(position, v).then(function (r) {
      inFlight = false;
      if ((r.res.redirected && r.res.url.indexOf("/signin") !== -1) || r.res.status === 401 || r.res.status === 403) {
        // Signed out (elsewhere, or the session ended): keep the answer and say how to save it.
        pending = null; afterSave = null;
        signedOut();
        return;
      }
      if (r.res.ok && r.data.saved) {
        retryDelay = 1000;
        revisionEl.value = r.data.revision;
        if (!pending) store.drop(position);
        show(pending ? "Saving…" : "Answer saved.");
        var a = document.getElementById("answered-count"), f = document.getElementById("flagged-count");
        var ic = document.getElementById("incomplete-count"), ib = document.getElementById("incomplete-box");
        if (a) a.textContent = r.data.answered;
        if (f) f.textContent = r.data.flagged;
        if (ic) ic.textContent = r.data.incomplete;
        if (ib) ib.hidden = !r.data.incomplete;
        send();
      } else if (r.res.status === 409 && r.data.stale) {
        // Another tab saved since this page loaded: show its answer, overwrite nothing.
        revisionEl.value = r.data.revision;
        store.drop(position);
        pending = null; afterSave = null;
        apply(r.data.chosen, r.data.flagged);
        show(r.data.error, true);
      } else if (r.res.status === 409) {
        store.drop(position);
        show(r.data.error || "This attempt is finished.", true);
        if (r.data.redirect) setTimeout(function () { window.location.href = r.data.redirect; }, 4000);
      } else if (r.res.status >= 400 && r.res.status < 500) {
        store.drop(position);
        show((r.data.error || "The answer was refused.") + " Reload the page.", true);
      } else {
        var e = new Error("server error " + r.res.status);
        // 503: busy, nothing changed; the server says when to try again.
        if (r.res.status === 503) e.retryAfter = parseInt(r.res.headers.get("Retry-After"), 10) || 2;
        throw e;
      }
    }).catch(function (e) {
      // Lost connection or server error: keep the latest answer and retry; never drop it silently.
      inFlight = false;
      if (!pending) pending = v;
      var wait = e && e.retryAfter ? Math.max(e.retryAfter * 1000, 1000) : retryDelay;
      show("Not saved yet: " + (e && e.retryAfter ? "the server is busy" : "connection problem") +
        ". Your answer is kept on this device; retrying in " + Math.round(wait / 1000) + " s…", true);
      setTimeout(send, wait);
      retryDelay = Math.min(retryDelay * 2, 30000);
    });
  };
  var queueSave = function () {
    updateIncomplete();
    pending = current();
    store.put(position, pending);
    send();
  };
  form.addEventListener("change", queueSave);
  window.addEventListener("online", function () { retryDelay = 1000; send(); });
  window.addEventListener("beforeunload", function (e) {
    if (pending || inFlight) { e.preventDefault(); e.returnValue = ""; }
  });

  // Navigating with the buttons posts the form (which saves too). While an answer is still unsaved
  // (offline, retrying), stay here and move on once it is saved, so the answer is never lost.
  var target = function (go) {
    var base = "/attempts/" + attempt;
    if (go === "prev" && position > 1) return base + "/q/" + (position - 1);
    if (go === "next" && position < count) return base + "/q/" + (position + 1);
    if (go === "review" || go === "next") return base + "/review";
    if (go === "submit") return base + "/submit";
    return base + "/q/" + position;
  };
  form.addEventListener("submit", function (e) {
    var go = e.submitter ? e.submitter.value : "stay";
    if (pending || inFlight || !navigator.onLine) {
      e.preventDefault();
      if (!pending && !inFlight) { pending = current(); store.put(position, pending); }
      afterSave = function () { window.location.href = target(go); };
      show("Not saved yet: you seem to be offline. Your answer is kept on this device; the page moves on once it is saved.", true);
      send();
      return;
    }
    store.drop(position);
  });

  // ---- answers kept from before (connection lost, signed out): resend them now.
  store.positions().forEach(function (p) {
    var v = store.get(p);
    if (!v) { store.drop(p); return; }
    if (p === position) {
      apply(v.choices.map(function (c) { return parseInt(c, 10); }), v.flagged);
      v.live = false; // sent with the revision it was chosen against, so a newer answer is not overwritten
      pending = v;
      show("Saving the answer you chose before the connection was lost…");
      send();
    } else {
      post(p, v).then(function (r) {
        if (r.res.ok || (r.res.status >= 400 && r.res.status < 500 && r.res.status !== 401 && r.res.status !== 403)) store.drop(p);
      }).catch(function () { /* kept for the next page */ });
    }
  });
  updateIncomplete();

  // ---- keyboard: 1-9 / A-H choose, N next, P previous, F flag, R review. Single-key shortcuts can be
  // turned off (WCAG 2.1.4), are off while typing, and arrow keys keep their usual meaning.
  var toggle = document.getElementById("shortcuts-toggle");
  var shortcutsOn = function () { try { return localStorage.getItem("mockexam:shortcuts") !== "off"; } catch (e) { return true; } };
  if (toggle) {
    toggle.checked = shortcutsOn();
    toggle.addEventListener("change", function () {
      try { localStorage.setItem("mockexam:shortcuts", toggle.checked ? "on" : "off"); } catch (e) { /* ignore */ }
    });
  }
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || !shortcutsOn()) return;
    var t = e.target;
    if (t && (t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable ||
        (t.tagName === "INPUT" && /text|email|password|search|number/.test(t.type)))) return;
    var inputs = choices();
    var k = e.key, idx = -1;
    if (/^[1-9]$/.test(k)) idx = parseInt(k, 10) - 1;
    else if (/^[a-hA-H]$/.test(k) && !/^[fF]$/.test(k)) idx = k.toUpperCase().charCodeAt(0) - 65;
    if (idx >= 0 && idx < inputs.length) {
      var input = inputs[idx];
      input.checked = input.type === "radio" ? true : !input.checked;
      input.focus();
      queueSave();
      e.preventDefault();
      return;
    }
    var click = function (id) { var b = document.getElementById(id); if (b) { b.click(); e.preventDefault(); } };
    if (k === "n" || k === "N") click("next");
    else if (k === "p" || k === "P") click("prev");
    else if (k === "r" || k === "R") click("review");
    else if (k === "f" || k === "F") {
      var flag = document.getElementById("flagged");
      flag.checked = !flag.checked; queueSave(); e.preventDefault();
    }
  });
})();
