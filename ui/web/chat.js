// The citizen chat page: suggested questions, streamed answers with citations, 好差评 ratings, and
// the 12345 hand-off. It talks to /v1/suggestions, /v1/chat (streaming) and /v1/ratings only.

import { getJson, streamChat } from "/static/api.js";
import { aiNotice, el, renderAnswer } from "/static/answer.js";
import { ratingBlock } from "/static/rating.js";

const SESSION_KEY = "govassist.session_id";
const form = document.getElementById("ask-form");
const input = document.getElementById("question");
const sendButton = document.getElementById("send");
const messages = document.getElementById("messages");
const headerHandoff = document.getElementById("handoff");
// The deployment's hotline, written into the page by the server (deployment.hotline).
const HOTLINE = document.body.dataset.hotline;

function setBusy(busy) {
  input.disabled = busy;
  sendButton.disabled = busy;
  sendButton.textContent = busy ? "回答中…" : "发送";
  for (const button of document.querySelectorAll(".suggestion")) button.disabled = busy;
  if (!busy) input.focus();
}

function handoffCard(text) {
  return el("div", { className: "handoff-card" },
    el("p", {}, text || `如需进一步帮助，请转人工服务或拨打 ${HOTLINE} 政务服务便民热线。`),
    el("a", { className: "handoff-button", href: `tel:${HOTLINE}` }, `转人工 / 拨打${HOTLINE}`));
}

function showAnswer(bubble, answer) {
  const refused = answer.status !== "answered";
  const { body, sources } = renderAnswer(answer);
  bubble.replaceChildren(body);
  if (sources) bubble.append(sources);
  if (refused) bubble.append(handoffCard());
  if (answer.answer_id) bubble.append(ratingBlock(answer));
  bubble.classList.toggle("refused", refused);
  headerHandoff.classList.toggle("alert", refused);
  if (answer.session_id) sessionStorage.setItem(SESSION_KEY, answer.session_id);
}

async function ask(question) {
  question = question.trim();
  if (!question || input.disabled) return;
  messages.append(el("li", { className: "message user" }, el("p", { className: "visually-hidden" }, "您的问题："), el("div", { className: "bubble" }, question)));
  const streamed = el("p", { className: "streaming" }, "正在查找相关政策…");
  const bubble = el("div", { className: "bubble" }, streamed);
  const item = el("li", { className: "message assistant", "aria-busy": "true" },
    el("p", { className: "visually-hidden" }, "助手回答："), bubble);
  messages.append(item);
  item.scrollIntoView({ block: "end" });
  setBusy(true);
  let text = "";
  try {
    const answer = await streamChat(question, sessionStorage.getItem(SESSION_KEY), (delta) => {
      if (!text) bubble.append(aiNotice());  // deltas come only from the model: label them while they stream
      text += delta;
      streamed.textContent = text;
    });
    showAnswer(bubble, answer);
  } catch (error) {
    bubble.classList.add("error");
    bubble.replaceChildren(el("p", { role: "alert" }, error.message), handoffCard(`您也可以拨打 ${HOTLINE} 政务服务便民热线咨询。`));
  } finally {
    item.setAttribute("aria-busy", "false");
    setBusy(false);
    item.scrollIntoView({ block: "nearest" });
  }
}

async function loadSuggestions() {
  const list = document.getElementById("suggestions");
  try {
    const { questions } = await getJson("/v1/suggestions");
    list.replaceChildren(...questions.map((question) =>
      el("li", {}, el("button", { type: "button", className: "suggestion", onclick: () => ask(question) }, question))));
  } catch {
    list.closest("section").querySelector(".suggestions-title").hidden = true;
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const question = input.value;
  input.value = "";
  input.style.height = "";
  ask(question);
});
input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    form.requestSubmit();
  }
});
input.addEventListener("input", () => {
  input.style.height = "";
  input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
});
loadSuggestions();
