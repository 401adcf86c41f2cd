/* Names for the admin's form controls that Django and its Select2 leave unnamed.
 *
 * axe (WCAG 2.1 AA) finds, on the stock admin: the autocomplete widgets' comboboxes and
 * search boxes without a name (Select2 labels them with the selection, empty until one is
 * made), the "clear all" cross of a multiple choice as a non-item inside the list of
 * choices, and the fields of tabular inlines (one row per object) without a label, as
 * the column heading is not one. Each gets the name of its field's label or column
 * heading; a MutationObserver repeats this for rows added and choices made later.
 */
(function () {
  "use strict";

  function labelFor(id) {
    return id ? document.querySelector('label[for="' + CSS.escape(id) + '"]') : null;
  }

  function text(element) {
    return element ? element.textContent.replace(/[\s:*?]+$/, "").trim() : "";
  }

  function columnHeading(control) {
    var cell = control.closest("td");
    var table = cell && cell.closest("table");
    if (!table || !table.tHead) {
      return "";
    }
    var column = Array.prototype.indexOf.call(cell.parentElement.children, cell);
    var heading = table.tHead.rows[table.tHead.rows.length - 1].cells[column];
    return text(heading);
  }

  function nameOf(id, control) {
    return text(labelFor(id)) || columnHeading(control);
  }

  function nameSelect2(container) {
    // The Select2 container follows the <select> it replaces.
    var select = container.previousElementSibling;
    if (!select || select.tagName !== "SELECT") {
      return;
    }
    var name = nameOf(select.id, select);
    if (!name) {
      return;
    }
    container.querySelectorAll('[role="combobox"], [role="textbox"], .select2-search__field')
      .forEach(function (element) {
        element.removeAttribute("aria-labelledby");
        element.setAttribute("aria-label", name);
      });
    container.querySelectorAll(".select2-selection__clear").forEach(function (cross) {
      // A mouse shortcut; every choice has its own remove button, and Backspace works.
      cross.setAttribute("aria-hidden", "true");
    });
  }

  function nameInlineFields(root) {
    root.querySelectorAll(".tabular td input, .tabular td select, .tabular td textarea")
      .forEach(function (control) {
        if (control.type === "hidden" || control.hasAttribute("aria-label") ||
            labelFor(control.id) || control.classList.contains("select2-search__field")) {
          return;
        }
        var name = columnHeading(control);
        if (name) {
          control.setAttribute("aria-label", name);
        }
      });
  }

  function nameAll() {
    document.querySelectorAll(".select2-container").forEach(nameSelect2);
    nameInlineFields(document);
  }

  var pending = false;
  function schedule() {
    if (!pending) {
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        nameAll();
      });
    }
  }

  function start() {
    nameAll();
    new MutationObserver(schedule).observe(document.body, {childList: true, subtree: true});
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
