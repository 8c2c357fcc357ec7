// The hotline copilot in the agent panel: upload a recorded call → transcript with speakers,
// knowledge suggestions and a grounded reply, a ticket draft the agent edits and confirms.

import { getJson, postForm, postJson } from "/static/api.js";
import { el, levelNote, renderAnswer } from "/static/answer.js";

const KEY_STORAGE = "govassist.agent_key";
const $ = (id) => document.getElementById(id);
// Form field → ticket field of the API.
const TICKET_FIELDS = {
  "ticket-caller": "caller_name", "ticket-phone": "callback_number", "ticket-address": "address",
  "ticket-time": "event_time", "ticket-item": "service_item", "ticket-request": "request",
  "ticket-type": "request_type", "ticket-urgency": "urgency", "ticket-category": "category",
  "ticket-department": "department", "ticket-summary": "summary",
};
let draft = {};
let transcriptText = "";

function authHeaders() {
  return { Authorization: `Bearer ${sessionStorage.getItem(KEY_STORAGE) || ""}` };
}

function clock(seconds) {
  const minutes = Math.floor(seconds / 60);
  return `${String(minutes).padStart(2, "0")}:${(seconds % 60).toFixed(1).padStart(4, "0")}`;
}

function showTranscript(segments) {
  $("transcript-empty").hidden = segments.length > 0;
  $("transcript").replaceChildren(...segments.map((s) =>
    el("li", { className: s.speaker === "坐席" ? "line agent" : "line caller" },
      el("span", { className: "meta" }, `${clock(s.start)} ${s.speaker || ""}`), el("span", {}, s.text))));
}

function showAssist(assist) {
  const box = $("agent-answer");
  const answer = { answer: assist.reply, status: assist.reply_status, citations: assist.citations, mode: assist.reply_mode || "extractive",
    generated: assist.reply_mode === "generated", ai_notice: assist.ai_notice };
  const { body, sources } = renderAnswer(answer);
  box.replaceChildren(el("h4", {}, "建议答复"), body, sources || "");
  $("search-status").textContent = assist.knowledge.length
    ? `根据通话推荐 ${assist.knowledge.length} 条相关内容`
    : "知识库中没有与本次通话相关的内容，请按规定登记工单。";
  $("search-results").replaceChildren(...assist.knowledge.map((k) =>
    el("li", { className: "result" }, el("h4", {}, k.title), el("p", { className: "meta" }, levelNote(k.sensitivity)),
      el("p", {}, k.text.slice(0, 160)))));
}

// The copilot's draft (fields read from the call; predicted type, category, department, urgency)
// into the form, each with the evidence the service gives for it; a new call's draft replaces the last.
function fillDraft(text, proposed = {}, fields = []) {
  draft = { request: text.slice(0, 500), ...proposed };
  const evidence = Object.fromEntries(fields.map((field) => [field.name, field.evidence]));
  for (const [id, name] of Object.entries(TICKET_FIELDS)) {
    const input = $(id);
    const value = draft[name] || "";
    if (input.tagName === "SELECT" && value && ![...input.options].some((o) => o.value === value)) input.append(new Option(value));
    input.value = value;
    const note = $(`${id}-evidence`);
    if (note) note.textContent = value ? evidence[name] || "" : "";
  }
  $("ticket-note").textContent = "请核对助手填写的草稿（每项下方是它的依据），修改后确认提交。";
  $("ticket-submit").disabled = false;
}

async function upload(file) {
  const status = $("call-status");
  status.textContent = "正在转写录音，请稍候…";
  const form = new FormData();
  form.append("file", file);
  try {
    const reply = await postForm("/v1/hotline/transcribe", form, authHeaders());
    transcriptText = reply.text;
    showTranscript(reply.segments);
    showAssist(reply.assist);
    fillDraft(reply.segments.filter((s) => s.speaker !== "坐席").map((s) => s.text).join(""), reply.assist.draft, reply.assist.draft_fields);
    status.textContent = `转写完成：${reply.duration.toFixed(1)} 秒，${reply.segments.length} 段`;
  } catch (error) {
    status.textContent = error.message;
  }
}

async function confirmTicket(event) {
  event.preventDefault();
  const fields = {};
  for (const [id, name] of Object.entries(TICKET_FIELDS)) fields[name] = $(id).value.trim();
  try {
    const ticket = await postJson("/v1/hotline/tickets", { draft, fields, transcript: transcriptText }, authHeaders());
    $("ticket-note").textContent = `工单 ${ticket.id} 已确认提交。`;
    $("ticket-submit").disabled = true;
  } catch (error) {
    $("ticket-note").textContent = error.message;
  }
}

$("upload-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const file = $("call-file").files[0];
  if (file) upload(file);
});
$("ticket-form").addEventListener("submit", confirmTicket);
// The deployment's category taxonomy, offered as the agent types a category (loaded once).
$("ticket-category").addEventListener("focus", async () => {
  const options = $("category-options");
  if (options.childElementCount) return;
  try {
    const { categories } = await getJson("/v1/hotline/taxonomy", authHeaders());
    options.replaceChildren(...categories.map((category) => new Option(category, category)));
  } catch (error) {
    $("ticket-category-evidence").textContent = error.message;
  }
});
// A live call that ended: suggestions and the ticket draft from what the caller said.
document.addEventListener("live-call-ended", async (event) => {
  transcriptText = event.detail;
  try {
    const assist = await postJson("/v1/hotline/assist", { transcript: transcriptText }, authHeaders());
    showAssist(assist);
    fillDraft(transcriptText, assist.draft, assist.draft_fields);
  } catch (error) {
    $("call-status").textContent = error.message;
  }
});
