"""hsokv.fit: the same numbers as a hand-written loop; steps, hooks, extra loss terms, stopping."""
import pytest
import torch
import torch.nn.functional as F

from hsokv.fit import fit

X, Y = torch.randn(24, 5, generator=torch.Generator().manual_seed(0)), torch.arange(24) % 3


def _setup():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Dropout(0.2), torch.nn.Linear(8, 3))
    return model, torch.optim.AdamW(model.parameters(), lr=0.05)


def _batches(generator):
    return lambda epoch: torch.randperm(24, generator=generator).split(5)


def _loss(model):
    return lambda idx: F.cross_entropy(model(X[idx]), Y[idx])


def test_fit_equals_a_hand_written_loop():
    model, opt = _setup()
    g = torch.Generator().manual_seed(1)
    for _ in range(3):
        model.train()
        for idx in torch.randperm(24, generator=g).split(5):
            loss = F.cross_entropy(model(X[idx]), Y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
            opt.step()
    by_hand = [p.detach().clone() for p in model.parameters()]
    model, opt = _setup()
    assert fit(model, _batches(torch.Generator().manual_seed(1)), _loss(model), opt, epochs=3, grad_clip=0.5) == 15
    assert all(torch.equal(a, b) for a, b in zip(by_hand, model.parameters()))


class Recorder:
    def __init__(self, stop_at=None):
        self.steps, self.epochs, self.stop_at, self.stop = [], [], stop_at, False

    def after_step(self, step, batch, loss, output):
        self.steps.append(step)
        self.stop = step == self.stop_at

    def end_epoch(self, epoch, step):
        self.epochs.append((epoch, step))


def test_steps_hooks_and_stop():
    model, opt = _setup()
    rec = Recorder()
    assert fit(model, _batches(torch.Generator()), _loss(model), opt, steps=7, hooks=[rec], step=10) == 17
    assert rec.steps == list(range(10, 17)) and rec.epochs == [(0, 15)]  # 5 batches an epoch
    rec = Recorder(stop_at=2)
    assert fit(model, _batches(torch.Generator()), _loss(model), opt, epochs=4, hooks=[rec]) == 3
    with pytest.raises(ValueError, match="exactly one of epochs and steps"):
        fit(model, _batches(torch.Generator()), _loss(model), opt)


def test_an_extra_loss_term_changes_the_update():
    class Penalty:
        def extra_loss(self, batch, output):
            return 10.0 * output.pow(2).mean()

    results = []
    for hooks in ([], [Penalty()]):
        model, opt = _setup()
        loss = lambda idx: (F.cross_entropy(out := model(X[idx]), Y[idx]), out)  # noqa: E731
        fit(model, _batches(torch.Generator().manual_seed(1)), loss, opt, epochs=1, hooks=hooks)
        results.append(model[2].weight.detach().clone())
    assert not torch.allclose(*results)
