// A chat on its activity page, for the agent holding it or a supervisor: the conversation kept
// live over the staff's WebSocket (long polling when it cannot open), typing both ways, sending
// (a supervisor may whisper), ending, and knowledge-base answers inserted with their
// placeholders filled. Messages are drawn by number, each once; text stays text.
"use strict";

(function () {
  const panel = document.querySelector("[data-chat]");
  if (!panel) return;
  const id = panel.dataset.chat;
  const dept = panel.dataset.department;
  let last = Number(panel.dataset.last) || 0;
  let ended = panel.hasAttribute("data-ended");
  let ws = null;
  let failures = 0;
  let everOpened = false;
  let polling = false;
  const $ = (x) => document.getElementById(x);
  const log = $("chat-log");

  function linkified(text) {
    const out = document.createDocumentFragment();
    text.split(/(https?:\/\/[^\s<>"']+)/g).forEach((p, i) => {
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

  function add(m) {
    if (log.querySelector(`[data-seq="${m.seq}"]`)) return;
    const li = document.createElement("li");
    li.className = `msg ${m.party}${m.audience === "staff" ? " whisper" : ""}`;
    li.dataset.seq = String(m.seq);
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = (m.author_name || (m.party === "system" ? "" : m.party)) + (m.audience === "staff" ? ` ${t("(whisper)")}` : "");
    const p = document.createElement("p");
    p.className = "text";
    if (m.file) {
      // Files download from the API with the session; never shown inline.
      const a = document.createElement("a");
      a.href = `/api/v1/activities/${id}/chat/files/${m.seq}`;
      a.download = m.file.name;
      a.textContent = `${m.file.name} (${Math.max(1, Math.round(m.file.size / 1024))} kB)`;
      p.append(a);
    } else {
      p.append(linkified(m.body));
    }
    li.append(who, p);
    log.append(li);
    log.scrollTop = log.scrollHeight;
    if (m.seq > last) last = m.seq;
  }

  function state(view) {
    const line = $("chat-state");
    if (view.state === "waiting") line.textContent = t("The customer waits in the queue.");
    else if (view.state === "talking") line.textContent = view.agent_name ? t("Talking (agent: {name}).", { name: view.agent_name }) : t("Talking.");
    else {
      line.textContent = t("The chat has ended.");
      end();
    }
  }

  let typingTimer = null;
  function typing(on) {
    $("chat-typing").textContent = on ? t("The customer is typing…") : "";
    clearTimeout(typingTimer);
    if (on) typingTimer = setTimeout(() => typing(false), 6000);
  }

  function end() {
    if (ended) return;
    ended = true;
    const form = $("chat-compose");
    if (form) form.hidden = true;
    if (ws) ws.close();
  }

  function frame(f) {
    if (f.type === "message") add(f.message);
    else if (f.type === "state") state(f.chat);
    else if (f.type === "typing") typing(f.typing);
    else if (f.type === "error" && $("chat-error")) $("chat-error").textContent = f.message;
    else if (f.type === "ack" && $("chat-error")) $("chat-error").textContent = "";
  }

  function connect() {
    if (ended && everOpened) return;
    if (polling || !("WebSocket" in window)) {
      poll();
      return;
    }
    const url = `${location.origin.replace(/^http/, "ws")}/api/v1/activities/${id}/chat/socket?after=${last}`;
    ws = new WebSocket(url);
    ws.onopen = () => {
      everOpened = true;
      failures = 0;
    };
    ws.onmessage = (e) => {
      try {
        frame(JSON.parse(e.data));
      } catch (_) {
        // Skipped.
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
      setTimeout(connect, Math.min(15000, 500 * 2 ** failures));
    };
  }

  async function poll() {
    while (!ended) {
      try {
        const r = await api("GET", `/activities/${id}/chat?after=${last}&wait=25`);
        r.messages.forEach(add);
        if (r.typing !== null) typing(r.typing);
        state(r.chat);
      } catch (_) {
        await new Promise((ok) => setTimeout(ok, 3000));
      }
    }
  }

  const form = $("chat-compose");
  if (form) {
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const text = $("chat-text").value.trim();
      if (!text) return;
      const whisper = !!($("chat-whisper") && $("chat-whisper").checked);
      $("chat-text").value = "";
      try {
        add(await api("POST", `/activities/${id}/chat/messages`, { body: text, whisper }));
        $("chat-error").textContent = "";
      } catch (err) {
        $("chat-text").value = text;
        $("chat-error").textContent = err.message;
      }
    });
    $("chat-text").addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) {
        e.preventDefault();
        form.requestSubmit();
      }
    });
    let lastTyping = 0;
    let stop = null;
    $("chat-text").addEventListener("input", () => {
      const tell = (on) => api("POST", `/activities/${id}/chat/typing`, { typing: on }).catch(() => {});
      if (Date.now() - lastTyping > 3000) {
        lastTyping = Date.now();
        tell(true);
      }
      clearTimeout(stop);
      stop = setTimeout(() => {
        lastTyping = 0;
        tell(false);
      }, 4000);
    });
    $("chat-end").addEventListener("click", async () => {
      try {
        state(await api("POST", `/activities/${id}/chat/end`, {}));
      } catch (_) {
        // Shown in #flash.
      }
    });
  }

  // Knowledge-base answers: inserted into the message as text with placeholders filled.
  let kbTimer = null;
  const kb = $("chat-kb");
  if (kb) {
    kb.addEventListener("input", () => {
      clearTimeout(kbTimer);
      kbTimer = setTimeout(async () => {
        const q = kb.value.trim();
        const list = $("chat-kb-hits");
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
            b.textContent = t("Insert");
            b.addEventListener("click", async () => {
              const a = await api("GET", `/activities/${id}/articles/${h.article.id}`);
              const box = $("chat-text");
              box.value = box.value ? `${box.value}\n${a.text}` : a.text;
              box.focus();
            });
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
  }

  // Links in the messages drawn with the page, made the same way as in new ones.
  log.querySelectorAll(".msg .text").forEach((p) => p.replaceChildren(linkified(p.textContent)));
  log.scrollTop = log.scrollHeight;
  connect();
  // Sending a file: its bytes as the body, its name in the query.
  const fileInput = $("chat-file");
  if (fileInput) {
    fileInput.addEventListener("change", async () => {
      const f = fileInput.files[0];
      fileInput.value = "";
      if (!f) return;
      const whisper = $("chat-whisper") && $("chat-whisper").checked ? "&whisper=true" : "";
      const res = await fetch(`/api/v1/activities/${id}/chat/files?name=${encodeURIComponent(f.name)}${whisper}`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": f.type || "application/octet-stream", "X-CSRF-Token": csrf() },
        body: f,
      });
      const data = await res.json().catch(() => ({}));
      if (!res.ok) {
        $("chat-error").textContent = data.message || `${res.status} ${res.statusText}`;
        return;
      }
      $("chat-error").textContent = "";
      add(data);
    });
  }
})();
