// Question editor: the preview and the bank check follow the typing (debounced), Ctrl+S (Cmd+S) saves, and a
// message's "line N" link puts the cursor on that line. Without it the page works by plain form posts.
(function () {
  "use strict";
  var form = document.getElementById("editor-form");
  var source = document.getElementById("source");
  var report = document.getElementById("report");
  if (!form || !source || !report) return;
  var token = document.querySelector('meta[name="csrf-token"]');
  var timer = null, sent = 0;

  function refresh() {
    var n = ++sent;
    var body = new URLSearchParams();
    body.set("exam", form.elements.exam.value);
    body.set("source", source.value);
    if (form.elements.id) body.set("id", form.elements.id.value);
    fetch("/instructor/preview", {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": token ? token.content : "", "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString()
    }).then(function (r) { return r.ok ? r.text() : null; }).then(function (html) {
      if (html !== null && n === sent) report.innerHTML = html;
    }).catch(function () {});
  }

  source.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  });

  document.addEventListener("keydown", function (e) {
    if ((e.ctrlKey || e.metaKey) && (e.key === "s" || e.key === "S")) {
      e.preventDefault();
      var save = document.getElementById("save");
      if (save) save.click();
    }
  });

  report.addEventListener("click", function (e) {
    var link = e.target.closest ? e.target.closest(".line-link") : null;
    if (!link) return;
    e.preventDefault();
    var line = parseInt(link.getAttribute("data-line"), 10) || 1;
    var lines = source.value.split("\n"), at = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i++) at += lines[i].length + 1;
    source.focus();
    source.setSelectionRange(at, at + (lines[line - 1] || "").length);
  });
})();
