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
    var form = event.target.closest && event.target.closest("[data-upload-progress]");
    if (!form || !event.detail.lengthComputable) return;
    var bar = form.querySelector(".upload-progress");
    if (!bar) return;
    bar.hidden = false;
    bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
  });
})();
