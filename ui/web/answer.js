// Renders an answer with its numbered citations, shared by the citizen page and the agent panel.
// Server text is only ever set through textContent, never parsed as HTML.

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "className") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

export const KIND_LABELS = { policy: "政策文件", faq: "常见问题", guide: "办事指南" };
// GB 45438-2025: text written by a model carries a visible label wherever it is shown.
// Staff-only material (内部, 敏感) is marked where an agent sees it, so it is not read out to a caller.
export function levelNote(sensitivity) {
  return sensitivity && sensitivity !== "公开" ? `${sensitivity}资料，不得向来电人原文宣读` : "";
}

export const AI_NOTICE = "内容由人工智能生成，仅供参考，以官方发布为准";

export function aiNotice(text = AI_NOTICE) {
  return el("p", { className: "ai-notice", role: "note" }, text);
}
let panelCount = 0;

// Source texts keep Markdown emphasis ("**第九条**"); readers should see the words only.
export function plainText(text) {
  return (text || "").replace(/\*\*(.+?)\*\*/g, "$1");
}

function detailRow(label, value) {
  return value ? [el("dt", {}, label), el("dd", {}, value)] : [];
}

function fillDetail(panel, citation) {
  const rows = [
    ...detailRow("文号", citation.document_number),
    ...detailRow("发布日期", citation.publish_date),
    ...detailRow("发布部门", citation.department),
    ...detailRow("章节", (citation.heading_path || []).join(" › ")),
    ...detailRow("类别", KIND_LABELS[citation.kind] || ""),
  ];
  panel.replaceChildren(
    el("h3", { className: "source-title" }, `[${citation.number}] ${citation.title}`),
    rows.length ? el("dl", { className: "source-meta" }, ...rows) : null,
    el("p", { className: "source-quote-label" }, "引用原文"),
    el("blockquote", { className: "source-quote" }, plainText(citation.quote)),
  );
}

// Paragraphs of the answer with each "[n]" that names a citation turned into a button.
// An extractive answer is a row of quoted passages, each closed by its marker: one paragraph each.
function answerText(answer, citeButton) {
  let text = plainText(answer.answer);
  if (answer.mode === "extractive") text = text.replace(/(\[\d+\])(?=\S)/g, "$1\n");
  return text.split(/\n+/).filter((line) => line.trim()).map((line) => {
    const paragraph = el("p");
    for (const part of line.split(/(\[\d+\])/)) {
      const match = part.match(/^\[(\d+)\]$/);
      const button = match ? citeButton(Number(match[1]), part) : null;
      paragraph.append(button || part);
    }
    return paragraph;
  });
}

// Returns {body, sources}: the answer paragraphs and the "参考来源" block with its detail panel.
export function renderAnswer(answer) {
  const citations = new Map((answer.citations || []).map((citation) => [citation.number, citation]));
  const panelId = `source-panel-${++panelCount}`;
  const panel = el("section", { className: "source-panel", id: panelId, hidden: true, "aria-label": "来源详情" });
  const buttons = [];
  let shown = null;

  function toggle(number) {
    shown = shown === number ? null : number;
    if (shown !== null) fillDetail(panel, citations.get(shown));
    panel.hidden = shown === null;
    for (const button of buttons) {
      button.setAttribute("aria-expanded", String(Number(button.dataset.number) === shown));
    }
  }

  function citeButton(number, label, className = "cite") {
    const citation = citations.get(number);
    if (!citation) return null;
    const button = el("button", {
      type: "button", className, "data-number": number, "aria-expanded": "false",
      "aria-controls": panelId, title: citation.title, onclick: () => toggle(number),
    }, label);
    if (className === "cite") button.setAttribute("aria-label", `来源 ${number}：${citation.title}`);
    buttons.push(button);
    return button;
  }

  const body = el("div", { className: "answer-text" }, ...answerText(answer, citeButton));
  if (answer.generated) body.append(aiNotice(answer.ai_notice || AI_NOTICE));
  if (!citations.size) return { body, sources: null };
  const list = el("ol", { className: "source-list" }, ...[...citations.values()].map((citation) =>
    el("li", {}, citeButton(citation.number, `[${citation.number}] ${citation.title}`, "source-link"))));
  const sources = el("div", { className: "sources" }, el("p", { className: "sources-label" }, "参考来源"), list, panel);
  return { body, sources };
}
