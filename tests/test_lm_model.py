"""hsokv/benchmarks/lm/model.py and methods/transformer.py: causality, tying, the schedule, determinism."""
import torch

from hsokv.benchmarks.lm.methods.transformer import Transformer, learning_rate, windows
from hsokv.benchmarks.lm.model import GPT, GPTConfig
from hsokv.benchmarks.lm.protocol import make_deterministic
from hsokv.benchmarks.lm.config import LanguageModelConfig

TINY = LanguageModelConfig(n_layer=2, n_head=2, n_embd=16, block_size=16, batch_size=4, max_iters=12, warmup_iters=3,
                           eval_interval=5, eval_iters=2, eval_batch_size=8)


def test_future_tokens_do_not_change_past_logits():
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=11, block_size=12, n_layer=2, n_head=2, n_embd=16)).eval()
    ids = torch.randint(0, 11, (2, 12))
    changed = ids.clone()
    changed[:, 7:] = (changed[:, 7:] + 3) % 11
    with torch.no_grad():
        a, b = model(ids)[0], model(changed)[0]
    assert torch.equal(a[:, :7], b[:, :7]) and not torch.allclose(a[:, 7:], b[:, 7:])


def test_states_are_the_output_layers_input_and_the_last_mlps_input():
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=11, block_size=12, n_layer=2, n_head=2, n_embd=16)).eval()
    ids = torch.randint(0, 11, (2, 12))
    seen = {}
    model.blocks[-1].mlp.register_forward_hook(lambda module, args, out: seen.update(mlp_input=args[0]))
    with torch.no_grad():
        logits = model(ids)[0]
        states = model.states(ids)
    assert torch.allclose(model.lm_head(states["final"]), logits)
    assert torch.equal(states["ffn_input"], seen["mlp_input"]) and not torch.allclose(states["ffn_input"], states["final"])


def test_output_layer_is_the_token_embedding():
    model = GPT(GPTConfig(vocab_size=11))
    assert model.lm_head.weight is model.wte.weight


def test_schedule_warms_up_then_decays_to_the_floor():
    cfg = LanguageModelConfig(learning_rate=1e-3, min_learning_rate=1e-4, warmup_iters=10, max_iters=110)
    lrs = [learning_rate(s, cfg) for s in range(111)]
    assert lrs[0] < lrs[5] < lrs[9] <= 1e-3 and abs(lrs[10] - 1e-3) < 1e-12
    assert all(a >= b for a, b in zip(lrs[10:], lrs[11:])) and abs(lrs[110] - 1e-4) < 1e-12


def test_windows_score_every_target_once():
    ids = torch.arange(40)
    pairs = windows(ids, 16)
    inputs = torch.cat([x.flatten() for x, _ in pairs])
    targets = torch.cat([y.flatten() for _, y in pairs])
    assert torch.equal(inputs, ids[:-1]) and torch.equal(targets, ids[1:])
    assert [tuple(x.shape) for x, _ in pairs] == [(2, 16), (1, 7)]


def _train_once(splits):
    make_deterministic(1)
    torch.manual_seed(0)
    model = Transformer(9, TINY, torch.device("cpu"))
    history = model.fit(splits, seed=3)
    return history, model.score(splits["val"])[0]


def test_same_seed_gives_identical_losses():
    g = torch.Generator().manual_seed(0)
    splits = {"train": torch.randint(0, 9, (600,), generator=g), "val": torch.randint(0, 9, (80,), generator=g)}
    (h1, lp1), (h2, lp2) = _train_once(splits), _train_once(splits)
    assert [h["step"] for h in h1] == [0, 5, 10, 12]
    strip = [{k: v for k, v in h.items() if k != "seconds"} for h in h1]
    assert strip == [{k: v for k, v in h.items() if k != "seconds"} for h in h2]
    assert torch.equal(lp1, lp2) and len(lp1) == 79
