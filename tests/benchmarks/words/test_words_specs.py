import pytest
import yaml

from conftest import REPO, write_specs
from hsokv.benchmarks.words.specs import WordSpecError, load_word_specs


@pytest.mark.parametrize("name,minimum", [("rare_words.yaml", 200), ("heldout_words.yaml", 100), ("fresh_words.yaml", 200)])
def test_shipped_files_are_valid(name, minimum):
    specs = load_word_specs(REPO / "data" / name)
    assert len(specs) >= minimum
    assert len({s.domain for s in specs}) >= 4


@pytest.mark.parametrize("other", ["heldout_words.yaml", "fresh_words.yaml"])
def test_shipped_held_out_lists_share_no_word_or_domain_with_the_main_list(other):
    main, held = (load_word_specs(REPO / "data" / n) for n in ("rare_words.yaml", other))
    assert not {s.word for s in main} & {s.word for s in held}
    assert not {s.domain for s in main} & {s.domain for s in held}


def test_ten_words_are_enough(tmp_path, ten_words):
    assert len(load_word_specs(write_specs(tmp_path / "w.yaml", ten_words))) == 10


@pytest.mark.parametrize("mutate,message", [
    (lambda s: s[3].pop("definition"), r"entry 3: missing key\(s\) \['definition'\]"),
    (lambda s: s[2]["usages"].__setitem__(0, "This sentence lacks it."), r"'blorp2'.*does not contain the word"),
    (lambda s: s[5].__setitem__("word", "blorp1"), r"duplicate word"),
    (lambda s: s[4].__setitem__("usages", s[4]["usages"][:3]), r"at least 4 sentences"),
    (lambda s: s[1].__setitem__("extra", 1), r"unknown key\(s\) \['extra'\]"),
    (lambda s: s[6]["usages"].__setitem__(1, s[6]["usages"][0]), r"duplicated"),
    (lambda s: s.pop(), r"9 words; at least 10"),
])
def test_invalid_files_name_the_problem(tmp_path, ten_words, mutate, message):
    mutate(ten_words)
    with pytest.raises(WordSpecError, match=message):
        load_word_specs(write_specs(tmp_path / "w.yaml", ten_words))


def test_usage_must_contain_the_whole_word(tmp_path, ten_words):
    ten_words[0]["usages"][0] = "The blorp0x is only a longer token."
    with pytest.raises(WordSpecError, match="does not contain"):
        load_word_specs(write_specs(tmp_path / "w.yaml", ten_words))


def test_missing_and_non_utf8_files(tmp_path):
    with pytest.raises(WordSpecError, match="not found"):
        load_word_specs(tmp_path / "none.yaml")
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(WordSpecError, match="UTF-8"):
        load_word_specs(binary)


@pytest.mark.parametrize("spelling", ["ﬁlo", "ｆｉｌｏ", "FILO", "Filo"], ids=["ligature", "fullwidth", "upper", "title"])
def test_words_equal_once_normalised_are_duplicates(tmp_path, ten_words, spelling):
    for spec, word in ((ten_words[2], "filo"), (ten_words[7], spelling)):
        spec["usages"] = [u.replace(spec["word"], word) for u in spec["usages"]]
        spec["word"] = word
    with pytest.raises(WordSpecError, match=rf"word '{spelling}' \(entry 7\): duplicate word: the same as 'filo' "
                                            r"\(entry 2\) once normalised"):
        load_word_specs(write_specs(tmp_path / "w.yaml", ten_words))


@pytest.mark.parametrize("word, tokens", [("blue-green", "3 tokens"), ("o'clock", "3 tokens")])
def test_a_word_must_be_one_token(tmp_path, ten_words, word, tokens):
    ten_words[4]["usages"] = [u.replace("blorp4", word) for u in ten_words[4]["usages"]]
    ten_words[4]["word"] = word
    with pytest.raises(WordSpecError, match=rf"word {word!r} \(entry 4\): the tokenizer splits it into {tokens}"):
        load_word_specs(write_specs(tmp_path / "w.yaml", ten_words))


def test_a_key_twice_in_an_entry_is_refused(tmp_path, ten_words):
    text = yaml.safe_dump(ten_words, sort_keys=False).replace("  domain: general\n", "  domain: general\n  domain: law\n", 1)
    (tmp_path / "w.yaml").write_text(text)
    with pytest.raises(WordSpecError, match=r"w\.yaml: not a valid UTF-8 YAML file: duplicate key 'domain' at line 4 \(first at line 3\)"):
        load_word_specs(tmp_path / "w.yaml")


def test_usages_equal_once_normalised_are_duplicates(tmp_path, ten_words):
    ten_words[1]["usages"][2] = ten_words[1]["usages"][0].upper().replace("BLORP1", "blorp1")
    with pytest.raises(WordSpecError, match="duplicated"):
        load_word_specs(write_specs(tmp_path / "w.yaml", ten_words))
