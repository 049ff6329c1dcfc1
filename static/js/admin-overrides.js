// The back office's autocompletes (select2) get the name of their field's label:
// select2's combobox is labelled by its current value only, so an empty one has
// no accessible name. Loaded by templates/admin/base_site.html (CSP: self only).
(function () {
  "use strict";

  // In a tabular inline the field's name is its column's header.
  function columnHeader(select) {
    var cell = select.closest("td[class*='field-']");
    var table = select.closest("table");
    if (!cell || !table) {
      return null;
    }
    var field = Array.prototype.find.call(cell.classList, function (name) {
      return name.indexOf("field-") === 0;
    });
    return field ? table.querySelector("thead th.column-" + field.slice("field-".length)) : null;
  }

  function nameComboboxes(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var combobox = select.parentElement.querySelector(".select2-selection[role=combobox]");
      var label = document.querySelector('label[for="' + select.id + '"]') || columnHeader(select);
      if (!label || !combobox) {
        return;
      }
      if (!label.id) {
        label.id = select.id + "-label";
      }
      var rendered = combobox.querySelector(".select2-selection__rendered");
      var ids = [label.id];
      if (rendered && rendered.id) {
        ids.push(rendered.id);
      }
      combobox.setAttribute("aria-labelledby", ids.join(" "));
      // select2 gives the value inside it role=textbox: it is named by the label too.
      if (rendered) {
        rendered.setAttribute("aria-labelledby", label.id);
      }
    });
  }

  // Django starts select2 once the page is ready, and again for each inline row
  // added: name the comboboxes whenever some appear.
  // A box that scrolls sideways on a phone (a tabular inline) but holds nothing
  // focusable cannot be scrolled with the keyboard: it becomes a named stop.
  function focusableScrollBoxes() {
    document.querySelectorAll(".inline-group, .results").forEach(function (box) {
      var focusable = Array.prototype.some.call(
        box.querySelectorAll("a[href], button, input, select, textarea, [tabindex]"),
        function (node) { return node.getClientRects().length > 0; });
      if (box.scrollWidth > box.clientWidth && !focusable && !box.hasAttribute("tabindex")) {
        var heading = box.querySelector("h2");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        if (heading) {
          heading.id = heading.id || box.id + "-heading";
          box.setAttribute("aria-labelledby", heading.id);
        }
      }
    });
  }

  function start() {
    nameComboboxes(document);
    focusableScrollBoxes();
    new MutationObserver(function (changes) {
      var added = changes.some(function (change) {
        return Array.prototype.some.call(change.addedNodes, function (node) {
          return node.nodeType === 1 && (node.matches(".select2-container") || node.querySelector(".select2-container"));
        });
      });
      if (added) {
        nameComboboxes(document);
      }
    }).observe(document.body, {childList: true, subtree: true});
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
