// Commonroom's own script: small progressive enhancements. Every page works without it.
(function () {
  "use strict";

  // In the composer, show the link address field only when sharing a link.
  function syncComposer(form) {
    var link = form.querySelector('input[name="kind"][value="link"]');
    var box = form.querySelector(".link-only");
    if (!link || !box) return;
    box.hidden = !link.checked;
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.name === "kind" && target.form) syncComposer(target.form);
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(syncComposer);
    var summary = document.querySelector(".error-summary");
    if (summary) summary.focus();
  });
})();
