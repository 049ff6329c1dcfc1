// Messaging: the conversation page (loaded as a file: the CSP forbids inline
// scripts, and htmx's hx-on / js: values, which need eval).
//
// - the 4-second poll and the draft saver send the id of the last message
//   shown ("after"), read from the list's last data-message-id;
// - messages appended by the poll and by sending are de-duplicated and kept
//   in id order (a poll and a send may both bring the same message);
// - the poll sends back the ETag of its last answer (If-None-Match): nothing
//   new costs the server one query and a body-less 304;
// - a link to a message already in the page (a quote, a pinned message, even
//   one loaded by "Messages précédents") scrolls to it instead of loading
//   the older page the link names;
// - after a successful send the composer is cleared;
// - "Répondre" fills the hidden reply-to field without reloading.
(function () {
  "use strict";

  function list() { return document.getElementById("message-list"); }

  function items() {
    var container = list();
    return container ? Array.prototype.slice.call(container.querySelectorAll(":scope > [data-message-id]")) : [];
  }

  function idOf(element) { return parseInt(element.getAttribute("data-message-id"), 10) || 0; }

  function lastId() {
    return items().reduce(function (max, element) { return Math.max(max, idOf(element)); }, 0);
  }

  function nearBottom(container) {
    return container.scrollHeight - container.scrollTop - container.clientHeight < 120;
  }

  function scrollToBottom() {
    var container = list();
    if (container) container.scrollTop = container.scrollHeight;
  }

  function tidy() {
    var seen = {};
    var kept = [];
    items().forEach(function (element) {
      var id = idOf(element);
      if (seen[id]) { element.remove(); return; }
      seen[id] = true;
      kept.push(element);
    });
    var sorted = kept.slice().sort(function (a, b) { return idOf(a) - idOf(b); });
    var inOrder = sorted.every(function (element, index) { return element === kept[index]; });
    if (!inOrder) sorted.forEach(function (element) { list().appendChild(element); });
    var hint = document.querySelector("[data-empty-hint]");
    if (hint && kept.length) hint.remove();
  }

  function composer() { return document.querySelector("[data-message-form]"); }

  function setReply(id, name) {
    var form = composer();
    if (!form) return;
    var parent = form.querySelector("input[name=parent]");
    var banner = form.querySelector("[data-reply-banner]");
    if (parent) parent.value = id || "";
    if (banner) {
      banner.hidden = !id;
      var label = banner.querySelector("[data-reply-name]");
      if (label) label.textContent = name || "";
    }
  }

  function clearComposer(event) {
    var form = composer();
    if (!form) return;
    // The next message gets the token the server sent: a repeat of this one is ignored.
    var token = form.querySelector("input[name=client_token]");
    if (token && event && event.detail && event.detail.client_token) token.value = event.detail.client_token;
    form.querySelectorAll("textarea").forEach(function (field) { field.value = ""; });
    form.querySelectorAll("input[type=file]").forEach(function (field) { field.value = ""; });
    form.querySelectorAll("input[type=checkbox]").forEach(function (field) { field.checked = false; });
    var bar = form.querySelector(".upload-progress");
    if (bar) { bar.hidden = true; bar.value = 0; }
    var status = document.getElementById("draft-status");
    if (status) status.textContent = "";
    setReply("", "");
    var content = form.querySelector("textarea");
    if (content) content.focus();
  }

  // The last poll answer's ETag, and the cursor it answered for.
  var pollTag = null;
  var pollAfter = null;

  document.addEventListener("htmx:configRequest", function (event) {
    var elt = event.detail.elt;
    if (elt.matches && elt.matches("[data-poller], [data-draft-saver]")) {
      event.detail.parameters.after = lastId();
    }
    if (elt.matches && elt.matches("[data-poller]")) {
      pollAfter = lastId();
      if (pollTag && pollTag.after === pollAfter) event.detail.headers["If-None-Match"] = pollTag.etag;
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    var xhr = event.detail.xhr;
    if (!(elt.matches && elt.matches("[data-poller]")) || !xhr || xhr.status !== 200) return;
    var etag = xhr.getResponseHeader("ETag");
    pollTag = etag ? { after: pollAfter, etag: etag } : null;
  });

  // 304 (nothing new since the ETag we sent): nothing to swap.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr && event.detail.xhr.status === 304) event.detail.shouldSwap = false;
  });

  // No polling from a hidden tab: the next visible tick catches up.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (elt.matches && elt.matches("[data-poller]") && document.hidden) event.preventDefault();
  });

  var stickToBottom = true;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var container = list();
    if (container && event.detail.target === container) stickToBottom = nearBottom(container);
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var container = list();
    if (!container || event.detail.target !== container) return;
    tidy();
    var mine = event.detail.requestConfig && event.detail.requestConfig.elt &&
      event.detail.requestConfig.elt.matches("[data-message-form]");
    if (stickToBottom || mine) scrollToBottom();
  });

  // Sent (HX-Trigger from the server): clear the composer.
  document.addEventListener("messaging:sent", clearComposer);

  document.addEventListener("click", function (event) {
    var reply = event.target.closest && event.target.closest("[data-reply-to]");
    if (reply && composer()) {
      event.preventDefault();
      setReply(reply.getAttribute("data-reply-to"), reply.getAttribute("data-reply-name"));
      var content = composer().querySelector("textarea");
      if (content) { content.scrollIntoView({ block: "center" }); content.focus(); }
      return;
    }
    var link = event.target.closest && event.target.closest("[data-message-link]");
    var shown = link && document.getElementById("message-" + link.getAttribute("data-message-link"));
    if (shown) {
      event.preventDefault();
      history.replaceState(null, "", "#" + shown.id);
      shown.scrollIntoView({ block: "center" });
      return;
    }
    var cancel = event.target.closest && event.target.closest("[data-reply-cancel]");
    if (cancel && composer()) {
      event.preventDefault();
      setReply("", "");
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    // Open on the latest message, unless the address points at one.
    if (!window.location.hash || window.location.hash === "#message-form") scrollToBottom();
  });
})();
