// Small progressive enhancements; every page works without this file.
// (No inline script is allowed by the CSP, so page behaviour lives here.)
(function () {
  "use strict";

  // After a refused save, take keyboard and screen-reader users straight to the list of errors.
  function focusErrorSummary() {
    var summary = document.getElementById("error-summary");
    if (summary) {
      summary.focus();
    }
  }

  document.addEventListener("DOMContentLoaded", focusErrorSummary);
})();
