// Calls to the gov-assistant JSON API, shared by the citizen page and the agent panel.
// Every failure becomes an ApiError whose message is Chinese and fit to show as is.

export class ApiError extends Error {
  constructor(message, status = 0, requestId = "") {
    super(message);
    this.status = status;
    this.requestId = requestId;
  }
}

const NETWORK_MESSAGE = "网络连接失败，请检查网络后重试。";
// Where the API is: the page's own origin, or the assistant's origin for the website widget.
let apiBase = "";

export function setApiBase(origin) {
  apiBase = origin;
}

async function errorFrom(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // Not our JSON error shape (a proxy page, an empty body): fall back to a generic message.
  }
  const error = body && body.error ? body.error : {};
  const message = error.message || `服务暂时不可用（${response.status}），请稍后再试。`;
  return new ApiError(message, response.status, error.request_id || "");
}

async function send(method, url, body, headers = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(apiBase + url, init);
  } catch {
    throw new ApiError(NETWORK_MESSAGE);
  }
  if (!response.ok) throw await errorFrom(response);
  return response;
}

// A multipart upload (FormData); the browser sets the Content-Type with its boundary.
export async function postForm(url, form, headers = {}) {
  let response;
  try {
    response = await fetch(apiBase + url, { method: "POST", body: form, headers: { Accept: "application/json", ...headers } });
  } catch {
    throw new ApiError(NETWORK_MESSAGE);
  }
  if (!response.ok) throw await errorFrom(response);
  return response.json();
}

export async function getJson(url, headers) {
  return (await send("GET", url, undefined, headers)).json();
}

export async function postJson(url, body, headers) {
  return (await send("POST", url, body, headers)).json();
}

// Parses one Server-Sent Events block ("event: x\ndata: {...}") into {event, data}.
function parseEvent(block) {
  let event = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) event = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  return data.length ? { event, data: JSON.parse(data.join("\n")) } : null;
}

// POST /v1/chat with stream=true, read with fetch (EventSource cannot POST). Calls onDelta with
// each sentence once it has passed the source check (nothing unchecked is ever sent) and resolves
// with the final answer, rendered in place of the stream: its text begins with what was streamed
// and adds the sources (or, for a withheld answer, replaces it).
export async function streamChat(question, sessionId, onDelta, headers = {}) {
  const body = { question, session_id: sessionId || null, stream: true };
  const response = await send("POST", "/v1/chat", body, { ...headers, Accept: "text/event-stream" });
  if (!(response.headers.get("content-type") || "").includes("text/event-stream")) {
    return response.json();
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value.replace(/\r\n?/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const parsed = parseEvent(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      if (!parsed) continue;
      if (parsed.event === "delta") onDelta(parsed.data.text || "");
      else if (parsed.event === "final") return parsed.data;
      else if (parsed.event === "error") {
        const error = parsed.data.error || {};
        throw new ApiError(error.message || "回答生成失败，请稍后再试。", 500, error.request_id || "");
      }
    }
  }
  throw new ApiError("回答中断，请重试。");
}
