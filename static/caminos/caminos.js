// Household form: add and remove member rows without reloading the page.
// Removing a row ticks its DELETE box and hides it, so Django's formset sees what was removed.
(function () {
  "use strict";

  function renumber(container) {
    var visible = container.querySelectorAll("[data-member]:not([hidden])");
    visible.forEach(function (row, index) {
      var number = row.querySelector("[data-member-number]");
      if (number) { number.textContent = String(index + 1); }
    });
  }

  function init() {
    var form = document.getElementById("household-form");
    if (!form) { return; }
    var container = document.getElementById("members");
    var template = document.getElementById("member-template");
    var total = form.querySelector("input[name='members-TOTAL_FORMS']");

    document.getElementById("add-member").addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      container.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      renumber(container);
      var rows = container.querySelectorAll("[data-member]");
      var first = rows[rows.length - 1].querySelector("select, input:not([type=hidden])");
      if (first) { first.focus(); }
    });

    // Likely existing records of a member, shown as soon as names and a birth date are typed.
    var checkUrl = form.getAttribute("data-duplicate-check");
    container.addEventListener("change", function (event) {
      var row = event.target.closest("[data-member]");
      if (!row || !checkUrl) { return; }
      var body = new FormData();
      body.append("csrfmiddlewaretoken", form.querySelector("input[name='csrfmiddlewaretoken']").value);
      row.querySelectorAll("input, select").forEach(function (input) {
        if (input.name && input.type !== "checkbox") { body.append(input.name, input.value); }
      });
      fetch(checkUrl, {method: "POST", body: body, credentials: "same-origin"})
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) { row.querySelector("[data-member-matches]").innerHTML = html; })
        .catch(function () { /* offline: the nightly scan still finds the duplicate */ });
    });

    container.addEventListener("click", function (event) {
      var button = event.target.closest("[data-remove-member]");
      if (!button) { return; }
      var row = button.closest("[data-member]");
      var remove = row.querySelector("input[name$='-DELETE']");
      if (remove) { remove.checked = true; }
      row.hidden = true;
      renumber(container);
    });

    container.querySelectorAll("[data-member]").forEach(function (row) {
      var remove = row.querySelector("input[name$='-DELETE']");
      if (remove && remove.checked) { row.hidden = true; }
    });
    renumber(container);
  }

  document.addEventListener("DOMContentLoaded", init);
})();

// Forms that destroy or withdraw something ask first (data-confirm holds the question).
document.addEventListener("submit", function (event) {
  var question = event.target.getAttribute && event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) { event.preventDefault(); }
});

// The 5W download links follow the month chosen on the reports page.
document.addEventListener("change", function (event) {
  if (event.target.id !== "id_period" || !event.target.value) { return; }
  document.querySelectorAll("[data-period-link]").forEach(function (link) {
    link.href = link.href.replace(/period=[0-9-]*/, "period=" + event.target.value);
  });
});
