"""The PyTorch peer of `agent train ppo`: CleanRL's ppo_atari_lstm.py algorithm (recurrent minibatches of whole env
sequences, GAE, clipped objective and value loss, entropy bonus, global-norm clipping, Adam eps 1e-5, linear LR
annealing) with CleanRL's Agent (twin.CleanRlAgent: NatureCNN -> LSTM 128 -> actor, critic; orthogonal init), written
for this repository against the env socket protocol (envs/agentrnn_envs/client.py's RemoteVectorEnv) instead of
gymnasium + envpool. Frames are turned gray with cv2 (the env serves them at the model's side, so nothing is resized).

    python3 envs/serve.py --env samples.cue_memory:make --env-kwargs '{"delay": 6, "height": 36, "width": 36}' \\
        --num-envs 8 --port 5570 --autoreset same-step &
    /usr/bin/python3 tools/reference/train_ppo_lstm.py --env tcp://127.0.0.1:5570 --total-timesteps 8192

Prints one line per update and, at the end, "steps_per_second S" (CleanRL's SPS: env steps / seconds since the
first reset), which tools/reference/ab_train.sh compares with `agent train ppo`'s. Needs Debian's python3-torch,
numpy and cv2; the server's autoreset must be same-step (what gymnasium's vector envs did for CleanRL).
"""

import argparse
import os
import random
import sys
import time

import cv2
import numpy as np
import torch
import torch.nn as nn
from torch.distributions.categorical import Categorical

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "envs"))
from twin import CleanRlAgent, nature_cnn_out  # noqa: E402
from agentrnn_envs.client import RemoteVectorEnv  # noqa: E402


def parse():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--env", required=True, help="tcp://HOST:PORT or unix:PATH of a same-step autoreset server")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--total-timesteps", type=int, default=10_000_000)
    p.add_argument("--learning-rate", type=float, default=2.5e-4)
    p.add_argument("--num-steps", type=int, default=128)
    p.add_argument("--anneal-lr", type=lambda s: s.lower() in ("1", "true", "yes"), default=True)
    p.add_argument("--gamma", type=float, default=0.99)
    p.add_argument("--gae-lambda", type=float, default=0.95)
    p.add_argument("--num-minibatches", type=int, default=4)
    p.add_argument("--update-epochs", type=int, default=4)
    p.add_argument("--norm-adv", type=lambda s: s.lower() in ("1", "true", "yes"), default=True)
    p.add_argument("--clip-coef", type=float, default=0.1)
    p.add_argument("--clip-vloss", type=lambda s: s.lower() in ("1", "true", "yes"), default=True)
    p.add_argument("--ent-coef", type=float, default=0.01)
    p.add_argument("--vf-coef", type=float, default=0.5)
    p.add_argument("--max-grad-norm", type=float, default=0.5)
    p.add_argument("--target-kl", type=float, default=None)
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's own)")
    return p.parse_args()


def layer_init(layer, std=np.sqrt(2), bias_const=0.0):
    torch.nn.init.orthogonal_(layer.weight, std)
    torch.nn.init.constant_(layer.bias, bias_const)
    return layer


class Agent(CleanRlAgent):
    """CleanRL's Agent with its initialisation and its get_value / get_action_and_value."""

    def __init__(self, n_actions, side):
        super().__init__(n_actions, channels=1, flat=64 * nature_cnn_out(side) ** 2)
        for m in self.network:
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                layer_init(m)
        for name, param in self.lstm.named_parameters():
            if "bias" in name:
                nn.init.constant_(param, 0)
            elif "weight" in name:
                nn.init.orthogonal_(param, 1.0)
        layer_init(self.actor, std=0.01)
        layer_init(self.critic, std=1)

    def get_value(self, x, lstm_state, done):
        hidden, _ = self.get_states(x, lstm_state, done)
        return self.critic(hidden)

    def get_action_and_value(self, x, lstm_state, done, action=None):
        hidden, lstm_state = self.get_states(x, lstm_state, done)
        probs = Categorical(logits=self.actor(hidden))
        if action is None:
            action = probs.sample()
        return action, probs.log_prob(action), probs.entropy(), self.critic(hidden), lstm_state


def gray(frames):
    """(N, H, W, 3) uint8 RGB -> (N, 1, H, W) float tensor of cv2's gray."""
    batch = np.stack([cv2.cvtColor(np.ascontiguousarray(f), cv2.COLOR_RGB2GRAY) for f in np.asarray(frames)])
    return torch.from_numpy(batch).float().unsqueeze(1)


def main():
    a = parse()
    random.seed(a.seed)
    np.random.seed(a.seed)
    torch.manual_seed(a.seed)
    if a.threads:
        torch.set_num_threads(a.threads)
    envs = RemoteVectorEnv(a.env)
    if envs.autoreset_mode != "same-step":
        sys.exit(f"{a.env}: autoreset is {envs.autoreset_mode}; serve with --autoreset same-step")
    n = envs.num_envs
    shape = tuple(envs.single_observation_space.shape)
    if len(shape) != 3 or shape[0] != shape[1] or shape[2] != 3:
        sys.exit(f"{a.env}: observations {shape}; this peer needs square RGB frames")
    side = shape[0]
    n_actions = int(envs.single_action_space.n)
    batch_size = n * a.num_steps
    minibatch_envs = n // a.num_minibatches
    num_updates = max(1, a.total_timesteps // batch_size)

    agent = Agent(n_actions, side)
    optimizer = torch.optim.Adam(agent.parameters(), lr=a.learning_rate, eps=1e-5)
    obs = torch.zeros((a.num_steps, n, 1, side, side))
    actions = torch.zeros((a.num_steps, n))
    logprobs = torch.zeros((a.num_steps, n))
    rewards = torch.zeros((a.num_steps, n))
    dones = torch.zeros((a.num_steps, n))
    values = torch.zeros((a.num_steps, n))

    global_step = 0
    start_time = time.time()
    first, _ = envs.reset(seed=a.seed)
    next_obs = gray(first)
    next_done = torch.zeros(n)
    hidden = agent.lstm.hidden_size
    next_lstm_state = (torch.zeros(1, n, hidden), torch.zeros(1, n, hidden))
    episode_return = np.zeros(n)
    for update in range(1, num_updates + 1):
        initial_lstm_state = (next_lstm_state[0].clone(), next_lstm_state[1].clone())
        if a.anneal_lr:
            optimizer.param_groups[0]["lr"] = (1.0 - (update - 1.0) / num_updates) * a.learning_rate
        finished = []
        rollout_start = time.time()
        for step in range(a.num_steps):
            global_step += n
            obs[step] = next_obs
            dones[step] = next_done
            with torch.no_grad():
                action, logprob, _, value, next_lstm_state = agent.get_action_and_value(next_obs, next_lstm_state, next_done)
                values[step] = value.flatten()
            actions[step] = action
            logprobs[step] = logprob
            frames, reward, terminated, truncated, _ = envs.step(action.numpy())
            done = np.logical_or(terminated, truncated)
            rewards[step] = torch.as_tensor(reward, dtype=torch.float32)
            next_obs, next_done = gray(frames), torch.as_tensor(done, dtype=torch.float32)
            episode_return += reward
            for i in np.nonzero(done)[0]:
                finished.append(episode_return[i])
                episode_return[i] = 0
        rollout_seconds = time.time() - rollout_start

        with torch.no_grad():
            next_value = agent.get_value(next_obs, next_lstm_state, next_done).reshape(1, -1)
            advantages = torch.zeros_like(rewards)
            lastgaelam = 0
            for t in reversed(range(a.num_steps)):
                if t == a.num_steps - 1:
                    nextnonterminal = 1.0 - next_done
                    nextvalues = next_value
                else:
                    nextnonterminal = 1.0 - dones[t + 1]
                    nextvalues = values[t + 1]
                delta = rewards[t] + a.gamma * nextvalues * nextnonterminal - values[t]
                advantages[t] = lastgaelam = delta + a.gamma * a.gae_lambda * nextnonterminal * lastgaelam
            returns = advantages + values

        b_obs = obs.reshape((-1, 1, side, side))
        b_logprobs = logprobs.reshape(-1)
        b_actions = actions.reshape(-1)
        b_dones = dones.reshape(-1)
        b_advantages = advantages.reshape(-1)
        b_returns = returns.reshape(-1)
        b_values = values.reshape(-1)
        envinds = np.arange(n)
        flatinds = np.arange(batch_size).reshape(a.num_steps, n)
        clipfracs = []
        for _ in range(a.update_epochs):
            np.random.shuffle(envinds)
            for start in range(0, n, minibatch_envs):
                mbenvinds = envinds[start:start + minibatch_envs]
                mb_inds = flatinds[:, mbenvinds].ravel()
                _, newlogprob, entropy, newvalue, _ = agent.get_action_and_value(
                    b_obs[mb_inds], (initial_lstm_state[0][:, mbenvinds], initial_lstm_state[1][:, mbenvinds]),
                    b_dones[mb_inds], b_actions.long()[mb_inds])
                logratio = newlogprob - b_logprobs[mb_inds]
                ratio = logratio.exp()
                with torch.no_grad():
                    approx_kl = ((ratio - 1) - logratio).mean()
                    clipfracs += [((ratio - 1.0).abs() > a.clip_coef).float().mean().item()]
                mb_advantages = b_advantages[mb_inds]
                if a.norm_adv:
                    mb_advantages = (mb_advantages - mb_advantages.mean()) / (mb_advantages.std() + 1e-8)
                pg_loss = torch.max(-mb_advantages * ratio,
                                    -mb_advantages * torch.clamp(ratio, 1 - a.clip_coef, 1 + a.clip_coef)).mean()
                newvalue = newvalue.view(-1)
                if a.clip_vloss:
                    v_unclipped = (newvalue - b_returns[mb_inds]) ** 2
                    v_clipped = b_values[mb_inds] + torch.clamp(newvalue - b_values[mb_inds], -a.clip_coef, a.clip_coef)
                    v_loss = 0.5 * torch.max(v_unclipped, (v_clipped - b_returns[mb_inds]) ** 2).mean()
                else:
                    v_loss = 0.5 * ((newvalue - b_returns[mb_inds]) ** 2).mean()
                entropy_loss = entropy.mean()
                loss = pg_loss - a.ent_coef * entropy_loss + v_loss * a.vf_coef
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), a.max_grad_norm)
                optimizer.step()
            if a.target_kl is not None and approx_kl > a.target_kl:
                break
        seconds = time.time() - start_time
        mean_return = float(np.mean(finished)) if finished else float("nan")
        print(f"update {update}/{num_updates}  step {global_step}  {global_step / seconds:.0f} steps/s  return {mean_return:.3f} "
              f"({len(finished)} ep)  pg {pg_loss.item():.4f}  v {v_loss.item():.4f}  ent {entropy_loss.item():.3f}  "
              f"rollout {rollout_seconds:.1f}s", file=sys.stderr, flush=True)
    envs.close()
    print(f"steps_per_second {global_step / (time.time() - start_time):.1f}  steps {global_step}  torch_threads {torch.get_num_threads()}")


if __name__ == "__main__":
    main()
