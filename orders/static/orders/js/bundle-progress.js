/* Invoice bundles page: poll each bundle being built (URL from its <progress>'s data
   attributes; numbers written with textContent only) and reload the page when its state
   changes (started, ready or failed), to show the download link or the message. Without
   JavaScript the page reloads itself every few seconds (a <noscript> refresh). */
(function () {
    "use strict";
    var bars = document.querySelectorAll("progress[data-status-url]");
    Array.prototype.forEach.call(bars, function (bar) {
        var url = bar.dataset.statusUrl;
        var text = document.getElementById(bar.id.replace(/-progress$/, "-text"));
        var done = text ? text.querySelector("[data-done]") : null;
        function poll() {
            fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
                .then(function (r) { return r.json(); })
                .then(function (data) {
                    if (data.state !== bar.dataset.state) {
                        window.location.reload();
                        return;
                    }
                    bar.max = data.total || 1;
                    bar.value = data.done;
                    bar.textContent = data.percent + " %";
                    if (done) { done.textContent = data.done; }
                    setTimeout(poll, 1000);
                })
                .catch(function () { setTimeout(poll, 3000); });
        }
        setTimeout(poll, 500);
    });
})();
