"""gymnasium.envs.registration: EnvSpec, registry, register, spec and make."""

import copy
import importlib
from dataclasses import dataclass, field

from gymnasium import error
from gymnasium.wrappers import TimeLimit


@dataclass
class EnvSpec:
    """What register() records for an env id."""

    id: str
    entry_point: object = None
    reward_threshold: float = None
    max_episode_steps: int = None
    kwargs: dict = field(default_factory=dict)


registry = {}


def register(id, entry_point=None, reward_threshold=None, max_episode_steps=None, **kwargs):
    registry[id] = EnvSpec(id, entry_point, reward_threshold, max_episode_steps, kwargs)


def _find_spec(env_id):
    module, env_name = (None, env_id) if ":" not in env_id else env_id.split(":")
    if module is not None:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as e:
            raise ModuleNotFoundError(f"{e}. Environment registration via importing a module failed. "
                                      f"Check whether '{module}' contains env registration and can be imported.") from e
    env_spec = registry.get(env_name)
    if env_spec is None:
        raise error.Error(f"No registered env with id: {env_name}. Did you register it, or import the package "
                          f"that registers it? Use `gymnasium.pprint_registry()` to see all of the registered environments.")
    return env_spec


def spec(env_id):
    env_spec = registry.get(env_id)
    if env_spec is None:
        raise error.Error(f"No registered env with id: {env_id}")
    return env_spec


def make(id, max_episode_steps=None, disable_env_checker=None, **kwargs):
    env_spec = _find_spec(id)
    env_kwargs = copy.deepcopy(env_spec.kwargs)
    env_kwargs.update(kwargs)
    creator = env_spec.entry_point
    if not callable(creator):
        mod_name, attr_name = creator.split(":")
        creator = getattr(importlib.import_module(mod_name), attr_name)
    env = creator(**env_kwargs)
    env.unwrapped.spec = env_spec
    steps = env_spec.max_episode_steps if max_episode_steps is None else max_episode_steps
    if steps is not None and steps != -1:
        env = TimeLimit(env, steps)
    return env
