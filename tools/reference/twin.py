"""PyTorch twins of the policy models Agent.Host loads, with the real modules' structure and names.

- CleanRlAgent: CleanRL's ppo_atari_lstm.py `Agent` (network / lstm / actor / critic), get_states copied.
- RecurrentCnnLstmPolicy: SB3-contrib RecurrentPPO's CnnLstmPolicy (RecurrentActorCriticPolicy with NatureCNN):
  features_extractor (+ pi_/vf_features_extractor aliases), lstm_actor, lstm_critic, mlp_extractor with empty
  policy_net / value_net (net_arch=[] for NatureCNN), action_net, value_net; _process_sequence copied.
- OursPolicy: the repository's own layout (docs/MODEL_FORMAT.md): encoder / memory / critic_memory / actor / critic.

Used by fixtures_models.py (Debian's /usr/bin/python3 with python3-torch); tests never need torch.
"""

import torch
import torch.nn as nn


# ---------------------------------------------------------------- CleanRL ppo_atari_lstm
class CleanRlAgent(nn.Module):
    """ppo_atari_lstm.Agent; channels is the frame-stack depth (1 in the script), features 512 and hidden 128 there."""

    def __init__(self, n_actions, channels=1, flat=64 * 7 * 7, features=512, hidden=128):
        super().__init__()
        self.network = nn.Sequential(
            nn.Conv2d(channels, 32, 8, stride=4),
            nn.ReLU(),
            nn.Conv2d(32, 64, 4, stride=2),
            nn.ReLU(),
            nn.Conv2d(64, 64, 3, stride=1),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(flat, features),
            nn.ReLU(),
        )
        self.lstm = nn.LSTM(features, hidden)
        self.actor = nn.Linear(hidden, n_actions)
        self.critic = nn.Linear(hidden, 1)

    def get_states(self, x, lstm_state, done):
        hidden = self.network(x / 255.0)

        # LSTM logic
        batch_size = lstm_state[0].shape[1]
        hidden = hidden.reshape((-1, batch_size, self.lstm.input_size))
        done = done.reshape((-1, batch_size))
        new_hidden = []
        for h, d in zip(hidden, done):
            h, lstm_state = self.lstm(
                h.unsqueeze(0),
                (
                    (1.0 - d).view(1, -1, 1) * lstm_state[0],
                    (1.0 - d).view(1, -1, 1) * lstm_state[1],
                ),
            )
            new_hidden += [h]
        new_hidden = torch.flatten(torch.cat(new_hidden), 0, 1)
        return new_hidden, lstm_state

    def forward_sequence(self, frames, episode_starts, lstm_state):
        """frames (T, B, C, H, W) float 0..255; episode_starts (T, B) → logits (T,B,n), values (T,B), state."""
        t, b = frames.shape[:2]
        hidden, state = self.get_states(frames.reshape(t * b, *frames.shape[2:]), lstm_state, episode_starts.reshape(-1))
        return self.actor(hidden).reshape(t, b, -1), self.critic(hidden).reshape(t, b), state


# ---------------------------------------------------------------- SB3-contrib RecurrentPPO CnnLstmPolicy
class NatureCNN(nn.Module):
    """stable_baselines3.common.torch_layers.NatureCNN."""

    def __init__(self, n_input_channels, n_flatten, features_dim=512):
        super().__init__()
        self.cnn = nn.Sequential(
            nn.Conv2d(n_input_channels, 32, kernel_size=8, stride=4, padding=0),
            nn.ReLU(),
            nn.Conv2d(32, 64, kernel_size=4, stride=2, padding=0),
            nn.ReLU(),
            nn.Conv2d(64, 64, kernel_size=3, stride=1, padding=0),
            nn.ReLU(),
            nn.Flatten(),
        )
        self.linear = nn.Sequential(nn.Linear(n_flatten, features_dim), nn.ReLU())

    def forward(self, observations):
        return self.linear(self.cnn(observations))


class MlpExtractor(nn.Module):
    """stable_baselines3 MlpExtractor with net_arch=[] (CnnLstmPolicy's default): both nets are empty Sequentials."""

    def __init__(self):
        super().__init__()
        self.policy_net = nn.Sequential()
        self.value_net = nn.Sequential()

    def forward_actor(self, features):
        return self.policy_net(features)

    def forward_critic(self, features):
        return self.value_net(features)


class RecurrentCnnLstmPolicy(nn.Module):
    """sb3_contrib RecurrentActorCriticPolicy as CnnLstmPolicy builds it (shared features extractor,
    enable_critic_lstm=True, shared_lstm=False, n_lstm_layers=1, Discrete actions)."""

    def __init__(self, n_actions, channels=4, n_flatten=64 * 7 * 7, features_dim=512, lstm_hidden_size=256):
        super().__init__()
        self.features_extractor = NatureCNN(channels, n_flatten, features_dim)
        self.pi_features_extractor = self.features_extractor
        self.vf_features_extractor = self.features_extractor
        self.mlp_extractor = MlpExtractor()
        self.action_net = nn.Linear(lstm_hidden_size, n_actions)
        self.value_net = nn.Linear(lstm_hidden_size, 1)
        self.lstm_actor = nn.LSTM(features_dim, lstm_hidden_size, num_layers=1)
        self.lstm_critic = nn.LSTM(features_dim, lstm_hidden_size, num_layers=1)

    @staticmethod
    def _process_sequence(features, lstm_states, episode_starts, lstm):
        n_seq = lstm_states[0].shape[1]
        features_sequence = features.reshape((n_seq, -1, lstm.input_size)).swapaxes(0, 1)
        episode_starts = episode_starts.reshape((n_seq, -1)).swapaxes(0, 1)
        if torch.all(episode_starts == 0.0):
            lstm_output, lstm_states = lstm(features_sequence, lstm_states)
            lstm_output = torch.flatten(lstm_output.transpose(0, 1), start_dim=0, end_dim=1)
            return lstm_output, lstm_states
        lstm_output = []
        for features, episode_start in zip(features_sequence, episode_starts):
            hidden, lstm_states = lstm(
                features.unsqueeze(dim=0),
                (
                    (1.0 - episode_start).view(1, n_seq, 1) * lstm_states[0],
                    (1.0 - episode_start).view(1, n_seq, 1) * lstm_states[1],
                ),
            )
            lstm_output += [hidden]
        lstm_output = torch.flatten(torch.cat(lstm_output).transpose(0, 1), start_dim=0, end_dim=1)
        return lstm_output, lstm_states

    def forward(self, obs, lstm_states_pi, lstm_states_vf, episode_starts):
        """One rollout step as RecurrentPPO.collect_rollouts calls it: obs (B, C, H, W) uint8-valued floats."""
        features = self.features_extractor(obs.float() / 255.0)
        latent_pi, lstm_states_pi = self._process_sequence(features, lstm_states_pi, episode_starts, self.lstm_actor)
        latent_vf, lstm_states_vf = self._process_sequence(features, lstm_states_vf, episode_starts, self.lstm_critic)
        latent_pi = self.mlp_extractor.forward_actor(latent_pi)
        latent_vf = self.mlp_extractor.forward_critic(latent_vf)
        return self.action_net(latent_pi), self.value_net(latent_vf).flatten(), lstm_states_pi, lstm_states_vf


# ---------------------------------------------------------------- ours
class OursNatureCnn(nn.Module):
    def __init__(self, channels, flat, features):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 32, 8, stride=4)
        self.conv2 = nn.Conv2d(32, 64, 4, stride=2)
        self.conv3 = nn.Conv2d(64, 64, 3, stride=1)
        self.linear = nn.Linear(flat, features)

    def forward(self, x):
        x = torch.relu(self.conv3(torch.relu(self.conv2(torch.relu(self.conv1(x))))))
        return torch.relu(self.linear(x.flatten(1)))


class OursMlp(nn.Module):
    """fc0..fc{k-1}: Linear + activation each (SB3's MlpExtractor style)."""

    def __init__(self, inputs, layers, activation):
        super().__init__()
        self.act = {"tanh": torch.tanh, "relu": torch.relu}[activation]
        sizes = [inputs] + list(layers)
        for i in range(len(layers)):
            setattr(self, f"fc{i}", nn.Linear(sizes[i], sizes[i + 1]))
        self.count = len(layers)

    def forward(self, x):
        for i in range(self.count):
            x = self.act(getattr(self, f"fc{i}")(x))
        return x


CELLS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


class OursPolicy(nn.Module):
    """config is the agent.config JSON object (docs/MODEL_FORMAT.md)."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        enc, mem, act = config["encoder"], config["memory"], config["action"]
        if enc["kind"] == "nature_cnn":
            flat = 64 * nature_cnn_out(enc["height"]) * nature_cnn_out(enc["width"])
            self.encoder = OursNatureCnn(enc["channels"], flat, enc["features"])
            features = enc["features"]
        else:
            self.encoder = OursMlp(enc["inputs"], enc["layers"], enc["activation"])
            features = enc["layers"][-1]
        cell = CELLS[mem["cell"]]
        self.memory = cell(features, mem["hidden"], num_layers=mem["layers"])
        if mem["critic_memory"]:
            self.critic_memory = cell(features, mem["hidden"], num_layers=mem["layers"])
        width = sum(act["sizes"])
        self.actor = nn.Linear(mem["hidden"], width)
        if act["kind"] == "box":
            self.actor.log_std = nn.Parameter(torch.randn(width) * 0.3)
        self.critic = nn.Linear(mem["hidden"], 1)

    def step(self, x, episode_start, state, critic_state):
        """x (B, ...) already scaled; episode_start (B); state as the cell's (h,) or (h, c)."""
        features = self.encoder(x)
        mask = (1.0 - episode_start).view(1, -1, 1)
        state = tuple(s * mask for s in state)
        out, state = self.memory(features.unsqueeze(0), state[0] if len(state) == 1 else state)
        state = (state,) if torch.is_tensor(state) else state
        latent_pi = out[0]
        if self.config["memory"]["critic_memory"]:
            critic_state = tuple(s * mask for s in critic_state)
            out_vf, critic_state = self.critic_memory(features.unsqueeze(0), critic_state[0] if len(critic_state) == 1 else critic_state)
            critic_state = (critic_state,) if torch.is_tensor(critic_state) else critic_state
            latent_vf = out_vf[0]
        else:
            latent_vf = latent_pi
        return self.actor(latent_pi), self.critic(latent_vf).flatten(), state, critic_state


def nature_cnn_out(size):
    """Spatial size after NatureCNN's three convolutions."""
    size = (size - 8) // 4 + 1
    size = (size - 4) // 2 + 1
    return size - 3 + 1


def round_parameters(module, dtype):
    """Rounds every parameter to the storage dtype, so the twin computes with exactly what the file holds."""
    torch_dtype = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}[dtype]
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(p.to(torch_dtype).to(torch.float32))


def unique_state_dict(module):
    """state_dict without aliases: SB3's pi_/vf_features_extractor share features_extractor's tensors."""
    seen, out = set(), {}
    for name, t in module.state_dict().items():
        key = (t.data_ptr(), tuple(t.shape))
        if key in seen:
            continue
        seen.add(key)
        out[name] = t
    return out
