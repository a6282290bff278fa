/* Cycle editor: live preview of shopper prices for the markup typed, before saving.
   Settings come from data attributes of #preview-controls (no template values in scripts);
   prices are written with textContent only. */
(function () {
    "use strict";
    var controls = document.getElementById("preview-controls");
    var input = document.getElementById("preview-markup");
    var rows = document.querySelectorAll("#cycle-offers tr[data-offer]");
    if (!controls || !input || !rows.length) { return; }
    var ids = Array.prototype.map.call(rows, function (row) { return row.dataset.offer; });
    var url = controls.dataset.previewUrl;
    var money = new Intl.NumberFormat(document.documentElement.lang || "en",
                                      {style: "currency", currency: controls.dataset.currency});
    var timer = null;
    input.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () {
            var query = "?markup_percent=" + encodeURIComponent(input.value || "0") +
                        "&offers=" + encodeURIComponent(ids.join(","));
            fetch(url + query, {credentials: "same-origin"})
                .then(function (r) { return r.ok ? r.json() : null; })
                .then(function (data) {
                    if (!data) { return; }
                    rows.forEach(function (row) {
                        var price = data[row.dataset.offer];
                        if (!price) { return; }
                        row.querySelector("[data-part=markup]").textContent = money.format(price.markup);
                        var vat = price.vat.reduce(function (sum, line) { return sum + parseFloat(line.amount); }, 0);
                        row.querySelector("[data-part=vat]").textContent = money.format(vat);
                        row.querySelector("[data-part=total]").textContent = money.format(price.total_incl_tax);
                    });
                });
        }, 250);
    });
})();
