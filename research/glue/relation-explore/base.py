from designs import *
load_vecs()
for name, fn in (("zero_shot", zero), ("hsokv_anchor", anchor)):
    print(name, summary(run_design(fn, "sub_m")))
