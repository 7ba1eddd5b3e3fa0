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

  // The curator's inbox: single-key shortcuts, active only while focus is in
  // the list (so they never capture typing elsewhere; WCAG 2.1.4).
  function entries(list) {
    return Array.prototype.slice.call(list.querySelectorAll(".inbox-entry"));
  }

  function current(list) {
    var active = document.activeElement;
    return active && active.closest ? active.closest(".inbox-entry") : null;
  }

  function markCurrent(entry) {
    entries(entry.parentElement).forEach(function (e) { e.classList.toggle("is-current", e === entry); });
  }

  function focusEntry(entry) {
    if (!entry) return;
    markCurrent(entry);
    entry.focus();
  }

  // The highlight follows focus however it moves (Tab, a click) and goes when
  // focus leaves the list, so it only ever shows the entry the shortcuts act on.
  document.addEventListener("focusin", function (event) {
    var target = event.target;
    var entry = target && target.closest ? target.closest("[data-inbox] .inbox-entry") : null;
    if (entry) markCurrent(entry);
  });
  document.addEventListener("focusout", function (event) {
    var target = event.target;
    var list = target && target.closest ? target.closest("[data-inbox]") : null;
    if (!list || (event.relatedTarget && list.contains(event.relatedTarget))) return;
    entries(list).forEach(function (e) { e.classList.remove("is-current"); });
  });

  function announce(text) {
    var status = document.getElementById("inbox-status");
    if (status) status.textContent = text;
  }

  // After an entry is dismissed or put back (by key or button), focus moves to
  // its neighbour. The answer is empty, so htmx swaps in nothing and fires no
  // afterSettle; afterRequest still reaches the document (from the list, as
  // the form is gone by then), once the entry has been removed.
  var leaving = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.target;
    if (!form || !form.closest) return;
    var entry = form.closest(".inbox-entry");
    if (!entry) return;
    leaving = { entry: entry, next: entry.nextElementSibling || entry.previousElementSibling };
  });
  document.addEventListener("htmx:afterRequest", function () {
    if (leaving === null) return;
    var gone = leaving;
    leaving = null;
    // A failed request leaves the entry (and focus) where it was.
    if (document.body.contains(gone.entry)) return;
    announce("Done.");
    if (gone.next && document.body.contains(gone.next)) {
      focusEntry(gone.next);
    } else {
      var main = document.getElementById("main");
      if (main) main.focus();
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (!target || !target.closest) return;
    if (target.matches("input, textarea, select, [contenteditable]")) return;
    var list = target.closest("[data-inbox]");
    if (!list) return;
    var all = entries(list);
    var here = current(list);
    var index = here ? all.indexOf(here) : -1;
    switch (event.key) {
      case "j":
        focusEntry(all[Math.min(index + 1, all.length - 1)]);
        break;
      case "k":
        focusEntry(all[Math.max(index - 1, 0)]);
        break;
      case "s":
        if (!here) return;
        var share = here.querySelector('[data-key="s"]');
        if (share) window.location.href = share.getAttribute("href");
        break;
      case "d":
        if (!here) return;
        var dismiss = here.querySelector('[data-key="d"]');
        if (dismiss) dismiss.click();
        break;
      case "o":
        if (!here || !here.dataset.open) return;
        window.open(here.dataset.open, "_blank", "noopener,noreferrer");
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  // Before something is deleted or ended, ask in a dialog. Without this
  // script the server asks on a page of its own (the form's first answer),
  // so the question is never skipped (WCAG 3.3.4).
  function confirmDialog() {
    var dialog = document.getElementById("confirm-dialog");
    if (dialog) return dialog;
    dialog = document.createElement("dialog");
    dialog.id = "confirm-dialog";
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-title");
    dialog.setAttribute("aria-describedby", "confirm-dialog-detail");
    dialog.innerHTML =
      '<form method="dialog">' +
      '<h2 id="confirm-dialog-title"></h2><p id="confirm-dialog-detail"></p>' +
      '<div class="confirm-actions">' +
      '<button type="submit" value="yes" class="button button--danger"></button>' +
      '<button type="submit" value="no" class="button button--secondary" autofocus>Cancel</button>' +
      "</div></form>";
    document.body.appendChild(dialog);
    return dialog;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.dataset || !form.dataset.confirm) return;
    if (typeof HTMLDialogElement !== "function") return;
    event.preventDefault();
    var dialog = confirmDialog();
    dialog.querySelector("h2").textContent = form.dataset.confirm;
    dialog.querySelector("p").textContent = form.dataset.confirmDetail || "";
    dialog.querySelector(".button--danger").textContent = form.dataset.confirmButton || "Yes";
    dialog.returnValue = "";
    dialog.onclose = function () {
      if (dialog.returnValue !== "yes") return;
      var agreed = document.createElement("input");
      agreed.type = "hidden";
      agreed.name = "confirm";
      agreed.value = "yes";
      form.appendChild(agreed);
      form.submit();
    };
    dialog.showModal();
  });
})();
