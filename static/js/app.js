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
  // A form refused inside an htmx swap: the same, once the new content is in.
  document.addEventListener("htmx:afterSettle", focusErrorSummary);

  // The top menu on a phone: a disclosure button (base.html). Without this script the button
  // stays hidden and the menu open.
  function setUpMenu() {
    var button = document.getElementById("menu-toggle");
    var menu = document.getElementById("main-menu");
    if (!button || !menu || !window.matchMedia) {
      return;
    }
    var phone = window.matchMedia("(max-width: 800px)");
    function show(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("folded", !open);
    }
    function fit() {
      show(!phone.matches);
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      show(button.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && phone.matches && button.getAttribute("aria-expanded") === "true") {
        show(false);
        button.focus();
      }
    });
    if (phone.addEventListener) {
      phone.addEventListener("change", fit);
    }
    fit();
  }

  document.addEventListener("DOMContentLoaded", setUpMenu);
})();
