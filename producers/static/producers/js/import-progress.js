/* Import page: poll the progress of a running import (URL from the bar's data attribute;
   values written with textContent only), then reload to show the outcome. */
(function () {
    "use strict";
    var bar = document.getElementById("import-progress");
    var text = document.getElementById("import-progress-text");
    if (!bar || !bar.dataset.progressUrl) { return; }
    var url = bar.dataset.progressUrl;
    function poll() {
        fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (data) {
            bar.style.width = data.percent + "%";
            bar.setAttribute("aria-valuenow", data.percent);
            bar.textContent = data.percent + " %";
            text.textContent = data.done + " / " + data.total;
            if (data.status === "running") { setTimeout(poll, 1000); } else { window.location.reload(); }
        }).catch(function () { setTimeout(poll, 3000); });
    }
    setTimeout(poll, 500);
})();
