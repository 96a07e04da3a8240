// The import page's progress bar: polls the run's progress until it ends, then shows the report.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box) { return; }
  var url = box.getAttribute("data-progress-url");
  var shown = box.getAttribute("data-status");
  function set(id, value) {
    var el = document.getElementById(id);
    if (el) { el.textContent = String(value); }
  }
  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (run) {
        document.getElementById("progress-bar").value = run.percent;
        set("progress-bar", run.percent + "%");
        set("progress-percent", run.percent);
        set("progress-processed", run.processed);
        set("progress-total", run.total || "…");
        set("progress-imported", run.imported);
        set("progress-rejected", run.rejected_count);
        if (run.status !== shown) { window.location.reload(); return; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
}());
