// The waiting page of a PDF report (templates/reports/pdf_waiting.html): ask how the
// making stands every few seconds and, once it is ready (or failed), say so in the
// status region and point its link at the report. The page itself never reloads or
// moves; without this script the link "Opnieuw kijken" does the same by hand.
(function () {
  "use strict";
  var region = document.getElementById("rapport-stand");
  if (!region || region.getAttribute("data-status") !== "bezig" || !window.fetch) {
    return;
  }
  var url = region.getAttribute("data-status-url");
  var message = document.getElementById("rapport-bericht");
  var link = document.getElementById("rapport-link");
  var asked = 0;
  var MAX_ASKS = 300; // two seconds apart: ten minutes, then the link is left to the user

  function ask() {
    asked += 1;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (state.status === "bezig") {
          if (asked < MAX_ASKS) { window.setTimeout(ask, 2000); }
          return;
        }
        region.setAttribute("data-status", state.status);
        message.textContent = state.message;
        link.textContent = state.link;
      })
      .catch(function () {
        if (asked < MAX_ASKS) { window.setTimeout(ask, 5000); }
      });
  }
  window.setTimeout(ask, 1000);
})();
