import numpy as np
from sklearn.linear_model import LogisticRegression
from feats import *

def cz(z): return z - z.mean(-1, keepdims=True)
def l2(x): return x / np.linalg.norm(x, axis=-1, keepdims=True)

FEATS = {
    "zc": lambda r: cz(r["z"]),
    "z": lambda r: r["z"],
    "z+lex": lambda r: np.concatenate([r["z"], r["lex"]], -1),
    "zc+lex": lambda r: np.concatenate([cz(r["z"]), r["lex"]], -1),
    "lex": lambda r: r["lex"],
    "z+ov+neg": lambda r: np.concatenate([r["z"], r["lex"][:, :2]], -1),
    "uv": lambda r: r["u"] * r["v"],
    "absdiff": lambda r: np.abs(r["u"] - r["v"]),
    "uv+absdiff": lambda r: np.concatenate([r["u"] * r["v"], np.abs(r["u"] - r["v"])], -1),
    "rel_all": lambda r: np.concatenate([r["u"] * r["v"], np.abs(r["u"] - r["v"]), r["u"] * r["rc"], r["u"] * r["rn"]], -1),
}

def std_fit(x):
    m, s = x.mean(0), x.std(0) + 1e-6
    return lambda a: (a - m) / s

def acc(p, y): return float((p == y).mean())

def proto(xtr, ytr, q, metric="euclid"):
    P = np.stack([xtr[ytr == c].mean(0) for c in range(3)])
    if metric == "cos":
        return l2(q) @ l2(P).T
    return -((q[:, None, :] - P[None]) ** 2).sum(-1)

def lda(xtr, ytr, q, shrink):
    P = np.stack([xtr[ytr == c].mean(0) for c in range(3)])
    R = xtr - P[ytr]
    S = R.T @ R / len(R)
    d = S.shape[0]
    S = (1 - shrink) * S + shrink * np.trace(S) / d * np.eye(d)
    Si = np.linalg.inv(S)
    D = q[:, None, :] - P[None]
    return -np.einsum("nci,ij,ncj->nc", D, Si, D)

def knn(xtr, ytr, q, k):
    d = ((q[:, None, :] - xtr[None]) ** 2).sum(-1)
    idx = np.argsort(d, 1)[:, :k]
    votes = np.zeros((len(q), 3))
    for c in range(3): votes[:, c] = (ytr[idx] == c).sum(1)
    return votes - 1e-6 * np.take_along_axis(d, idx, 1).mean(1, keepdims=True) * 0  # ties: lowest label

def select(cands, dev_y):
    """cands: list of (param, dev_scores, eval_scores); first best dev acc wins."""
    best = max(range(len(cands)), key=lambda i: (acc(cands[i][1].argmax(-1), dev_y), -i))
    p, ds, es = cands[best]
    return p, acc(ds.argmax(-1), dev_y), es

def design(kind, feat, standardize=True):
    def run(tr, dv, ev):
        f = FEATS[feat]
        xtr, xdv, xev = f(tr), f(dv), f(ev)
        if standardize:
            s = std_fit(xtr); xtr, xdv, xev = s(xtr), s(xdv), s(xev)
        y = tr["y"]
        if kind == "proto":
            return None, proto(xtr, y, xdv), proto(xtr, y, xev)
        if kind == "proto_cos":
            return None, proto(xtr, y, xdv, "cos"), proto(xtr, y, xev, "cos")
        if kind == "lda":
            return [(s_, lda(xtr, y, xdv, s_), lda(xtr, y, xev, s_)) for s_ in (0.1, 0.3, 0.5, 0.7, 0.9, 1.0)]
        if kind == "knn":
            return [(k, knn(xtr, y, xdv, k), knn(xtr, y, xev, k)) for k in (1, 3, 5, 7, 9, 15)]
        if kind == "logreg":
            out = []
            for C in (0.01, 0.1, 1.0, 10.0, 100.0):
                clf = LogisticRegression(C=C, max_iter=3000).fit(xtr, y)
                out.append((C, clf.decision_function(xdv), clf.decision_function(xev)))
            return out
        if kind == "proto_mixz":  # prototype distance mixed with the centred zero-shot scores
            pd, pe = proto(xtr, y, xdv), proto(xtr, y, xev)
            zd, ze = cz(dv["z"]), cz(ev["z"])
            sd = np.abs(pd - pd.mean(-1, keepdims=True)).mean() / np.abs(zd).mean()
            return [(m, (1 - m) * zd * sd + m * pd, (1 - m) * ze * sd + m * pe) for m in np.linspace(0, 1, 11)]
        raise ValueError(kind)
    return run

def run_design(fn, evname, seeds=SEEDS, cache={}):
    res = []
    for seed in seeds:
        key = ("s", seed)
        if key not in cache:
            sp = splits(seed); cache[key] = (raw(sp.train), raw(sp.dev))
        if evname not in cache: cache[evname] = raw(evalset(evname))
        tr, dv = cache[key]; ev = cache[evname]
        out = fn(tr, dv, ev)
        if isinstance(out, tuple):
            p, dacc, es = out[0], acc(out[1].argmax(-1), dv["y"]), out[2]
        else:
            p, dacc, es = select(out, dv["y"])
        res.append((seed, p, dacc, acc(es.argmax(-1), ev["y"])))
    return res

def summary(res):
    d = np.array([r[2] for r in res]) * 100; e = np.array([r[3] for r in res]) * 100
    return f"dev {d.mean():.1f}±{d.std(ddof=1):.1f}  eval {e.mean():.1f}±{e.std(ddof=1):.1f}  params {[r[1] for r in res]}  per-seed {np.round(e,1).tolist()}"

def zero(tr, dv, ev): return None, dv["z"], ev["z"]
def anchor(tr, dv, ev):
    return None, proto(cz(tr["z"]), tr["y"], cz(dv["z"])), proto(cz(tr["z"]), tr["y"], cz(ev["z"]))

def block_scores(tr, q, feat, kind, std=True):
    f = FEATS[feat]; xtr, xq = f(tr), f(q)
    if std:
        s = std_fit(xtr); xtr, xq = s(xtr), s(xq)
    sc = proto(xtr, tr["y"], xq, "cos" if kind == "cos" else "euclid")
    return sc - sc.mean(-1, keepdims=True)

def combo(blocks, weights_grid=None):
    """blocks: list of (feat, kind) or 'zc'; each block's centred scores scaled by mean |.| on dev."""
    def run(tr, dv, ev):
        sd, se = [], []
        for b in blocks:
            if b == "zc":
                d, e = cz(dv["z"]), cz(ev["z"])
            else:
                d, e = block_scores(tr, dv, *b), block_scores(tr, ev, *b)
            scale = np.abs(d).mean()
            sd.append(d / scale); se.append(e / scale)
        if weights_grid is None:
            return None, sum(sd), sum(se)
        return [(w, sum(wi * x for wi, x in zip(w, sd)), sum(wi * x for wi, x in zip(w, se))) for w in weights_grid]
    return run

FEATS["z+lex+absdiff"] = lambda r: np.concatenate([r["z"], r["lex"], np.abs(r["u"] - r["v"])], -1)
FEATS["zc+lex+absdiff"] = lambda r: np.concatenate([cz(r["z"]), r["lex"], np.abs(r["u"] - r["v"])], -1)

def swap_cv(fn, seeds=SEEDS, cache={}):
    """mean over seeds of (train->dev acc + dev->train acc)/2: a fixed design's 16-shot score."""
    out = []
    for seed in seeds:
        if seed not in cache:
            sp = splits(seed); cache[seed] = (raw(sp.train), raw(sp.dev))
        a, b = cache[seed]
        r1, r2 = fn(a, b, b), fn(b, a, a)
        out.append((acc(r1[2].argmax(-1), b["y"]) + acc(r2[2].argmax(-1), a["y"])) / 2)
    return 100 * np.mean(out)
