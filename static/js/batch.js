// Start a batch run and show its progress while it works. The form posts with a key
// the page made up; while that request runs (a worker, or the web process itself when
// Celery runs eagerly) the page asks for the run's progress by the same key.
(function () {
  "use strict";
  function key() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function show(box, data) {
    var bar = box.querySelector("progress");
    bar.value = data.progress || 0;
    bar.textContent = (data.progress || 0) + "%";
    box.querySelector("[data-batch-stage]").textContent = (data.stage || "…") + " (" + (data.progress || 0) + "%)";
  }
  function poll(form, box, requestKey, state) {
    if (state.done) { return; }
    fetch(form.dataset.progressUrl + "?key=" + requestKey, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        show(box, data);
        if (data.status !== "done" && data.status !== "failed") { setTimeout(function () { poll(form, box, requestKey, state); }, 400); }
      })
      .catch(function () { setTimeout(function () { poll(form, box, requestKey, state); }, 1000); });
  }
  document.querySelectorAll("[data-batch-form]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var requestKey = key();
      form.querySelector("[name=request_key]").value = requestKey;
      var box = form.querySelector("[data-batch-progress]");
      box.hidden = false;
      form.querySelector("button").disabled = true;
      var state = { done: false };
      fetch(form.action, { method: "POST", body: new FormData(form), headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) { state.done = true; show(box, { progress: 100, stage: "" }); window.location = data.url; })
        .catch(function () { state.done = true; form.submit(); });
      setTimeout(function () { poll(form, box, requestKey, state); }, 150);
    });
  });
  // The run's own page, while the run is queued or running: follow it, then show the results.
  document.querySelectorAll("[data-run-progress]").forEach(function (box) {
    (function follow() {
      fetch(box.dataset.runProgress, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          show(box, data);
          if (data.status === "done" || data.status === "failed") { window.location.reload(); }
          else { setTimeout(follow, 500); }
        })
        .catch(function () { setTimeout(follow, 1500); });
    })();
  });
})();
