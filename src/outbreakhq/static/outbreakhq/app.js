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
})();
