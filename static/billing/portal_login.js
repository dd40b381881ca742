// The portal logs a paid device in by itself: the form posting its credentials to the router's
// login page (link-login-only) is submitted as soon as it is on the page, whether it came with
// the page or arrived over the websocket when the payment completed.
(function () {
  function submitAutoLogin() {
    var form = document.querySelector("form[data-auto-login]");
    if (form && !form.dataset.sent) {
      form.dataset.sent = "1";
      form.submit();
    }
  }
  document.addEventListener("DOMContentLoaded", submitAutoLogin);
  document.addEventListener("htmx:oobAfterSwap", submitAutoLogin);
  document.addEventListener("htmx:wsAfterMessage", submitAutoLogin);
})();
