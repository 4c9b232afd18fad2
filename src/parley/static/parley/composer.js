// The room page's message box (#composer): Enter sends, Shift+Enter starts
// a new line, the box grows with its lines (up to its CSS max-height), and
// Up in the empty box edits the user's last message (as in Slack and
// Telegram). What sending means is the room's (room.js).
"use strict";

/**
 * Wire the message box.
 *
 * @param {HTMLFormElement} form the #composer form
 * @param {HTMLTextAreaElement} input its textarea
 * @param {object} hooks
 * @param {() => void} hooks.submit send what the box holds
 * @param {() => boolean} hooks.editLast edit the user's last message;
 *   false when there is none
 * @param {() => void} hooks.typing the user typed
 * @returns {{grow: () => void}} grow fits the box to its text (after it is
 *   emptied, say)
 */
export function setupComposer(form, input, { submit, editLast, typing }) {
  // The CSP allows styles set through the CSSOM, not style attributes.
  const grow = () => {
    input.style.height = "auto";
    input.style.height = input.scrollHeight + "px";
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
    input.focus();
  });
  input.addEventListener("keydown", (event) => {
    if (event.isComposing) return;
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      submit();
    } else if (event.key === "ArrowUp" && input.value === "") {
      if (editLast()) event.preventDefault();
    }
  });
  input.addEventListener("input", () => {
    grow();
    typing();
  });
  return { grow };
}
