// Switchboard consoles: the workflow editor. A form over the workflow's JSON model — steps,
// branches with their cases and conditions, nested to any depth — kept in step with the raw
// JSON view (the `definition` field, which is what is sent). The server validates; an error
// names a JSON path (`definition.steps[0].cases[1].when.value`) and shows beside that input.
"use strict";

(() => {
  const textCond = { field: "subject", header: "", op: "contains", value: "" };
  const STEPS = {
    branch: { cases: [], otherwise: [] },
    set_category: { category_id: null },
    set_priority: { priority: 5 },
    raise_priority: { by: 1 },
    set_attribute: { name: "", value: "" },
    acknowledge: { article_id: null },
    auto_reply: { article_id: null, complete: true },
    route: { queue_id: null, user_id: null, group_id: null, department_id: null },
    notify: { to: [], subject: "", text: "", article_id: null },
    review: { queue_id: null },
    stop: {},
  };
  const CONDITIONS = {
    text: textCond,
    all: { of: [] },
    any: { of: [] },
    not: { condition: { type: "text", ...textCond } },
    attachment: { op: "any", value: "" },
    customer: { attribute: "", op: "equals", value: "" },
    attribute: { name: "", op: "equals", value: "" },
    case: { is: "new" },
    category: { category_ids: [] },
    priority: { op: "at_least", value: 5 },
    queue: { queue_ids: [] },
    channel: { channels: [] },
    status: { statuses: [] },
    business_hours: { calendar_id: null, open: true },
    time: { time_zone: "UTC", days: [], from: null, to: null },
    language: { languages: [] },
    waiting: { more_than_secs: 600 },
    service_level: { exceeded: true },
    agent: { user_ids: [], group_ids: [] },
  };
  const valueOps = ["equals", "contains", "exists", "at_least", "at_most"];
  const ENUMS = {
    text: { field: ["subject", "from", "to", "cc", "body", "header"], op: ["contains", "equals", "starts_with", "ends_with", "matches", "exists"] },
    attachment: { op: ["any", "none", "extension", "content_type"] },
    customer: { op: valueOps },
    attribute: { op: valueOps },
    priority: { op: ["at_least", "at_most", "equals"] },
    case: { is: ["new", "reply"] },
  };
  const STEP_LISTS = new Set(["steps", "otherwise", "then"]);
  // Fields naming objects get a picker: the field, its list (`/api/v1/…`), and whether that list
  // is narrowed to the workflow's department (queues and departments are not: a workflow may
  // hand work over to another department).
  const PICKS = {
    queue_id: "queue", queue_ids: "queue", user_id: "user", user_ids: "user",
    group_id: "group", group_ids: "group", category_id: "category", category_ids: "category",
    article_id: "article", calendar_id: "calendar", department_id: "department",
  };
  const SOURCES = {
    queue: ["/queues", false], user: ["/users", true], group: ["/user-groups", true],
    category: ["/categories", true], article: ["/articles", true], calendar: ["/calendars", true],
    department: ["/departments", false],
  };

  // Every source's first 500 objects as [id, label]; a source that cannot be read is left out
  // (its fields stay number inputs).
  async function loadPicks(dept) {
    const picks = {};
    await Promise.all(Object.entries(SOURCES).map(async ([name, [path, scoped]]) => {
      const q = scoped && dept ? `&department_id=${dept}` : "";
      try {
        const res = await fetch(`/api/v1${path}?limit=500${q}`, { credentials: "same-origin" });
        if (!res.ok) return;
        const body = await res.json();
        picks[name] = body.items.map((o) => [o.id, o.name ?? o.title ?? o.address ?? `#${o.id}`]);
      } catch (_) {
        // No picker for this source.
      }
    }));
    return picks;
  }

  const el = (tag, props = {}, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (k === "class") e.className = v;
      else if (k.includes("-")) e.setAttribute(k, v);
      else e[k] = v;
    }
    e.append(...kids.filter((k) => k !== null && k !== undefined));
    return e;
  };
  const words = (s) => s.replace(/_/g, " ");
  const scalar = (v) => (v === "true" ? true : v === "false" ? false : /^-?\d+$/.test(v) ? Number(v) : v);

  function mount(textarea, picks) {
    let model;
    const root = el("div", { class: "wf-editor" });
    const toggle = el("button", { type: "button", textContent: "Edit as JSON", class: "small wf-toggle" });
    const sync = () => {
      textarea.value = JSON.stringify(model, null, 2);
    };
    const rerender = () => {
      sync();
      root.replaceChildren(steps(model.steps, "definition.steps"));
    };
    const load = () => {
      try {
        model = JSON.parse(textarea.value || '{"steps": []}');
        if (!Array.isArray(model.steps)) model.steps = [];
        return true;
      } catch (e) {
        const field = textarea.closest(".field");
        field.querySelector(".field-error").textContent = t("not valid JSON: {error}", { error: e.message });
        return false;
      }
    };

    function input(obj, key, path, kind) {
      const v = obj[key];
      let ctl;
      if (typeof v === "boolean") {
        ctl = el("input", { type: "checkbox", checked: v });
        ctl.addEventListener("change", () => { obj[key] = ctl.checked; sync(); });
      } else if (kind && ENUMS[kind] && ENUMS[kind][key]) {
        ctl = el("select", {}, ...ENUMS[kind][key].map((o) => el("option", { value: o, textContent: words(o), selected: o === v })));
        ctl.addEventListener("change", () => { obj[key] = ctl.value; sync(); });
      } else if (picks[PICKS[key]] && (v === null || typeof v === "number" || Array.isArray(v))) {
        ctl = picker(picks[PICKS[key]], v, obj, key);
      } else if (Array.isArray(v)) {
        ctl = el("input", { type: "text", value: v.join(", "), placeholder: "comma-separated" });
        ctl.addEventListener("input", () => {
          obj[key] = ctl.value.split(",").map((s) => s.trim()).filter(Boolean).map(scalar);
          sync();
        });
      } else if (key.endsWith("_id") || key.endsWith("_secs") || ["priority", "by"].includes(key) || typeof v === "number") {
        ctl = el("input", { type: "number", value: v ?? "" });
        ctl.addEventListener("input", () => { obj[key] = ctl.value === "" ? null : Number(ctl.value); sync(); });
      } else {
        ctl = el("input", { type: "text", value: v === null || v === undefined ? "" : String(v) });
        ctl.addEventListener("input", () => {
          obj[key] = key === "value" ? scalar(ctl.value) : ["from", "to"].includes(key) && ctl.value === "" ? null : ctl.value;
          sync();
        });
      }
      ctl.dataset.full = `${path}.${key}`;
      return el("label", { class: "wf-field" }, el("span", { textContent: words(key) }), ctl);
    }

    // A select of named objects: one (with "—" for none) or, for a list, several.
    function picker(options, v, obj, key) {
      const many = Array.isArray(v);
      const chosen = new Set(many ? v : v === null ? [] : [v]);
      const known = new Set(options.map(([id]) => id));
      const all = [...options, ...[...chosen].filter((id) => !known.has(id)).map((id) => [id, `#${id}`])];
      const opts = all.map(([id, label]) => el("option", { value: String(id), textContent: label, selected: chosen.has(id) }));
      const ctl = many
        ? el("select", { multiple: true, size: Math.min(4, Math.max(2, all.length)) }, ...opts)
        : el("select", {}, el("option", { value: "", textContent: "—", selected: v === null }), ...opts);
      ctl.addEventListener("change", () => {
        const ids = [...ctl.selectedOptions].map((o) => o.value).filter(Boolean).map(Number);
        obj[key] = many ? ids : ids[0] ?? null;
        sync();
      });
      return ctl;
    }

    function typeSelect(obj, kinds, path, onChange) {
      const s = el("select", { "data-full": `${path}.type`, "aria-label": "type" },
        ...Object.keys(kinds).map((t) => el("option", { value: t, textContent: words(t), selected: t === obj.type })));
      s.addEventListener("change", () => onChange(s.value));
      return s;
    }

    function tools(list, i) {
      const b = (text, fn) => {
        const x = el("button", { type: "button", textContent: text, class: "small" });
        x.addEventListener("click", () => { fn(); rerender(); });
        return x;
      };
      return el("span", { class: "wf-tools" },
        b("↑", () => i > 0 && list.splice(i - 1, 0, ...list.splice(i, 1))),
        b("↓", () => i < list.length - 1 && list.splice(i + 1, 0, ...list.splice(i, 1))),
        b("Remove", () => list.splice(i, 1)));
    }

    function fields(obj, path, kind, skip) {
      const out = [];
      for (const key of Object.keys(obj)) {
        if (skip.includes(key)) continue;
        if (STEP_LISTS.has(key)) out.push(el("div", { class: "wf-nested" }, el("strong", { textContent: key === "then" ? "then" : words(key) }), steps(obj[key], `${path}.${key}`)));
        else if (key === "cases") out.push(cases(obj.cases, `${path}.cases`));
        else if (key === "when" || key === "condition") out.push(el("div", { class: "wf-nested" }, el("strong", { textContent: key === "when" ? "when" : "not" }), condition(obj, key, `${path}.${key}`)));
        else if (key === "of") out.push(conditions(obj.of, `${path}.of`));
        else out.push(input(obj, key, path, kind));
      }
      return out;
    }

    function steps(list, path) {
      const box = el("div", { class: "wf-steps" });
      list.forEach((step, i) => {
        const p = `${path}[${i}]`;
        const retype = (t) => { list[i] = { type: t, id: step.id, ...structuredClone(STEPS[t]) }; rerender(); };
        const id = el("input", { type: "text", value: step.id ?? "", "data-full": `${p}.id`, "aria-label": "step id", size: 12 });
        id.addEventListener("input", () => { step.id = id.value; sync(); });
        box.append(el("div", { class: "wf-step", "data-step": step.id ?? "" },
          el("div", { class: "wf-head" }, typeSelect(step, STEPS, p, retype), id, tools(list, i)),
          el("div", { class: "wf-body" }, ...fields(step, p, step.type, ["type", "id"]))));
      });
      const add = el("select", { "aria-label": "add a step" }, el("option", { value: "", textContent: "+ Add step…" }),
        ...Object.keys(STEPS).map((t) => el("option", { value: t, textContent: words(t) })));
      add.addEventListener("change", () => {
        if (!add.value) return;
        let n = list.length + 1;
        const taken = JSON.stringify(model);
        while (taken.includes(`"step${n}"`)) n += 1;
        list.push({ type: add.value, id: `step${n}`, ...structuredClone(STEPS[add.value]) });
        rerender();
      });
      box.append(add);
      return box;
    }

    function cases(list, path) {
      const box = el("div", { class: "wf-nested" }, el("strong", { textContent: "cases" }));
      list.forEach((c, i) => {
        const p = `${path}[${i}]`;
        const label = el("input", { type: "text", value: c.label ?? "", placeholder: "label", "data-full": `${p}.label` });
        label.addEventListener("input", () => { c.label = label.value; sync(); });
        box.append(el("div", { class: "wf-case" }, el("div", { class: "wf-head" }, label, tools(list, i)),
          ...fields(c, p, null, ["label"])));
      });
      const add = el("button", { type: "button", textContent: "+ Add case", class: "small" });
      add.addEventListener("click", () => { list.push({ label: "", when: { type: "text", ...structuredClone(textCond) }, then: [] }); rerender(); });
      box.append(add);
      return box;
    }

    function condition(holder, key, path) {
      const c = holder[key];
      const retype = (t) => { holder[key] = { type: t, ...structuredClone(CONDITIONS[t]) }; rerender(); };
      return el("div", { class: "wf-cond" }, typeSelect(c, CONDITIONS, path, retype), ...fields(c, path, c.type, ["type"]));
    }

    function conditions(list, path) {
      const box = el("div", { class: "wf-nested" });
      list.forEach((_, i) => box.append(el("div", { class: "wf-case" }, tools(list, i), condition(list, i, `${path}[${i}]`))));
      const add = el("button", { type: "button", textContent: "+ Add condition", class: "small" });
      add.addEventListener("click", () => { list.push({ type: "text", ...structuredClone(textCond) }); rerender(); });
      box.append(add);
      return box;
    }

    toggle.addEventListener("click", () => {
      const toForm = textarea.hidden === false && root.hidden;
      if (toForm) {
        if (!load()) return;
        rerender();
      }
      root.hidden = !toForm;
      textarea.hidden = toForm;
      toggle.textContent = toForm ? t("Edit as JSON") : t("Edit as form");
    });
    textarea.before(toggle, root);
    if (load()) {
      rerender();
      textarea.hidden = true;
    } else {
      root.hidden = true;
      toggle.textContent = t("Edit as form");
    }
  }

  const target = document.querySelector('form[data-kind="workflows"] textarea[data-path="definition"]');
  if (target) {
    // The department is a select on a new workflow and fixed text (with its value) afterwards.
    const d = target.form.querySelector('[data-path="department_id"], [data-cond="department_id"]');
    const dept = d?.dataset.value || d?.value;
    loadPicks(dept).then((picks) => mount(target, picks));
  }
})();
