// Review queue: one box ticks or unticks every case of the page.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-select-all]").forEach(function (master) {
      var name = master.getAttribute("data-select-all");
      master.addEventListener("change", function () {
        master.closest("form").querySelectorAll("input[type=checkbox][name='" + name + "']").forEach(function (box) {
          box.checked = master.checked;
        });
      });
    });
  });
})();
