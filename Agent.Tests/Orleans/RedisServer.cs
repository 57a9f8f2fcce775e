using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace AgentRnn.Tests.Orleans;

/// <summary>
/// Debian's redis-server on a free loopback port, in a temporary folder, without snapshots; stopped and removed on
/// dispose. Installed by tools/ensure-test-deps.sh and .ci/run.
/// </summary>
internal sealed class RedisServer : IDisposable
{
    private readonly Process _process;
    private readonly string _folder;

    private RedisServer(Process process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The StackExchange.Redis configuration string.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    public static RedisServer Start()
    {
        string exe = File.Exists("/usr/bin/redis-server") ? "/usr/bin/redis-server" : "redis-server";
        string folder = Directory.CreateTempSubdirectory("agentrnn-redis-").FullName;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            int port = FreePort();
            var info = new ProcessStartInfo(exe)
            {
                ArgumentList = { "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", folder, "--loglevel", "warning" },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            Process process;
            try
            {
                process = Process.Start(info)!;
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new InvalidOperationException("redis-server is not installed (apt-get install redis-server; tools/ensure-test-deps.sh does it)", e);
            }
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(10) && !process.HasExited)
            {
                if (Ping(port))
                {
                    return new RedisServer(process, folder, port);
                }
                Thread.Sleep(50);
            }
            if (!process.HasExited)
            {
                process.Kill();
            }
            process.WaitForExit();
        }
        throw new InvalidOperationException("redis-server did not answer PING on a loopback port within 10 s (5 tries)");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool Ping(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            using NetworkStream stream = client.GetStream();
            stream.Write("PING\r\n"u8);
            stream.ReadTimeout = 1000;
            byte[] reply = new byte[7];
            int n = stream.Read(reply);
            return n >= 5 && reply[0] == (byte)'+';
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
        }
        finally
        {
            _process.Dispose();
            Directory.Delete(_folder, recursive: true);
        }
    }
}
