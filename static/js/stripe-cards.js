// Saving a card with Stripe Elements (billing/cards_add.html). Stripe.js is
// loaded from js.stripe.com (PCI DSS); the card number goes from Stripe's
// frame to Stripe, never through our server. Our keys come from data-
// attributes: no inline script (the CSP forbids it).
(function () {
  "use strict";

  function start() {
    var form = document.getElementById("card-setup-form");
    if (!form) return;
    var errors = document.getElementById("card-errors");
    var button = form.querySelector("button[type=submit]");

    function showError(message) {
      errors.textContent = message;
      errors.hidden = false;
      button.disabled = false;
    }

    if (typeof window.Stripe !== "function") {
      showError("Le formulaire de carte n'a pas pu être chargé. Vérifiez votre connexion puis rechargez la page.");
      button.disabled = true;
      return;
    }
    var stripe = window.Stripe(form.dataset.publishableKey, { locale: "fr" });
    var elements = stripe.elements({ clientSecret: form.dataset.clientSecret });
    var cardElement = elements.create("payment");
    cardElement.mount("#card-element");
    cardElement.on("ready", function () { button.disabled = false; });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      button.disabled = true;
      errors.hidden = true;
      // Stripe sends the browser to return_url once the bank has answered
      // (after 3-D Secure if it asks for it); the webhook records the card.
      stripe.confirmSetup({ elements: elements, confirmParams: { return_url: form.dataset.returnUrl } })
        .then(function (result) {
          if (result.error) showError(result.error.message);
        });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
