// The colour theme: the one chosen with a theme toggle (kept in
// localStorage), else the system's (prefers-color-scheme, in parley.css).
// A classic script loaded in <head>, so a saved choice applies before the
// first paint; toggles ([data-theme-toggle]) are wired once the page is
// parsed. The CSP allows it: a file of this site, no inline script.
"use strict";

(function () {
  const KEY = "parley:theme";
  const root = document.documentElement;

  function saved() {
    try {
      const value = localStorage.getItem(KEY);
      return value === "dark" || value === "light" ? value : null;
    } catch {
      return null; // storage refused (private mode, policy): the system's
    }
  }

  function isDark() {
    const theme = root.dataset.theme;
    if (theme) return theme === "dark";
    return window.matchMedia("(prefers-color-scheme: dark)").matches;
  }

  function showState() {
    for (const toggle of document.querySelectorAll("[data-theme-toggle]")) {
      toggle.setAttribute("aria-pressed", String(isDark()));
    }
  }

  const theme = saved();
  if (theme) root.dataset.theme = theme;

  document.addEventListener("DOMContentLoaded", () => {
    showState();
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", showState);
    for (const toggle of document.querySelectorAll("[data-theme-toggle]")) {
      toggle.addEventListener("click", () => {
        const next = isDark() ? "light" : "dark";
        root.dataset.theme = next;
        try {
          localStorage.setItem(KEY, next);
        } catch {
          // Not kept: this page still shows it.
        }
        showState();
      });
    }
  });
})();
