// 企业找政策: a profile typed into the form → every support item, each condition marked
// 符合 / 不符合 / 待核实 with the policy sentence, and what to supply for the unknown ones.

import { postJson } from "/static/api.js";
import { el } from "/static/answer.js";

const $ = (id) => document.getElementById(id);
const MARKS = { met: "✓ 符合", not_met: "✗ 不符合", unknown: "？ 待核实" };

function profile() {
  const fields = {};
  for (const input of document.querySelectorAll("[data-header]")) {
    if (input.value.trim()) fields[input.dataset.header] = input.value.trim();
  }
  const qualifications = [...document.querySelectorAll(".qualifications input:checked")].map((box) => box.value);
  if (qualifications.length) fields["资质"] = qualifications.join("、");
  return fields;
}

function conditionItem(condition) {
  const value = condition.profile_value ? `（企业：${condition.profile_value}）` : "";
  return el("li", { className: `condition ${condition.decision}` },
    el("span", { className: "mark" }, MARKS[condition.decision]),
    el("span", {}, `${condition.label}：${condition.text}${value}`),
    condition.sentence ? el("p", { className: "quote" }, `政策原文：${condition.sentence}`) : "",
    condition.question ? el("p", { className: "ask" }, `需补充：${condition.question}`) : "");
}

function matchItem(match) {
  const window = match.window_end ? `申报期：${match.window_start || "即日"} 至 ${match.window_end}` : "";
  return el("li", { className: `match ${match.decision}` },
    el("h3", {}, `${match.title}`),
    el("p", { className: "meta" }, [match.decision_text, match.document_title, match.department, window].filter(Boolean).join(" · ")),
    match.benefit ? el("p", {}, `支持内容：${match.benefit}`) : "",
    el("ul", { className: "conditions" }, ...match.conditions.map(conditionItem)));
}

$("profile-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("form-error").textContent = "";
  $("results-status").textContent = "正在匹配…";
  try {
    const asOf = $("f-as-of").value || null;
    const { matches } = await postJson("/v1/policy-matching/match", { fields: profile(), as_of: asOf });
    const met = matches.filter((m) => m.decision === "met").length;
    $("results-status").textContent = matches.length
      ? `找到 ${matches.length} 项可申报或可能可申报的政策（其中 ${met} 项条件全部符合）`
      : "暂未找到符合条件的在期政策。";
    $("matches").replaceChildren(...matches.map(matchItem));
  } catch (error) {
    $("form-error").textContent = error.message;
    $("results-status").textContent = "";
  }
});
