#!/usr/bin/env python3
"""Serves Gymnasium-style environments over the AgentRnn env protocol (PROTOCOL.md).

    python3 envs/serve.py --env MODULE:FACTORY [--env-kwargs JSON] [--num-envs N]
                          [--host 127.0.0.1] [--port P | --unix PATH] [--autoreset next-step]

FACTORY(**kwargs) must return an object with Gymnasium's methods and spaces (duck-typed:
reset(seed=, options=) -> (obs, info), step(action) -> (obs, reward, terminated, truncated, info),
observation_space, action_space, optionally close()); gymnasium itself is not required.
Every connection gets its own N envs; a client that vanishes mid-episode only loses its own.
The first line on stdout is "listening on ADDRESS" (with the real port when --port 0).
"""

import argparse
import importlib
import importlib.util
import json
import os
import signal
import socket
import stat
import sys
import threading
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import envproto as ep  # noqa: E402  (the bridge runs from a checkout, not an installed package)


HANDSHAKE_TIMEOUT = 30.0


def load_factory(spec):
    module_name, sep, attr = spec.rpartition(":")
    if not sep or not module_name or not attr:
        raise SystemExit(f"error: --env {spec!r} is not MODULE:FACTORY")
    if module_name.endswith(".py"):
        mod_spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(module_name))[0],
                                                          module_name)
        if mod_spec is None or not os.path.exists(module_name):
            raise SystemExit(f"error: --env file {module_name!r} does not exist")
        module = importlib.util.module_from_spec(mod_spec)
        mod_spec.loader.exec_module(module)
    else:
        if os.getcwd() not in sys.path:
            sys.path.append(os.getcwd())
        module = importlib.import_module(module_name)
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise SystemExit(f"error: {module_name} has no callable {attr!r}")
    return factory


class VectorHost:
    """N duck-typed envs stepped in lockstep with Gymnasium's autoreset semantics."""

    def __init__(self, envs, autoreset):
        self.envs = envs
        self.autoreset = autoreset
        self.observation_space = ep.to_space(envs[0].observation_space)
        self.action_space = ep.to_space(envs[0].action_space)
        self.pending = [False] * len(envs)  # next-step mode: env finished, resets on its next step
        self.last_obs = [None] * len(envs)

    def _reset_one(self, i, seed, options):
        out = self.envs[i].reset(seed=seed, options=options)
        obs, info = out if isinstance(out, tuple) and len(out) == 2 else (out, {})
        self.pending[i] = False
        self.last_obs[i] = obs
        return obs, dict(info or {})

    def reset(self, seed, options, mask):
        infos = [{} for _ in self.envs]
        for i in range(len(self.envs)):
            if mask is None or mask[i]:
                _, infos[i] = self._reset_one(i, None if seed is None else seed + i, options)
        return list(self.last_obs), infos

    def step(self, actions):
        n = len(self.envs)
        obs, rewards, flags, finals, infos = [None] * n, [0.0] * n, [0] * n, [], [{} for _ in range(n)]
        for i, env in enumerate(self.envs):
            if self.pending[i]:
                obs[i], infos[i] = self._reset_one(i, None, None)
                flags[i] = ep.F_RESET
                continue
            out = env.step(actions[i])
            if len(out) == 5:
                o, r, term, trunc, info = out
            else:  # old gym: (obs, reward, done, info)
                o, r, done, info = out
                trunc = bool(info.get("TimeLimit.truncated", False)) if isinstance(info, dict) else False
                term = bool(done) and not trunc
            info = dict(info or {})
            rewards[i] = float(r)
            flags[i] = (ep.F_TERMINATED if term else 0) | (ep.F_TRUNCATED if trunc else 0)
            obs[i], infos[i], self.last_obs[i] = o, info, o
            if term or trunc:
                if self.autoreset == 0:
                    self.pending[i] = True
                elif self.autoreset == 1:
                    finals.append(o)
                    obs[i], reset_info = self._reset_one(i, None, None)
                    infos[i] = dict(reset_info, final_info=info)
                    flags[i] |= ep.F_FINAL | ep.F_RESET
        return obs, rewards, flags, finals, infos

    def close(self):
        for env in self.envs:
            close = getattr(env, "close", None)
            if callable(close):
                try:
                    close()
                except Exception:  # closing is best effort: the connection is gone either way
                    pass


def _frame_bytes(space, num_envs):
    return sum(ep.DTYPES[ep.DTYPE_CODES[leaf.dtype]][2] * ep._prod(leaf.shape) for leaf in ep.leaves(space)) * num_envs


def serve_connection(sock, factory, kwargs, num_envs, autoreset, server_max, name, log):
    conn = ep.Connection(sock, server_max)
    host = None
    try:
        sock.settimeout(HANDSHAKE_TIMEOUT)  # a peer that connects and says nothing must not pin a thread forever
        mtype, payload = conn.recv(ep.HELLO_LIMIT)
        if mtype != ep.HELLO:
            raise ep.ProtocolError(f"expected HELLO, got message type {mtype} at byte 4", ep.E_UNEXPECTED)
        version, client_max = ep.decode_hello(payload)
        if version != ep.VERSION:
            raise ep.ProtocolError(f"protocol version mismatch: the client speaks version {version}, "
                                   f"this server speaks version {ep.VERSION}", ep.E_VERSION)
        if client_max < ep.MIN_MAX_MESSAGE:
            raise ep.ProtocolError(f"HELLO max_message_size {client_max} is below {ep.MIN_MAX_MESSAGE} at byte 11")
        conn.max_message = min(client_max, server_max)
        try:
            host = VectorHost([factory(**kwargs) for _ in range(num_envs)], autoreset)
        except Exception as e:
            conn.send(ep.error_msg(ep.E_ENV, f"creating the env failed: {type(e).__name__}: {e}"))
            return
        worst = 2 * _frame_bytes(host.observation_space, num_envs) + 64 * num_envs + 1024
        if worst > conn.max_message:
            conn.send(ep.error_msg(ep.E_TOO_LARGE, f"a step result of {num_envs} envs can take {worst} bytes, more "
                                                   f"than the negotiated maximum message size {conn.max_message}"))
            return
        conn.send(ep.spec(host.observation_space, host.action_space, num_envs, autoreset, conn.max_message,
                          {"env": name, "num_envs": num_envs}))
        sock.settimeout(None)  # trainers may pause between steps for as long as they like
        started = False
        while True:
            try:
                mtype, payload = conn.recv()
            except EOFError:
                return
            if mtype == ep.CLOSE:
                return
            try:
                if mtype == ep.RESET:
                    seed, options, mask = ep.decode_reset(payload, num_envs)
                    obs, infos = host.reset(seed, options, mask)
                    reply = ep.reset_result(host.observation_space, obs, infos)
                    started = True
                elif mtype == ep.STEP:
                    if not started:
                        raise ep.ProtocolError("STEP before the first RESET", ep.E_UNEXPECTED)
                    actions = ep.decode_step(payload, host.action_space, num_envs)
                    reply = ep.step_result(host.observation_space, *host.step(actions))
                else:
                    raise ep.ProtocolError(f"unexpected message type {mtype} after the handshake at byte 4",
                                           ep.E_UNEXPECTED)
            except ep.ProtocolError:
                raise
            except Exception as e:
                log(f"env raised: {traceback.format_exc()}")
                conn.send(ep.error_msg(ep.E_ENV, f"{type(e).__name__}: {e}"))
                return
            if len(reply) > conn.max_message:
                conn.send(ep.error_msg(ep.E_TOO_LARGE, f"reply of {len(reply)} bytes exceeds the negotiated "
                                                       f"maximum {conn.max_message}"))
                return
            conn.send(reply)
    except ep.ProtocolError as e:
        log(f"client error: {e}")
        try:
            conn.send(ep.error_msg(e.code, str(e)))
        except OSError:
            pass
    except (OSError, EOFError) as e:
        log(f"client went away: {e}")
    finally:
        if host is not None:
            host.close()
        conn.close()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--env", required=True, help="MODULE:FACTORY or path/to/file.py:FACTORY")
    p.add_argument("--env-kwargs", default="{}", help="JSON object of keyword arguments for FACTORY")
    p.add_argument("--num-envs", type=int, default=1)
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (loopback by default)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--port", type=int, default=5555, help="TCP port; 0 picks a free one")
    where.add_argument("--unix", help="Unix domain socket path")
    p.add_argument("--autoreset", choices=list(ep.AUTORESET_MODES), default="next-step")
    p.add_argument("--max-message", type=int, default=ep.DEFAULT_MAX_MESSAGE, help="largest message in bytes")
    p.add_argument("--quiet", action="store_true", help="do not log client errors to stderr")
    a = p.parse_args(argv)
    if a.num_envs < 1 or a.num_envs > 65536:
        p.error("--num-envs must be 1..65536")
    if a.max_message < ep.MIN_MAX_MESSAGE:
        p.error(f"--max-message must be at least {ep.MIN_MAX_MESSAGE}")
    try:
        kwargs = json.loads(a.env_kwargs)
    except ValueError as e:
        p.error(f"--env-kwargs is not JSON: {e}")
    if not isinstance(kwargs, dict):
        p.error("--env-kwargs must be a JSON object")
    factory = load_factory(a.env)

    def log(text):
        if not a.quiet:
            print(f"serve.py: {text}", file=sys.stderr, flush=True)

    if a.unix:
        if os.path.exists(a.unix) and stat.S_ISSOCK(os.stat(a.unix).st_mode):
            os.unlink(a.unix)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(a.unix)
        address = f"unix:{a.unix}"
    else:
        family = socket.AF_INET6 if ":" in a.host else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((a.host, a.port))
        host = f"[{a.host}]" if family == socket.AF_INET6 else a.host
        address = f"tcp://{host}:{listener.getsockname()[1]}"
    listener.listen(16)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"listening on {address}", flush=True)
    autoreset = ep.AUTORESET_MODES[a.autoreset]
    try:
        while True:
            sock, _ = listener.accept()
            threading.Thread(target=serve_connection, daemon=True,
                             args=(sock, factory, kwargs, a.num_envs, autoreset, a.max_message, a.env, log)).start()
    except KeyboardInterrupt:
        pass
    finally:
        listener.close()
        if a.unix and os.path.exists(a.unix):
            os.unlink(a.unix)


if __name__ == "__main__":
    main()
