"""`govassist bench load` end to end, briefly: it starts `serve --workers 2`, prices each request
kind on both sides, runs a short closed and open loop with its own client process, and finds every
rating and audit row the requests wrote, with a verified chain. What it measures is for the bench
to print; this checks only that it measures the deployment it says it does and loses nothing."""

from __future__ import annotations

import pytest

from eval_sets import load

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("rate", [None, 9.0])
def test_the_bench_drives_two_workers_and_loses_nothing(rate):
    result = load.run(clients=4, seconds=2, rate=rate, cores=2)
    assert result["errors"] == 0, result["error_samples"]
    assert all(row["count"] > 0 for row in result["rows"])
    assert result["rating_lost"] == 0 and result["audit_lost"] == 0 and result["audit_chain_ok"]
    roles = sorted(process["role"] for process in result["processes"])
    assert roles.count("worker") == 2 and "index" in roles and "supervisor" in roles
    assert all(cost["server"] > 0 and cost["client"] > 0 for cost in result["cpu_ms"].values())
    assert result["ideal_per_s"] < result["ideal_server_only_per_s"]  # the client's CPU is counted
    assert result["workers"] == 2 and set(result["load_average"]) == {"start", "end"}
