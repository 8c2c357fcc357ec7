"""Grounded answers: the answer chain, its chat-model backends, grounding checks and conversations.

A citizen's question goes through named steps (``chain``): condense the follow-up → retrieve →
FAQ first → answer (generated or extractive) → cite → check every sentence against its sources.
When the evidence is not there, the answer says so and hands the citizen to 12345 or the right
department: "no evidence" is a result, not an error.
"""
