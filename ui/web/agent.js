// The agent panel: API-key login against /v1/agent/me, knowledge search (/v1/search) and cited
// answers (/v1/chat). The transcript and ticket draft are filled by the hotline copilot later.

import { ApiError, getJson, postJson, streamChat } from "/static/api.js";
import { aiNotice, el, KIND_LABELS, levelNote, plainText, renderAnswer } from "/static/answer.js";

const KEY_STORAGE = "govassist.agent_key";
const $ = (id) => document.getElementById(id);
let sessionId = null;

function authHeaders() {
  return { Authorization: `Bearer ${sessionStorage.getItem(KEY_STORAGE) || ""}` };
}

function loginMessage(error) {
  if (error.status === 401) return "API 密钥无效或已停用，请核对后重新输入。";
  if (error.status === 403) return "该密钥没有坐席权限，请联系管理员。";
  return error.message;
}

function showLogin(message = "") {
  sessionStorage.removeItem(KEY_STORAGE);
  $("workspace").hidden = true;
  $("agent-user").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message;
  $("api-key").value = "";
  $("api-key").focus();
}

async function login(key) {
  sessionStorage.setItem(KEY_STORAGE, key);
  try {
    const me = await getJson("/v1/agent/me", authHeaders());
    $("agent-name").textContent = me.department ? `${me.name}（${me.department}）` : me.name;
    $("login").hidden = true;
    $("agent-user").hidden = false;
    $("workspace").hidden = false;
    $("search-query").focus();
  } catch (error) {
    showLogin(loginMessage(error));
  }
}

// A key revoked mid-shift: back to the login form with the reason, not a broken panel.
function handleAuthError(error) {
  if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
    showLogin(loginMessage(error));
    return true;
  }
  return false;
}

function resultItem(hit) {
  const meta = hit.metadata || {};
  const details = [levelNote(meta.sensitivity), KIND_LABELS[meta.kind], meta.document_number, meta.department || meta.issuing_body,
    meta.publish_date, (hit.heading_path || []).join(" › ")].filter(Boolean).join(" · ");
  const title = hit.question && meta.kind === "faq" ? hit.question : hit.title || hit.question;
  return el("li", { className: "result" }, el("h4", {}, title), el("p", { className: "meta" }, details), el("p", {}, plainText(hit.text)));
}

async function search(query) {
  const status = $("search-status");
  status.textContent = "正在检索…";
  $("search-results").replaceChildren();
  try {
    const { hits } = await postJson("/v1/search", { query, top_k: 5 }, authHeaders());
    status.textContent = hits.length ? `找到 ${hits.length} 条相关内容` : "未检索到相关内容，请换个说法再试。";
    $("search-results").replaceChildren(...hits.map(resultItem));
  } catch (error) {
    if (!handleAuthError(error)) status.textContent = error.message;
  }
}

async function ask(question) {
  const box = $("agent-answer");
  const streamed = el("p", { className: "streaming" }, "正在生成答复…");
  box.replaceChildren(streamed);
  box.setAttribute("aria-busy", "true");
  let text = "";
  try {
    const answer = await streamChat(question, sessionId, (delta) => {
      if (!text) box.append(aiNotice());  // deltas come only from the model: label them while they stream
      text += delta;
      streamed.textContent = text;
    }, authHeaders());
    sessionId = answer.session_id || sessionId;
    const { body, sources } = renderAnswer(answer);
    box.replaceChildren(body, sources || "");
    if (answer.status !== "answered") {
      box.append(el("p", { className: "note" }, "知识库中没有可靠依据：请勿自行答复，按规定记录工单并转承办单位。"));
    }
  } catch (error) {
    if (!handleAuthError(error)) box.replaceChildren(el("p", { className: "form-error", role: "alert" }, error.message));
  } finally {
    box.setAttribute("aria-busy", "false");
  }
}

function onSubmit(formId, inputId, action) {
  $(formId).addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = event.target.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await action($(inputId).value.trim());
    } finally {
      button.disabled = false;
    }
  });
}

onSubmit("login-form", "api-key", login);
onSubmit("search-form", "search-query", search);
onSubmit("agent-ask-form", "agent-question", ask);
$("logout").addEventListener("click", () => showLogin());
if (sessionStorage.getItem(KEY_STORAGE)) login(sessionStorage.getItem(KEY_STORAGE));
