// Switchboard consoles: the few things pages do in the browser. Buttons call the REST API with
// the session's CSRF token; the agent's event stream refreshes the live parts of the page.
"use strict";

const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content ?? "";

// A message in the viewer's language (the server's catalogue, `/static/i18n/<lang>.js`), with its
// {name} places filled from `args`.
function t(english, args) {
  const text = (window.SB_MESSAGES && window.SB_MESSAGES[english]) || english;
  return args ? text.replace(/\{(\w+)\}/g, (m, k) => (k in args ? String(args[k]) : m)) : text;
}

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
  accept: async (b) => {
    await api("POST", `/activities/${b.dataset.activity}/actions`, { action: "accept" });
    // Accepted from the inbox's list: it opens beside it.
    if (b.dataset.open) window.location.assign(b.dataset.open);
  },
  decline: (b) => api("POST", `/activities/${b.dataset.activity}/actions`, { action: "decline" }),
  start: (b) => api("POST", `/activities/${b.dataset.activity}/actions`, { action: "start" }),
  ready: () => api("PUT", "/me/presence", { ready: true }),
  pull: async (b) => {
    const body = b.dataset.activity ? { activity_id: Number(b.dataset.activity) } : {};
    const got = await api("POST", "/me/pull", body);
    flash("");
    window.location.assign(workUrl(got.id, "view=mine"));
  },
  "not-ready": () => {
    const reason = document.getElementById("reason")?.value || null;
    return api("PUT", "/me/presence", { ready: false, reason });
  },
  "remote-images": (b) => {
    const frame = document.querySelector(`[data-email-frame="${b.dataset.email}"]`);
    if (frame) frame.src = `/api/v1/emails/${b.dataset.email}/html?remote_images=true`;
    b.remove();
  },
  "service-stop": (b) =>
    api("POST", `/system/cluster/services/${encodeURIComponent(b.dataset.service)}`, { action: "stop" }),
  "service-start": (b) =>
    api("POST", `/system/cluster/services/${encodeURIComponent(b.dataset.service)}`, { action: "start" }),
  "service-move": (b) => {
    const to = b.closest("tr")?.querySelector("select[data-move-for]")?.value || null;
    return api("POST", `/system/cluster/services/${encodeURIComponent(b.dataset.service)}`, { action: "move", node: to });
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
  if (document.body.dataset.sound === "false") return;
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

// ---- Live parts keep the keyboard's place ----------------------------------------------------
// A control focused inside a part that htmx swaps is focused again afterwards (found by its id,
// else by its action and activity), so a live refresh never throws a keyboard user out.
let focusKey = null;
function keyOf(el) {
  if (el.id) return `#${CSS.escape(el.id)}`;
  if (el.dataset && el.dataset.action) {
    const activity = el.dataset.activity ? `[data-activity="${CSS.escape(el.dataset.activity)}"]` : "";
    return `[data-action="${CSS.escape(el.dataset.action)}"]${activity}`;
  }
  return null;
}
document.body.addEventListener("htmx:beforeSwap", (e) => {
  const a = document.activeElement;
  focusKey = a && a !== document.body && e.detail.target.contains(a) ? keyOf(a) : null;
});
document.body.addEventListener("htmx:afterSwap", (e) => {
  if (!focusKey) return;
  const el = e.detail.target.querySelector(focusKey) || document.querySelector(focusKey);
  focusKey = null;
  if (el) el.focus({ preventScroll: true });
});

// ---- Offers on every agent page -------------------------------------------------------------
// A toast with Accept and Decline and the count-down (unless the page lists the offer already),
// the number of offers in the tab title, a desktop notification when the agent allowed them; an
// offer that ran out explains itself with a way back to Ready.

const baseTitle = document.title;

function toasts() {
  let area = document.getElementById("toasts");
  if (!area) {
    area = document.createElement("div");
    area.id = "toasts";
    area.className = "toasts";
    document.body.append(area);
  }
  return area;
}

function countOffers() {
  const n = document.querySelectorAll("#toasts .toast.offer").length;
  document.title = n ? `(${n}) ${baseTitle}` : baseTitle;
}

function toastButton(label, primary, run) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  if (primary) b.className = "primary";
  b.addEventListener("click", async () => {
    b.disabled = true;
    try {
      await run();
    } catch (_) {
      b.disabled = false;
    }
  });
  return b;
}

async function offerToast(n) {
  if (!n.activity || document.querySelector(`#work tr[data-activity="${n.activity}"]`)) return;
  if (document.querySelector(`#toasts [data-activity="${n.activity}"]`)) return;
  let what = `#${n.activity}`;
  try {
    const a = await api("GET", `/activities/${n.activity}`);
    what = `${a.channel.replace("_", " ")} #${a.id}: ${a.subject}`;
  } catch (_) {
    // The number alone.
  }
  const box = document.createElement("div");
  box.className = "toast offer";
  box.dataset.activity = String(n.activity);
  box.setAttribute("role", "alert");
  const text = document.createElement("p");
  text.textContent = t("New work offered to you — {what}", { what });
  const left = document.createElement("span");
  left.className = "muted";
  if (n.expires_at) left.dataset.expires = String(Date.parse(n.expires_at));
  const done = () => {
    box.remove();
    countOffers();
  };
  const accept = toastButton(t("Accept"), true, async () => {
    await api("POST", `/activities/${n.activity}/actions`, { action: "accept" });
    done();
    window.location.assign(workUrl(n.activity));
  });
  const decline = toastButton(t("Decline"), false, async () => {
    await api("POST", `/activities/${n.activity}/actions`, { action: "decline" });
    done();
  });
  box.append(text, left, accept, decline);
  toasts().append(box);
  countOffers();
  if (document.body.dataset.desktop !== "false" && "Notification" in window && Notification.permission === "granted") {
    try {
      new Notification(t("Switchboard: new work offered"), { body: what, tag: `offer-${n.activity}` });
    } catch (_) {
      // Notifications may be refused by the browser; the toast stays.
    }
  }
}

function offerGone(n) {
  const box = document.querySelector(`#toasts [data-activity="${n.activity}"]`);
  if (box) box.remove();
  countOffers();
}

function mentionToast(n) {
  const box = document.createElement("div");
  box.className = "toast mention";
  box.setAttribute("role", "status");
  const text = document.createElement("p");
  const on = n.case ? t("case #{n}", { n: n.case }) : `#${n.activity}`;
  text.textContent = t("{who} mentioned you in a note on {on}.", { who: n.reason || t("A colleague"), on });
  const open = document.createElement("a");
  open.href = n.case ? `/cases/${n.case}` : `/activities/${n.activity}`;
  open.textContent = t("Open it");
  const close = toastButton(t("Dismiss"), false, async () => box.remove());
  box.append(text, open, " ", close);
  toasts().append(box);
}

function notReadyBanner(n) {
  if (document.getElementById("not-ready-banner")) return;
  const box = document.createElement("div");
  box.id = "not-ready-banner";
  box.className = "toast warning";
  box.setAttribute("role", "alert");
  const text = document.createElement("p");
  text.textContent = n.reason
    ? t("You were set Not ready ({reason}): no work is offered to you until you are Ready again.", { reason: t(n.reason) })
    : t("You were set Not ready: no work is offered to you until you are Ready again.");
  const again = toastButton(t("Ready again"), true, async () => {
    await api("PUT", "/me/presence", { ready: true });
    box.remove();
    refresh();
  });
  box.append(text, again);
  toasts().append(box);
}

// The router's notices over a WebSocket (an idle one costs the server far less than an event
// stream): each frame is {event, data}; a closed socket is opened again, sooner at first.
function noticeSocket(path, onEvent, onOpen, onClose) {
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}`;
  let wait = 1000;
  const connect = () => {
    const ws = new WebSocket(url);
    ws.addEventListener("open", () => {
      wait = 1000;
      onOpen?.();
    });
    ws.addEventListener("message", (e) => {
      let frame = {};
      try {
        frame = JSON.parse(e.data);
      } catch (_) {
        return;
      }
      onEvent(frame.event, frame.data ?? {});
    });
    ws.addEventListener("close", () => {
      onClose?.();
      setTimeout(connect, wait);
      wait = Math.min(wait * 2, 30000);
    });
  };
  connect();
}

// The agent's notices: every notice refreshes the live parts; an offer also chimes.
if (document.body.dataset.live === "agent") {
  // The event names come from the server (the page's data-notices), never a list kept here.
  const kinds = new Set((document.body.dataset.notices || "").split(" ").filter(Boolean));
  noticeSocket(
    "/api/v1/me/events",
    (kind, n) => {
      if (!kinds.has(kind)) return;
      if (kind === "offered") {
        chime();
        offerToast(n);
      } else if (kind === "expired" || kind === "assigned") {
        offerGone(n);
      } else if (kind === "not_ready" && n.reason) {
        notReadyBanner(n);
      } else if (kind === "mentioned") {
        mentionToast(n);
      } else if (kind === "taken_over") {
        takenOverToast(n);
      }
      refresh();
    },
    // Whether notices reach this page now (tests wait for it; it is also a hook for styling).
    // Back after a break (a node went away, the bus reconnected): re-read what may have been
    // missed.
    () => {
      if (document.body.dataset.stream === "closed") refresh();
      document.body.dataset.stream = "open";
    },
    () => (document.body.dataset.stream = "closed"),
  );
}

// The supervisor's monitor: the server sends the whole monitor when the socket opens, then only
// the rows that changed ({table, id, sort, html}; rows gone; counts). Rows keep their order by
// data-sort. Ages tick here, from each row's data-since and the server's clock.
if (document.body.dataset.live === "monitor") {
  const monitor = document.getElementById("monitor");
  let skew = 0; // server clock minus this one, in ms
  const age = (ms) => {
    const s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) return `${s} s`;
    const two = (n) => String(n).padStart(2, "0");
    if (s < 3600) return `${Math.floor(s / 60)} m ${two(s % 60)} s`;
    return `${Math.floor(s / 3600)} h ${two(Math.floor((s % 3600) / 60))} m`;
  };
  const tick = () => {
    const now = Date.now() + skew;
    for (const cell of monitor.querySelectorAll("[data-since]")) {
      cell.textContent = age(now - Number(cell.dataset.since));
    }
  };
  const place = (tbody, tr) => {
    const key = tr.dataset.sort;
    const after = [...tbody.rows].find((r) => r !== tr && r.dataset.sort > key);
    tbody.insertBefore(tr, after ?? null);
  };
  const showEmpty = (table) => {
    const empty = monitor.querySelector(`[data-empty="${table.id}"]`);
    if (!empty) return;
    const none = table.tBodies[0].rows.length === 0;
    empty.hidden = !none;
    table.hidden = none;
  };
  const apply = (data) => {
    const touched = new Set();
    for (const r of data.set ?? []) {
      const table = document.getElementById(`${r.table}-monitor`);
      if (!table) continue;
      const t = document.createElement("template");
      t.innerHTML = r.html.trim();
      const tr = t.content.firstElementChild;
      if (!tr) continue;
      const old = table.querySelector(`tr[data-${r.table}="${r.id}"]`);
      if (old && old.dataset.sort === tr.dataset.sort) old.replaceWith(tr);
      else {
        old?.remove();
        place(table.tBodies[0], tr);
      }
      touched.add(table);
    }
    for (const g of data.gone ?? []) {
      const table = document.getElementById(`${g.table}-monitor`);
      table?.querySelector(`tr[data-${g.table}="${g.id}"]`)?.remove();
      if (table) touched.add(table);
    }
    touched.forEach(showEmpty);
    for (const [name, n] of Object.entries(data.counts ?? {})) {
      const el = monitor.querySelector(`[data-count="${name.replace("_", "-")}"]`);
      if (el) el.textContent = String(n);
    }
  };
  noticeSocket(
    "/ui/supervisor/monitor/live",
    (event, data) => {
      if (typeof data.now === "number") skew = data.now - Date.now();
      if (event === "full") monitor.innerHTML = data.html;
      else if (event === "rows") apply(data);
      tick();
    },
    () => (document.body.dataset.stream = "open"),
    () => (document.body.dataset.stream = "closed"),
  );
  setInterval(tick, 1000);
}


// ---- Administration forms -------------------------------------------------------------------
// Each control carries its JSON path (data-path) and type (data-type); the form becomes the API's
// JSON, is sent, and a validation error is shown beside the control whose path it names.

function setPath(obj, path, value) {
  const keys = path.split(".");
  let at = obj;
  for (const k of keys.slice(0, -1)) {
    if (typeof at[k] !== "object" || at[k] === null) at[k] = {};
    at = at[k];
  }
  at[keys[keys.length - 1]] = value;
}

class FieldError extends Error {
  constructor(path, message) {
    super(message);
    this.path = path;
  }
}

function scalar(v) {
  if (v === "true") return true;
  if (v === "false") return false;
  if (/^-?\d+$/.test(v)) return Number(v);
  return v;
}

// The JSON value of one control, or undefined to leave it out.
function valueOf(el, path) {
  const raw = el.value;
  switch (el.dataset.type) {
    case "check":
      return el.checked;
    case "number":
      if (raw.trim() === "") return undefined;
      if (!/^-?\d+$/.test(raw.trim())) throw new FieldError(path, "must be a whole number");
      return Number(raw);
    case "password":
      return raw === "" ? undefined : raw;
    case "select":
      if (raw === "") return null;
      return "numeric" in el.dataset ? Number(raw) : raw;
    case "multi":
      return [...el.querySelectorAll("input[type=checkbox]:checked")].map((b) =>
        "numeric" in el.dataset ? Number(b.value) : b.value,
      );
    case "lines":
      return raw.split("\n").map((l) => l.trim()).filter(Boolean);
    case "map": {
      const out = {};
      for (const [i, line] of raw.split("\n").entries()) {
        if (!line.trim()) continue;
        const at = line.indexOf("=");
        if (at < 1) throw new FieldError(path, `line ${i + 1}: write key = value`);
        out[line.slice(0, at).trim()] = scalar(line.slice(at + 1).trim());
      }
      return out;
    }
    case "json":
      try {
        return JSON.parse(raw);
      } catch (e) {
        throw new FieldError(path, `not valid JSON: ${e.message}`);
      }
    case "rows":
      return [...el.querySelectorAll("tbody > tr.row")].map((tr, i) => {
        const item = {};
        for (const c of tr.querySelectorAll("[data-path]")) {
          const full = `${path}[${i}].${c.dataset.path}`;
          c.dataset.full = full;
          const v = valueOf(c, full);
          if (v !== undefined && v !== null && v !== "") setPath(item, c.dataset.path, v);
        }
        return item;
      });
    default:
      return raw;
  }
}

// Whether a field's `data-when="path=value"` condition holds in its form.
function shown(form, field) {
  const when = field.dataset.when;
  if (!when) return true;
  const [path, want] = when.split("=");
  const ctl = form.querySelector(`[data-path="${path}"], [data-cond="${path}"]`);
  return !!ctl && (ctl.dataset.value ?? ctl.value) === want;
}

function applyConditions(form) {
  for (const field of form.querySelectorAll(".field[data-when]")) field.hidden = !shown(form, field);
}

function formJson(form) {
  const body = {};
  for (const field of form.querySelectorAll(":scope .grid > .field")) {
    if (!shown(form, field)) continue;
    const el = field.querySelector("[data-path]");
    if (!el) continue;
    const v = valueOf(el, el.dataset.path);
    if (v !== undefined) setPath(body, el.dataset.path, v);
  }
  return body;
}

function clearErrors(form) {
  for (const p of form.querySelectorAll(".field-error, .form-error")) p.textContent = "";
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
}

// Shows `message` beside the control of `path` (or its nearest parent path), else atop the form.
function showError(form, path, message) {
  let target = null;
  let p = path || "";
  while (p && !target) {
    target =
      form.querySelector(`[data-full="${CSS.escape(p)}"]`) ||
      form.querySelector(`.field > [data-path="${CSS.escape(p)}"], .field label > [data-path="${CSS.escape(p)}"]`);
    if (!target) p = p.replace(/(\[\d+\]|\.[^.[\]]*)$/, "").replace(/^[^.[\]]*$/, "");
  }
  if (!target) {
    form.querySelector(".form-error").textContent = path ? `${path}: ${message}` : message;
    return;
  }
  target.setAttribute("aria-invalid", "true");
  const field = target.closest(".field");
  field.querySelector(".field-error").textContent = message;
  target.focus();
}

async function sendForm(form) {
  clearErrors(form);
  flash("");
  let body;
  try {
    body = formJson(form);
  } catch (e) {
    if (e instanceof FieldError) return showError(form, e.path, e.message);
    throw e;
  }
  const id = form.dataset.id;
  const method = form.dataset.method || (id ? "PUT" : "POST");
  const path = form.dataset.method ? form.dataset.api : id ? `${form.dataset.api}/${id}` : form.dataset.api;
  if (id) body.version = Number(form.dataset.version);
  const res = await fetch("/api/v1" + path, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
    body: JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) return showError(form, data.field, data.message || `${res.status} ${res.statusText}`);
  if (!id && !form.dataset.method) {
    // A webhook's secret is in this answer only: carried to its page, shown there once.
    if (data.secret) sessionStorage.setItem(`sb:secret:${data.id}`, data.secret);
    window.location.assign(`/admin/${form.dataset.kind}/${data.id}`);
    return;
  }
  if (data.version !== undefined) form.dataset.version = data.version;
  form.querySelector(".form-status").textContent = t("Saved at {time}.", { time: new Date().toLocaleTimeString(document.body.dataset.lang || []) });
}

document.addEventListener("submit", (e) => {
  const form = e.target.closest("form.admin-form");
  if (!form) return;
  e.preventDefault();
  if ("readonly" in form.dataset) return;
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  sendForm(form)
    .catch((err) => flash(err.message))
    .finally(() => {
      button.disabled = false;
    });
});

document.addEventListener("change", (e) => {
  const form = e.target.closest("form.admin-form");
  if (form) applyConditions(form);
  if (form && form.dataset.id === "" && e.target.dataset.path === "department_id") departmentChosen(form, e.target);
});

// A new object's choices (queues, groups, users…) are those of its department: choosing the
// department shows the form again with them; what was typed so far comes along.
function departmentChosen(form, select) {
  if (!form.hasAttribute("data-scoped") || !select.value) return;
  const typed = {};
  for (const el of form.querySelectorAll("input[data-path], textarea[data-path]")) {
    if (el.type !== "password" && el.type !== "checkbox" && el.value) typed[el.dataset.path] = el.value;
  }
  sessionStorage.setItem(`sb:new:${form.dataset.kind}`, JSON.stringify(typed));
  window.location.replace(`${window.location.pathname}?department_id=${encodeURIComponent(select.value)}`);
}

for (const form of document.querySelectorAll('form.admin-form[data-id=""]')) {
  const key = `sb:new:${form.dataset.kind}`;
  const typed = JSON.parse(sessionStorage.getItem(key) || "{}");
  sessionStorage.removeItem(key);
  for (const [path, value] of Object.entries(typed)) {
    const el = form.querySelector(`[data-path="${CSS.escape(path)}"]`);
    if (el) el.value = value;
  }
}

document.addEventListener("click", (e) => {
  const add = e.target.closest("[data-add-row]");
  if (add) {
    const rows = add.closest(".rows");
    rows.querySelector("tbody").append(rows.querySelector("template").content.cloneNode(true));
    return;
  }
  const remove = e.target.closest("[data-remove-row]");
  if (remove) remove.closest("tr").remove();
});

for (const form of document.querySelectorAll("form.admin-form")) applyConditions(form);

actions["delete-object"] = async (b) => {
  const form = b.closest("form");
  if (!window.confirm(t("Delete this for good? Deactivating keeps its history."))) return;
  await api("DELETE", `${form.dataset.api}/${form.dataset.id}`);
  window.location.assign(`/admin/${form.dataset.kind}`);
};

// A webhook's signing secret, shown once: right after the webhook was made, or renewed.
function showSecret(secret) {
  const box = document.getElementById("webhook-secret");
  if (!box || !secret) return;
  document.getElementById("webhook-secret-text").textContent = secret;
  box.hidden = false;
}
{
  const box = document.getElementById("webhook-secret");
  if (box) {
    const key = `sb:secret:${box.dataset.webhook}`;
    showSecret(sessionStorage.getItem(key));
    sessionStorage.removeItem(key);
  }
}

actions["renew-webhook-secret"] = async (b) => {
  if (!window.confirm(t("Make a new secret? The old one stops working at once."))) return;
  const got = await api("POST", `/webhooks/${b.dataset.webhook}/secret`, {});
  showSecret(got.secret);
};

actions["replay-delivery"] = async (b) => {
  await api("POST", `/webhooks/${b.dataset.webhook}/deliveries/${b.dataset.delivery}/replay`, {});
  window.setTimeout(() => window.location.reload(), 400);
};

// "Show HTML": copy the snippet.
actions.copy = async (b) => {
  const text = document.getElementById(b.dataset.copy)?.textContent || "";
  const status = b.closest("section")?.querySelector(".copy-status");
  try {
    await navigator.clipboard.writeText(text);
    if (status) status.textContent = t("Copied.");
  } catch (_) {
    const range = document.createRange();
    range.selectNodeContents(document.getElementById(b.dataset.copy));
    window.getSelection().removeAllRanges();
    window.getSelection().addRange(range);
    if (status) status.textContent = t("Selected: press Ctrl+C to copy.");
  }
};

actions["test-alias"] = async (b) => {
  const out = document.getElementById("alias-test");
  out.textContent = t("Trying the servers…");
  // A saved alias is tried with its stored passwords; a new one as the form gives it.
  let r;
  if (b.dataset.alias) {
    r = await api("POST", `/aliases/${b.dataset.alias}/test`);
  } else {
    const form = b.closest("form.admin-form");
    clearErrors(form);
    let body;
    try {
      body = formJson(form);
    } catch (e) {
      out.textContent = "";
      if (e instanceof FieldError) return showError(form, e.path, e.message);
      throw e;
    }
    const res = await fetch("/api/v1/aliases/test", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify(body),
    });
    r = await res.json().catch(() => ({}));
    if (!res.ok) {
      out.textContent = "";
      return showError(form, r.field, r.message || `${res.status} ${res.statusText}`);
    }
  }
  out.replaceChildren(
    ...[
      ["Incoming", r.incoming],
      ["Outgoing", r.outgoing],
    ].map(([name, p]) => {
      const row = document.createElement("p");
      row.className = p.ok ? "probe-ok" : "probe-bad";
      row.dataset.probe = name.toLowerCase();
      row.textContent = `${name}: ${p.ok ? t("OK") : t("failed")} — ${p.answer}`;
      return row;
    }),
  );
};

// ---- Moving, closing and reviewing an activity ----------------------------------------------

// An internal note: added, then shown at once (who was told, if anyone).
actions["add-note"] = async (b) => {
  const text = document.getElementById("note-text");
  // A note on an activity, or on a case (<button data-case="3">).
  const path = b.dataset.case ? `/cases/${b.dataset.case}/notes` : `/activities/${b.dataset.activity}/notes`;
  const r = await api("POST", path, { text: text.value });
  const li = document.createElement("li");
  li.className = "note";
  const meta = document.createElement("span");
  meta.className = "muted";
  meta.textContent = t("just now · you");
  const p = document.createElement("p");
  p.textContent = text.value.trim();
  li.append(meta, p);
  document.getElementById("notes").append(li);
  document.getElementById("no-notes")?.remove();
  text.value = "";
  document.getElementById("note-result").textContent = r.mentions.length
    ? t("Added; {n} colleague(s) told.", { n: r.mentions.length })
    : t("Added.");
};

// After the work left the agent's hands: the next thing they hold, else their console.
// Where an activity opens: beside the inbox's list when the page is part of the inbox
// (<body data-inbox="view=mine">), else on its own page. `query` overrides the inbox's view.
function workUrl(id, query) {
  const inbox = document.body.dataset.inbox;
  if (inbox === undefined) return `/activities/${id}`;
  return `/inbox/${id}?${query || inbox}`;
}

async function nextWork(current) {
  const inbox = document.body.dataset.inbox;
  if (inbox !== undefined) {
    // The inbox opens the item that followed this one in the list shown.
    const shown = document.querySelector(".inbox-items")?.dataset.shown || "";
    window.location.assign(`/inbox/next?${inbox}&after=${encodeURIComponent(current)}&shown=${encodeURIComponent(shown)}`);
    return;
  }
  try {
    const mine = await api("GET", "/me/work");
    const next = mine.assigned.find((a) => String(a.id) !== String(current));
    window.location.assign(next ? `/activities/${next.id}` : "/agent");
  } catch (_) {
    window.location.assign("/agent");
  }
}

actions.transfer = async (b) => {
  const pick = (id) => document.getElementById(id)?.value || "";
  const body = {};
  if (pick("to-agent")) body.agent_id = Number(pick("to-agent"));
  if (pick("to-group")) body.user_group_id = Number(pick("to-group"));
  if (pick("to-queue")) body.queue_id = Number(pick("to-queue"));
  if (Object.keys(body).length !== 1) {
    flash(t("Choose one agent, one group or one queue to transfer to."));
    return;
  }
  const moved = await api("POST", `/activities/${b.dataset.activity}/transfer`, body);
  document.getElementById("handle-result").textContent = t("Transferred.");
  // An agent no longer holds it: on to the next work, never to a page they may not open.
  const mine = document.body.dataset.me && String(moved.assignee_id) === document.body.dataset.me;
  const agent = document.body.dataset.role === "agent";
  window.setTimeout(() => (agent && !mine ? nextWork(b.dataset.activity) : window.location.reload()), 600);
};

actions.complete = async (b) => {
  // The wrap-up first, when the agent gave a category or a note.
  const category = document.getElementById("wrap-category");
  const note = document.getElementById("wrap-note");
  const wrap = {};
  if (category && category.value && category.value !== category.dataset.was) wrap.category_id = Number(category.value);
  if (note && note.value.trim()) wrap.note = note.value;
  if (Object.keys(wrap).length) await api("POST", `/activities/${b.dataset.activity}/wrap-up`, wrap);
  await api("POST", `/activities/${b.dataset.activity}/actions`, { action: "complete" });
  document.getElementById("handle-result").textContent = t("Completed.");
  window.setTimeout(() => nextWork(b.dataset.activity), 600);
};

// The held reply as the reviewer first saw it, to tell whether they edited it.
const reviewOriginal = document.getElementById("review-editor")?.innerHTML;

actions.approve = async (b) => {
  const subject = document.getElementById("review-subject");
  const editor = document.getElementById("review-editor");
  const body = { decision: "approve" };
  if (subject.value !== subject.dataset.original) body.subject = subject.value;
  // An edited reply keeps its formatting: the HTML as edited, and its text.
  if (editor.innerHTML !== reviewOriginal) {
    body.text = editor.innerText;
    body.html = editor.innerHTML;
  }
  const comment = document.getElementById("review-comment").value.trim();
  if (comment) body.comment = comment;
  await api("POST", `/activities/${b.dataset.activity}/review`, body);
  document.getElementById("review-result").textContent = t("Approved: the reply is on its way.");
  for (const x of b.closest(".review").querySelectorAll("button")) x.remove();
};

actions.reject = async (b) => {
  const comment = document.getElementById("review-comment").value.trim();
  if (!comment) {
    flash(t("Say why in the comment: the agent sees it."));
    document.getElementById("review-comment").focus();
    return;
  }
  await api("POST", `/activities/${b.dataset.activity}/review`, { decision: "reject", comment });
  document.getElementById("review-result").textContent = t("Rejected: the agent sees your comment.");
  for (const x of b.closest(".review").querySelectorAll("button")) x.remove();
};

// Times are sent in UTC (RFC 3339) and shown in the reader's own time: "21 Nov, 14:05" (the
// year when it is not this one); the exact value stays in the tooltip.
function localTimes(root) {
  const now = new Date();
  for (const t of root.querySelectorAll("time[datetime]:not([data-local])")) {
    const d = new Date(t.getAttribute("datetime"));
    if (Number.isNaN(d.getTime())) continue;
    const opts = { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };
    if (d.getFullYear() !== now.getFullYear()) opts.year = "numeric";
    // In the viewer's own language and time zone when they chose them (My settings).
    const lang = document.body.dataset.lang || [];
    if (document.body.dataset.tz) opts.timeZone = document.body.dataset.tz;
    t.title = t.getAttribute("datetime");
    try {
      t.textContent = d.toLocaleString(lang, opts);
    } catch (_) {
      t.textContent = d.toLocaleString([], { ...opts, timeZone: undefined });
    }
    t.dataset.local = "";
  }
}
localTimes(document);
document.body.addEventListener("htmx:afterSwap", (e) => localTimes(e.target));

// ---- A callback's call -----------------------------------------------------------------------
// "Call again at…" asks for the time (on the agent's clock, sent as UTC).
document.addEventListener("change", (e) => {
  if (e.target.id !== "call-outcome") return;
  const label = document.getElementById("call-again-label");
  if (label) label.hidden = e.target.value !== "call_again";
});

actions["record-call"] = async (b) => {
  const outcome = document.getElementById("call-outcome").value;
  const body = { outcome, note: document.getElementById("call-note").value };
  if (outcome === "call_again") {
    const at = document.getElementById("call-again").value;
    if (!at) {
      flash(t("Say when to call again."));
      return;
    }
    body.at = new Date(at).toISOString();
  }
  const category = document.getElementById("wrap-category");
  if (outcome === "reached" && category && category.value) body.category_id = Number(category.value);
  const r = await api("POST", `/activities/${b.dataset.activity}/callback-outcome`, body);
  const result = document.getElementById("call-result");
  if (r.unreachable) {
    result.textContent = r.customer_told ? t("Unreachable; the customer was told by email.") : t("Unreachable.");
  } else if (r.next_at) {
    result.textContent = t("Recorded; it comes back {time}.", { time: new Date(r.next_at).toLocaleString(document.body.dataset.lang || []) });
  } else {
    result.textContent = t("Recorded and completed.");
  }
  window.setTimeout(() => nextWork(b.dataset.activity), 800);
};

// ---- Who else is here ------------------------------------------------------------------------
// An open activity page says so every few seconds (and at once when the viewer starts or stops
// typing), and shows who holds the activity and who else has it open or is typing.
(function () {
  const line = document.querySelector("[data-presence]");
  if (!line) return;
  const id = line.dataset.presence;
  let typingUntil = 0;
  let wasTyping = false;
  const typing = () => Date.now() < typingUntil;
  async function tell(extra) {
    try {
      // Not through api(): a beat neither shows nor clears the page's messages.
      const res = await fetch(`/api/v1/activities/${id}/viewers`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
        body: JSON.stringify({ typing: typing(), ...extra }),
      });
      if (!res.ok) return;
      const r = await res.json();
      wasTyping = typing();
      const holder = document.getElementById("holder");
      if (holder) {
        holder.replaceChildren();
        if (r.holder) {
          holder.append(`${t("held by")} `);
          const b = document.createElement("strong");
          b.textContent = String(r.holder.user_id) === document.body.dataset.me ? t("you") : r.holder.name;
          holder.append(b);
        }
      }
      line.textContent = r.viewers.length
        ? t("Also here: {names}", { names: r.viewers.map((v) => (v.typing ? t("{name} (typing…)", { name: v.name }) : v.name)).join(", ") })
        : "";
    } catch (_) {
      // The next beat tries again.
    }
  }
  document.addEventListener("input", (e) => {
    if (!e.target.closest("textarea, [contenteditable], input[type=text]")) return;
    typingUntil = Date.now() + 6000;
    if (!wasTyping) tell();
  });
  setInterval(() => {
    if (wasTyping !== typing() || !document.hidden) tell();
  }, 5000);
  window.addEventListener("pagehide", () => {
    fetch(`/api/v1/activities/${id}/viewers`, {
      method: "POST",
      keepalive: true,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify({ left: true }),
    }).catch(() => {});
  });
  tell();
})();

// A supervisor takes the work over; its holder is told (below) and the page shows the new holder.
actions["take-over"] = async (b) => {
  await api("POST", `/activities/${b.dataset.activity}/take-over`);
  window.location.reload();
};

// The holder is told that a supervisor took their work: on its page, they move on.
function takenOverToast(n) {
  const here = document.querySelector(`[data-presence="${n.activity}"]`);
  const box = document.createElement("div");
  box.className = "toast warning";
  box.setAttribute("role", "alert");
  const text = document.createElement("p");
  text.textContent = t("{who} took #{n} over; it is no longer yours.", { who: n.reason || t("A supervisor"), n: n.activity });
  box.append(text);
  if (!here) box.append(toastButton(t("Dismiss"), false, async () => box.remove()));
  toasts().append(box);
  if (here) window.setTimeout(() => nextWork(n.activity), 2500);
}

// ---- The customer page -----------------------------------------------------------------------
// Edit: one contact point per line (an "@" makes it an email address, else a phone number).
document.getElementById("customer-edit")?.addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = e.target;
  const points = document
    .getElementById("customer-points")
    .value.split("\n")
    .map((v) => v.trim())
    .filter(Boolean)
    .map((value) => ({ kind: value.includes("@") ? "email" : "phone", value }));
  const body = {
    version: Number(f.dataset.version),
    name: document.getElementById("customer-name").value,
    contact_points: points,
  };
  const saved = await api("PUT", `/customers/${f.dataset.customer}`, body);
  f.dataset.version = String(saved.version);
  document.getElementById("customer-result").textContent = t("Saved.");
  window.setTimeout(() => window.location.reload(), 400);
});

// Merge: the duplicate's number; it goes, its work comes here.
document.getElementById("customer-merge")?.addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = e.target;
  const from = Number(document.getElementById("merge-from").value);
  if (!from) {
    flash(t("Give the duplicate's customer number (search finds it)."));
    return;
  }
  await api("POST", `/customers/${f.dataset.customer}/merge`, { from_customer_id: from, version: Number(f.dataset.version) });
  window.location.reload();
});

// ---- Tables that scroll sideways (on a phone) take the keyboard's focus, so they can be read ----
function scrollableTables() {
  for (const t of document.querySelectorAll("main table")) {
    if (t.scrollWidth > t.clientWidth + 1) {
      if (!t.hasAttribute("tabindex")) t.setAttribute("tabindex", "0");
    } else if (t.getAttribute("tabindex") === "0" && !t.dataset.keepTab) {
      t.removeAttribute("tabindex");
    }
  }
}
scrollableTables();
window.addEventListener("resize", scrollableTables);
document.body.addEventListener("htmx:afterSwap", scrollableTables);

// ---- My settings -----------------------------------------------------------------------------
(function () {
  const prefs = document.getElementById("preferences");
  if (!prefs) return;
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  const zoneOption = document.getElementById("browser-zone");
  if (zoneOption && browserZone) zoneOption.textContent = t("The browser's ({zone})", { zone: browserZone });
  const state = document.getElementById("notification-state");
  const showPermission = () => {
    if (!("Notification" in window)) state.textContent = t("This browser shows no desktop notifications.");
    else state.textContent = t("Now: {state}.", { state: t(Notification.permission) });
  };
  showPermission();
  document.getElementById("allow-notifications").addEventListener("click", async () => {
    if ("Notification" in window) await Notification.requestPermission();
    showPermission();
  });
  prefs.addEventListener("submit", async (e) => {
    e.preventDefault();
    const zone = document.getElementById("pref-zone").value;
    await api("PUT", "/me/preferences", {
      language: document.getElementById("pref-language").value,
      time_zone: zone || null,
      sound: document.getElementById("pref-sound").checked,
      desktop: document.getElementById("pref-desktop").checked,
    });
    document.getElementById("prefs-result").textContent = t("Saved.");
    window.setTimeout(() => window.location.reload(), 400);
  });
  document.getElementById("password").addEventListener("submit", async (e) => {
    e.preventDefault();
    const result = document.getElementById("password-result");
    const next = document.getElementById("pw-new").value;
    if (next !== document.getElementById("pw-repeat").value) {
      result.textContent = t("The new password and its repetition differ.");
      return;
    }
    await api("PUT", "/auth/password", {
      current_password: document.getElementById("pw-current").value,
      new_password: next,
    });
    e.target.reset();
    result.textContent = t("Changed. Your other sessions have ended.");
  });
})();

// ---- Formatted text in the administration (knowledge-base articles) ---------------------------
// A textarea[data-rich] keeps the HTML the API receives; an editor with a toolbar edits it, and
// the placeholders the field's help names can be inserted where the caret is. "HTML" shows the
// source itself. The server sanitizes what it stores.
function richEditor(area) {
  const field = area.closest(".field");
  const bar = document.createElement("div");
  bar.className = "toolbar";
  bar.setAttribute("role", "toolbar");
  bar.setAttribute("aria-label", "Formatting");
  const editor = document.createElement("div");
  editor.className = "rich-editor";
  editor.contentEditable = "true";
  editor.setAttribute("role", "textbox");
  editor.setAttribute("aria-multiline", "true");
  editor.setAttribute("aria-label", field.querySelector("label")?.textContent.trim() || t("Content"));
  editor.innerHTML = area.value;
  const sync = () => {
    area.value = editor.innerHTML;
  };
  editor.addEventListener("input", sync);
  const button = (label, title, run) => {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.title = title;
    b.setAttribute("aria-label", title);
    b.addEventListener("mousedown", (e) => e.preventDefault());
    b.addEventListener("click", () => {
      editor.focus();
      run();
      sync();
    });
    bar.append(b);
  };
  button(t("B"), t("Bold"), () => document.execCommand("bold"));
  button(t("I"), t("Italic"), () => document.execCommand("italic"));
  button(t("• List"), t("Bulleted list"), () => document.execCommand("insertUnorderedList"));
  button(t("1. List"), t("Numbered list"), () => document.execCommand("insertOrderedList"));
  button(t("Link"), t("Link"), () => {
    const url = window.prompt(t("Link address (https://…)"));
    if (url && /^(https?:|mailto:)/i.test(url.trim())) document.execCommand("createLink", false, url.trim());
  });
  // The placeholders the validator accepts, read from the field's help.
  const help = field.querySelector(".help")?.textContent || "";
  const names = [...new Set(help.match(/\{\{[a-z_.]+\}\}/g) || [])];
  if (names.length) {
    const pick = document.createElement("select");
    pick.setAttribute("aria-label", t("Insert a placeholder"));
    pick.append(new Option(t("Insert a placeholder…"), ""));
    for (const n of names) pick.append(new Option(n, n));
    pick.addEventListener("change", () => {
      if (!pick.value) return;
      editor.focus();
      document.execCommand("insertText", false, pick.value);
      pick.value = "";
      sync();
    });
    bar.append(pick);
  }
  const source = document.createElement("button");
  source.type = "button";
  source.textContent = "HTML";
  source.setAttribute("aria-pressed", "false");
  source.title = t("Show the HTML source");
  source.addEventListener("click", () => {
    const showing = area.hidden;
    if (showing) {
      area.hidden = false;
      editor.hidden = true;
      source.setAttribute("aria-pressed", "true");
      area.focus();
    } else {
      editor.innerHTML = area.value;
      area.hidden = true;
      editor.hidden = false;
      source.setAttribute("aria-pressed", "false");
      editor.focus();
    }
  });
  bar.append(source);
  area.hidden = true;
  area.before(bar, editor);
  // A label's click goes to the editor.
  field.querySelector("label")?.addEventListener("click", (e) => {
    if (area.hidden) {
      e.preventDefault();
      editor.focus();
    }
  });
}
for (const area of document.querySelectorAll("textarea[data-rich]")) richEditor(area);

// Reports: save the report on the page; on the saved reports page, schedule, run and delete.
document.addEventListener("submit", async (e) => {
  const form = e.target.closest("form.save-report, form.schedule-form");
  if (!form) return;
  e.preventDefault();
  try {
    if (form.classList.contains("save-report")) {
      const definition = JSON.parse(form.dataset.definition);
      definition.name = form.elements.name.value;
      await api("POST", "/saved-reports", definition);
      window.location.assign("/reports/saved");
      return;
    }
    const section = form.closest(".saved-report");
    const f = form.elements;
    const schedule = {
      cron: f.cron.value,
      time_zone: f.time_zone.value,
      formats: [...form.querySelectorAll('input[name="formats"]:checked')].map((b) => b.value),
      recipients: [...f.recipients.selectedOptions].map((o) => Number(o.value)),
      alias_id: Number(f.alias_id.value),
      active: f.active.checked,
    };
    await saveSchedule(section, schedule);
  } catch (_) {
    // The message is shown in #flash.
  }
});

async function saveSchedule(section, schedule) {
  const definition = JSON.parse(section.dataset.definition);
  definition.schedule = schedule;
  definition.version = Number(section.dataset.version);
  await api("PUT", `/saved-reports/${section.dataset.id}`, definition);
  window.location.reload();
}

actions["run-saved"] = async (b) => {
  const run = await api("POST", `/saved-reports/${b.dataset.id}/run`);
  if (run.status === "failed") flash(run.error || t("The run failed."));
  else window.location.reload();
};
actions["delete-saved"] = async (b) => {
  if (!window.confirm(t("Delete this saved report and its runs?"))) return;
  await api("DELETE", `/saved-reports/${b.dataset.id}`);
  window.location.reload();
};
actions["unschedule-saved"] = (b) => saveSchedule(b.closest(".saved-report"), null);
