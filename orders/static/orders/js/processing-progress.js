/* A closed cycle's processing panel (the cycle page and the processing page): poll the JSON
   status (URL from the panel's data attributes) while processing moves by itself, and write
   the bar, the state and the count with textContent only. On the processing page
   (data-reload), a change of state reloads it to show the new invoices and messages. */
(function () {
    "use strict";
    var panel = document.getElementById("processing-panel");
    if (!panel || !panel.dataset.statusUrl || !window.fetch) { return; }
    var bar = document.getElementById("processing-bar");
    var state = document.getElementById("processing-state");
    var count = document.getElementById("processing-count");
    var seen = panel.dataset.state || "";
    function show(data) {
        if (bar) {
            bar.max = 100;
            bar.value = data.percent;
            bar.textContent = data.percent + " %";
        }
        if (state) { state.textContent = data.state_label; }
        if (count) { count.textContent = data.done + " / " + data.total; }
    }
    function poll() {
        fetch(panel.dataset.statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
            .then(function (r) { return r.json(); })
            .then(function (data) {
                if (panel.dataset.reload && seen && data.state !== seen) { window.location.reload(); return; }
                seen = data.state;
                panel.dataset.state = data.state;
                show(data);
                if (data.active) { setTimeout(poll, 2000); }
            })
            .catch(function () { setTimeout(poll, 5000); });
    }
    poll();
})();
