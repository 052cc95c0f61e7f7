"""The provider config: the example loads, bad files are refused with the key named."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulkbench.core.config import ConfigError, load_config, redact

EXAMPLE = Path(__file__).resolve().parents[2] / "bulkbench.example.toml"


def test_example_loads():
    config = load_config(EXAMPLE)
    leadlex = config.provider("leadlex")
    assert leadlex.base_url == "https://data.leadlex.com/functions/v1/api-gateway"
    assert leadlex.key_env["read_only"] == "LEADLEX_READONLY_API_KEY"
    assert leadlex.assumption("import_job_status_path", None) == "/v1/import/jobs/{job_id}"
    assert config.provider("sociocs").key_env["full"] == "SOCIOCS_API_KEY"


def test_defaults_without_a_file():
    config = load_config(None)
    assert config.provider("datananas").key_env == {"full": "DATANANAS_ACCESS_TOKEN"}
    assert config.provider("datananas").base_url is None


def test_key_from_environment_only():
    leadlex = load_config(EXAMPLE).provider("leadlex")
    assert leadlex.api_key(environ={"LEADLEX_API_KEY": "wbk_secret1234"}) == "wbk_secret1234"
    assert leadlex.api_key(environ={}) is None
    assert leadlex.api_key("other_workspace", environ={}) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[leadlex]\nbase_ur = 'https://x'\n", r"leadlex\.base_ur: unknown key"),
        (
            "[leadlex]\ntimeout_seconds = 'soon'\n",
            r"leadlex\.timeout_seconds: expected int or float",
        ),
        ("[acme]\nbase_url = 'https://x'\n", r"\[acme\]: unknown provider"),
        ("[sociocs]\nbase_url = 'ftp://x'\n", r"sociocs\.base_url: expected an http"),
        ("[leadlex.assumptions]\nrate_limit_reset = 'soon'\n", r"rate_limit_reset"),
        (
            "[leadlex.assumptions]\nwebsocket = 'x'\n",
            r"leadlex\.assumptions\.websocket: unknown key",
        ),
        ("[leadlex\n", r"not valid TOML"),
    ],
)
def test_bad_config_names_the_key(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as info:
        load_config(path)
    assert str(path) in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.toml")


def test_redact():
    assert redact("wbk_abcdefghijkl1234") == "wbk_…1234"
    assert redact("short") == "…"
    assert redact(None) == "<none>"
    assert "secret" not in redact("plainsecretvalue99")
