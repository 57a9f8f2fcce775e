"""The sample envs under their checkout name (`serve.py --env samples.cue_memory:make`, run from envs/ or
through serve.py): each samples.X is agentrnn_envs.samples.X itself."""

import sys

from agentrnn_envs import samples
from agentrnn_envs.samples import cue_memory, episode_log, point_reach

for _module in (cue_memory, episode_log, point_reach):
    sys.modules[f"{__name__}.{_module.__name__.rsplit('.', 1)[1]}"] = _module
sys.modules[__name__] = samples
