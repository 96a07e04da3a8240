// The batch page's progress bar: polls the batch until it is done, then shows its report.
(function () {
  "use strict";
  var box = document.getElementById("batch-progress");
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
      .then(function (batch) {
        document.getElementById("batch-bar").value = batch.percent;
        set("batch-bar", batch.percent + "%");
        set("batch-percent", batch.percent);
        set("batch-processed", batch.processed);
        set("batch-succeeded", batch.succeeded);
        set("batch-failed", batch.failed);
        if (batch.status !== shown && batch.status === "done") { window.location.reload(); return; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
}());
