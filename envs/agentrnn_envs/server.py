"""Serves Gymnasium-style environments over the AgentRnn env protocol (PROTOCOL.md).

    python3 envs/serve.py --env ENV [--env-kwargs JSON] [--num-envs N]
                          [--host 127.0.0.1] [--port P | --unix PATH] [--autoreset next-step]

(after `pip install ./envs`: `python3 -m agentrnn_envs ...` or `agentrnn-serve ...`). ENV is one of
  MODULE:FACTORY           FACTORY(**kwargs) returns the env (MODULE importable from the current folder)
  path/to/file.py:FACTORY  the same, from a file
  gymnasium:ID             gymnasium.make(ID, **kwargs), when gymnasium is installed; ID may be module:Env-v0

The env needs only Gymnasium's methods and spaces (duck-typed: reset(seed=, options=) -> (obs, info),
step(action) -> (obs, reward, terminated, truncated, info), observation_space, action_space, optionally
close()); gymnasium itself is not required. One env is made at start-up to check the factory and its
spaces, then closed. Every connection gets its own N envs; a client that vanishes, stalls mid-message or
sends garbage only loses its own. The first line on stdout is "listening on ADDRESS" (with the real port
when --port 0). Every argument or start-up error is one line on stderr and exit status 2.
"""

import argparse
import errno
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

from . import protocol as ep

HANDSHAKE_TIMEOUT = 30.0  # seconds a new connection may take to begin its HELLO
MESSAGE_TIMEOUT = 30.0    # seconds a message may take to arrive once begun, and a reply to be sent
MAX_CONNECTIONS = 64      # each connection holds N envs: a flood of connections must not exhaust memory
USAGE_ERROR = 2


class StartError(Exception):
    """An argument or start-up problem, said in one line."""


def _one_line(e):
    text = " ".join(str(e).split())
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def _where(e, path=None):
    """' (file, line N)' for the innermost frame of e's traceback (in `path` when given), or ''."""
    if isinstance(e, SyntaxError) and e.filename:
        return f" ({e.filename}, line {e.lineno})"
    frames = traceback.extract_tb(e.__traceback__)
    if path is not None:
        frames = [f for f in frames if os.path.abspath(f.filename) == os.path.abspath(path)] or frames
    return f" ({frames[-1].filename}, line {frames[-1].lineno})" if frames else ""


def _gymnasium_factory(env_id):
    try:
        import gymnasium
    except ImportError:
        raise StartError(f"--env gymnasium:{env_id} needs gymnasium, which is not installed "
                         f"(pip install gymnasium)") from None

    def make(**kwargs):
        return gymnasium.make(env_id, **kwargs)

    return make


def load_factory(spec):
    """The env factory an --env value names (see the module docstring)."""
    if spec.startswith("gymnasium:") and len(spec) > len("gymnasium:"):
        return _gymnasium_factory(spec[len("gymnasium:"):])
    module_name, sep, attr = spec.rpartition(":")
    if not sep or not module_name or not attr:
        raise StartError(f"--env {spec!r} is not MODULE:FACTORY, path/to/file.py:FACTORY or gymnasium:ID")
    if module_name.endswith(".py"):
        if not os.path.isfile(module_name):
            raise StartError(f"--env file {module_name!r} does not exist")
        name = os.path.splitext(os.path.basename(module_name))[0]
        mod_spec = importlib.util.spec_from_file_location(name, module_name)
        module = importlib.util.module_from_spec(mod_spec)
        try:
            mod_spec.loader.exec_module(module)
        except Exception as e:
            raise StartError(f"--env: loading {module_name} failed: {_one_line(e)}{_where(e, module_name)}") from e
    else:
        if os.getcwd() not in sys.path:
            sys.path.append(os.getcwd())
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as e:
            if e.name is not None and (module_name == e.name or module_name.startswith(e.name + ".")):
                raise StartError(f"--env: no module named {e.name!r} (run from the folder that holds it, "
                                 f"put it on PYTHONPATH, or give path/to/file.py:FACTORY)") from e
            raise StartError(f"--env: importing {module_name} failed: {_one_line(e)}{_where(e)}") from e
        except Exception as e:
            raise StartError(f"--env: importing {module_name} failed: {_one_line(e)}{_where(e)}") from e
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise StartError(f"--env: {module_name} has no callable {attr!r}")
    return factory


def check_env(factory, kwargs, name):
    """Makes one env to check the factory and its spaces; returns (observation space, action space)."""
    try:
        env = factory(**kwargs)
    except Exception as e:
        raise StartError(f"--env {name}: making the env failed: {_one_line(e)}{_where(e)}") from e
    try:
        for attr in ("observation_space", "action_space"):
            if not hasattr(env, attr):
                raise StartError(f"--env {name}: the env has no {attr}")
        try:
            return ep.to_space(env.observation_space), ep.to_space(env.action_space)
        except ValueError as e:
            raise StartError(f"--env {name}: {e}") from e
    finally:
        close = getattr(env, "close", None)
        if callable(close):
            try:
                close()
            except Exception:  # a probe env that fails to close does not stop the server
                pass


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
        if mask is not None:
            for i, m in enumerate(mask):
                if not m and self.last_obs[i] is None:
                    raise ep.ProtocolError(f"RESET mask leaves env {i} as it is, but it has never been reset "
                                           f"(the first RESET must reset every env)", ep.E_UNEXPECTED)
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
    return sum(ep.DTYPES[ep.DTYPE_CODES[leaf.dtype]][2] * ep.prod(leaf.shape) for leaf in ep.leaves(space)) * num_envs


def _worst_step_result(obs_space, num_envs):
    """An upper bound on a STEP_RESULT's size before its infos: observations and final observations of
    every env, rewards, flags and tensor headers."""
    return 2 * _frame_bytes(obs_space, num_envs) + 64 * num_envs + 1024


def serve_connection(sock, factory, kwargs, num_envs, autoreset, server_max, name, log, verbose=False):
    """Serves one connection until CLOSE, EOF, an error or a stalled peer; never raises."""
    conn = ep.Connection(sock, server_max, MESSAGE_TIMEOUT)
    host = None
    try:
        mtype, payload = conn.recv(ep.HELLO_LIMIT, wait=HANDSHAKE_TIMEOUT)
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
            log(f"creating the env failed: {_one_line(e)}")
            conn.send(ep.error_msg(ep.E_ENV, f"creating the env failed: {_one_line(e)}"))
            return
        worst = _worst_step_result(host.observation_space, num_envs)
        if worst > conn.max_message:
            conn.send(ep.error_msg(ep.E_TOO_LARGE, f"a step result of {num_envs} envs can take {worst} bytes, more "
                                                   f"than the negotiated maximum message size {conn.max_message}"))
            return
        conn.send(ep.spec(host.observation_space, host.action_space, num_envs, autoreset, conn.max_message,
                          {"env": name, "num_envs": num_envs}))
        started = False
        while True:
            try:
                mtype, payload = conn.recv(wait=None)  # trainers may pause between steps for as long as they like
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
                log(f"env raised {_one_line(e)}{_where(e)}" + (f"\n{traceback.format_exc()}" if verbose else ""))
                conn.send(ep.error_msg(ep.E_ENV, _one_line(e)))
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
    except Exception as e:  # a bug here must cost one connection, never the server
        log(f"connection failed: {_one_line(e)}{_where(e)}" + (f"\n{traceback.format_exc()}" if verbose else ""))
    finally:
        if host is not None:
            host.close()
        conn.close()


def _listen_tcp(host, port, backlog):
    where = f"tcp://[{host}]:{port}" if ":" in host else f"tcp://{host}:{port}"
    try:
        family, kind, proto, _, sockaddr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                              flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as e:
        raise StartError(f"cannot listen on {where}: host {host!r} does not resolve ({e.strerror})") from e
    listener = socket.socket(family, kind, proto)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(sockaddr)
        listener.listen(backlog)
    except OSError as e:
        listener.close()
        hint = " (another server has it; --port 0 picks a free port)" if e.errno == errno.EADDRINUSE else ""
        raise StartError(f"cannot listen on {where}: {e.strerror or e}{hint}") from e
    bound = listener.getsockname()
    shown = f"[{bound[0]}]" if family == socket.AF_INET6 else bound[0]
    return listener, f"tcp://{shown}:{bound[1]}"


def _clear_stale_socket(path):
    """Removes a Unix socket file that no server listens on; refuses anything else at path."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as e:
        raise StartError(f"cannot listen on unix:{path}: {e.strerror or e}") from e
    if not stat.S_ISSOCK(st.st_mode):
        raise StartError(f"cannot listen on unix:{path}: it exists and is not a socket (it is left as it is)")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(2.0)
    try:
        probe.connect(path)
    except ConnectionRefusedError:
        os.unlink(path)  # a socket file left by a server that is gone
        return
    except OSError as e:
        raise StartError(f"cannot listen on unix:{path}: {e.strerror or e}") from e
    finally:
        probe.close()
    raise StartError(f"cannot listen on unix:{path}: another server is listening there")


def _listen_unix(path, backlog):
    _clear_stale_socket(path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(path)
        listener.listen(backlog)
        st = os.lstat(path)
    except OSError as e:
        listener.close()
        raise StartError(f"cannot listen on unix:{path}: {e.strerror or e}") from e
    return listener, f"unix:{path}", (st.st_dev, st.st_ino)


class EnvServer:
    """A listening env server. EnvServer(...) checks the env and binds (StartError on any problem);
    serve_forever() accepts connections, each served on its own thread, until close().

    env: a factory callable, or an --env string (MODULE:FACTORY, path/to/file.py:FACTORY, gymnasium:ID).
    address: "tcp://HOST:PORT" (port 0 picks a free one; `address` then holds the real one) or "unix:PATH".
    """

    def __init__(self, env, env_kwargs=None, num_envs=1, address="tcp://127.0.0.1:5555", autoreset="next-step",
                 max_message=ep.DEFAULT_MAX_MESSAGE, max_connections=MAX_CONNECTIONS, log=None, verbose=False):
        if not 1 <= num_envs <= 65536:
            raise StartError(f"--num-envs must be 1..65536, got {num_envs}")
        if autoreset not in ep.AUTORESET_MODES:
            raise StartError(f"--autoreset must be one of {', '.join(ep.AUTORESET_MODES)}, got {autoreset!r}")
        if max_message < ep.MIN_MAX_MESSAGE or max_message > 0xFFFFFFFF:
            raise StartError(f"--max-message must be {ep.MIN_MAX_MESSAGE}..{0xFFFFFFFF}, got {max_message}")
        if max_connections < 1:
            raise StartError(f"--max-connections must be at least 1, got {max_connections}")
        self.env_kwargs = dict(env_kwargs or {})
        if callable(env):
            self.factory, self.name = env, f"{getattr(env, '__module__', '?')}:{getattr(env, '__name__', '?')}"
        else:
            self.factory, self.name = load_factory(env), env
        obs_space, _ = check_env(self.factory, self.env_kwargs, self.name)
        worst = _worst_step_result(obs_space, num_envs)
        if worst > max_message:
            raise StartError(f"a step result of {num_envs} envs can take {worst} bytes, more than the maximum "
                             f"message size {max_message} (raise --max-message or lower --num-envs)")
        self.num_envs = num_envs
        self.autoreset = ep.AUTORESET_MODES[autoreset]
        self.max_message = max_message
        self.max_connections = max_connections
        self.log = log or (lambda text: None)
        self.verbose = verbose
        family, sockaddr = ep.parse_address(address)
        self._unix_id = None
        if family == socket.AF_UNIX:
            self._listener, self.address, self._unix_id = _listen_unix(sockaddr, 16)
            self._unix_path = sockaddr
        else:
            self._listener, self.address = _listen_tcp(sockaddr[0], sockaddr[1], 16)
        self._lock = threading.Lock()
        self._active = set()
        self._closed = False

    def serve_forever(self):
        """Accepts and serves connections until close() (from another thread) or an exception in this one."""
        self._listener.settimeout(0.5)  # wakes to notice close(); accept errors never end the loop
        while not self._closed:
            try:
                sock, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError as e:
                if self._closed:
                    return
                # Out of file descriptors or a connection reset before accept: wait, then go on serving.
                self.log(f"accept failed: {e}")
                threading.Event().wait(0.1)
                continue
            self._admit(sock)

    def _admit(self, sock):
        sock.settimeout(None)
        with self._lock:
            full = len(self._active) >= self.max_connections
            if not full:
                self._active.add(sock)
        if full:
            self.log(f"refused a connection: {self.max_connections} are open (--max-connections)")
            self._refuse(sock)
            return
        try:
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()
        except RuntimeError as e:  # the process cannot start another thread
            self.log(f"refused a connection: {e}")
            with self._lock:
                self._active.discard(sock)
            self._refuse(sock)

    def _refuse(self, sock):
        try:
            sock.settimeout(0.2)  # read the HELLO if it is there, so that closing does not reset the ERROR away
            try:
                sock.recv(ep.HELLO_LIMIT)
            except OSError:
                pass
            sock.sendall(ep.error_msg(ep.E_OTHER, f"the server is at its limit of {self.max_connections} connections"))
        except OSError:
            pass
        finally:
            sock.close()

    def _serve(self, sock):
        try:
            serve_connection(sock, self.factory, self.env_kwargs, self.num_envs, self.autoreset, self.max_message,
                             self.name, self.log, self.verbose)
        finally:
            with self._lock:
                self._active.discard(sock)

    def close(self):
        """Stops accepting, ends every open connection and removes the Unix socket file it made."""
        if self._closed:
            return
        self._closed = True
        try:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes serve_forever's accept at once (Linux)
        except OSError:
            pass
        self._listener.close()
        with self._lock:
            active = list(self._active)
        for sock in active:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._unix_id is not None:
            try:
                st = os.lstat(self._unix_path)
                if stat.S_ISSOCK(st.st_mode) and (st.st_dev, st.st_ino) == self._unix_id:
                    os.unlink(self._unix_path)  # only the socket this server made, never what replaced it
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def serve(env, **kwargs):
    """Serves env until SIGINT or SIGTERM: EnvServer(env, **kwargs), a "listening on ADDRESS" line on
    stdout, then serve_forever(). Returns the name of the signal that stopped it."""
    with EnvServer(env, **kwargs) as server:
        print(f"listening on {server.address}", flush=True)
        return _serve_until_signal(server)


def _serve_until_signal(server):
    """server.serve_forever() until SIGINT or SIGTERM (caught only on the main thread); the signal's name."""
    stopped = []

    def stop(signum, frame):
        stopped.append(signal.Signals(signum).name)
        raise KeyboardInterrupt

    main_thread = threading.current_thread() is threading.main_thread()
    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)} if main_thread else {}
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        return stopped[0] if stopped else "SIGINT"
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    return None


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message} (see --help)\n")


def _port(text):
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a port number 0..65535, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number 0..65535, got {port}")
    return port


def _parser(prog):
    p = _Parser(prog=prog, description=__doc__.split("\n")[0])
    p.add_argument("--env", required=True, help="MODULE:FACTORY, path/to/file.py:FACTORY or gymnasium:ID")
    p.add_argument("--env-kwargs", default="{}", help="JSON object of keyword arguments for FACTORY")
    p.add_argument("--num-envs", type=int, default=1, help="envs per connection (1..65536)")
    p.add_argument("--host", help="interface to listen on (default 127.0.0.1, loopback only)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--port", type=_port, default=5555, help="TCP port; 0 picks a free one (default 5555)")
    where.add_argument("--unix", help="Unix domain socket path (a stale socket there is replaced, nothing else)")
    p.add_argument("--autoreset", choices=list(ep.AUTORESET_MODES), default="next-step")
    p.add_argument("--max-message", type=int, default=ep.DEFAULT_MAX_MESSAGE, help="largest message in bytes")
    p.add_argument("--max-connections", type=int, default=MAX_CONNECTIONS, help="connections served at once")
    p.add_argument("--quiet", action="store_true", help="do not log client errors to stderr")
    p.add_argument("--verbose", action="store_true", help="add Python tracebacks to errors")
    return p


def main(argv=None, prog=None):
    """The command line; returns the exit status (0 when stopped by SIGINT or SIGTERM, 2 on a start-up error)."""
    prog = prog or os.path.basename(sys.argv[0])
    p = _parser(prog)
    a = p.parse_args(argv)
    if a.unix is not None and a.host is not None:
        p.error("--host applies to TCP; --unix listens on a socket file")
    try:
        kwargs = json.loads(a.env_kwargs)
    except ValueError as e:
        p.error(f"--env-kwargs is not JSON: {e}")
    if not isinstance(kwargs, dict):
        p.error("--env-kwargs must be a JSON object")

    def log(text):
        if not a.quiet:
            print(f"{prog}: {text}", file=sys.stderr, flush=True)

    host = a.host or "127.0.0.1"
    address = f"unix:{a.unix}" if a.unix is not None else (f"tcp://[{host}]:{a.port}" if ":" in host
                                                          else f"tcp://{host}:{a.port}")
    try:
        server = EnvServer(a.env, kwargs, a.num_envs, address, a.autoreset, a.max_message, a.max_connections,
                           log, a.verbose)
    except StartError as e:
        if a.verbose:
            traceback.print_exc()
        print(f"{prog}: error: {e}", file=sys.stderr, flush=True)
        return USAGE_ERROR
    with server:
        try:
            print(f"listening on {server.address}", flush=True)
        except OSError:  # stdout closed: serve all the same
            pass
        log(f"stopped ({_serve_until_signal(server)})")
    return 0
