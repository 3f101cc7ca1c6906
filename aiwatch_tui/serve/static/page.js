// Keys typed once the page is open go to aiwatch, as in a terminal window, without a click
// first: the terminal's input takes the focus when the app's first output arrives.
//
// The app starts believing it is in the background (Textual's web driver) until the page
// says it has the focus, and while it believes so its footer shows no keys. That first
// word can reach the app before the app has set itself to the background, and be undone
// by it: so the focus is said again a moment later, and at the first key typed.
"use strict";
const RESAY_FOCUS_AFTER_MS = 500;

function terminalInput() {
  return document.querySelector(".xterm-helper-textarea");
}

function sayFocus() {
  const input = terminalInput();
  if (input !== null && document.activeElement === input) {
    input.blur(); // textual.js tells the app of each blur and focus
    input.focus();
  }
}

const firstOutput = new MutationObserver(() => {
  if (!document.body.classList.contains("-first-byte")) {
    return;
  }
  firstOutput.disconnect();
  const input = terminalInput();
  if (input !== null && (document.activeElement === null || document.activeElement === document.body)) {
    input.focus();
  }
  setTimeout(sayFocus, RESAY_FOCUS_AFTER_MS);
  document.addEventListener("keydown", sayFocus, { capture: true, once: true });
});

window.addEventListener("DOMContentLoaded", () => {
  firstOutput.observe(document.body, { attributes: true, attributeFilter: ["class"] });
});
