/* Tables marked .table-stack become one card per row on phones (foodhub.css): each cell is
   labelled with its column's header, and the explicit roles keep the table readable by screen
   readers once CSS turns its rows into blocks. */
(function () {
    "use strict";
    var tables = document.querySelectorAll("table.table-stack");
    Array.prototype.forEach.call(tables, function (table) {
        var headers = [];
        Array.prototype.forEach.call(table.querySelectorAll("thead th"), function (th) {
            for (var i = 0; i < (th.colSpan || 1); i++) { headers.push(th.textContent.trim()); }
        });
        table.setAttribute("role", "table");
        Array.prototype.forEach.call(table.querySelectorAll("thead, tbody"), function (group) {
            group.setAttribute("role", "rowgroup");
        });
        Array.prototype.forEach.call(table.querySelectorAll("tr"), function (row) {
            row.setAttribute("role", "row");
            var column = 0;
            Array.prototype.forEach.call(row.children, function (cell) {
                if (cell.tagName === "TH") {
                    cell.setAttribute("role", cell.parentNode.parentNode.tagName === "THEAD" ? "columnheader" : "rowheader");
                } else {
                    cell.setAttribute("role", "cell");
                    if (headers[column] && !cell.hasAttribute("data-label")) {
                        cell.setAttribute("data-label", headers[column]);
                    }
                }
                column += cell.colSpan || 1;
            });
        });
    });
})();
