"""Policy search by evolution strategies: CartPole (quick tests) and MuJoCo locomotion (Hopper,
HalfCheetah), ES (Salimans et al. 2017), ARS (Mania et al. 2018) and the hierarchical swarm tuning
them, compared at equal environment steps; the swarm's trials spread over execution backends.

Only numpy and gymnasium (+ mujoco) are needed to train: config.py (pydantic) is read by the stages,
and runner.py runs the research grid from a JSON spec without it."""
