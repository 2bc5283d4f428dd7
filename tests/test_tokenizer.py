from hsokv.tokenizer import UNK, encode_batch, fit_tokenizer
from tokenizers import Tokenizer


def test_unknown_words_map_to_unk_and_round_trip(tmp_path):
    tok = fit_tokenizer(["The zorblat means a lamp.", "A lamp is bright."])
    ids = encode_batch(tok, ["The zorblat glows, unseenword!"], 32)[0]
    assert tok.token_to_id(UNK) in ids
    assert tok.token_to_id("zorblat") in ids and tok.token_to_id("unseenword") is None
    tok.save(str(tmp_path / "tokenizer.json"))
    again = Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    assert encode_batch(again, ["The zorblat glows, unseenword!"], 32)[0] == ids


def test_padding_and_unknown_have_fixed_ids():
    tok = fit_tokenizer(["a b c"])
    assert tok.token_to_id("[PAD]") == 0 and tok.token_to_id(UNK) == 1


def test_truncates_to_max_length():
    tok = fit_tokenizer(["a b c d e f"])
    assert len(encode_batch(tok, ["a b c d e f"], 4)[0]) == 4
