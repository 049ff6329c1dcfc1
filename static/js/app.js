// Toasts: close on click, fade out by themselves after a while.
// Loaded as a file (no inline script: the CSP forbids it).
(function () {
  "use strict";
  var LIFETIME_MS = 7000;

  function arm(toast) {
    if (toast.dataset.armed) return;
    toast.dataset.armed = "1";
    var close = function () { toast.remove(); };
    var button = toast.querySelector(".toast__close");
    if (button) button.addEventListener("click", close);
    // Errors stay until closed: the reader may need them.
    if (!toast.classList.contains("toast--error")) setTimeout(close, LIFETIME_MS);
  }

  function armAll() {
    document.querySelectorAll("#toasts .toast").forEach(arm);
  }

  document.addEventListener("DOMContentLoaded", armAll);
  // Toasts that arrive in an htmx out-of-band swap.
  document.addEventListener("htmx:afterSettle", armAll);
  document.addEventListener("htmx:oobAfterSwap", armAll);
})();

// Upload progress: forms marked data-upload-progress show a <progress> bar
// while htmx sends the files.
(function () {
  "use strict";
  document.addEventListener("htmx:xhr:progress", function (event) {
    // Only the form's own upload: the price quote fetched from inside the order
    // form must not fill the bar.
    var form = event.target.matches && event.target.matches("[data-upload-progress]") ? event.target : null;
    if (!form || !event.detail.lengthComputable) return;
    var bar = form.querySelector(".upload-progress");
    if (!bar) return;
    bar.hidden = false;
    bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
  });
})();

// Header menu (a <details>): wide screens show its links inline through
// ::details-content; where a browser does not know it, keep the menu open there.
// Escape or a click elsewhere closes the phone menu.
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 1200px)");
  var styled = window.CSS && CSS.supports && CSS.supports("selector(::details-content)");

  function menus() { return document.querySelectorAll("details.nav__menu"); }
  function sync() {
    if (styled) return;
    menus().forEach(function (menu) { menu.open = wide.matches; });
  }

  document.addEventListener("DOMContentLoaded", sync);
  wide.addEventListener("change", sync);
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || wide.matches) return;
    menus().forEach(function (menu) {
      if (!menu.open) return;
      menu.open = false;
      menu.querySelector("summary").focus();
    });
  });
  document.addEventListener("click", function (event) {
    if (wide.matches) return;
    menus().forEach(function (menu) {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    });
  });
})();

// --- bell: header polls and the notification bell (issue 9) ---
// The bell and the Messages badge ([data-poll]) refresh every few seconds:
// - not from a background tab (skipped; the tab catches up when it comes back);
// - unchanged since the last answer: a 304 (ETag), nothing swapped;
// - a refresh never replaces the bell itself: its open state and the focus stay,
//   the count and label update in place, the list only while it is closed;
// - Escape or a click elsewhere closes the bell; Escape gives the focus back to it.
(function () {
  "use strict";
  function hidden() { return document.visibilityState === "hidden"; }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (!hidden() || !elt.hasAttribute("data-poll")) return;
    event.preventDefault();
    elt.dataset.pollMissed = "1";
  });
  document.addEventListener("visibilitychange", function () {
    if (hidden() || !window.htmx) return;
    document.querySelectorAll("[data-poll][data-poll-missed]").forEach(function (elt) {
      delete elt.dataset.pollMissed;
      window.htmx.trigger(elt, "poll:now");
    });
  });

  // A poll sends back the ETag of its last answer (If-None-Match): nothing
  // new since is a 304, without a body, and nothing is swapped.
  function polled(elt) { return elt && elt.hasAttribute && elt.hasAttribute("data-poll"); }
  document.addEventListener("htmx:configRequest", function (event) {
    var elt = event.detail.elt;
    if (polled(elt) && elt.dataset.pollEtag) event.detail.headers["If-None-Match"] = elt.dataset.pollEtag;
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    var xhr = event.detail.xhr;
    if (!polled(elt) || !xhr || xhr.status !== 200) return;
    if (elt.dataset.pollPartial) {
      // Only the count was taken (the bell was open): no ETag, so the next
      // poll brings the whole answer instead of a 304.
      delete elt.dataset.pollPartial;
      delete elt.dataset.pollEtag;
      return;
    }
    var etag = xhr.getResponseHeader("ETag");
    if (etag) elt.dataset.pollEtag = etag;
    else delete elt.dataset.pollEtag;
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (polled(event.detail.elt) && event.detail.xhr && event.detail.xhr.status === 304) {
      event.detail.shouldSwap = false;
      return;
    }
    var slot = event.detail.target;
    var bell = slot && slot.classList.contains("bell-slot") && slot.querySelector("details.bell");
    if (!bell) return;  // the first load: an ordinary swap
    event.detail.shouldSwap = false;
    if (event.detail.isError) return;
    var fresh = new DOMParser().parseFromString(event.detail.serverResponse, "text/html").querySelector("details.bell");
    if (!fresh) return;  // not the bell (a login page after a logout elsewhere): keep ours
    var summary = bell.querySelector("summary");
    var freshSummary = fresh.querySelector("summary");
    summary.setAttribute("aria-label", freshSummary.getAttribute("aria-label"));
    summary.replaceChildren.apply(summary, Array.prototype.slice.call(freshSummary.childNodes));
    if (bell.open) event.detail.elt.dataset.pollPartial = "1";
    else bell.querySelector(".bell__panel").replaceWith(fresh.querySelector(".bell__panel"));
  });

  function openBells() { return document.querySelectorAll("details.bell[open]"); }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    openBells().forEach(function (bell) {
      bell.open = false;
      bell.querySelector("summary").focus();
    });
  });
  document.addEventListener("click", function (event) {
    openBells().forEach(function (bell) {
      if (!bell.contains(event.target)) bell.open = false;
    });
  });
})();

// --- keyboard: error summaries ---
// A form that htmx swaps back with errors would leave focus on <body> and the
// first error off-screen: move focus to its summary (role="alert"). The
// summary's links move focus to their field (radio groups: the first choice).
(function () {
  "use strict";
  var SUMMARY = "[data-error-summary]";

  function show(element) {
    element.focus({ preventScroll: true });
    element.scrollIntoView({ block: "center" });
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var swapped = event.target;
    if (!swapped || !swapped.querySelector) return;
    var summary = swapped.matches(SUMMARY) ? swapped : swapped.querySelector(SUMMARY);
    if (summary && summary.isConnected) show(summary);
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(SUMMARY + " a[href^='#']");
    if (!link) return;
    var id = decodeURIComponent(link.getAttribute("href").slice(1));
    var field = document.getElementById(id) || document.getElementById(id + "_0");
    if (!field) return;
    event.preventDefault();
    show(field);
  });
})();

// --- shared choices: the staff board's assignment lists ---
// The board draws its correctors once, in a <template>; each order's
// <select data-choices="template-id"> gets a copy here (on load, and in what
// htmx swaps in), so the page does not repeat every corrector for every order.
(function () {
  "use strict";
  function fill(root) {
    if (!root.querySelectorAll) return;
    root.querySelectorAll("select[data-choices]").forEach(function (select) {
      if (select.options.length) return;
      var source = document.getElementById(select.dataset.choices);
      if (source) select.appendChild(source.content.cloneNode(true));
    });
  }
  document.addEventListener("DOMContentLoaded", function () { fill(document); });
  document.addEventListener("htmx:load", function (event) { fill(event.detail.elt); });
})();
