import json, numpy as np
from designs import *
load_vecs()
out = {}
for ev in ("full_m", "full_mm"):
    for kind, feat in (("logreg", "zc+lex"), ("logreg", "z+lex"), ("lda", "z+lex")):
        res = run_design(design(kind, feat), ev)
        print(ev, kind, feat, summary(res), flush=True)
        out[f"{ev}/{kind}/{feat}"] = res
json.dump(out, open("peers_full.json", "w"), default=float)
