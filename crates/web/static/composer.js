// The reply composer: knowledge-base search and insert, formatting, recipients, files, the saved
// draft, Send and Send & Complete. Loaded after app.js, whose `api`, `csrf` and `actions` it uses.
"use strict";

// A file's bytes as base64 (for the reply API's attachments).
function base64(file) {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).split(",", 2)[1] ?? "");
    r.onerror = () => reject(new Error(`cannot read ${file.name}`));
    r.readAsDataURL(file);
  });
}

Object.assign(actions, {
  insert: async (b) => {
    const activity = b.closest(".composer").dataset.activity;
    const article = await api("GET", `/activities/${activity}/articles/${b.dataset.article}`);
    insertBlock(article.html);
    draftChanged();
  },
  send: async (b) => {
    const composer = b.closest(".composer");
    const editor = document.getElementById("editor");
    clearTimeout(draftTimer);
    const { to, cc } = recipients();
    // Send & Complete takes the wrap-up chosen below first (a department may require one).
    const category = document.getElementById("wrap-category");
    if (b.dataset.complete === "true" && category && category.value && category.value !== category.dataset.was) {
      await api("POST", `/activities/${composer.dataset.activity}/wrap-up`, { category_id: Number(category.value) });
      category.dataset.was = category.value;
    }
    const done = await api("POST", `/activities/${composer.dataset.activity}/reply`, {
      text: editor.innerText,
      html: editor.innerHTML,
      to,
      cc,
      compose: false,
      complete: b.dataset.complete === "true",
      draft_attachments: true,
    });
    const result = document.getElementById("reply-result");
    result.textContent = done.review
      ? t("Your reply waits for review (queue {queue}); it is sent once approved.", { queue: done.review.queue_id })
      : t("Sent.");
    for (const button of composer.querySelectorAll(".buttons button, .files button")) button.remove();
    document.getElementById("draft-status").textContent = "";
    editor.contentEditable = "false";
    sent = true;
    // Sent and completed: on to the next work.
    if (b.dataset.complete === "true" && !done.review) setTimeout(() => nextWork(composer.dataset.activity), 800);
  },
  "save-draft": () => saveDraft(false),
  "discard-draft": async (b) => {
    if (!window.confirm(t("Throw this draft and its files away?"))) return;
    clearTimeout(draftTimer);
    await api("DELETE", `/activities/${b.closest(".composer").dataset.activity}/draft`);
    window.location.reload();
  },
  "remove-file": async (b) => {
    const activity = b.closest(".composer").dataset.activity;
    showFiles(await api("DELETE", `/activities/${activity}/draft/attachments/${b.dataset.index}`));
  },
});

// Knowledge-base search in the composer: hits with an Insert button.
let kbTimer = null;
document.addEventListener("input", (e) => {
  if (e.target.id !== "kb-query") return;
  clearTimeout(kbTimer);
  kbTimer = setTimeout(async () => {
    const q = e.target.value.trim();
    const list = document.getElementById("kb-hits");
    const dept = e.target.closest(".composer").dataset.department;
    if (!q) {
      list.replaceChildren();
      return;
    }
    const hits = await api("GET", `/articles/search?department_id=${dept}&q=${encodeURIComponent(q)}`);
    list.replaceChildren(
      ...hits.map((h) => {
        const li = document.createElement("li");
        const b = document.createElement("button");
        b.type = "button";
        b.dataset.action = "insert";
        b.dataset.article = h.article.id;
        b.textContent = t("Insert");
        const title = document.createElement("strong");
        title.textContent = h.article.title;
        const snippet = document.createElement("span");
        snippet.className = "muted";
        snippet.textContent = h.snippet;
        li.append(b, title, snippet);
        return li;
      }),
    );
  }, 200);
});

// The reply composer's draft: saved a moment after the agent stops typing, when the page is
// left, and on "Save draft"; files go to the draft as soon as they are picked, so a reload, a
// transfer or a restart loses nothing. Sending the reply sends the draft's files and removes it.
let draftTimer = null;
let dirty = false;
let saving = false;
let sent = false;

function composerActivity() {
  return document.querySelector(".composer")?.dataset.activity;
}

// The recipients as typed; `to` is empty (the customer, with their name) while unchanged.
function recipients() {
  const split = (v) => v.split(/[,;]/).map((s) => s.trim()).filter(Boolean);
  const to = document.getElementById("reply-to");
  const cc = document.getElementById("reply-cc");
  const changed = to && to.value.trim() !== (to.dataset.default ?? "").trim();
  return { to: changed ? split(to.value) : [], cc: cc ? split(cc.value) : [] };
}

function draftBody() {
  const editor = document.getElementById("editor");
  return { text: editor.innerText, html: editor.innerHTML, ...recipients() };
}

function savedNow(d) {
  const at = new Date(d.updated_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  document.getElementById("draft-status").textContent = t("Draft saved {time}", { time: at });
}

async function saveDraft(quiet) {
  const activity = composerActivity();
  if (!activity || sent) return;
  clearTimeout(draftTimer);
  dirty = false;
  saving = true;
  document.getElementById("draft-status").textContent = t("Saving draft…");
  try {
    savedNow(await api("PUT", `/activities/${activity}/draft`, draftBody()));
  } catch (e) {
    dirty = true;
    document.getElementById("draft-status").textContent = t("Draft not saved");
    if (!quiet) throw e;
  } finally {
    saving = false;
  }
}

function draftChanged() {
  dirty = true;
  clearTimeout(draftTimer);
  draftTimer = setTimeout(() => saveDraft(true), 2000);
}

// An article (or any HTML) at the caret when it is in the editor, else where the body goes.
function insertBlock(html) {
  const editor = document.getElementById("editor");
  const block = document.createElement("div");
  block.innerHTML = html;
  const sel = window.getSelection();
  if (sel && sel.rangeCount && editor.contains(sel.anchorNode)) {
    const range = sel.getRangeAt(0);
    range.deleteContents();
    range.insertNode(block);
    return;
  }
  const slot = document.getElementById("body-slot");
  if (slot) slot.before(block);
  else editor.append(block);
}

// The draft's files, each with a download link and a Remove button.
function showFiles(d) {
  const list = document.getElementById("draft-files");
  const activity = composerActivity();
  list.replaceChildren(
    ...d.attachments.map((f, i) => {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = `/api/v1/activities/${activity}/draft/attachments/${i}/content`;
      a.download = f.name;
      a.textContent = f.name;
      const size = document.createElement("span");
      size.className = "muted";
      size.textContent = ` ${t("{n} bytes", { n: f.size })} `;
      const b = document.createElement("button");
      b.type = "button";
      b.className = "link";
      b.dataset.action = "remove-file";
      b.dataset.index = String(i);
      b.textContent = t("Remove");
      b.setAttribute("aria-label", `Remove ${f.name}`);
      li.append(a, size, b);
      return li;
    }),
  );
  savedNow(d);
}

document.addEventListener("input", (e) => {
  if (e.target.closest("#editor, #reply-to, #reply-cc")) draftChanged();
});

document.addEventListener("change", async (e) => {
  if (e.target.id !== "reply-files" || !e.target.files.length) return;
  const input = e.target;
  try {
    const attachments = await Promise.all([...input.files].map(async (f) => ({
      name: f.name,
      content_type: f.type || null,
      content_base64: await base64(f),
    })));
    showFiles(await api("POST", `/activities/${composerActivity()}/draft/attachments`, { attachments }));
    input.value = "";
  } catch (_) {
    // The message is shown in #flash; the files stay picked to try again.
  }
});

// Leaving the page saves what was typed since the last save, or what a save still on its way
// carries (leaving would cancel it); a request that outlives the page holds at most 64 KiB.
window.addEventListener("pagehide", () => {
  const activity = composerActivity();
  if (!activity || sent || !(dirty || saving)) return;
  clearTimeout(draftTimer);
  dirty = false;
  fetch(`/api/v1/activities/${activity}/draft`, {
    method: "PUT",
    keepalive: true,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
    body: JSON.stringify(draftBody()),
  });
});

// Formatting buttons keep the editor's selection (mousedown would take it away).
document.addEventListener("mousedown", (e) => {
  if (e.target.closest("[data-format]")) e.preventDefault();
});
document.addEventListener("click", (e) => {
  const b = e.target.closest("[data-format]");
  if (!b) return;
  const format = b.dataset.format;
  let value = null;
  if (format === "createLink") {
    value = window.prompt("Link address (https://…)");
    if (!value) return;
  }
  document.execCommand(format, false, value);
  draftChanged();
});

// Keys in the composer: Ctrl+S (⌘S) saves the draft, Ctrl+Enter (⌘Enter) sends.
document.addEventListener("keydown", (e) => {
  if (!(e.ctrlKey || e.metaKey) || !e.target.closest?.(".composer")) return;
  const which = e.key === "s" ? "[data-action=save-draft]" : e.key === "Enter" ? "[data-action=send][data-complete=false]" : null;
  const button = which && document.querySelector(`.composer ${which}`);
  if (!button) return;
  e.preventDefault();
  button.click();
});
