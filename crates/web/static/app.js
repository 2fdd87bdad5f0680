// Switchboard consoles: the few things pages do in the browser. Buttons call the REST API with
// the session's CSRF token; the agent's event stream refreshes the live parts of the page.
"use strict";

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content ?? "";

function flash(message) {
  const el = document.getElementById("flash");
  if (el) el.textContent = message;
}

async function api(method, path, body) {
  const res = await fetch("/api/v1" + path, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return null;
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    flash(data.message || `${res.status} ${res.statusText}`);
    throw new Error(data.message || String(res.status));
  }
  flash("");
  return data;
}

function refresh() {
  document.body.dispatchEvent(new Event("sb:refresh"));
}

// Buttons: <button data-action="accept" data-activity="12">.
const actions = {
  accept: (b) => api("POST", `/activities/${b.dataset.activity}/actions`, { action: "accept" }),
  decline: (b) => api("POST", `/activities/${b.dataset.activity}/actions`, { action: "decline" }),
  start: (b) => api("POST", `/activities/${b.dataset.activity}/actions`, { action: "start" }),
  ready: () => api("PUT", "/me/presence", { ready: true }),
  "not-ready": () => {
    const reason = document.getElementById("reason")?.value || null;
    return api("PUT", "/me/presence", { ready: false, reason });
  },
  "remote-images": (b) => {
    const frame = document.querySelector(`[data-email-frame="${b.dataset.email}"]`);
    if (frame) frame.src = `/api/v1/emails/${b.dataset.email}/html?remote_images=true`;
    b.remove();
  },
  insert: async (b) => {
    const article = await api("GET", `/articles/${b.dataset.article}`);
    const slot = document.getElementById("body-slot");
    const block = document.createElement("div");
    block.innerHTML = article.html;
    slot.before(block);
  },
  send: async (b) => {
    const composer = b.closest(".composer");
    const editor = document.getElementById("editor");
    const done = await api("POST", `/activities/${composer.dataset.activity}/reply`, {
      text: editor.innerText,
      html: editor.innerHTML,
      compose: false,
      complete: b.dataset.complete === "true",
    });
    const result = document.getElementById("reply-result");
    result.textContent = done.review
      ? `Your reply waits for review (queue ${done.review.queue_id}); it is sent once approved.`
      : "Sent.";
    for (const button of composer.querySelectorAll("[data-action=send]")) button.remove();
    editor.contentEditable = "false";
  },
  logout: async () => {
    await api("POST", "/auth/logout");
    window.location.assign("/login");
  },
};

document.addEventListener("click", async (e) => {
  const b = e.target.closest("[data-action]");
  if (!b || !actions[b.dataset.action]) return;
  e.preventDefault();
  b.disabled = true;
  try {
    await actions[b.dataset.action](b);
    refresh();
  } catch (_) {
    // The message is shown in #flash.
  } finally {
    b.disabled = false;
  }
});

// Per-channel readiness: <input type="checkbox" data-channel="chat">.
document.addEventListener("change", async (e) => {
  const box = e.target.closest("input[data-channel]");
  if (!box) return;
  const reason = box.checked ? null : document.getElementById("reason")?.value || null;
  try {
    await api("PUT", "/me/presence", { ready: box.checked, channel: box.dataset.channel, reason });
  } finally {
    refresh();
  }
});

// Offers count down to their expiry: <span data-expires="millis">.
setInterval(() => {
  for (const el of document.querySelectorAll("[data-expires]")) {
    const left = Math.max(0, Math.round((Number(el.dataset.expires) - Date.now()) / 1000));
    el.textContent = `${left} s`;
  }
}, 1000);

// A short tone for a new offer (browsers allow it once the page was interacted with).
function chime() {
  try {
    const ctx = new AudioContext();
    const osc = ctx.createOscillator();
    osc.frequency.value = 880;
    osc.connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + 0.15);
  } catch (_) {
    // No audio: the row still flashes.
  }
}

// The agent's event stream: every notice refreshes the live parts; an offer also chimes.
if (document.body.dataset.live === "agent") {
  const stream = new EventSource("/api/v1/me/events");
  const kinds = ["offered", "assigned", "returned", "paused", "resumed", "not_ready", "expired"];
  for (const kind of kinds) {
    stream.addEventListener(kind, () => {
      if (kind === "offered") chime();
      refresh();
    });
  }
}

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
        b.textContent = "Insert";
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
