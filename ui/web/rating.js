// 好差评: the five-level rating of one answer, with optional reason tags and a comment, shared by
// the citizen page, the agent panel and the website widget. Levels and tags come from
// /v1/ratings/options (the server's list); the rating goes to /v1/ratings.

import { getJson, postJson } from "./api.js";
import { el } from "./answer.js";

let options = null;
let ratingCount = 0;

function loadOptions() {
  options = options || getJson("/v1/ratings/options").catch((error) => {
    options = null;  // try again with the next answer
    throw error;
  });
  return options;
}

// channel: "web", "widget" or "agent"; headers: the agent's key, if any.
export function ratingBlock(answer, { channel = "web", headers = {} } = {}) {
  const id = `rating-${++ratingCount}`;
  const status = el("p", { className: "rating-status", role: "status" });
  const levels = el("div", { className: "rating-levels", role: "group", "aria-label": "评价等级" });
  const tags = el("div", { className: "rating-tags", role: "group", "aria-label": "评价标签（选填）" });
  const comment = el("textarea", { id: `${id}-comment`, rows: 2, maxlength: 500, placeholder: "例如：没有说明去哪里办理" });
  const submit = el("button", { type: "submit", className: "secondary" }, "提交评价");
  const details = el("form", { className: "rating-details", hidden: true },
    tags, el("label", { for: `${id}-comment` }, "意见或建议（选填）"), comment, submit);
  let level = null;

  function choose(button, name) {
    level = name;
    for (const other of levels.children) other.setAttribute("aria-pressed", String(other === button));
    details.hidden = false;
  }

  async function send() {
    const chosen = [...tags.querySelectorAll("[aria-pressed=true]")].map((tag) => tag.dataset.tag);
    for (const control of details.querySelectorAll("button, textarea")) control.disabled = true;
    for (const button of levels.children) button.disabled = true;
    try {
      const result = await postJson("/v1/ratings", {
        answer_id: answer.answer_id, session_id: answer.session_id, level, tags: chosen,
        comment: comment.value.trim(), channel,
      }, headers);
      details.hidden = true;
      status.textContent = result.follow_up_id
        ? `感谢您的评价！我们将核实整改，并于 ${result.due_on} 前处理完毕。`
        : "感谢您的评价！";
    } catch (error) {
      status.textContent = `评价未能提交：${error.message}`;
      for (const control of [...details.querySelectorAll("button, textarea"), ...levels.children]) control.disabled = false;
    }
  }

  loadOptions().then(({ levels: names, tags: tagNames }) => {
    levels.replaceChildren(...names.map((name) => {
      const button = el("button", { type: "button", className: "chip", "aria-pressed": "false" }, name);
      button.addEventListener("click", () => choose(button, name));
      return button;
    }));
    tags.replaceChildren(...tagNames.map((name) => {
      const tag = el("button", { type: "button", className: "chip tag", "aria-pressed": "false", "data-tag": name }, name);
      tag.addEventListener("click", () => tag.setAttribute("aria-pressed", String(tag.getAttribute("aria-pressed") !== "true")));
      return tag;
    }));
  }).catch((error) => {
    status.textContent = `评价暂不可用：${error.message}`;
  });
  details.addEventListener("submit", (event) => {
    event.preventDefault();
    if (level) send();
  });
  return el("div", { className: "rating", role: "group", "aria-label": "评价这条回答" },
    el("span", { className: "rating-label" }, "请评价本次回答："), levels, details, status);
}
