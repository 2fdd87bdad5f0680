// The inbox: keyboard navigation and its shortcut sheet, and the agent's saved views. Loaded on
// every page; it acts only where the inbox's list is.
"use strict";

(() => {
  const list = () => document.querySelector(".inbox-list");
  if (!list()) return;

  const typing = (el) =>
    el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName) || el.closest?.("dialog[open]"));
  const items = () => [...document.querySelectorAll(".inbox-items > li")];
  const open = (li) => {
    const link = li?.querySelector("a.inbox-link");
    if (link) window.location.assign(link.href);
    else li?.querySelector("button")?.focus();
  };
  const step = (by) => {
    const all = items();
    if (!all.length) return;
    const at = all.findIndex((li) => li.getAttribute("aria-current") === "true");
    const next = at < 0 ? (by > 0 ? 0 : all.length - 1) : at + by;
    if (next >= 0 && next < all.length) open(all[next]);
  };
  const focusFirst = (...ids) => {
    for (const id of ids) {
      const el = document.getElementById(id);
      if (el) {
        el.focus();
        return;
      }
    }
  };
  const sheet = () => document.getElementById("shortcuts");

  const keys = {
    j: () => step(1),
    k: () => step(-1),
    a: () => {
      const here = document.querySelector('.inbox-items > li[aria-current="true"] [data-action=accept]');
      (here || document.querySelector(".inbox-items [data-action=accept]"))?.click();
    },
    r: () => focusFirst("editor", "chat-text", "call-outcome", "review-editor"),
    n: () => focusFirst("note-text"),
    "/": () => focusFirst("inbox-search"),
    "?": () => sheet()?.showModal(),
    1: () => document.querySelectorAll('.inbox-list nav[aria-label="Views"] a')[0]?.click(),
    2: () => document.querySelectorAll('.inbox-list nav[aria-label="Views"] a')[1]?.click(),
    3: () => document.querySelectorAll('.inbox-list nav[aria-label="Views"] a')[2]?.click(),
  };
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
    const run = keys[e.key];
    if (!run) return;
    e.preventDefault();
    run();
  });

  document.addEventListener("click", (e) => {
    if (e.target.closest("[data-action=shortcuts]")) sheet()?.showModal();
  });

  // Saved views: kept and forgotten through the API, then the list of views is drawn again.
  document.addEventListener("submit", async (e) => {
    const form = e.target.closest("form.save-view");
    if (!form) return;
    e.preventDefault();
    const body = { name: form.elements.name.value, view: form.dataset.view };
    if (form.dataset.channel) body.channel = form.dataset.channel;
    try {
      await api("POST", "/me/views", body);
      window.location.reload();
    } catch (_) {
      // The message is shown in #flash.
    }
  });
  document.addEventListener("click", async (e) => {
    const b = e.target.closest("[data-action=delete-view]");
    if (!b) return;
    e.preventDefault();
    try {
      await api("DELETE", `/me/views/${encodeURIComponent(b.dataset.name)}`);
      window.location.reload();
    } catch (_) {
      // The message is shown in #flash.
    }
  });
})();
