// The website widget: one tag adds a chat button and panel to any page.
//
//   <script src="https://ASSISTANT/static/widget.js" data-title="示例市政务服务助手"
//           data-greeting="您好，请问有什么可以帮您？" data-color="#1a56a8" data-background="#f2f4f7" data-hotline="12345" defer></script>
//
// Everything lives in a shadow root (the host page's CSS cannot reach in, ours cannot leak out),
// nothing is global, and every asset comes from the assistant's own origin: the page modules it
// shares with the citizen page (answers with citations, 好差评 ratings), app.css and widget.css. The host's
// origin must be in the assistant's CORS origins (GOVASSIST_API__CORS_ORIGINS).
(() => {
  const script = document.currentScript;
  const base = new URL(script.src).origin;
  const config = {
    title: script.dataset.title || "政务服务智能助手",
    greeting: script.dataset.greeting || "您好！我可以解答办事指南、政策文件和常见问题，回答会注明来源。",
    color: script.dataset.color || "",
    background: script.dataset.background || "",
    position: script.dataset.position === "left" ? "left" : "right",
    hotline: (script.dataset.hotline || "12345").replace(/[^0-9-]/g, ""),  // the deployment's hotline
  };
  function mount() {
    // An element of our own name: no rule of the host page written for its divs reaches the widget.
    const host = document.createElement("govassist-widget");
    // Custom properties inherit into the shadow root: the colours are the page's to choose.
    if (config.color) host.style.setProperty("--primary", config.color);
    if (config.background) host.style.setProperty("--bg", config.background);
    const root = host.attachShadow({ mode: "open" });
    if (config.position === "left") host.setAttribute("data-position", "left");
    for (const name of ["app.css", "widget.css"]) {
      root.append(Object.assign(document.createElement("link"), { rel: "stylesheet", href: `${base}/static/${name}` }));
    }
    document.body.append(host);
    Promise.all([import(`${base}/static/api.js`), import(`${base}/static/answer.js`), import(`${base}/static/rating.js`)])
      .then(([api, answers, ratings]) => build(root, api, answers, ratings))
      .catch(() => host.remove());  // the assistant unreachable, or this origin not allowed: no broken button
  }

  function build(root, api, { aiNotice, el, renderAnswer }, { ratingBlock }) {
    api.setApiBase(base);
    const log = el("ol", { className: "log", "aria-live": "polite" },
      el("li", { className: "assistant" }, el("div", { className: "bubble" }, el("p", {}, config.greeting))));
    const input = el("input", { type: "text", maxlength: 500, placeholder: "请输入您的问题", "aria-label": "您的问题" });
    const send = el("button", { type: "submit", className: "primary" }, "发送");
    const form = el("form", { className: "ask" }, input, send);
    const close = el("button", { type: "button", className: "close", "aria-label": "关闭" }, "×");
    const panel = el("section", { className: "window", role: "dialog", "aria-label": config.title, hidden: true },
      el("div", { className: "bar" }, el("h2", {}, config.title), close), log, form);
    const launcher = el("button", { type: "button", className: "launcher", "aria-label": `打开${config.title}`, "aria-expanded": "false" }, "咨询");
    let sessionId = null;

    function toggle(open) {
      panel.hidden = !open;
      launcher.setAttribute("aria-expanded", String(open));
      if (open) input.focus();
      else launcher.focus();
    }

    async function ask(question) {
      log.append(el("li", { className: "user" }, el("div", { className: "bubble" }, question)));
      const streamed = el("p", { className: "streaming" }, "正在查找相关政策…");
      const bubble = el("div", { className: "bubble" }, streamed);
      log.append(el("li", { className: "assistant" }, bubble));
      bubble.scrollIntoView({ block: "end" });
      input.disabled = send.disabled = true;
      try {
        let text = "";
        const answer = await api.streamChat(question, sessionId, (delta) => {
          if (!text) bubble.append(aiNotice());  // deltas come only from the model: label them while they stream
          text += delta;
          streamed.textContent = text;
        });
        sessionId = answer.session_id || sessionId;
        const { body, sources } = renderAnswer(answer);
        bubble.replaceChildren(body);
        if (sources) bubble.append(sources);
        if (answer.status !== "answered") {
          bubble.append(el("p", {}, el("a", { href: `tel:${config.hotline}` }, `转人工 / 拨打${config.hotline}`)));
        }
        bubble.append(ratingBlock(answer, { channel: "widget" }));
      } catch (error) {
        bubble.replaceChildren(el("p", { role: "alert" }, error.message));
      } finally {
        input.disabled = send.disabled = false;
        input.focus();
      }
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const question = input.value.trim();
      input.value = "";
      if (question) ask(question);
    });
    launcher.addEventListener("click", () => toggle(panel.hidden));
    close.addEventListener("click", () => toggle(false));
    panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") toggle(false);
    });
    root.append(panel, launcher);
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount, { once: true });
})();
