/* Packing lists and pickup sheets: a "Print" button, and the checklist's "Paid" and
   "Collected" toggles sent without a reload. The forms work without this script; the answer
   (JSON) is written with textContent only. On any failure the form is sent the plain way. */
(function () {
    "use strict";
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
        button.hidden = false;
        button.addEventListener("click", function () { window.print(); });
    });
    function plainSubmit(form, button) {
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = button.name;
        input.value = button.value;
        form.appendChild(input);
        HTMLFormElement.prototype.submit.call(form);
    }
    function show(form, button, state, status) {
        button.value = state.on ? "no" : "yes";
        button.setAttribute("aria-pressed", state.on ? "true" : "false");
        button.classList.toggle("btn-success", state.on);
        button.classList.toggle("btn-outline-secondary", !state.on);
        var detail = form.querySelector("[data-detail]");
        if (detail) { detail.textContent = state.detail; }
        var row = form.closest("tr");
        var cell = row && row.querySelector("[data-status]");
        if (cell) { cell.textContent = status; }
    }
    Array.prototype.forEach.call(document.querySelectorAll("form.handover-toggle"), function (form) {
        form.addEventListener("submit", function (event) {
            var button = form.querySelector("button[type=submit]");
            if (!window.fetch || !button || form.dataset.busy) { return; }
            event.preventDefault();
            form.dataset.busy = "1";
            button.disabled = true;
            var data = new FormData(form);
            data.append(button.name, button.value);
            fetch(form.action, {
                method: "POST", body: data, credentials: "same-origin",
                headers: {"Accept": "application/json"}
            }).then(function (response) {
                if (!response.ok) { throw new Error(String(response.status)); }
                return response.json();
            }).then(function (answer) {
                show(form, button, answer[form.dataset.mark], answer.status);
                button.disabled = false;
                delete form.dataset.busy;
            }).catch(function () {
                button.disabled = false;
                plainSubmit(form, button);
            });
        });
    });
})();
