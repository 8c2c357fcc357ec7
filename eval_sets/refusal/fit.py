"""Fit the answerability model: ``python -m eval_sets.refusal.fit [--out PATH]``.

Training data, all dev halves (the test halves stay unseen):
- the refusal bank's dev half and the demo question set, against a fresh demo knowledge base;
- the shared dev sets (msgabench FAQ, ncp policies) when ../shared/data exists: half of each corpus
  indexed, questions whose source is indexed must be answered from it, the others refused unless
  an indexed document is a near-duplicate of their source (``answers.near_duplicates``).

Every judged candidate passage is one row (label: it is a source of its question); boosted
depth-2 regression trees are fitted on the groups named by ``--fit-on`` and exported as plain data.
The threshold is then chosen on the questions: the value at which, on the refusal bank, false
answers and wrong-or-refused answers are both smallest (their maximum is minimised), so the
bank's targets bind. The result is written as package data; every group's rates are printed.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from assistant.answering.answerability import (
    FEATURES,
    AnswerabilityModel,
    Judgement,
    feature_matrix,
)
from assistant.answering.chain import Assessment
from assistant.config import Settings
from assistant.wiring import Services
from eval_sets import answers as answers_bench
from eval_sets.demo_eval import load as load_demo_questions
from eval_sets.refusal import bank
from eval_sets.refusal.bench import demo_services

PACKAGED = Path(__file__).resolve().parents[2] / "assistant" / "answering" / "data" / "answerability.json"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
Labelled = tuple[bank.LabelledQuestion, Assessment]


def collect(services: Services, questions: list[bank.LabelledQuestion]) -> list[Labelled]:
    """Each question as the answer chain assesses it (scope, typos, retrieval, judgement)."""
    chain = services.answer_chain
    return [(q, chain.assess(q.question)) for q in questions]


def rejudged(assessment: Assessment, model: AnswerabilityModel) -> Assessment:
    """The assessment with its candidates scored by another model."""
    old = assessment.judgement
    candidates = sorted((c.scored(model) for c in old.candidates), key=lambda c: -c.probability)
    return Assessment(
        assessment.scope,
        assessment.asked,
        assessment.hits,
        Judgement(old.concepts, candidates, model.threshold, old.premises),
    )


def demo_questions() -> list[bank.LabelledQuestion]:
    found = []
    for record in load_demo_questions():
        targets = [record["expected_doc"], *record.get("also_in", [])] if record["expected_doc"] else []
        found.append(
            bank.LabelledQuestion(
                record["id"], record["question"], "demo:" + record["kind"], bool(targets), targets
            )
        )
    return found


def shared_questions(
    services: Services, docs: Path, questions: Path, kind: str, work: Path, limit: int
) -> list[bank.LabelledQuestion]:
    """A shared dev set, half indexed into ``services``; unanswerable questions with a near-duplicate source dropped."""
    answers_bench.ingest_half(services, docs, work, kind)
    loaded, _ = answers_bench.without_indexed_twins(
        answers_bench.load_questions(questions, docs, limit), answers_bench.near_duplicates(docs)
    )
    return [
        bank.LabelledQuestion(
            f"{kind}-{number}",
            qa.question,
            docs.parent.name,
            qa.answerable,
            doc_ids={qa.gold_doc_id, *qa.twins},
        )
        for number, qa in enumerate(loaded)
    ]


def labels(pairs: list[Labelled]) -> np.ndarray:
    return np.array(
        [q.answerable and q.is_source(c.hit) for q, a in pairs for c in a.judgement.candidates], dtype=int
    )


def fit_trees(pairs: list[Labelled]) -> AnswerabilityModel:
    """Boosted depth-2 regression trees on every candidate (label: a source of its question), as data."""
    from sklearn.ensemble import GradientBoostingClassifier

    x, y = feature_matrix([a.judgement for _, a in pairs]), labels(pairs)
    booster = GradientBoostingClassifier(
        n_estimators=150, max_depth=2, learning_rate=0.05, subsample=0.8, random_state=0
    ).fit(x, y)
    trees = []
    for (estimator,) in booster.estimators_:
        tree = estimator.tree_
        trees.append(
            tuple(
                (
                    float(tree.feature[n]) if tree.children_left[n] >= 0 else -1.0,
                    float(tree.threshold[n]),
                    float(tree.children_left[n]),
                    float(tree.children_right[n]),
                    float(tree.value[n][0][0]),
                )
                for n in range(tree.node_count)
            )
        )
    prior = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))
    importances = {
        name: round(float(v), 3) for name, v in zip(FEATURES, booster.feature_importances_, strict=True)
    }
    model = AnswerabilityModel(
        tuple(trees), float(np.log(prior / (1 - prior))), 0.05, 0.5, importances=importances
    )
    check = np.array([model.probability(dict(zip(FEATURES, row, strict=True))) for row in x[:50]])
    assert np.allclose(check, booster.predict_proba(x[:50])[:, 1], atol=1e-6), (
        "exported trees disagree with the fitted model"
    )
    return model


def rates(model: AnswerabilityModel, pairs: list[Labelled]) -> dict[str, float]:
    """False answers (must-refuse answered) and failures of must-answer questions (refused, or the
    passage answered from not a source), the chain deciding with this model."""
    false_answers = failed = refuse = answer = 0
    for question, assessment in pairs:
        source = rejudged(assessment, model).source()
        answered = source is not None
        if question.answerable:
            answer += 1
            failed += not (answered and question.is_source(source))
        else:
            refuse += 1
            false_answers += answered
    return {"false_answer": false_answers / max(refuse, 1), "failed_answer": failed / max(answer, 1)}


def choose_threshold(model: AnswerabilityModel, pairs: list[Labelled]) -> float:
    grid = np.linspace(0.05, 0.95, 91)
    worst = [max(rates(model.with_threshold(float(t)), pairs).values()) for t in grid]
    return float(grid[int(np.argmin(worst))])


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PACKAGED)
    parser.add_argument(
        "--shared-limit",
        type=int,
        default=400,
        help="questions per shared dev set (0: skip them, a quick refit)",
    )
    parser.add_argument(
        "--fit-on",
        nargs="+",
        default=["bank", "demo"],
        help="which dev groups train the trees (the others are reported)",
    )
    args = parser.parse_args(argv)
    groups: dict[str, list[Labelled]] = {}
    with tempfile.TemporaryDirectory(prefix="govassist-fit-") as work:
        services = demo_services(Path(work) / "demo")
        groups["bank"] = collect(services, bank.load("dev"))
        groups["demo"] = collect(services, demo_questions())
        services.close()
        for name, kind in (("msgabench_gov", "faq"), ("ncp_policy_qa", "policy")):
            if not (SHARED / name).is_dir() or args.shared_limit == 0:
                continue
            # The shared sets are national documents, not one city's: no "other region" refusals.
            settings = Settings(
                data_dir=Path(work) / name,
                models_dir=Settings().model_cache(),
                llm={"backend": "extractive"},
                answer={"service_regions": []},
            )
            shared = Services(settings)
            questions = shared_questions(
                shared,
                SHARED / name / "docs.jsonl",
                SHARED / name / "dev.jsonl",
                kind,
                Path(work),
                args.shared_limit,
            )
            groups[name] = collect(shared, questions)
            shared.close()
    training = [pair for name in args.fit_on for pair in groups.get(name, [])]
    model = fit_trees(training)
    threshold = choose_threshold(model, groups["bank"])
    described = ", ".join(
        f"{name} dev ({len(groups[name])} questions)" for name in args.fit_on if name in groups
    )
    fitted = AnswerabilityModel(
        model.trees,
        model.bias,
        model.rate,
        round(threshold, 3),
        f"{date.today()}: {described}",
        model.importances,
    )
    report = {name: rates(fitted, pairs) for name, pairs in groups.items()}
    args.out.write_text(json.dumps(fitted.to_dict(), ensure_ascii=False) + "\n", encoding="utf-8")
    print(
        json.dumps(
            {
                "threshold": fitted.threshold,
                "fitted_on": fitted.fitted_on,
                "importances": fitted.importances,
                "dev_rates": report,
            },
            ensure_ascii=False,
            indent=2,
        )
    )
    return report


if __name__ == "__main__":
    main()
