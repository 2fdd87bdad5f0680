// The chat window inside the widget's frame (this server's origin). It starts a chat from the
// entry point's pre-chat form, keeps the chat's token in this origin's storage (so a reload of
// the page resumes the same chat), talks over a WebSocket — long polling when a network blocks
// it — and shows every message once, in order of its number. Customer and agent text is text:
// it is put in the page with textContent, links made from http(s) addresses only.
"use strict";

(function () {
  // Texts of the window itself; the entry point's own texts (title, welcome, wait message,
  // offline) come from its configuration.
  const TEXT = {
    start: "Start chat",
    send: "Send",
    end: "End chat",
    close: "Close the chat window",
    waiting: "Waiting for an agent…",
    talking: (name) => `You are chatting with ${name}.`,
    ended: "The chat has ended.",
    typing: "The agent is typing…",
    sending: "Sending…",
    sent: "Sent",
    failed: "Not sent",
    again: "Start a new chat",
    reconnecting: "Connection lost; reconnecting…",
    you: "You",
    yes: "Yes",
    no: "No",
    transcriptSent: "The transcript is on its way to your email address.",
    download: (name, size) => `Download ${name} (${size})`,
    callNow: "Call me back",
    callLater: "Call me at this time",
    booked: (phone) => `Thank you. We will call you at ${phone} as soon as an agent is free.`,
    bookedAt: (phone, when) => `Thank you. We will call you at ${phone} on ${when}.`,
    mailed: " A confirmation is on its way to your email address.",
    wait: (mins) => `Expected wait: about ${mins} minute${mins === 1 ? "" : "s"}.`,
    zone: (zone) => `Times are shown in your time zone (${zone}).`,
  };

  const body = document.body;
  const ep = body.dataset.entryPoint;
  const KEY = `switchboard-chat-${ep}`;
  const $ = (id) => document.getElementById(id);

  let chat = null; // { id, token, last }, restored by the page's loader
  let info = null;
  let ws = null;
  let polling = false;
  let ended = false;
  let opened = false;
  let unread = 0;
  let failures = 0;
  let everOpened = false;
  let refs = 0;

  // The chat's token is kept in the embedding page's storage by the loader (first-party storage
  // survives where a third-party frame's is refused or partitioned away); opened on its own,
  // the frame keeps it in its own.
  const embedded = window.parent !== window;
  const host = embedded && location.ancestorOrigins && location.ancestorOrigins.length ? location.ancestorOrigins[0] : "*";

  function valid(v) {
    return v && Number.isInteger(v.id) && typeof v.token === "string" && Number.isInteger(v.last) ? v : null;
  }
  function load() {
    if (embedded) {
      return new Promise((done) => {
        const t = setTimeout(() => done(null), 2000);
        window.addEventListener("message", function restore(e) {
          if (e.source !== window.parent || !e.data || e.data.sb !== "chat" || e.data.type !== "restore") return;
          window.removeEventListener("message", restore);
          clearTimeout(t);
          done(valid(e.data.chat));
        });
        toHost({ type: "hello" });
      });
    }
    try {
      return Promise.resolve(valid(JSON.parse(window.localStorage.getItem(KEY) || "null")));
    } catch (_) {
      return Promise.resolve(null);
    }
  }
  function save() {
    if (embedded) {
      toHost({ type: "save", chat });
      return;
    }
    try {
      if (chat) window.localStorage.setItem(KEY, JSON.stringify(chat));
      else window.localStorage.removeItem(KEY);
    } catch (_) {
      // Storage may be refused (private windows); the chat then lasts as long as the page.
    }
  }
  function toHost(message) {
    if (embedded) window.parent.postMessage({ sb: "chat", ...message }, host);
  }

  async function call(method, path, payload, token) {
    const headers = { Accept: "application/json" };
    if (payload !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = `Bearer ${token}`;
    const r = await fetch(`/chat/v1${path}`, {
      method,
      headers,
      body: payload === undefined ? undefined : JSON.stringify(payload),
      credentials: "omit",
    });
    const text = await r.text();
    const data = text ? JSON.parse(text) : null;
    if (!r.ok) {
      const e = new Error((data && data.message) || `HTTP ${r.status}`);
      e.status = r.status;
      e.field = data && data.field;
      throw e;
    }
    return data;
  }

  // ---- Drawing ----------------------------------------------------------------------------------

  function show(id) {
    for (const s of ["intro", "callback", "offline", "talk"]) $(s).hidden = s !== id;
  }

  function linkified(text) {
    const out = document.createDocumentFragment();
    const parts = text.split(/(https?:\/\/[^\s<>"']+)/g);
    parts.forEach((p, i) => {
      if (i % 2 === 1) {
        const a = document.createElement("a");
        a.href = p;
        a.textContent = p;
        a.rel = "noopener noreferrer nofollow";
        a.target = "_blank";
        out.append(a);
      } else if (p) {
        out.append(document.createTextNode(p));
      }
    });
    return out;
  }

  function bubble(m) {
    const li = document.createElement("div");
    li.className = `msg ${m.party}`;
    if (m.seq) li.dataset.seq = String(m.seq);
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = m.party === "customer" ? TEXT.you : m.party === "system" ? "" : m.author_name;
    const text = document.createElement("p");
    text.className = "text";
    if (m.file && m.seq) text.append(fileButton(m));
    else text.append(linkified(m.body));
    const state = document.createElement("span");
    state.className = "state";
    li.append(who, text, state);
    return li;
  }

  function sized(n) {
    return n >= 1048576 ? `${(n / 1048576).toFixed(1)} MB` : n >= 1024 ? `${Math.round(n / 1024)} kB` : `${n} B`;
  }

  // A file is fetched with the chat's token (a link could not carry it) and saved.
  function fileButton(m) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "file";
    b.textContent = TEXT.download(m.file.name, sized(m.file.size));
    b.addEventListener("click", async () => {
      const r = await fetch(`/chat/v1/chats/${chat.id}/files/${m.seq}`, {
        headers: { Authorization: `Bearer ${chat.token}` },
        credentials: "omit",
      });
      if (!r.ok) {
        $("error").textContent = `HTTP ${r.status}`;
        return;
      }
      const url = URL.createObjectURL(await r.blob());
      const a = document.createElement("a");
      a.href = url;
      a.download = m.file.name;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    });
    return b;
  }

  async function upload(file) {
    $("error").textContent = "";
    const r = await fetch(`/chat/v1/chats/${chat.id}/files?name=${encodeURIComponent(file.name)}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${chat.token}`, "Content-Type": file.type || "application/octet-stream" },
      body: file,
      credentials: "omit",
    });
    const data = await r.json().catch(() => null);
    if (!r.ok) {
      $("error").textContent = (data && data.message) || `HTTP ${r.status}`;
      return;
    }
    add(data);
  }

  function add(m) {
    if (m.seq && document.querySelector(`#log [data-seq="${m.seq}"]`)) return;
    const log = $("log");
    log.append(bubble(m));
    log.scrollTop = log.scrollHeight;
    if (m.seq && chat && m.seq > chat.last) {
      chat.last = m.seq;
      save();
    }
    if (m.party !== "customer" && !opened) {
      unread += 1;
      toHost({ type: "unread", count: unread });
    }
  }

  function status(view) {
    const line = $("status");
    if (view.state === "waiting") {
      line.textContent = view.wait_message || TEXT.waiting;
    } else if (view.state === "talking") {
      line.textContent = TEXT.talking(view.agent_name || "an agent");
    } else {
      line.textContent = TEXT.ended;
      finish();
      after(view);
    }
  }

  let typingTimer = null;
  function typing(on) {
    $("typing").textContent = on ? TEXT.typing : "";
    clearTimeout(typingTimer);
    if (on) typingTimer = setTimeout(() => typing(false), 6000);
  }

  function finish() {
    if (ended) return;
    ended = true;
    $("compose").hidden = true;
    $("end").hidden = true;
    $("again").hidden = false;
    if (ws) ws.close();
  }

  // ---- Talking ----------------------------------------------------------------------------------

  function frame(f) {
    if (f.type === "message") add(f.message);
    else if (f.type === "state") status(f.chat);
    else if (f.type === "typing") typing(f.typing);
    else if (f.type === "ack") {
      const li = document.querySelector(`#log [data-ref="${f.ref}"]`);
      if (li) {
        li.dataset.seq = String(f.seq);
        delete li.dataset.ref;
        li.querySelector(".state").textContent = TEXT.sent;
      }
      if (chat && f.seq > chat.last) {
        chat.last = f.seq;
        save();
      }
    } else if (f.type === "error") {
      const li = f.ref && document.querySelector(`#log [data-ref="${f.ref}"]`);
      if (li) li.querySelector(".state").textContent = `${TEXT.failed}: ${f.message}`;
      else $("error").textContent = f.message;
    }
  }

  function connect() {
    if (ended || !chat) return;
    if (polling || !("WebSocket" in window)) {
      poll();
      return;
    }
    const url = `${window.location.origin.replace(/^http/, "ws")}/chat/v1/chats/${chat.id}/socket`;
    ws = new WebSocket(url);
    ws.onopen = () => {
      everOpened = true;
      failures = 0;
      $("error").textContent = "";
      ws.send(JSON.stringify({ type: "hello", token: chat.token, after: chat.last }));
    };
    ws.onmessage = (e) => {
      try {
        frame(JSON.parse(e.data));
      } catch (_) {
        // A frame this page cannot read is skipped.
      }
    };
    ws.onclose = (e) => {
      ws = null;
      if (ended) return;
      if (e.code === 1012) {
        // The node is shutting down: reconnect at once (to another node), spread a little.
        setTimeout(connect, 100 + Math.random() * 400);
        return;
      }
      failures += 1;
      if (!everOpened && failures >= 2) polling = true;
      $("error").textContent = TEXT.reconnecting;
      setTimeout(connect, Math.min(15000, 500 * 2 ** failures));
    };
  }

  async function poll() {
    while (!ended && chat) {
      try {
        const r = await call("GET", `/chats/${chat.id}/messages?after=${chat.last}&wait=25`, undefined, chat.token);
        $("error").textContent = "";
        r.messages.forEach(add);
        if (r.typing !== null) typing(r.typing);
        status(r.chat);
      } catch (e) {
        if (e.status === 404) {
          forget();
          return;
        }
        $("error").textContent = TEXT.reconnecting;
        await new Promise((ok) => setTimeout(ok, 3000));
      }
    }
  }

  async function send(text) {
    refs += 1;
    const ref = `r${refs}`;
    const li = bubble({ party: "customer", body: text, author_name: "" });
    li.dataset.ref = ref;
    li.querySelector(".state").textContent = TEXT.sending;
    $("log").append(li);
    $("log").scrollTop = $("log").scrollHeight;
    if (ws && ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify({ type: "message", body: text, ref }));
      return;
    }
    try {
      const m = await call("POST", `/chats/${chat.id}/messages`, { body: text }, chat.token);
      frame({ type: "ack", ref, seq: m.seq });
    } catch (e) {
      frame({ type: "error", ref, message: e.message });
    }
  }

  let lastTyping = 0;
  let stopTyping = null;
  function typed() {
    const now = Date.now();
    const tell = (on) => {
      if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "typing", typing: on }));
      else if (chat) call("POST", `/chats/${chat.id}/typing`, { typing: on }, chat.token).catch(() => {});
    };
    if (now - lastTyping > 3000) {
      lastTyping = now;
      tell(true);
    }
    clearTimeout(stopTyping);
    stopTyping = setTimeout(() => {
      lastTyping = 0;
      tell(false);
    }, 4000);
  }

  // ---- After the end: the survey and the transcript --------------------------------------------

  function question(q) {
    const set = document.createElement("fieldset");
    const legend = document.createElement("legend");
    legend.textContent = q.text + (q.required ? " *" : "");
    set.append(legend);
    const choices =
      q.kind === "rating" ? ["1", "2", "3", "4", "5"] : q.kind === "yes_no" ? ["yes", "no"] : q.kind === "choice" ? q.options : null;
    if (choices) {
      set.className = "choices";
      choices.forEach((c, i) => {
        const id = `q-${q.key}-${i}`;
        const input = document.createElement("input");
        input.type = "radio";
        input.name = q.key;
        input.value = c;
        input.id = id;
        const label = document.createElement("label");
        label.htmlFor = id;
        label.textContent = q.kind === "yes_no" ? (c === "yes" ? TEXT.yes : TEXT.no) : c;
        set.append(input, label);
      });
    } else {
      const box = document.createElement("textarea");
      box.name = q.key;
      box.rows = 2;
      box.maxLength = 2000;
      box.setAttribute("aria-label", q.text);
      set.append(box);
    }
    const err = document.createElement("p");
    err.className = "field-error";
    err.id = `q-${q.key}-error`;
    set.append(err);
    return set;
  }

  let afterShown = false;
  function after(view) {
    $("after").hidden = false;
    // A chat nobody took in time: the customer may leave an email with what they wrote.
    $("leave-instead").hidden = !(info && info.leave_email && view.ended && view.ended.reason === "max_time_in_queue");
    if (view.transcript_sent) {
      $("transcript").hidden = true;
      $("transcript-status").textContent = TEXT.transcriptSent;
    }
    const survey = (info && info.survey) || [];
    if (view.survey || !survey.length) {
      $("survey").hidden = true;
      $("survey-done").hidden = !view.survey;
      return;
    }
    if (afterShown) return;
    afterShown = true;
    survey.forEach((q) => $("questions").append(question(q)));
    $("survey").hidden = false;
  }

  async function answer(e) {
    e.preventDefault();
    const form = $("survey");
    form.querySelectorAll(".field-error").forEach((p) => (p.textContent = ""));
    $("survey-error").textContent = "";
    const answers = {};
    for (const el of form.elements) {
      if (!el.name) continue;
      if (el.type === "radio" && !el.checked) continue;
      if (el.value.trim()) answers[el.name] = el.value;
    }
    try {
      const view = await call("POST", `/chats/${chat.id}/survey`, { answers }, chat.token);
      form.hidden = true;
      $("survey-done").hidden = false;
      after(view);
    } catch (err) {
      const key = (err.field || "").replace(/^answers\./, "");
      const p = key && document.getElementById(`q-${key}-error`);
      if (p) p.textContent = err.message;
      else $("survey-error").textContent = err.message;
    }
  }

  async function mailTranscript() {
    try {
      const view = await call("POST", `/chats/${chat.id}/transcript`, {}, chat.token);
      after(view);
    } catch (err) {
      $("transcript-status").textContent = err.message;
    }
  }

  function forget() {
    chat = null;
    save();
    window.location.reload();
  }

  // ---- Callback and delayed callback -------------------------------------------------------------

  const zone = (() => {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (_) {
      return "";
    }
  })();
  const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long" });
  const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
  const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" });

  // The times offered, grouped by day on the customer's own clock.
  function fillTimes(times) {
    const days = new Map();
    for (const t of times) {
      const d = new Date(t);
      const key = `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
      if (!days.has(key)) days.set(key, { label: dayFormat.format(d), times: [] });
      days.get(key).times.push(t);
    }
    const day = $("cb-day");
    const at = $("cb-at");
    day.replaceChildren();
    for (const [key, v] of days) {
      const o = document.createElement("option");
      o.value = key;
      o.textContent = v.label;
      day.append(o);
    }
    const fill = () => {
      at.replaceChildren();
      const v = days.get(day.value);
      for (const t of v ? v.times : []) {
        const o = document.createElement("option");
        o.value = t;
        o.textContent = timeFormat.format(new Date(t));
        at.append(o);
      }
    };
    day.addEventListener("change", fill);
    fill();
    if (zone) $("cb-zone").textContent = TEXT.zone(zone);
  }

  function callbackForm() {
    const delayed = info.kind === "delayed_callback";
    $("cb-welcome").textContent = info.widget.welcome;
    $("cb-at-field").hidden = !delayed;
    $("cb-submit").textContent = delayed ? TEXT.callLater : TEXT.callNow;
    if (delayed) fillTimes(info.times || []);
    if (!delayed && info.expected_wait_secs != null) {
      $("cb-wait").textContent = TEXT.wait(Math.max(1, Math.round(info.expected_wait_secs / 60)));
    }
    $("cb-form").addEventListener("submit", book);
    show("callback");
  }

  async function book(e) {
    e.preventDefault();
    const form = $("cb-form");
    form.querySelectorAll(".field-error").forEach((p) => (p.textContent = ""));
    form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
    $("cb-error").textContent = "";
    const payload = { name: $("cb-name").value, phone: $("cb-phone").value };
    if ($("cb-email").value.trim()) payload.email = $("cb-email").value;
    if ($("cb-note").value.trim()) payload.note = $("cb-note").value;
    if (info.kind === "delayed_callback") payload.at = $("cb-at").value;
    if (zone) payload.time_zone = zone;
    $("cb-submit").disabled = true;
    try {
      const r = await call("POST", `/entry-points/${ep}/callbacks`, payload);
      const text = r.at ? TEXT.bookedAt(r.phone, fullFormat.format(new Date(r.at))) : TEXT.booked(r.phone);
      form.hidden = true;
      $("booked").textContent = text + (r.confirmation_mailed ? TEXT.mailed : "");
      $("booked").hidden = false;
      $("booked").focus();
    } catch (err) {
      const target = { name: "cb-name", phone: "cb-phone", email: "cb-email", note: "cb-note", at: "cb-at" }[err.field];
      if (target) {
        $(`${target}-error`).textContent = err.message;
        $(target).setAttribute("aria-invalid", "true");
        $(target).focus();
      } else {
        $("cb-error").textContent = err.message;
      }
    } finally {
      $("cb-submit").disabled = false;
    }
  }

  // ---- The offline alternative: leave an email ---------------------------------------------------

  // One key per filled-in form, so a send retried after a lost answer is taken in once.
  let leaveKey = null;
  function newKey() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function offerEmail(text) {
    if (!info || !info.leave_email) return;
    if (text && !$("l-message").value) $("l-message").value = text;
    $("leave").hidden = false;
    show("offline");
  }

  async function leave(e) {
    e.preventDefault();
    const form = $("leave");
    form.querySelectorAll(".field-error").forEach((p) => (p.textContent = ""));
    $("leave-error").textContent = "";
    if (!leaveKey) leaveKey = newKey();
    const payload = { email: $("l-email").value, message: $("l-message").value, key: leaveKey };
    if ($("l-name").value.trim()) payload.name = $("l-name").value;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await call("POST", `/entry-points/${ep}/emails`, payload);
      form.hidden = true;
      $("left").hidden = false;
      $("left").focus();
    } catch (err) {
      const p = err.field && document.getElementById(`l-${err.field}-error`);
      if (p) {
        p.textContent = err.message;
        document.getElementById(`l-${err.field}`).focus();
      } else {
        $("leave-error").textContent = err.message;
      }
    } finally {
      button.disabled = false;
    }
  }

  // What the customer wrote in the chat, to take over into an email.
  function written() {
    return Array.from(document.querySelectorAll("#log .msg.customer .text"), (p) => p.textContent).join("\n\n");
  }

  // ---- The pre-chat form ------------------------------------------------------------------------

  function field(f) {
    const wrap = document.createElement("div");
    wrap.className = "field";
    const id = `f-${f.key}`;
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = f.label + (f.required ? " *" : "");
    let input;
    if (f.kind === "multiline") {
      input = document.createElement("textarea");
      input.rows = 3;
    } else if (f.kind === "choice") {
      input = document.createElement("select");
      const none = document.createElement("option");
      none.value = "";
      none.textContent = "—";
      input.append(none);
      for (const o of f.options || []) {
        const opt = document.createElement("option");
        opt.value = o;
        opt.textContent = o;
        input.append(opt);
      }
    } else {
      input = document.createElement("input");
      input.type = f.kind === "email" ? "email" : f.kind === "number" ? "number" : "text";
      if (f.kind === "email") input.autocomplete = "email";
      if (f.maps_to === "customer_name") input.autocomplete = "name";
    }
    input.id = id;
    input.name = f.key;
    if (f.required) input.required = true;
    const err = document.createElement("p");
    err.className = "field-error";
    err.id = `${id}-error`;
    input.setAttribute("aria-describedby", err.id);
    wrap.append(label, input, err);
    return wrap;
  }

  async function begin(e) {
    e.preventDefault();
    const form = $("pre-chat");
    form.querySelectorAll(".field-error").forEach((p) => (p.textContent = ""));
    const answers = {};
    for (const el of form.elements) {
      if (el.name && el.value.trim()) answers[el.name] = el.value;
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const r = await call("POST", `/entry-points/${ep}/chats`, { answers });
      chat = { id: r.chat_id, token: r.token, last: 0 };
      save();
      show("talk");
      r.messages.forEach(add);
      status(r.chat);
      connect();
      $("text").focus();
    } catch (err) {
      const key = (err.field || "").replace(/^answers\./, "");
      const p = key && document.getElementById(`f-${key}-error`);
      if (p) {
        p.textContent = err.message;
        document.getElementById(`f-${key}`).focus();
      } else {
        $("form-error").textContent = err.message;
      }
    } finally {
      button.disabled = false;
    }
  }

  // ---- Start ------------------------------------------------------------------------------------

  async function main() {
    chat = await load();
    // A new page draws the conversation from its first message; reconnects go on from the last.
    if (chat) chat.last = 0;
    $("close").setAttribute("aria-label", TEXT.close);
    $("close").addEventListener("click", () => toHost({ type: "close" }));
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape") toHost({ type: "close" });
    });
    window.addEventListener("message", (e) => {
      if (e.source !== window.parent || !e.data || e.data.sb !== "chat") return;
      opened = e.data.type === "opened";
      if (opened) {
        unread = 0;
        const target = chat ? $("text") : document.querySelector("#pre-chat input, #pre-chat textarea");
        if (target) target.focus();
      }
    });
    $("compose").addEventListener("submit", (e) => {
      e.preventDefault();
      const text = $("text").value.trim();
      if (!text) return;
      $("text").value = "";
      send(text);
    });
    $("text").addEventListener("input", typed);
    $("attach-button").addEventListener("click", () => $("attach").click());
    $("attach").addEventListener("change", () => {
      const f = $("attach").files[0];
      $("attach").value = "";
      if (f) upload(f);
    });
    $("text").addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) {
        e.preventDefault();
        $("compose").requestSubmit();
      }
    });
    $("end").addEventListener("click", async () => {
      if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "end" }));
      else await call("POST", `/chats/${chat.id}/end`, {}, chat.token).then(status, () => {});
    });
    $("again").addEventListener("click", forget);
    $("survey").addEventListener("submit", answer);
    $("transcript").addEventListener("click", mailTranscript);
    $("leave").addEventListener("submit", leave);
    $("leave-instead").addEventListener("click", () => offerEmail(written()));
    try {
      info = await call("GET", `/entry-points/${ep}`);
    } catch (e) {
      $("title").textContent = "Chat";
      $("offline-text").textContent = e.message;
      show("offline");
      return;
    }
    const w = info.widget;
    $("title").textContent = w.title;
    document.title = w.title;
    body.style.setProperty("--accent", w.colour);
    $("welcome").textContent = w.welcome;
    $("offline-text").textContent = w.offline;
    const open = info.availability === "open";
    toHost({ type: "ready", label: open || chat ? w.title : w.offline.split(/[.!?]/)[0], colour: w.colour, resume: !!chat });
    if (chat && info.kind === "chat") {
      show("talk");
      connect();
      return;
    }
    if (!open) {
      show("offline");
      offerEmail("");
      return;
    }
    if (info.kind !== "chat") {
      callbackForm();
      return;
    }
    const form = $("pre-chat");
    const fields = $("fields");
    info.pre_chat.forEach((f) => fields.append(field(f)));
    form.addEventListener("submit", begin);
    show("intro");
  }

  main();
})();
