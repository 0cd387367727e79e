// Behaviour every page shares. It lives here, not in attributes of the templates, because the
// Content-Security-Policy runs no inline script (no onchange="…", no javascript: links).
(function () {
  "use strict";
  // A <select data-autosubmit> sends its form as soon as a choice is made (the scope switcher,
  // the language, the duplicates' threshold); without JavaScript a <noscript> button does.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select.matches && select.matches("select[data-autosubmit]") && select.form) {
      select.form.submit();
    }
  });
  // <a data-back href="…">: back in the browser's history when there is one, else the link.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-back]");
    if (link && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
  // On a phone a table becomes one card per row (app.css, "Phones"): each cell shows its
  // column's heading, copied here from the table's <thead> so that no template repeats it.
  // A table of a few short columns that fits a phone as it is says so: class "fits-phone".
  function labelCells(root) {
    var tables = root.matches && root.matches("table") ? [root] :
      (root.querySelectorAll ? root.querySelectorAll("table") : []);
    Array.prototype.forEach.call(tables, function (table) {
      var heads = table.querySelectorAll("thead th");
      if (!heads.length || table.classList.contains("fits-phone")) { return; }
      var labels = [];
      Array.prototype.forEach.call(heads, function (th) {
        for (var i = 0; i < (th.colSpan || 1); i++) { labels.push(th.textContent.trim()); }
      });
      table.classList.add("stackable");
      Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.children, function (cell) {
          if (labels[column]) { cell.setAttribute("data-label", labels[column]); }
          column += cell.colSpan || 1;
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { labelCells(document); });
  // Rows that htmx swaps in (next page, a recorded follow-up) get their labels too.
  document.addEventListener("htmx:afterSettle", function (event) {
    labelCells(event.target.closest ? (event.target.closest("table") || event.target)
                                    : document);
  });
})();
