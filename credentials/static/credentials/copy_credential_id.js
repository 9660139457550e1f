// A credential's page: a "Copy" button beside its credential_id (the id the publishing services log).
// Loaded as a file, with no inline script, so it works under a strict Content-Security-Policy.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  const shown = document.querySelector(".field-credential_id .readonly");
  if (!shown) {
    return; // the add form: no id until the credential is saved
  }
  const id = shown.textContent.trim();
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button copy-credential-id";
  button.textContent = "Copy";
  button.style.marginLeft = "8px";
  button.setAttribute("aria-label", "Copy the credential id");

  function selectId() {
    const range = document.createRange();
    range.selectNodeContents(shown);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function copied(ok) {
    button.textContent = ok ? "Copied" : "Press Ctrl+C to copy";
    window.setTimeout(function () { button.textContent = "Copy"; }, 2000);
  }

  button.addEventListener("click", function () {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(id).then(function () { copied(true); }, function () { selectId(); copied(false); });
    } else {
      selectId();
      copied(document.execCommand && document.execCommand("copy"));
    }
  });
  shown.style.display = "inline-block";
  shown.insertAdjacentElement("afterend", button);
});
