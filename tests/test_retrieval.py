"""EpisodicMemory + Retrieval give the retired KeyValueMemory's retrievals for the same writes:
every similarity, top-k, label evidence, read and use record, and the slots evictions free.

tests/fixtures/retrieval_golden.safetensors holds KeyValueMemory's outputs for the sequence below:
a one-off script ran the same sequence through hsokv/memory.py as of commit f767250 (the parent of
its deletion), asserted every output equal to `replay`'s, and saved them.
"""
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from hsokv.benchmarks.words.lifecycle import Lifecycle, record_use
from hsokv.episodic import EpisodicMemory
from hsokv.retrieval import Retrieval, has_label

GOLDEN = Path(__file__).parent / "fixtures" / "retrieval_golden.safetensors"
# 21 slots, 7 writes a step: full after three steps, so every later write evicts from a full
# memory. (KeyValueMemory also "evicted" free slots when a write found some but not enough: its
# sort key overflowed. EpisodicMemory takes the free slots first: tests/test_memory.py.)
DIM, CAP, WIDTH, LABELS = 8, 21, 5, 6
CASES = [(sim, k, agg, ev) for ev in ("lru", "fifo")
         for sim, k, agg in [("dot", 1, "weighted"), ("cosine", 1, "weighted"), ("dot", 3, "weighted"),
                             ("cosine", 5, "mean")]]


def _case_name(case) -> str:
    return "-".join(map(str, case))


def replay(similarity, top_k, aggregation, eviction) -> dict[str, torch.Tensor]:
    """Six steps of writes, queries and use records (a removal at the end); every output, named."""
    g = torch.Generator().manual_seed(0)
    values = {"tokens": ((WIDTH,), torch.long), "label": ((), torch.long), "source": ((), torch.long)}
    memory, retrieval = EpisodicMemory(CAP, values, DIM, eviction, [Lifecycle()]), Retrieval(similarity, top_k, 0.5, aggregation)
    out = {}
    for step in range(6):
        n = 7
        keys, labels = torch.randn(n, DIM, generator=g), torch.randint(0, LABELS, (n,), generator=g)
        tokens, sources = torch.randint(1, 30, (n, WIDTH - 1), generator=g), torch.arange(n) + 10 * step
        conf, first = torch.rand(n, generator=g), torch.rand(n, generator=g) > 0.5
        memory.add(keys, step, label=labels, source=sources, tokens=torch.nn.functional.pad(tokens, (0, 1)),
                   confidence=conf, first_exposure=first, domain=labels % 2)
        q, ex = torch.randn(5, DIM, generator=g), torch.randint(0, 60, (5, 2), generator=g)
        qlabels = torch.randint(0, LABELS, (5,), generator=g)
        out[f"{step}.similarities"] = retrieval.similarities(memory, q, ex)
        out[f"{step}.top_sims"], out[f"{step}.top_slots"] = retrieval.retrieve(memory, q, 3)
        out[f"{step}.label_logits"], out[f"{step}.has_any"] = retrieval.label_logits(memory, q, LABELS, ex)
        out[f"{step}.read"], out[f"{step}.read_found"] = retrieval.read(memory, q, ex)
        out[f"{step}.has_label"] = has_label(memory, qlabels, ex)
        out[f"{step}.used_slots"], out[f"{step}.used_hit"] = record_use(retrieval, memory, q, qlabels, step, ex)
        if step == 5:
            memory.remove(torch.tensor([1, 5]))
        out[f"{step}.counts"] = memory.counts.clone()
        if step in (2, 5):  # the state when first full, and at the end
            out[f"{step}.filled"], out[f"{step}.keys"] = memory.filled.clone(), memory.keys.clone()
            for name in ("label", "source", "uses", "successes", "last_used_step", "tokens"):
                out[f"{step}.{name}"] = memory.value(name).clone()
    memory.refresh_keys(lambda t: t.float()[:, :1].expand(-1, DIM))
    out["refreshed_keys"] = memory.keys.clone()
    return {k: v.contiguous() for k, v in out.items()}


@pytest.fixture
def one_thread():
    """The golden outputs were computed on one CPU thread: the same reduction order keeps the floats
    within rounding of them (bit for bit on that machine's CPU model; measured: 1-2 ulp on an AVX-512 Xeon)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("case", CASES, ids=_case_name)
def test_retrievals_equal_keyvaluememory_s(case, one_thread):
    golden = load_file(str(GOLDEN))
    name = _case_name(case)
    got = replay(*case)
    want = {k[len(name) + 1:]: v for k, v in golden.items() if k.startswith(name + ":")}
    assert sorted(got) == sorted(want)
    for key, value in want.items():
        if value.is_floating_point():   # another CPU's vector kernels may round the last bit otherwise
            torch.testing.assert_close(got[key], value, rtol=1e-6, atol=1e-6, msg=key)
        else:                           # slots, counts, masks: exactly
            assert torch.equal(got[key], value), key
    assert int(got["5.counts"][1]) > 0  # evictions happened
