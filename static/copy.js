// "Kopiera" buttons: a button with data-copy="<input id>" copies that
// input's text. Without this script the buttons stay hidden and the text
// can still be selected and copied by hand.
(function () {
  "use strict";
  function copy(input) {
    input.focus();
    input.select();
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(input.value).then(
        function () { return true; },
        function () { return document.execCommand("copy"); }
      );
    }
    return Promise.resolve(document.execCommand("copy"));
  }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-copy"));
    if (!input) { return; }
    var field = button.closest(".field");
    var status = field ? field.querySelector(".copy-status") : null;
    button.hidden = false;
    button.addEventListener("click", function () {
      copy(input).then(function (ok) {
        if (status) {
          status.textContent = ok
            ? "Adressen är kopierad."
            : "Kopieringen gick inte; markera adressen och kopiera den själv.";
        }
      });
    });
  });
})();
