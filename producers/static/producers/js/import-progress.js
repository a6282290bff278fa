/* Import page: poll the progress of a file being checked or imported (URL and status from the
   bar's data attributes; values written with textContent only), then reload to show the
   outcome. */
(function () {
    "use strict";
    var bar = document.getElementById("import-progress");
    if (!bar || !bar.dataset.progressUrl) { return; }
    var url = bar.dataset.progressUrl;
    var status = bar.dataset.status;
    var rows = document.getElementById(status === "checking" ? "import-progress-rows" : "import-progress-text");
    function poll() {
        fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (data) {
            if (data.status !== status) { window.location.reload(); return; }
            if (data.total) {
                bar.style.width = data.percent + "%";
                bar.setAttribute("aria-valuenow", data.percent);
                bar.textContent = data.percent + " %";
                if (rows) { rows.textContent = data.done + " / " + data.total; }
            }
            setTimeout(poll, 1000);
        }).catch(function () { setTimeout(poll, 3000); });
    }
    setTimeout(poll, 500);
})();
