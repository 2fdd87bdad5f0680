// Switchboard chat widget. A web page offers chat with one tag:
//   <script src="https://SERVER/chat/widget.js" data-entry-point="1001" async></script>
// This script draws the chat button and a frame from the server inside a shadow root, so
// the page's CSS cannot reach them; the conversation runs in the frame (the server's origin), so
// the page cannot read it and the chat cannot read the page. The frame tells this script its
// title, colour and whether chat is available, and hands this page the chat's token to keep (a
// reload resumes the chat); nothing else crosses.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var ep = script.getAttribute("data-entry-point") || "";
  if (!/^[0-9]{1,18}$/.test(ep)) return;
  var server = new URL(script.src, window.location.href).origin;

  var host = document.createElement("div");
  host.setAttribute("data-switchboard-chat", ep);
  var root = host.attachShadow({ mode: "open" });
  var style = document.createElement("style");
  style.textContent =
    ":host{all:initial}" +
    ".button{position:fixed;right:20px;bottom:20px;z-index:2147483646;font:600 16px/1.2 system-ui,sans-serif;" +
    "border:0;border-radius:24px;padding:12px 20px;color:#fff;background:#1f5fbf;cursor:pointer;" +
    "box-shadow:0 2px 10px rgba(0,0,0,.3)}" +
    ".button:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}" +
    ".badge{display:inline-block;min-width:1.2em;margin-left:8px;padding:0 4px;border-radius:9px;" +
    "background:#fff;color:#000;font-size:13px;text-align:center}" +
    ".frame{position:fixed;right:20px;bottom:84px;width:380px;height:580px;max-height:calc(100vh - 104px);" +
    "border:0;border-radius:12px;background:#fff;z-index:2147483647;box-shadow:0 4px 24px rgba(0,0,0,.35)}" +
    "[hidden]{display:none!important}" +
    "@media (max-width:600px){.frame{right:0;bottom:0;width:100vw;height:100%;max-height:none;border-radius:0}}";
  var button = document.createElement("button");
  button.type = "button";
  button.className = "button";
  button.hidden = true;
  button.setAttribute("aria-expanded", "false");
  var label = document.createElement("span");
  var badge = document.createElement("span");
  badge.className = "badge";
  badge.hidden = true;
  button.append(label, badge);
  var frame = document.createElement("iframe");
  frame.className = "frame";
  frame.hidden = true;
  frame.title = "Chat";
  frame.setAttribute("allow", "clipboard-write");
  frame.src = server + "/chat/frame/" + ep;
  root.append(style, button, frame);

  // The chat's token, kept in this page's storage so a reload resumes the chat.
  var KEY = "switchboard-chat-" + ep;
  function stored() {
    try {
      return JSON.parse(window.localStorage.getItem(KEY) || "null");
    } catch (_) {
      return null;
    }
  }
  function keep(chat) {
    try {
      if (chat) window.localStorage.setItem(KEY, JSON.stringify(chat));
      else window.localStorage.removeItem(KEY);
    } catch (_) {
      // Storage refused: the chat lasts as long as the page.
    }
  }
  function tell(message) {
    if (frame.contentWindow) frame.contentWindow.postMessage(message, server);
  }
  function open(yes) {
    frame.hidden = !yes;
    button.setAttribute("aria-expanded", yes ? "true" : "false");
    if (yes) {
      badge.hidden = true;
      tell({ sb: "chat", type: "opened" });
      frame.focus();
    } else {
      tell({ sb: "chat", type: "closed" });
      button.focus();
    }
  }
  button.addEventListener("click", function () {
    open(frame.hidden);
  });
  window.addEventListener("message", function (e) {
    if (e.origin !== server || e.source !== frame.contentWindow) return;
    var m = e.data;
    if (!m || m.sb !== "chat") return;
    if (m.type === "hello") {
      tell({ sb: "chat", type: "restore", chat: stored() });
    } else if (m.type === "save") {
      keep(m.chat || null);
    } else if (m.type === "ready") {
      label.textContent = String(m.label || "Chat");
      if (/^#[0-9a-fA-F]{6}$/.test(m.colour || "")) button.style.background = m.colour;
      button.hidden = false;
      if (m.resume) open(true);
    } else if (m.type === "close") {
      open(false);
    } else if (m.type === "unread" && frame.hidden) {
      var n = Number(m.count) || 0;
      badge.textContent = String(n);
      badge.hidden = n === 0;
    }
  });
  function attach() {
    document.body.appendChild(host);
  }
  if (document.body) attach();
  else document.addEventListener("DOMContentLoaded", attach);
})();
