"""Prompt templates are package data that name the deployment only through its settings."""

from __future__ import annotations

import string
from importlib.resources import files

import pytest

from assistant.answering.prompts import PACKAGE, load_prompt, render
from assistant.config import DeploymentSettings, Settings
from assistant.errors import ConfigurationError

TEMPLATES = sorted(
    resource.name.removesuffix(".txt")
    for resource in files(PACKAGE).iterdir()
    if resource.name.endswith(".txt")
)
DEMO = DeploymentSettings()


def test_the_templates_are_found_as_package_data():
    assert {"answer_system", "answer_user", "no_evidence"} <= set(TEMPLATES)


@pytest.mark.parametrize("name", TEMPLATES)
def test_no_template_names_the_demo_city_or_hotline_literally(name):
    text = load_prompt(name)
    assert DEMO.city not in text and DEMO.province not in text and DEMO.hotline not in text


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_template_renders_for_another_deployment(name):
    fields = {field for _, field, _, _ in string.Formatter().parse(load_prompt(name)) if field}
    values = {field: f"<{field}>" for field in fields} | {"city": "样例县", "hotline": "12340"}
    rendered = render(name, **values)
    assert "{" not in rendered and all(values[field] in rendered for field in fields)


def test_a_template_field_left_unfilled_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match="answer_user"):
        render("answer_user", question="居住证")


def test_the_places_served_follow_the_city_unless_set():
    assert Settings(_env_file=None).answer.service_regions == ["示例市", "示例省"]
    other = Settings(_env_file=None, deployment={"city": "样例县", "province": "样例省"})
    assert other.answer.service_regions == ["样例县", "样例省"]
    explicit = Settings(
        _env_file=None, deployment={"city": "样例县"}, answer={"service_regions": ["样例县", "邻县"]}
    )
    assert explicit.answer.service_regions == ["样例县", "邻县"]


def test_policy_matching_places_follow_a_city_named_without_its_own_map():
    assert "示例市临港区" in Settings(_env_file=None).policy_matching.regions.values()
    assert Settings(_env_file=None, deployment={"city": "样例县"}).policy_matching.regions == {
        "样例县": "样例县"
    }
    own = {"样例县": "样例县", "样例县城关镇": "样例县城关镇"}
    assert (
        Settings(
            _env_file=None, deployment={"city": "样例县"}, policy_matching={"regions": own}
        ).policy_matching.regions
        == own
    )
