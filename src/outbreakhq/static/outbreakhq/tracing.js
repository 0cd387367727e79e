// Tracing pages: an htmx request that is refused (403), finds nothing (404) or fails is shown
// in a problem box at the top of the page, instead of being dropped with a console error.
(function () {
  "use strict";
  if (typeof htmx === "undefined") { return; }
  var main = document.querySelector("main");
  if (main && !document.getElementById("htmx-problem")) {
    var box = document.createElement("div");
    box.id = "htmx-problem";
    box.setAttribute("aria-live", "assertive");
    main.insertBefore(box, main.firstChild);
  }
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "[45]..", swap: true, error: false, target: "#htmx-problem",
      swapOverride: "innerHTML" },
    { code: "...", swap: false }
  ];
  // A later success clears an old problem.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 200;
    var problem = document.getElementById("htmx-problem");
    if (problem && status < 400 && event.detail.target !== problem) { problem.innerHTML = ""; }
  });
})();
