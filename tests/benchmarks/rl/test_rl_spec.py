"""The research spec file: read with errors that name the file, and a key an older spec lacks named."""
import json

import pytest

from hsokv.benchmarks.rl.spec import missing_spec_key, read_spec


def test_read_spec_returns_the_object_and_refuses_what_is_not_a_spec(tmp_path):
    good = tmp_path / "spec.json"
    good.write_text(json.dumps({"env_id": "CartPole-v1", "seeds": [0]}))
    assert read_spec(good) == {"env_id": "CartPole-v1", "seeds": [0]}
    for name, text, message in (("absent.json", None, "no such spec file"),
                                ("cut.json", '{"env_id": "Cart', "not valid JSON"),
                                ("list.json", "[1]", "not a spec"),
                                ("result.json", '{"summary": {}}', "not a spec")):
        path = tmp_path / name
        if text is not None:
            path.write_text(text)
        with pytest.raises(ValueError, match=f"{name}: {message}.*--write-spec"):
            read_spec(path)


def test_a_missing_spec_key_is_named_and_any_other_key_error_is_not_claimed(tmp_path):
    spec = {"env_id": "Hopper-v5"}
    assert "the spec has no key 'max_retries'" in missing_spec_key(KeyError("max_retries"), spec, tmp_path / "s.json")
    assert missing_spec_key(KeyError("env_id"), spec, tmp_path / "s.json") is None   # present: a bug, not the file
    assert missing_spec_key(KeyError(3), spec, tmp_path / "s.json") is None
