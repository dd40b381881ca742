// The page behaviours that were inline handlers: the Content-Security-Policy allows scripts
// from this site only (radtik/settings.py CONTENT_SECURITY_POLICY).
document.addEventListener("click", (event) => {
  const copy = event.target.closest("[data-copy]");
  if (copy) {
    navigator.clipboard
      .writeText(document.getElementById(copy.dataset.copy).textContent)
      .then(() => { copy.textContent = "Copied"; });
  }
  if (event.target.closest("[data-print]")) window.print();
});
document.addEventListener("submit", (event) => {
  const question = event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});
