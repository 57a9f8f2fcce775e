"""gymnasium.envs: the registry lives in gymnasium.envs.registration."""
