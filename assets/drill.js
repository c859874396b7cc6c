// Drill page: keyboard shortcuts and the multiple-response count. Everything also works without it
// (plain form posts; the server refuses a check with the wrong number of options).
(function () {
  "use strict";
  var form = document.getElementById("check-form");
  var check = document.getElementById("check");
  var state = document.getElementById("check-state");
  var needed = form ? parseInt(form.getAttribute("data-needed"), 10) || 1 : 0;

  function choices() { return form ? form.querySelectorAll('input[name="choice"]') : []; }
  function chosenCount() {
    var n = 0, all = choices();
    for (var i = 0; i < all.length; i++) if (all[i].checked) n++;
    return n;
  }
  // Check answer stays disabled until exactly the stated number of options is chosen.
  function update() {
    if (!form) return;
    var n = chosenCount();
    check.disabled = n !== needed;
    if (needed > 1) {
      state.textContent = n === needed ? "" : "Choose " + needed + " answers (" + n + " chosen).";
    }
  }
  if (form) {
    form.addEventListener("change", update);
    update();
  }
  var feedback = document.getElementById("feedback");
  if (feedback && window.location.hash === "#feedback") feedback.focus();

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.tagName === "TEXTAREA" || t.tagName === "SELECT" ||
        (t.tagName === "INPUT" && /text|email|password|search|number/.test(t.type)))) return;
    var k = e.key;
    if (k === "n" || k === "N") {
      var next = document.getElementById("next") || document.getElementById("skip");
      if (next) { next.click(); e.preventDefault(); }
      return;
    }
    if (!form) return;
    var all = choices(), idx = -1;
    if (/^[1-9]$/.test(k)) idx = parseInt(k, 10) - 1;
    else if (/^[a-hA-H]$/.test(k)) idx = k.toUpperCase().charCodeAt(0) - 65;
    if (idx >= 0 && idx < all.length) {
      var input = all[idx];
      input.checked = input.type === "radio" ? true : !input.checked;
      input.focus();
      update();
      e.preventDefault();
      return;
    }
    var confidence = { s: "sure", u: "unsure", g: "guess" }[k.toLowerCase()];
    if (confidence) {
      var radio = document.getElementById("confidence-" + confidence);
      if (radio) { radio.checked = true; radio.focus(); e.preventDefault(); }
      return;
    }
    if (k === "Enter" && !(t && t.tagName === "BUTTON")) {
      if (!check.disabled) { form.requestSubmit ? form.requestSubmit(check) : form.submit(); }
      e.preventDefault();
    }
  });
})();
